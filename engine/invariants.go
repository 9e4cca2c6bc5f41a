package engine

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zkembed/zkembed/api"
)

// CheckInvariants verifies the engine's internal consistency and returns
// every violation it finds, joined with errors.Join and sorted (nil if there
// is none; past the first 100 it counts the rest): every znode's parent
// exists and counts it, child counts and data lengths match, zxids are
// ordered (czxid <= mzxid, czxid <= pzxid, none beyond the last zxid), every
// ephemeral is owned by a live session that lists it, ACL reference counts
// match, and, on disk, what is stored equals what is in memory. Tests call it after every test; it is
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
	var v violations
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
				v.addf("%s: parent missing", path)
			} else if _, ok := p.children[baseOf(path)]; !ok {
				v.addf("%s: not among its parent's children", path)
			}
		}
		if int(s.NumChildren) != len(en.children) {
			v.addf("%s: numChildren %d, has %d", path, s.NumChildren, len(en.children))
		}
		for c := range en.children {
			if e.tree.nodes[join(path, c)] == nil {
				v.addf("%s: child %q missing", path, c)
			}
		}
		if int(s.DataLength) != len(n.data) {
			v.addf("%s: dataLength %d, data %d bytes", path, s.DataLength, len(n.data))
		}
		if s.Mzxid < s.Czxid || s.Pzxid < s.Czxid || s.Mzxid > last || s.Pzxid > last || s.Czxid > last {
			v.addf("%s: zxids out of order: c=%d m=%d p=%d last=%d", path, s.Czxid, s.Mzxid, s.Pzxid, last)
		}
		if n.acl == nil {
			v.addf("%s: no ACL", path)
		} else {
			refs[n.acl]++
		}
		if o := s.EphemeralOwner; isEphemeralOwner(o) {
			sess := e.sessionByID(o)
			if sess == nil || sess.ended.Load() {
				v.addf("%s: ephemeral of dead session %v", path, o)
			} else if _, ok := sess.ephemerals[path]; !ok {
				v.addf("%s: not in its session's ephemerals", path)
			}
			if len(en.children) > 0 {
				v.addf("%s: ephemeral with children", path)
			}
		}
	}
	if size != e.tree.dataSize || eph != e.tree.ephemerals {
		v.addf("tree aggregates: data size %d, ephemerals %d; counted %d, %d", e.tree.dataSize, e.tree.ephemerals, size, eph)
	}
	e.sessMu.RLock()
	for id, s := range e.sessions {
		for p := range s.ephemerals {
			n := e.tree.get(p)
			if n == nil || n.stat.EphemeralOwner != id {
				v.addf("session %v lists ephemeral %s it does not own", id, p)
			}
		}
	}
	e.sessMu.RUnlock()
	for l, want := range refs {
		if l.refs != want {
			v.addf("ACL %d: refs %d, used by %d znodes", l.id, l.refs, want)
		}
	}
	if e.store != nil {
		e.checkDisk(&v)
	}
	return v.err()
}

// checkDisk compares the stored znodes with the tree, adding what differs to
// v; the tree's read lock is held.
func (e *Engine) checkDisk(v *violations) {
	shadow := &Engine{
		opts: e.opts, log: e.log, clock: e.clock, tree: newTree(),
		containers: map[string]struct{}{}, ttls: map[string]struct{}{},
		sessions: map[api.SessionID]*session{}, acls: newACLCache(), watches: newWatches(),
	}
	if err := e.store.loadInto(shadow); err != nil {
		v.addf("reading the store: %w", err)
		return
	}
	if len(shadow.tree.nodes) != len(e.tree.nodes) {
		v.addf("memory has %d znodes, disk %d", len(e.tree.nodes), len(shadow.tree.nodes))
	}
	for path, en := range e.tree.nodes {
		d := shadow.tree.nodes[path]
		if d == nil {
			v.addf("%s: in memory, not on disk", path)
			continue
		}
		if d.n.stat != en.n.stat {
			v.addf("%s: stat in memory %+v, on disk %+v", path, en.n.stat, d.n.stat)
		}
		if !bytes.Equal(d.n.data, en.n.data) || (d.n.data == nil) != (en.n.data == nil) {
			v.addf("%s: data differs between memory and disk", path)
		}
		if d.n.acl == nil || en.n.acl == nil || !slices.Equal(d.n.acl.acl, en.n.acl.acl) {
			v.addf("%s: ACL differs between memory and disk", path)
		}
	}
	for path := range shadow.tree.nodes {
		if e.tree.nodes[path] == nil {
			v.addf("%s: on disk, not in memory", path)
		}
	}
	if shadow.zxid != e.lastZxid.Load() {
		v.addf("zxid in memory %d, on disk %d", e.lastZxid.Load(), shadow.zxid)
	}
}

// maxViolations bounds what CheckInvariants lists: a broken tree of a million
// znodes would otherwise make an error of a million lines.
const maxViolations = 100

// violations collects what CheckInvariants finds.
type violations struct {
	errs []error
	n    int // all found, listed or not
}

func (v *violations) addf(format string, args ...any) {
	v.n++
	if len(v.errs) < maxViolations {
		v.errs = append(v.errs, fmt.Errorf(format, args...))
	}
}

// err returns the violations sorted by message (map order would shuffle
// them from run to run), joined, or nil.
func (v *violations) err() error {
	if v.n == 0 {
		return nil
	}
	slices.SortFunc(v.errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	if v.n > len(v.errs) {
		v.errs = append(v.errs, fmt.Errorf("and %d more violations", v.n-len(v.errs)))
	}
	return errors.Join(v.errs...)
}
