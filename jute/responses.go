package jute

// CreateResponse is the body of a create reply: the path created, with its
// sequence suffix if any (org.apache.zookeeper.proto.CreateResponse).
type CreateResponse struct {
	Path string
}

// AppendTo appends the encoding of c to b.
func (c CreateResponse) AppendTo(b []byte) []byte { return AppendString(b, c.Path) }

// Decode reads c from r.
func (c *CreateResponse) Decode(r *Reader) { c.Path = r.ReadString() }

// Create2Response is the body of a create2, createContainer or createTTL
// reply: the path created and its Stat
// (org.apache.zookeeper.proto.Create2Response).
type Create2Response struct {
	Path string
	Stat Stat
}

// AppendTo appends the encoding of c to b.
func (c Create2Response) AppendTo(b []byte) []byte {
	b = AppendString(b, c.Path)
	return c.Stat.AppendTo(b)
}

// Decode reads c from r.
func (c *Create2Response) Decode(r *Reader) {
	c.Path = r.ReadString()
	c.Stat.Decode(r)
}

// ExistsResponse is the body of a successful exists reply
// (org.apache.zookeeper.proto.ExistsResponse).
type ExistsResponse struct {
	Stat Stat
}

// AppendTo appends the encoding of e to b.
func (e ExistsResponse) AppendTo(b []byte) []byte { return e.Stat.AppendTo(b) }

// Decode reads e from r.
func (e *ExistsResponse) Decode(r *Reader) { e.Stat.Decode(r) }

// GetDataResponse is the body of a getData reply
// (org.apache.zookeeper.proto.GetDataResponse). Nil Data is written as null,
// as ZooKeeper does for a znode created with null data.
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

// AppendTo appends the encoding of g to b.
func (g GetDataResponse) AppendTo(b []byte) []byte {
	b = AppendBuffer(b, g.Data)
	return g.Stat.AppendTo(b)
}

// Decode reads g from r.
func (g *GetDataResponse) Decode(r *Reader) {
	g.Data = r.ReadBuffer()
	g.Stat.Decode(r)
}

// SetDataResponse is the body of a setData reply
// (org.apache.zookeeper.proto.SetDataResponse).
type SetDataResponse struct {
	Stat Stat
}

// AppendTo appends the encoding of s to b.
func (s SetDataResponse) AppendTo(b []byte) []byte { return s.Stat.AppendTo(b) }

// Decode reads s from r.
func (s *SetDataResponse) Decode(r *Reader) { s.Stat.Decode(r) }

// GetACLResponse is the body of a getACL reply
// (org.apache.zookeeper.proto.GetACLResponse).
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// AppendTo appends the encoding of g to b.
func (g GetACLResponse) AppendTo(b []byte) []byte {
	b = AppendACLVector(b, g.ACL)
	return g.Stat.AppendTo(b)
}

// Decode reads g from r.
func (g *GetACLResponse) Decode(r *Reader) {
	g.ACL = r.ReadACLVector()
	g.Stat.Decode(r)
}

// SetACLResponse is the body of a setACL reply
// (org.apache.zookeeper.proto.SetACLResponse).
type SetACLResponse struct {
	Stat Stat
}

// AppendTo appends the encoding of s to b.
func (s SetACLResponse) AppendTo(b []byte) []byte { return s.Stat.AppendTo(b) }

// Decode reads s from r.
func (s *SetACLResponse) Decode(r *Reader) { s.Stat.Decode(r) }

// GetChildrenResponse is the body of a getChildren reply: the children's
// names, not their paths (org.apache.zookeeper.proto.GetChildrenResponse).
type GetChildrenResponse struct {
	Children []string
}

// AppendTo appends the encoding of g to b.
func (g GetChildrenResponse) AppendTo(b []byte) []byte { return AppendStringVector(b, g.Children) }

// Decode reads g from r.
func (g *GetChildrenResponse) Decode(r *Reader) { g.Children = r.ReadStringVector() }

// GetChildren2Response is the body of a getChildren2 reply: the children's
// names and the parent's Stat
// (org.apache.zookeeper.proto.GetChildren2Response).
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

// AppendTo appends the encoding of g to b.
func (g GetChildren2Response) AppendTo(b []byte) []byte {
	b = AppendStringVector(b, g.Children)
	return g.Stat.AppendTo(b)
}

// Decode reads g from r.
func (g *GetChildren2Response) Decode(r *Reader) {
	g.Children = r.ReadStringVector()
	g.Stat.Decode(r)
}

// SyncResponse is the body of a sync reply
// (org.apache.zookeeper.proto.SyncResponse).
type SyncResponse struct {
	Path string
}

// AppendTo appends the encoding of s to b.
func (s SyncResponse) AppendTo(b []byte) []byte { return AppendString(b, s.Path) }

// Decode reads s from r.
func (s *SyncResponse) Decode(r *Reader) { s.Path = r.ReadString() }

// GetEphemeralsResponse is the body of a getEphemerals reply: full paths
// (org.apache.zookeeper.proto.GetEphemeralsResponse).
type GetEphemeralsResponse struct {
	Ephemerals []string
}

// AppendTo appends the encoding of g to b.
func (g GetEphemeralsResponse) AppendTo(b []byte) []byte { return AppendStringVector(b, g.Ephemerals) }

// Decode reads g from r.
func (g *GetEphemeralsResponse) Decode(r *Reader) { g.Ephemerals = r.ReadStringVector() }

// GetAllChildrenNumberResponse is the body of a getAllChildrenNumber reply:
// the number of descendants (org.apache.zookeeper.proto.GetAllChildrenNumberResponse).
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

// AppendTo appends the encoding of g to b.
func (g GetAllChildrenNumberResponse) AppendTo(b []byte) []byte { return AppendInt(b, g.TotalNumber) }

// Decode reads g from r.
func (g *GetAllChildrenNumberResponse) Decode(r *Reader) { g.TotalNumber = r.ReadInt() }

// WhoAmIResponse is the body of a whoAmI reply: the session's identities
// (org.apache.zookeeper.proto.WhoAmIResponse).
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

// AppendTo appends the encoding of w to b.
func (w WhoAmIResponse) AppendTo(b []byte) []byte { return AppendClientInfoVector(b, w.ClientInfo) }

// Decode reads w from r.
func (w *WhoAmIResponse) Decode(r *Reader) { w.ClientInfo = r.ReadClientInfoVector() }

// SetSASLResponse is the body of a sasl reply
// (org.apache.zookeeper.proto.SetSASLResponse).
type SetSASLResponse struct {
	Token []byte
}

// AppendTo appends the encoding of s to b.
func (s SetSASLResponse) AppendTo(b []byte) []byte { return AppendBuffer(b, s.Token) }

// Decode reads s from r.
func (s *SetSASLResponse) Decode(r *Reader) { s.Token = r.ReadBuffer() }
