package apitest

import (
	"github.com/zkembed/zkembed/api"
)

func statChecks() []check {
	return []check{
		{name: "create/zxids-equal", run: func(e *env) {
			st := e.stat(e.c, e.mk("a", ""))
			eq(e, st.Mzxid, st.Czxid, "Mzxid")
			eq(e, st.Pzxid, st.Czxid, "Pzxid")
			if st.Czxid <= 0 {
				e.Fatalf("Czxid = %d, want > 0", st.Czxid)
			}
		}},
		{name: "create/times-equal", run: func(e *env) {
			st := e.stat(e.c, e.mk("a", ""))
			eq(e, st.Mtime, st.Ctime, "Mtime")
			if st.Ctime <= 0 {
				e.Fatalf("Ctime = %d, want milliseconds since the epoch", st.Ctime)
			}
		}},
		{name: "create/versions-zero", run: func(e *env) {
			st := e.stat(e.c, e.mk("a", "xyz"))
			eq(e, st.Version, int32(0), "Version")
			eq(e, st.Cversion, int32(0), "Cversion")
			eq(e, st.Aversion, int32(0), "Aversion")
		}},
		{name: "create/persistent-owner-zero", run: func(e *env) {
			eq(e, e.stat(e.c, e.mk("a", "")).EphemeralOwner, api.SessionID(0), "EphemeralOwner")
		}},
		{name: "create/data-length-and-no-children", run: func(e *env) {
			st := e.stat(e.c, e.mk("a", "hello"))
			eq(e, st.DataLength, int32(5), "DataLength")
			eq(e, st.NumChildren, int32(0), "NumChildren")
		}},
		{name: "create/czxid-increases", run: func(e *env) {
			a := e.stat(e.c, e.mk("a", ""))
			b := e.stat(e.c, e.mk("b", ""))
			if b.Czxid <= a.Czxid {
				e.Fatalf("second create's Czxid %d <= first's %d", b.Czxid, a.Czxid)
			}
		}},
		{name: "parent/after-create-child", run: func(e *env) {
			before := e.stat(e.c, e.mk("p", "d"))
			child := e.stat(e.c, e.mk("p/c", ""))
			after := e.stat(e.c, e.p("p"))
			eq(e, after.Cversion, before.Cversion+1, "parent Cversion")
			eq(e, after.Pzxid, child.Czxid, "parent Pzxid")
			eq(e, after.NumChildren, before.NumChildren+1, "parent NumChildren")
			eq(e, after.Mzxid, before.Mzxid, "parent Mzxid")
			eq(e, after.Version, before.Version, "parent Version")
			eq(e, after.Mtime, before.Mtime, "parent Mtime")
		}},
		{name: "parent/after-delete-child", run: func(e *env) {
			e.mk("p", "")
			e.mk("p/c", "")
			before := e.stat(e.c, e.p("p"))
			e.ok(e.c.Delete(e.ctx, e.p("p", "c"), -1), "Delete")
			after := e.stat(e.c, e.p("p"))
			// DataTree.deleteNode moves pzxid only, but clients see
			// Cversion = 2*creates - children (DataNode.copyStat), so a
			// delete counts as a change of the children.
			eq(e, after.Cversion, before.Cversion+1, "parent Cversion after a delete")
			if after.Pzxid <= before.Pzxid {
				e.Fatalf("parent Pzxid %d not advanced past %d by the delete", after.Pzxid, before.Pzxid)
			}
			eq(e, after.NumChildren, before.NumChildren-1, "parent NumChildren")
			eq(e, after.Mzxid, before.Mzxid, "parent Mzxid")
		}},
		{name: "parent/grandchild-does-not-count", run: func(e *env) {
			e.mk("p", "")
			e.mk("p/c", "")
			before := e.stat(e.c, e.p("p"))
			e.mk("p/c/g", "")
			after := e.stat(e.c, e.p("p"))
			eq(e, *after, *before, "parent Stat after a grandchild's create")
		}},
		{name: "parent/ephemeral-child-counts", run: func(e *env) {
			e.mk("p", "")
			e.create(e.c, e.p("p", "e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			eq(e, e.stat(e.c, e.p("p")).NumChildren, int32(1), "NumChildren")
		}},
		{name: "set/version-increments", run: func(e *env) {
			e.mk("a", "")
			for i := int32(1); i <= 3; i++ {
				st, err := e.c.Set(e.ctx, e.p("a"), []byte("v"), -1)
				e.ok(err, "Set")
				eq(e, st.Version, i, "Version after %d sets", i)
			}
		}},
		{name: "set/zxids", run: func(e *env) {
			before := e.stat(e.c, e.mk("a", ""))
			st, err := e.c.Set(e.ctx, e.p("a"), []byte("v"), -1)
			e.ok(err, "Set")
			if st.Mzxid <= before.Mzxid {
				e.Fatalf("Mzxid %d not advanced past %d", st.Mzxid, before.Mzxid)
			}
			eq(e, st.Czxid, before.Czxid, "Czxid")
			eq(e, st.Pzxid, before.Pzxid, "Pzxid")
			eq(e, st.Cversion, before.Cversion, "Cversion")
			eq(e, st.Aversion, before.Aversion, "Aversion")
		}},
		{name: "set/times", run: func(e *env) {
			before := e.stat(e.c, e.mk("a", ""))
			st, err := e.c.Set(e.ctx, e.p("a"), []byte("v"), -1)
			e.ok(err, "Set")
			eq(e, st.Ctime, before.Ctime, "Ctime")
			if st.Mtime < before.Mtime {
				e.Fatalf("Mtime %d went back from %d", st.Mtime, before.Mtime)
			}
		}},
		{name: "set/data-length", run: func(e *env) {
			e.mk("a", "longer data")
			st, err := e.c.Set(e.ctx, e.p("a"), []byte("ab"), -1)
			e.ok(err, "Set")
			eq(e, st.DataLength, int32(2), "DataLength")
		}},
		{name: "set/returned-stat-is-current", run: func(e *env) {
			e.mk("a", "")
			st, err := e.c.Set(e.ctx, e.p("a"), []byte("new"), -1)
			e.ok(err, "Set")
			eq(e, *st, *e.stat(e.c, e.p("a")), "Set Stat vs Exists")
		}},
		{name: "set/same-data-still-versions", run: func(e *env) {
			before := e.stat(e.c, e.mk("a", "same"))
			st, err := e.c.Set(e.ctx, e.p("a"), []byte("same"), -1)
			e.ok(err, "Set")
			eq(e, st.Version, before.Version+1, "Version")
		}},
		{name: "setacl/aversion-only", run: func(e *env) {
			before := e.stat(e.c, e.mk("a", "x"))
			st, err := e.c.SetACL(e.ctx, e.p("a"), api.ReadACLUnsafe, -1)
			e.ok(err, "SetACL")
			eq(e, st.Aversion, before.Aversion+1, "Aversion")
			eq(e, st.Version, before.Version, "Version")
			eq(e, st.Mzxid, before.Mzxid, "Mzxid (setACL is not a data change)")
			eq(e, st.Mtime, before.Mtime, "Mtime")
			eq(e, st.Pzxid, before.Pzxid, "Pzxid")
		}},
		{name: "setacl/returned-stat-is-current", run: func(e *env) {
			e.mk("a", "")
			st, err := e.c.SetACL(e.ctx, e.p("a"), api.OpenACLUnsafe, -1)
			e.ok(err, "SetACL")
			eq(e, *st, *e.stat(e.c, e.p("a")), "SetACL Stat vs Exists")
		}},
		{name: "reads-agree", run: func(e *env) {
			e.mk("a", "data")
			e.mk("a/c", "")
			ex := e.stat(e.c, e.p("a"))
			_, gst := e.data(e.c, e.p("a"))
			_, cst, err := e.c.Children(e.ctx, e.p("a"))
			e.ok(err, "Children")
			_, ast, err := e.c.GetACL(e.ctx, e.p("a"))
			e.ok(err, "GetACL")
			eq(e, *gst, *ex, "Get Stat")
			eq(e, *cst, *ex, "Children Stat")
			eq(e, *ast, *ex, "GetACL Stat")
		}},
		{name: "recreate/fresh-stat", run: func(e *env) {
			old := e.stat(e.c, e.mk("a", "x"))
			_, err := e.c.Set(e.ctx, e.p("a"), []byte("y"), -1)
			e.ok(err, "Set")
			e.ok(e.c.Delete(e.ctx, e.p("a"), -1), "Delete")
			st := e.stat(e.c, e.mk("a", ""))
			if st.Czxid <= old.Czxid {
				e.Fatalf("Czxid %d of the new znode <= old %d", st.Czxid, old.Czxid)
			}
			eq(e, st.Version, int32(0), "Version of the re-created znode")
		}},
		{name: "multi/shared-zxid", run: func(e *env) {
			_, err := e.c.Multi(e.ctx,
				&api.CreateRequest{Path: e.p("a"), ACL: api.OpenACLUnsafe},
				&api.CreateRequest{Path: e.p("b"), ACL: api.OpenACLUnsafe})
			e.ok(err, "Multi")
			a, b := e.stat(e.c, e.p("a")), e.stat(e.c, e.p("b"))
			eq(e, b.Czxid, a.Czxid, "Czxid of two creates in one multi")
			eq(e, b.Ctime, a.Ctime, "Ctime of two creates in one multi")
		}},
		{name: "root-stat", run: func(e *env) {
			st := e.stat(e.c, "/")
			if st.NumChildren < 2 {
				e.Fatalf("root NumChildren = %d, want at least /zookeeper and the suite's root", st.NumChildren)
			}
			eq(e, st.EphemeralOwner, api.SessionID(0), "root EphemeralOwner")
		}},
	}
}
