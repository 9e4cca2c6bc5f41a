// Package jute implements the Jute binary encoding and every record of
// ZooKeeper's client protocol, from 3.4 through 3.9, without reflection.
//
// A Reader decodes from a byte slice with a sticky error; Append functions
// and each record's AppendTo encode by appending to a caller's slice, so a
// server can build every reply in one reused buffer without allocating.
// Every record type (ConnectRequest, RequestHeader, CreateRequest,
// GetDataResponse, MultiRequest, ...) implements Record:
//
//	var req jute.CreateRequest
//	r := jute.NewReader(body)
//	req.Decode(r)
//	if err := r.Err(); err != nil {
//		// malformed request
//	}
//
//	b, start := jute.BeginFrame(buf[:0])
//	b = jute.ReplyHeader{Xid: xid, Zxid: zxid}.AppendTo(b)
//	b = resp.AppendTo(b)
//	b = jute.EndFrame(b, start)
//
// NewRequest and NewResponse map an op code to the record of its request or
// reply body, so a server can dispatch a frame in one switch. MultiRequest and
// MultiResponse hold the operations and results of multi and multiRead.
//
// # Framing
//
// On a ZooKeeper connection every packet is a frame: a 4-byte big-endian
// length, then that many bytes. The client's first frame is a ConnectRequest
// and the server's a ConnectResponse, with no header. After that each request
// frame is a RequestHeader followed by the operation's request record (none
// for ping, closeSession and whoAmI), and each reply a ReplyHeader followed,
// when its Err is 0, by the operation's response record. Notifications are
// replies with xid XidNotification and a WatcherEvent body.
//
// # Safety
//
// Decoding never panics and never trusts a length from the input: every
// buffer, string and vector length is checked against the bytes left before
// anything is allocated (a vector count against the bytes left divided by the
// smallest encoding of one element), so a malformed or hostile frame yields
// ErrTruncated, ErrInvalidLength or ErrInvalidRecord and costs at most a small
// multiple of its own size: the worst cases, a vector of empty strings and a
// multi of minimal operations, allocate about 4 and 5 times their input,
// because a Go string header or operation is larger than its encoding.
// ReadFrame refuses a frame longer than its maximum (DefaultMaxBuffer, as
// ZooKeeper's jute.maxbuffer) before reading or allocating its body.
//
// # Concurrency
//
// A Reader is not safe for concurrent use; records are plain values. Encoding
// functions are safe to call concurrently on distinct buffers.
//
// # Compatibility
//
// The byte layout is ZooKeeper's, as generated from zookeeper.jute and written
// by BinaryOutputArchive; the records cover the client protocol of ZooKeeper
// 3.4 through 3.9 (create2, containers and TTL from 3.5, persistent watches
// and setWatches2 from 3.6, and the later whoAmI). Quirks of ZooKeeper copied on
// purpose are noted on the record or function concerned (the addWatch
// reply's ErrorResponse, DeleteContainerRequest's buffer-encoded path,
// MultiResponse taking an error code from its body). Known choices where Go
// differs from Java:
//
//   - A null ustring (length -1) decodes as "", and "" encodes with length 0:
//     Go strings cannot be null. A null buffer or vector decodes as nil and a
//     nil one encodes as null (-1); an empty one round-trips as length 0.
//   - A vector count below -1 is refused with ErrInvalidLength; Java's
//     BinaryInputArchive reads it as an empty vector. No client sends one.
//   - ConnectRequest and ConnectResponse treat the trailing read-only flag as
//     optional, as ZooKeeper's ProtocolManager does, and record in
//     HasReadOnly whether it was present.
package jute
