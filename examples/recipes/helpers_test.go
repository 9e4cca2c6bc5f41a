package recipes_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/gozk"
	"github.com/zkembed/zkembed/zktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitTimeout = 10 * time.Second

// dialWire opens a go-zookeeper session on s over TCP, through the
// api.Client adapter. The address is listed twice so go-zookeeper
// reconnects at once after a dropped connection.
func dialWire(t *testing.T, s *zktest.Server) api.Client {
	t.Helper()
	c, err := gozk.Dial(context.Background(), s.Addr()+","+s.Addr(), gozk.Options{SessionTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// cancels holds each test's context's cancel function.
var cancels sync.Map // *testing.T -> context.CancelFunc

// testCtx is cancelled when the test ends.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancels.Store(t, cancel)
	t.Cleanup(func() { cancel(); cancels.Delete(t) })
	return ctx
}

// goRun runs fn on a goroutine and returns its result's channel; at
// cleanup the test's context is cancelled and the goroutine awaited.
func goRun(t *testing.T, fn func() error) <-chan error {
	ch := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ch <- fn()
	}()
	t.Cleanup(func() {
		if cancel, ok := cancels.Load(t); ok {
			cancel.(context.CancelFunc)()
		}
		<-done
	})
	return ch
}

func recv[E any](t *testing.T, ch <-chan E) E {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("nothing within %v", waitTimeout)
	}
	panic("unreachable")
}

// notYet checks that ch stays quiet for a short while.
func notYet[E any](t *testing.T, ch <-chan E, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s happened too early: %v", what, v)
	case <-time.After(50 * time.Millisecond):
	}
}

// waitFor reads ch until it yields want.
func waitFor[E comparable](t *testing.T, ch <-chan E, want E) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case v := <-ch:
			if v == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %v within %v", want, waitTimeout)
		}
	}
}
