package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkembed/zkembed/api"
)

// Engine is a ZooKeeper server's state machine: the znode tree, sessions,
// watches and ACLs, stored durably in Badger (or only in memory). Open one
// with Open; serve it with the transport package, or use it directly through
// Session.
type Engine struct {
	opts  Options
	log   *slog.Logger
	clock Clock
	store *store // nil in memory

	treeMu   sync.RWMutex // guards tree, containers, ttls, every session's ephemerals
	tree     *tree
	lastZxid atomic.Int64 // last applied zxid
	// Sets of znodes the reaper looks at; guarded by treeMu.
	containers map[string]struct{}
	ttls       map[string]struct{}

	watchMu sync.Mutex // guards watches and every session's watchPaths
	watches *watches

	sessMu        sync.RWMutex // guards sessions and nextSessionID
	sessions      map[api.SessionID]*session
	nextSessionID int64

	// Owned by the sequencer goroutine (and Open before it starts).
	zxid int64 // last assigned zxid
	acls *aclCache

	inMu     sync.Mutex // guards inQ and stopping
	inQ      []*write
	stopping bool
	inSignal chan struct{}

	clientsMu sync.Mutex // guards clients
	clients   map[*Client]struct{}

	tickMu   sync.Mutex // serialises Tick
	lastReap time.Time  // guarded by tickMu

	quit      chan struct{}
	wg        sync.WaitGroup
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Open opens an engine: in memory when opts.Dir is empty, otherwise durable
// in that directory, recovering the tree, the sessions and the last zxid of a
// previous run (each restored session gets a fresh deadline).
func Open(opts Options) (*Engine, error) {
	opts.setDefaults()
	e := &Engine{
		opts:       opts,
		log:        opts.Logger,
		clock:      opts.Clock,
		tree:       newTree(),
		containers: map[string]struct{}{},
		ttls:       map[string]struct{}{},
		watches:    newWatches(),
		sessions:   map[api.SessionID]*session{},
		acls:       newACLCache(),
		clients:    map[*Client]struct{}{},
		inSignal:   make(chan struct{}, 1),
		quit:       make(chan struct{}),
	}
	e.nextSessionID = initialSessionID(e.clock.Now().UnixMilli())
	if opts.Dir != "" {
		st, err := openStore(opts.Dir, &opts, e.log)
		if err != nil {
			return nil, err
		}
		e.store = st
		if err := st.load(e); err != nil {
			st.close()
			return nil, err
		}
	}
	if e.tree.get("/") == nil {
		if err := e.initTree(); err != nil {
			e.closeStore()
			return nil, err
		}
	}
	e.lastZxid.Store(e.zxid)
	e.lastReap = e.clock.Now()
	e.wg.Add(1)
	go e.sequence()
	if e.store != nil {
		e.every(valueLogGCInterval, e.collectValueLog)
	}
	if _, wall := opts.Clock.(wallClock); wall {
		e.every(e.opts.TickTime/2, e.tick)
	}
	return e, nil
}

// initTree makes ZooKeeper's initial tree: "/", "/zookeeper",
// "/zookeeper/quota" (world:anyone all, zero Stats) and "/zookeeper/config"
// (world:anyone read), as DataTree's constructor does.
func (e *Engine) initTree() error {
	open, _ := e.acls.intern(api.OpenACLUnsafe)
	read, _ := e.acls.intern(api.ReadACLUnsafe)
	b := e.newBatch(0)
	b.newACLs = []*aclList{open, read}
	mk := func(p string, acl *aclList, children int32) {
		n := &znode{acl: acl, stat: api.Stat{NumChildren: children}}
		if p == configPath {
			n.data = []byte{}
		}
		b.set(p, n, true)
	}
	mk("/", open, 1)
	mk(procPath, open, 2)
	mk(quotaPath, open, 0)
	mk(configPath, read, 0)
	if e.store != nil {
		if err := e.store.commit(b, 0); err != nil {
			return err
		}
	}
	for _, c := range b.changes {
		c.n.acl.refs++
		e.tree.put(c.path, c.n)
	}
	return nil
}

// LastZxid returns the zxid of the last applied change.
func (e *Engine) LastZxid() api.Zxid { return api.Zxid(e.lastZxid.Load()) }

// every runs f every d on a goroutine of the engine's until it closes.
func (e *Engine) every(d time.Duration, f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-e.quit:
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// tick drives expiry and reaping with the wall clock.
func (e *Engine) tick() {
	if err := e.Tick(context.Background()); err != nil && !e.closed.Load() {
		e.log.Warn("tick", "err", err)
	}
}

// Tick expires the sessions whose deadline has passed and, once
// ContainerCheckInterval has passed since the last time, deletes empty
// containers and expired TTL nodes, all at the clock's current time. It
// returns once those changes are committed and their watches have fired.
// With the wall clock a background goroutine calls it; with a Clock of your
// own (a ManualClock), call it after moving the clock.
func (e *Engine) Tick(ctx context.Context) error {
	e.tickMu.Lock()
	defer e.tickMu.Unlock()
	now := e.clock.Now()
	var ws []*write
	var wg sync.WaitGroup
	add := func(req any) {
		wg.Add(1)
		ws = append(ws, &write{req: req, zxid: true, done: func(api.Response) { wg.Done() }})
	}
	e.sessMu.RLock()
	for _, s := range e.sessions {
		if d := s.deadline.Load(); d != 0 && now.UnixNano() > d && !s.ended.Load() {
			add(&expireRequest{s: s})
		}
	}
	e.sessMu.RUnlock()
	if now.Sub(e.lastReap) >= e.opts.ContainerCheckInterval {
		e.lastReap = now
		for _, p := range e.reapCandidates(now) {
			add(&reapRequest{path: p})
		}
	}
	for _, w := range ws {
		if !e.submit(w) {
			wg.Done()
		}
	}
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// expireRequest closes a session whose deadline passed.
type expireRequest struct{ s *session }

// reapCandidates copies ContainerManager.getCandidates: empty containers that
// have had children, and empty TTL nodes not modified for longer than their
// TTL.
func (e *Engine) reapCandidates(now time.Time) []string {
	e.treeMu.RLock()
	defer e.treeMu.RUnlock()
	var out []string
	for p := range e.containers {
		if n := e.tree.get(p); n != nil && n.stat.NumChildren == 0 && n.stat.Cversion > 0 {
			out = append(out, p)
		}
	}
	for p := range e.ttls {
		n := e.tree.get(p)
		if n == nil || n.stat.NumChildren != 0 {
			continue
		}
		ttl := int64(n.stat.EphemeralOwner) & ttlValueMask
		if ttl != 0 && now.UnixMilli()-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	return out
}

// ExpireSession expires a session now, as if its deadline had passed: its
// ephemerals are deleted, its watches fire, and its client hears Expired.
// It returns once that is committed; ErrSessionExpired if there is no such
// session.
func (e *Engine) ExpireSession(ctx context.Context, id api.SessionID) error {
	s := e.sessionByID(id)
	if s == nil || s.ended.Load() {
		return api.ErrSessionExpired
	}
	done := make(chan struct{})
	if !e.submit(&write{req: &expireRequest{s: s}, zxid: true, done: func(api.Response) { close(done) }}) {
		return api.ErrConnectionLoss
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the engine: writes already queued are committed and answered,
// later ones fail with ErrConnectionLoss, storage is flushed and closed, and
// every goroutine the engine started has returned. Sessions are kept on disk
// and resume on the next Open. Close is idempotent.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.closed.Store(true)
		e.inMu.Lock()
		e.stopping = true
		e.inMu.Unlock()
		close(e.quit)
		e.wg.Wait()
		e.clientsMu.Lock()
		for c := range e.clients {
			c.watches.End(api.StateClosed)
			c.watches.Close()
		}
		clear(e.clients)
		e.clientsMu.Unlock()
		e.closeErr = e.closeStore()
	})
	return e.closeErr
}

func (e *Engine) closeStore() error {
	if e.store == nil {
		return nil
	}
	return e.store.close()
}
