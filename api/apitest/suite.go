package apitest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

// check is one named conformance check.
type check struct {
	name  string
	needs []Feature   // features the target must have
	diff  *Difference // the 3.8 difference this check covers, if any
	run   func(e *env)
}

type group struct {
	name   string
	checks []check
}

// groups is every check of the suite, in the order Run runs them.
func groups() []group {
	return []group{
		{"create", createChecks()},
		{"stat", statChecks()},
		{"ops", opsChecks()},
		{"acl", aclChecks()},
		{"watch", watchChecks()},
		{"multi", multiChecks()},
		{"paths", pathChecks()},
		{"system", systemChecks()},
		{"session", sessionChecks()},
		{"reap", reapChecks()},
	}
}

// Checks returns the name of every check, "group/check", as Run names its
// subtests.
func Checks() []string {
	var names []string
	for _, g := range groups() {
		for _, c := range g.checks {
			names = append(names, g.name+"/"+c.name)
		}
	}
	return names
}

// Run runs every check against target, each as a subtest named
// "group/check".
func Run(t *testing.T, target Target) {
	t.Helper()
	if target.Connect == nil {
		t.Fatal("apitest: Target.Connect is nil")
	}
	tg := &target
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	top := "/apitest-" + hex.EncodeToString(rnd[:])
	admin := tg.Connect(t)
	ctx := context.Background()
	if _, err := admin.Create(ctx, top, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		admin.Close()
		t.Fatalf("apitest: create the suite's root %s: %v", top, err)
	}
	t.Cleanup(func() {
		if err := admin.Delete(ctx, top, -1); err != nil && !errors.Is(err, api.ErrNoNode) {
			t.Errorf("apitest: delete the suite's root %s: %v", top, err)
		}
		admin.Close()
	})
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) {
					runCheck(t, tg, top+"/"+g.name+"-"+strings.ReplaceAll(c.name, "/", "_"), c)
				})
			}
		})
	}
}

func runCheck(t *testing.T, tg *Target, root string, c check) {
	for _, f := range c.needs {
		if why, ok := tg.Lacks[f]; ok {
			t.Skipf("target lacks %s: %s", f, why)
		}
	}
	if c.diff != nil && tg.Reference == ZooKeeper38 {
		t.Logf("known difference %q: 3.9 (spec): %s; 3.8: %s — expecting the 3.8 behaviour", c.diff.Name, c.diff.Spec, c.diff.Was)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e := &env{T: t, tg: tg, ctx: ctx, root: root}
	e.c = e.connect()
	if _, err := e.c.Create(ctx, root, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatalf("create the check's root %s: %v", root, err)
	}
	// Registered after the root's session, so it runs before that
	// session is closed: cleanups run last-in first-out, and every
	// session the check opens later is closed (its ephemerals gone)
	// before the tree is removed.
	t.Cleanup(e.removeTree)
	c.run(e)
}

// env is one check's environment: its root path, its first session and the
// credentials it used.
type env struct {
	*testing.T
	tg    *Target
	ctx   context.Context
	root  string
	c     api.Client // the session that created root
	creds []string   // digest user:password pairs used, for the cleanup
}

// Test identities. Restricted ACLs always grant everything to owner, so the
// cleanup (authenticated as owner) can remove the tree.
const (
	ownerUser = "apitest-owner"
	ownerPass = "owner-secret"
	aliceUser = "apitest-alice"
	alicePass = "alice-secret"
)

func (e *env) is39() bool { return e.tg.Reference != ZooKeeper38 }

// connect opens a new session that is closed when the check ends.
func (e *env) connect() api.Client {
	e.Helper()
	c := e.tg.Connect(e.T)
	e.Cleanup(func() { c.Close() })
	return c
}

// p returns the path of rel under the check's root ("" is the root).
func (e *env) p(rel ...string) string {
	if len(rel) == 0 || (len(rel) == 1 && rel[0] == "") {
		return e.root
	}
	return e.root + "/" + strings.Join(rel, "/")
}

// auth adds the digest identity user:pass to c.
func (e *env) auth(c api.Client, user, pass string) {
	e.Helper()
	cred := user + ":" + pass
	if !slices.Contains(e.creds, cred) {
		e.creds = append(e.creds, cred)
	}
	if err := c.AddAuth(e.ctx, "digest", []byte(cred)); err != nil {
		e.Fatalf("AddAuth(digest, %s): %v", cred, err)
	}
}

// owned returns an ACL granting world the given perms and owner everything,
// and authenticates the check's first session as owner.
func (e *env) owned(world api.Perm) []api.ACL {
	e.Helper()
	if !slices.Contains(e.creds, ownerUser+":"+ownerPass) {
		e.auth(e.c, ownerUser, ownerPass)
	}
	acl := api.DigestACL(api.PermAll, ownerUser, ownerPass)
	if world != 0 {
		acl = append(acl, api.ACL{Perms: world, Scheme: "world", ID: "anyone"})
	}
	return acl
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// removeTree deletes the check's root and everything under it, using a
// session that holds every identity the check used (and super, if any).
func (e *env) removeTree() {
	c := e.tg.Connect(e.T)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if e.tg.SuperAuth != "" {
		if err := c.AddAuth(ctx, "digest", []byte(e.tg.SuperAuth)); err != nil {
			e.Errorf("cleanup: AddAuth super: %v", err)
		}
	}
	for _, cred := range e.creds {
		if err := c.AddAuth(ctx, "digest", []byte(cred)); err != nil {
			e.Errorf("cleanup: AddAuth %s: %v", cred, err)
		}
	}
	if err := deleteTree(ctx, c, e.root); err != nil {
		e.Errorf("cleanup: remove %s: %v", e.root, err)
	}
}

func deleteTree(ctx context.Context, c api.Client, path string) error {
	kids, _, err := c.Children(ctx, path)
	if errors.Is(err, api.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := deleteTree(ctx, c, path+"/"+k); err != nil {
			return err
		}
	}
	if err := c.Delete(ctx, path, -1); err != nil && !errors.Is(err, api.ErrNoNode) {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// ---- assertions ----

// ok fails the check if err is not nil.
func (e *env) ok(err error, what string, args ...any) {
	e.Helper()
	if err != nil {
		e.Fatalf("%s: unexpected error %v", fmt.Sprintf(what, args...), err)
	}
}

// code fails the check unless err carries want.
func (e *env) code(err error, want api.Code, what string, args ...any) {
	e.Helper()
	if got := api.CodeOf(err); got != want || (want != api.OK && !errors.Is(err, want)) {
		e.Fatalf("%s: got error %v (%s), want %s", fmt.Sprintf(what, args...), err, got.Name(), want.Name())
	}
}

// codeIn fails the check unless err carries one of want.
func (e *env) codeIn(err error, what string, want ...api.Code) {
	e.Helper()
	got := api.CodeOf(err)
	if err == nil || !slices.Contains(want, got) {
		names := make([]string, len(want))
		for i, w := range want {
			names[i] = w.Name()
		}
		e.Fatalf("%s: got error %v, want one of %v", what, err, names)
	}
}

// create creates path with c and fails the check on error.
func (e *env) create(c api.Client, path string, data []byte, acl []api.ACL, mode api.CreateMode) string {
	e.Helper()
	name, err := c.Create(e.ctx, path, data, acl, mode)
	e.ok(err, "Create(%s, %v)", path, mode)
	return name
}

// mk creates a persistent, open znode under the root and returns its path.
func (e *env) mk(rel string, data string) string {
	e.Helper()
	return e.create(e.c, e.p(rel), []byte(data), api.OpenACLUnsafe, api.ModePersistent)
}

// create2 creates path with c via Create2 and fails the check on error.
func (e *env) create2(c api.Client, path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration) (string, *api.Stat) {
	e.Helper()
	name, st, err := c.Create2(e.ctx, path, data, acl, mode, ttl)
	e.ok(err, "Create2(%s, %v, ttl %v)", path, mode, ttl)
	if st == nil {
		e.Fatalf("Create2(%s) returned a nil Stat", path)
	}
	return name, st
}

// stat returns path's Stat and fails the check if it does not exist.
func (e *env) stat(c api.Client, path string) *api.Stat {
	e.Helper()
	st, err := c.Exists(e.ctx, path)
	e.ok(err, "Exists(%s)", path)
	if st == nil {
		e.Fatalf("Exists(%s) = nil: the znode does not exist", path)
	}
	return st
}

// gone fails the check if path exists (seen by c).
func (e *env) gone(c api.Client, path string) {
	e.Helper()
	st, err := c.Exists(e.ctx, path)
	e.ok(err, "Exists(%s)", path)
	if st != nil {
		e.Fatalf("Exists(%s) = %+v, want no znode", path, st)
	}
}

// data returns path's data and fails the check on error.
func (e *env) data(c api.Client, path string) ([]byte, *api.Stat) {
	e.Helper()
	b, st, err := c.Get(e.ctx, path)
	e.ok(err, "Get(%s)", path)
	return b, st
}

// eq fails the check unless got equals want.
func eq[T comparable](e *env, got, want T, what string, args ...any) {
	e.Helper()
	if got != want {
		e.Fatalf("%s = %v, want %v", fmt.Sprintf(what, args...), got, want)
	}
}

// sameSet fails the check unless got and want hold the same strings.
func (e *env) sameSet(got, want []string, what string) {
	e.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		e.Fatalf("%s = %q, want %q (any order)", what, g, w)
	}
}

// ---- events ----

// event waits, bounded, for the next event on ch.
func (e *env) event(ch <-chan api.Event, what string) api.Event {
	e.Helper()
	if ch == nil {
		e.Fatalf("%s: nil watch channel", what)
	}
	select {
	case ev, ok := <-ch:
		if !ok {
			e.Fatalf("%s: channel closed, want an event", what)
		}
		return ev
	case <-time.After(e.tg.eventTimeout()):
		e.Fatalf("%s: no event within %v", what, e.tg.eventTimeout())
	}
	return api.Event{}
}

// wantEvent waits for the next event on ch and checks its type and path.
func (e *env) wantEvent(ch <-chan api.Event, typ api.EventType, path string) api.Event {
	e.Helper()
	ev := e.event(ch, fmt.Sprintf("waiting for %v on %s", typ, path))
	if ev.Type != typ || ev.Path != path {
		e.Fatalf("event = {%v %q state %v}, want {%v %q}", ev.Type, ev.Path, ev.State, typ, path)
	}
	if ev.Type != api.EventNone && ev.State != api.StateSyncConnected {
		e.Fatalf("event %v on %s has state %v, want SyncConnected", ev.Type, ev.Path, ev.State)
	}
	return ev
}

// closedAfter checks that ch is closed (bounded wait): a one-shot watch's
// channel closes after its one event.
func (e *env) closedAfter(ch <-chan api.Event, what string) {
	e.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			e.Fatalf("%s: got a second event %+v on a one-shot channel, want it closed", what, ev)
		}
	case <-time.After(e.tg.eventTimeout()):
		e.Fatalf("%s: channel not closed within %v", what, e.tg.eventTimeout())
	}
}

// noEvent fails the check if an event is waiting on ch now.
func (e *env) noEvent(ch <-chan api.Event, what string) {
	e.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			e.Fatalf("%s: unexpected event %+v", what, ev)
		}
		e.Fatalf("%s: channel unexpectedly closed", what)
	default:
	}
}

// needSuper skips the check unless the target has a super user, and returns
// a session authenticated as super.
func (e *env) superClient() api.Client {
	e.Helper()
	if e.tg.SuperAuth == "" {
		e.Skip("target has no super digest (Target.SuperAuth)")
	}
	c := e.connect()
	if err := c.AddAuth(e.ctx, "digest", []byte(e.tg.SuperAuth)); err != nil {
		e.Fatalf("AddAuth super: %v", err)
	}
	return c
}
