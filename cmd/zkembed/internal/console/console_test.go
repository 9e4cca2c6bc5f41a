package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/cli"
)

// TestFeatures runs the console's API against zkembed and against Apache
// ZooKeeper 3.8.
func TestFeatures(t *testing.T) {
	for _, start := range []func(testing.TB) target{startZkembed, startApache} {
		tg := start(t)
		t.Run(tg.name, func(t *testing.T) { testFeatures(t, tg) })
	}
}

func dataOf(t testing.TB, n map[string]any) []byte {
	t.Helper()
	s, _ := n["data"].(string)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("data %q: %v", s, err)
	}
	return b
}

func statField(n map[string]any, k string) any {
	st, _ := n["stat"].(map[string]any)
	return st[k]
}

func testFeatures(t *testing.T, tg target) {
	_, ts := newConsole(t, tg, nil)
	p := newPage(t, ts)
	other := dial(t, tg)
	ctx := context.Background()
	root := "/console-" + strings.ReplaceAll(tg.name, ".", "")

	t.Run("tree", func(t *testing.T) {
		p.must(200, "POST", "/api/node", map[string]any{"path": root, "data": []byte("r")})
		p.must(200, "POST", "/api/node", map[string]any{"path": root + "/a", "data": []byte("A")})
		p.must(200, "POST", "/api/node", map[string]any{"path": root + "/b"})
		if _, err := other.Create(ctx, root+"/b/eph", nil, api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
			t.Fatal(err)
		}
		var top struct {
			Children []childJSON
			Total    int
		}
		if code := p.do("GET", "/api/children?path=/", nil, &top); code != 200 {
			t.Fatalf("children of /: %d", code)
		}
		i := slices.IndexFunc(top.Children, func(c childJSON) bool { return c.Name == root[1:] })
		if i < 0 || top.Children[i].NumChildren != 2 {
			t.Fatalf("children of /: %+v, want %s with 2 children", top.Children, root)
		}
		var kids struct{ Children []childJSON }
		p.do("GET", "/api/children?path="+url.QueryEscape(root+"/b"), nil, &kids)
		if len(kids.Children) != 1 || kids.Children[0].Name != "eph" || !kids.Children[0].Ephemeral {
			t.Fatalf("children of %s/b: %+v, want the ephemeral eph", root, kids.Children)
		}
		n := p.must(200, "GET", "/api/node?path="+url.QueryEscape(root+"/a"), nil)
		if string(dataOf(t, n)) != "A" || statField(n, "version") != 0.0 || !strings.HasPrefix(statField(n, "mzxid").(string), "0x") {
			t.Fatalf("node %s/a: %v", root, n)
		}
		if acl, _ := n["acl"].([]any); len(acl) != 1 || acl[0].(map[string]any)["perms"] != "cdrwa" {
			t.Fatalf("acl: %v", n["acl"])
		}
		p.must(404, "GET", "/api/node?path=/no/such", nil)
		p.must(400, "GET", "/api/node?path=bad", nil)
	})

	t.Run("edit with version check", func(t *testing.T) {
		pa := root + "/a"
		p.must(200, "PUT", "/api/node", map[string]any{"path": pa, "data": []byte("A1"), "version": 0})
		// Another client changes it: the page's version 1 is stale.
		if _, err := other.Set(ctx, pa, []byte("theirs"), 1); err != nil {
			t.Fatal(err)
		}
		conflict := p.must(409, "PUT", "/api/node", map[string]any{"path": pa, "data": []byte("mine"), "version": 1})
		cur, _ := conflict["current"].(map[string]any)
		if conflict["error"] != "BadVersion" || string(dataOf(t, cur)) != "theirs" || statField(cur, "version") != 2.0 {
			t.Fatalf("conflict answer: %v", conflict)
		}
		p.must(200, "PUT", "/api/node", map[string]any{"path": pa, "data": []byte("mine"), "version": 2})
		if b, _, _ := other.Get(ctx, pa); string(b) != "mine" {
			t.Fatalf("after the edit: %q", b)
		}
	})

	t.Run("create modes", func(t *testing.T) {
		seq := p.must(200, "POST", "/api/node", map[string]any{"path": root + "/seq-", "mode": "PERSISTENT_SEQUENTIAL"})
		if got := seq["path"].(string); !strings.HasPrefix(got, root+"/seq-") || len(got) != len(root+"/seq-")+10 {
			t.Fatalf("sequential create named %q", got)
		}
		eph := p.must(200, "POST", "/api/node", map[string]any{"path": root + "/mine", "mode": "EPHEMERAL"})
		if owner := statField(eph, "ephemeralOwner"); owner != p.info["session"] {
			t.Fatalf("ephemeral owner %v, want the console's session %v", owner, p.info["session"])
		}
		p.must(200, "POST", "/api/node", map[string]any{"path": root + "/box", "mode": "CONTAINER"})
		p.must(200, "POST", "/api/node", map[string]any{"path": root + "/ttl", "mode": "PERSISTENT_WITH_TTL", "ttlMs": 60000})
		p.must(400, "POST", "/api/node", map[string]any{"path": root + "/x", "mode": "NOPE"})
		p.must(409, "POST", "/api/node", map[string]any{"path": root + "/a"})
		// Logging out closes the session: its ephemeral goes.
		p.must(200, "POST", "/api/logout", nil)
		if st, err := other.Exists(ctx, root+"/mine"); err != nil || st != nil {
			t.Fatalf("ephemeral after logout: %v %v", st, err)
		}
	})

	t.Run("digest login and ACL", func(t *testing.T) {
		d := p.must(200, "POST", "/api/digest", map[string]any{"user": "ann", "password": "s3cret"})
		if d["id"] != api.DigestID("ann", "s3cret") {
			t.Fatalf("digest helper: %v", d)
		}
		sec := root + "/sec"
		p.must(200, "POST", "/api/node", map[string]any{"path": sec, "data": []byte("hidden")})
		p.must(200, "PUT", "/api/acl", map[string]any{"path": sec, "version": 0,
			"acl": []aclJSON{{Scheme: "digest", ID: d["id"].(string), Perms: "cdrwa"}}})
		if got := p.must(403, "GET", "/api/node?path="+url.QueryEscape(sec), nil); got["error"] != "NoAuth" {
			t.Fatalf("read without login: %v", got)
		}
		p.must(200, "POST", "/api/login", map[string]any{"user": "ann", "password": "s3cret"})
		if n := p.must(200, "GET", "/api/node?path="+url.QueryEscape(sec), nil); string(dataOf(t, n)) != "hidden" {
			t.Fatalf("read after login: %v", n)
		}
		// Another browser is not logged in.
		p2 := newPage(t, ts)
		p2.must(403, "GET", "/api/node?path="+url.QueryEscape(sec), nil)
		// The identity survives a new ZooKeeper session of the browser.
		p.must(200, "POST", "/api/logout", nil)
		p.must(403, "GET", "/api/node?path="+url.QueryEscape(sec), nil)
		p.must(200, "POST", "/api/login", map[string]any{"user": "ann", "password": "s3cret"})
		p.must(200, "PUT", "/api/acl", map[string]any{"path": sec, "version": 1, "acl": []aclJSON{{Scheme: "world", ID: "anyone", Perms: "cdrwa"}}})
	})

	t.Run("search", func(t *testing.T) {
		for _, q := range []string{"/s", "/s/x", "/s/x/lock-1", "/s/y", "/s/y/lock-2", "/s/y/other"} {
			p.must(200, "POST", "/api/node", map[string]any{"path": root + q})
		}
		res := p.must(200, "GET", "/api/search?path="+url.QueryEscape(root+"/s")+"&glob=lock-*", nil)
		got := res["matches"].([]any)
		if len(got) != 2 || got[0] != root+"/s/x/lock-1" || got[1] != root+"/s/y/lock-2" || res["complete"] != true {
			t.Fatalf("search lock-*: %v", res)
		}
		res = p.must(200, "GET", "/api/search?path="+url.QueryEscape(root)+"&glob="+url.QueryEscape(root+"/s/y/o*"), nil)
		if got := res["matches"].([]any); len(got) != 1 || got[0] != root+"/s/y/other" {
			t.Fatalf("search by full path: %v", res)
		}
	})

	t.Run("live events", func(t *testing.T) {
		ch := p.events()
		live := root + "/live"
		if _, err := other.Create(ctx, live, []byte("1"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		e := waitEvent(t, ch, "NodeCreated", live)
		// ZooKeeper 3.8 sends watch events without their zxid (3.9 has it).
		if (tg.inspector != nil && !strings.HasPrefix(e.Zxid, "0x")) || e.Time == 0 {
			t.Fatalf("event %+v: want a hex zxid and a time", e)
		}
		if _, err := other.Set(ctx, live, []byte("2"), -1); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ch, "NodeDataChanged", live)
		if err := other.Delete(ctx, live, -1); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ch, "NodeDeleted", live)
	})

	t.Run("export and import", func(t *testing.T) {
		lines := p.ndjson("GET", "/api/export?path="+url.QueryEscape(root+"/s"), nil)
		last := lines[len(lines)-1]
		if last.Export == nil || last.Export.Format != cli.ExportFormat || len(last.Export.Nodes) != 6 || last.Export.Root != root+"/s" {
			t.Fatalf("export: last line %+v", last)
		}
		body, _ := json.Marshal(last.Export)
		lines = p.ndjson("POST", "/api/import?path="+url.QueryEscape(root+"/copy"), body)
		last = lines[len(lines)-1]
		res, _ := last.Result.(map[string]any)
		if last.Error != nil || res["created"] != 6.0 || last.Done != 6 || last.Total != 6 {
			t.Fatalf("import: last line %+v", last)
		}
		if st, err := other.Exists(ctx, root+"/copy"+root+"/s/y/lock-2"); err != nil || st == nil {
			t.Fatalf("imported znode: %v %v", st, err)
		}
		bad := p.do("POST", "/api/import?path=/", map[string]any{"format": "other"}, nil)
		if bad != 400 {
			t.Fatalf("import of a foreign file: status %d", bad)
		}
	})

	t.Run("hostile data round-trips", func(t *testing.T) {
		big := bytes.Repeat([]byte("<b>x</b>"), 1<<20/8-16)
		for i, data := range [][]byte{[]byte("<script>alert(1)</script>"), {0xff, 0xfe, 'a', 0xc3}, big} {
			pa := root + "/hostile" + string(rune('0'+i))
			p.must(200, "POST", "/api/node", map[string]any{"path": pa, "data": data})
			n := p.must(200, "GET", "/api/node?path="+url.QueryEscape(pa), nil)
			if !bytes.Equal(dataOf(t, n), data) {
				t.Fatalf("%s: data changed on the way (%d bytes back, %d sent)", pa, len(dataOf(t, n)), len(data))
			}
		}
	})

	t.Run("recursive delete", func(t *testing.T) {
		want, err := other.GetAllChildrenNumber(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		cnt := p.must(200, "GET", "/api/count?path="+url.QueryEscape(root), nil)
		if cnt["count"] != float64(want+1) {
			t.Fatalf("count %v, want %d", cnt["count"], want+1)
		}
		p.must(409, "DELETE", "/api/node?path="+url.QueryEscape(root), nil) // NotEmpty
		del := p.must(200, "DELETE", "/api/node?recursive=1&path="+url.QueryEscape(root), nil)
		if del["deleted"] != float64(want+1) {
			t.Fatalf("deleted %v, want %d", del["deleted"], want+1)
		}
		if st, err := other.Exists(ctx, root); err != nil || st != nil {
			t.Fatalf("after the delete: %v %v", st, err)
		}
		p.must(400, "DELETE", "/api/node?recursive=1&path=/", nil)
	})

	t.Run("zkembed panels", func(t *testing.T) {
		if tg.inspector == nil {
			if got := p.must(404, "GET", "/api/sessions", nil); got["error"] != "Unimplemented" {
				t.Fatalf("sessions against %s: %v", tg.name, got)
			}
			p.must(404, "GET", "/api/metrics", nil)
			if p.info["zkembed"] != false {
				t.Fatalf("info: %v", p.info)
			}
			return
		}
		eph := "/panel-eph"
		if _, err := other.Create(ctx, eph, nil, api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
			t.Fatal(err)
		}
		var ss struct {
			Sessions []SessionInfo
			Own      string
		}
		p.do("GET", "/api/sessions", nil, &ss)
		otherID := sid(int64(other.SessionID()))
		var mine, theirs *SessionInfo
		for i := range ss.Sessions {
			switch ss.Sessions[i].ID {
			case ss.Own:
				mine = &ss.Sessions[i]
			case otherID:
				theirs = &ss.Sessions[i]
			}
		}
		if mine == nil || theirs == nil || !slices.Contains(mine.Watches, "/") || !slices.Equal(theirs.Ephemerals, []string{eph}) ||
			!strings.HasPrefix(theirs.RemoteAddr, "/127.0.0.1:") || theirs.TimeoutMs != 10000 || theirs.LastSeen == 0 {
			t.Fatalf("sessions %+v (own %s, other %s)", ss.Sessions, ss.Own, otherID)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var m struct{ Samples []sample }
			p.do("GET", "/api/metrics", nil, &m)
			if n := len(m.Samples); n >= 2 && m.Samples[n-1].Values["znode_count"] >= 5 && m.Samples[n-1].T >= m.Samples[0].T {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("metrics: %+v", m)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestSafety checks the defences against cross-site requests, DNS
// rebinding and changes in read-only mode.
func TestSafety(t *testing.T) {
	tg := startZkembed(t)
	var logBuf syncBuf
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, ts := newConsole(t, tg, func(o *Options) { o.Logger = log })
	p := newPage(t, ts)
	create := map[string]any{"path": "/x"}

	cases := []struct {
		name   string
		hdr    []string
		status int
		errStr string
	}{
		{"no token", []string{"X-Console-Token", ""}, 403, "BadToken"},
		{"wrong token", []string{"X-Console-Token", strings.Repeat("0", 64)}, 403, "BadToken"},
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, 403, "CrossOrigin"},
		{"foreign origin", []string{"Origin", "http://evil.example"}, 403, "CrossOrigin"},
		{"rebound host name", []string{"Host", "evil.example:80"}, 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.hdr[0] == "X-Console-Token" {
				tok := p.token
				p.token = c.hdr[1]
				defer func() { p.token = tok }()
			}
			var out map[string]any
			code := p.do("POST", "/api/node", create, nil, c.hdr...)
			if c.errStr != "" {
				code = p.do("POST", "/api/node", create, &out, c.hdr...)
			}
			if code != c.status || (c.errStr != "" && out["error"] != c.errStr) {
				t.Fatalf("status %d %v, want %d %s", code, out, c.status, c.errStr)
			}
		})
	}
	other := dial(t, tg)
	if st, _ := other.Exists(context.Background(), "/x"); st != nil {
		t.Fatal("a refused request created /x")
	}
	p.must(200, "POST", "/api/node", create) // same-origin with the token

	t.Run("hosts", func(t *testing.T) {
		for host, want := range map[string]int{"localhost:1": 200, "127.0.0.1:1": 200, "[::1]:1": 200, "evil.example": 403} {
			if code := p.do("GET", "/api/info", nil, nil, "Host", host); code != want {
				t.Errorf("Host %s: status %d, want %d", host, code, want)
			}
		}
	})
	t.Run("no session", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/api/node?path=/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("status %d without a cookie", resp.StatusCode)
		}
	})
	t.Run("headers", func(t *testing.T) {
		for _, path := range []string{"/", "/app.js", "/api/info"} {
			resp, err := p.hc.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			if resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("%s: status %d, headers %v", path, resp.StatusCode, resp.Header)
			}
		}
		for _, c := range p.hc.Jar.Cookies(mustURL(t, ts.URL)) {
			if !strings.HasPrefix(c.Name, "zkconsole") {
				t.Fatalf("cookie %s", c.Name)
			}
		}
	})
	t.Run("credentials are not logged", func(t *testing.T) {
		p.must(200, "POST", "/api/login", map[string]any{"user": "bob", "password": "pw-never-logged"})
		p.must(200, "POST", "/api/digest", map[string]any{"user": "bob", "password": "pw-never-logged"})
		if s := logBuf.String(); strings.Contains(s, "pw-never-logged") || !strings.Contains(s, "user=bob") {
			t.Fatalf("log:\n%s", s)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		_, ro := newConsole(t, tg, func(o *Options) { o.ReadOnly = true })
		rp := newPage(t, ro)
		if rp.info["readOnly"] != true {
			t.Fatalf("info: %v", rp.info)
		}
		for _, req := range []struct{ method, path string }{{"POST", "/api/node"}, {"PUT", "/api/node"}, {"DELETE", "/api/node?path=/x"}, {"PUT", "/api/acl"}, {"POST", "/api/import"}} {
			var out map[string]any
			if code := rp.do(req.method, req.path, create, &out); code != 403 || out["error"] != "ReadOnly" {
				t.Errorf("%s %s: %d %v", req.method, req.path, code, out)
			}
		}
		rp.must(200, "GET", "/api/node?path=/x", nil)
		rp.must(200, "POST", "/api/login", map[string]any{"user": "bob", "password": "pw"})
		if st, _ := other.Exists(context.Background(), "/x"); st == nil {
			t.Fatal("read-only console deleted /x")
		}
	})
}

// TestClose checks that Close ends the event streams and sessions and is
// idempotent (goleak checks the goroutines).
func TestClose(t *testing.T) {
	tg := startZkembed(t)
	c, ts := newConsole(t, tg, nil)
	p := newPage(t, ts)
	ch := p.events()
	p.must(200, "POST", "/api/node", map[string]any{"path": "/e", "mode": "EPHEMERAL"})
	waitEvent(t, ch, "NodeCreated", "/e")
	c.Close()
	c.Close()
	other := dial(t, tg)
	if st, _ := other.Exists(context.Background(), "/e"); st != nil {
		t.Fatal("the console's ephemeral outlived Close")
	}
	var out map[string]any
	if code := p.do("GET", "/api/info", nil, &out); code != 503 {
		t.Fatalf("after Close: %d %v", code, out)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
