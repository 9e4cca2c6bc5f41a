package jute

// ConnectRequest is the first frame a client sends on a connection, with no
// RequestHeader (org.apache.zookeeper.proto.ConnectRequest).
//
// The trailing read-only flag is optional: clients before 3.4, and
// go-zookeeper/zk to this day, end the record after Passwd, while the Java and
// C clients send it. Decode records in HasReadOnly whether it was present, so
// a server can mirror the client's choice in its ConnectResponse, as
// ZooKeeper's ProtocolManager does.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64 // the last zxid the client has seen, 0 for a new session
	Timeout         int32 // requested session timeout, milliseconds
	SessionID       int64 // 0 for a new session, else the session to re-establish
	Passwd          []byte
	ReadOnly        bool // the client accepts a read-only server
	HasReadOnly     bool // the read-only flag is on the wire
}

// AppendTo appends the encoding of c to b. The read-only flag is written when
// HasReadOnly or ReadOnly is set.
func (c ConnectRequest) AppendTo(b []byte) []byte {
	b = AppendInt(b, c.ProtocolVersion)
	b = AppendLong(b, c.LastZxidSeen)
	b = AppendInt(b, c.Timeout)
	b = AppendLong(b, c.SessionID)
	b = AppendBuffer(b, c.Passwd)
	if c.HasReadOnly || c.ReadOnly {
		b = AppendBool(b, c.ReadOnly)
	}
	return b
}

// Decode reads c from r. The read-only flag is read if any byte is left
// after Passwd; HasReadOnly reports whether it was.
func (c *ConnectRequest) Decode(r *Reader) {
	c.ProtocolVersion = r.ReadInt()
	c.LastZxidSeen = r.ReadLong()
	c.Timeout = r.ReadInt()
	c.SessionID = r.ReadLong()
	c.Passwd = r.ReadBuffer()
	c.HasReadOnly = r.Err() == nil && r.Len() > 0
	c.ReadOnly = c.HasReadOnly && r.ReadBool()
}

// ConnectResponse is the server's answer to a ConnectRequest, sent with no
// ReplyHeader (org.apache.zookeeper.proto.ConnectResponse). A Timeout of 0
// tells the client its session is expired.
//
// As in ConnectRequest, the trailing read-only flag is optional: ZooKeeper
// writes it only to clients that sent one.
type ConnectResponse struct {
	ProtocolVersion int32
	Timeout         int32 // negotiated session timeout, milliseconds
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool // the server is read-only
	HasReadOnly     bool // the read-only flag is on the wire
}

// AppendTo appends the encoding of c to b. The read-only flag is written when
// HasReadOnly or ReadOnly is set.
func (c ConnectResponse) AppendTo(b []byte) []byte {
	b = AppendInt(b, c.ProtocolVersion)
	b = AppendInt(b, c.Timeout)
	b = AppendLong(b, c.SessionID)
	b = AppendBuffer(b, c.Passwd)
	if c.HasReadOnly || c.ReadOnly {
		b = AppendBool(b, c.ReadOnly)
	}
	return b
}

// Decode reads c from r. The read-only flag is read if any byte is left
// after Passwd; HasReadOnly reports whether it was.
func (c *ConnectResponse) Decode(r *Reader) {
	c.ProtocolVersion = r.ReadInt()
	c.Timeout = r.ReadInt()
	c.SessionID = r.ReadLong()
	c.Passwd = r.ReadBuffer()
	c.HasReadOnly = r.Err() == nil && r.Len() > 0
	c.ReadOnly = c.HasReadOnly && r.ReadBool()
}
