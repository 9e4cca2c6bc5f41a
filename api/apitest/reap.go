package apitest

import (
	"time"

	"github.com/zkembed/zkembed/api"
)

// reapTTL returns the TTL the reaping checks use: an hour of virtual time, or
// a short real one on the wall clock. It skips the check if the target can
// neither move time nor reap often.
func (e *env) reapTTL() time.Duration {
	e.Helper()
	if e.tg.Advance != nil {
		return time.Hour
	}
	if e.tg.ReapInterval <= 0 || e.tg.ReapInterval > 2*time.Second {
		e.Skip("target runs on the wall clock and reaps rarely: set Target.Advance or a short Target.ReapInterval")
	}
	return 300 * time.Millisecond
}

// passTTL lets ttl and one reaping interval go by: on a virtual clock it
// advances it; on the wall clock the caller waits for a deletion event.
func (e *env) passTTL(ttl time.Duration) {
	if e.tg.Advance != nil {
		e.tg.Advance(ttl + e.tg.ReapInterval + time.Second)
	}
}

// reaped waits (bounded) for the deletion of the znode whose exist watch is
// ch, after passTTL.
func (e *env) reaped(ch <-chan api.Event, path string) {
	e.Helper()
	e.wantEvent(ch, api.EventNodeDeleted, path)
	e.gone(e.c, path)
}

func reapChecks() []check {
	return []check{
		{name: "ttl/expires", run: func(e *env) {
			ttl := e.reapTTL()
			p, _ := e.create2(e.c, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			ch := e.existsW(e.c, p)
			e.passTTL(ttl)
			e.reaped(ch, p)
		}},
		{name: "ttl/sequential-expires", run: func(e *env) {
			ttl := e.reapTTL()
			p, _ := e.create2(e.c, e.p("t-"), nil, api.OpenACLUnsafe, api.ModePersistentSequentialWithTTL, ttl)
			ch := e.existsW(e.c, p)
			e.passTTL(ttl)
			e.reaped(ch, p)
		}},
		{name: "ttl/unexpired-kept", run: func(e *env) {
			ttl := e.reapTTL()
			long, _ := e.create2(e.c, e.p("long"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, 10000*ttl)
			short, _ := e.create2(e.c, e.p("short"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			ch := e.existsW(e.c, short)
			e.passTTL(ttl)
			e.reaped(ch, short)
			e.stat(e.c, long)
		}},
		{name: "ttl/with-children-kept", run: func(e *env) {
			ttl := e.reapTTL()
			parent, _ := e.create2(e.c, e.p("parent"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			e.mk("parent/child", "")
			ctl, _ := e.create2(e.c, e.p("control"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			ch := e.existsW(e.c, ctl)
			e.passTTL(ttl)
			e.reaped(ch, ctl)
			// A second reaping pass, to be sure the first saw both.
			ctl2, _ := e.create2(e.c, e.p("control2"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			ch2 := e.existsW(e.c, ctl2)
			e.passTTL(ttl)
			e.reaped(ch2, ctl2)
			e.stat(e.c, parent)
		}},
		{name: "ttl/set-renews", run: func(e *env) {
			if e.tg.Advance == nil {
				e.Skip("needs a virtual clock: on the wall clock the margins would make the check flaky")
			}
			ttl := time.Hour
			p, _ := e.create2(e.c, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			e.tg.Advance(ttl / 2)
			e.set(e.c, p, "touch")
			e.tg.Advance(ttl/2 + time.Minute)
			e.stat(e.c, p)
			ch := e.existsW(e.c, p)
			e.passTTL(ttl)
			e.reaped(ch, p)
		}},
		{name: "container/reaped-when-emptied", run: func(e *env) {
			ttl := e.reapTTL()
			c := e.create(e.c, e.p("c"), nil, api.OpenACLUnsafe, api.ModeContainer)
			e.mk("c/child", "")
			ch := e.existsW(e.c, c)
			e.del(e.c, c+"/child")
			e.passTTL(ttl)
			e.reaped(ch, c)
		}},
		{name: "container/never-used-kept", run: func(e *env) {
			ttl := e.reapTTL()
			unused := e.create(e.c, e.p("unused"), nil, api.OpenACLUnsafe, api.ModeContainer)
			used := e.create(e.c, e.p("used"), nil, api.OpenACLUnsafe, api.ModeContainer)
			e.mk("used/x", "")
			ch := e.existsW(e.c, used)
			e.del(e.c, used+"/x")
			e.passTTL(ttl)
			e.reaped(ch, used)
			e.stat(e.c, unused)
		}},
		{name: "container/with-children-kept", run: func(e *env) {
			ttl := e.reapTTL()
			full := e.create(e.c, e.p("full"), nil, api.OpenACLUnsafe, api.ModeContainer)
			e.mk("full/a", "")
			e.mk("full/b", "")
			e.del(e.c, full+"/a")
			ctl := e.create(e.c, e.p("ctl"), nil, api.OpenACLUnsafe, api.ModeContainer)
			e.mk("ctl/x", "")
			ch := e.existsW(e.c, ctl)
			e.del(e.c, ctl+"/x")
			e.passTTL(ttl)
			e.reaped(ch, ctl)
			eq(e, e.stat(e.c, full).NumChildren, int32(1), "NumChildren of the kept container")
		}},
		{name: "container/parent-watch", run: func(e *env) {
			ttl := e.reapTTL()
			e.mk("p", "")
			c := e.create(e.c, e.p("p", "c"), nil, api.OpenACLUnsafe, api.ModeContainer)
			e.mk("p/c/x", "")
			ch := e.childrenW(e.connect(), e.p("p"))
			e.del(e.c, c+"/x")
			e.passTTL(ttl)
			e.wantEvent(ch, api.EventNodeChildrenChanged, e.p("p"))
			e.gone(e.c, c)
		}},
	}
}
