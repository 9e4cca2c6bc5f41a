package engine

import (
	"github.com/zkembed/zkembed/api"
)

// watchMode is a set of ZooKeeper's WatcherMode flags held by one session on
// one path.
type watchMode uint8

const (
	modeStandard watchMode = 1 << iota
	modePersistent
	modeRecursive
)

// watchTable is ZooKeeper's WatchManager for one kind (data or child):
// path → session → modes. Guarded by watches.mu.
type watchTable map[string]map[*session]watchMode

func (t watchTable) add(path string, s *session, m watchMode) {
	ws := t[path]
	if ws == nil {
		ws = make(map[*session]watchMode, 1)
		t[path] = ws
	}
	ws[s] |= m
}

// remove clears the modes in m (all modes if m is 0) of s on path and reports
// whether any were set.
func (t watchTable) remove(path string, s *session, m watchMode) bool {
	ws := t[path]
	cur, ok := ws[s]
	if !ok {
		return false
	}
	if m == 0 {
		m = cur
	}
	if cur&m == 0 {
		return false
	}
	if cur &^= m; cur == 0 {
		delete(ws, s)
		if len(ws) == 0 {
			delete(t, path)
		}
	} else {
		ws[s] = cur
	}
	return true
}

func (t watchTable) has(path string, s *session, m watchMode) bool {
	cur := t[path][s]
	if m == 0 {
		return cur != 0
	}
	return cur&m != 0
}

// watches holds the server-side watch registrations of every session. The
// sequencer triggers them while it holds the tree's write lock; readers add
// them while they hold its read lock, under mu.
type watches struct {
	data      watchTable
	child     watchTable
	recursive int // number of (path, session) recursive registrations
}

func newWatches() *watches {
	return &watches{data: watchTable{}, child: watchTable{}}
}

// trigger fires the watches of one kind for a change on path, as
// WatchManager.triggerWatch does: every watcher on path itself (one-shot
// watches are consumed), and recursive watchers on its ancestors. It appends
// the sessions to notify to out, skipping those in suppress.
func (w *watches) trigger(t watchTable, path string, out []*session, suppress []*session) []*session {
	add := func(s *session) {
		for _, x := range suppress {
			if x == s {
				return
			}
		}
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	if ws := t[path]; ws != nil {
		for s, m := range ws {
			add(s)
			if m&modeStandard != 0 {
				if m &^= modeStandard; m == 0 {
					delete(ws, s)
				} else {
					ws[s] = m
				}
			}
		}
		if len(ws) == 0 {
			delete(t, path)
		}
	}
	if w.recursive > 0 && path != "/" {
		for p := parentOf(path); ; p = parentOf(p) {
			for s, m := range t[p] {
				if m&modeRecursive != 0 {
					add(s)
				}
			}
			if p == "/" {
				break
			}
		}
	}
	return out
}

// removeSession drops every watch of s.
func (w *watches) removeSession(s *session) {
	for p := range s.watchPaths {
		if m, ok := w.data[p][s]; ok && m&modeRecursive != 0 {
			w.recursive--
		}
		w.data.remove(p, s, 0)
		w.child.remove(p, s, 0)
	}
	clear(s.watchPaths)
}

// count returns the number of (path, session) registrations.
func (w *watches) count() (n int) {
	for _, ws := range w.data {
		n += len(ws)
	}
	for _, ws := range w.child {
		n += len(ws)
	}
	return n
}

// addWatch registers a watch of s; the caller holds the read lock of the tree
// and watchMu.
func (e *Engine) addWatch(t watchTable, path string, s *session, m watchMode) {
	if m&modeRecursive != 0 && !t.has(path, s, modeRecursive) {
		e.watches.recursive++
	}
	t.add(path, s, m)
	s.watchPaths[path] = struct{}{}
}

// removeWatches implements removeWatches and checkWatches (remove=false) for
// one session, as DataTree.removeWatch and containsWatcher do.
func (e *Engine) removeWatches(s *session, path string, wt api.WatcherType, remove bool) error {
	const all = modeStandard | modePersistent | modeRecursive
	var dataMask, childMask watchMode
	switch wt {
	case api.WatcherChildren:
		childMask = modeStandard
	case api.WatcherData:
		dataMask = modeStandard
	case api.WatcherPersistent:
		childMask, dataMask = modePersistent, modePersistent
	case api.WatcherPersistentRecursive:
		dataMask = modeRecursive
	case api.WatcherAny:
		childMask, dataMask = all, all
	default:
		return api.ErrBadArguments
	}
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	w := e.watches
	found := (childMask != 0 && w.child.has(path, s, childMask)) || (dataMask != 0 && w.data.has(path, s, dataMask))
	if !found {
		return api.ErrNoWatcher
	}
	if remove {
		if dataMask&modeRecursive != 0 && w.data.has(path, s, modeRecursive) {
			w.recursive--
		}
		if childMask != 0 {
			w.child.remove(path, s, childMask)
		}
		if dataMask != 0 {
			w.data.remove(path, s, dataMask)
		}
	}
	return nil
}
