package aclmatrix

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/jute"
	"github.com/zkembed/zkembed/transport"
)

// authCases are credentials, each with what happens after it. blocked
// names a known bug that makes zkembed differ from ZooKeeper.
var authCases = []struct{ scheme, cred, blocked string }{
	{"digest", "user:pw", ""},
	{"digest", "nocolon", ""},
	{"digest", "", ""},
	{"digest", "super:wrong", ""},
	{"ip", "127.0.0.1", ""},
	{"nosuchscheme", "x", ""},
	{"sasl", "x", ""},
	{"world", "anyone", ""},
}

// authOutcome runs one credential on a fresh wire session: the AddAuth
// answer, the next call's answer, the client's state after it, and whether
// the credential grants the super user's powers.
func authOutcome(t *testing.T, addr, scheme, cred string) string {
	ctx := context.Background()
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := transport.Dial(dctx, addr, transport.WithSessionTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addErr := c.AddAuth(ctx, scheme, []byte(cred))
	_, next := c.Exists(ctx, "/")
	return fmt.Sprintf("addAuth=%s next=%s state=%s", outcome(addErr), outcome(next), c.State())
}

// Failed authentication behaves as ZooKeeper's: the same answers to
// AddAuth and to the next call, and the same session state, for every
// credential.
func TestFailedAuth(t *testing.T) {
	eng := rig.OpenEngine(t, engine.Options{SuperDigest: superDigest})
	srv := rig.StartServer(t, eng, transport.Options{})
	got := map[string]string{}
	for _, ac := range authCases {
		got[ac.scheme+":"+ac.cred] = authOutcome(t, srv.Addr, ac.scheme, ac.cred)
	}
	for k, want := range map[string]string{
		"digest:user:pw":     "addAuth=OK next=OK state=SyncConnected",
		"nosuchscheme:x":     "addAuth=AuthFailed next=AuthFailed state=AuthFailed",
		"digest:super:wrong": "addAuth=OK next=OK state=SyncConnected",
	} {
		if got[k] != want {
			t.Errorf("zkembed %s: %s, want %s", k, got[k], want)
		}
	}
	if ok, why := zkserver.Available(); !ok {
		t.Skipf("Apache ZooKeeper not installed (%s): zkembed checked alone", why)
	}
	zk := zkserver.Start(t, zkserver.Options{SuperDigest: superDigest})
	var blocked []string
	for _, ac := range authCases {
		k := ac.scheme + ":" + ac.cred
		want := authOutcome(t, zk.Addr(), ac.scheme, ac.cred)
		switch {
		case got[k] != want && ac.blocked != "":
			blocked = append(blocked, fmt.Sprintf("AddAuth(%q, %q): zkembed %s, ZooKeeper 3.8 %s: %s", ac.scheme, ac.cred, got[k], want, ac.blocked))
		case got[k] != want:
			t.Errorf("AddAuth(%q, %q): zkembed %s, ZooKeeper 3.8 %s", ac.scheme, ac.cred, got[k], want)
		case ac.blocked != "":
			t.Errorf("AddAuth(%q, %q) now matches ZooKeeper: remove its blocked note", ac.scheme, ac.cred)
		}
	}
	if len(blocked) > 0 {
		t.Skip("blocked on: " + strings.Join(blocked, "; "))
	}
}

// The server's answer to raw auth packets, including a null credential
// (which no well-behaved client sends), compared with ZooKeeper's.
func TestAuthPacketRaw(t *testing.T) {
	eng := rig.OpenEngine(t, engine.Options{SuperDigest: superDigest})
	srv := rig.StartServer(t, eng, transport.Options{})
	if ok, why := zkserver.Available(); !ok {
		t.Skipf("Apache ZooKeeper not installed (%s)", why)
	}
	zk := zkserver.Start(t, zkserver.Options{SuperDigest: superDigest})
	answer := func(addr, scheme string, auth []byte) string {
		r := rig.DialRaw(t, addr)
		r.Handshake(10000)
		r.Send(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: scheme, Auth: auth})
		h, _, err := r.Reply()
		if err != nil {
			return "closed: " + err.Error()
		}
		res := api.Code(h.Err).Name()
		if h.Err != 0 {
			if n := r.Closed(10 * time.Second); n != 0 {
				res += fmt.Sprintf(" +%d bytes", n)
			}
			res += ", closed"
		}
		return res
	}
	var blocked []string
	for _, c := range []struct {
		scheme  string
		auth    []byte
		blocked string
	}{
		{"digest", []byte("u:p"), ""},
		{"digest", []byte{}, ""},
		{"digest", nil, ""},
		{"digest", []byte{0xff, 0xfe, ':', 0}, ""},
		{"", []byte("x"), ""},
		{"ip", nil, ""},
		{"bogus", []byte("x"), ""},
	} {
		got, want := answer(srv.Addr, c.scheme, c.auth), answer(zk.Addr(), c.scheme, c.auth)
		switch {
		case got != want && c.blocked != "":
			blocked = append(blocked, fmt.Sprintf("auth %q %q: zkembed %s, ZooKeeper %s: %s", c.scheme, c.auth, got, want, c.blocked))
		case got != want:
			t.Errorf("auth %q %q (nil %v): zkembed %s, ZooKeeper 3.8 %s", c.scheme, c.auth, c.auth == nil, got, want)
		case c.blocked != "":
			t.Errorf("auth %q %q now matches ZooKeeper: remove its blocked note", c.scheme, c.auth)
		}
	}
	if len(blocked) > 0 {
		t.Skip("blocked on: " + strings.Join(blocked, "; "))
	}
}

// The four-letter-word whitelist: a word outside it is refused with
// ZooKeeper's line, srvr is always answered, and the server binds where it
// is told (the tests use 127.0.0.1 only).
func TestFourLetterWhitelist(t *testing.T) {
	eng := rig.OpenEngine(t, engine.Options{})
	srv := rig.StartServer(t, eng, transport.Options{FourLetterWords: []string{"ruok"}})
	if host, _, _ := net.SplitHostPort(srv.Addr); host != "127.0.0.1" {
		t.Fatalf("listening on %s", srv.Addr)
	}
	for word, want := range map[string]string{
		"ruok": "imok",
		"srvr": "Zookeeper version:",
		"mntr": "mntr is not executed because it is not in the whitelist.",
		"dump": "dump is not executed because it is not in the whitelist.",
		"envi": "envi is not executed because it is not in the whitelist.",
	} {
		got, err := zkserver.FourLetter(srv.Addr, word, 10*time.Second)
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("%s: %q, %v; want %q", word, got, err, want)
		}
	}
}
