package transport

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/jute"
)

// ErrServerClosed is returned by Server.Serve after Server.Close.
var ErrServerClosed = errors.New("transport: server closed")

// Backend is what a Server serves: anything that opens and resumes sessions.
// *engine.Engine implements it. A Backend that also implements StatsBackend
// fills in the counters of the four-letter words.
type Backend interface {
	api.SessionOpener
}

// StatsBackend is the optional interface a Backend implements to report
// what the four-letter words show (srvr, stat, mntr, conf, dirs, wchs, wchc,
// wchp, dump). Its methods are called from connection goroutines, at any
// time, and must be safe for concurrent use; they should be cheap enough to
// call once per four-letter word.
type StatsBackend interface {
	// Stats returns the backend's current counters and configuration.
	Stats() api.ServerStats
	// Sessions returns every live session, in any order.
	Sessions() []api.SessionInfo
}

// Options configure a Server. The zero value is usable.
type Options struct {
	// Logger receives the server's log lines; nil means slog.Default().
	Logger *slog.Logger
	// MaxBuffer is jute.maxbuffer: the largest frame accepted from a
	// client, in bytes. A longer frame closes the connection. 0 means
	// jute.DefaultMaxBuffer (0xfffff).
	MaxBuffer int
	// MaxClientCnxns limits the connections from one IP address (the host
	// part of the remote address), as ZooKeeper's maxClientCnxns; a
	// connection beyond it is closed at once. 0 means no limit. ZooKeeper's
	// zoo.cfg default is 60.
	MaxClientCnxns int
	// FourLetterWords is the whitelist of four-letter words answered on
	// the client port (4lw.commands.whitelist). nil enables every word;
	// "*" in the list enables every word; "srvr" is always enabled, as in
	// ZooKeeper. A word that is not enabled is answered with ZooKeeper's
	// "... is not executed because it is not in the whitelist." line.
	FourLetterWords []string
	// MaxOutstanding bounds the requests of one connection that are read
	// but not yet answered; the server stops reading that connection until
	// replies go out. 0 means 1000 (ZooKeeper's globalOutstandingLimit).
	MaxOutstanding int
	// MaxGlobalOutstanding bounds the requests of all connections together
	// that are read and not yet written out (ZooKeeper's
	// globalOutstandingLimit): past it the server stops reading requests
	// until replies go out. 0 means 10,000; negative means no bound.
	MaxGlobalOutstanding int
	// HandshakeTimeout closes a connection that sends no complete connect
	// request (or four-letter word) in time. 0 means 10s, ZooKeeper's
	// zookeeper.nio.sessionlessCnxnTimeout.
	HandshakeTimeout time.Duration
	// Version is the version string of srvr, stat, mntr and envi. Empty
	// means DefaultVersion.
	Version string
	// X509SuperUser is the subject DN (as Java prints it) of the client
	// certificate that authenticates as the super user over TLS
	// (zookeeper.X509AuthenticationProvider.superUser).
	X509SuperUser string
	// SASL enables DIGEST-MD5 SASL authentication; nil answers sasl
	// packets with no token, as ZooKeeper without a JAAS Server section.
	SASL *SASLOptions
	// EnforceAuth lists the schemes one of which a connection must have
	// authenticated with before any request but auth and sasl
	// (enforce.auth.schemes with enforce.auth.enabled=true; "sasl" alone
	// for zookeeper.sessionRequireClientSASLAuth). Empty enforces nothing.
	EnforceAuth []string
}

// DefaultVersion is the version the four-letter words report unless
// Options.Version says otherwise. Tools parse the leading ZooKeeper version
// number, so it names the ZooKeeper release whose behaviour zkembed follows.
const DefaultVersion = "3.9.0-zkembed, built on 1970-01-01 00:00 UTC"

// Server serves a Backend to ZooKeeper clients on any number of
// net.Listeners (TCP, PipeListener, ...).
//
// # Concurrency
//
// A Server is safe for concurrent use. Each connection has a reader
// goroutine (the one Serve started for it) and a writer goroutine; Close
// stops every listener and connection and returns after all of them have
// exited.
type Server struct {
	backend Backend
	stats   StatsBackend // nil if the backend reports no stats
	// tokens holds one token per request read and not yet written out,
	// across connections (MaxGlobalOutstanding); nil for no bound.
	tokens  chan struct{}
	log     *slog.Logger
	opts    Options
	words   map[string]bool // enabled four-letter words; nil means all
	started time.Time
	ctr     serverCounters

	mu        sync.Mutex
	closed    bool                          // guarded by mu
	listeners map[net.Listener]struct{}     // guarded by mu
	conns     map[*serverConn]struct{}      // guarded by mu
	perHost   map[string]int                // connections per remote host; guarded by mu
	sessions  map[api.SessionID]*serverConn // connection holding each session; guarded by mu
	wg        sync.WaitGroup                // connection goroutines
}

// NewServer returns a Server for b. It serves nothing until Serve is called.
func NewServer(b Backend, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBuffer <= 0 {
		opts.MaxBuffer = jute.DefaultMaxBuffer
	}
	if opts.MaxOutstanding <= 0 {
		opts.MaxOutstanding = 1000
	}
	if opts.MaxGlobalOutstanding == 0 {
		opts.MaxGlobalOutstanding = 10000
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 10 * time.Second
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	s := &Server{
		backend:   b,
		log:       opts.Logger,
		opts:      opts,
		started:   time.Now(),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*serverConn]struct{}),
		perHost:   make(map[string]int),
		sessions:  make(map[api.SessionID]*serverConn),
	}
	if opts.MaxGlobalOutstanding > 0 {
		s.tokens = make(chan struct{}, opts.MaxGlobalOutstanding)
	}
	s.stats, _ = b.(StatsBackend)
	s.ctr.reset()
	if opts.FourLetterWords != nil {
		s.words = map[string]bool{"srvr": true}
		for _, w := range opts.FourLetterWords {
			if w == "*" {
				s.words = nil
				break
			}
			s.words[w] = true
		}
	}
	return s
}

// Serve accepts connections on l and serves each on its own goroutines. It
// blocks until l fails or the Server is closed, and then returns
// ErrServerClosed (after Close) or the listener's error. Serve closes l.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed, retrying", "addr", l.Addr().String(), "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.startConn(nc)
	}
}

// Close stops every listener, closes every connection (each session is
// detached from its connection and lives on until it expires or is resumed
// elsewhere) and waits until every goroutine the Server started has exited.
// It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.shutdown()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// startConn registers nc and starts serving it, or closes it if the server
// is closed or nc's host has too many connections.
func (s *Server) startConn(nc net.Conn) {
	host := remoteHost(nc.RemoteAddr())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if s.opts.MaxClientCnxns > 0 && s.perHost[host] >= s.opts.MaxClientCnxns {
		s.mu.Unlock()
		s.log.Warn("too many connections from host", "host", host, "max", s.opts.MaxClientCnxns)
		nc.Close()
		return
	}
	c := newServerConn(s, nc, host)
	s.perHost[host]++
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.serve()
}

// removeConn forgets c once it has been torn down.
func (s *Server) removeConn(c *serverConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.perHost[c.host]--; s.perHost[c.host] <= 0 {
		delete(s.perHost, c.host)
	}
	if id := c.sessionID(); id != 0 && s.sessions[id] == c {
		delete(s.sessions, id)
	}
}

// evictSession closes the connection that holds session id, if any, and
// waits until it has detached, so a client resuming its session on a new
// connection takes it over cleanly (ZooKeeper closes the old connection the
// same way, in ZooKeeperServer.processConnectRequest).
func (s *Server) evictSession(id api.SessionID, by *serverConn) {
	s.mu.Lock()
	old := s.sessions[id]
	s.mu.Unlock()
	if old == nil || old == by {
		return
	}
	s.log.Debug("closing old connection of resumed session", "session", id.String(), "remote", old.remote)
	old.shutdown()
	<-old.finished
}

// bindSession records that c now holds session id. Any other connection
// still holding it is closed.
func (s *Server) bindSession(id api.SessionID, c *serverConn) {
	s.mu.Lock()
	old := s.sessions[id]
	s.sessions[id] = c
	s.mu.Unlock()
	if old != nil && old != c {
		old.shutdown()
	}
}

// connections returns the live connections.
func (s *Server) connections() []*serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	return cs
}

// remoteHost returns the host part of a remote address, the key of
// MaxClientCnxns.
func remoteHost(a net.Addr) string {
	if a == nil {
		return ""
	}
	s := a.String()
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}
