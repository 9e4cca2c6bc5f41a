package engine

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkembed/zkembed/api"
)

// ErrClientAhead is returned by OpenSession for a client that has seen a
// newer zxid than the engine's last: it must try another server (ZooKeeper
// refuses it the same way).
var ErrClientAhead = errors.New("engine: client has seen a newer zxid than this server")

// session is one ZooKeeper session.
type session struct {
	e        *Engine
	id       api.SessionID
	passwd   []byte
	timeout  time.Duration
	deadline atomic.Int64 // clock time in ns after which it expires; 0: never (direct)

	sink  atomic.Pointer[sinkRef]  // current attachment's event sink
	epoch atomic.Uint64            // attachment generation
	auth  atomic.Pointer[[]api.Id] // identities, copy on write
	ended atomic.Bool              // closed or expired

	attachMu sync.Mutex // serialises attach and Detach

	mu    sync.Mutex // guards queue, ip, and the order of completions
	queue []*pending // requests not yet completed, in Do order
	ip    string     // remote IP of the current attachment

	// Guarded by Engine.watchMu.
	watchPaths map[string]struct{}
	// Guarded by Engine.treeMu (written by the sequencer under the write
	// lock).
	ephemerals map[string]struct{}
	persisted  bool
}

type sinkRef struct{ fn api.EventSink }

// pending is a request a session has issued and not yet completed.
type pending struct {
	w    *write // for writes: filled by the sequencer
	req  api.Request
	done func(api.Response)
	fin  bool // a write the sequencer has completed
}

func (e *Engine) newSessionState(id api.SessionID, timeout time.Duration) *session {
	s := &session{
		e: e, id: id, passwd: sessionPassword(id), timeout: timeout,
		watchPaths: map[string]struct{}{}, ephemerals: map[string]struct{}{},
	}
	empty := []api.Id{}
	s.auth.Store(&empty)
	return s
}

// emit hands an event to the session's current sink.
func (s *session) emit(ev api.Event) {
	if r := s.sink.Load(); r != nil && r.fn != nil {
		r.fn(ev)
	}
}

// touch pushes the session's expiry back by its timeout.
func (s *session) touch() {
	if s.deadline.Load() != 0 {
		s.deadline.Store(s.e.clock.Now().Add(s.timeout).UnixNano())
	}
}

// do runs one request for the session in order.
func (s *session) do(req api.Request, done func(api.Response)) {
	if s.e.closed.Load() {
		done(api.Response{Err: api.ErrConnectionLoss, Zxid: s.e.LastZxid()})
		return
	}
	if s.ended.Load() {
		done(api.Response{Err: api.ErrSessionExpired, Zxid: s.e.LastZxid()})
		return
	}
	if _, ok := req.(*api.CheckRequest); ok {
		// Outside a multi, check is not a valid op (Request.isValid in 3.9).
		s.mu.Lock()
		s.inOrder(&pending{req: req, done: done}, api.Response{Err: api.ErrUnimplemented})
		s.mu.Unlock()
		return
	}
	if api.IsWrite(req) {
		_, sync := req.(*api.SyncRequest)
		w := &write{s: s, req: req, zxid: !sync}
		p := &pending{w: w, req: req, done: done}
		s.mu.Lock()
		s.queue = append(s.queue, p)
		ok := s.e.submit(w)
		if !ok {
			s.queue = s.queue[:len(s.queue)-1]
			s.mu.Unlock()
			done(api.Response{Err: api.ErrConnectionLoss})
			return
		}
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) > 0 {
		s.queue = append(s.queue, &pending{req: req, done: done})
		return
	}
	s.e.read(s, req, done)
}

// readNow runs fn under the tree's read lock right away when the session has
// nothing pending, so a direct read needs no callback or channel; it reports
// false (and runs nothing) when the read must wait its turn.
func (s *session) readNow(fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) > 0 || s.ended.Load() || s.e.closed.Load() {
		return false
	}
	s.e.treeMu.RLock()
	fn()
	s.e.treeMu.RUnlock()
	return true
}

// inOrder completes p with resp once everything before it has completed;
// s.mu is held.
func (s *session) inOrder(p *pending, resp api.Response) {
	if len(s.queue) == 0 {
		if resp.Zxid == 0 {
			resp.Zxid = s.e.LastZxid()
		}
		p.done(resp)
		return
	}
	p.w = &write{resp: resp}
	p.fin = true
	s.queue = append(s.queue, p)
}

// complete is called by the sequencer when w has been applied: it completes
// w and then every request queued behind it up to the next pending write.
func (s *session) complete(w *write) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.queue {
		if p.w == w {
			p.fin = true
			break
		}
	}
	for len(s.queue) > 0 {
		p := s.queue[0]
		if p.w != nil && !p.fin {
			return
		}
		s.queue[0] = nil
		s.queue = s.queue[1:]
		if p.w != nil {
			p.done(p.w.resp)
			continue
		}
		if s.ended.Load() {
			p.done(api.Response{Err: api.ErrSessionExpired, Zxid: s.e.LastZxid()})
			continue
		}
		s.e.read(s, p.req, p.done)
	}
}

// handle is one attachment of a session to a client: a connection, or the
// direct client. A handle goes stale when the session is resumed elsewhere.
type handle struct {
	s     *session
	epoch uint64
}

var _ api.ServerSession = (*handle)(nil)

func (h *handle) stale() bool { return h.s.epoch.Load() != h.epoch }

// ID returns the session id.
func (h *handle) ID() api.SessionID { return h.s.id }

// Password returns the session password.
func (h *handle) Password() []byte { return append([]byte(nil), h.s.passwd...) }

// Timeout returns the negotiated timeout.
func (h *handle) Timeout() time.Duration { return h.s.timeout }

// ReadOnly reports false: a standalone engine is never read-only.
func (h *handle) ReadOnly() bool { return false }

// LastZxid returns the last committed zxid.
func (h *handle) LastZxid() api.Zxid { return h.s.e.LastZxid() }

// Touch pushes back the session's expiry.
func (h *handle) Touch() {
	if !h.stale() {
		h.s.touch()
	}
}

// Do executes req in order.
func (h *handle) Do(req api.Request, done func(api.Response)) {
	if h.stale() {
		done(api.Response{Err: api.ErrSessionMoved, Zxid: h.s.e.LastZxid()})
		return
	}
	h.s.do(req, done)
}

// Detach drops the attachment: its watches go and its sink is no longer
// called; the session lives until it expires or is resumed.
func (h *handle) Detach() {
	s := h.s
	s.attachMu.Lock()
	defer s.attachMu.Unlock()
	if !s.epoch.CompareAndSwap(h.epoch, h.epoch+1) {
		return
	}
	s.sink.Store(nil)
	s.e.watchMu.Lock()
	s.e.watches.removeSession(s)
	s.e.watchMu.Unlock()
	s.touch()
}

// OpenSession opens a new session or resumes one (api.SessionOpener).
func (e *Engine) OpenSession(p api.SessionParams, sink api.EventSink) (api.ServerSession, error) {
	if e.closed.Load() {
		return nil, api.ErrConnectionLoss
	}
	if p.LastZxidSeen > e.LastZxid() {
		return nil, fmt.Errorf("%w: client 0x%x, server 0x%x", ErrClientAhead, p.LastZxidSeen, e.LastZxid())
	}
	ip := remoteIP(p.RemoteAddr)
	if p.ID == 0 {
		s, err := e.createSession(e.negotiate(p.Timeout), false)
		if err != nil {
			return nil, err
		}
		return e.attach(s, sink, ip, p.Identities...), nil
	}
	s := e.sessionByID(p.ID)
	if s == nil || s.ended.Load() || !bytes.Equal(p.Password, s.passwd) {
		return nil, api.ErrSessionExpired
	}
	// A resumed session keeps its negotiated timeout (ZooKeeper's
	// reopenSession revalidates the existing one).
	return e.attach(s, sink, ip, p.Identities...), nil
}

func (e *Engine) negotiate(d time.Duration) time.Duration {
	return max(e.opts.MinSessionTimeout, min(d, e.opts.MaxSessionTimeout))
}

// attach makes a new attachment of s, superseding the previous one: its sink
// hears StateDisconnected, which a server takes as "close this connection".
func (e *Engine) attach(s *session, sink api.EventSink, ip string, proven ...api.Id) *handle {
	if ip == "" {
		ip = "127.0.0.1"
	}
	s.attachMu.Lock()
	epoch := s.epoch.Add(1)
	old := s.sink.Swap(&sinkRef{fn: sink})
	s.mu.Lock()
	s.ip = ip
	s.mu.Unlock()
	// The connection's ip identity comes first, as ServerCnxn adds it on
	// connect; authenticated identities are per connection in ZooKeeper,
	// so a resumed session starts again from the ip identity.
	ids := append([]api.Id{{Scheme: "ip", ID: ip}}, proven...)
	s.auth.Store(&ids)
	if old != nil && old.fn != nil {
		e.watchMu.Lock()
		e.watches.removeSession(s)
		e.watchMu.Unlock()
	}
	s.touch()
	s.attachMu.Unlock()
	if old != nil && old.fn != nil {
		// Outside attachMu: the old connection may detach from its sink.
		old.fn(api.Event{Type: api.EventNone, State: api.StateDisconnected, Zxid: -1})
	}
	return &handle{s: s, epoch: epoch}
}

// createSession runs ZooKeeper's createSession txn and waits for it.
func (e *Engine) createSession(timeout time.Duration, direct bool) (*session, error) {
	e.sessMu.Lock()
	id := e.nextSessionID
	e.nextSessionID++
	if api.SessionID(id) == containerOwner {
		id = e.nextSessionID
		e.nextSessionID++
	}
	s := e.newSessionState(api.SessionID(id), timeout)
	if !direct {
		s.deadline.Store(e.clock.Now().Add(timeout).UnixNano())
	}
	e.sessions[s.id] = s
	e.sessMu.Unlock()
	done := make(chan api.Response, 1)
	if !e.submit(&write{req: &createSessionRequest{s: s}, zxid: true, done: func(r api.Response) { done <- r }}) {
		e.sessMu.Lock()
		delete(e.sessions, s.id)
		e.sessMu.Unlock()
		return nil, api.ErrConnectionLoss
	}
	if r := <-done; r.Err != nil {
		return nil, r.Err
	}
	return s, nil
}

func (e *Engine) sessionByID(id api.SessionID) *session {
	e.sessMu.RLock()
	defer e.sessMu.RUnlock()
	return e.sessions[id]
}

// endSession forgets a closed or expired session; called by the sequencer
// under the tree's write lock. Its sink hears state (unless StateUnknown).
func (e *Engine) endSession(s *session, state api.State) {
	if s.ended.Swap(true) {
		return
	}
	e.sessMu.Lock()
	delete(e.sessions, s.id)
	e.sessMu.Unlock()
	e.watchMu.Lock()
	e.watches.removeSession(s)
	e.watchMu.Unlock()
	if r := s.sink.Load(); r != nil && r.fn != nil && state != api.StateUnknown {
		r.fn(api.Event{Type: api.EventNone, State: state, Zxid: -1})
	}
}

// sessionPassword derives the password from the id exactly as ZooKeeper's
// SessionTrackerImpl does: java.util.Random seeded with id ^ 0xB3415C00,
// nextBytes(16). So a client sees the same kind of password from zkembed as
// from ZooKeeper, and nothing needs to be stored.
func sessionPassword(id api.SessionID) []byte {
	const mult = 0x5DEECE66D
	const mask = 1<<48 - 1
	seed := (int64(id) ^ 0xB3415C00 ^ mult) & mask
	next := func() int32 {
		seed = (seed*mult + 0xB) & mask
		return int32(seed >> 16)
	}
	out := make([]byte, 16)
	for i := 0; i < len(out); {
		r := next()
		for n := min(len(out)-i, 4); n > 0; n-- {
			out[i] = byte(r)
			r >>= 8
			i++
		}
	}
	return out
}

// initialSessionID copies SessionTrackerImpl.initializeNextSessionId for
// server id 1 (ZooKeeperServer's standalone default).
func initialSessionID(nowMillis int64) int64 {
	return int64(uint64(nowMillis)<<24>>8) | 1<<56
}

func remoteIP(addr string) string {
	if addr == "" {
		return ""
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
