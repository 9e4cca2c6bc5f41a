package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/zkserver"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zkembed-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath, err = buildBinary(dir)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fourLetter sends word to addr and returns the answer.
func fourLetter(t *testing.T, addr, word string) string {
	t.Helper()
	s, err := zkserver.FourLetter(addr, word, 10*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	return s
}

func TestServeDefaults(t *testing.T) {
	dir := t.TempDir()
	// The only flag: a free port instead of 2181.
	p := startServe(t, dir, "--addr", "127.0.0.1:0")
	if !regexp.MustCompile(`^127\.0\.0\.1:[1-9][0-9]*$`).MatchString(p.addr) {
		t.Fatalf("address line %q", p.addr)
	}
	mustZK(t, "create", "--server", p.addr, "/kept", "v")
	if code := p.stop(); code != 0 {
		t.Fatalf("exit %d after SIGTERM; stderr:\n%s", code, p.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "zkembed-data")); err != nil {
		t.Fatalf("default data directory: %v", err)
	}
	// Durable by default: the same directory serves the znode again, and
	// `zkembed serve` is the same as `zkembed`.
	p = startServe(t, dir, "serve", "--addr", "127.0.0.1:0")
	if got := mustZK(t, "get", "--server", p.addr, "/kept"); got != "v\n" {
		t.Fatalf("after restart: %q", got)
	}
	if p.stderr.waitFor(regexp.MustCompile(`level=INFO msg="zkembed serving" .*storage="durable in ./zkembed-data"`)) == nil {
		t.Errorf("text log expected on stderr:\n%s", p.stderr)
	}
}

func TestServeFlags(t *testing.T) {
	p := startServe(t, "", "--memory", "--addr", "127.0.0.1:0", "--tick-time", "100",
		"--min-session-timeout", "300", "--max-session-timeout", "5000", "--max-client-cnxns", "7",
		"--4lw-whitelist", "ruok,conf", "--super-digest", api.DigestID("super", "secret"),
		"--extended-types=false", "--log-format", "json", "--admin-addr", "127.0.0.1:0")
	conf := fourLetter(t, p.addr, "conf")
	for _, want := range []string{"tickTime=100\n", "minSessionTimeout=300\n", "maxSessionTimeout=5000\n", "maxClientCnxns=7\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
	if got := fourLetter(t, p.addr, "mntr"); got != "mntr is not executed because it is not in the whitelist.\n" {
		t.Errorf("mntr not whitelisted answered %q", got)
	}
	if got := fourLetter(t, p.addr, "ruok"); got != "imok" {
		t.Errorf("ruok answered %q", got)
	}
	// TTL nodes are off; the super user may do anything.
	if r := zk(t, "", "create", "--server", p.addr, "--ttl", "1m", "/t"); r.code != 1 || !strings.Contains(r.err, "Unimplemented") {
		t.Errorf("create --ttl with --extended-types=false: exit %d, %q", r.code, r.err)
	}
	mustZK(t, "create", "--server", p.addr, "--acl", "digest:"+api.DigestID("bob", "pw")+":cdrwa", "/locked", "x")
	if r := zk(t, "", "get", "--server", p.addr, "/locked"); r.code != 1 || !strings.Contains(r.err, "get /locked: NoAuth") {
		t.Errorf("get without auth: exit %d, %q", r.code, r.err)
	}
	if got := mustZK(t, "get", "--server", p.addr, "--auth", "digest:super:secret", "/locked"); got != "x\n" {
		t.Errorf("get as super: %q", got)
	}
	admin := adminAddr(t, p)
	body := httpGet(t, "http://"+admin+"/commands/ruok")
	if !strings.Contains(body, `"command": "ruok"`) || !strings.Contains(body, `"error": null`) {
		t.Errorf("ruok: %s", body)
	}
	if code := p.stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	// JSON log lines on stderr, one object each (all of them are in once
	// the process has exited).
	for _, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		if strings.HasPrefix(line, "admin endpoint:") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] == nil {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
}

// adminAddr returns the admin endpoint's address from p's log.
func adminAddr(t *testing.T, p *proc) string {
	t.Helper()
	m := p.stderr.waitFor(regexp.MustCompile(`admin endpoint: http://([0-9.:]+)/`))
	if m == nil {
		t.Fatalf("no admin endpoint in the log:\n%s", p.stderr)
	}
	return m[1]
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	return string(b)
}

func TestServeZooCfg(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	os.WriteFile(cfg, []byte(`# an Apache ZooKeeper configuration
tickTime=500
initLimit=10
syncLimit=5
dataDir=`+filepath.Join(dir, "data")+`
clientPort=0
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=true
admin.serverAddress=127.0.0.1
admin.serverPort=0
autopurge.purgeInterval=1
server.1=localhost:2888:3888
`), 0o644)
	p := startServe(t, dir, "serve", "--config", cfg)
	conf := fourLetter(t, p.addr, "conf")
	for _, want := range []string{"tickTime=500\n", "minSessionTimeout=1000\n", "maxSessionTimeout=10000\n", "dataDir=" + filepath.Join(dir, "data") + "\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
	// One warning per key that does not apply, naming it.
	p.stderr.waitFor(regexp.MustCompile(`server\.1 is ignored`)) // the last warning
	log := p.stderr.String()
	for _, key := range []string{"initLimit", "syncLimit", "autopurge.purgeInterval", "server.1"} {
		if n := strings.Count(log, key+" is ignored"); n != 1 {
			t.Errorf("%d warnings for %s:\n%s", n, key, log)
		}
	}
	mustZK(t, "create", "--server", p.addr, "--ttl", "1h", "/ttl")
	adminAddr(t, p)

	// Flags override the file.
	p.stop()
	p = startServe(t, dir, "--config", cfg, "--tick-time", "200")
	if conf := fourLetter(t, p.addr, "conf"); !strings.Contains(conf, "tickTime=200\n") {
		t.Errorf("--tick-time did not override tickTime:\n%s", conf)
	}
}

func TestServeZooCfgRejected(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ cfg, want string }{
		{"tickTime=2000\ndataDir=/tmp/x\ntickTme=3000\n", "zoo.cfg:3: tickTme: unknown key"},
		{"tickTime=2000\nclientPort=abc\n", `zoo.cfg:2: clientPort: invalid value "abc"`},
		{"secureClientPort=2281\nssl.keyStore.type=JKS\n", "zoo.cfg:2: ssl.keyStore.type: JKS stores are not supported"},
	} {
		cfg := filepath.Join(dir, "zoo.cfg")
		os.WriteFile(cfg, []byte(tc.cfg), 0o644)
		r := zk(t, "", "serve", "--config", cfg)
		if r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("config %q: exit %d, stderr %q; want 2 and %q", tc.cfg, r.code, r.err, tc.want)
		}
	}
	if r := zk(t, "", "serve", "--config", filepath.Join(dir, "missing.cfg")); r.code != 2 {
		t.Errorf("missing config file: exit %d", r.code)
	}
}

func TestBadCommandLines(t *testing.T) {
	for _, args := range [][]string{
		{"--tick-time", "0"}, {"--nope"}, {"serve", "extra"}, {"frobnicate"},
		{"--container-check-interval", "0s"}, {"--profile", "tiny"}, {"--log-format", "xml"},
		{"--4lw-whitelist", "ruok,nope"}, {"--super-digest", "nope"},
		{"get"}, {"get", "/a", "/b"}, {"create", "--ephemeral", "--container", "/a"},
		{"setacl", "/a", "world:anyone:xyz"}, {"ls", "--bogus", "/"},
	} {
		if r := zk(t, "", args...); r.code != 2 {
			t.Errorf("zkembed %q: exit %d, want 2 (stderr %q)", args, r.code, r.err)
		}
	}
	if r := zk(t, "", "help"); r.code != 0 || !strings.Contains(r.out, "export") {
		t.Errorf("help: exit %d, %q", r.code, r.out)
	}
	if r := zk(t, "", "get", "--server", "127.0.0.1:1", "--timeout", "500ms", "/"); r.code != 3 {
		t.Errorf("unreachable server: exit %d, want 3 (stderr %q)", r.code, r.err)
	}
}

func TestShutdownLosesNoAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, "--addr", "127.0.0.1:0", "--data", "data")
	const writers = 8
	type ack struct {
		path string
		data string
	}
	acked := make(chan ack, 1<<16)
	started := make(chan struct{}, writers*10)
	done := make(chan struct{}, writers)
	for w := 0; w < writers; w++ {
		c := dial(t, p.addr)
		go func() {
			defer func() { done <- struct{}{} }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for i := 0; i < 5000; i++ {
				path, data := fmt.Sprintf("/w%d-%d", w, i), fmt.Sprint(i)
				if _, err := c.Create(ctx, path, []byte(data), api.OpenACLUnsafe, api.ModePersistent); err != nil {
					return // the server went away
				}
				acked <- ack{path, data}
				select {
				case started <- struct{}{}:
				default:
				}
			}
		}()
	}
	for i := 0; i < writers*10; i++ {
		<-started // writes are flowing
	}
	p.signal(syscall.SIGTERM)
	for i := 0; i < writers; i++ {
		<-done
	}
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d after SIGTERM; stderr:\n%s", code, p.stderr)
	}
	close(acked)
	p = startServe(t, dir, "--addr", "127.0.0.1:0", "--data", "data")
	c := dial(t, p.addr)
	n := 0
	for a := range acked {
		n++
		data, _, err := c.Get(context.Background(), a.path)
		if err != nil || string(data) != a.data {
			t.Fatalf("acknowledged %s=%s: after restart %q, %v", a.path, a.data, data, err)
		}
	}
	if n < writers*10 {
		t.Fatalf("only %d writes acknowledged", n)
	}
	t.Logf("%d acknowledged writes survived SIGTERM", n)
}

// freePort returns a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
