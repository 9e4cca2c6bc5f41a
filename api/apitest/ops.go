package apitest

import (
	"errors"
	"io/fs"
	"slices"

	"github.com/zkembed/zkembed/api"
)

func opsChecks() []check {
	return []check{
		{name: "delete/removes", run: func(e *env) {
			e.mk("a", "")
			e.ok(e.c.Delete(e.ctx, e.p("a"), -1), "Delete")
			e.gone(e.c, e.p("a"))
			_, _, err := e.c.Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoNode, "Get after Delete")
		}},
		{name: "delete/no-node", run: func(e *env) {
			e.code(e.c.Delete(e.ctx, e.p("a"), -1), api.ErrNoNode, "Delete missing")
		}},
		{name: "delete/bad-version", run: func(e *env) {
			e.mk("a", "")
			e.code(e.c.Delete(e.ctx, e.p("a"), 3), api.ErrBadVersion, "Delete with a wrong version")
			e.stat(e.c, e.p("a"))
		}},
		{name: "delete/matching-version", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.Set(e.ctx, e.p("a"), nil, -1)
			e.ok(err, "Set")
			e.ok(e.c.Delete(e.ctx, e.p("a"), 1), "Delete at version 1")
			e.gone(e.c, e.p("a"))
		}},
		{name: "delete/not-empty", run: func(e *env) {
			e.mk("a", "")
			e.mk("a/b", "")
			e.code(e.c.Delete(e.ctx, e.p("a"), -1), api.ErrNotEmpty, "Delete with a child")
		}},
		{name: "delete/bad-version-before-not-empty", run: func(e *env) {
			e.mk("a", "")
			e.mk("a/b", "")
			e.code(e.c.Delete(e.ctx, e.p("a"), 7), api.ErrBadVersion, "Delete non-empty with a wrong version")
		}},
		{name: "delete/ephemeral-by-other-session", run: func(e *env) {
			e.create(e.c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.ok(e.connect().Delete(e.ctx, e.p("e"), -1), "Delete another session's ephemeral")
			e.gone(e.c, e.p("e"))
		}},
		{name: "delete/root", run: func(e *env) {
			e.code(e.c.Delete(e.ctx, "/", -1), api.ErrBadArguments, `Delete("/")`)
		}},
		{name: "set/no-node", run: func(e *env) {
			_, err := e.c.Set(e.ctx, e.p("a"), nil, -1)
			e.code(err, api.ErrNoNode, "Set missing")
		}},
		{name: "set/bad-version", run: func(e *env) {
			e.mk("a", "old")
			_, err := e.c.Set(e.ctx, e.p("a"), []byte("new"), 1)
			e.code(err, api.ErrBadVersion, "Set with a wrong version")
			b, _ := e.data(e.c, e.p("a"))
			eq(e, string(b), "old", "data after a failed Set")
		}},
		{name: "set/matching-version", run: func(e *env) {
			e.mk("a", "old")
			st, err := e.c.Set(e.ctx, e.p("a"), []byte("new"), 0)
			e.ok(err, "Set at version 0")
			eq(e, st.Version, int32(1), "Version")
			b, _ := e.data(e.c, e.p("a"))
			eq(e, string(b), "new", "data")
		}},
		{name: "set/nil-data", run: func(e *env) {
			e.mk("a", "old")
			st, err := e.c.Set(e.ctx, e.p("a"), nil, -1)
			e.ok(err, "Set nil")
			eq(e, st.DataLength, int32(0), "DataLength")
		}},
		{name: "get/no-node", run: func(e *env) {
			_, _, err := e.c.Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoNode, "Get missing")
			if !errors.Is(err, fs.ErrNotExist) {
				e.Fatalf("Get missing: %v does not match fs.ErrNotExist", err)
			}
		}},
		{name: "exists/missing", run: func(e *env) {
			st, err := e.c.Exists(e.ctx, e.p("a"))
			e.ok(err, "Exists missing")
			if st != nil {
				e.Fatalf("Exists missing = %+v, want nil", st)
			}
		}},
		{name: "children/names", run: func(e *env) {
			e.mk("p", "")
			for _, n := range []string{"x", "a", "m"} {
				e.mk("p/"+n, "")
			}
			e.mk("p/a/deep", "")
			kids, st, err := e.c.Children(e.ctx, e.p("p"))
			e.ok(err, "Children")
			e.sameSet(kids, []string{"x", "a", "m"}, "children")
			eq(e, st.NumChildren, int32(3), "NumChildren")
		}},
		{name: "children/empty", run: func(e *env) {
			kids, _, err := e.c.Children(e.ctx, e.mk("p", ""))
			e.ok(err, "Children")
			eq(e, len(kids), 0, "len(children)")
		}},
		{name: "children/no-node", run: func(e *env) {
			_, _, err := e.c.Children(e.ctx, e.p("p"))
			e.code(err, api.ErrNoNode, "Children of a missing znode")
		}},
		{name: "children/of-root", run: func(e *env) {
			kids, _, err := e.c.Children(e.ctx, "/")
			e.ok(err, "Children(/)")
			if !slices.Contains(kids, "zookeeper") {
				e.Fatalf("children of / = %q, want zookeeper among them", kids)
			}
		}},
		{name: "all-children-number/descendants", needs: []Feature{FeatureGetAllChildrenNumber}, run: func(e *env) {
			for _, p := range []string{"p", "p/a", "p/b", "p/a/x", "p/a/y", "p/a/y/z"} {
				e.mk(p, "")
			}
			n, err := e.c.GetAllChildrenNumber(e.ctx, e.p("p"))
			e.ok(err, "GetAllChildrenNumber")
			eq(e, n, int32(5), "descendants of p")
		}},
		{name: "all-children-number/leaf", needs: []Feature{FeatureGetAllChildrenNumber}, run: func(e *env) {
			n, err := e.c.GetAllChildrenNumber(e.ctx, e.mk("p", ""))
			e.ok(err, "GetAllChildrenNumber")
			eq(e, n, int32(0), "descendants of a leaf")
		}},
		{name: "all-children-number/no-node", needs: []Feature{FeatureGetAllChildrenNumber}, run: func(e *env) {
			_, err := e.c.GetAllChildrenNumber(e.ctx, e.p("p"))
			e.code(err, api.ErrNoNode, "GetAllChildrenNumber of a missing znode")
		}},
		{name: "ephemerals/lists-own", needs: []Feature{FeatureGetEphemerals}, run: func(e *env) {
			c := e.connect()
			e.mk("d", "")
			a := e.create(c, e.p("d", "a"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			b := e.create(c, e.p("d", "b"), nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
			e.create(e.connect(), e.p("d", "other"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.mk("d/persistent", "")
			got, err := c.GetEphemerals(e.ctx, e.p("d"))
			e.ok(err, "GetEphemerals")
			e.sameSet(got, []string{a, b}, "ephemerals")
		}},
		{name: "ephemerals/all-with-slash", needs: []Feature{FeatureGetEphemerals}, run: func(e *env) {
			c := e.connect()
			a := e.create(c, e.p("a"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			got, err := c.GetEphemerals(e.ctx, "/")
			e.ok(err, "GetEphemerals(/)")
			e.sameSet(got, []string{a}, "ephemerals of a fresh session")
		}},
		{name: "ephemerals/string-prefix", needs: []Feature{FeatureGetEphemerals}, run: func(e *env) {
			// The prefix is matched as a string, not a path
			// (FinalRequestProcessor, getEphemerals).
			c := e.connect()
			ab := e.create(c, e.p("ab"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.create(c, e.p("b"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			got, err := c.GetEphemerals(e.ctx, e.p("a"))
			e.ok(err, "GetEphemerals")
			e.sameSet(got, []string{ab}, "ephemerals with prefix .../a")
		}},
		{name: "ephemerals/none", needs: []Feature{FeatureGetEphemerals}, run: func(e *env) {
			got, err := e.connect().GetEphemerals(e.ctx, "/")
			e.ok(err, "GetEphemerals")
			eq(e, len(got), 0, "ephemerals of a session with none")
		}},
		{name: "sync/returns-path", run: func(e *env) {
			p, err := e.c.Sync(e.ctx, e.mk("a", ""))
			e.ok(err, "Sync")
			eq(e, p, e.p("a"), "Sync path")
		}},
		{name: "sync/missing-path", run: func(e *env) {
			p, err := e.c.Sync(e.ctx, e.p("missing"))
			e.ok(err, "Sync of a missing path")
			eq(e, p, e.p("missing"), "Sync path")
		}},
		{name: "sync/sees-other-session-writes", run: func(e *env) {
			e.mk("a", "1")
			_, err := e.connect().Set(e.ctx, e.p("a"), []byte("2"), -1)
			e.ok(err, "Set")
			_, err = e.c.Sync(e.ctx, e.p("a"))
			e.ok(err, "Sync")
			b, _ := e.data(e.c, e.p("a"))
			eq(e, string(b), "2", "data after Sync")
		}},
		{name: "whoami/anonymous", needs: []Feature{FeatureWhoAmI}, run: func(e *env) {
			ids, err := e.c.WhoAmI(e.ctx)
			e.ok(err, "WhoAmI")
			for _, id := range ids {
				if id.AuthScheme != "ip" {
					e.Fatalf("anonymous session has identity %+v", id)
				}
			}
			if e.tg.ClientIP != "" && !slices.Contains(ids, api.ClientInfo{AuthScheme: "ip", User: e.tg.ClientIP}) {
				e.Fatalf("WhoAmI = %+v, want ip %s", ids, e.tg.ClientIP)
			}
		}},
		{name: "whoami/digest", needs: []Feature{FeatureWhoAmI}, run: func(e *env) {
			e.auth(e.c, aliceUser, alicePass)
			ids, err := e.c.WhoAmI(e.ctx)
			e.ok(err, "WhoAmI")
			if !slices.Contains(ids, api.ClientInfo{AuthScheme: "digest", User: aliceUser}) {
				e.Fatalf("WhoAmI = %+v, want digest %s", ids, aliceUser)
			}
		}},
		{name: "whoami/super", needs: []Feature{FeatureWhoAmI}, run: func(e *env) {
			c := e.superClient()
			ids, err := c.WhoAmI(e.ctx)
			e.ok(err, "WhoAmI")
			if !slices.Contains(ids, api.ClientInfo{AuthScheme: "super", User: ""}) {
				e.Fatalf("WhoAmI = %+v, want the super identity", ids)
			}
		}},
		{name: "addauth/unknown-scheme", run: func(e *env) {
			c := e.connect()
			err := c.AddAuth(e.ctx, "nosuchscheme", []byte("x"))
			e.code(err, api.ErrAuthFailed, "AddAuth with an unknown scheme")
		}},
		{name: "addauth/twice-same-identity", run: func(e *env) {
			e.auth(e.c, aliceUser, alicePass)
			e.auth(e.c, aliceUser, alicePass)
			e.create(e.c, e.p("a"), nil, api.DigestACL(api.PermAll, aliceUser, alicePass), api.ModePersistent)
			e.data(e.c, e.p("a"))
		}},
		{name: "session/ids-distinct", run: func(e *env) {
			a, b := e.c.SessionID(), e.connect().SessionID()
			if a == 0 || b == 0 || a == b {
				e.Fatalf("session ids %v and %v: want two distinct non-zero ids", a, b)
			}
		}},
	}
}
