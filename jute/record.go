package jute

// Record is a Jute record: one of ZooKeeper's protocol messages.
//
// AppendTo appends the record's encoding to b and returns the extended slice;
// it does not allocate unless b must grow. Decode reads the record's fields
// from r, overwriting every field; a malformed or truncated input is reported
// by r.Err, never by a panic. Decode does not check that r is exhausted: a
// caller that wants a whole frame to be one record tests r.Len() == 0.
type Record interface {
	AppendTo(b []byte) []byte
	Decode(r *Reader)
}
