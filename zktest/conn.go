package zktest

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zkembed/zkembed/transport"
)

// pipeSeq numbers in-memory connections across every Server, so each has a
// distinct remote address: sessions find their connection by it.
var pipeSeq atomic.Int64

// conn is a server-side connection: it blocks reads and writes while the
// Server is paused, and knows when it has been closed.
type conn struct {
	net.Conn
	s      *Server
	remote net.Addr
	closed chan struct{}
	once   sync.Once
}

// track wraps and registers a newly accepted connection.
func (s *Server) track(nc net.Conn, pipe bool) *conn {
	c := &conn{Conn: nc, s: s, remote: nc.RemoteAddr(), closed: make(chan struct{})}
	if pipe {
		c.remote = transport.PipeAddr("pipe:" + strconv.FormatInt(pipeSeq.Add(1), 10))
	}
	s.mu.Lock()
	s.conns[c.remote.String()] = c
	s.mu.Unlock()
	return c
}

func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) Read(p []byte) (int, error) {
	if err := c.s.waitResumed(c.closed); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		// Bytes that arrived while the server was being paused wait too.
		if werr := c.s.waitResumed(c.closed); werr != nil {
			return 0, werr
		}
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	if err := c.s.waitResumed(c.closed); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// Close closes the connection and forgets it. It is idempotent.
func (c *conn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		close(c.closed)
		c.s.mu.Lock()
		if c.s.conns[c.remote.String()] == c {
			delete(c.s.conns, c.remote.String())
		}
		c.s.mu.Unlock()
		err = c.Conn.Close()
	})
	return err
}

func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// waitResumed blocks while the server is paused, until it resumes or
// closed is closed.
func (s *Server) waitResumed(closed <-chan struct{}) error {
	s.mu.Lock()
	ch := s.resume
	s.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-closed:
		return net.ErrClosed
	}
}

// errRefused is what dialing a stopped member in memory returns, as a
// refused TCP connection would.
var errRefused = &net.OpError{Op: "dial", Net: "pipe", Err: syscall.ECONNREFUSED}

// pipeGate is a member's in-memory address: it outlives the PipeListener of
// each start of the member, so a Dialer handed out once keeps working across
// Stop, Start and Restart.
type pipeGate struct {
	mu sync.Mutex
	l  *transport.PipeListener // nil while the member is stopped
}

func (g *pipeGate) set(l *transport.PipeListener) {
	g.mu.Lock()
	g.l = l
	g.mu.Unlock()
}

func (g *pipeGate) dial(ctx context.Context) (net.Conn, error) {
	g.mu.Lock()
	l := g.l
	g.mu.Unlock()
	if l == nil {
		return nil, errRefused
	}
	c, err := l.DialContext(ctx)
	if errors.Is(err, transport.ErrListenerClosed) {
		return nil, errRefused
	}
	return c, err
}

// dialTimeout is dial bounded by timeout, if positive.
func (g *pipeGate) dialTimeout(timeout time.Duration) (net.Conn, error) {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return g.dial(ctx)
}
