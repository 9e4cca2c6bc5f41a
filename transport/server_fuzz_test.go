package transport

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/zkembed/zkembed/jute"
)

// FuzzServerFrames sends arbitrary bytes to a server, either from the start
// of a connection or after a good handshake (the first input byte picks),
// and checks that the server neither panics nor hangs and that a new
// session is served afterwards.
func FuzzServerFrames(f *testing.F) {
	acl := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	connect := jute.AppendFrame(nil, &jute.ConnectRequest{Timeout: 400, Passwd: make([]byte, 16)})
	seeds := [][]byte{
		connect,
		[]byte("ruok"),
		[]byte("mntr"),
		{0xff, 0xff, 0xff, 0xff},
		{0x00, 0x10, 0x00, 0x00, 1},
		request(jute.XidPing, jute.OpPing, nil),
		request(1, jute.OpCreate, &jute.CreateRequest{Path: "/f", Data: []byte("x"), ACL: acl, Flags: 1}),
		request(2, jute.OpGetData, &jute.GetDataRequest{Path: "/f", Watch: true}),
		request(3, jute.OpSetData, &jute.SetDataRequest{Path: "/f", Data: []byte("y"), Version: -1}),
		request(4, jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
			{Type: jute.OpCreate, Body: &jute.CreateRequest{Path: "/g", ACL: acl}},
			{Type: jute.OpCheck, Body: &jute.CheckVersionRequest{Path: "/g", Version: 0}},
		}}),
		request(5, jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
			{Type: jute.OpGetData, Body: &jute.GetDataRequest{Path: "/"}},
		}}),
		request(6, jute.OpSetWatches2, &jute.SetWatches2{DataWatches: []string{"/f"}}),
		request(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("a:b")}),
		request(7, jute.OpCheck, &jute.CheckVersionRequest{Path: "/", Version: -1}),
		request(8, jute.OpCloseSession, nil),
		request(9, jute.OpCode(4242), nil),
	}
	for _, s := range seeds {
		f.Add(append([]byte{0}, s...))
		f.Add(append([]byte{1}, s...))
	}
	f.Add(append([]byte{0}, append(seeds[6], append(seeds[7], seeds[8]...)...)...))

	ts := startServer(f, Options{Logger: slog.New(slog.DiscardHandler), MaxBuffer: 1 << 16})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		nc, err := ts.pipe.Dial()
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		read := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, nc)
			read <- err
		}()
		if in[0]&1 == 0 {
			nc.Write(connect)
		}
		nc.Write(in[1:])
		nc.Close()
		if err := <-read; err != nil && !isClosedErr(err) {
			t.Fatalf("reading the server: %v", err)
		}

		// The server still serves a new session (one that outlives a slow
		// machine: the fuzzed sessions expire after 400ms).
		rc := newRawClient(t, ts.dial(t, "pipe"))
		if resp, n := rc.handshake(jute.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16)}); n < 0 || resp.SessionID == 0 {
			t.Fatalf("handshake after fuzz input: %+v", resp)
		}
		rc.send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"})
		if h, _ := rc.reply(); h.Xid != 1 || h.Err != 0 {
			t.Fatalf("exists after fuzz input: %+v", h)
		}
		rc.nc.Close()
	})
}

func isClosedErr(err error) bool {
	return err == io.ErrClosedPipe || err == io.EOF
}
