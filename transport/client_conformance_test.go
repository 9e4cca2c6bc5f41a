package transport

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/jute"
)

// TestClientConformance runs the conformance suite with this package's
// client against zkembed over TCP and over the in-memory dialer, on virtual
// time, with nothing skipped.
func TestClientConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite takes a while")
	}
	forEachTransport(t, func(t *testing.T, transport string) {
		clock := engine.NewManualClock(time.Unix(1_700_000_000, 0))
		eng, err := engine.Open(engine.Options{Clock: clock, TickTime: 200 * time.Millisecond,
			ContainerCheckInterval: time.Second, SuperDigest: api.DigestID("super", "superpw")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		tb := newTouchBackend(eng)
		ts := startServerFor(t, eng, tb, Options{})
		connect := func(t testing.TB) api.Client { return ts.client(t, transport) }
		if transport == "pipe" {
			// In-memory connections labelled as loopback ones, so the ip
			// ACL checks run here too.
			lp := NewPipeListener()
			serveLoopbackPipe(t, ts.srv, lp)
			connect = func(t testing.TB) api.Client { return dialTest(t, "pipe", WithDialer(lp.ClientDialer())) }
		}
		target := apitest.Target{
			Connect:   connect,
			SuperAuth: "super:superpw",
			ClientIP:  "127.0.0.1",
			Expire: func(t testing.TB, c api.Client) {
				if err := eng.ExpireSession(context.Background(), c.SessionID()); err != nil {
					t.Fatalf("expire: %v", err)
				}
			},
			Advance: func(d time.Duration) {
				clock.Advance(d)
				tb.touchAll() // connected clients kept pinging through d
				if err := eng.Tick(context.Background()); err != nil {
					t.Errorf("tick: %v", err)
				}
			},
			ReapInterval: time.Second,
		}
		apitest.Run(t, target)
	})
}

// serveLoopbackPipe serves l on srv, with each connection's remote address
// reported as 127.0.0.1:<n>.
func serveLoopbackPipe(t testing.TB, srv *Server, l *PipeListener) {
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(loopbackListener{l}) }()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
}

type loopbackListener struct{ *PipeListener }

func (l loopbackListener) Accept() (net.Conn, error) {
	c, err := l.PipeListener.Accept()
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(c.RemoteAddr().String(), "pipe:"))
	return &loopbackConn{Conn: c, remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: n}}, nil
}

type loopbackConn struct {
	net.Conn
	remote net.Addr
}

func (c *loopbackConn) RemoteAddr() net.Addr { return c.remote }

// TestClientConformanceApache38 runs the conformance suite with this
// package's client against Apache ZooKeeper 3.8 (Debian's package). It
// skips when Java ZooKeeper is not installed.
func TestClientConformanceApache38(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM; skipped in -short mode")
	}
	srv := zkserver.Start(t, zkserver.Options{
		SuperDigest:            api.DigestID("super", "superpw"),
		ContainerCheckInterval: 100 * time.Millisecond,
	})
	apitest.Run(t, remoteTarget(srv.Addr(), apitest.Target{
		SuperAuth:    "super:superpw",
		ClientIP:     "127.0.0.1",
		ReapInterval: 100 * time.Millisecond,
		Reference:    apitest.ZooKeeper38,
	}))
}

// remoteTarget completes tg for a ZooKeeper server at addr: sessions are
// this package's clients, and Expire closes a session from a second
// connection while its client is held from reconnecting.
func remoteTarget(addr string, tg apitest.Target) apitest.Target {
	var dialers sync.Map // *Client -> *testDialer
	tg.Connect = func(t testing.TB) api.Client {
		d := newTestDialer(tcpDialer())
		c := dialTest(t, addr, WithDialer(d.Dial))
		dialers.Store(c, d)
		return c
	}
	tg.Expire = func(t testing.TB, c api.Client) {
		v, _ := dialers.Load(c)
		d := v.(*testDialer)
		// A client that reconnected at once would take its session back
		// from the second connection before closeSession reached it.
		d.hold()
		defer d.release()
		killConn(c.(*Client))
		if err := closeSessionRemotely(addr, c.(*Client)); err != nil {
			t.Fatalf("expire: %v", err)
		}
	}
	return tg
}

// TestClientConformanceEnv runs the conformance suite against the ZooKeeper
// server named by ZKEMBED_TEST_ZK (host:port), if set. Its super user is
// unknown, so the super-user checks skip, and so do the reaping checks
// (its container check interval is unknown). ZKEMBED_TEST_ZK_VERSION=3.8
// expects 3.8's behaviour where it differs from 3.9's.
func TestClientConformanceEnv(t *testing.T) {
	addr := os.Getenv("ZKEMBED_TEST_ZK")
	if addr == "" {
		t.Skip("set ZKEMBED_TEST_ZK=host:port to run the conformance suite against that ZooKeeper")
	}
	target := apitest.Target{}
	if os.Getenv("ZKEMBED_TEST_ZK_VERSION") == "3.8" {
		target.Reference = apitest.ZooKeeper38
	}
	apitest.Run(t, remoteTarget(addr, target))
}

// touchBackend serves an engine on a manual clock and remembers the
// sessions attached to a connection, so Advance can treat their clients as
// having pinged through the time it skips (as zktest does).
type touchBackend struct {
	eng  *engine.Engine
	mu   sync.Mutex
	live map[*touchSession]struct{} // guarded by mu
}

func newTouchBackend(eng *engine.Engine) *touchBackend {
	return &touchBackend{eng: eng, live: map[*touchSession]struct{}{}}
}

func (b *touchBackend) OpenSession(p api.SessionParams, sink api.EventSink) (api.ServerSession, error) {
	s, err := b.eng.OpenSession(p, sink)
	if err != nil {
		return nil, err
	}
	ts := &touchSession{ServerSession: s, b: b}
	b.mu.Lock()
	b.live[ts] = struct{}{}
	b.mu.Unlock()
	return ts, nil
}

func (b *touchBackend) touchAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.live {
		s.Touch()
	}
}

type touchSession struct {
	api.ServerSession
	b *touchBackend
}

func (s *touchSession) Detach() {
	s.b.mu.Lock()
	delete(s.b.live, s)
	s.b.mu.Unlock()
	s.ServerSession.Detach()
}

// client dials the test server over transport with this package's client.
func (ts *testServer) client(t testing.TB, transport string, opts ...ClientOption) *Client {
	t.Helper()
	addr := ts.addr
	if transport == "pipe" {
		addr = "pipe"
		opts = append([]ClientOption{WithDialer(ts.pipe.ClientDialer())}, opts...)
	}
	return dialTest(t, addr, opts...)
}

// dialTest dials connectString and closes the client when the test ends.
func dialTest(t testing.TB, connectString string, opts ...ClientOption) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Dial(ctx, connectString, append([]ClientOption{WithSessionTimeout(4 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("Dial(%q): %v", connectString, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closeSessionRemotely ends c's session from a second connection, as
// another client holding its id and password may: the server deletes its
// ephemerals and closes c's connection; c hears that its session expired
// when it reconnects. It returns once the server no longer knows the
// session.
func closeSessionRemotely(addr string, c *Client) error {
	c.mu.Lock()
	passwd := c.passwd
	c.mu.Unlock()
	id := c.SessionID()
	nc, resp, err := connectRaw(addr, id, passwd)
	if err != nil {
		return fmt.Errorf("resume the session: %w", err)
	}
	defer nc.Close()
	if resp.SessionID != int64(id) {
		return api.ErrSessionExpired
	}
	if _, err := nc.Write(request(1, jute.OpCloseSession, nil)); err != nil {
		return err
	}
	b, err := jute.ReadFrame(nc, nil, 1<<20)
	if err == nil {
		var h jute.ReplyHeader
		h.Decode(jute.NewReader(b))
		return api.Code(h.Err).Err()
	}
	// ZooKeeper 3.8 may close every connection of the session before the
	// reply goes out; the session is then gone, which a new handshake
	// confirms (timeout 0).
	nc2, resp, err := connectRaw(addr, id, passwd)
	if err != nil {
		return fmt.Errorf("closeSession: no reply, and no answer to a check: %w", err)
	}
	nc2.Close()
	if resp.Timeout > 0 {
		return fmt.Errorf("closeSession: no reply, and the session 0x%x still exists", int64(id))
	}
	return nil
}

// connectRaw opens a connection to addr and sends a connect request for
// session id.
func connectRaw(addr string, id api.SessionID, passwd []byte) (net.Conn, jute.ConnectResponse, error) {
	var resp jute.ConnectResponse
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, resp, err
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := jute.ConnectRequest{Timeout: 30000, SessionID: int64(id), Passwd: passwd, HasReadOnly: true}
	if _, err := nc.Write(jute.AppendFrame(nil, &req)); err != nil {
		nc.Close()
		return nil, resp, err
	}
	b, err := jute.ReadFrame(nc, nil, 1<<20)
	if err != nil {
		nc.Close()
		return nil, resp, fmt.Errorf("connect response: %w", err)
	}
	resp.Decode(jute.NewReader(b))
	return nc, resp, nil
}
