package apitest

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/zkembed/zkembed/api"
)

// guarded creates rel under the root with world granted perms (and the owner
// everything) and returns its path and an anonymous session.
func (e *env) guarded(rel string, world api.Perm) (string, api.Client) {
	e.Helper()
	p := e.create(e.c, e.p(rel), []byte("secret"), e.owned(world), api.ModePersistent)
	return p, e.connect()
}

func aclChecks() []check {
	all := api.PermAll
	return []check{
		{name: "read/get-denied", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermRead)
			_, _, err := o.Get(e.ctx, p)
			e.code(err, api.ErrNoAuth, "Get without READ")
			if !errors.Is(err, fs.ErrPermission) {
				e.Fatalf("NoAuth %v does not match fs.ErrPermission", err)
			}
		}},
		{name: "read/get-allowed", run: func(e *env) {
			p, o := e.guarded("a", api.PermRead)
			b, _, err := o.Get(e.ctx, p)
			e.ok(err, "Get with world READ")
			eq(e, string(b), "secret", "data")
		}},
		{name: "read/exists-denied", diff: &DiffExistsACL, run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermRead)
			st, err := o.Exists(e.ctx, p)
			if e.is39() {
				e.code(err, api.ErrNoAuth, "Exists without READ")
				return
			}
			e.ok(err, "Exists without READ (3.8)")
			if st == nil {
				e.Fatal("Exists without READ (3.8) = nil, want the Stat")
			}
		}},
		{name: "read/exists-missing-under-unreadable", run: func(e *env) {
			// The READ check applies to an existing znode only.
			p, o := e.guarded("a", 0)
			st, err := o.Exists(e.ctx, p+"/missing")
			e.ok(err, "Exists of a missing child of an unreadable znode")
			if st != nil {
				e.Fatalf("Exists = %+v, want nil", st)
			}
		}},
		{name: "read/children-denied", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermRead)
			_, _, err := o.Children(e.ctx, p)
			e.code(err, api.ErrNoAuth, "Children without READ")
		}},
		{name: "read/all-children-number-denied", needs: []Feature{FeatureGetAllChildrenNumber}, run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermRead)
			_, err := o.GetAllChildrenNumber(e.ctx, p)
			e.code(err, api.ErrNoAuth, "GetAllChildrenNumber without READ")
		}},
		{name: "read/get-missing-is-no-node", run: func(e *env) {
			_, o := e.guarded("a", 0)
			_, _, err := o.Get(e.ctx, e.p("a", "missing"))
			e.code(err, api.ErrNoNode, "Get of a missing child of an unreadable znode")
		}},
		{name: "write/set-denied", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermWrite)
			_, err := o.Set(e.ctx, p, []byte("x"), -1)
			e.code(err, api.ErrNoAuth, "Set without WRITE")
			b, _ := e.data(e.c, p)
			eq(e, string(b), "secret", "data after a denied Set")
		}},
		{name: "write/set-allowed-without-read", run: func(e *env) {
			p, o := e.guarded("a", api.PermWrite)
			_, err := o.Set(e.ctx, p, []byte("x"), -1)
			e.ok(err, "Set with WRITE only")
			_, _, err = o.Get(e.ctx, p)
			e.code(err, api.ErrNoAuth, "Get with WRITE only")
		}},
		{name: "write/set-missing-is-no-node", run: func(e *env) {
			_, o := e.guarded("a", 0)
			_, err := o.Set(e.ctx, e.p("a", "missing"), nil, -1)
			e.code(err, api.ErrNoNode, "Set of a missing znode")
		}},
		{name: "write/no-auth-before-bad-version", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermWrite)
			_, err := o.Set(e.ctx, p, nil, 42)
			e.code(err, api.ErrNoAuth, "Set without WRITE and a wrong version")
		}},
		{name: "create/denied", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermCreate)
			_, err := o.Create(e.ctx, p+"/c", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNoAuth, "Create without CREATE on the parent")
		}},
		{name: "create/denied-before-node-exists", run: func(e *env) {
			p := e.create(e.c, e.p("a"), nil, e.owned(all&^api.PermCreate), api.ModePersistent)
			e.create(e.c, p+"/c", nil, api.OpenACLUnsafe, api.ModePersistent)
			_, err := e.connect().Create(e.ctx, p+"/c", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNoAuth, "Create of an existing znode without CREATE")
		}},
		{name: "create/allowed-with-create-only", run: func(e *env) {
			p, o := e.guarded("a", api.PermCreate)
			e.create(o, p+"/c", nil, api.OpenACLUnsafe, api.ModePersistent)
		}},
		{name: "delete/denied", run: func(e *env) {
			p := e.create(e.c, e.p("a"), nil, e.owned(all&^api.PermDelete), api.ModePersistent)
			e.create(e.c, p+"/c", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(e.connect().Delete(e.ctx, p+"/c", -1), api.ErrNoAuth, "Delete without DELETE on the parent")
			e.stat(e.c, p+"/c")
		}},
		{name: "delete/denied-before-no-node", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermDelete)
			e.code(o.Delete(e.ctx, p+"/missing", -1), api.ErrNoAuth, "Delete of a missing child without DELETE")
		}},
		{name: "delete/own-acl-irrelevant", run: func(e *env) {
			// Only the parent's DELETE counts.
			e.create(e.c, e.p("c"), nil, e.owned(0), api.ModePersistent)
			e.ok(e.connect().Delete(e.ctx, e.p("c"), -1), "Delete of a znode whose own ACL grants nothing")
		}},
		{name: "admin/setacl-denied", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermAdmin)
			_, err := o.SetACL(e.ctx, p, api.OpenACLUnsafe, -1)
			e.code(err, api.ErrNoAuth, "SetACL without ADMIN")
		}},
		{name: "admin/setacl-allowed", run: func(e *env) {
			p, o := e.guarded("a", api.PermAdmin)
			_, err := o.SetACL(e.ctx, p, api.OpenACLUnsafe, -1)
			e.ok(err, "SetACL with ADMIN")
			b, _, err := o.Get(e.ctx, p)
			e.ok(err, "Get after opening the ACL")
			eq(e, string(b), "secret", "data")
		}},
		{name: "getacl/denied", run: func(e *env) {
			p, o := e.guarded("a", all&^(api.PermRead|api.PermAdmin))
			_, _, err := o.GetACL(e.ctx, p)
			e.code(err, api.ErrNoAuth, "GetACL without READ or ADMIN")
		}},
		{name: "getacl/admin-only-allowed", run: func(e *env) {
			p, o := e.guarded("a", api.PermAdmin)
			_, _, err := o.GetACL(e.ctx, p)
			e.ok(err, "GetACL with ADMIN only")
		}},
		{name: "getacl/masked-without-admin", run: func(e *env) {
			p, o := e.guarded("a", api.PermRead)
			acl, _, err := o.GetACL(e.ctx, p)
			e.ok(err, "GetACL with READ")
			var digest string
			for _, a := range acl {
				if a.Scheme == "digest" {
					digest = a.ID
				}
			}
			eq(e, digest, ownerUser+":x", "digest id seen without ADMIN")
		}},
		{name: "getacl/full-with-admin", run: func(e *env) {
			p, o := e.guarded("a", api.PermAdmin)
			acl, _, err := o.GetACL(e.ctx, p)
			e.ok(err, "GetACL with ADMIN")
			if len(acl) != 2 || acl[0].ID != api.DigestID(ownerUser, ownerPass) {
				e.Fatalf("ACL = %+v, want the owner's full digest id first", acl)
			}
		}},
		{name: "getacl/world-unmasked", run: func(e *env) {
			acl, _, err := e.connect().GetACL(e.ctx, e.mk("a", ""))
			e.ok(err, "GetACL")
			if len(acl) != 1 || acl[0] != api.OpenACLUnsafe[0] {
				e.Fatalf("ACL = %+v, want world:anyone cdrwa", acl)
			}
		}},
		{name: "getacl/no-node", run: func(e *env) {
			_, _, err := e.c.GetACL(e.ctx, e.p("a"))
			e.code(err, api.ErrNoNode, "GetACL of a missing znode")
		}},
		{name: "setacl/bad-version", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.SetACL(e.ctx, e.p("a"), api.ReadACLUnsafe, 5)
			e.code(err, api.ErrBadVersion, "SetACL with a wrong version")
		}},
		{name: "setacl/matching-version", run: func(e *env) {
			e.mk("a", "")
			st, err := e.c.SetACL(e.ctx, e.p("a"), api.OpenACLUnsafe, 0)
			e.ok(err, "SetACL at aversion 0")
			eq(e, st.Aversion, int32(1), "Aversion")
		}},
		{name: "setacl/empty", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.SetACL(e.ctx, e.p("a"), []api.ACL{}, -1)
			e.code(err, api.ErrInvalidACL, "SetACL with an empty ACL")
		}},
		{name: "setacl/no-node", run: func(e *env) {
			_, err := e.c.SetACL(e.ctx, e.p("a"), api.OpenACLUnsafe, -1)
			e.code(err, api.ErrNoNode, "SetACL of a missing znode")
		}},
		{name: "setacl/applies", run: func(e *env) {
			e.mk("a", "")
			_, err := e.c.SetACL(e.ctx, e.p("a"), api.ReadACLUnsafe, -1)
			e.ok(err, "SetACL")
			_, err = e.c.Set(e.ctx, e.p("a"), []byte("x"), -1)
			e.code(err, api.ErrNoAuth, "Set after SetACL to read-only")
		}},
		{name: "multi/check-needs-read", run: func(e *env) {
			p, o := e.guarded("a", all&^api.PermRead)
			_, err := o.Multi(e.ctx, &api.CheckRequest{Path: p, Version: -1})
			e.code(err, api.ErrNoAuth, "check in a multi without READ")
		}},
		{name: "not-inherited", run: func(e *env) {
			p := e.create(e.c, e.p("a"), nil, e.owned(api.PermCreate), api.ModePersistent)
			e.create(e.c, p+"/open", []byte("o"), api.OpenACLUnsafe, api.ModePersistent)
			b, _, err := e.connect().Get(e.ctx, p+"/open")
			e.ok(err, "Get of an open child of a closed parent")
			eq(e, string(b), "o", "data")
		}},
		{name: "perms-union", run: func(e *env) {
			acl := []api.ACL{
				{Perms: api.PermRead, Scheme: "world", ID: "anyone"},
				{Perms: api.PermAll, Scheme: "digest", ID: api.DigestID(aliceUser, alicePass)},
			}
			e.create(e.c, e.p("a"), nil, append(acl, e.owned(0)...), api.ModePersistent)
			o := e.connect()
			_, err := o.Set(e.ctx, e.p("a"), nil, -1)
			e.code(err, api.ErrNoAuth, "Set by an anonymous session")
			e.auth(o, aliceUser, alicePass)
			_, err = o.Set(e.ctx, e.p("a"), nil, -1)
			e.ok(err, "Set after authenticating as alice")
		}},
		{name: "digest/matching-user", run: func(e *env) {
			e.create(e.c, e.p("a"), []byte("d"), api.DigestACL(api.PermRead, aliceUser, alicePass), api.ModePersistent)
			o := e.connect()
			e.auth(o, aliceUser, alicePass)
			_, _, err := o.Get(e.ctx, e.p("a"))
			e.ok(err, "Get as alice")
		}},
		{name: "digest/wrong-password", run: func(e *env) {
			e.create(e.c, e.p("a"), nil, append(api.DigestACL(api.PermRead, aliceUser, alicePass), e.owned(0)...), api.ModePersistent)
			o := e.connect()
			e.ok(o.AddAuth(e.ctx, "digest", []byte(aliceUser+":wrong")), "AddAuth with a wrong password")
			_, _, err := o.Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoAuth, "Get with the wrong password")
		}},
		{name: "digest/other-user", run: func(e *env) {
			e.create(e.c, e.p("a"), nil, append(api.DigestACL(api.PermRead, aliceUser, alicePass), e.owned(0)...), api.ModePersistent)
			o := e.connect()
			e.ok(o.AddAuth(e.ctx, "digest", []byte("bob:"+alicePass)), "AddAuth bob")
			_, _, err := o.Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoAuth, "Get as bob")
		}},
		{name: "auth/creator-only", run: func(e *env) {
			c := e.connect()
			e.auth(c, aliceUser, alicePass)
			e.create(c, e.p("a"), nil, api.CreatorAllACL, api.ModePersistent)
			_, _, err := c.Get(e.ctx, e.p("a"))
			e.ok(err, "Get by the creator")
			_, _, err = e.connect().Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoAuth, "Get by another session")
		}},
		{name: "auth/other-session-same-identity", run: func(e *env) {
			c := e.connect()
			e.auth(c, aliceUser, alicePass)
			e.create(c, e.p("a"), nil, api.CreatorAllACL, api.ModePersistent)
			o := e.connect()
			e.auth(o, aliceUser, alicePass)
			_, _, err := o.Get(e.ctx, e.p("a"))
			e.ok(err, "Get by another session authenticated as alice")
		}},
		{name: "ip/exact", run: func(e *env) {
			if e.tg.ClientIP == "" {
				e.Skip("target sessions have no client address (Target.ClientIP)")
			}
			e.create(e.c, e.p("a"), nil, append([]api.ACL{{Perms: api.PermRead, Scheme: "ip", ID: e.tg.ClientIP}}, e.owned(0)...), api.ModePersistent)
			_, _, err := e.connect().Get(e.ctx, e.p("a"))
			e.ok(err, "Get from %s with ip:%s", e.tg.ClientIP, e.tg.ClientIP)
		}},
		{name: "ip/cidr", run: func(e *env) {
			if !strings.HasPrefix(e.tg.ClientIP, "127.") {
				e.Skip("target sessions do not come from 127.0.0.0/8 (Target.ClientIP)")
			}
			e.create(e.c, e.p("a"), nil, append([]api.ACL{{Perms: api.PermRead, Scheme: "ip", ID: "127.0.0.0/8"}}, e.owned(0)...), api.ModePersistent)
			_, _, err := e.connect().Get(e.ctx, e.p("a"))
			e.ok(err, "Get with ip:127.0.0.0/8")
		}},
		{name: "ip/no-match", run: func(e *env) {
			e.create(e.c, e.p("a"), nil, append([]api.ACL{{Perms: api.PermRead, Scheme: "ip", ID: "10.0.0.0/8"}}, e.owned(0)...), api.ModePersistent)
			_, _, err := e.connect().Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoAuth, "Get with ip:10.0.0.0/8")
		}},
		{name: "super/reads-anything", run: func(e *env) {
			e.create(e.c, e.p("a"), []byte("s"), e.owned(0), api.ModePersistent)
			b, _, err := e.superClient().Get(e.ctx, e.p("a"))
			e.ok(err, "Get as super")
			eq(e, string(b), "s", "data")
		}},
		{name: "super/writes-anything", run: func(e *env) {
			p := e.create(e.c, e.p("a"), nil, e.owned(0), api.ModePersistent)
			e.create(e.c, p+"/c", nil, e.owned(0), api.ModePersistent)
			s := e.superClient()
			_, err := s.Set(e.ctx, p, []byte("x"), -1)
			e.ok(err, "Set as super")
			_, err = s.SetACL(e.ctx, p+"/c", api.ReadACLUnsafe, -1)
			e.ok(err, "SetACL as super")
			e.create(s, p+"/d", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.ok(s.Delete(e.ctx, p+"/c", -1), "Delete as super")
		}},
		{name: "super/wrong-password-is-plain-digest", run: func(e *env) {
			if e.tg.SuperAuth == "" {
				e.Skip("target has no super digest (Target.SuperAuth)")
			}
			user, _, _ := strings.Cut(e.tg.SuperAuth, ":")
			e.create(e.c, e.p("a"), nil, e.owned(0), api.ModePersistent)
			o := e.connect()
			e.ok(o.AddAuth(e.ctx, "digest", []byte(user+":not-the-password")), "AddAuth")
			_, _, err := o.Get(e.ctx, e.p("a"))
			e.code(err, api.ErrNoAuth, "Get with the super user's name and a wrong password")
		}},
		{name: "setacl/auth-expands", run: func(e *env) {
			e.auth(e.c, ownerUser, ownerPass)
			e.mk("a", "")
			st, err := e.c.SetACL(e.ctx, e.p("a"), api.CreatorAllACL, -1)
			e.ok(err, "SetACL auth:")
			eq(e, st.Aversion, int32(1), "Aversion")
			acl, _, err := e.c.GetACL(e.ctx, e.p("a"))
			e.ok(err, "GetACL")
			if len(acl) != 1 || acl[0] != api.DigestACL(api.PermAll, ownerUser, ownerPass)[0] {
				e.Fatalf("ACL = %+v, want the owner's digest", acl)
			}
		}},
	}
}
