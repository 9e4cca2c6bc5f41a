package zktest

import (
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

// backend is what the wire servers serve: the current engine, with every
// session wrapped for fault injection and virtual time.
type backend struct{ s *Server }

var (
	_ transport.Backend      = backend{}
	_ transport.StatsBackend = backend{}
	_ api.ServerSession      = (*serverSession)(nil)
)

// OpenSession opens or resumes a session on the current engine. It holds
// the time lock for reading, so a session's deadline is set either wholly
// before or wholly after an Advance.
func (b backend) OpenSession(p api.SessionParams, sink api.EventSink) (api.ServerSession, error) {
	s := b.s
	s.timeMu.RLock()
	defer s.timeMu.RUnlock()
	s.mu.Lock()
	eng := s.eng
	c := s.conns[p.RemoteAddr]
	s.mu.Unlock()
	if eng == nil {
		return nil, api.ErrConnectionLoss
	}
	inner, err := eng.OpenSession(p, sink)
	if err != nil {
		return nil, err
	}
	ss := &serverSession{inner: inner, s: s, conn: c}
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	return ss, nil
}

// Stats reports the engine's counters to the four-letter words.
func (b backend) Stats() api.ServerStats {
	if eng := b.s.Engine(); eng != nil {
		return eng.Stats()
	}
	return api.ServerStats{}
}

// Sessions reports the engine's sessions to the four-letter words.
func (b backend) Sessions() []api.SessionInfo {
	if eng := b.s.Engine(); eng != nil {
		return eng.Sessions()
	}
	return nil
}

// serverSession is one attachment of a session to a wire connection. It
// applies faults, keeps the session's requests in order when some are
// delayed, and takes the time lock around deadline changes.
type serverSession struct {
	inner api.ServerSession
	s     *Server
	conn  *conn // nil if the connection was not found (never, in practice)

	mu      sync.Mutex // guards queue, waiting
	queue   []*queued  // requests waiting behind a delayed one, in Do order
	waiting bool       // a delayed request is at the head of queue
}

type queued struct {
	req     api.Request
	done    func(api.Response)
	eff     effect
	delayed bool // its latency has elapsed
}

func (ss *serverSession) ID() api.SessionID      { return ss.inner.ID() }
func (ss *serverSession) Password() []byte       { return ss.inner.Password() }
func (ss *serverSession) Timeout() time.Duration { return ss.inner.Timeout() }
func (ss *serverSession) ReadOnly() bool         { return ss.inner.ReadOnly() }
func (ss *serverSession) LastZxid() api.Zxid     { return ss.inner.LastZxid() }

// Touch pushes back the session's expiry, never during an Advance.
func (ss *serverSession) Touch() {
	ss.s.timeMu.RLock()
	ss.inner.Touch()
	ss.s.timeMu.RUnlock()
}

// Detach detaches the session from its connection, never during an
// Advance.
func (ss *serverSession) Detach() {
	ss.s.timeMu.RLock()
	ss.inner.Detach()
	ss.s.timeMu.RUnlock()
	ss.s.mu.Lock()
	delete(ss.s.sessions, ss)
	ss.s.mu.Unlock()
}

// live reports whether the session's client is connected and able to ping:
// its connection is open and the server is not paused. s.mu is held.
func (ss *serverSession) live() bool {
	return ss.conn != nil && !ss.conn.isClosed() && ss.s.resume == nil
}

// Do applies the faults matching req, then executes it in order.
func (ss *serverSession) Do(req api.Request, done func(api.Response)) {
	eff := ss.s.faults.match(ss.inner.ID(), req)
	ss.mu.Lock()
	if ss.waiting {
		ss.queue = append(ss.queue, &queued{req: req, done: done, eff: eff})
		ss.mu.Unlock()
		return
	}
	if eff.latency > 0 {
		q := &queued{req: req, done: done, eff: eff}
		ss.waiting = true
		ss.queue = append(ss.queue, q)
		ss.mu.Unlock()
		ss.s.after(eff.latency, func() { ss.release(q) })
		return
	}
	ss.mu.Unlock()
	ss.run(req, done, eff)
}

// release runs the delayed request q, then every request queued behind it
// up to the next delayed one.
func (ss *serverSession) release(q *queued) {
	ss.mu.Lock()
	q.delayed = true
	for len(ss.queue) > 0 {
		h := ss.queue[0]
		if h.eff.latency > 0 && !h.delayed {
			ss.mu.Unlock()
			if h != q {
				ss.s.after(h.eff.latency, func() { ss.release(h) })
			}
			return
		}
		ss.queue[0] = nil
		ss.queue = ss.queue[1:]
		ss.mu.Unlock()
		ss.run(h.req, h.done, h.eff)
		ss.mu.Lock()
	}
	ss.waiting = false
	ss.mu.Unlock()
}

// run executes req with the outcome eff decides.
func (ss *serverSession) run(req api.Request, done func(api.Response), eff effect) {
	switch {
	case eff.err == nil && !eff.drop:
		ss.inner.Do(req, done)
	case !eff.after && eff.drop:
		ss.drop()
		done(api.Response{Err: api.ErrConnectionLoss, Zxid: ss.inner.LastZxid()})
	case !eff.after:
		done(api.Response{Err: eff.err, Zxid: ss.inner.LastZxid()})
	default:
		ss.inner.Do(req, func(r api.Response) {
			if eff.drop {
				ss.drop()
				r = api.Response{Err: api.ErrConnectionLoss, Zxid: r.Zxid}
			} else {
				r = api.Response{Err: eff.err, Zxid: r.Zxid}
			}
			done(r)
		})
	}
}

// drop closes the session's connection.
func (ss *serverSession) drop() {
	if ss.conn != nil {
		ss.conn.Close()
	}
}
