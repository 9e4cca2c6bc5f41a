package apitest

import (
	"errors"
	"time"

	"github.com/zkembed/zkembed/api"
)

// wantResults checks a failed multi's results: OK (as an error) before the
// failing op, its code, RuntimeInconsistency after it.
func (e *env) wantResults(res []api.OpResult, n, failed int, code api.Code) {
	e.Helper()
	if len(res) != n {
		e.Fatalf("got %d results, want %d", len(res), n)
	}
	for i, r := range res {
		want := api.ErrRuntimeInconsistency
		switch {
		case i < failed:
			want = api.OK
		case i == failed:
			want = code
		}
		if !errors.Is(r.Err, want) {
			e.Fatalf("result %d: Err = %v, want %s (as an error)", i, r.Err, want.Name())
		}
	}
}

func multiChecks() []check {
	open := api.OpenACLUnsafe
	return []check{
		{name: "success/results", run: func(e *env) {
			e.mk("s", "")
			e.mk("d", "")
			res, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("c"), Data: []byte("x"), ACL: open},
				&api.SetDataRequest{Path: e.p("s"), Data: []byte("new"), Version: 0},
				&api.DeleteRequest{Path: e.p("d"), Version: -1},
				&api.CheckRequest{Path: e.p("c"), Version: 0})
			e.ok(err, "Multi")
			eq(e, len(res), 4, "results")
			for i, r := range res {
				e.ok(r.Err, "result %d", i)
			}
			eq(e, res[0].Path, e.p("c"), "create result path")
			if res[1].Stat == nil || res[1].Stat.Version != 1 {
				e.Fatalf("setData result Stat = %+v, want Version 1", res[1].Stat)
			}
			eq(e, *res[1].Stat, *e.stat(e.c, e.p("s")), "setData result Stat")
			e.gone(e.c, e.p("d"))
		}},
		{name: "success/create-stat", needs: []Feature{FeatureMultiCreateStat}, diff: &DiffMultiCreate2Stat, run: func(e *env) {
			res, err := e.c.Multi(e.ctx, &api.CreateRequest{Path: e.p("c"), Data: []byte("xy"), ACL: open})
			e.ok(err, "Multi")
			eq(e, res[0].Path, e.p("c"), "create result path")
			if !e.is39() {
				if res[0].Stat != nil {
					e.Fatalf("create result Stat = %+v, want none from 3.8", res[0].Stat)
				}
				return
			}
			if res[0].Stat == nil {
				e.Fatal("create result has no Stat")
			}
			eq(e, *res[0].Stat, *e.stat(e.c, e.p("c")), "create result Stat")
		}},
		{name: "success/sequential-names", run: func(e *env) {
			res, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("s-"), ACL: open, Mode: api.ModePersistentSequential},
				&api.CreateRequest{Path: e.p("s-"), ACL: open, Mode: api.ModeEphemeralSequential})
			e.ok(err, "Multi")
			eq(e, res[0].Path, e.p("s-0000000000"), "first name")
			eq(e, res[1].Path, e.p("s-0000000001"), "second name")
			eq(e, e.stat(e.c, res[1].Path).EphemeralOwner, e.c.SessionID(), "EphemeralOwner")
		}},
		{name: "success/sees-earlier-ops", run: func(e *env) {
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("p"), ACL: open},
				&api.CreateRequest{Path: e.p("p", "c"), ACL: open},
				&api.SetDataRequest{Path: e.p("p", "c"), Data: []byte("v"), Version: 0},
				&api.CheckRequest{Path: e.p("p", "c"), Version: 1})
			e.ok(err, "Multi")
			b, st := e.data(e.c, e.p("p", "c"))
			eq(e, string(b), "v", "data")
			eq(e, st.Version, int32(1), "Version")
		}},
		{name: "success/delete-then-create", run: func(e *env) {
			old := e.stat(e.c, e.mk("a", "old"))
			_, err := e.c.Multi(e.ctx,
				&api.DeleteRequest{Path: e.p("a"), Version: -1},
				&api.CreateRequest{Path: e.p("a"), Data: []byte("new"), ACL: open})
			e.ok(err, "Multi")
			st := e.stat(e.c, e.p("a"))
			if st.Czxid <= old.Czxid {
				e.Fatalf("Czxid %d not after %d", st.Czxid, old.Czxid)
			}
		}},
		{name: "success/empty", run: func(e *env) {
			res, err := e.c.Multi(e.ctx)
			e.ok(err, "empty Multi")
			eq(e, len(res), 0, "results")
		}},
		{name: "success/ephemeral", run: func(e *env) {
			c := e.connect()
			_, err := c.Multi(e.ctx, &api.CreateRequest{Path: e.p("e"), ACL: open, Mode: api.ModeEphemeral})
			e.ok(err, "Multi")
			e.ok(c.Close(), "Close")
			e.gone(e.c, e.p("e"))
		}},
		{name: "success/container-and-ttl", needs: []Feature{FeatureMultiCreateModes}, run: func(e *env) {
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("c"), ACL: open, Mode: api.ModeContainer},
				&api.CreateRequest{Path: e.p("t"), ACL: open, Mode: api.ModePersistentWithTTL, TTL: time.Hour})
			e.ok(err, "Multi")
			eq(e, e.stat(e.c, e.p("c")).EphemeralOwner, api.SessionID(0), "container EphemeralOwner")
			eq(e, e.stat(e.c, e.p("t")).EphemeralOwner, api.SessionID(0), "TTL EphemeralOwner")
		}},
		{name: "failure/nothing-applied", run: func(e *env) {
			e.mk("s", "old")
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("c"), ACL: open},
				&api.SetDataRequest{Path: e.p("s"), Data: []byte("new"), Version: -1},
				&api.DeleteRequest{Path: e.p("missing"), Version: -1})
			e.code(err, api.ErrNoNode, "Multi with a failing delete")
			e.gone(e.c, e.p("c"))
			b, st := e.data(e.c, e.p("s"))
			eq(e, string(b), "old", "data")
			eq(e, st.Version, int32(0), "Version")
		}},
		{name: "failure/results", run: func(e *env) {
			e.mk("a", "")
			res, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("x"), ACL: open},
				&api.SetDataRequest{Path: e.p("a"), Version: -1},
				&api.CreateRequest{Path: e.p("a"), ACL: open},
				&api.DeleteRequest{Path: e.p("a"), Version: -1},
				&api.CheckRequest{Path: e.p("a"), Version: -1})
			e.code(err, api.ErrNodeExists, "Multi error")
			e.wantResults(res, 5, 2, api.ErrNodeExists)
		}},
		{name: "failure/first-op", run: func(e *env) {
			res, err := e.c.Multi(e.ctx,
				&api.SetDataRequest{Path: e.p("missing"), Version: -1},
				&api.CreateRequest{Path: e.p("x"), ACL: open})
			e.code(err, api.ErrNoNode, "Multi error")
			e.wantResults(res, 2, 0, api.ErrNoNode)
		}},
		{name: "failure/last-op", run: func(e *env) {
			e.mk("a", "")
			res, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("x"), ACL: open},
				&api.CheckRequest{Path: e.p("a"), Version: 5})
			e.code(err, api.ErrBadVersion, "Multi error")
			e.wantResults(res, 2, 1, api.ErrBadVersion)
			e.gone(e.c, e.p("x"))
		}},
		{name: "check/existing-any-version", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.Multi(e.ctx, &api.CheckRequest{Path: e.p("a"), Version: -1})
			e.ok(err, "check -1 of an existing znode")
		}},
		{name: "check/missing", run: func(e *env) {
			_, err := e.c.Multi(e.ctx, &api.CheckRequest{Path: e.p("a"), Version: -1})
			e.code(err, api.ErrNoNode, "check of a missing znode")
		}},
		{name: "check/version", run: func(e *env) {
			e.mk("a", "")
			e.set(e.c, e.p("a"), "x")
			_, err := e.c.Multi(e.ctx, &api.CheckRequest{Path: e.p("a"), Version: 1})
			e.ok(err, "check at the current version")
			_, err = e.c.Multi(e.ctx, &api.CheckRequest{Path: e.p("a"), Version: 0})
			e.code(err, api.ErrBadVersion, "check at an old version")
		}},
		{name: "failure/no-auth", run: func(e *env) {
			e.create(e.c, e.p("ro"), nil, e.owned(api.PermRead), api.ModePersistent)
			o := e.connect()
			res, err := o.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("x"), ACL: open},
				&api.SetDataRequest{Path: e.p("ro"), Data: []byte("x"), Version: -1})
			e.code(err, api.ErrNoAuth, "Multi error")
			e.wantResults(res, 2, 1, api.ErrNoAuth)
			e.gone(e.c, e.p("x"))
		}},
		{name: "failure/bad-path", run: func(e *env) {
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("x"), ACL: open},
				&api.SetDataRequest{Path: e.p("a") + "/", Version: -1})
			e.code(err, api.ErrBadArguments, "Multi with an invalid path")
			e.gone(e.c, e.p("x"))
		}},
		{name: "failure/not-empty", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("a", "c"), ACL: open},
				&api.DeleteRequest{Path: e.p("a"), Version: -1})
			e.code(err, api.ErrNotEmpty, "delete of a znode given a child earlier in the multi")
			e.gone(e.c, e.p("a", "c"))
		}},
		{name: "failure/same-session-ephemeral-parent", run: func(e *env) {
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("e"), ACL: open, Mode: api.ModeEphemeral},
				&api.CreateRequest{Path: e.p("e", "c"), ACL: open})
			e.code(err, api.ErrNoChildrenForEphemerals, "child of an ephemeral created earlier in the multi")
			e.gone(e.c, e.p("e"))
		}},
		{name: "read/results", needs: []Feature{FeatureMultiRead}, run: func(e *env) {
			e.mk("a", "data")
			e.mk("a/x", "")
			e.mk("a/y", "")
			res, err := e.c.MultiRead(e.ctx,
				&api.GetDataRequest{Path: e.p("a")},
				&api.GetChildrenRequest{Path: e.p("a")})
			e.ok(err, "MultiRead")
			eq(e, len(res), 2, "results")
			e.ok(res[0].Err, "getData result")
			eq(e, string(res[0].Data), "data", "getData data")
			if res[0].Stat == nil {
				e.Fatal("getData result has no Stat")
			}
			eq(e, *res[0].Stat, *e.stat(e.c, e.p("a")), "getData Stat")
			e.ok(res[1].Err, "getChildren result")
			e.sameSet(res[1].Children, []string{"x", "y"}, "getChildren children")
		}},
		{name: "read/independent-errors", needs: []Feature{FeatureMultiRead}, run: func(e *env) {
			e.mk("a", "ok")
			res, err := e.c.MultiRead(e.ctx,
				&api.GetDataRequest{Path: e.p("missing")},
				&api.GetDataRequest{Path: e.p("a")},
				&api.GetChildrenRequest{Path: e.p("missing")})
			e.ok(err, "MultiRead with failing ops")
			e.code(res[0].Err, api.ErrNoNode, "result 0")
			e.ok(res[1].Err, "result 1")
			eq(e, string(res[1].Data), "ok", "result 1 data")
			e.code(res[2].Err, api.ErrNoNode, "result 2")
		}},
		{name: "read/no-auth", needs: []Feature{FeatureMultiRead}, run: func(e *env) {
			e.create(e.c, e.p("s"), nil, e.owned(0), api.ModePersistent)
			e.mk("a", "")
			res, err := e.connect().MultiRead(e.ctx,
				&api.GetDataRequest{Path: e.p("s")},
				&api.GetChildrenRequest{Path: e.p("a")})
			e.ok(err, "MultiRead")
			e.code(res[0].Err, api.ErrNoAuth, "unreadable getData")
			e.ok(res[1].Err, "readable getChildren")
		}},
	}
}
