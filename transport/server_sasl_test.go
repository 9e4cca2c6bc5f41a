package transport

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/digestmd5"
	"github.com/zkembed/zkembed/jute"
)

var saslUsers = &SASLOptions{Users: map[string]string{"bob": "bob-secret", "admin": "admin-secret"}, SuperUsers: []string{"admin"}}

func dialSASL(t testing.TB, addr, user, password string) (*Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts := []ClientOption{WithConnectTimeout(2 * time.Second)}
	if user != "" {
		opts = append(opts, WithSASL(user, password))
	}
	c, err := Dial(ctx, addr, opts...)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func TestSASLDigestMD5(t *testing.T) {
	ts := startServer(t, Options{SASL: saslUsers})
	ctx := context.Background()
	bob, err := dialSASL(t, ts.addr, "bob", "bob-secret")
	if err != nil {
		t.Fatal(err)
	}
	if got := identities(t, bob); !slices.Equal(got, []string{"ip:127.0.0.1", "sasl:bob"}) {
		t.Fatalf("whoAmI = %q", got)
	}
	if _, err := bob.Create(ctx, "/s", []byte("v"), []api.ACL{{Perms: api.PermAll, Scheme: "sasl", ID: "bob"}}, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	anon, err := dialSASL(t, ts.addr, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := anon.Get(ctx, "/s"); !errors.Is(err, api.ErrNoAuth) {
		t.Fatalf("anonymous get: %v", err)
	}
	admin, err := dialSASL(t, ts.addr, "admin", "admin-secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := admin.Get(ctx, "/s"); err != nil {
		t.Fatalf("super user get: %v", err)
	}
	// A wrong password: Dial fails with AuthFailed, one log line, no secret.
	if _, err := dialSASL(t, ts.addr, "bob", "not-it-42"); !errors.Is(err, api.ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
	logs := ts.logs.String()
	if n := strings.Count(logs, "SASL authentication failed"); n != 1 {
		t.Fatalf("%d failure lines:\n%s", n, logs)
	}
	for _, s := range []string{"not-it-42", "bob-secret", "admin-secret"} {
		if strings.Contains(logs, s) {
			t.Fatalf("logs carry a password:\n%s", logs)
		}
	}
	if _, _, err := bob.Get(ctx, "/s"); err != nil {
		t.Fatalf("bob after the refusal: %v", err)
	}
}

// TestSASLRaw drives the packets by hand: malformed and replayed tokens are
// answered AuthFailed with zxid 0 and an empty token record, and the
// connection closes; without SASL configured a sasl packet is answered
// with no token.
func TestSASLRaw(t *testing.T) {
	ts := startServer(t, Options{SASL: saslUsers})
	saslReply := func(rc *rawClient) (jute.ReplyHeader, jute.SetSASLResponse) {
		t.Helper()
		h, r := rc.reply()
		var resp jute.SetSASLResponse
		resp.Decode(r)
		if r.Err() != nil {
			t.Fatalf("reply body: %v", r.Err())
		}
		return h, resp
	}
	// Malformed token after the challenge.
	rc, _ := ts.rawSession(t, "tcp")
	rc.send(1, jute.OpSASL, &jute.GetSASLRequest{Token: []byte{}})
	h, ch := saslReply(rc)
	if h.Err != 0 || h.Zxid != 0 || !strings.Contains(string(ch.Token), `realm="zk-sasl-md5"`) {
		t.Fatalf("challenge: %+v %q", h, ch.Token)
	}
	rc.send(2, jute.OpSASL, &jute.GetSASLRequest{Token: []byte(`username="bob",nonce=`)})
	h, resp := saslReply(rc)
	if api.Code(h.Err) != api.ErrAuthFailed || h.Xid != 2 || h.Zxid != 0 || resp.Token != nil {
		t.Fatalf("malformed token: %+v %q", h, resp.Token)
	}
	rc.expectClosed(1 << 16)

	// A response made for one connection's nonce, replayed on another.
	rc1, _ := ts.rawSession(t, "tcp")
	rc1.send(1, jute.OpSASL, &jute.GetSASLRequest{Token: []byte{}})
	_, ch1 := saslReply(rc1)
	cl := &digestmd5.Client{User: "bob", Password: "bob-secret"}
	cl.Step(nil)
	tok, _, err := cl.Step(ch1.Token)
	if err != nil {
		t.Fatal(err)
	}
	rc2, _ := ts.rawSession(t, "tcp")
	rc2.send(1, jute.OpSASL, &jute.GetSASLRequest{Token: []byte{}})
	saslReply(rc2)
	rc2.send(2, jute.OpSASL, &jute.GetSASLRequest{Token: tok})
	if h, _ := saslReply(rc2); api.Code(h.Err) != api.ErrAuthFailed {
		t.Fatalf("replayed token: %+v", h)
	}
	rc2.expectClosed(1 << 16)
	// The first connection still completes with it.
	rc1.send(2, jute.OpSASL, &jute.GetSASLRequest{Token: tok})
	if h, resp := saslReply(rc1); h.Err != 0 || !strings.HasPrefix(string(resp.Token), "rspauth=") {
		t.Fatalf("own token: %+v %q", h, resp.Token)
	}
	// A token after completion fails too.
	rc1.send(3, jute.OpSASL, &jute.GetSASLRequest{Token: tok})
	if h, _ := saslReply(rc1); api.Code(h.Err) != api.ErrAuthFailed {
		t.Fatalf("token after completion: %+v", h)
	}
	rc1.expectClosed(1 << 16)

	// No SASL configured: answered OK with a null token.
	plain := startServer(t, Options{})
	rc3, _ := plain.rawSession(t, "tcp")
	rc3.send(1, jute.OpSASL, &jute.GetSASLRequest{Token: []byte{}})
	if h, resp := saslReply(rc3); h.Err != 0 || resp.Token != nil {
		t.Fatalf("without SASL: %+v %q", h, resp.Token)
	}
}

// TestEnforceAuth: with sasl enforced, a session that has not done SASL is
// answered SessionClosedRequireSaslAuth on its first request and closed;
// one that has goes on. With digest enforced, an auth packet suffices.
func TestEnforceAuth(t *testing.T) {
	ts := startServer(t, Options{SASL: saslUsers, EnforceAuth: []string{"sasl"}})
	rc, _ := ts.rawSession(t, "tcp")
	rc.send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"})
	h, _ := rc.reply()
	if api.Code(h.Err) != api.ErrSessionClosedRequireSASLAuth || h.Xid != 1 || h.Zxid != 0 {
		t.Fatalf("unauthenticated exists: %+v", h)
	}
	rc.expectClosed(1 << 16)
	bob, err := dialSASL(t, ts.addr, "bob", "bob-secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Exists(context.Background(), "/"); err != nil {
		t.Fatal(err)
	}
	// A failed SASL exchange under enforcement answers
	// SessionClosedRequireSaslAuth.
	rc2, _ := ts.rawSession(t, "tcp")
	rc2.send(1, jute.OpSASL, &jute.GetSASLRequest{Token: []byte("x")})
	if h, _ := rc2.reply(); api.Code(h.Err) != api.ErrSessionClosedRequireSASLAuth {
		t.Fatalf("failed SASL under enforcement: %+v", h)
	}

	dg := startServer(t, Options{EnforceAuth: []string{"digest"}})
	rc3, _ := dg.rawSession(t, "tcp")
	rc3.send(-4, jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("u:p")})
	rc3.send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"})
	if h, _ := rc3.reply(); h.Err != 0 {
		t.Fatalf("auth: %+v", h)
	}
	if h, _ := rc3.reply(); h.Err != 0 || h.Xid != 1 {
		t.Fatalf("exists after digest auth: %+v", h)
	}
}
