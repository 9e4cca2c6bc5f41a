package engine

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/zkembed/zkembed/api"
)

// CheckInvariants verifies the engine's internal consistency and returns the
// first violation found: every znode's parent exists and counts it, child
// counts and data lengths match, zxids are ordered (czxid <= mzxid, czxid <=
// pzxid, none beyond the last zxid), every ephemeral is owned by a live
// session that lists it, ACL reference counts match, and, on disk, what is
// stored equals what is in memory. Tests call it after every test; it is
// also safe on a live engine (it takes the tree's read lock).
func (e *Engine) CheckInvariants() error {
	// Let queued writes land first, so memory and disk agree.
	done := make(chan struct{})
	if e.submit(&write{req: &api.SyncRequest{Path: "/"}, done: func(api.Response) { close(done) }}) {
		<-done
	}
	e.treeMu.RLock()
	defer e.treeMu.RUnlock()
	last := api.Zxid(e.lastZxid.Load())
	refs := map[*aclList]int{}
	var size, eph int64
	for path, en := range e.tree.nodes {
		size += int64(len(path) + len(en.n.data))
		if isEphemeralOwner(en.n.stat.EphemeralOwner) {
			eph++
		}
		n := en.n
		s := n.stat
		if path != "/" {
			p := e.tree.nodes[parentOf(path)]
			if p == nil {
				return fmt.Errorf("%s: parent missing", path)
			}
			if _, ok := p.children[baseOf(path)]; !ok {
				return fmt.Errorf("%s: not among its parent's children", path)
			}
		}
		if int(s.NumChildren) != len(en.children) {
			return fmt.Errorf("%s: numChildren %d, has %d", path, s.NumChildren, len(en.children))
		}
		for c := range en.children {
			if e.tree.nodes[join(path, c)] == nil {
				return fmt.Errorf("%s: child %q missing", path, c)
			}
		}
		if int(s.DataLength) != len(n.data) {
			return fmt.Errorf("%s: dataLength %d, data %d bytes", path, s.DataLength, len(n.data))
		}
		if s.Mzxid < s.Czxid || s.Pzxid < s.Czxid || s.Mzxid > last || s.Pzxid > last || s.Czxid > last {
			return fmt.Errorf("%s: zxids out of order: c=%d m=%d p=%d last=%d", path, s.Czxid, s.Mzxid, s.Pzxid, last)
		}
		if n.acl == nil {
			return fmt.Errorf("%s: no ACL", path)
		}
		refs[n.acl]++
		if o := s.EphemeralOwner; isEphemeralOwner(o) {
			sess := e.sessionByID(o)
			if sess == nil || sess.ended.Load() {
				return fmt.Errorf("%s: ephemeral of dead session %v", path, o)
			}
			if _, ok := sess.ephemerals[path]; !ok {
				return fmt.Errorf("%s: not in its session's ephemerals", path)
			}
			if len(en.children) > 0 {
				return fmt.Errorf("%s: ephemeral with children", path)
			}
		}
	}
	if size != e.tree.dataSize || eph != e.tree.ephemerals {
		return fmt.Errorf("tree aggregates: data size %d, ephemerals %d; counted %d, %d", e.tree.dataSize, e.tree.ephemerals, size, eph)
	}
	e.sessMu.RLock()
	for id, s := range e.sessions {
		for p := range s.ephemerals {
			n := e.tree.get(p)
			if n == nil || n.stat.EphemeralOwner != id {
				e.sessMu.RUnlock()
				return fmt.Errorf("session %v lists ephemeral %s it does not own", id, p)
			}
		}
	}
	e.sessMu.RUnlock()
	for l, want := range refs {
		if l.refs != want {
			return fmt.Errorf("ACL %d: refs %d, used by %d znodes", l.id, l.refs, want)
		}
	}
	if e.store != nil {
		return e.checkDisk()
	}
	return nil
}

// checkDisk compares the stored znodes with the tree; the read lock is held.
func (e *Engine) checkDisk() error {
	shadow := &Engine{
		opts: e.opts, log: e.log, clock: e.clock, tree: newTree(),
		containers: map[string]struct{}{}, ttls: map[string]struct{}{},
		sessions: map[api.SessionID]*session{}, acls: newACLCache(), watches: newWatches(),
	}
	if err := e.store.loadInto(shadow); err != nil {
		return fmt.Errorf("reading the store: %w", err)
	}
	if len(shadow.tree.nodes) != len(e.tree.nodes) {
		return fmt.Errorf("memory has %d znodes, disk %d", len(e.tree.nodes), len(shadow.tree.nodes))
	}
	for path, en := range e.tree.nodes {
		d := shadow.tree.nodes[path]
		if d == nil {
			return fmt.Errorf("%s: in memory, not on disk", path)
		}
		if d.n.stat != en.n.stat {
			return fmt.Errorf("%s: stat in memory %+v, on disk %+v", path, en.n.stat, d.n.stat)
		}
		if !bytes.Equal(d.n.data, en.n.data) || (d.n.data == nil) != (en.n.data == nil) {
			return fmt.Errorf("%s: data differs between memory and disk", path)
		}
		if !slices.Equal(d.n.acl.acl, en.n.acl.acl) {
			return fmt.Errorf("%s: ACL differs between memory and disk", path)
		}
	}
	if shadow.zxid != e.lastZxid.Load() {
		return fmt.Errorf("zxid in memory %d, on disk %d", e.lastZxid.Load(), shadow.zxid)
	}
	return nil
}
