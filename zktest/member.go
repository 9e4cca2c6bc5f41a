package zktest

import (
	"fmt"
	"net"
	"sync"

	"github.com/zkembed/zkembed/transport"
)

// member is one address of a Server: an in-memory listener and, with TCP,
// a loopback port, served by a wire server. A Server has one member; an
// Ensemble n.
//
// The listeners (the front) stay open from Start to Stop and feed
// accepted connections to whichever wire server (generation) is current,
// so during a Restart clients connecting wait a moment instead of being
// refused.
type member struct {
	index int
	addr  string // host:port clients use; a placeholder without TCP
	tcp   bool
	pipe  pipeGate

	// Guarded by Server.mu.
	front     []net.Listener    // nil while stopped
	accepted  chan acceptedConn // connections waiting for a wire server
	stopped   chan struct{}     // closed by stop: the accept loops end
	srv       *transport.Server // current generation; nil between generations
	accepting sync.WaitGroup    // the accept loops
	serving   sync.WaitGroup    // the Serve goroutine of srv
}

type acceptedConn struct {
	nc   net.Conn
	pipe bool
}

// startMember opens m's listeners (TCP on m's address, chosen by the
// system the first time) and serves them.
func (s *Server) startMember(m *member) error {
	s.mu.Lock()
	closed := s.closed || m.front != nil
	s.mu.Unlock()
	if closed {
		return nil
	}
	pl := transport.NewPipeListener()
	front := []net.Listener{pl}
	if m.tcp {
		addr := m.addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			pl.Close()
			return fmt.Errorf("listening on %s: %w", addr, err)
		}
		m.addr = l.Addr().String()
		front = append(front, l)
	}
	accepted := make(chan acceptedConn)
	stopped := make(chan struct{})
	s.mu.Lock()
	m.front, m.accepted, m.stopped = front, accepted, stopped
	s.mu.Unlock()
	for _, l := range front {
		_, pipe := l.(*transport.PipeListener)
		m.accepting.Add(1)
		go func() {
			defer m.accepting.Done()
			for {
				nc, err := l.Accept()
				if err != nil {
					return
				}
				select {
				case accepted <- acceptedConn{nc, pipe}:
				case <-stopped:
					nc.Close()
					return
				}
			}
		}()
	}
	m.pipe.set(pl)
	s.startGeneration(m)
	return nil
}

// stopMember closes m's listeners and its wire server: its connections
// close (their sessions live on, detached) and its goroutines exit.
func (s *Server) stopMember(m *member) {
	m.pipe.set(nil)
	s.stopGeneration(m)
	s.mu.Lock()
	front, stopped := m.front, m.stopped
	m.front, m.accepted, m.stopped = nil, nil, nil
	s.mu.Unlock()
	if front == nil {
		return
	}
	close(stopped)
	for _, l := range front {
		l.Close()
	}
	m.accepting.Wait()
}

// startGeneration starts a wire server on m's listeners.
func (s *Server) startGeneration(m *member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.front == nil || m.srv != nil {
		return
	}
	srv := transport.NewServer(backend{s}, transport.Options{Logger: s.log})
	gl := &genListener{s: s, addr: m.front[len(m.front)-1].Addr(), ch: m.accepted, closed: make(chan struct{})}
	m.srv = srv
	m.serving.Add(1)
	go func() {
		defer m.serving.Done()
		srv.Serve(gl)
	}()
}

// stopGeneration closes m's wire server, if it runs, and reports whether
// it did. The listeners stay open; new connections wait for the next
// generation.
func (s *Server) stopGeneration(m *member) bool {
	s.mu.Lock()
	srv := m.srv
	m.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return false
	}
	srv.Close()
	m.serving.Wait()
	return true
}

// running reports whether m is started.
func (s *Server) running(m *member) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return m.front != nil
}

// genListener is the listener one wire server serves: the connections a
// member's listeners accepted, tracked. Closing it leaves the member's
// listeners open.
type genListener struct {
	s      *Server
	addr   net.Addr
	ch     <-chan acceptedConn
	closed chan struct{}
	once   sync.Once
}

func (l *genListener) Accept() (net.Conn, error) {
	select {
	case a := <-l.ch:
		return l.s.track(a.nc, a.pipe), nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *genListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *genListener) Addr() net.Addr { return l.addr }
