package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"testing"
	"time"
)

// browser is an HTTP client with a cookie jar: one console session.
type browser struct {
	t     *testing.T
	base  string
	hc    *http.Client
	token string
}

func openConsole(t *testing.T, base string) (*browser, map[string]any) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	t.Cleanup(b.hc.CloseIdleConnections)
	var info map[string]any
	if code := b.call("GET", "api/info", nil, &info); code != 200 {
		t.Fatalf("%sapi/info: status %d %v", base, code, info)
	}
	b.token, _ = info["token"].(string)
	return b, info
}

func (b *browser) call(method, path string, body any, out any) int {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	if b.token != "" && method != "GET" {
		req.Header.Set("X-Console-Token", b.token)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestServeUI starts `zkembed serve --ui` with the admin endpoint on, and
// uses the console on its own address and under /console/ of the admin
// endpoint.
func TestServeUI(t *testing.T) {
	p := startServe(t, "", "serve", "--memory", "--addr", "127.0.0.1:0", "--ui", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	m := p.stderr.waitFor(regexp.MustCompile(`web console: (http://127\.0\.0\.1:[0-9]+/)`))
	if m == nil {
		t.Fatalf("no web console in the log:\n%s", p.stderr)
	}
	ui, info := openConsole(t, m[1])
	if info["zkembed"] != true || info["readOnly"] != false || info["server"] != p.addr {
		t.Fatalf("info: %v (server %s)", info, p.addr)
	}
	if code := ui.call("POST", "api/node", map[string]any{"path": "/from-ui", "data": []byte("hi")}, nil); code != 200 {
		t.Fatalf("create: %d", code)
	}
	if got := mustZK(t, "get", "--server", p.addr, "/from-ui"); got != "hi\n" {
		t.Fatalf("get /from-ui: %q", got)
	}
	adm, info2 := openConsole(t, "http://"+adminAddr(t, p)+"/console/")
	var node map[string]any
	if code := adm.call("GET", "api/node?path=/from-ui", nil, &node); code != 200 || node["data"] != "aGk=" || info2["zkembed"] != true {
		t.Fatalf("node through the admin endpoint: %d %v %v", code, node, info2)
	}
	var ss struct{ Sessions []map[string]any }
	if code := adm.call("GET", "api/sessions", nil, &ss); code != 200 || len(ss.Sessions) < 2 {
		t.Fatalf("sessions: %d %v", code, ss)
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr)
	}
}

// TestUICommand runs `zkembed ui --read-only` against a server.
func TestUICommand(t *testing.T) {
	srv := startServe(t, "", "serve", "--memory", "--addr", "127.0.0.1:0")
	mustZK(t, "create", "--server", srv.addr, "/app", "v")
	ui := startServe(t, "", "ui", "--server", srv.addr+"/app", "--addr", "127.0.0.1:0", "--read-only")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/$`).MatchString(ui.addr) {
		t.Fatalf("first line %q, want the console's URL", ui.addr)
	}
	b, info := openConsole(t, ui.addr)
	if info["readOnly"] != true || info["zkembed"] != false {
		t.Fatalf("info: %v", info)
	}
	var kids struct{ Total int }
	if code := b.call("GET", "api/children?path=/", nil, &kids); code != 200 || kids.Total != 0 {
		t.Fatalf("children of the chroot: %d %+v", code, kids)
	}
	var out map[string]any
	if code := b.call("POST", "api/node", map[string]any{"path": "/x"}, &out); code != 403 || out["error"] != "ReadOnly" {
		t.Fatalf("create in read-only: %d %v", code, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dial(t, srv.addr)
	if st, err := c.Exists(ctx, "/app/x"); err != nil || st != nil {
		t.Fatalf("/app/x: %v %v", st, err)
	}
	if code := ui.stop(); code != 0 {
		t.Fatalf("ui exit %d:\n%s", code, ui.stderr)
	}
	if r := zk(t, "", "ui", "--addr", "nonsense"); r.code != 2 {
		t.Fatalf("ui --addr nonsense: exit %d %q", r.code, r.err)
	}
}
