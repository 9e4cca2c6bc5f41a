package transport

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/jute"
)

func benchServer(b *testing.B) *testServer {
	b.Helper()
	return startServer(b, Options{Logger: slog.New(slog.DiscardHandler)})
}

// BenchmarkServerGetData times one getData round trip at a time on a raw
// connection.
func BenchmarkServerGetData(b *testing.B) {
	for _, tr := range transports {
		b.Run(tr, func(b *testing.B) {
			ts := benchServer(b)
			rc, _ := ts.rawSession(b, tr)
			rc.send(1, jute.OpCreate, &jute.CreateRequest{Path: "/b", Data: make([]byte, 100),
				ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}})
			if h, _ := rc.reply(); h.Err != 0 {
				b.Fatalf("create: %d", h.Err)
			}
			req := request(2, jute.OpGetData, &jute.GetDataRequest{Path: "/b"})
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				rc.write(req)
				h, r := rc.reply()
				if h.Xid != 2 || h.Err != 0 || r.Len() != 4+100+68 {
					b.Fatalf("reply %+v with %d bytes", h, r.Len())
				}
			}
		})
	}
}

// BenchmarkServerGetDataPipelined keeps 64 getData requests in flight on one
// connection.
func BenchmarkServerGetDataPipelined(b *testing.B) {
	const depth = 64
	ts := benchServer(b)
	rc, _ := ts.rawSession(b, "tcp")
	var batch []byte
	for i := range depth {
		batch = append(batch, request(int32(i), jute.OpGetData, &jute.GetDataRequest{Path: "/zookeeper"})...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		go rc.nc.Write(batch)
		for j := range depth {
			if h, _ := rc.reply(); h.Xid != int32(j) || h.Err != 0 {
				b.Fatalf("reply %+v, want xid %d", h, j)
			}
		}
	}
}

// BenchmarkServerSetData times one setData round trip (a write through the
// in-memory engine's sequencer) at a time.
func BenchmarkServerSetData(b *testing.B) {
	ts := benchServer(b)
	rc, _ := ts.rawSession(b, "pipe")
	req := request(1, jute.OpSetData, &jute.SetDataRequest{Path: "/", Data: []byte("x"), Version: -1})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rc.write(req)
		if h, _ := rc.reply(); h.Xid != 1 || h.Err != 0 {
			b.Fatalf("reply %+v", h)
		}
	}
}

// BenchmarkServerGoZKGet times go-zookeeper's Get from 1 and 8 goroutines
// sharing one connection.
func BenchmarkServerGoZKGet(b *testing.B) {
	for _, tr := range transports {
		for _, par := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", tr, par), func(b *testing.B) {
				ts := benchServer(b)
				c, _, _ := ts.zkConn(b, tr)
				if _, err := c.Create("/g", []byte("data"), 0, openACL); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetParallelism(par)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if d, _, err := c.Get("/g"); err != nil || string(d) != "data" {
							b.Errorf("Get = %q, %v", d, err)
							return
						}
					}
				})
			})
		}
	}
}

// BenchmarkDecodeCreate times decoding a create request into an api
// request.
func BenchmarkDecodeCreate(b *testing.B) {
	body := (&jute.CreateRequest{Path: "/a/b/c", Data: make([]byte, 64), Flags: 1,
		ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}}).AppendTo(nil)
	var r jute.Reader
	b.ReportAllocs()
	for range b.N {
		r.Reset(body)
		req, _, code := decodeRequest(jute.OpCreate, &r)
		if code != api.OK || req.(*api.CreateRequest).Path != "/a/b/c" {
			b.Fatalf("decode: %v", code)
		}
	}
}

// BenchmarkAppendGetDataReply times encoding a getData reply frame into a
// reused buffer.
func BenchmarkAppendGetDataReply(b *testing.B) {
	it := item{kind: kindReply, op: jute.OpGetData, xid: 7,
		resp: api.Response{Zxid: 9, Data: make([]byte, 100), Stat: &api.Stat{Version: 3, DataLength: 100}}}
	var buf []byte
	var start int
	b.ReportAllocs()
	for range b.N {
		buf, start = jute.BeginFrame(buf[:0])
		buf = appendResponse(buf, &it)
		buf = jute.EndFrame(buf, start)
		if len(buf) != 4+16+4+100+68 {
			b.Fatalf("frame of %d bytes", len(buf))
		}
	}
}

// BenchmarkAppendMultiReply times encoding the reply of a multi of a
// create2, a setData and a delete into a reused buffer.
func BenchmarkAppendMultiReply(b *testing.B) {
	st := &api.Stat{Version: 1, DataLength: 10}
	it := item{kind: kindReply, op: jute.OpMulti, xid: 7,
		multi: []jute.OpCode{jute.OpCreate2, jute.OpSetData, jute.OpDelete},
		resp:  api.Response{Zxid: 9, Results: []api.OpResult{{Path: "/a/b", Stat: st}, {Stat: st}, {}}}}
	var buf []byte
	var start int
	b.ReportAllocs()
	for range b.N {
		buf, start = jute.BeginFrame(buf[:0])
		buf = appendResponse(buf, &it)
		buf = jute.EndFrame(buf, start)
		if len(buf) != 4+16+(9+4+4+68)+(9+68)+9+9 {
			b.Fatalf("frame of %d bytes", len(buf))
		}
	}
}
