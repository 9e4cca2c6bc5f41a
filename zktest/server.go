package zktest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
)

// Server is a ZooKeeper server for one test: an engine served to standard
// clients over an in-memory listener (Dialer) and, unless WithoutTCP, a
// loopback TCP port (Addr), with its time and faults under the test's
// control. Make one with New or NewEnsemble.
//
// Its methods are safe for concurrent use. Those that can fail report the
// failure on the testing.TB given to New (t.Fatalf, so call them from the
// test's goroutine) unless they return an error.
type Server struct {
	tb     reporter
	cfg    config
	clock  *engine.ManualClock // nil with real time
	log    *slog.Logger
	logOff func() // silences the default test logger once the server is closed
	faults faultSet
	handle *cleanupRef // what t.Cleanup holds

	// timeMu orders session deadline changes (Touch, OpenSession, Detach)
	// against Advance, which holds it for writing while it moves the clock
	// and expires sessions.
	timeMu sync.RWMutex

	mu       sync.Mutex // guards the fields below
	eng      *engine.Engine
	members  []*member
	sessions map[*serverSession]struct{} // wire sessions attached to a connection
	conns    map[string]*conn            // open wire connections by remote address
	resume   chan struct{}               // non-nil while paused; closed by Resume
	closed   bool

	gen atomic.Uint64 // bumped when the engine is replaced or closed: direct clients of an older one fail

	timerMu sync.Mutex // guards timers and stopping
	timers  map[*time.Timer]func()
	stop    chan struct{} // closed by Close: ends injected latencies
	delays  sync.WaitGroup
}

// cleanupRef is what t.Cleanup keeps: it lets go of the Server once it is
// closed, so a test that makes many servers does not keep them all.
type cleanupRef struct {
	mu sync.Mutex
	s  *Server
}

// New starts a Server for the test t and registers its shutdown with
// t.Cleanup. By default the engine is in memory, its clock is virtual
// (time moves only when the test calls Advance), and it is served in memory
// (Dialer) and on a 127.0.0.1 TCP port (Addr).
//
// At cleanup the server closes every connection, checks the engine's
// invariants (a violation fails t), logs a Dump if t failed, and returns
// only after every goroutine it started has exited.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return newServer(tbReporter{t}, 1, opts)
}

// Start starts a Server that belongs to no test, for a TestMain that shares
// one server among a package's tests, an Example, or a program. The caller
// must Close it. Its methods panic where those of a Server made by New
// would fail the test, and its log lines are discarded unless WithLogger.
func Start(opts ...Option) (s *Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			s, err = nil, f
		}
	}()
	return newServer(standalone{}, 1, opts), nil
}

func newServer(t reporter, n int, opts []Option) *Server {
	t.Helper()
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		tb:       t,
		cfg:      cfg,
		sessions: map[*serverSession]struct{}{},
		conns:    map[string]*conn{},
		timers:   map[*time.Timer]func(){},
		stop:     make(chan struct{}),
	}
	s.log, s.logOff = cfg.logger, func() {}
	if s.log == nil {
		s.log, s.logOff = t.logger()
	}
	if !cfg.realTime {
		start := cfg.start
		if start.IsZero() {
			start = time.Now()
		}
		s.clock = engine.NewManualClock(start)
	}
	eng, err := s.openEngine()
	if err != nil {
		t.Fatalf("zktest: opening the engine: %v", err)
	}
	s.eng = eng
	if err := s.seed(); err != nil {
		eng.Close()
		t.Fatalf("zktest: seeding: %v", err)
	}
	for i := range n {
		m := &member{index: i, tcp: cfg.tcp}
		if !cfg.tcp {
			m.addr = fmt.Sprintf("127.0.0.1:%d", i+1)
		}
		s.members = append(s.members, m)
	}
	for _, m := range s.members {
		if err := s.startMember(m); err != nil {
			s.Close()
			t.Fatalf("zktest: %v", err)
		}
	}
	s.handle = &cleanupRef{s: s}
	ref := s.handle
	t.Cleanup(func() {
		ref.mu.Lock()
		s := ref.s
		ref.mu.Unlock()
		if s == nil {
			return
		}
		if t.Failed() {
			t.Logf("zktest: server state at the end of the failed test:\n%s", s.Dump())
		}
		s.Close()
	})
	return s
}

func (s *Server) openEngine() (*engine.Engine, error) {
	o := engine.Options{
		Dir:               s.cfg.dir,
		Logger:            s.log,
		TickTime:          s.cfg.tickTime,
		MinSessionTimeout: s.cfg.minTimeout,
		MaxSessionTimeout: s.cfg.maxTimeout,
	}
	if s.clock != nil {
		o.Clock = s.clock
	}
	if s.cfg.super != "" {
		user, pw, _ := strings.Cut(s.cfg.super, ":")
		o.SuperDigest = api.DigestID(user, pw)
	}
	if s.cfg.engineOpts != nil {
		s.cfg.engineOpts(&o)
	}
	return engine.Open(o)
}

// seed creates the znodes of WithTree and WithZnodes.
func (s *Server) seed() error {
	if len(s.cfg.seeds) == 0 {
		return nil
	}
	ctx := context.Background()
	c, err := s.eng.Session(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// WithTree's map has no order: shorter paths first, then by name.
	seeds := slices.Clone(s.cfg.seeds)
	slices.SortStableFunc(seeds, func(a, b Znode) int {
		return strings.Count(a.Path, "/") - strings.Count(b.Path, "/")
	})
	for _, z := range seeds {
		if z.Mode.IsEphemeral() {
			return fmt.Errorf("%s: an ephemeral seed has no session to own it", z.Path)
		}
		if err := api.ValidatePath(z.Path); err != nil || z.Path == "/" {
			return fmt.Errorf("%q: invalid path", z.Path)
		}
		if err := mkdirs(ctx, c, parentOf(z.Path)); err != nil {
			return err
		}
		acl := z.ACL
		if acl == nil {
			acl = api.OpenACLUnsafe
		}
		if _, _, err := c.Create2(ctx, z.Path, z.Data, acl, z.Mode, z.TTL); err != nil {
			return fmt.Errorf("%s: %w", z.Path, err)
		}
	}
	return nil
}

// mkdirs creates p and its missing ancestors, persistent and empty.
func mkdirs(ctx context.Context, c api.Client, p string) error {
	if p == "/" {
		return nil
	}
	if err := mkdirs(ctx, c, parentOf(p)); err != nil {
		return err
	}
	_, err := c.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent)
	if err != nil && !isCode(err, api.ErrNodeExists) {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func isCode(err error, c api.Code) bool { return api.CodeOf(err) == c }

// Close shuts the server down: every wire connection and direct client
// ends, the engine's invariants are checked (a violation fails the test),
// and every goroutine the server started has exited when it returns. The
// test's cleanup calls it; calling it earlier is fine. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.gen.Add(1)
	if s.resume != nil {
		close(s.resume)
		s.resume = nil
	}
	s.mu.Unlock()
	for _, m := range s.members {
		s.stopMember(m)
	}
	s.stopDelays()
	s.mu.Lock()
	eng := s.eng
	s.mu.Unlock()
	if err := eng.CheckInvariants(); err != nil {
		s.tb.Errorf("zktest: engine invariant violated: %v\n%s", err, s.Dump())
	}
	if err := eng.Close(); err != nil {
		s.tb.Errorf("zktest: closing the engine: %v", err)
	}
	s.faults.clear()
	s.logOff()
	if s.handle != nil {
		s.handle.mu.Lock()
		s.handle.s = nil
		s.handle.mu.Unlock()
	}
}

// after runs fn after d of real time, unless the server closes first, in
// which case Close runs it at once (the engine then answers
// ErrConnectionLoss). Close waits for it either way.
func (s *Server) after(d time.Duration, fn func()) {
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	select {
	case <-s.stop:
		s.delays.Add(1)
		go func() { defer s.delays.Done(); fn() }()
		return
	default:
	}
	s.delays.Add(1)
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		defer s.delays.Done()
		s.timerMu.Lock()
		delete(s.timers, t)
		s.timerMu.Unlock()
		fn()
	})
	s.timers[t] = fn
}

// stopDelays ends every injected latency at once and waits for the
// requests they held.
func (s *Server) stopDelays() {
	s.timerMu.Lock()
	close(s.stop)
	var run []func()
	for t, fn := range s.timers {
		if t.Stop() {
			run = append(run, fn)
			s.delays.Done()
		}
	}
	clear(s.timers)
	s.timerMu.Unlock()
	for _, fn := range run {
		fn()
	}
	s.delays.Wait()
}

// sleep waits d of real time for a direct client's injected latency; it
// fails if ctx ends or the server closes first.
func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return api.ErrConnectionLoss
	}
}

// Engine returns the engine the server serves (a new one after Restart on
// disk). Use it for what the Server does not wrap, such as Stats or Walk.
func (s *Server) Engine() *engine.Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng
}

// Addr returns the host:port of the server's TCP listener ("127.0.0.1:N"),
// for any ZooKeeper client. With WithoutTCP it is a placeholder nothing
// listens on, which only Dialer understands. For an ensemble it is the
// first member's.
func (s *Server) Addr() string { return s.members[0].addr }

// ConnectString returns the server's addresses as a ZooKeeper connect
// string ("127.0.0.1:N", or "host:port,host:port,..." for an ensemble).
func (s *Server) ConnectString() string {
	addrs := make([]string, len(s.members))
	for i, m := range s.members {
		addrs[i] = m.addr
	}
	return strings.Join(addrs, ",")
}

// Dialer returns a dial function that connects to the server in memory,
// with the signature of go-zookeeper's zk.Dialer (use it with
// zk.WithDialer): no port, no kernel. It dials the member whose Addr is the
// address asked for (any address, for a single server), refuses the
// connection while that member is stopped, and gives up after timeout if
// positive. It keeps working across Restart.
func (s *Server) Dialer() func(network, address string, timeout time.Duration) (net.Conn, error) {
	return func(_, address string, timeout time.Duration) (net.Conn, error) {
		m := s.members[0]
		if len(s.members) > 1 {
			m = nil
			for _, x := range s.members {
				if x.addr == address {
					m = x
				}
			}
			if m == nil {
				return nil, &net.OpError{Op: "dial", Net: "pipe", Err: fmt.Errorf("zktest: no member at %s", address)}
			}
		}
		return m.pipe.dialTimeout(timeout)
	}
}

// Client opens a direct session on the engine (no serialization, no
// sockets), with the server's faults applied, and closes it when t's test
// ends. A direct session is always connected: it never expires with time,
// only through ExpireSession. It belongs to the engine of the moment, so it
// does not survive Restart on disk.
//
// t may be nil (for a server made by Start): the caller then closes the
// client, and a failure to open it panics.
func (s *Server) Client(t testing.TB) api.Client {
	var r reporter = s.tb
	if t != nil {
		t.Helper()
		r = tbReporter{t}
	}
	eng := s.Engine()
	c, err := eng.Session(context.Background())
	if err != nil {
		r.Fatalf("zktest: opening a direct session: %v", err)
	}
	if t != nil {
		t.Cleanup(func() { c.Close() })
	}
	return &directClient{Client: c, s: s, gen: s.gen.Load()}
}

// Advance moves virtual time forward by d and returns once everything that
// falls due has been committed and its watches have fired: sessions
// expired (their ephemerals deleted), and, once the engine's container
// check interval (60s by default) has passed since the last check, empty
// containers and expired TTL nodes deleted.
//
// Sessions expire as they would over d of real time: a wire client that is
// connected keeps pinging, so its session lives on (Advance pushes its
// deadline as its pings would); a session whose client has no working
// connection (closed, dropped and not yet back, stalled by Pause, or on a
// stopped ensemble member) expires once its timeout has passed since its
// client was last heard. Direct sessions never expire with time. So the
// deterministic way to expire a wire session through time is Pause,
// Advance past its timeout, Resume; ExpireSession expires any session now.
//
// Advance fails the test if the server runs on real time (WithRealTime).
func (s *Server) Advance(d time.Duration) {
	s.tb.Helper()
	if s.clock == nil {
		s.tb.Fatalf("zktest: Advance needs virtual time; this server runs on real time (WithRealTime)")
	}
	s.timeMu.Lock()
	defer s.timeMu.Unlock()
	s.clock.Advance(d)
	s.mu.Lock()
	eng := s.eng
	for ss := range s.sessions {
		if ss.live() {
			ss.inner.Touch()
		}
	}
	s.mu.Unlock()
	if err := eng.Tick(context.Background()); err != nil {
		s.tb.Fatalf("zktest: Advance: %v", err)
	}
}

// Now returns the server's time: the virtual clock's, or the wall clock's
// with WithRealTime.
func (s *Server) Now() time.Time {
	if s.clock == nil {
		return time.Now()
	}
	return s.clock.Now()
}

// ExpireSession expires session id now, as ZooKeeper does when its timeout
// passes: its ephemerals are deleted and watches fire, its direct client's
// watch channels hear StateExpired, and a wire client is told its session
// expired when it next reaches the server. It returns once that is
// committed, or api.ErrSessionExpired if there is no such session.
func (s *Server) ExpireSession(id api.SessionID) error {
	return s.Engine().ExpireSession(context.Background(), id)
}

// DropConnections closes every wire connection, as a server-side network
// failure would. Clients reconnect and resume their sessions, which live on
// meanwhile; their one-shot watches are restored by the client
// (setWatches). It returns once every connection is closed.
func (s *Server) DropConnections() {
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

// Pause stalls every wire connection, present and future, as a network
// partition would: nothing is read from or written to clients until
// Resume. Connections stay open; clients notice only through their own
// timeouts (in real time), and sessions expire only if the test Advances
// virtual time past their timeout meanwhile. Direct clients are not
// affected.
func (s *Server) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resume == nil && !s.closed {
		s.resume = make(chan struct{})
	}
}

// Resume ends a Pause: stalled reads and writes go on.
func (s *Server) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resume != nil {
		close(s.resume)
		s.resume = nil
	}
}

// Restart stops and restarts the server, as a server process restart:
// every wire connection closes, and the server comes back on the same
// addresses (Addr, Dialer). With WithDir the engine is closed and reopened
// on the same directory, so the tree and the sessions are kept (each
// session gets a fresh timeout for its client to come back) and direct
// clients of the old engine fail from then on. In memory the engine is
// kept and only the wire side restarts. The invariants are checked before
// the engine closes.
func (s *Server) Restart() {
	s.tb.Helper()
	var running []*member
	for _, m := range s.members {
		if s.stopGeneration(m) {
			running = append(running, m)
		}
	}
	if s.cfg.dir != "" {
		old := s.Engine()
		if err := old.CheckInvariants(); err != nil {
			s.tb.Errorf("zktest: engine invariant violated before restart: %v", err)
		}
		if err := old.Close(); err != nil {
			s.tb.Fatalf("zktest: Restart: closing the engine: %v", err)
		}
		eng, err := s.openEngine()
		if err != nil {
			s.tb.Fatalf("zktest: Restart: reopening the engine: %v", err)
		}
		s.mu.Lock()
		s.eng = eng
		s.mu.Unlock()
		s.gen.Add(1)
	}
	for _, m := range running {
		s.startGeneration(m)
	}
}

// Inject puts a Fault in force and returns it, so the test can Remove it or
// count its Hits. It applies to requests sent from then on.
func (s *Server) Inject(f Fault) *Injection { return s.faults.add(f) }

// Fail makes the next request matching op and the path glob (see
// Fault.Path) fail with err. It is Inject(Fault{Op: op, Path: path, Times:
// 1, Err: err}).
func (s *Server) Fail(op Op, path string, err error) *Injection {
	return s.Inject(Fault{Op: op, Path: path, Times: 1, Err: err})
}

// ClearFaults removes every fault in force.
func (s *Server) ClearFaults() { s.faults.clear() }
