package aclmatrix

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/transport"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	superDigest = api.DigestID("super", "secret")
	// The identities a session may hold.
	identities = []struct{ name, cred string }{
		{"anonymous", ""},
		{"owner", "owner:pw"},
		{"other", "other:pw"},
		{"super", "super:secret"},
		// Over TLS only: a client certificate, and SASL DIGEST-MD5.
		{"x509", ""},
		{"sasl", ""},
	}
	perms = []api.Perm{api.PermRead, api.PermWrite, api.PermCreate, api.PermDelete, api.PermAdmin, api.PermAll}
)

// aclForm is one way of writing an ACL for perms p.
type aclForm struct {
	name string
	acl  func(p api.Perm) []api.ACL
}

var aclForms = []aclForm{
	{"world:anyone", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "world", ID: "anyone"}} }},
	{"digest:owner", func(p api.Perm) []api.ACL { return api.DigestACL(p, "owner", "pw") }},
	{"auth", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "auth"}} }}, // set by the owner's session
	{"ip:127.0.0.1", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "ip", ID: "127.0.0.1"}} }},
	{"ip:127.0.0.0/8", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "ip", ID: "127.0.0.0/8"}} }},
	{"ip:10.0.0.0/8", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "ip", ID: "10.0.0.0/8"}} }},
	{"x509:alice", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "x509", ID: x509DN}} }},
	{"sasl:bob", func(p api.Perm) []api.ACL { return []api.ACL{{Perms: p, Scheme: "sasl", ID: saslUser}} }},
	{"digest:other+world:r", func(p api.Perm) []api.ACL {
		return append(api.DigestACL(p, "other", "pw"), api.ACL{Perms: api.PermRead, Scheme: "world", ID: "anyone"})
	}},
}

// operation is one call on the znode t (whose ACL is under test) by a
// session identified as who.
type operation struct {
	name string
	do   func(ctx context.Context, c api.Client, t, who string) error
}

var operations = []operation{
	{"getData", func(ctx context.Context, c api.Client, t, _ string) error { _, _, err := c.Get(ctx, t); return err }},
	{"exists", func(ctx context.Context, c api.Client, t, _ string) error { _, err := c.Exists(ctx, t); return err }},
	{"getChildren", func(ctx context.Context, c api.Client, t, _ string) error {
		_, _, err := c.Children(ctx, t)
		return err
	}},
	{"getAllChildrenNumber", func(ctx context.Context, c api.Client, t, _ string) error {
		_, err := c.GetAllChildrenNumber(ctx, t)
		return err
	}},
	{"getACL", func(ctx context.Context, c api.Client, t, _ string) error { _, _, err := c.GetACL(ctx, t); return err }},
	{"getDataW", func(ctx context.Context, c api.Client, t, _ string) error { _, _, _, err := c.GetW(ctx, t); return err }},
	{"addWatch", func(ctx context.Context, c api.Client, t, _ string) error {
		_, err := c.AddWatch(ctx, t, api.AddWatchPersistent)
		return err
	}},
	{"multiRead", func(ctx context.Context, c api.Client, t, _ string) error {
		res, err := c.MultiRead(ctx, &api.GetDataRequest{Path: t})
		if err != nil {
			return err
		}
		return res[0].Err
	}},
	{"setData", func(ctx context.Context, c api.Client, t, _ string) error {
		_, err := c.Set(ctx, t, []byte("x"), -1)
		return err
	}},
	{"create child", func(ctx context.Context, c api.Client, t, who string) error {
		_, err := c.Create(ctx, t+"/new-"+who, nil, api.OpenACLUnsafe, api.ModePersistent)
		return err
	}},
	{"delete child", func(ctx context.Context, c api.Client, t, who string) error { return c.Delete(ctx, t+"/old-"+who, -1) }},
	{"multi check+set", func(ctx context.Context, c api.Client, t, _ string) error {
		_, err := c.Multi(ctx, &api.CheckRequest{Path: t, Version: -1}, &api.SetDataRequest{Path: t, Data: []byte("m"), Version: -1})
		return err
	}},
	{"multi create child", func(ctx context.Context, c api.Client, t, who string) error {
		_, err := c.Multi(ctx, &api.CreateRequest{Path: t + "/multi-" + who, ACL: api.OpenACLUnsafe})
		return err
	}},
	{"setACL (same)", nil}, // filled in by run: it needs the znode's ACL
}

// target opens sessions on one implementation.
type target struct {
	name string
	// open returns the session of identity name holding cred ("" for
	// none), or nil if the target cannot hold that identity.
	open func(t *testing.T, name, cred string) api.Client
}

func directTarget(t *testing.T) target {
	eng := rig.OpenEngine(t, engine.Options{SuperDigest: superDigest})
	return target{"zkembed direct", func(t *testing.T, name, cred string) api.Client {
		if name == "x509" || name == "sasl" {
			return nil // proven by a connection: wire targets only
		}
		c, err := eng.Session(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if cred != "" {
			if err := c.AddAuth(context.Background(), "digest", []byte(cred)); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}}
}

func wireTarget(name, addr string, sec *secureSetup) target {
	return target{name, func(t *testing.T, who, cred string) api.Client {
		opts := []transport.ClientOption{transport.WithSessionTimeout(20 * time.Second)}
		if sec != nil {
			opts = append(opts, sec.clientOptions(who)...)
		} else if who == "x509" || who == "sasl" {
			return nil
		}
		if cred != "" {
			opts = append(opts, transport.WithAuth("digest", []byte(cred)))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := transport.Dial(ctx, addr, opts...)
		if err != nil {
			t.Fatalf("%s: dial: %v", name, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}}
}

// table maps "acl | perms | identity | operation" to the outcome's name.
type table map[string]string

// run fills the outcome table of one target: for every ACL form and perm,
// a znode /m/<form>-<perm> with two children per identity to delete,
// its ACL set last by the owner's session; then every identity runs every
// operation on it.
func run(t *testing.T, tg target) table {
	ctx := context.Background()
	sessions := map[string]api.Client{}
	for _, id := range identities {
		if c := tg.open(t, id.name, id.cred); c != nil {
			sessions[id.name] = c
		}
	}
	owner := sessions["owner"]
	if _, err := owner.Create(ctx, "/m", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	out := table{}
	for fi, form := range aclForms {
		for _, p := range perms {
			z := fmt.Sprintf("/m/f%d-%s", fi, strings.ReplaceAll(p.String(), "cdrwa", "all"))
			if _, err := owner.Create(ctx, z, []byte("d"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
				t.Fatalf("%s: create %s: %v", tg.name, z, err)
			}
			for _, id := range identities {
				if _, err := owner.Create(ctx, z+"/old-"+id.name, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
					t.Fatalf("%s: %v", tg.name, err)
				}
			}
			if _, err := owner.SetACL(ctx, z, form.acl(p), -1); err != nil {
				t.Fatalf("%s: setACL %s %v: %v", tg.name, z, form.acl(p), err)
			}
			// The ACL as stored (auth expanded), read by the super user.
			stored, _, err := sessions["super"].GetACL(ctx, z)
			if err != nil {
				t.Fatalf("%s: getACL as super: %v", tg.name, err)
			}
			for _, id := range identities {
				c := sessions[id.name]
				if c == nil {
					continue
				}
				for _, op := range operations {
					do := op.do
					if do == nil {
						do = func(ctx context.Context, c api.Client, t, _ string) error {
							_, err := c.SetACL(ctx, t, stored, -1)
							return err
						}
					}
					err := do(ctx, c, z, id.name)
					key := fmt.Sprintf("%-22s | %-5s | %-9s | %s", form.name, p, id.name, op.name)
					out[key] = outcome(err)
				}
			}
		}
	}
	return out
}

func outcome(err error) string {
	if err == nil {
		return "OK"
	}
	var c api.Code
	if errors.As(err, &c) {
		return c.Name()
	}
	return "error: " + err.Error()
}

// difference is a documented, expected difference of one operation's
// outcome between two implementations.
type difference struct {
	op, a, b, why string
}

// compare reports every cell where b differs from a.
func compare(t *testing.T, aName string, a table, bName string, b table, allowed []difference) {
	t.Helper()
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	diffs, excused := 0, 0
	for _, k := range keys {
		if a[k] == b[k] {
			continue
		}
		if why, ok := allowedDiff(k, a[k], b[k], allowed); ok {
			excused++
			t.Logf("expected difference (%s): %s: %s %s, %s %s", why, k, aName, a[k], bName, b[k])
			continue
		}
		if diffs++; diffs <= 40 {
			t.Errorf("%s: %s says %s, %s says %s", k, aName, a[k], bName, b[k])
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d cells differ between %s and %s", diffs, len(keys), aName, bName)
	}
	t.Logf("%d cells compared between %s and %s: %d identical, %d expected differences", len(keys), aName, bName, len(keys)-diffs-excused, excused)
}

// allowedDiff reports whether cell k's outcomes are a documented
// difference.
func allowedDiff(k, a, b string, allowed []difference) (string, bool) {
	for _, d := range allowed {
		if strings.HasSuffix(k, "| "+d.op) && a == d.a && b == d.b {
			return d.why, true
		}
	}
	return "", false
}

// sanity checks a few cells every implementation must agree on.
func sanity(t *testing.T, name string, tb table) {
	t.Helper()
	for k, want := range map[string]string{
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "world:anyone", "r", "anonymous", "getData"):        "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "world:anyone", "r", "anonymous", "setData"):        "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "digest:owner", "w", "owner", "setData"):            "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "digest:owner", "w", "other", "setData"):            "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "digest:owner", "r", "super", "setData"):            "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "ip:10.0.0.0/8", "cdrwa", "anonymous", "getData"):   "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "ip:127.0.0.0/8", "c", "anonymous", "create child"): "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "auth", "d", "owner", "delete child"):               "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "auth", "d", "other", "delete child"):               "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "world:anyone", "a", "anonymous", "setACL (same)"):  "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "world:anyone", "w", "anonymous", "setACL (same)"):  "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "x509:alice", "r", "owner", "getData"):              "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "sasl:bob", "w", "super", "setData"):                "OK",
	} {
		if got, ok := tb[k]; !ok || got != want {
			t.Errorf("%s: %s = %q, want %q", name, k, got, want)
		}
	}
}

func TestACLMatrix(t *testing.T) {
	direct := run(t, directTarget(t))
	sanity(t, "zkembed direct", direct)
	sec := newSecureSetup(t)
	eng := rig.OpenEngine(t, engine.Options{SuperDigest: superDigest})
	srv := rig.StartServer(t, eng, transport.Options{SASL: &transport.SASLOptions{Users: map[string]string{saslUser: saslPass}}})
	wire := run(t, wireTarget("zkembed wire", sec.serveTLS(t, srv), sec))
	sanity(t, "zkembed wire", wire)
	for k, want := range map[string]string{
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "x509:alice", "r", "x509", "getData"): "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "x509:alice", "r", "sasl", "getData"): "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "sasl:bob", "w", "sasl", "setData"):   "OK",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "sasl:bob", "w", "x509", "setData"):   "NoAuth",
		fmt.Sprintf("%-22s | %-5s | %-9s | %s", "auth", "r", "x509", "getData"):       "NoAuth",
	} {
		if got := wire[k]; got != want {
			t.Errorf("zkembed wire: %s = %q, want %q", k, got, want)
		}
	}
	compare(t, "zkembed direct", direct, "zkembed wire", wire, nil)
	t.Logf("%d ACL forms × %d permission sets × %d identities × %d operations = %d cells",
		len(aclForms), len(perms), len(identities), len(operations), len(wire))

	if ok, why := zkserver.Available(); !ok {
		t.Skipf("Apache ZooKeeper not installed (%s): compared zkembed direct and wire only", why)
	}
	port := freePort(t)
	zkserver.Start(t, sec.apacheOptions(port))
	apache := run(t, wireTarget("ZooKeeper 3.8", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), sec))
	compare(t, "zkembed wire", wire, "ZooKeeper 3.8", apache, since38)
}

// since38 are the checks ZooKeeper changed after 3.8; zkembed follows
// 3.9.
var since38 = []difference{
	{op: "exists", a: "NoAuth", b: "OK",
		why: "3.9's FinalRequestProcessor checks READ for exists on an existing znode; 3.8 checks nothing"},
}
