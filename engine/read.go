package engine

import (
	"slices"
	"strings"

	"github.com/zkembed/zkembed/api"
)

// read answers a request that does not change the tree, under the tree's
// read lock, and calls done before releasing it: so no watch event for a
// later change can reach the session's sink before this reply. s.mu is held.
func (e *Engine) read(s *session, req api.Request, done func(api.Response)) {
	e.treeMu.RLock()
	resp := e.readLocked(s, req)
	resp.Zxid = api.Zxid(e.lastZxid.Load())
	done(resp)
	e.treeMu.RUnlock()
}

func (e *Engine) readLocked(s *session, req api.Request) api.Response {
	t := e.tree
	switch r := req.(type) {
	case *api.GetDataRequest:
		return e.getData(s, r.Path, r.Watch)
	case *api.ExistsRequest:
		return e.exists(s, r.Path, r.Watch)
	case *api.GetChildrenRequest:
		return e.getChildren(s, r.Path, r.Watch)
	case *api.GetACLRequest:
		n := t.get(r.Path)
		if n == nil {
			return api.Response{Err: api.ErrNoNode}
		}
		auth := s.authIDs()
		if err := checkACL(n.acl.acl, api.PermRead|api.PermAdmin, auth); err != nil {
			return api.Response{Err: err}
		}
		acl := slices.Clone(n.acl.acl)
		if checkACL(n.acl.acl, api.PermAdmin, auth) != nil {
			// Without ADMIN, digest credentials are masked (ZooKeeper 3.9,
			// FinalRequestProcessor: id.replaceAll(":.*", ":x")).
			for i, a := range acl {
				if a.Scheme == "digest" {
					user, _, _ := strings.Cut(a.ID, ":")
					acl[i].ID = user + ":x"
				}
			}
		}
		return api.Response{ACL: acl, Stat: n.clientStat()}
	case *api.GetAllChildrenNumberRequest:
		n := t.get(r.Path)
		if n == nil {
			return api.Response{Err: api.ErrNoNode}
		}
		if err := checkACL(n.acl.acl, api.PermRead, s.authIDs()); err != nil {
			return api.Response{Err: err}
		}
		return api.Response{Number: t.countDescendants(r.Path)}
	case *api.GetEphemeralsRequest:
		prefix := strings.TrimSpace(r.Prefix)
		out := []string{}
		for p := range s.ephemerals {
			if prefix == "" || prefix == "/" || strings.HasPrefix(p, r.Prefix) {
				out = append(out, p)
			}
		}
		slices.Sort(out)
		return api.Response{Children: out}
	case *api.MultiReadRequest:
		res := make([]api.OpResult, len(r.Ops))
		for i, op := range r.Ops {
			switch o := op.(type) {
			case *api.GetDataRequest:
				x := e.getData(s, o.Path, o.Watch)
				res[i] = api.OpResult{Err: x.Err, Data: x.Data, Stat: x.Stat}
			case *api.GetChildrenRequest:
				x := e.getChildren(s, o.Path, o.Watch)
				// ZooKeeper's GetChildrenResult carries no Stat.
				res[i] = api.OpResult{Err: x.Err, Children: x.Children}
			default:
				res[i] = api.OpResult{Err: api.ErrBadArguments}
			}
		}
		return api.Response{Results: res}
	case *api.AddWatchRequest:
		var m watchMode
		switch r.Mode {
		case api.AddWatchPersistent:
			m = modePersistent
		case api.AddWatchPersistentRecursive:
			m = modeRecursive
		default:
			return api.Response{Err: api.ErrBadArguments}
		}
		e.watchMu.Lock()
		if m == modePersistent {
			e.addWatch(e.watches.child, r.Path, s, m)
		}
		e.addWatch(e.watches.data, r.Path, s, m)
		e.watchMu.Unlock()
		return api.Response{}
	case *api.RemoveWatchesRequest:
		return api.Response{Err: e.removeWatches(s, r.Path, r.Type, true)}
	case *api.CheckWatchesRequest:
		return api.Response{Err: e.removeWatches(s, r.Path, r.Type, false)}
	case *api.SetWatchesRequest:
		e.setWatches(s, r)
		return api.Response{}
	case *api.AddAuthRequest:
		ids, err := authenticate(r.Scheme, r.Auth, s.ip, e.opts.SuperDigest)
		if err != nil {
			return api.Response{Err: err}
		}
		cur := *s.auth.Load()
		next := slices.Clone(cur)
		for _, id := range ids {
			if !slices.Contains(next, id) {
				next = append(next, id)
			}
		}
		s.auth.Store(&next)
		return api.Response{}
	case *api.WhoAmIRequest:
		var out []api.ClientInfo
		for _, id := range s.authIDs() {
			user := id.ID
			if id.Scheme == "digest" {
				user, _, _ = strings.Cut(id.ID, ":")
			}
			if id.Scheme == "super" {
				user = ""
			}
			out = append(out, api.ClientInfo{AuthScheme: id.Scheme, User: user})
		}
		return api.Response{Identities: out}
	}
	return api.Response{Err: api.ErrUnimplemented}
}

func (e *Engine) exists(s *session, path string, watch bool) api.Response {
	if strings.IndexByte(path, 0) >= 0 {
		return api.Response{Err: api.ErrBadArguments}
	}
	n := e.tree.get(path)
	if n != nil {
		if err := checkACL(n.acl.acl, api.PermRead, s.authIDs()); err != nil {
			return api.Response{Err: err}
		}
	}
	if watch {
		e.watchMu.Lock()
		e.addWatch(e.watches.data, path, s, modeStandard)
		e.watchMu.Unlock()
	}
	if n == nil {
		return api.Response{Err: api.ErrNoNode}
	}
	return api.Response{Stat: n.clientStat()}
}

func (e *Engine) getData(s *session, path string, watch bool) api.Response {
	n, err := e.readable(s, path, e.watches.data, watch)
	if err != nil {
		return api.Response{Err: err}
	}
	return api.Response{Data: n.data, Stat: n.clientStat()}
}

func (e *Engine) getChildren(s *session, path string, watch bool) api.Response {
	n, err := e.readable(s, path, e.watches.child, watch)
	if err != nil {
		return api.Response{Err: err}
	}
	return api.Response{Children: e.tree.childNames(path), Stat: n.clientStat()}
}

// readable returns the znode at path if s may read it, leaving a one-shot
// watch in table when watch is set, as getData and getChildren do in
// FinalRequestProcessor (NoNode, then NoAuth, then the watch).
func (e *Engine) readable(s *session, path string, table watchTable, watch bool) (*znode, error) {
	n := e.tree.get(path)
	if n == nil {
		return nil, api.ErrNoNode
	}
	if err := checkACL(n.acl.acl, api.PermRead, s.authIDs()); err != nil {
		return nil, err
	}
	if watch {
		e.watchMu.Lock()
		e.addWatch(table, path, s, modeStandard)
		e.watchMu.Unlock()
	}
	return n, nil
}

// setWatches re-registers a reconnecting client's watches, firing at once
// those whose znode changed after RelativeZxid (DataTree.setWatches).
func (e *Engine) setWatches(s *session, r *api.SetWatchesRequest) {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	rel := r.RelativeZxid
	fire := func(typ api.EventType, p string) {
		s.emit(api.Event{Type: typ, State: api.StateSyncConnected, Path: p, Zxid: -1})
	}
	for _, p := range r.Data {
		switch n := e.tree.get(p); {
		case n == nil:
			fire(api.EventNodeDeleted, p)
		case n.stat.Mzxid > rel:
			fire(api.EventNodeDataChanged, p)
		default:
			e.addWatch(e.watches.data, p, s, modeStandard)
		}
	}
	for _, p := range r.Exist {
		if e.tree.get(p) != nil {
			fire(api.EventNodeCreated, p)
		} else {
			e.addWatch(e.watches.data, p, s, modeStandard)
		}
	}
	for _, p := range r.Child {
		switch n := e.tree.get(p); {
		case n == nil:
			fire(api.EventNodeDeleted, p)
		case n.stat.Pzxid > rel:
			fire(api.EventNodeChildrenChanged, p)
		default:
			e.addWatch(e.watches.child, p, s, modeStandard)
		}
	}
	for _, p := range r.Persistent {
		e.addWatch(e.watches.child, p, s, modePersistent)
		e.addWatch(e.watches.data, p, s, modePersistent)
	}
	for _, p := range r.PersistentRecursive {
		e.addWatch(e.watches.data, p, s, modeRecursive)
	}
}
