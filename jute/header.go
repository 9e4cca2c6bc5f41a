package jute

// RequestHeader starts every request frame after the handshake
// (org.apache.zookeeper.proto.RequestHeader). Xid numbers the request, or is
// one of the special xids (XidPing, XidAuth, XidSetWatches).
type RequestHeader struct {
	Xid  int32
	Type OpCode
}

// AppendTo appends the encoding of h to b.
func (h RequestHeader) AppendTo(b []byte) []byte {
	b = AppendInt(b, h.Xid)
	return AppendInt(b, int32(h.Type))
}

// Decode reads h from r.
func (h *RequestHeader) Decode(r *Reader) {
	h.Xid = r.ReadInt()
	h.Type = OpCode(r.ReadInt())
}

// ReplyHeader starts every reply frame after the handshake
// (org.apache.zookeeper.proto.ReplyHeader): the request's xid, the last zxid
// the server has committed (or the zxid of the change, for a write), and an
// error code (0 for success). Clients read the response body only when Err is
// 0; ZooKeeper sometimes sends one anyway (a failed create carries a
// CreateResponse), and clients ignore it.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  int32
}

// AppendTo appends the encoding of h to b.
func (h ReplyHeader) AppendTo(b []byte) []byte {
	b = AppendInt(b, h.Xid)
	b = AppendLong(b, h.Zxid)
	return AppendInt(b, h.Err)
}

// Decode reads h from r.
func (h *ReplyHeader) Decode(r *Reader) {
	h.Xid = r.ReadInt()
	h.Zxid = r.ReadLong()
	h.Err = r.ReadInt()
}

// WatcherEvent is the body of a notification, a reply with xid
// XidNotification (org.apache.zookeeper.proto.WatcherEvent). Type is a
// Watcher.Event.EventType, State a Watcher.Event.KeeperState.
type WatcherEvent struct {
	Type  int32
	State int32
	Path  string
}

// AppendTo appends the encoding of e to b.
func (e WatcherEvent) AppendTo(b []byte) []byte {
	b = AppendInt(b, e.Type)
	b = AppendInt(b, e.State)
	return AppendString(b, e.Path)
}

// Decode reads e from r.
func (e *WatcherEvent) Decode(r *Reader) {
	e.Type = r.ReadInt()
	e.State = r.ReadInt()
	e.Path = r.ReadString()
}

// MultiHeader precedes each operation of a MultiRequest and each result of a
// MultiResponse (org.apache.zookeeper.proto.MultiHeader). A header with Done
// set ends the sequence.
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  int32
}

// AppendTo appends the encoding of h to b.
func (h MultiHeader) AppendTo(b []byte) []byte {
	b = AppendInt(b, int32(h.Type))
	b = AppendBool(b, h.Done)
	return AppendInt(b, h.Err)
}

// Decode reads h from r.
func (h *MultiHeader) Decode(r *Reader) {
	h.Type = OpCode(r.ReadInt())
	h.Done = r.ReadBool()
	h.Err = r.ReadInt()
}

// ErrorResponse is the result of a failed operation inside a MultiResponse
// (org.apache.zookeeper.proto.ErrorResponse). ZooKeeper also sends one, with
// Err 0, as the body of a successful addWatch reply.
type ErrorResponse struct {
	Err int32
}

// AppendTo appends the encoding of e to b.
func (e ErrorResponse) AppendTo(b []byte) []byte { return AppendInt(b, e.Err) }

// Decode reads e from r.
func (e *ErrorResponse) Decode(r *Reader) { e.Err = r.ReadInt() }
