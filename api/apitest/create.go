package apitest

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
)

// ZooKeeper keeps containers and TTL znodes apart by a marker in their
// stored ephemeralOwner (EphemeralType), but shows clients 0 for them
// (DataNode.copyStat, getClientEphemeralOwner): a Stat cannot tell them from
// persistent znodes.

// maxTTL is the largest TTL ZooKeeper accepts: 0xFFFFFFFFFF milliseconds.
const maxTTL = time.Duration(0xFFFFFFFFFF) * time.Millisecond

func createChecks() []check {
	return []check{
		{name: "persistent/returns-path", run: func(e *env) {
			name, err := e.c.Create(e.ctx, e.p("a"), []byte("x"), api.OpenACLUnsafe, api.ModePersistent)
			e.ok(err, "Create")
			eq(e, name, e.p("a"), "created name")
		}},
		{name: "persistent/data-roundtrip", run: func(e *env) {
			want := []byte{0, 1, 2, 0xff, 'z', 0}
			e.create(e.c, e.p("a"), want, api.OpenACLUnsafe, api.ModePersistent)
			got, st := e.data(e.c, e.p("a"))
			if !bytes.Equal(got, want) {
				e.Fatalf("data = %x, want %x", got, want)
			}
			eq(e, st.DataLength, int32(len(want)), "DataLength")
		}},
		{name: "persistent/nil-data", run: func(e *env) {
			e.create(e.c, e.p("a"), nil, api.OpenACLUnsafe, api.ModePersistent)
			got, st := e.data(e.c, e.p("a"))
			eq(e, len(got), 0, "len(data)")
			eq(e, st.DataLength, int32(0), "DataLength")
		}},
		{name: "persistent/visible-to-other-session", run: func(e *env) {
			e.mk("a", "v")
			got, _ := e.data(e.connect(), e.p("a"))
			eq(e, string(got), "v", "data seen by another session")
		}},
		{name: "error/node-exists", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.Create(e.ctx, e.p("a"), nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNodeExists, "Create existing")
		}},
		{name: "error/node-exists-ephemeral-mode", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.Create(e.ctx, e.p("a"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.code(err, api.ErrNodeExists, "Create ephemeral over existing")
		}},
		{name: "error/no-parent", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("missing", "a"), nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNoNode, "Create under a missing parent")
		}},
		{name: "error/root-exists", run: func(e *env) {
			// "/" is valid and its parent is the root itself
			// (PrepRequestProcessor): NodeExists.
			_, err := e.c.Create(e.ctx, "/", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNodeExists, `Create("/")`)
		}},
		{name: "ephemeral/owner-is-session", run: func(e *env) {
			e.create(e.c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			st := e.stat(e.connect(), e.p("e"))
			eq(e, st.EphemeralOwner, e.c.SessionID(), "EphemeralOwner")
			if st.EphemeralOwner == 0 {
				e.Fatal("EphemeralOwner of an ephemeral is 0")
			}
		}},
		{name: "ephemeral/no-children", run: func(e *env) {
			e.create(e.c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			_, err := e.c.Create(e.ctx, e.p("e", "c"), nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNoChildrenForEphemerals, "Create under an ephemeral")
		}},
		{name: "ephemeral/no-ephemeral-children", run: func(e *env) {
			e.create(e.c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			_, err := e.c.Create(e.ctx, e.p("e", "c"), nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
			e.code(err, api.ErrNoChildrenForEphemerals, "Create ephemeral-sequential under an ephemeral")
		}},
		{name: "ephemeral/no-children-other-session", run: func(e *env) {
			e.create(e.c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			_, err := e.connect().Create(e.ctx, e.p("e", "c"), nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNoChildrenForEphemerals, "Create under another session's ephemeral")
		}},
		{name: "sequential/first-name", run: func(e *env) {
			name := e.create(e.c, e.p("s-"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			eq(e, name, e.p("s-0000000000"), "first sequential name")
		}},
		{name: "sequential/from-parent-cversion", run: func(e *env) {
			e.mk("a", "")
			e.mk("b", "")
			name := e.create(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			eq(e, name, e.p("s0000000002"), "sequential name after two children")
		}},
		{name: "sequential/delete-does-not-reuse", run: func(e *env) {
			n0 := e.create(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			e.ok(e.c.Delete(e.ctx, n0, -1), "Delete")
			n1 := e.create(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			eq(e, n1, e.p("s0000000001"), "sequential name after a delete")
		}},
		{name: "sequential/counts-creates-not-deletes", run: func(e *env) {
			// The suffix is the parent's stored cversion, which counts
			// creates; the Cversion clients see counts creates and
			// deletes (DataNode.copyStat: 2*creates - children).
			e.mk("a", "")
			e.mk("b", "")
			e.ok(e.c.Delete(e.ctx, e.p("a"), -1), "Delete")
			eq(e, e.stat(e.c, e.root).Cversion, int32(3), "Cversion after two creates and a delete")
			name := e.create(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			eq(e, name, e.p("s0000000002"), "sequential name")
		}},
		{name: "sequential/shared-counter", run: func(e *env) {
			a := e.create(e.c, e.p("a-"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			b := e.create(e.c, e.p("b-"), nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
			eq(e, a, e.p("a-0000000000"), "first")
			eq(e, b, e.p("b-0000000001"), "second, other prefix and mode")
		}},
		{name: "sequential/trailing-slash", run: func(e *env) {
			e.mk("d", "")
			name := e.create(e.c, e.p("d")+"/", nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			eq(e, name, e.p("d", "0000000000"), "sequential name of a path ending in /")
		}},
		{name: "sequential/persistent-owner-zero", run: func(e *env) {
			name := e.create(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			eq(e, e.stat(e.c, name).EphemeralOwner, api.SessionID(0), "EphemeralOwner")
		}},
		{name: "sequential/ephemeral-owner", run: func(e *env) {
			name := e.create(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
			eq(e, name, e.p("s0000000000"), "name")
			eq(e, e.stat(e.c, name).EphemeralOwner, e.c.SessionID(), "EphemeralOwner")
		}},
		{name: "sequential/concurrent-distinct", run: func(e *env) {
			const sessions, each = 4, 10
			clients := make([]api.Client, sessions)
			for i := range clients {
				clients[i] = e.connect()
			}
			var mu sync.Mutex
			var wg sync.WaitGroup
			names := map[string]bool{}
			errs := make(chan error, sessions*each)
			for _, c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						n, err := c.Create(e.ctx, e.p("q-"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
						if err != nil {
							errs <- err
							return
						}
						mu.Lock()
						names[n] = true
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				e.Fatalf("concurrent sequential create: %v", err)
			}
			eq(e, len(names), sessions*each, "distinct names")
			for i := range sessions * each {
				if !names[e.p(fmt.Sprintf("q-%010d", i))] {
					e.Fatalf("missing sequence number %d", i)
				}
			}
		}},
		{name: "container/owner", run: func(e *env) {
			_, st := e.create2(e.c, e.p("c"), nil, api.OpenACLUnsafe, api.ModeContainer, 0)
			eq(e, st.EphemeralOwner, api.SessionID(0), "EphemeralOwner of a container")
			eq(e, e.stat(e.c, e.p("c")).EphemeralOwner, api.SessionID(0), "EphemeralOwner seen by Exists")
		}},
		{name: "container/via-create", run: func(e *env) {
			name := e.create(e.c, e.p("c"), []byte("d"), api.OpenACLUnsafe, api.ModeContainer)
			eq(e, name, e.p("c"), "name")
			eq(e, e.stat(e.c, name).EphemeralOwner, api.SessionID(0), "EphemeralOwner")
		}},
		{name: "container/survives-session", run: func(e *env) {
			c := e.connect()
			e.create(c, e.p("c"), nil, api.OpenACLUnsafe, api.ModeContainer)
			e.ok(c.Close(), "Close")
			e.stat(e.c, e.p("c"))
		}},
		{name: "ttl/owner", run: func(e *env) {
			ttl := 90 * time.Minute
			_, st := e.create2(e.c, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, ttl)
			eq(e, st.EphemeralOwner, api.SessionID(0), "EphemeralOwner of a TTL znode")
			eq(e, e.stat(e.connect(), e.p("t")).EphemeralOwner, api.SessionID(0), "EphemeralOwner seen by Exists")
		}},
		{name: "ttl/sequential", run: func(e *env) {
			ttl := time.Hour
			name, st := e.create2(e.c, e.p("t-"), nil, api.OpenACLUnsafe, api.ModePersistentSequentialWithTTL, ttl)
			eq(e, name, e.p("t-0000000000"), "name")
			eq(e, st.EphemeralOwner, api.SessionID(0), "EphemeralOwner")
		}},
		{name: "ttl/max", run: func(e *env) {
			_, st := e.create2(e.c, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, maxTTL)
			eq(e, st.Version, int32(0), "Version")
		}},
		{name: "ttl/survives-session", run: func(e *env) {
			c := e.connect()
			_, _ = e.create2(c, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, time.Hour)
			e.ok(c.Close(), "Close")
			e.stat(e.c, e.p("t"))
		}},
		{name: "invalid/ttl-zero", run: func(e *env) {
			_, _, err := e.c.Create2(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, 0)
			e.code(err, api.ErrBadArguments, "TTL mode with ttl 0")
			e.gone(e.c, e.p("t"))
		}},
		{name: "invalid/ttl-negative", run: func(e *env) {
			_, _, err := e.c.Create2(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, -time.Second)
			e.code(err, api.ErrBadArguments, "TTL mode with a negative ttl")
		}},
		{name: "invalid/ttl-too-large", run: func(e *env) {
			_, _, err := e.c.Create2(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentSequentialWithTTL, maxTTL+time.Millisecond)
			e.code(err, api.ErrBadArguments, "ttl above 0xFFFFFFFFFF ms")
		}},
		{name: "invalid/ttl-on-persistent", run: func(e *env) {
			_, _, err := e.c.Create2(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistent, time.Hour)
			e.code(err, api.ErrBadArguments, "ttl on a persistent mode")
			e.gone(e.c, e.p("t"))
		}},
		{name: "invalid/ttl-on-ephemeral", run: func(e *env) {
			_, _, err := e.c.Create2(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModeEphemeral, time.Hour)
			e.code(err, api.ErrBadArguments, "ttl on an ephemeral mode")
		}},
		{name: "invalid/ttl-on-container", run: func(e *env) {
			_, _, err := e.c.Create2(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModeContainer, time.Hour)
			e.code(err, api.ErrBadArguments, "ttl on a container")
		}},
		{name: "invalid/ttl-mode-via-create", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("t"), nil, api.OpenACLUnsafe, api.ModePersistentWithTTL)
			e.code(err, api.ErrBadArguments, "Create with a TTL mode and no ttl")
			e.gone(e.c, e.p("t"))
		}},
		{name: "invalid/mode-7", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("x"), nil, api.OpenACLUnsafe, api.CreateMode(7))
			e.code(err, api.ErrBadArguments, "Create with mode 7")
			e.gone(e.c, e.p("x"))
		}},
		{name: "invalid/mode-negative", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("x"), nil, api.OpenACLUnsafe, api.CreateMode(-1))
			e.code(err, api.ErrBadArguments, "Create with mode -1")
		}},
		{name: "create2/stat-matches-exists", run: func(e *env) {
			_, st := e.create2(e.c, e.p("a"), []byte("abc"), api.OpenACLUnsafe, api.ModePersistent, 0)
			eq(e, *st, *e.stat(e.c, e.p("a")), "Create2 Stat vs Exists")
			eq(e, st.DataLength, int32(3), "DataLength")
		}},
		{name: "create2/sequential-name", run: func(e *env) {
			e.mk("x", "")
			name, st := e.create2(e.c, e.p("s"), nil, api.OpenACLUnsafe, api.ModeEphemeralSequential, 0)
			eq(e, name, e.p("s0000000001"), "name")
			eq(e, st.EphemeralOwner, e.c.SessionID(), "EphemeralOwner")
		}},
		{name: "acl/empty", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "Create with an empty ACL")
			e.gone(e.c, e.p("a"))
		}},
		{name: "acl/nil", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, nil, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "Create with a nil ACL")
		}},
		{name: "acl/unknown-scheme", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{{Perms: api.PermAll, Scheme: "nosuch", ID: "x"}}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "Create with an unknown scheme")
		}},
		{name: "acl/world-not-anyone", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{{Perms: api.PermAll, Scheme: "world", ID: "someone"}}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "world:someone")
		}},
		{name: "acl/digest-malformed", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{{Perms: api.PermAll, Scheme: "digest", ID: "nocolon"}}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "digest id without a colon")
		}},
		{name: "acl/ip-malformed", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{{Perms: api.PermAll, Scheme: "ip", ID: "not-an-ip"}}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "ip:not-an-ip")
		}},
		{name: "acl/ip-bad-prefix", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{{Perms: api.PermAll, Scheme: "ip", ID: "10.0.0.0/33"}}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "ip:10.0.0.0/33")
		}},
		{name: "acl/super-scheme", run: func(e *env) {
			// super is an identity, not an ACL scheme: no provider.
			_, err := e.c.Create(e.ctx, e.p("a"), nil, []api.ACL{{Perms: api.PermAll, Scheme: "super", ID: ""}}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "super:")
		}},
		{name: "acl/auth-without-identity", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("a"), nil, api.CreatorAllACL, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "auth: ACL from a session with no authenticated identity")
		}},
		{name: "acl/auth-expands-to-digest", run: func(e *env) {
			c := e.connect()
			e.auth(c, aliceUser, alicePass)
			e.create(c, e.p("a"), nil, api.CreatorAllACL, api.ModePersistent)
			acl, _, err := c.GetACL(e.ctx, e.p("a"))
			e.ok(err, "GetACL")
			want := api.DigestACL(api.PermAll, aliceUser, alicePass)
			if len(acl) != 1 || acl[0] != want[0] {
				e.Fatalf("ACL = %+v, want %+v", acl, want)
			}
		}},
		{name: "acl/duplicates-removed", run: func(e *env) {
			acl := []api.ACL{api.OpenACLUnsafe[0], api.OpenACLUnsafe[0]}
			e.create(e.c, e.p("a"), nil, acl, api.ModePersistent)
			got, _, err := e.c.GetACL(e.ctx, e.p("a"))
			e.ok(err, "GetACL")
			if len(got) != 1 || got[0] != api.OpenACLUnsafe[0] {
				e.Fatalf("ACL = %+v, want one world:anyone entry", got)
			}
		}},
		{name: "acl/order-and-perms-kept", run: func(e *env) {
			acl := []api.ACL{
				{Perms: api.PermRead | api.PermWrite, Scheme: "world", ID: "anyone"},
				{Perms: api.PermAdmin, Scheme: "digest", ID: api.DigestID(aliceUser, alicePass)},
				{Perms: api.PermCreate, Scheme: "ip", ID: "10.1.2.0/24"},
			}
			acl = append(acl, e.owned(0)...)
			e.create(e.c, e.p("a"), nil, acl, api.ModePersistent)
			got, _, err := e.c.GetACL(e.ctx, e.p("a"))
			e.ok(err, "GetACL")
			if fmt.Sprint(got) != fmt.Sprint(acl) {
				e.Fatalf("ACL = %+v, want %+v", got, acl)
			}
		}},
		{name: "error/invalid-acl-before-no-parent", run: func(e *env) {
			// PrepRequestProcessor fixes up the ACL before it looks up
			// the parent.
			_, err := e.c.Create(e.ctx, e.p("missing", "a"), nil, []api.ACL{}, api.ModePersistent)
			e.code(err, api.ErrInvalidACL, "empty ACL under a missing parent")
		}},
		{name: "error/sequential-child-of-ephemeral", run: func(e *env) {
			e.create(e.c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			_, err := e.c.Create(e.ctx, e.p("e", "s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			e.code(err, api.ErrNoChildrenForEphemerals, "sequential child of an ephemeral")
		}},
	}
}
