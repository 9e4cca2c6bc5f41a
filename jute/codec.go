package jute

import (
	"encoding/binary"
	"errors"
)

// Decoding errors. A Reader keeps the first one it meets (a sticky error);
// test for them with errors.Is.
var (
	// ErrTruncated is returned when a record needs more bytes than are left.
	ErrTruncated = errors.New("jute: record truncated")
	// ErrInvalidLength is returned when a buffer, string or vector length is
	// negative (other than -1, which means null) or larger than the bytes left
	// could hold.
	ErrInvalidLength = errors.New("jute: invalid length")
	// ErrInvalidRecord is returned when a record is well formed at the byte
	// level but not a valid record: for example an unknown operation inside
	// a multi.
	ErrInvalidRecord = errors.New("jute: invalid record")
)

// Minimum encoded sizes, used to bound vector counts before allocating.
const (
	sizeInt    = 4
	sizeLong   = 8
	sizeBool   = 1
	sizeString = 4                      // the length prefix of an empty string
	sizeACL    = sizeInt + 2*sizeString // ACL: perms and an Id of two strings
	sizeClient = 2 * sizeString         // ClientInfo: two strings
	nullLength = -1                     // the length Jute writes for null
)

// Reader decodes Jute values from a byte slice. It has a sticky error: after
// the first failure every read returns a zero value and Err reports that
// failure, so a record can be decoded with no error checks between fields and
// one check at the end.
//
// Every length read from the input is checked against the bytes left before
// anything is allocated, so a hostile or truncated input costs at most a small
// multiple of its own size. Strings and buffers are copied out of the input,
// so the input may be reused as soon as decoding is done.
//
// The zero Reader reads from an empty input.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader returns a Reader that decodes b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Reset makes r decode b from its start and clears the error, so one Reader
// can be reused without allocating.
func (r *Reader) Reset(b []byte) { *r = Reader{buf: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Len returns the number of bytes not yet read.
func (r *Reader) Len() int { return len(r.buf) - r.off }

// Offset returns the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

// Fail records err as the Reader's error if it has none yet. Record decoders
// use it to report records that are well formed but invalid.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// take returns the next n bytes, or nil and a sticky error if fewer are left.
func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.buf)-r.off {
		r.err = ErrTruncated
		r.off = len(r.buf)
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// ReadInt reads a Jute int: 4 bytes, big-endian, two's complement.
func (r *Reader) ReadInt() int32 {
	b := r.take(sizeInt)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// ReadLong reads a Jute long: 8 bytes, big-endian, two's complement.
func (r *Reader) ReadLong() int64 {
	b := r.take(sizeLong)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// ReadBool reads a Jute boolean: one byte, any non-zero value is true (as
// Java's DataInput.readBoolean).
func (r *Reader) ReadBool() bool {
	b := r.take(sizeBool)
	if b == nil {
		return false
	}
	return b[0] != 0
}

// readLength reads a length prefix. It returns -1 for null, and fails on any
// other negative value or a length larger than the bytes left divided by
// minSize (the smallest encoding of one element).
func (r *Reader) readLength(minSize int) int {
	n := r.ReadInt()
	if r.err != nil {
		return 0
	}
	if n == nullLength {
		return nullLength
	}
	if n < 0 || int(n) > r.Len()/minSize {
		r.fail(ErrInvalidLength)
		return 0
	}
	return int(n)
}

// fail sets err and stops all further reads.
func (r *Reader) fail(err error) {
	r.Fail(err)
	r.off = len(r.buf)
}

// ReadBuffer reads a Jute buffer: an int length then that many bytes. Length
// -1 (null) gives nil; length 0 gives an empty, non-nil slice. The bytes are
// copied, so the result does not alias the input.
func (r *Reader) ReadBuffer() []byte {
	n := r.readLength(1)
	if r.err != nil || n == nullLength {
		return nil
	}
	if n == 0 {
		return []byte{} // non-nil, and a zero-size allocation costs nothing
	}
	return append([]byte(nil), r.take(n)...)
}

// ReadString reads a Jute ustring: an int length then that many bytes of
// UTF-8. Null (length -1) reads as "", since Go strings cannot be null. The
// bytes are not checked for valid UTF-8, as ZooKeeper's server does not
// reject them either.
func (r *Reader) ReadString() string {
	n := r.readLength(1)
	if r.err != nil || n <= 0 {
		return ""
	}
	return string(r.take(n))
}

// ReadStringVector reads a Jute vector<ustring>. Null (count -1) gives nil;
// count 0 gives an empty, non-nil slice.
func (r *Reader) ReadStringVector() []string {
	n := r.readLength(sizeString)
	if r.err != nil || n == nullLength {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = r.ReadString()
	}
	if r.err != nil {
		return nil
	}
	return v
}

// ReadACLVector reads a Jute vector<ACL>. Null (count -1) gives nil; count 0
// gives an empty, non-nil slice.
func (r *Reader) ReadACLVector() []ACL {
	n := r.readLength(sizeACL)
	if r.err != nil || n == nullLength {
		return nil
	}
	v := make([]ACL, n)
	for i := range v {
		v[i].Decode(r)
	}
	if r.err != nil {
		return nil
	}
	return v
}

// ReadClientInfoVector reads a Jute vector<ClientInfo>. Null (count -1) gives
// nil; count 0 gives an empty, non-nil slice.
func (r *Reader) ReadClientInfoVector() []ClientInfo {
	n := r.readLength(sizeClient)
	if r.err != nil || n == nullLength {
		return nil
	}
	v := make([]ClientInfo, n)
	for i := range v {
		v[i].Decode(r)
	}
	if r.err != nil {
		return nil
	}
	return v
}

// AppendInt appends a Jute int to b.
func AppendInt(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

// AppendLong appends a Jute long to b.
func AppendLong(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

// AppendBool appends a Jute boolean (one byte, 1 or 0) to b.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendBuffer appends a Jute buffer to b: its length then its bytes. A nil v
// is written as null (length -1), an empty non-nil v as length 0, as Java
// writes null and empty arrays.
func AppendBuffer(b []byte, v []byte) []byte {
	if v == nil {
		return AppendInt(b, nullLength)
	}
	b = AppendInt(b, int32(len(v)))
	return append(b, v...)
}

// AppendString appends a Jute ustring to b: its length in bytes, then its
// bytes.
func AppendString(b []byte, s string) []byte {
	b = AppendInt(b, int32(len(s)))
	return append(b, s...)
}

// AppendStringVector appends a Jute vector<ustring> to b. A nil v is written
// as null (count -1).
func AppendStringVector(b []byte, v []string) []byte {
	if v == nil {
		return AppendInt(b, nullLength)
	}
	b = AppendInt(b, int32(len(v)))
	for _, s := range v {
		b = AppendString(b, s)
	}
	return b
}

// AppendACLVector appends a Jute vector<ACL> to b. A nil v is written as null
// (count -1).
func AppendACLVector(b []byte, v []ACL) []byte {
	if v == nil {
		return AppendInt(b, nullLength)
	}
	b = AppendInt(b, int32(len(v)))
	for i := range v {
		b = v[i].AppendTo(b)
	}
	return b
}

// AppendClientInfoVector appends a Jute vector<ClientInfo> to b. A nil v is
// written as null (count -1).
func AppendClientInfoVector(b []byte, v []ClientInfo) []byte {
	if v == nil {
		return AppendInt(b, nullLength)
	}
	b = AppendInt(b, int32(len(v)))
	for i := range v {
		b = v[i].AppendTo(b)
	}
	return b
}
