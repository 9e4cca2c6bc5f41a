package transport

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

// testDialer wraps a DialFunc so a test can hold new connections back,
// refuse some addresses, break every connection, and stall a connection's
// reads while its requests go out.
type testDialer struct {
	dial DialFunc

	mu      sync.Mutex
	held    chan struct{}   // non-nil: dials wait until it closes
	refuse  map[string]bool // addresses whose dials fail at once
	conns   []*testConn
	dials   map[string]int // dial attempts per address
	written chan struct{}  // signalled (cap 1) after each write on any connection
}

func newTestDialer(dial DialFunc) *testDialer {
	return &testDialer{dial: dial, refuse: map[string]bool{}, dials: map[string]int{}, written: make(chan struct{}, 1)}
}

// tcpDialer dials over TCP.
func tcpDialer() DialFunc {
	var d net.Dialer
	return d.DialContext
}

var errRefused = errors.New("test dialer: refused")

func (d *testDialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dials[addr]++
	held, refused := d.held, d.refuse[addr]
	d.mu.Unlock()
	if held != nil {
		select {
		case <-held:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if refused {
		return nil, errRefused
	}
	nc, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &testConn{Conn: nc, d: d, open: make(chan struct{}), closed: make(chan struct{})}
	close(tc.open)
	d.mu.Lock()
	d.conns = append(d.conns, tc)
	d.mu.Unlock()
	return tc, nil
}

// hold makes new dials wait until release.
func (d *testDialer) hold() {
	d.mu.Lock()
	if d.held == nil {
		d.held = make(chan struct{})
	}
	d.mu.Unlock()
}

func (d *testDialer) release() {
	d.mu.Lock()
	if d.held != nil {
		close(d.held)
		d.held = nil
	}
	d.mu.Unlock()
}

func (d *testDialer) setRefused(addr string, refused bool) {
	d.mu.Lock()
	d.refuse[addr] = refused
	d.mu.Unlock()
}

func (d *testDialer) attempts(addr string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials[addr]
}

// breakAll closes every connection made so far.
func (d *testDialer) breakAll() {
	d.mu.Lock()
	conns := d.conns
	d.conns = nil
	d.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// last returns the newest connection.
func (d *testDialer) last() *testConn {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.conns) == 0 {
		return nil
	}
	return d.conns[len(d.conns)-1]
}

// testConn is a connection whose reads a test can stall.
type testConn struct {
	net.Conn
	d      *testDialer
	mu     sync.Mutex
	open   chan struct{} // closed while reads may proceed
	closed chan struct{}
	once   sync.Once
}

// freeze stalls reads (the client hears nothing) until thaw.
func (c *testConn) freeze() {
	c.mu.Lock()
	select {
	case <-c.open:
		c.open = make(chan struct{})
	default:
	}
	c.mu.Unlock()
}

func (c *testConn) thaw() {
	c.mu.Lock()
	select {
	case <-c.open:
	default:
		close(c.open)
	}
	c.mu.Unlock()
}

// Read hands over what arrived only while the connection is not frozen.
func (c *testConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	open := c.open
	c.mu.Unlock()
	select {
	case <-open:
		return n, err
	case <-c.closed:
		return 0, net.ErrClosed
	}
}

func (c *testConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	select {
	case c.d.written <- struct{}{}:
	default:
	}
	return n, err
}

func (c *testConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// events collects a client's state changes (WithEventCallback) for a test.
type stateEvents chan api.Event

func newStateEvents() stateEvents { return make(stateEvents, 1000) }

func (s stateEvents) callback(ev api.Event) { s <- ev }

// wait waits for the next state change to be want, skipping none.
func (s stateEvents) wait(t testing.TB, want api.State) {
	t.Helper()
	select {
	case ev := <-s:
		if ev.State != want || ev.Type != api.EventNone {
			t.Fatalf("state event %v %v, want %v", ev.Type, ev.State, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no %v state event within 20s", want)
	}
}

// waitFor waits until a state change to want arrives, skipping others.
func (s stateEvents) waitFor(t testing.TB, want api.State) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-s:
			if ev.State == want {
				return
			}
		case <-timeout:
			t.Fatalf("no %v state event within 20s", want)
		}
	}
}

// wantEvent waits for a watch event of type typ on path.
func wantEvent(t testing.TB, ch <-chan api.Event, typ api.EventType, path string) api.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatalf("watch channel closed, want %v %s", typ, path)
		}
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("event %v %q (state %v), want %v %q", ev.Type, ev.Path, ev.State, typ, path)
		}
		return ev
	case <-time.After(20 * time.Second):
		t.Fatalf("no %v event on %s within 20s", typ, path)
	}
	return api.Event{}
}

// wantEnd waits for a watch channel's end event with state, then its close.
func wantEnd(t testing.TB, ch <-chan api.Event, state api.State) {
	t.Helper()
	ev := wantEvent(t, ch, api.EventNone, "")
	if ev.State != state {
		t.Fatalf("end event state %v, want %v", ev.State, state)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("watch channel not closed after its end event")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("watch channel not closed within 20s of its end event")
	}
}

// noEvent checks that ch holds no event now.
func noEvent(t testing.TB, ch <-chan api.Event) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

// killConn breaks c's current connection.
func killConn(c *Client) {
	c.mu.Lock()
	cur := c.cur
	c.mu.Unlock()
	if cur != nil {
		cur.kill(errors.New("test: connection broken"))
	}
}

// waitPending waits until at least n requests of c are sent and awaiting
// their replies; d signals every write.
func waitPending(t testing.TB, c *Client, d *testDialer, n int) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		k := 0
		if c.cur != nil {
			k = len(c.cur.pending)
		}
		c.mu.Unlock()
		if k >= n {
			return
		}
		select {
		case <-d.written:
		case <-timeout:
			t.Fatalf("%d requests pending after 20s, want %d", k, n)
		}
	}
}

// retryLoss runs f until it fails with something other than
// ConnectionLoss (a request made while the client reconnects may fail so).
func retryLoss(t testing.TB, f func() error) error {
	t.Helper()
	for range 1000 {
		if err := f(); !errors.Is(err, api.ErrConnectionLoss) {
			return err
		}
	}
	t.Fatal("ConnectionLoss 1000 times in a row")
	return nil
}
