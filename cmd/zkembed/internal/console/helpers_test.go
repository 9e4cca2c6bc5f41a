package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/admin"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/transport"
)

// quiet discards the log of the consoles and clients of the tests.
var quiet = slog.New(slog.DiscardHandler)

// needTool skips the test when a tool is missing, except under CI=true,
// where the tool must be there and the test fails instead.
func needTool(t testing.TB, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s", why)
	}
	t.Skip(why)
}

// target is a ZooKeeper server a console test runs against.
type target struct {
	name    string
	connect string
	// inspector is the admin endpoint's view (zkembed only).
	inspector Inspector
}

// startZkembed serves a fresh in-memory engine on loopback TCP and returns
// it with its admin handler as the Inspector.
func startZkembed(t testing.TB) target {
	t.Helper()
	e, err := engine.Open(engine.Options{TickTime: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	srv := transport.NewServer(e, transport.Options{})
	served := make(chan struct{})
	go func() { srv.Serve(ln); close(served) }()
	t.Cleanup(func() {
		srv.Close()
		<-served
		if err := e.CheckInvariants(); err != nil {
			t.Errorf("zkembed invariants: %v", err)
		}
		e.Close()
	})
	src := &admin.Source{Backend: e, Server: srv, Version: transport.DefaultVersion, Started: time.Now()}
	return target{name: "zkembed", connect: ln.Addr().String(), inspector: NewAdminHandler(admin.Handler(src, "/commands"), "/commands")}
}

// startApache starts Debian's Apache ZooKeeper 3.8 (skipped where it is not
// installed, except under CI=true).
func startApache(t testing.TB) target {
	t.Helper()
	ok, why := zkserver.Available()
	needTool(t, ok, why)
	s := zkserver.Start(t, zkserver.Options{TickTime: 500 * time.Millisecond})
	return target{name: "zookeeper-3.8", connect: s.Addr()}
}

// newConsole serves a console for tg on an httptest server, closed when
// the test ends.
func newConsole(t testing.TB, tg target, mod func(*Options)) (*Console, *httptest.Server) {
	t.Helper()
	o := Options{Connect: tg.connect, Inspector: tg.inspector, SampleInterval: 100 * time.Millisecond, Logger: quiet}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(c)
	t.Cleanup(func() {
		c.Close()
		ts.Close()
	})
	return c, ts
}

// page is one browser: a cookie jar and the session's token.
type page struct {
	t     testing.TB
	base  string
	hc    *http.Client
	token string
	info  map[string]any
}

func newPage(t testing.TB, ts *httptest.Server) *page {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &page{t: t, base: ts.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	t.Cleanup(p.hc.CloseIdleConnections)
	var info map[string]any
	if code := p.do("GET", "/api/info", nil, &info); code != 200 {
		t.Fatalf("api/info: status %d: %v", code, info)
	}
	p.info = info
	p.token, _ = info["token"].(string)
	if len(p.token) != 64 {
		t.Fatalf("api/info: token %q", p.token)
	}
	return p
}

// do sends a request with the session's token (unless the header map
// says otherwise) and decodes the JSON answer into out; it returns the
// status.
func (p *page) do(method, path string, body any, out any, hdr ...string) int {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			p.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if method != "GET" && p.token != "" {
		req.Header.Set("X-Console-Token", p.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s %s: status %d, not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

// must is do that fails the test unless the status is want.
func (p *page) must(want int, method, path string, body any) map[string]any {
	p.t.Helper()
	var out map[string]any
	if code := p.do(method, path, body, &out); code != want {
		p.t.Fatalf("%s %s: status %d, want %d: %v", method, path, code, want, out)
	}
	return out
}

// ndjson sends a request whose answer is NDJSON progress lines and returns
// them.
func (p *page) ndjson(method, path string, body []byte) []progressLine {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.base+path, bytes.NewReader(body))
	req.Header.Set("X-Console-Token", p.token)
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		p.t.Fatalf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	var lines []progressLine
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var l progressLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			p.t.Fatalf("bad NDJSON line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// events opens the page's event stream; the returned channel gets each
// event until the test ends.
func (p *page) events() <-chan liveEvent {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", p.base+"/api/events", nil)
	resp, err := p.hc.Do(req)
	if err != nil {
		cancel()
		p.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		cancel()
		resp.Body.Close()
		p.t.Fatalf("api/events: status %d, %s", resp.StatusCode, ct)
	}
	ch := make(chan liveEvent, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var e liveEvent
			if json.Unmarshal([]byte(data), &e) == nil {
				select {
				case ch <- e:
				default:
				}
			}
		}
	}()
	p.t.Cleanup(func() { cancel(); <-done })
	return ch
}

// waitEvent returns the first event of type typ on path, failing the test
// after 10s.
func waitEvent(t testing.TB, ch <-chan liveEvent, typ, path string) liveEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Type == typ && e.Path == path {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event on %s within 10s", typ, path)
		}
	}
}

// dial opens a plain client session to tg, closed when the test ends: the
// "other client" of the tests.
func dial(t testing.TB, tg target) api.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := transport.Dial(ctx, tg.connect, transport.WithSessionTimeout(10*time.Second), transport.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
