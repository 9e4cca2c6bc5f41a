package jute

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"testing"
)

func TestPrimitiveRoundTrip(t *testing.T) {
	var b []byte
	b = AppendInt(b, math.MinInt32)
	b = AppendInt(b, -1)
	b = AppendLong(b, math.MaxInt64)
	b = AppendLong(b, -2)
	b = AppendBool(b, true)
	b = AppendBool(b, false)
	b = AppendBuffer(b, nil)
	b = AppendBuffer(b, []byte{})
	b = AppendBuffer(b, []byte("data"))
	b = AppendString(b, "")
	b = AppendString(b, "/zoo/ké")
	b = AppendStringVector(b, nil)
	b = AppendStringVector(b, []string{})
	b = AppendStringVector(b, []string{"a", "", "bc"})

	r := NewReader(b)
	if v := r.ReadInt(); v != math.MinInt32 {
		t.Errorf("ReadInt = %d", v)
	}
	if v := r.ReadInt(); v != -1 {
		t.Errorf("ReadInt = %d", v)
	}
	if v := r.ReadLong(); v != math.MaxInt64 {
		t.Errorf("ReadLong = %d", v)
	}
	if v := r.ReadLong(); v != -2 {
		t.Errorf("ReadLong = %d", v)
	}
	if !r.ReadBool() || r.ReadBool() {
		t.Errorf("ReadBool pair wrong")
	}
	if v := r.ReadBuffer(); v != nil {
		t.Errorf("null buffer = %#v, want nil", v)
	}
	if v := r.ReadBuffer(); v == nil || len(v) != 0 {
		t.Errorf("empty buffer = %#v, want empty non-nil", v)
	}
	if v := r.ReadBuffer(); string(v) != "data" {
		t.Errorf("buffer = %q", v)
	}
	if v := r.ReadString(); v != "" {
		t.Errorf("empty string = %q", v)
	}
	if v := r.ReadString(); v != "/zoo/ké" {
		t.Errorf("string = %q", v)
	}
	if v := r.ReadStringVector(); v != nil {
		t.Errorf("null vector = %#v", v)
	}
	if v := r.ReadStringVector(); v == nil || len(v) != 0 {
		t.Errorf("empty vector = %#v", v)
	}
	if v := r.ReadStringVector(); len(v) != 3 || v[0] != "a" || v[1] != "" || v[2] != "bc" {
		t.Errorf("vector = %#v", v)
	}
	if r.Err() != nil || r.Len() != 0 || r.Offset() != len(b) {
		t.Fatalf("err %v, %d bytes left, offset %d of %d", r.Err(), r.Len(), r.Offset(), len(b))
	}
}

func TestPrimitiveEncoding(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"int", AppendInt(nil, 0x01020304), "01020304"},
		{"negative int", AppendInt(nil, -2), "fffffffe"},
		{"long", AppendLong(nil, 0x0102030405060708), "0102030405060708"},
		{"true", AppendBool(nil, true), "01"},
		{"false", AppendBool(nil, false), "00"},
		{"null buffer", AppendBuffer(nil, nil), "ffffffff"},
		{"empty buffer", AppendBuffer(nil, []byte{}), "00000000"},
		{"buffer", AppendBuffer(nil, []byte{9, 8}), "00000002 0908"},
		{"string", AppendString(nil, "/a"), "00000002 2f61"},
		{"null vector", AppendStringVector(nil, nil), "ffffffff"},
		{"vector", AppendStringVector(nil, []string{"x"}), "00000001 00000001 78"},
		{"acl vector", AppendACLVector(nil, []ACL{{Perms: 31, ID: Id{"world", "anyone"}}}),
			"00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65"},
	}
	for _, tt := range tests {
		if want := mustHex(t, tt.want); !bytes.Equal(tt.got, want) {
			t.Errorf("%s: got % x, want % x", tt.name, tt.got, want)
		}
	}
}

func TestReadBoolNonZeroIsTrue(t *testing.T) {
	r := NewReader([]byte{2})
	if !r.ReadBool() {
		t.Fatal("byte 2 read as false; Java's readBoolean reads any non-zero byte as true")
	}
}

func TestStickyError(t *testing.T) {
	r := NewReader([]byte{0, 0, 0, 1, 0xff})
	if v := r.ReadInt(); v != 1 {
		t.Fatalf("ReadInt = %d", v)
	}
	if v := r.ReadInt(); v != 0 || !errors.Is(r.Err(), ErrTruncated) {
		t.Fatalf("short ReadInt = %d, err %v", v, r.Err())
	}
	// Once failed, every read returns zero even if bytes would suffice, and
	// the first error is kept.
	r.Fail(ErrInvalidRecord)
	if r.ReadBool() || r.ReadString() != "" || r.ReadBuffer() != nil || r.ReadLong() != 0 {
		t.Fatal("read after error returned a value")
	}
	if !errors.Is(r.Err(), ErrTruncated) {
		t.Fatalf("err = %v, want the first error", r.Err())
	}
	r.Reset([]byte{1})
	if r.Err() != nil || !r.ReadBool() {
		t.Fatal("Reset did not clear the error")
	}
}

func TestZeroReader(t *testing.T) {
	var r Reader
	if r.Len() != 0 || r.ReadInt() != 0 || !errors.Is(r.Err(), ErrTruncated) {
		t.Fatalf("zero Reader: len %d err %v", r.Len(), r.Err())
	}
}

func TestReadBufferDoesNotAlias(t *testing.T) {
	in := AppendBuffer(nil, []byte("abc"))
	got := NewReader(in).ReadBuffer()
	in[4] = 'X'
	if string(got) != "abc" {
		t.Fatalf("ReadBuffer result changed with its input: %q", got)
	}
	empty := NewReader(AppendBuffer(nil, []byte{})).ReadBuffer()
	if cap(empty) != 0 {
		t.Fatalf("empty buffer has capacity %d; appending to it could write into the input", cap(empty))
	}
}

// TestHostileLengths checks that negative and oversized lengths are refused
// before anything is allocated.
func TestHostileLengths(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		read func(r *Reader)
		want error
	}{
		{"buffer -2", AppendInt(nil, -2), func(r *Reader) { r.ReadBuffer() }, ErrInvalidLength},
		{"buffer min int", AppendInt(nil, math.MinInt32), func(r *Reader) { r.ReadBuffer() }, ErrInvalidLength},
		{"buffer 2 GiB", AppendInt(nil, math.MaxInt32), func(r *Reader) { r.ReadBuffer() }, ErrInvalidLength},
		{"buffer one too long", append(AppendInt(nil, 4), 1, 2, 3), func(r *Reader) { r.ReadBuffer() }, ErrInvalidLength},
		{"string -7", AppendInt(nil, -7), func(r *Reader) { r.ReadString() }, ErrInvalidLength},
		{"string 2 GiB", AppendInt(nil, math.MaxInt32), func(r *Reader) { r.ReadString() }, ErrInvalidLength},
		{"string vector -2", AppendInt(nil, -2), func(r *Reader) { r.ReadStringVector() }, ErrInvalidLength},
		{"string vector huge", AppendInt(nil, math.MaxInt32), func(r *Reader) { r.ReadStringVector() }, ErrInvalidLength},
		// 8 bytes left can hold two empty strings, not three.
		{"string vector over remaining", append(AppendInt(nil, 3), make([]byte, 8)...), func(r *Reader) { r.ReadStringVector() }, ErrInvalidLength},
		{"acl vector huge", append(AppendInt(nil, 1<<30), make([]byte, 64)...), func(r *Reader) { r.ReadACLVector() }, ErrInvalidLength},
		// 23 bytes cannot hold two 12-byte ACLs.
		{"acl vector over remaining", append(AppendInt(nil, 2), make([]byte, 23)...), func(r *Reader) { r.ReadACLVector() }, ErrInvalidLength},
		{"client info vector huge", AppendInt(nil, math.MaxInt32), func(r *Reader) { r.ReadClientInfoVector() }, ErrInvalidLength},
		{"truncated length", []byte{0, 0}, func(r *Reader) { r.ReadBuffer() }, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reader
			allocs := testing.AllocsPerRun(100, func() {
				r.Reset(tt.in)
				tt.read(&r)
			})
			if !errors.Is(r.Err(), tt.want) {
				t.Fatalf("err = %v, want %v", r.Err(), tt.want)
			}
			if allocs != 0 {
				t.Fatalf("refusing the input allocated %v times", allocs)
			}
			if r.Len() != 0 {
				t.Fatalf("reader left %d bytes after a failure; want none", r.Len())
			}
		})
	}
}

// TestVectorAllocationBounded checks that a well-formed vector of empty
// strings, the cheapest element to encode, allocates in proportion to its
// input: one slice of headers and nothing per empty string.
func TestVectorAllocationBounded(t *testing.T) {
	const n = 1000
	in := AppendInt(nil, n)
	in = append(in, make([]byte, 4*n)...)
	var r Reader
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(in)
		if v := r.ReadStringVector(); len(v) != n {
			t.Fatalf("len %d", len(v))
		}
	})
	if allocs != 1 {
		t.Fatalf("decoding %d empty strings allocated %v times, want 1", n, allocs)
	}
}

func TestFrame(t *testing.T) {
	buf := make([]byte, 0, 64)
	b, start := BeginFrame(buf)
	b = ReplyHeader{Xid: 7, Zxid: 0x10, Err: 0}.AppendTo(b)
	b = EndFrame(b, start)
	want := mustHex(t, "00000010 00000007 0000000000000010 00000000")
	if !bytes.Equal(b, want) {
		t.Fatalf("frame = % x, want % x", b, want)
	}
	// Two frames in one buffer.
	b = AppendFrame(b, &RequestHeader{Xid: XidPing, Type: OpPing})
	want = append(want, mustHex(t, "00000008 fffffffe 0000000b")...)
	if !bytes.Equal(b, want) {
		t.Fatalf("frames = % x, want % x", b, want)
	}
	allocs := testing.AllocsPerRun(100, func() {
		b, start := BeginFrame(buf[:0])
		b = ReplyHeader{Xid: 7, Zxid: 0x10}.AppendTo(b)
		b = EndFrame(b, start)
		if len(b) != 20 {
			t.Fatalf("len %d", len(b))
		}
	})
	if allocs != 0 {
		t.Fatalf("framing into a reused buffer allocated %v times", allocs)
	}
}

func TestFrameLength(t *testing.T) {
	tests := []struct {
		hdr  string
		max  int
		want int
		err  error
	}{
		{"00000000", 10, 0, nil},
		{"0000000a", 10, 10, nil},
		{"0000000b", 10, 0, ErrFrameSize},
		{"ffffffff", 10, 0, ErrFrameSize},
		{"7fffffff", DefaultMaxBuffer, 0, ErrFrameSize},
		{"000fffff", DefaultMaxBuffer, DefaultMaxBuffer, nil},
		{"0000", 10, 0, ErrTruncated},
	}
	for _, tt := range tests {
		n, err := FrameLength(mustHex(t, tt.hdr), tt.max)
		if n != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("FrameLength(%s, %d) = %d, %v; want %d, %v", tt.hdr, tt.max, n, err, tt.want, tt.err)
		}
	}
}

func TestReadFrame(t *testing.T) {
	var stream []byte
	stream = AppendFrame(stream, &ReplyHeader{Xid: 1, Zxid: 2, Err: -101})
	stream = AppendFrame(stream, &ErrorResponse{Err: -4})
	rd := bytes.NewReader(stream)
	buf := make([]byte, 0, 8)
	f, err := ReadFrame(rd, buf, 100)
	if err != nil || len(f) != 16 {
		t.Fatalf("first frame: %d bytes, %v", len(f), err)
	}
	var h ReplyHeader
	decodeAll(t, f, &h)
	if h != (ReplyHeader{Xid: 1, Zxid: 2, Err: -101}) {
		t.Fatalf("header %+v", h)
	}
	f, err = ReadFrame(rd, f, 100)
	if err != nil || !bytes.Equal(f, mustHex(t, "fffffffc")) {
		t.Fatalf("second frame: % x, %v", f, err)
	}
	if _, err := ReadFrame(rd, f, 100); err == nil || err.Error() != "EOF" {
		t.Fatalf("at end: %v, want EOF", err)
	}
	// A frame cut short.
	if _, err := ReadFrame(bytes.NewReader(stream[:10]), nil, 100); err == nil || err.Error() != "unexpected EOF" {
		t.Fatalf("short frame: %v, want unexpected EOF", err)
	}
	// An oversize length is refused before its body is read or allocated.
	big := AppendInt(nil, DefaultMaxBuffer+1)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := ReadFrame(bytes.NewReader(big), buf, DefaultMaxBuffer); !errors.Is(err, ErrFrameSize) {
			t.Fatalf("oversize: %v", err)
		}
	})
	if allocs > 1 { // the bytes.Reader itself
		t.Fatalf("refusing an oversize frame allocated %v times", allocs)
	}
}

func TestOpCodeNames(t *testing.T) {
	tests := []struct {
		op   OpCode
		want string
	}{
		{OpNotification, "notification"}, {OpCreate, "create"}, {OpDelete, "delete"},
		{OpExists, "exists"}, {OpGetData, "getData"}, {OpSetData, "setData"},
		{OpGetACL, "getACL"}, {OpSetACL, "setACL"}, {OpGetChildren, "getChildren"},
		{OpSync, "sync"}, {OpPing, "ping"}, {OpGetChildren2, "getChildren2"},
		{OpCheck, "check"}, {OpMulti, "multi"}, {OpCreate2, "create2"},
		{OpReconfig, "reconfig"}, {OpCheckWatches, "checkWatches"},
		{OpRemoveWatches, "removeWatches"}, {OpCreateContainer, "createContainer"},
		{OpDeleteContainer, "deleteContainer"}, {OpCreateTTL, "createTTL"},
		{OpMultiRead, "multiRead"}, {OpAuth, "auth"}, {OpSetWatches, "setWatches"},
		{OpSASL, "sasl"}, {OpGetEphemerals, "getEphemerals"},
		{OpGetAllChildrenNumber, "getAllChildrenNumber"}, {OpSetWatches2, "setWatches2"},
		{OpAddWatch, "addWatch"}, {OpWhoAmI, "whoAmI"}, {OpCreateSession, "createSession"},
		{OpCloseSession, "closeSession"}, {OpError, "error"},
	}
	// The values are ZooDefs.OpCode's.
	values := map[OpCode]int32{
		OpNotification: 0, OpCreate: 1, OpDelete: 2, OpExists: 3, OpGetData: 4, OpSetData: 5,
		OpGetACL: 6, OpSetACL: 7, OpGetChildren: 8, OpSync: 9, OpPing: 11, OpGetChildren2: 12,
		OpCheck: 13, OpMulti: 14, OpCreate2: 15, OpReconfig: 16, OpCheckWatches: 17,
		OpRemoveWatches: 18, OpCreateContainer: 19, OpDeleteContainer: 20, OpCreateTTL: 21,
		OpMultiRead: 22, OpAuth: 100, OpSetWatches: 101, OpSASL: 102, OpGetEphemerals: 103,
		OpGetAllChildrenNumber: 104, OpSetWatches2: 105, OpAddWatch: 106, OpWhoAmI: 107,
		OpCreateSession: -10, OpCloseSession: -11, OpError: -1,
	}
	if len(values) != len(tests) {
		t.Fatalf("%d values for %d names", len(values), len(tests))
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.want {
			t.Errorf("OpCode(%d).String() = %q, want %q", int32(tt.op), got, tt.want)
		}
		if _, ok := values[tt.op]; !ok {
			t.Errorf("%s has no expected value", tt.want)
		}
	}
	for op, v := range values {
		if int32(op) != v {
			t.Errorf("%s = %d, want %d", op, int32(op), v)
		}
	}
	if got := OpCode(10).String(); got != "OpCode(10)" {
		t.Errorf("unknown op: %q", got)
	}
	if OpName(10) != "" {
		t.Errorf("OpName of an unknown op is not empty")
	}
}

// TestWorstCaseAllocationRatio decodes inputs built from the cheapest
// encodings of the largest Go values (empty strings in a vector, minimal ACLs
// and ClientInfos, minimal multi operations) and checks the bytes allocated
// stay within a small multiple of the input: lengths are trusted only as far
// as the input can back them.
func TestWorstCaseAllocationRatio(t *testing.T) {
	const n = 50000
	strs := append(AppendInt(nil, n), make([]byte, 4*n)...)
	acls := append(AppendInt(nil, n), make([]byte, 12*n)...)
	infos := append(AppendInt(nil, n), make([]byte, 8*n)...)
	var multi []byte
	for range n {
		multi = MultiHeader{Type: OpCheck}.AppendTo(multi)
		multi = CheckVersionRequest{}.AppendTo(multi)
	}
	multi = MultiHeader{Type: -1, Done: true}.AppendTo(multi)
	tests := []struct {
		name string
		in   []byte
		rec  func(r *Reader) int
	}{
		{"strings", strs, func(r *Reader) int { return len(r.ReadStringVector()) }},
		{"acls", acls, func(r *Reader) int { return len(r.ReadACLVector()) }},
		{"client infos", infos, func(r *Reader) int { return len(r.ReadClientInfoVector()) }},
		{"multi", multi, func(r *Reader) int { var m MultiRequest; m.Decode(r); return len(m.Ops) }},
	}
	const maxRatio = 6
	for _, tt := range tests {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := NewReader(tt.in)
		got := tt.rec(r)
		runtime.ReadMemStats(&after)
		if r.Err() != nil || got != n {
			t.Fatalf("%s: decoded %d, err %v", tt.name, got, r.Err())
		}
		ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(tt.in))
		t.Logf("%s: %d input bytes, allocated %.1fx", tt.name, len(tt.in), ratio)
		if ratio > maxRatio {
			t.Errorf("%s: allocated %.1f times the input, want at most %d", tt.name, ratio, maxRatio)
		}
	}
}
