// Package rig has the helpers the reliability tests share: an engine with
// an invariant check at cleanup, a wire server on loopback TCP and an
// in-memory pipe with its log captured line by line, and a raw client that
// speaks ZooKeeper frames byte by byte.
package rig

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/jute"
	"github.com/zkembed/zkembed/transport"
)

// Logs is a slog destination that keeps every line, safe for concurrent
// use.
type Logs struct {
	mu      sync.Mutex // guards buf and changed
	buf     bytes.Buffer
	changed chan struct{} // closed at the next write
}

// Write appends log output.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.buf.Write(p)
}

// Wait waits until ok holds for the lines logged so far, or wait passes;
// it reports whether ok held.
func (l *Logs) Wait(wait time.Duration, ok func(lines []string) bool) bool {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		l.mu.Lock()
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		if ok(l.Lines()) {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return ok(l.Lines())
		}
	}
}

// Logger returns a text logger writing to l at every level.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Lines returns the lines logged so far.
func (l *Logs) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimRight(l.buf.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Since returns the lines logged after the first n.
func (l *Logs) Since(n int) []string {
	lines := l.Lines()
	if n >= len(lines) {
		return nil
	}
	return lines[n:]
}

// OpenEngine opens an engine for the test and, at cleanup, checks its
// invariants and closes it.
func OpenEngine(t testing.TB, opts engine.Options) *engine.Engine {
	t.Helper()
	e, err := engine.Open(opts)
	if err != nil {
		t.Fatalf("engine.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := e.CheckInvariants(); err != nil {
			t.Errorf("engine invariants: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return e
}

// Server is a transport server for a test, on 127.0.0.1 and on a pipe.
type Server struct {
	Srv  *transport.Server
	Addr string // host:port on 127.0.0.1
	Pipe *transport.PipeListener
	Logs *Logs
}

// StartServer serves b on a loopback port and on a pipe until the test
// ends. opts.Logger is replaced by the captured log.
func StartServer(t testing.TB, b transport.Backend, opts transport.Options) *Server {
	t.Helper()
	logs := &Logs{}
	opts.Logger = logs.Logger()
	srv := transport.NewServer(b, opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pl := transport.NewPipeListener()
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(l) })
	wg.Go(func() { srv.Serve(pl) })
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return &Server{Srv: srv, Addr: l.Addr().String(), Pipe: pl, Logs: logs}
}

// Dial opens a wire client to the server's TCP address; it is closed at
// cleanup.
func (s *Server) Dial(t testing.TB, opts ...transport.ClientOption) *transport.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := transport.Dial(ctx, s.Addr, append([]transport.ClientOption{transport.WithSessionTimeout(20 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("transport.Dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// DialPipe opens a wire client over the server's pipe; it is closed at
// cleanup.
func (s *Server) DialPipe(t testing.TB, opts ...transport.ClientOption) *transport.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := transport.Dial(ctx, "pipe", append([]transport.ClientOption{
		transport.WithSessionTimeout(20 * time.Second), transport.WithDialer(s.Pipe.ClientDialer())}, opts...)...)
	if err != nil {
		t.Fatalf("transport.Dial pipe: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Raw is a client that writes and reads ZooKeeper frames itself, for
// hostile input. Its methods fail the test on I/O errors unless they say
// otherwise.
type Raw struct {
	t  testing.TB
	NC net.Conn
	br *bufio.Reader
}

// DialRaw opens a raw TCP connection to addr (closed at cleanup), with a
// 20 s deadline on every read and write.
func DialRaw(t testing.TB, addr string) *Raw {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return NewRaw(t, nc)
}

// NewRaw wraps nc (closed at cleanup).
func NewRaw(t testing.TB, nc net.Conn) *Raw {
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &Raw{t: t, NC: nc, br: bufio.NewReader(nc)}
}

// Write writes b; errors are returned, not fatal (the server may have
// closed the connection on purpose).
func (r *Raw) Write(b []byte) error {
	_, err := r.NC.Write(b)
	return err
}

// Handshake sends a connect request with the timeout in milliseconds and
// returns the server's answer; it fails the test if there is none.
func (r *Raw) Handshake(timeoutMs int32) jute.ConnectResponse {
	r.t.Helper()
	resp, err := r.TryHandshake(jute.ConnectRequest{Timeout: timeoutMs, Passwd: make([]byte, 16)})
	if err != nil {
		r.t.Fatalf("handshake: %v", err)
	}
	if resp.SessionID == 0 {
		r.t.Fatalf("handshake refused: %+v", resp)
	}
	return resp
}

// TryHandshake sends req and reads the answer.
func (r *Raw) TryHandshake(req jute.ConnectRequest) (jute.ConnectResponse, error) {
	var resp jute.ConnectResponse
	if err := r.Write(jute.AppendFrame(nil, &req)); err != nil {
		return resp, err
	}
	b, err := r.ReadFrame()
	if err != nil {
		return resp, err
	}
	rd := jute.NewReader(b)
	resp.Decode(rd)
	return resp, rd.Err()
}

// Request encodes a request frame: header and body (nil for none).
func Request(xid int32, op jute.OpCode, body jute.Record) []byte {
	b, start := jute.BeginFrame(nil)
	b = jute.RequestHeader{Xid: xid, Type: op}.AppendTo(b)
	if body != nil {
		b = body.AppendTo(b)
	}
	return jute.EndFrame(b, start)
}

// Send writes one request.
func (r *Raw) Send(xid int32, op jute.OpCode, body jute.Record) error {
	return r.Write(Request(xid, op, body))
}

// ReadFrame reads one frame (up to 16 MiB).
func (r *Raw) ReadFrame() ([]byte, error) {
	return jute.ReadFrame(r.br, nil, 16<<20)
}

// Reply reads the next reply that is not a notification and returns its
// header and body.
func (r *Raw) Reply() (jute.ReplyHeader, *jute.Reader, error) {
	for {
		b, err := r.ReadFrame()
		if err != nil {
			return jute.ReplyHeader{}, nil, err
		}
		rd := jute.NewReader(b)
		var h jute.ReplyHeader
		h.Decode(rd)
		if err := rd.Err(); err != nil {
			return h, nil, err
		}
		if h.Xid == jute.XidNotification {
			continue
		}
		return h, rd, nil
	}
}

// Closed waits until the server closes the connection and returns how many
// bytes came first. It fails the test if the connection stays open for
// wait.
func (r *Raw) Closed(wait time.Duration) int64 {
	r.t.Helper()
	r.NC.SetReadDeadline(time.Now().Add(wait))
	n, err := io.Copy(io.Discard, r.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.t.Fatalf("connection still open after %v", wait)
	}
	return n
}
