package engine

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/api"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// epoch is where manual clocks in tests start.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// open opens an engine for a test, in memory when dir is empty, and checks
// its invariants and closes it when the test ends.
func open(t testing.TB, o Options) *Engine {
	t.Helper()
	e, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.CheckInvariants(); err != nil {
			t.Errorf("invariants: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return e
}

// openManual opens an engine on disk in dir with a direct session, for a
// test that closes (and reopens) it itself.
func openManual(t testing.TB, o Options) (*Engine, *Client) {
	t.Helper()
	e, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

// reopen closes c and e (opened with openManual) and opens the store again
// with o, returning a session; both are closed, invariants checked, when the
// test ends.
func reopen(t testing.TB, e *Engine, c *Client, o Options) *Client {
	t.Helper()
	c.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return client(t, open(t, o))
}

// client opens a direct session closed when the test ends.
func client(t testing.TB, e *Engine) *Client {
	t.Helper()
	c, err := e.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wireSession opens a session the way the transport does, with a sink that
// records events, and returns it with the recorded events' channel.
func wireSession(t testing.TB, e *Engine, timeout time.Duration) (api.ServerSession, chan api.Event) {
	t.Helper()
	ch := make(chan api.Event, 1024)
	ss, err := e.OpenSession(api.SessionParams{Timeout: timeout, RemoteAddr: "127.0.0.1:5555"}, func(ev api.Event) { ch <- ev })
	if err != nil {
		t.Fatal(err)
	}
	return ss, ch
}

// do runs one request on a server session and waits for it.
func do(t testing.TB, ss api.ServerSession, req api.Request) api.Response {
	t.Helper()
	ch := make(chan api.Response, 1)
	ss.Do(req, func(r api.Response) { ch <- r })
	return <-ch
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustCreate(t testing.TB, c api.Client, path string, mode api.CreateMode) string {
	t.Helper()
	p, err := c.Create(context.Background(), path, []byte(path), api.OpenACLUnsafe, mode)
	if err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
	return p
}
