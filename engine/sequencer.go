package engine

import (
	"fmt"

	"github.com/zkembed/zkembed/api"
)

// write is one request waiting for the sequencer.
type write struct {
	s    *session           // nil for the engine's own requests (reaping)
	req  any                // an api.Request, or one of the engine's own
	done func(api.Response) // for the engine's own requests
	resp api.Response
	zxid bool // consumes a zxid (everything but sync)
}

// submit queues w for the sequencer. It never blocks. It reports false when
// the engine is closed.
func (e *Engine) submit(w *write) bool {
	e.inMu.Lock()
	if e.stopping {
		e.inMu.Unlock()
		return false
	}
	e.inQ = append(e.inQ, w)
	e.inMu.Unlock()
	select {
	case e.inSignal <- struct{}{}:
	default:
	}
	return true
}

// sequence is the sequencer goroutine: it owns zxids, the ACL cache and every
// change to the tree. It takes every queued write as one batch, prepares each
// against the batch's overlay, commits the batch to storage with one sync,
// applies it to the tree and fires its watches under the write lock, and
// then completes the requests in order.
func (e *Engine) sequence() {
	defer e.wg.Done()
	var q []*write
	for {
		select {
		case <-e.inSignal:
		case <-e.quit:
		}
		e.inMu.Lock()
		q, e.inQ = e.inQ, q[:0]
		stopping := e.stopping
		e.inMu.Unlock()
		for len(q) > 0 {
			n := batchLen(q, e.opts.MaxBatch, e.maxBatchBytes())
			e.runBatch(q[:n])
			clear(q[:n])
			q = q[n:]
		}
		if stopping {
			e.inMu.Lock()
			empty := len(e.inQ) == 0
			e.inMu.Unlock()
			if empty {
				return
			}
		}
	}
}

func (e *Engine) runBatch(ws []*write) {
	now := e.clock.Now().UnixMilli()
	b := e.newBatch(now)
	first := e.zxid + 1
	for _, w := range ws {
		if !w.zxid {
			w.resp = api.Response{Path: w.req.(*api.SyncRequest).Path}
			continue
		}
		e.zxid++
		w.resp = b.exec(w, api.Zxid(e.zxid))
	}
	if e.store != nil && e.zxid >= first {
		if err := e.store.commit(b, api.Zxid(e.zxid)); err != nil {
			if len(ws) > 1 {
				// What storage refused may be one write's changes: commit
				// each write alone, so the others are not refused with it.
				// Nothing of the batch was applied, so it starts again.
				e.zxid = first - 1
				e.forgetNewACLs(b)
				for i := range ws {
					e.runBatch(ws[i : i+1])
				}
				return
			}
			e.log.Error("storage write failed; write refused", "err", err)
			e.abort(b, ws, first, err)
			return
		}
	}
	e.apply(b, api.Zxid(e.zxid))
	for _, w := range ws {
		if w.zxid && w.resp.Zxid == 0 {
			w.resp.Zxid = api.Zxid(e.zxid)
		}
		if !w.zxid {
			w.resp.Zxid = api.Zxid(e.zxid)
		}
		if w.s != nil {
			w.s.complete(w)
		} else if w.done != nil {
			w.done(w.resp)
		}
	}
}

// abort undoes a batch that storage refused: nothing of it is applied and
// every write in it fails with ErrSystemError, wrapping why (sync still
// succeeds).
func (e *Engine) abort(b *batch, ws []*write, first int64, cause error) {
	e.zxid = first - 1
	e.forgetNewACLs(b)
	for _, s := range b.sessPut {
		e.sessMu.Lock()
		delete(e.sessions, s.id)
		e.sessMu.Unlock()
	}
	for _, w := range ws {
		if w.zxid {
			w.resp = api.Response{Err: fmt.Errorf("%w: storage refused the write: %v", api.ErrSystemError, cause), Zxid: api.Zxid(e.zxid)}
		} else {
			w.resp.Zxid = api.Zxid(e.zxid)
		}
		if w.s != nil {
			w.s.complete(w)
		} else if w.done != nil {
			w.done(w.resp)
		}
	}
}

// apply installs a committed batch in the tree and fires its watches, all
// under the write lock, so a reader sees a batch whole or not at all and a
// watch event is queued before any reply that reflects its change.
func (e *Engine) apply(b *batch, last api.Zxid) {
	e.treeMu.Lock()
	defer e.treeMu.Unlock()
	for _, s := range b.sessPut {
		s.persisted = true
	}
	for _, c := range b.changes {
		old := e.tree.get(c.path)
		if c.n == nil {
			if old == nil {
				continue
			}
			e.untrack(c.path, old)
			e.tree.del(c.path)
			continue
		}
		if old != nil {
			if old.acl != c.n.acl {
				old.acl.refs--
				c.n.acl.refs++
			}
		} else {
			c.n.acl.refs++
			e.track(c.path, c.n)
		}
		e.tree.put(c.path, c.n)
	}
	e.fireTriggers(b.triggers)
	for _, x := range b.sessDel {
		e.endSession(x.s, x.state)
	}
	e.lastZxid.Store(int64(last))
}

// track notes a new znode in the sets the engine keeps beside the tree.
func (e *Engine) track(path string, n *znode) {
	o := n.stat.EphemeralOwner
	switch {
	case o == 0:
	case o == containerOwner:
		e.containers[path] = struct{}{}
	case isTTLOwner(o):
		e.ttls[path] = struct{}{}
	default:
		if s := e.sessionByID(o); s != nil {
			s.ephemerals[path] = struct{}{}
		}
	}
}

func (e *Engine) untrack(path string, n *znode) {
	n.acl.refs--
	o := n.stat.EphemeralOwner
	switch {
	case o == 0:
	case o == containerOwner:
		delete(e.containers, path)
	case isTTLOwner(o):
		delete(e.ttls, path)
	default:
		if s := e.sessionByID(o); s != nil {
			delete(s.ephemerals, path)
		}
	}
}

// fireTriggers runs the batch's watch triggers in order and tells each
// watching session, if it may read the znode (ZooKeeper 3.9 checks READ
// before delivering: ServerCnxn.process).
func (e *Engine) fireTriggers(ts []trigger) {
	if len(ts) == 0 {
		return
	}
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	var told, prev []*session
	for _, t := range ts {
		table := e.watches.data
		if t.kind == trigChild {
			table = e.watches.child
		}
		var suppress []*session
		if t.suppress {
			suppress = prev
		}
		told = e.watches.trigger(table, t.path, told[:0], suppress)
		ev := api.Event{Type: t.typ, State: api.StateSyncConnected, Path: t.path, Zxid: t.zxid}
		for _, s := range told {
			if checkACL(t.acl, api.PermRead, s.authIDs()) != nil {
				continue
			}
			s.emit(ev)
		}
		prev = append(prev[:0], told...)
	}
}

// maxBatchBytes bounds the data one group commit carries: half of what one
// Badger transaction takes (15% of the memtable), and never less than one
// request of the largest size.
func (e *Engine) maxBatchBytes() int {
	return max(int(e.opts.BadgerMemTableSize*15/100/2), e.opts.MaxDataSize+64<<10)
}

// batchLen returns how many writes from the front of q go in one batch: at
// most max, and no more than maxBytes of data (but at least one).
func batchLen(q []*write, max, maxBytes int) int {
	size := 0
	for i, w := range q {
		if i == max {
			return i
		}
		size += writeSize(w.req)
		if size > maxBytes && i > 0 {
			return i
		}
	}
	return len(q)
}

func writeSize(r any) int {
	switch r := r.(type) {
	case *api.CreateRequest:
		return len(r.Data) + len(r.Path) + 128
	case *api.SetDataRequest:
		return len(r.Data) + len(r.Path) + 128
	case *api.MultiRequest:
		n := 0
		for _, op := range r.Ops {
			n += writeSize(op)
		}
		return n
	}
	return 128
}

// forgetNewACLs drops the ACL lists a refused batch interned and nothing
// uses, so a later batch that needs them interns them again and stores
// them.
func (e *Engine) forgetNewACLs(b *batch) {
	for _, l := range b.newACLs {
		if l.refs == 0 {
			e.acls.remove(l)
		}
	}
}
