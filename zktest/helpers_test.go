package zktest_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/zktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait on a client; tests never take this long
// unless something is broken.
const waitTimeout = 10 * time.Second

// zkConn is a go-zookeeper connection with its session events recorded.
type zkConn struct {
	*zk.Conn
	mu     sync.Mutex
	events []zk.Event
	cond   chan struct{} // closed and replaced on each event
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// connectTCP connects go-zookeeper to s over TCP and waits for a session.
// The address is listed twice so that go-zookeeper reconnects at once (it
// sleeps a second after trying every address of its list).
func connectTCP(t testing.TB, s *zktest.Server, timeout time.Duration) *zkConn {
	t.Helper()
	return connectZK(t, []string{s.Addr(), s.Addr()}, timeout, nil)
}

// connectPipe connects go-zookeeper to s in memory (Dialer).
func connectPipe(t testing.TB, s *zktest.Server, timeout time.Duration) *zkConn {
	t.Helper()
	return connectZK(t, []string{s.Addr(), s.Addr()}, timeout, s.Dialer())
}

// connectZK connects go-zookeeper to servers, in memory through dialer if
// it is not nil.
func connectZK(t testing.TB, servers []string, timeout time.Duration, dialer zk.Dialer) *zkConn {
	t.Helper()
	g := &zkConn{cond: make(chan struct{})}
	if dialer == nil {
		dialer = net.DialTimeout
	}
	c, _, err := zk.Connect(servers, timeout, zk.WithDialer(dialer), zk.WithLogger(nopLogger{}), zk.WithEventCallback(g.record))
	if err != nil {
		t.Fatal(err)
	}
	g.Conn = c
	t.Cleanup(c.Close)
	g.waitState(t, zk.StateHasSession)
	return g
}

func (g *zkConn) record(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return
	}
	g.mu.Lock()
	g.events = append(g.events, ev)
	close(g.cond)
	g.cond = make(chan struct{})
	g.mu.Unlock()
}

// waitState waits until the connection has reported state st, and consumes
// the events up to it.
func (g *zkConn) waitState(t testing.TB, st zk.State) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		g.mu.Lock()
		for i, ev := range g.events {
			if ev.State == st {
				g.events = g.events[i+1:]
				g.mu.Unlock()
				return
			}
		}
		ch := g.cond
		g.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %v from go-zookeeper within %v", st, waitTimeout)
		}
	}
}

// recv waits for one event on ch.
func recv[E any](t testing.TB, ch <-chan E) E {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatalf("no event within %v", waitTimeout)
	}
	panic("unreachable")
}

// notYet checks that ch stays quiet for a short while: the one place tests
// must wait for something not to happen.
func notYet[E any](t testing.TB, ch <-chan E, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s happened too early", what)
	case <-time.After(50 * time.Millisecond):
	}
}

func ctx() context.Context { return context.Background() }
