package engine

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/diskusage"
)

// Stats returns the engine's counters and configuration, for the
// four-letter words, the admin endpoint and metrics.
func (e *Engine) Stats() api.ServerStats {
	st := api.ServerStats{
		LastZxid:          e.LastZxid(),
		DataDir:           e.opts.Dir,
		TickTime:          e.opts.TickTime,
		MinSessionTimeout: e.opts.MinSessionTimeout,
		MaxSessionTimeout: e.opts.MaxSessionTimeout,
	}
	e.treeMu.RLock()
	st.NodeCount = int64(len(e.tree.nodes))
	st.ApproximateDataSize = e.tree.dataSize
	st.EphemeralsCount = e.tree.ephemerals
	e.treeMu.RUnlock()
	e.watchMu.Lock()
	st.WatchCount = int64(e.watches.count())
	e.watchMu.Unlock()
	e.sessMu.RLock()
	st.SessionCount = int64(len(e.sessions))
	e.sessMu.RUnlock()
	if e.opts.Dir != "" {
		filepath.WalkDir(e.opts.Dir, func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					st.DataDirSize += diskusage.Allocated(fi)
				}
			}
			return nil
		})
	}
	return st
}

// Sessions describes every live session, sorted by id.
func (e *Engine) Sessions() []api.SessionInfo {
	e.sessMu.RLock()
	ss := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		ss = append(ss, s)
	}
	e.sessMu.RUnlock()
	slices.SortFunc(ss, func(a, b *session) int { return cmp.Compare(a.id, b.id) })
	out := make([]api.SessionInfo, 0, len(ss))
	e.treeMu.RLock()
	e.watchMu.Lock()
	for _, s := range ss {
		info := api.SessionInfo{ID: s.id, Timeout: s.timeout}
		if d := s.deadline.Load(); d != 0 {
			info.Expires = time.Unix(0, d)
		}
		for p := range s.ephemerals {
			info.Ephemerals = append(info.Ephemerals, p)
		}
		for p := range s.watchPaths {
			m := e.watches.data[p][s]
			if m&modeStandard != 0 {
				info.DataWatches = append(info.DataWatches, p)
			}
			if m&modePersistent != 0 {
				info.PersistentWatches = append(info.PersistentWatches, p)
			}
			if m&modeRecursive != 0 {
				info.RecursiveWatches = append(info.RecursiveWatches, p)
			}
			if e.watches.child[p][s]&modeStandard != 0 {
				info.ChildWatches = append(info.ChildWatches, p)
			}
		}
		for _, l := range [][]string{info.Ephemerals, info.DataWatches, info.ChildWatches, info.PersistentWatches, info.RecursiveWatches} {
			slices.Sort(l)
		}
		out = append(out, info)
	}
	e.watchMu.Unlock()
	e.treeMu.RUnlock()
	return out
}

// Node is one znode as Walk shows it: its path, data, client-visible Stat
// and ACL. Data and ACL are shared with the engine: do not modify them.
type Node struct {
	Path string
	Data []byte
	Stat api.Stat
	ACL  []api.ACL
}

// Walk calls fn for every znode at or below root, parents before children
// and siblings in name order, from one consistent state, until fn returns
// false. No ACL is checked: Walk is for inspection (tests, dumps, export).
// fn must not call back into the engine.
func (e *Engine) Walk(root string, fn func(Node) bool) {
	e.treeMu.RLock()
	defer e.treeMu.RUnlock()
	var walk func(p string) bool
	walk = func(p string) bool {
		en := e.tree.nodes[p]
		if en == nil {
			return true
		}
		if !fn(Node{Path: p, Data: en.n.data, Stat: *en.n.clientStat(), ACL: en.n.acl.acl}) {
			return false
		}
		kids := e.tree.childNames(p)
		slices.Sort(kids)
		for _, k := range kids {
			if !walk(join(p, k)) {
				return false
			}
		}
		return true
	}
	walk(root)
}
