package jute

import "testing"

// BenchmarkEncodeGetDataReply builds a whole getData reply frame (ReplyHeader
// and GetDataResponse) into a reused buffer, as a server does.
func BenchmarkEncodeGetDataReply(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 512)
	rsp := GetDataResponse{Data: make([]byte, 128), Stat: sampleStat}
	for i := 0; b.Loop(); i++ {
		out, start := BeginFrame(buf[:0])
		out = ReplyHeader{Xid: int32(i), Zxid: 0x100000005}.AppendTo(out)
		out = rsp.AppendTo(out)
		out = EndFrame(out, start)
		if len(out) != 4+16+4+128+68 {
			b.Fatalf("frame of %d bytes", len(out))
		}
	}
}

// BenchmarkEncodeReplyHeader encodes a bare reply (a ping or a delete).
func BenchmarkEncodeReplyHeader(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; b.Loop(); i++ {
		out, start := BeginFrame(buf[:0])
		out = ReplyHeader{Xid: int32(i), Zxid: 7}.AppendTo(out)
		out = EndFrame(out, start)
		if len(out) != 20 {
			b.Fatalf("frame of %d bytes", len(out))
		}
	}
}

// BenchmarkEncodeNotification encodes a watch event frame.
func BenchmarkEncodeNotification(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 128)
	ev := WatcherEvent{Type: 3, State: 3, Path: "/service/instances/node-0000000042"}
	for b.Loop() {
		out, start := BeginFrame(buf[:0])
		out = ReplyHeader{Xid: XidNotification, Zxid: -1}.AppendTo(out)
		out = ev.AppendTo(out)
		out = EndFrame(out, start)
		if len(out) != 4+16+12+len(ev.Path) {
			b.Fatalf("frame of %d bytes", len(out))
		}
	}
}

// BenchmarkEncodeGetChildren2Reply encodes a reply with 16 children.
func BenchmarkEncodeGetChildren2Reply(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 1024)
	rsp := GetChildren2Response{Stat: sampleStat}
	for i := range 16 {
		rsp.Children = append(rsp.Children, "child-00000000"+string(rune('a'+i)))
	}
	for b.Loop() {
		out, start := BeginFrame(buf[:0])
		out = ReplyHeader{Xid: 1, Zxid: 7}.AppendTo(out)
		out = rsp.AppendTo(out)
		out = EndFrame(out, start)
		if len(out) < 16*19 {
			b.Fatalf("frame of %d bytes", len(out))
		}
	}
}

// benchDecode decodes a request frame (header and body) with a reused Reader.
func benchDecode(b *testing.B, op OpCode, body Record) {
	b.Helper()
	frame := RequestHeader{Xid: 9, Type: op}.AppendTo(nil)
	frame = body.AppendTo(frame)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	var r Reader
	for b.Loop() {
		r.Reset(frame)
		var h RequestHeader
		h.Decode(&r)
		rec, _ := NewRequest(h.Type)
		rec.Decode(&r)
		if r.Err() != nil || r.Len() != 0 || h.Xid != 9 {
			b.Fatalf("decode: %v, %d left", r.Err(), r.Len())
		}
	}
}

func BenchmarkDecodeGetDataRequest(b *testing.B) {
	benchDecode(b, OpGetData, &GetDataRequest{Path: "/service/config/main", Watch: true})
}

func BenchmarkDecodeExistsRequest(b *testing.B) {
	benchDecode(b, OpExists, &ExistsRequest{Path: "/service/config/main", Watch: true})
}

func BenchmarkDecodeCreateRequest(b *testing.B) {
	benchDecode(b, OpCreate, &CreateRequest{Path: "/locks/lock-", Data: make([]byte, 64),
		ACL: []ACL{{Perms: 31, ID: Id{"world", "anyone"}}}, Flags: 3})
}

func BenchmarkDecodeSetDataRequest(b *testing.B) {
	benchDecode(b, OpSetData, &SetDataRequest{Path: "/service/config/main", Data: make([]byte, 128), Version: -1})
}

func BenchmarkDecodeMultiRequest(b *testing.B) {
	benchDecode(b, OpMulti, &sampleMulti)
}

// BenchmarkDecodeRequestHeader decodes only the header, which allocates
// nothing.
func BenchmarkDecodeRequestHeader(b *testing.B) {
	frame := RequestHeader{Xid: 9, Type: OpPing}.AppendTo(nil)
	b.ReportAllocs()
	var r Reader
	for b.Loop() {
		r.Reset(frame)
		var h RequestHeader
		h.Decode(&r)
		if r.Err() != nil || h.Type != OpPing {
			b.Fatal(r.Err())
		}
	}
}

func BenchmarkDecodeConnectRequest(b *testing.B) {
	frame := ConnectRequest{Timeout: 30000, Passwd: make([]byte, 16), HasReadOnly: true}.AppendTo(nil)
	b.ReportAllocs()
	var r Reader
	for b.Loop() {
		r.Reset(frame)
		var c ConnectRequest
		c.Decode(&r)
		if r.Err() != nil || !c.HasReadOnly {
			b.Fatal(r.Err())
		}
	}
}

// TestEncodeDoesNotAllocate pins the zero-allocation encode path the
// benchmarks measure, so a regression fails the tests.
func TestEncodeDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 4096)
	recs := []Record{
		&ReplyHeader{Xid: 1, Zxid: 2}, &GetDataResponse{Data: make([]byte, 100), Stat: sampleStat},
		&WatcherEvent{Type: 1, State: 3, Path: "/a/b"}, &GetChildren2Response{Children: []string{"a", "b"}, Stat: sampleStat},
		&Create2Response{Path: "/x", Stat: sampleStat}, &ExistsResponse{Stat: sampleStat},
		&GetACLResponse{ACL: sampleACL, Stat: sampleStat}, &sampleMultiResponse, &ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: true},
	}
	for _, rec := range recs {
		allocs := testing.AllocsPerRun(100, func() {
			out, start := BeginFrame(buf[:0])
			out = rec.AppendTo(out)
			_ = EndFrame(out, start)
		})
		if allocs != 0 {
			t.Errorf("encoding %T into a reused buffer allocated %v times", rec, allocs)
		}
	}
}

// TestDecodeHeaderDoesNotAllocate checks that decoding fixed-size records
// with a reused Reader allocates nothing.
func TestDecodeHeaderDoesNotAllocate(t *testing.T) {
	in := RequestHeader{Xid: 1, Type: OpGetData}.AppendTo(nil)
	in = ReplyHeader{Xid: 1, Zxid: 2}.AppendTo(in)
	in = sampleStat.AppendTo(in)
	var r Reader
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(in)
		var h RequestHeader
		var rh ReplyHeader
		var s Stat
		h.Decode(&r)
		rh.Decode(&r)
		s.Decode(&r)
		if r.Err() != nil || s != sampleStat {
			t.Fatal(r.Err())
		}
	})
	if allocs != 0 {
		t.Fatalf("decoding headers and a Stat allocated %v times", allocs)
	}
}
