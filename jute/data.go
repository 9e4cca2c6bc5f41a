package jute

// Id is an identity in an ACL scheme (org.apache.zookeeper.data.Id): for
// example ("world", "anyone") or ("digest", "user:hash").
type Id struct {
	Scheme string
	ID     string
}

// AppendTo appends the encoding of id to b.
func (id Id) AppendTo(b []byte) []byte {
	b = AppendString(b, id.Scheme)
	return AppendString(b, id.ID)
}

// Decode reads id from r.
func (id *Id) Decode(r *Reader) {
	id.Scheme = r.ReadString()
	id.ID = r.ReadString()
}

// ACL grants the permission bits Perms (ZooDefs.Perms) to ID
// (org.apache.zookeeper.data.ACL).
type ACL struct {
	Perms int32
	ID    Id
}

// AppendTo appends the encoding of a to b.
func (a ACL) AppendTo(b []byte) []byte {
	b = AppendInt(b, a.Perms)
	return a.ID.AppendTo(b)
}

// Decode reads a from r.
func (a *ACL) Decode(r *Reader) {
	a.Perms = r.ReadInt()
	a.ID.Decode(r)
}

// Stat is the metadata of a znode (org.apache.zookeeper.data.Stat).
type Stat struct {
	Czxid          int64 // zxid of the change that created the znode
	Mzxid          int64 // zxid of the last data change
	Ctime          int64 // creation time, milliseconds since the epoch
	Mtime          int64 // time of the last data change, milliseconds since the epoch
	Version        int32 // number of data changes
	Cversion       int32 // number of child changes
	Aversion       int32 // number of ACL changes
	EphemeralOwner int64 // owning session of an ephemeral znode, else 0
	DataLength     int32 // length of the data
	NumChildren    int32 // number of children
	Pzxid          int64 // zxid of the last child change
}

// AppendTo appends the encoding of s to b.
func (s Stat) AppendTo(b []byte) []byte {
	b = AppendLong(b, s.Czxid)
	b = AppendLong(b, s.Mzxid)
	b = AppendLong(b, s.Ctime)
	b = AppendLong(b, s.Mtime)
	b = AppendInt(b, s.Version)
	b = AppendInt(b, s.Cversion)
	b = AppendInt(b, s.Aversion)
	b = AppendLong(b, s.EphemeralOwner)
	b = AppendInt(b, s.DataLength)
	b = AppendInt(b, s.NumChildren)
	return AppendLong(b, s.Pzxid)
}

// Decode reads s from r.
func (s *Stat) Decode(r *Reader) {
	s.Czxid = r.ReadLong()
	s.Mzxid = r.ReadLong()
	s.Ctime = r.ReadLong()
	s.Mtime = r.ReadLong()
	s.Version = r.ReadInt()
	s.Cversion = r.ReadInt()
	s.Aversion = r.ReadInt()
	s.EphemeralOwner = r.ReadLong()
	s.DataLength = r.ReadInt()
	s.NumChildren = r.ReadInt()
	s.Pzxid = r.ReadLong()
}

// ClientInfo is one authenticated identity of a session, as whoAmI reports it
// (org.apache.zookeeper.data.ClientInfo).
type ClientInfo struct {
	AuthScheme string
	User       string
}

// AppendTo appends the encoding of c to b.
func (c ClientInfo) AppendTo(b []byte) []byte {
	b = AppendString(b, c.AuthScheme)
	return AppendString(b, c.User)
}

// Decode reads c from r.
func (c *ClientInfo) Decode(r *Reader) {
	c.AuthScheme = r.ReadString()
	c.User = r.ReadString()
}
