package jute

// CreateRequest is the body of create, create2 and createContainer requests
// (org.apache.zookeeper.proto.CreateRequest). Flags is the CreateMode value.
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
}

// AppendTo appends the encoding of c to b.
func (c CreateRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, c.Path)
	b = AppendBuffer(b, c.Data)
	b = AppendACLVector(b, c.ACL)
	return AppendInt(b, c.Flags)
}

// Decode reads c from r.
func (c *CreateRequest) Decode(r *Reader) {
	c.Path = r.ReadString()
	c.Data = r.ReadBuffer()
	c.ACL = r.ReadACLVector()
	c.Flags = r.ReadInt()
}

// CreateTTLRequest is the body of a createTTL request: a CreateRequest with a
// time to live in milliseconds (org.apache.zookeeper.proto.CreateTTLRequest).
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
	TTL   int64
}

// AppendTo appends the encoding of c to b.
func (c CreateTTLRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, c.Path)
	b = AppendBuffer(b, c.Data)
	b = AppendACLVector(b, c.ACL)
	b = AppendInt(b, c.Flags)
	return AppendLong(b, c.TTL)
}

// Decode reads c from r.
func (c *CreateTTLRequest) Decode(r *Reader) {
	c.Path = r.ReadString()
	c.Data = r.ReadBuffer()
	c.ACL = r.ReadACLVector()
	c.Flags = r.ReadInt()
	c.TTL = r.ReadLong()
}

// DeleteRequest is the body of a delete request
// (org.apache.zookeeper.proto.DeleteRequest). Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

// AppendTo appends the encoding of d to b.
func (d DeleteRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, d.Path)
	return AppendInt(b, d.Version)
}

// Decode reads d from r.
func (d *DeleteRequest) Decode(r *Reader) {
	d.Path = r.ReadString()
	d.Version = r.ReadInt()
}

// ExistsRequest is the body of an exists request
// (org.apache.zookeeper.proto.ExistsRequest).
type ExistsRequest struct {
	Path  string
	Watch bool
}

// AppendTo appends the encoding of e to b.
func (e ExistsRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, e.Path)
	return AppendBool(b, e.Watch)
}

// Decode reads e from r.
func (e *ExistsRequest) Decode(r *Reader) {
	e.Path = r.ReadString()
	e.Watch = r.ReadBool()
}

// GetDataRequest is the body of a getData request
// (org.apache.zookeeper.proto.GetDataRequest).
type GetDataRequest struct {
	Path  string
	Watch bool
}

// AppendTo appends the encoding of g to b.
func (g GetDataRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, g.Path)
	return AppendBool(b, g.Watch)
}

// Decode reads g from r.
func (g *GetDataRequest) Decode(r *Reader) {
	g.Path = r.ReadString()
	g.Watch = r.ReadBool()
}

// SetDataRequest is the body of a setData request
// (org.apache.zookeeper.proto.SetDataRequest). Version -1 matches any version.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// AppendTo appends the encoding of s to b.
func (s SetDataRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, s.Path)
	b = AppendBuffer(b, s.Data)
	return AppendInt(b, s.Version)
}

// Decode reads s from r.
func (s *SetDataRequest) Decode(r *Reader) {
	s.Path = r.ReadString()
	s.Data = r.ReadBuffer()
	s.Version = r.ReadInt()
}

// GetACLRequest is the body of a getACL request
// (org.apache.zookeeper.proto.GetACLRequest).
type GetACLRequest struct {
	Path string
}

// AppendTo appends the encoding of g to b.
func (g GetACLRequest) AppendTo(b []byte) []byte { return AppendString(b, g.Path) }

// Decode reads g from r.
func (g *GetACLRequest) Decode(r *Reader) { g.Path = r.ReadString() }

// SetACLRequest is the body of a setACL request
// (org.apache.zookeeper.proto.SetACLRequest). Version is the expected
// aversion, -1 for any.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// AppendTo appends the encoding of s to b.
func (s SetACLRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, s.Path)
	b = AppendACLVector(b, s.ACL)
	return AppendInt(b, s.Version)
}

// Decode reads s from r.
func (s *SetACLRequest) Decode(r *Reader) {
	s.Path = r.ReadString()
	s.ACL = r.ReadACLVector()
	s.Version = r.ReadInt()
}

// GetChildrenRequest is the body of a getChildren request
// (org.apache.zookeeper.proto.GetChildrenRequest).
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

// AppendTo appends the encoding of g to b.
func (g GetChildrenRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, g.Path)
	return AppendBool(b, g.Watch)
}

// Decode reads g from r.
func (g *GetChildrenRequest) Decode(r *Reader) {
	g.Path = r.ReadString()
	g.Watch = r.ReadBool()
}

// GetChildren2Request is the body of a getChildren2 request, answered with
// the children and the parent's Stat
// (org.apache.zookeeper.proto.GetChildren2Request).
type GetChildren2Request struct {
	Path  string
	Watch bool
}

// AppendTo appends the encoding of g to b.
func (g GetChildren2Request) AppendTo(b []byte) []byte {
	b = AppendString(b, g.Path)
	return AppendBool(b, g.Watch)
}

// Decode reads g from r.
func (g *GetChildren2Request) Decode(r *Reader) {
	g.Path = r.ReadString()
	g.Watch = r.ReadBool()
}

// CheckVersionRequest is the body of a check operation
// (org.apache.zookeeper.proto.CheckVersionRequest).
type CheckVersionRequest struct {
	Path    string
	Version int32
}

// AppendTo appends the encoding of c to b.
func (c CheckVersionRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, c.Path)
	return AppendInt(b, c.Version)
}

// Decode reads c from r.
func (c *CheckVersionRequest) Decode(r *Reader) {
	c.Path = r.ReadString()
	c.Version = r.ReadInt()
}

// SyncRequest is the body of a sync request
// (org.apache.zookeeper.proto.SyncRequest).
type SyncRequest struct {
	Path string
}

// AppendTo appends the encoding of s to b.
func (s SyncRequest) AppendTo(b []byte) []byte { return AppendString(b, s.Path) }

// Decode reads s from r.
func (s *SyncRequest) Decode(r *Reader) { s.Path = r.ReadString() }

// AuthPacket is the body of an auth request, sent with xid XidAuth
// (org.apache.zookeeper.proto.AuthPacket). Type is unused and 0.
type AuthPacket struct {
	Type   int32
	Scheme string
	Auth   []byte
}

// AppendTo appends the encoding of a to b.
func (a AuthPacket) AppendTo(b []byte) []byte {
	b = AppendInt(b, a.Type)
	b = AppendString(b, a.Scheme)
	return AppendBuffer(b, a.Auth)
}

// Decode reads a from r.
func (a *AuthPacket) Decode(r *Reader) {
	a.Type = r.ReadInt()
	a.Scheme = r.ReadString()
	a.Auth = r.ReadBuffer()
}

// SetWatches is the body of a setWatches request, sent with xid
// XidSetWatches after a reconnect to re-register one-shot watches
// (org.apache.zookeeper.proto.SetWatches).
type SetWatches struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

// AppendTo appends the encoding of s to b.
func (s SetWatches) AppendTo(b []byte) []byte {
	b = AppendLong(b, s.RelativeZxid)
	b = AppendStringVector(b, s.DataWatches)
	b = AppendStringVector(b, s.ExistWatches)
	return AppendStringVector(b, s.ChildWatches)
}

// Decode reads s from r.
func (s *SetWatches) Decode(r *Reader) {
	s.RelativeZxid = r.ReadLong()
	s.DataWatches = r.ReadStringVector()
	s.ExistWatches = r.ReadStringVector()
	s.ChildWatches = r.ReadStringVector()
}

// SetWatches2 is the body of a setWatches2 request, SetWatches with the
// persistent and persistent-recursive watches of 3.6 and later
// (org.apache.zookeeper.proto.SetWatches2).
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

// AppendTo appends the encoding of s to b.
func (s SetWatches2) AppendTo(b []byte) []byte {
	b = AppendLong(b, s.RelativeZxid)
	b = AppendStringVector(b, s.DataWatches)
	b = AppendStringVector(b, s.ExistWatches)
	b = AppendStringVector(b, s.ChildWatches)
	b = AppendStringVector(b, s.PersistentWatches)
	return AppendStringVector(b, s.PersistentRecursiveWatches)
}

// Decode reads s from r.
func (s *SetWatches2) Decode(r *Reader) {
	s.RelativeZxid = r.ReadLong()
	s.DataWatches = r.ReadStringVector()
	s.ExistWatches = r.ReadStringVector()
	s.ChildWatches = r.ReadStringVector()
	s.PersistentWatches = r.ReadStringVector()
	s.PersistentRecursiveWatches = r.ReadStringVector()
}

// AddWatchRequest is the body of an addWatch request
// (org.apache.zookeeper.proto.AddWatchRequest). Mode is
// AddWatchModePersistent or AddWatchModePersistentRecursive.
type AddWatchRequest struct {
	Path string
	Mode int32
}

// AppendTo appends the encoding of a to b.
func (a AddWatchRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, a.Path)
	return AppendInt(b, a.Mode)
}

// Decode reads a from r.
func (a *AddWatchRequest) Decode(r *Reader) {
	a.Path = r.ReadString()
	a.Mode = r.ReadInt()
}

// RemoveWatchesRequest is the body of a removeWatches request
// (org.apache.zookeeper.proto.RemoveWatchesRequest). Type is a WatcherType*
// constant.
type RemoveWatchesRequest struct {
	Path string
	Type int32
}

// AppendTo appends the encoding of w to b.
func (w RemoveWatchesRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, w.Path)
	return AppendInt(b, w.Type)
}

// Decode reads w from r.
func (w *RemoveWatchesRequest) Decode(r *Reader) {
	w.Path = r.ReadString()
	w.Type = r.ReadInt()
}

// CheckWatchesRequest is the body of a checkWatches request
// (org.apache.zookeeper.proto.CheckWatchesRequest). Type is a WatcherType*
// constant.
type CheckWatchesRequest struct {
	Path string
	Type int32
}

// AppendTo appends the encoding of w to b.
func (w CheckWatchesRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, w.Path)
	return AppendInt(b, w.Type)
}

// Decode reads w from r.
func (w *CheckWatchesRequest) Decode(r *Reader) {
	w.Path = r.ReadString()
	w.Type = r.ReadInt()
}

// GetEphemeralsRequest is the body of a getEphemerals request
// (org.apache.zookeeper.proto.GetEphemeralsRequest): the session's ephemeral
// znodes whose paths start with PrefixPath.
type GetEphemeralsRequest struct {
	PrefixPath string
}

// AppendTo appends the encoding of g to b.
func (g GetEphemeralsRequest) AppendTo(b []byte) []byte { return AppendString(b, g.PrefixPath) }

// Decode reads g from r.
func (g *GetEphemeralsRequest) Decode(r *Reader) { g.PrefixPath = r.ReadString() }

// GetAllChildrenNumberRequest is the body of a getAllChildrenNumber request
// (org.apache.zookeeper.proto.GetAllChildrenNumberRequest).
type GetAllChildrenNumberRequest struct {
	Path string
}

// AppendTo appends the encoding of g to b.
func (g GetAllChildrenNumberRequest) AppendTo(b []byte) []byte { return AppendString(b, g.Path) }

// Decode reads g from r.
func (g *GetAllChildrenNumberRequest) Decode(r *Reader) { g.Path = r.ReadString() }

// ReconfigRequest is the body of a reconfig request
// (org.apache.zookeeper.proto.ReconfigRequest). A standalone server answers
// it with an error (ZooKeeper: ReconfigDisabled or Unimplemented).
type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	CurConfigID    int64
}

// AppendTo appends the encoding of c to b.
func (c ReconfigRequest) AppendTo(b []byte) []byte {
	b = AppendString(b, c.JoiningServers)
	b = AppendString(b, c.LeavingServers)
	b = AppendString(b, c.NewMembers)
	return AppendLong(b, c.CurConfigID)
}

// Decode reads c from r.
func (c *ReconfigRequest) Decode(r *Reader) {
	c.JoiningServers = r.ReadString()
	c.LeavingServers = r.ReadString()
	c.NewMembers = r.ReadString()
	c.CurConfigID = r.ReadLong()
}

// GetSASLRequest carries a SASL token from the client
// (org.apache.zookeeper.proto.GetSASLRequest).
type GetSASLRequest struct {
	Token []byte
}

// AppendTo appends the encoding of g to b.
func (g GetSASLRequest) AppendTo(b []byte) []byte { return AppendBuffer(b, g.Token) }

// Decode reads g from r.
func (g *GetSASLRequest) Decode(r *Reader) { g.Token = r.ReadBuffer() }

// SetSASLRequest is the body of a sasl request
// (org.apache.zookeeper.proto.SetSASLRequest).
type SetSASLRequest struct {
	Token []byte
}

// AppendTo appends the encoding of s to b.
func (s SetSASLRequest) AppendTo(b []byte) []byte { return AppendBuffer(b, s.Token) }

// Decode reads s from r.
func (s *SetSASLRequest) Decode(r *Reader) { s.Token = r.ReadBuffer() }

// DeleteContainerRequest is the body of a deleteContainer request, which
// ZooKeeper's container manager sends to delete an empty container
// (org.apache.zookeeper.DeleteContainerRequest, written by hand in Java, not
// generated from zookeeper.jute). Its path is encoded as a buffer, which has
// the same bytes as a ustring.
type DeleteContainerRequest struct {
	Path string
}

// AppendTo appends the encoding of d to b.
func (d DeleteContainerRequest) AppendTo(b []byte) []byte { return AppendString(b, d.Path) }

// Decode reads d from r.
func (d *DeleteContainerRequest) Decode(r *Reader) { d.Path = r.ReadString() }
