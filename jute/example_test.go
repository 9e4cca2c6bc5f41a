package jute_test

import (
	"fmt"

	"github.com/zkembed/zkembed/jute"
)

// A server decodes a request frame: the header, then the body its op code
// calls for, with one error check at the end.
func ExampleReader() {
	frame := jute.RequestHeader{Xid: 1, Type: jute.OpGetData}.AppendTo(nil)
	frame = jute.GetDataRequest{Path: "/app/config", Watch: true}.AppendTo(frame)

	r := jute.NewReader(frame)
	var h jute.RequestHeader
	h.Decode(r)
	var req jute.GetDataRequest
	req.Decode(r)
	if err := r.Err(); err != nil {
		fmt.Println("malformed:", err)
		return
	}
	fmt.Println(h.Xid, h.Type, req.Path, req.Watch)
	// Output: 1 getData /app/config true
}

// A server builds a reply frame in a reused buffer without allocating.
func ExampleBeginFrame() {
	buf := make([]byte, 0, 256)
	b, start := jute.BeginFrame(buf[:0])
	b = jute.ReplyHeader{Xid: 1, Zxid: 0x10}.AppendTo(b)
	b = jute.GetDataResponse{Data: []byte("v1")}.AppendTo(b)
	b = jute.EndFrame(b, start)
	fmt.Printf("% x\n", b[:4])
	// Output: 00 00 00 5a
}
