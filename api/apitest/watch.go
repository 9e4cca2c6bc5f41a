package apitest

import (
	"github.com/zkembed/zkembed/api"
)

// getW sets a data watch on path with c.
func (e *env) getW(c api.Client, path string) <-chan api.Event {
	e.Helper()
	_, _, ch, err := c.GetW(e.ctx, path)
	e.ok(err, "GetW(%s)", path)
	return ch
}

// childrenW sets a child watch on path with c.
func (e *env) childrenW(c api.Client, path string) <-chan api.Event {
	e.Helper()
	_, _, ch, err := c.ChildrenW(e.ctx, path)
	e.ok(err, "ChildrenW(%s)", path)
	return ch
}

// existsW sets an exist or data watch on path with c.
func (e *env) existsW(c api.Client, path string) <-chan api.Event {
	e.Helper()
	_, ch, err := c.ExistsW(e.ctx, path)
	e.ok(err, "ExistsW(%s)", path)
	return ch
}

// addWatch adds a persistent watch of mode on path with c.
func (e *env) addWatch(c api.Client, path string, mode api.AddWatchMode) <-chan api.Event {
	e.Helper()
	ch, err := c.AddWatch(e.ctx, path, mode)
	e.ok(err, "AddWatch(%s, %d)", path, mode)
	return ch
}

func (e *env) set(c api.Client, path, data string) *api.Stat {
	e.Helper()
	st, err := c.Set(e.ctx, path, []byte(data), -1)
	e.ok(err, "Set(%s)", path)
	return st
}

func (e *env) del(c api.Client, path string) {
	e.Helper()
	e.ok(c.Delete(e.ctx, path, -1), "Delete(%s)", path)
}

// wantEnd checks that a watch channel reports the end of the session (an
// EventNone event with state want) and then closes.
func (e *env) wantEnd(ch <-chan api.Event, want api.State, what string) {
	e.Helper()
	ev := e.event(ch, what)
	if ev.Type != api.EventNone || ev.State != want {
		e.Fatalf("%s: event %+v, want type None with state %v", what, ev, want)
	}
	e.closedAfter(ch, what)
}

func watchChecks() []check {
	rec := []Feature{FeatureAddWatch}
	rm := []Feature{FeatureRemoveWatches}
	return []check{
		{name: "data/changed", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.connect(), p)
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "data/deleted", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.connect(), p)
			e.del(e.c, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "data/one-shot-closes", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.connect(), p)
			e.set(e.c, p, "1")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
			e.set(e.c, p, "2")
			e.closedAfter(ch, "one-shot data watch after its event")
		}},
		{name: "data/rewatch", run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.getW(o, p)
			e.set(e.c, p, "1")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
			ch = e.getW(o, p)
			e.del(e.c, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "data/own-change", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.c, p)
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "data/not-for-children", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.connect(), p)
			e.mk("a/c", "")
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "data/not-for-setacl", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.connect(), p)
			_, err := e.c.SetACL(e.ctx, p, api.OpenACLUnsafe, -1)
			e.ok(err, "SetACL")
			e.del(e.c, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "data/many-channels", run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			a, b := e.getW(o, p), e.getW(o, p)
			x := e.existsW(o, p)
			e.set(e.c, p, "x")
			e.wantEvent(a, api.EventNodeDataChanged, p)
			e.wantEvent(b, api.EventNodeDataChanged, p)
			e.wantEvent(x, api.EventNodeDataChanged, p)
		}},
		{name: "data/many-sessions", run: func(e *env) {
			p := e.mk("a", "")
			a, b := e.getW(e.connect(), p), e.getW(e.connect(), p)
			e.set(e.c, p, "x")
			e.wantEvent(a, api.EventNodeDataChanged, p)
			e.wantEvent(b, api.EventNodeDataChanged, p)
		}},
		{name: "exist/created", run: func(e *env) {
			p := e.p("a")
			ch := e.existsW(e.connect(), p)
			e.mk("a", "")
			e.wantEvent(ch, api.EventNodeCreated, p)
			e.closedAfter(ch, "exist watch after its event")
		}},
		{name: "exist/existing-changed", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.existsW(e.connect(), p)
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "exist/existing-deleted", run: func(e *env) {
			p := e.mk("a", "")
			ch := e.existsW(e.connect(), p)
			e.del(e.c, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "exist/created-ephemeral", run: func(e *env) {
			p := e.p("a")
			ch := e.existsW(e.connect(), p)
			e.create(e.connect(), p, nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.wantEvent(ch, api.EventNodeCreated, p)
		}},
		{name: "child/created", run: func(e *env) {
			p := e.mk("p", "")
			ch := e.childrenW(e.connect(), p)
			e.mk("p/c", "")
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
			e.closedAfter(ch, "child watch after its event")
		}},
		{name: "child/deleted", run: func(e *env) {
			p := e.mk("p", "")
			e.mk("p/c", "")
			ch := e.childrenW(e.connect(), p)
			e.del(e.c, p+"/c")
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
		}},
		{name: "child/parent-deleted", run: func(e *env) {
			p := e.mk("p", "")
			ch := e.childrenW(e.connect(), p)
			e.del(e.c, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "child/not-for-data", run: func(e *env) {
			p := e.mk("p", "")
			e.mk("p/c", "")
			ch := e.childrenW(e.connect(), p)
			e.set(e.c, p, "x")
			e.set(e.c, p+"/c", "x")
			e.mk("p/d", "")
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
		}},
		{name: "child/not-for-grandchildren", run: func(e *env) {
			p := e.mk("p", "")
			e.mk("p/c", "")
			ch := e.childrenW(e.connect(), p)
			e.mk("p/c/g", "")
			e.del(e.c, p+"/c/g")
			e.del(e.c, p+"/c")
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
		}},
		{name: "child/sequential-create", run: func(e *env) {
			p := e.mk("p", "")
			ch := e.childrenW(e.connect(), p)
			e.create(e.c, p+"/s", nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
		}},
		{name: "delete/data-and-child-watches", run: func(e *env) {
			p := e.mk("p", "")
			o := e.connect()
			d, c := e.getW(o, p), e.childrenW(o, p)
			e.del(e.c, p)
			e.wantEvent(d, api.EventNodeDeleted, p)
			e.wantEvent(c, api.EventNodeDeleted, p)
		}},
		{name: "delete/parent-and-node-watches", run: func(e *env) {
			p := e.mk("p", "")
			e.mk("p/c", "")
			o := e.connect()
			pc, cd := e.childrenW(o, p), e.getW(o, p+"/c")
			e.del(e.c, p+"/c")
			e.wantEvent(cd, api.EventNodeDeleted, p+"/c")
			e.wantEvent(pc, api.EventNodeChildrenChanged, p)
		}},
		{name: "close/ephemeral-deleted-event", run: func(e *env) {
			c := e.connect()
			p := e.create(c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			ch := e.existsW(e.c, p)
			e.ok(c.Close(), "Close")
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "close/ends-own-watches", run: func(e *env) {
			p := e.mk("a", "")
			c := e.connect()
			ch := e.getW(c, p)
			e.ok(c.Close(), "Close")
			e.wantEnd(ch, api.StateClosed, "data watch of a closed session")
		}},
		{name: "multi/fires-each", run: func(e *env) {
			a, b := e.mk("a", ""), e.mk("b", "")
			o := e.connect()
			wa, wb := e.getW(o, a), e.getW(o, b)
			_, err := e.c.Multi(e.ctx, &api.SetDataRequest{Path: a, Data: []byte("x"), Version: -1}, &api.DeleteRequest{Path: b, Version: -1})
			e.ok(err, "Multi")
			e.wantEvent(wa, api.EventNodeDataChanged, a)
			e.wantEvent(wb, api.EventNodeDeleted, b)
		}},
		{name: "multi/failed-fires-nothing", run: func(e *env) {
			a := e.mk("a", "")
			ch := e.getW(e.connect(), a)
			_, err := e.c.Multi(e.ctx, &api.SetDataRequest{Path: a, Data: []byte("x"), Version: -1}, &api.CheckRequest{Path: a, Version: 99})
			e.code(err, api.ErrBadVersion, "Multi")
			e.del(e.c, a)
			e.wantEvent(ch, api.EventNodeDeleted, a)
		}},
		{name: "order/before-reply", needs: []Feature{FeatureEventBeforeReply}, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.getW(o, p)
			e.set(e.c, p, "new")
			b, _ := e.data(o, p)
			if string(b) != "new" {
				// o's read may precede the change's arrival; sync.
				_, err := o.Sync(e.ctx, p)
				e.ok(err, "Sync")
				b, _ = e.data(o, p)
			}
			eq(e, string(b), "new", "data read after Sync")
			select {
			case ev := <-ch:
				eq(e, ev.Type, api.EventNodeDataChanged, "event type")
			default:
				e.Fatal("a reply reflecting the change returned before the watch event was in its channel")
			}
		}},
		{name: "event-acl/one-shot", run: func(e *env) {
			o := e.connect()
			secret, open := e.p("secret"), e.p("open")
			sch, och := e.existsW(o, secret), e.existsW(o, open)
			e.create(e.c, secret, nil, e.owned(0), api.ModePersistent)
			e.mk("open", "")
			e.wantEvent(och, api.EventNodeCreated, open)
			e.noEvent(sch, "exist watch of a session without READ on the created znode")
		}},
		{name: "event-acl/recursive", needs: rec, run: func(e *env) {
			o := e.connect()
			ch := e.addWatch(o, e.root, api.AddWatchPersistentRecursive)
			e.create(e.c, e.p("secret"), nil, e.owned(0), api.ModePersistent)
			e.mk("open", "")
			e.wantEvent(ch, api.EventNodeCreated, e.p("open"))
		}},
		{name: "zxid/data-changed", needs: []Feature{FeatureEventZxid}, diff: &DiffEventZxid, run: func(e *env) {
			p := e.mk("a", "")
			ch := e.getW(e.connect(), p)
			st := e.set(e.c, p, "x")
			ev := e.wantEvent(ch, api.EventNodeDataChanged, p)
			e.wantZxid(ev, st.Mzxid)
		}},
		{name: "zxid/created", needs: []Feature{FeatureEventZxid}, diff: &DiffEventZxid, run: func(e *env) {
			ch := e.existsW(e.connect(), e.p("a"))
			st := e.stat(e.c, e.mk("a", ""))
			e.wantZxid(e.wantEvent(ch, api.EventNodeCreated, e.p("a")), st.Czxid)
		}},
		{name: "zxid/children-changed", needs: []Feature{FeatureEventZxid}, diff: &DiffEventZxid, run: func(e *env) {
			p := e.mk("p", "")
			ch := e.childrenW(e.connect(), p)
			c := e.stat(e.c, e.mk("p/c", ""))
			e.wantZxid(e.wantEvent(ch, api.EventNodeChildrenChanged, p), c.Czxid)
		}},
		{name: "zxid/deleted", needs: []Feature{FeatureEventZxid}, diff: &DiffEventZxid, run: func(e *env) {
			p := e.mk("p", "")
			e.mk("p/c", "")
			ch := e.getW(e.connect(), p+"/c")
			e.del(e.c, p+"/c")
			pst := e.stat(e.c, p)
			e.wantZxid(e.wantEvent(ch, api.EventNodeDeleted, p+"/c"), pst.Pzxid)
		}},
		{name: "persistent/data-repeats", needs: rec, run: func(e *env) {
			p := e.mk("a", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistent)
			for i := range 3 {
				e.set(e.c, p, string(rune('0'+i)))
			}
			for range 3 {
				e.wantEvent(ch, api.EventNodeDataChanged, p)
			}
		}},
		{name: "persistent/create-delete-cycle", needs: rec, run: func(e *env) {
			p := e.p("a")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistent)
			e.mk("a", "")
			e.del(e.c, p)
			e.mk("a", "")
			e.wantEvent(ch, api.EventNodeCreated, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
			e.wantEvent(ch, api.EventNodeCreated, p)
		}},
		{name: "persistent/children-changed", needs: rec, run: func(e *env) {
			p := e.mk("p", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistent)
			e.mk("p/c", "")
			e.del(e.c, p+"/c")
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
			e.wantEvent(ch, api.EventNodeChildrenChanged, p)
		}},
		{name: "persistent/not-for-descendants", needs: rec, run: func(e *env) {
			p := e.mk("p", "")
			e.mk("p/c", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistent)
			e.set(e.c, p+"/c", "x")
			e.mk("p/c/g", "")
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "persistent/with-one-shot", needs: rec, diff: &DiffPersistentBesideOneShot, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			pch := e.addWatch(o, p, api.AddWatchPersistent)
			och := e.getW(o, p)
			e.set(e.c, p, "1")
			e.set(e.c, p, "2")
			e.wantEvent(och, api.EventNodeDataChanged, p)
			e.closedAfter(och, "one-shot beside a persistent watch")
			e.wantEvent(pch, api.EventNodeDataChanged, p)
			if e.is39() {
				e.wantEvent(pch, api.EventNodeDataChanged, p)
			}
		}},
		{name: "persistent/session-close", needs: rec, run: func(e *env) {
			c := e.connect()
			ch := e.addWatch(c, e.p("a"), api.AddWatchPersistent)
			e.ok(c.Close(), "Close")
			e.wantEnd(ch, api.StateClosed, "persistent watch of a closed session")
		}},
		{name: "recursive/descendants", needs: rec, run: func(e *env) {
			p := e.mk("p", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistentRecursive)
			e.mk("p/a", "")
			e.set(e.c, p+"/a", "x")
			e.mk("p/a/b", "")
			e.del(e.c, p+"/a/b")
			e.wantEvent(ch, api.EventNodeCreated, p+"/a")
			e.wantEvent(ch, api.EventNodeDataChanged, p+"/a")
			e.wantEvent(ch, api.EventNodeCreated, p+"/a/b")
			e.wantEvent(ch, api.EventNodeDeleted, p+"/a/b")
		}},
		{name: "recursive/no-children-changed", needs: rec, run: func(e *env) {
			p := e.mk("p", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistentRecursive)
			e.mk("p/a", "")
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeCreated, p+"/a")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "recursive/self-and-missing-root", needs: rec, run: func(e *env) {
			p := e.p("p")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistentRecursive)
			e.mk("p", "")
			e.set(e.c, p, "x")
			e.del(e.c, p)
			e.wantEvent(ch, api.EventNodeCreated, p)
			e.wantEvent(ch, api.EventNodeDataChanged, p)
			e.wantEvent(ch, api.EventNodeDeleted, p)
		}},
		{name: "recursive/not-for-siblings", needs: rec, run: func(e *env) {
			p := e.mk("p", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistentRecursive)
			e.mk("px", "")
			e.mk("p/in", "")
			e.wantEvent(ch, api.EventNodeCreated, p+"/in")
		}},
		{name: "recursive/zxid-order", needs: rec, run: func(e *env) {
			p := e.mk("p", "")
			ch := e.addWatch(e.connect(), p, api.AddWatchPersistentRecursive)
			type step struct {
				typ  api.EventType
				path string
			}
			var want []step
			for i := range 5 {
				c := p + "/" + string(rune('a'+i))
				e.mk(c[len(e.root)+1:], "")
				e.set(e.c, c, "x")
				want = append(want, step{api.EventNodeCreated, c}, step{api.EventNodeDataChanged, c})
			}
			last := api.Zxid(-1)
			_, lacksZxid := e.tg.Lacks[FeatureEventZxid]
			for _, w := range want {
				ev := e.wantEvent(ch, w.typ, w.path)
				if !lacksZxid && e.is39() {
					if ev.Zxid <= last {
						e.Fatalf("event zxid %d not after the previous %d", ev.Zxid, last)
					}
					last = ev.Zxid
				}
			}
		}},
		{name: "remove/data", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.getW(o, p)
			e.ok(o.RemoveWatches(e.ctx, p, api.WatcherData), "RemoveWatches(Data)")
			e.wantEvent(ch, api.EventDataWatchRemoved, p)
			e.closedAfter(ch, "removed data watch")
		}},
		{name: "remove/exist", needs: rm, run: func(e *env) {
			p := e.p("a")
			o := e.connect()
			ch := e.existsW(o, p)
			e.ok(o.RemoveWatches(e.ctx, p, api.WatcherData), "RemoveWatches(Data) of an exist watch")
			e.wantEvent(ch, api.EventDataWatchRemoved, p)
			e.closedAfter(ch, "removed exist watch")
		}},
		{name: "remove/children", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.childrenW(o, p)
			e.ok(o.RemoveWatches(e.ctx, p, api.WatcherChildren), "RemoveWatches(Children)")
			e.wantEvent(ch, api.EventChildWatchRemoved, p)
			e.closedAfter(ch, "removed child watch")
		}},
		{name: "remove/any", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			d, c := e.getW(o, p), e.childrenW(o, p)
			e.ok(o.RemoveWatches(e.ctx, p, api.WatcherAny), "RemoveWatches(Any)")
			e.wantEvent(d, api.EventDataWatchRemoved, p)
			e.wantEvent(c, api.EventChildWatchRemoved, p)
		}},
		{name: "remove/none", needs: rm, run: func(e *env) {
			e.code(e.c.RemoveWatches(e.ctx, e.mk("a", ""), api.WatcherData), api.ErrNoWatcher, "RemoveWatches with no watch")
		}},
		{name: "remove/wrong-type", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.getW(o, p)
			e.code(o.RemoveWatches(e.ctx, p, api.WatcherChildren), api.ErrNoWatcher, "RemoveWatches(Children) with only a data watch")
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
		}},
		{name: "remove/other-session-untouched", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o, q := e.connect(), e.connect()
			och, qch := e.getW(o, p), e.getW(q, p)
			e.ok(o.RemoveWatches(e.ctx, p, api.WatcherData), "RemoveWatches")
			e.wantEvent(och, api.EventDataWatchRemoved, p)
			e.set(e.c, p, "x")
			e.wantEvent(qch, api.EventNodeDataChanged, p)
		}},
		{name: "remove/persistent", needs: []Feature{FeatureAddWatch, FeatureRemoveWatches}, diff: &DiffRemovePersistent, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.addWatch(o, p, api.AddWatchPersistent)
			err := o.RemoveWatches(e.ctx, p, api.WatcherPersistent)
			if !e.is39() {
				if err == nil {
					e.Fatal("RemoveWatches(Persistent) succeeded on 3.8")
				}
				return
			}
			e.ok(err, "RemoveWatches(Persistent)")
			e.wantEvent(ch, api.EventPersistentWatchRemoved, p)
			e.closedAfter(ch, "removed persistent watch")
		}},
		{name: "remove/persistent-by-any", needs: []Feature{FeatureAddWatch, FeatureRemoveWatches}, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.addWatch(o, p, api.AddWatchPersistentRecursive)
			e.ok(o.RemoveWatches(e.ctx, p, api.WatcherAny), "RemoveWatches(Any)")
			e.wantEvent(ch, api.EventPersistentWatchRemoved, p)
			e.closedAfter(ch, "removed persistent watch")
		}},
		{name: "check/present", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			e.getW(o, p)
			e.ok(o.CheckWatches(e.ctx, p, api.WatcherData), "CheckWatches(Data)")
			e.ok(o.CheckWatches(e.ctx, p, api.WatcherAny), "CheckWatches(Any)")
			e.code(o.CheckWatches(e.ctx, p, api.WatcherChildren), api.ErrNoWatcher, "CheckWatches(Children)")
		}},
		{name: "check/absent", needs: rm, run: func(e *env) {
			e.code(e.c.CheckWatches(e.ctx, e.p("a"), api.WatcherAny), api.ErrNoWatcher, "CheckWatches with no watch")
		}},
		{name: "check/after-fire", needs: rm, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			ch := e.getW(o, p)
			e.set(e.c, p, "x")
			e.wantEvent(ch, api.EventNodeDataChanged, p)
			e.code(o.CheckWatches(e.ctx, p, api.WatcherData), api.ErrNoWatcher, "CheckWatches after the watch fired")
		}},
		{name: "check/persistent", needs: []Feature{FeatureAddWatch, FeatureRemoveWatches}, diff: &DiffRemovePersistent, run: func(e *env) {
			p := e.mk("a", "")
			o := e.connect()
			e.addWatch(o, p, api.AddWatchPersistentRecursive)
			err := o.CheckWatches(e.ctx, p, api.WatcherPersistentRecursive)
			if e.is39() {
				e.ok(err, "CheckWatches(PersistentRecursive)")
				e.code(o.CheckWatches(e.ctx, p, api.WatcherPersistent), api.ErrNoWatcher, "CheckWatches(Persistent) with a recursive watch")
			} else if err == nil {
				e.Fatal("CheckWatches(PersistentRecursive) succeeded on 3.8")
			}
		}},
	}
}

// wantZxid checks an event's zxid: the change's on 3.9, -1 on 3.8.
func (e *env) wantZxid(ev api.Event, want api.Zxid) {
	e.Helper()
	if !e.is39() {
		want = -1
	}
	if ev.Zxid != want {
		e.Fatalf("event %v on %s has zxid %d, want %d", ev.Type, ev.Path, ev.Zxid, want)
	}
}
