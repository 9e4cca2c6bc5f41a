package hostile

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/jute"
	"github.com/zkembed/zkembed/transport"
)

// refValidPath is an independent reading of ZooKeeper's
// PathUtils.validatePath, segment by segment, with Java's view of a Go
// string: invalid UTF-8 decodes to U+FFFD and anything beyond the Basic
// Multilingual Plane is a surrogate pair; both are refused.
func refValidPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if p == "/" {
		return true
	}
	if strings.HasSuffix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	for _, r := range p {
		switch {
		case r == 0,
			r > 0 && r <= 0x1f,
			r >= 0x7f && r <= 0x9f,
			r >= 0xd800 && r <= 0xf8ff,
			r >= 0xfff0 && r <= 0xffff, // includes U+FFFD, what invalid UTF-8 becomes
			r > 0xffff:
			return false
		}
	}
	return true
}

func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"/", "", "a", "/a", "/a/", "//", "/a//b", "/.", "/..", "/a/.", "/a/../b", "/...", "/a.b",
		"/.a", "/a\x00", "/\x1f", "/\x7f", "/\u0080", "/\u009f", "/\u00a0", "/\ud7ff", "/\ue000", "/\uf8ff", "/\uf900",
		"/\ufff0", "/\ufffd", "/\uffff", "/😀", "/\xff", "/a\xc0\x80", "/zookeeper/quota", "/x/y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		err := api.ValidatePath(p)
		if want := refValidPath(p); (err == nil) != want {
			t.Fatalf("ValidatePath(%q) = %v, ZooKeeper's rules say valid=%v", p, err, want)
		}
		if err != nil && !errors.Is(err, api.ErrBadArguments) {
			t.Fatalf("ValidatePath(%q) = %v, want BadArguments", p, err)
		}
	})
}

// refValidACL reports what ZooKeeper's fixupACL says of one entry, for a
// session with no identities: world only with anyone, digest ids with
// exactly two ':'-separated parts (Java's split drops trailing empty
// ones), ip ids an address with an optional mask, auth never (no identity),
// sasl ids a KerberosName (no '@', or "name[/host]@realm" with no other
// '/' or '@'; zkembed has ZooKeeper's SASLAuthenticationProvider built
// in), anything else invalid. For ip and x509 (an X500Principal) it
// returns (true, true) when it cannot tell.
func refValidACL(a api.ACL) (valid, unsure bool) {
	switch a.Scheme {
	case "x509":
		return true, true
	case "sasl":
		name, realm, hasRealm := strings.Cut(a.ID, "@")
		if !hasRealm {
			return true, false
		}
		_, host, _ := strings.Cut(name, "/")
		return !strings.ContainsAny(realm, "/@") && !strings.ContainsAny(host, "/@"), false
	case "world":
		return a.ID == "anyone", false
	case "digest":
		parts := strings.Split(a.ID, ":")
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		return len(parts) == 2, false
	case "ip":
		addr, _, hasBits := strings.Cut(a.ID, "/")
		ip, err := netip.ParseAddr(addr)
		if err != nil || ip.Zone() != "" {
			return false, false
		}
		if hasBits {
			return true, true
		}
		return true, false
	}
	return false, false
}

func FuzzACL(f *testing.F) {
	for _, a := range []api.ACL{
		{Perms: 31, Scheme: "world", ID: "anyone"}, {Perms: 1, Scheme: "world", ID: "nobody"},
		{Perms: 31, Scheme: "digest", ID: api.DigestID("u", "p")}, {Perms: 31, Scheme: "digest", ID: "u"},
		{Perms: 31, Scheme: "digest", ID: "u:h:x"}, {Perms: 31, Scheme: "digest", ID: "u:h::"}, {Perms: 31, Scheme: "digest", ID: ":h"},
		{Perms: 3, Scheme: "ip", ID: "127.0.0.1"}, {Perms: 3, Scheme: "ip", ID: "10.0.0.0/8"}, {Perms: 3, Scheme: "ip", ID: "10.0.0.0/33"},
		{Perms: 3, Scheme: "ip", ID: "::1/128"}, {Perms: 3, Scheme: "ip", ID: "fe80::1%lo"}, {Perms: 3, Scheme: "ip", ID: "1.2.3"},
		{Perms: 31, Scheme: "auth", ID: ""}, {Perms: 31, Scheme: "super", ID: ""}, {Perms: 0, Scheme: "world", ID: "anyone"},
		{Perms: -1, Scheme: "world", ID: "anyone"}, {Perms: 31, Scheme: "sasl", ID: "x"}, {Perms: 31, Scheme: "", ID: ""},
	} {
		f.Add(int32(a.Perms), a.Scheme, a.ID, false)
		f.Add(int32(a.Perms), a.Scheme, a.ID, true)
	}
	eng := rig.OpenEngine(f, engine.Options{})
	ctx := context.Background()
	c, err := eng.Session(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, perms int32, scheme, id string, viaSetACL bool) {
		acl := []api.ACL{{Perms: api.Perm(perms), Scheme: scheme, ID: id}}
		path := fmt.Sprintf("/f%d", n.Add(1))
		if viaSetACL {
			if _, err = c.Create(ctx, path, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
				t.Fatal(err)
			}
			_, err = c.SetACL(ctx, path, acl, -1)
		} else {
			_, err = c.Create(ctx, path, nil, acl, api.ModePersistent)
		}
		valid, unsure := refValidACL(acl[0])
		switch {
		case err != nil && !errors.Is(err, api.ErrInvalidACL):
			t.Fatalf("ACL %+v: %v, want OK or InvalidACL", acl, err)
		case !unsure && (err == nil) != valid:
			t.Fatalf("ACL %+v: %v, ZooKeeper's rules say valid=%v", acl, err, valid)
		case err == nil:
			// Stored as given: read it back (no ACL check on Walk).
			var got []api.ACL
			eng.Walk(path, func(nd engine.Node) bool { got = nd.ACL; return false })
			if !slices.Equal(got, acl) {
				t.Fatalf("ACL %+v stored as %+v", acl, got)
			}
		}
		if err := eng.CheckInvariants(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzAddAuth(f *testing.F) {
	for _, s := range [][2]string{{"digest", "u:p"}, {"digest", "u"}, {"digest", ":"}, {"digest", ""}, {"digest", "a:b:c"},
		{"digest", "super:secret"}, {"ip", "127.0.0.1"}, {"world", "anyone"}, {"sasl", "x"}, {"", ""}, {"digest", "\xff:\x00"}} {
		f.Add(s[0], []byte(s[1]))
	}
	eng := rig.OpenEngine(f, engine.Options{SuperDigest: api.DigestID("super", "secret")})
	ctx := context.Background()
	stranger, err := eng.Session(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { stranger.Close() })
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, scheme string, cred []byte) {
		c, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.AddAuth(ctx, scheme, cred)
		switch {
		case scheme == "ip" && err == nil:
			return // a direct session counts as 127.0.0.1
		case scheme != "digest":
			// No provider for the scheme: AuthFailed, and the session is
			// over, as ZooKeeper.
			if !errors.Is(err, api.ErrAuthFailed) {
				t.Fatalf("AddAuth(%q): %v, want AuthFailed", scheme, err)
			}
			if _, err := c.Exists(ctx, "/"); err == nil {
				t.Fatalf("a call after failed auth succeeded, want the session ended")
			}
			return
		case err != nil:
			t.Fatalf("AddAuth(digest, %q): %v; ZooKeeper's digest provider accepts any credential", cred, err)
		}
		who, err := c.WhoAmI(ctx)
		if err != nil {
			t.Fatal(err)
		}
		user, _, _ := strings.Cut(string(cred), ":")
		if !slices.Contains(who, api.ClientInfo{AuthScheme: "digest", User: user}) {
			t.Fatalf("AddAuth(digest, %q): identities %+v, want digest user %q", cred, who, user)
		}
		isSuper := slices.ContainsFunc(who, func(ci api.ClientInfo) bool { return ci.AuthScheme == "super" })
		if isSuper != (string(cred) == "super:secret") {
			t.Fatalf("AddAuth(digest, %q): super=%v", cred, isSuper)
		}
		if !utf8.Valid(cred) {
			return // Java would hash the credential after decoding it as UTF-8
		}
		// The identity is user:base64(sha1(credential)): a znode readable
		// only by it is readable by this session and no other.
		sum := sha1.Sum(cred)
		id := user + ":" + base64.StdEncoding.EncodeToString(sum[:])
		path := fmt.Sprintf("/auth%d", n.Add(1))
		if _, err := c.Create(ctx, path, []byte("s"), []api.ACL{{Perms: api.PermRead, Scheme: "digest", ID: id}}, api.ModePersistent); err != nil {
			t.Fatalf("create with ACL digest:%s: %v", id, err)
		}
		if _, _, err := c.Get(ctx, path); err != nil {
			t.Fatalf("AddAuth(digest, %q) cannot read a znode for digest:%s: %v", cred, id, err)
		}
		if _, _, err := stranger.Get(ctx, path); !errors.Is(err, api.ErrNoAuth) {
			t.Fatalf("a session without the credential reads a znode for digest:%s: %v", id, err)
		}
	})
}

// fuzzServer is one server on loopback TCP shared by a fuzz target's
// inputs.
func fuzzServer(f *testing.F) *rig.Server {
	eng := rig.OpenEngine(f, engine.Options{MaxDataSize: maxData})
	return rig.StartServer(f, eng, transport.Options{MaxBuffer: 1 << 16, HandshakeTimeout: 5 * time.Second})
}

// healthy checks the server serves a new session.
func healthy(t *testing.T, srv *rig.Server) {
	t.Helper()
	r := rig.DialRaw(t, srv.Addr)
	r.Handshake(30000)
	if err := r.Send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"}); err != nil {
		t.Fatal(err)
	}
	if h, _, err := r.Reply(); err != nil || h.Xid != 1 || h.Err != 0 {
		t.Fatalf("a new session after the fuzz input: %+v %v", h, err)
	}
	r.NC.Close()
}

// drain reads until the server closes (after our half-close) and fails the
// test if it does not within 10 s.
func drain(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection open 10s after the client finished")
	}
}

// FuzzServerTCP writes arbitrary bytes to a real TCP connection, split into
// chunks at arbitrary points (frames arrive in pieces, several in one
// piece), optionally after a good handshake, then half-closes: the server
// must close in turn, without panicking or hanging, and keep serving.
func FuzzServerTCP(f *testing.F) {
	connect := jute.AppendFrame(nil, &jute.ConnectRequest{Timeout: 30000, Passwd: make([]byte, 16)})
	acl := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	seeds := [][]byte{
		connect, []byte("ruok"), []byte("srvr"), {0x7f, 0xff, 0xff, 0xff}, {0xff, 0xff, 0xff, 0xff},
		rig.Request(jute.XidPing, jute.OpPing, nil),
		rig.Request(1, jute.OpCreate, &jute.CreateRequest{Path: "/f", Data: []byte("x"), ACL: acl, Flags: 1}),
		rig.Request(2, jute.OpGetData, &jute.GetDataRequest{Path: "/f", Watch: true}),
		append(rig.Request(3, jute.OpSetData, &jute.SetDataRequest{Path: "/f", Data: []byte("y"), Version: -1}),
			rig.Request(4, jute.OpGetChildren2, &jute.GetChildren2Request{Path: "/"})...),
		rig.Request(5, jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
			{Type: jute.OpCreate, Body: &jute.CreateRequest{Path: "/g", ACL: acl}},
			{Type: jute.OpCheck, Body: &jute.CheckVersionRequest{Path: "/g", Version: 0}},
			{Type: jute.OpDelete, Body: &jute.DeleteRequest{Path: "/g", Version: -1}}}}),
		rig.Request(6, jute.OpSetWatches2, &jute.SetWatches2{DataWatches: []string{"/f"}, PersistentRecursiveWatches: []string{"/"}}),
		rig.Request(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("a:b")}),
		rig.Request(7, jute.OpCloseSession, nil),
		rig.Request(8, jute.OpCode(4242), nil),
		append(connect, connect...),
	}
	for _, s := range seeds {
		for _, split := range []byte{0, 1, 3, 7} {
			f.Add(false, split, s)
			f.Add(true, split, s)
		}
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, handshake bool, split byte, in []byte) {
		nc, err := net.DialTimeout("tcp", srv.Addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		done := make(chan struct{})
		go func() {
			defer close(done)
			if handshake {
				nc.Write(connect)
			}
			// Chunks of 1..split+1 bytes, varying with the input itself.
			for i := 0; i < len(in); {
				n := len(in) - i
				if split > 0 {
					n = min(n, 1+int(in[i])%int(split))
				}
				if _, err := nc.Write(in[i : i+n]); err != nil {
					return
				}
				i += n
			}
			nc.(*net.TCPConn).CloseWrite()
		}()
		drain(t, nc)
		<-done
		healthy(t, srv)
	})
}

// FuzzRequestBody sends one request with an arbitrary op code and body
// after a good handshake, then a ping: the server answers the request (any
// code) and the ping, or closes the connection, and keeps serving.
func FuzzRequestBody(f *testing.F) {
	acl := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	add := func(op jute.OpCode, rec jute.Record) {
		var body []byte
		if rec != nil {
			body = rec.AppendTo(nil)
		}
		f.Add(int32(op), body)
	}
	add(jute.OpCreate, &jute.CreateRequest{Path: "/a", ACL: acl})
	add(jute.OpCreate2, &jute.CreateRequest{Path: "/s-", ACL: acl, Flags: 2})
	add(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: acl, Flags: 5, TTL: 100})
	add(jute.OpCreateContainer, &jute.CreateRequest{Path: "/c", ACL: acl, Flags: 4})
	add(jute.OpDelete, &jute.DeleteRequest{Path: "/a", Version: -1})
	add(jute.OpExists, &jute.ExistsRequest{Path: "/a", Watch: true})
	add(jute.OpGetData, &jute.GetDataRequest{Path: "/"})
	add(jute.OpSetData, &jute.SetDataRequest{Path: "/", Data: []byte("d"), Version: -1})
	add(jute.OpGetACL, &jute.GetACLRequest{Path: "/"})
	add(jute.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: acl, Version: -1})
	add(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/"})
	add(jute.OpGetChildren2, &jute.GetChildren2Request{Path: "/"})
	add(jute.OpSync, &jute.SyncRequest{Path: "/"})
	add(jute.OpCheck, &jute.CheckVersionRequest{Path: "/", Version: -1})
	add(jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{{Type: jute.OpCreate, Body: &jute.CreateRequest{Path: "/m", ACL: acl}}}})
	add(jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{{Type: jute.OpGetData, Body: &jute.GetDataRequest{Path: "/"}}}})
	add(jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/"})
	add(jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/"})
	add(jute.OpAddWatch, &jute.AddWatchRequest{Path: "/", Mode: 1})
	add(jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/", Type: 3})
	add(jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/", Type: 3})
	add(jute.OpSetWatches, &jute.SetWatches{DataWatches: []string{"/"}})
	add(jute.OpReconfig, &jute.ReconfigRequest{})
	add(jute.OpWhoAmI, nil)
	add(jute.OpCloseSession, nil)
	add(jute.OpCode(999), nil)
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, op int32, body []byte) {
		r := rig.DialRaw(t, srv.Addr)
		r.Handshake(30000)
		b, start := jute.BeginFrame(nil)
		b = jute.RequestHeader{Xid: 1, Type: jute.OpCode(op)}.AppendTo(b)
		b = jute.EndFrame(append(b, body...), start)
		if len(b) > 1<<16 {
			return
		}
		b = append(b, rig.Request(jute.XidPing, jute.OpPing, nil)...)
		if err := r.Write(b); err != nil {
			t.Fatal(err)
		}
		r.NC.(*net.TCPConn).CloseWrite()
		// Replies in order: the request's (xid 1, or the auth xid), then
		// the ping's; or the connection closes.
		for {
			h, _, err := r.Reply()
			if err != nil {
				break // closed (or not a frame the test understands)
			}
			if h.Xid == jute.XidPing {
				break
			}
			if h.Xid != 1 && h.Xid != jute.XidAuth {
				t.Fatalf("reply to xid %d, want 1 or ping", h.Xid)
			}
		}
		drain(t, r.NC)
		healthy(t, srv)
	})
}
