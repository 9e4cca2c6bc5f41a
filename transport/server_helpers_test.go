package transport

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/jute"
)

// testServer is a Server over an in-memory engine, listening on loopback
// TCP and on a PipeListener.
type testServer struct {
	eng  *engine.Engine
	srv  *Server
	addr string
	pipe *PipeListener
	logs *logBuffer
}

// transports are the two ways tests reach a server.
var transports = []string{"tcp", "pipe"}

// startServer starts a server over a new in-memory engine (200ms ticks:
// session timeouts from 400ms to 4s) and stops both when the test ends.
func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	eng, err := engine.Open(engine.Options{TickTime: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("engine.Open: %v", err)
	}
	t.Cleanup(func() { eng.Close() })
	return startServerFor(t, eng, eng, opts)
}

// startServerFor serves b; eng (may be nil) is kept for the test's use.
func startServerFor(t testing.TB, eng *engine.Engine, b Backend, opts Options) *testServer {
	t.Helper()
	logs := &logBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := NewServer(b, opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ts := &testServer{eng: eng, srv: srv, addr: l.Addr().String(), pipe: NewPipeListener(), logs: logs}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); srv.Serve(l) }()
	go func() { defer wg.Done(); srv.Serve(ts.pipe) }()
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return ts
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}

// dial opens a raw connection over the named transport.
func (ts *testServer) dial(t testing.TB, transport string) net.Conn {
	t.Helper()
	var nc net.Conn
	var err error
	if transport == "pipe" {
		nc, err = ts.pipe.Dial()
	} else {
		nc, err = net.Dial("tcp", ts.addr)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", transport, err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// connTracker is a dialer that remembers its connections so a test can
// break them.
type connTracker struct {
	mu    sync.Mutex
	conns []net.Conn
	dial  func(network, address string, timeout time.Duration) (net.Conn, error)
}

func (d *connTracker) Dial(network, address string, timeout time.Duration) (net.Conn, error) {
	c, err := d.dial(network, address, timeout)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, c)
		d.mu.Unlock()
	}
	return c, err
}

// breakAll closes every connection made so far.
func (d *connTracker) breakAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// zkConn connects go-zookeeper over transport and waits for its session.
func (ts *testServer) zkConn(t testing.TB, transport string) (*zk.Conn, <-chan zk.Event, *connTracker) {
	t.Helper()
	return ts.zkConnCallback(t, transport, func(zk.Event) {})
}

// zkConnCallback is zkConn with go-zookeeper's event callback.
func (ts *testServer) zkConnCallback(t testing.TB, transport string, cb zk.EventCallback) (*zk.Conn, <-chan zk.Event, *connTracker) {
	t.Helper()
	tr := &connTracker{dial: func(network, address string, timeout time.Duration) (net.Conn, error) {
		if transport == "pipe" {
			return ts.pipe.Dialer()(network, address, timeout)
		}
		return net.DialTimeout("tcp", ts.addr, timeout)
	}}
	// The dialer ignores the address; an IP literal avoids a DNS lookup.
	c, ev, err := zk.Connect([]string{"127.0.0.1:1"}, 4*time.Second,
		zk.WithDialer(tr.Dial), zk.WithLogger(discardLogger{}), zk.WithEventCallback(cb))
	if err != nil {
		t.Fatalf("zk.Connect: %v", err)
	}
	t.Cleanup(c.Close)
	waitState(t, ev, zk.StateHasSession)
	return c, ev, tr
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// waitState waits for a session event with state s.
func waitState(t testing.TB, ev <-chan zk.Event, s zk.State) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.Type == zk.EventSession && e.State == s {
				return
			}
		case <-timeout:
			t.Fatalf("no %v event within 10s", s)
		}
	}
}

// rawClient speaks the protocol frame by frame.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func newRawClient(t testing.TB, nc net.Conn) *rawClient {
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// connect dials and completes a handshake for a new session.
func (ts *testServer) rawSession(t testing.TB, transport string) (*rawClient, jute.ConnectResponse) {
	t.Helper()
	rc := newRawClient(t, ts.dial(t, transport))
	resp, n := rc.handshake(jute.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16)})
	if resp.SessionID == 0 || n < 0 {
		t.Fatalf("handshake failed: %+v", resp)
	}
	return rc, resp
}

// handshake sends req and reads the ConnectResponse and its body length;
// n is -1 if the connection closed instead.
func (rc *rawClient) handshake(req jute.ConnectRequest) (resp jute.ConnectResponse, n int) {
	rc.t.Helper()
	rc.write(jute.AppendFrame(nil, &req))
	b, err := rc.readFrame()
	if err != nil {
		return resp, -1
	}
	r := jute.NewReader(b)
	resp.Decode(r)
	if r.Err() != nil {
		rc.t.Fatalf("bad ConnectResponse %x: %v", b, r.Err())
	}
	return resp, len(b)
}

func (rc *rawClient) write(b []byte) {
	rc.t.Helper()
	if _, err := rc.nc.Write(b); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// request frames a request header and body.
func request(xid int32, op jute.OpCode, body jute.Record) []byte {
	b, start := jute.BeginFrame(nil)
	b = jute.RequestHeader{Xid: xid, Type: op}.AppendTo(b)
	if body != nil {
		b = body.AppendTo(b)
	}
	return jute.EndFrame(b, start)
}

func (rc *rawClient) send(xid int32, op jute.OpCode, body jute.Record) {
	rc.t.Helper()
	rc.write(request(xid, op, body))
}

func (rc *rawClient) readFrame() ([]byte, error) {
	return jute.ReadFrame(rc.br, nil, 64<<20)
}

// reply reads one reply frame: its header and a reader over its body.
func (rc *rawClient) reply() (jute.ReplyHeader, *jute.Reader) {
	rc.t.Helper()
	b, err := rc.readFrame()
	if err != nil {
		rc.t.Fatalf("read reply: %v", err)
	}
	r := jute.NewReader(b)
	var h jute.ReplyHeader
	h.Decode(r)
	if r.Err() != nil {
		rc.t.Fatalf("bad reply header %x", b)
	}
	return h, r
}

// expectClosed reads until the server closes the connection and fails if
// more than max bytes arrive first or it stays open.
func (rc *rawClient) expectClosed(max int) {
	rc.t.Helper()
	rc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, rc.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		rc.t.Fatalf("connection still open after 10s")
	}
	if n > int64(max) {
		rc.t.Fatalf("got %d more bytes before close, want at most %d", n, max)
	}
}
