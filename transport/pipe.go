package transport

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ErrListenerClosed is returned by PipeListener.Accept and Dial once the
// listener is closed.
var ErrListenerClosed = errors.New("transport: pipe listener closed")

// PipeListener is an in-memory net.Listener: Dial (or the function Dialer
// returns) connects to it with a synchronous, in-memory full-duplex
// connection (net.Pipe), so a client needs no port. A Server serves it like
// any other listener.
//
// It is safe for concurrent use.
type PipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
	next   atomic.Int64 // numbers connections, for their addresses
}

// NewPipeListener returns a PipeListener ready to Accept.
func NewPipeListener() *PipeListener {
	return &PipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept waits for and returns the server side of the next connection made
// with Dial. It returns ErrListenerClosed once the listener is closed.
func (l *PipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, ErrListenerClosed
	}
}

// Close stops the listener: Accept and pending and future Dials return
// ErrListenerClosed. Connections already made are not affected. It is
// idempotent.
func (l *PipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns the listener's address, PipeAddr("pipe").
func (l *PipeListener) Addr() net.Addr { return PipeAddr("pipe") }

// Dial connects to the listener and returns the client side of the new
// connection. It blocks until the listener accepts it or is closed.
func (l *PipeListener) Dial() (net.Conn, error) {
	return l.DialContext(context.Background())
}

// DialContext is Dial that gives up when ctx ends.
func (l *PipeListener) DialContext(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	n := l.next.Add(1)
	sc := &pipeConn{Conn: server, local: PipeAddr("pipe"), remote: PipeAddr("pipe:" + strconv.FormatInt(n, 10))}
	cc := &pipeConn{Conn: client, local: sc.remote, remote: sc.local}
	select {
	case l.conns <- sc:
		return cc, nil
	case <-l.closed:
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
	client.Close()
	server.Close()
	return nil, ErrListenerClosed
}

// Dialer returns a dial function with the signature of go-zookeeper's
// zk.Dialer, for zk.WithDialer: it ignores network and address and connects
// to this listener, giving up after timeout (if positive).
func (l *PipeListener) Dialer() func(network, address string, timeout time.Duration) (net.Conn, error) {
	return func(_, _ string, timeout time.Duration) (net.Conn, error) {
		ctx := context.Background()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		return l.DialContext(ctx)
	}
}

// PipeAddr is the address of an in-memory connection: "pipe" for the
// listener's side, "pipe:N" for the N-th client.
type PipeAddr string

// Network returns "pipe".
func (PipeAddr) Network() string { return "pipe" }

// String returns the address.
func (a PipeAddr) String() string { return string(a) }

// pipeConn is one side of a net.Pipe with distinct addresses, so the server
// can tell its clients apart in logs and four-letter words.
type pipeConn struct {
	net.Conn
	local, remote net.Addr
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.local }
func (c *pipeConn) RemoteAddr() net.Addr { return c.remote }
