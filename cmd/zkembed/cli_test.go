package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/zkserver"
)

// servers returns the servers the client tests run against: zkembed, and
// Apache ZooKeeper 3.8 when it is installed.
func servers(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"zkembed": startServe(t, "", "--memory", "--addr", "127.0.0.1:0").addr}
	if ok, why := zkserver.Available(); ok {
		out["apache"] = zkserver.Start(t, zkserver.Options{}).Addr()
	} else {
		t.Logf("Apache ZooKeeper not tested: %s", why)
	}
	return out
}

func TestCLI(t *testing.T) {
	for name, addr := range servers(t) {
		t.Run(name, func(t *testing.T) { cliSuite(t, addr) })
	}
}

// cliSuite runs every client command against the server at addr.
func cliSuite(t *testing.T, addr string) {
	s := []string{"--server", addr}
	run := func(args ...string) string { t.Helper(); return mustZK(t, append(args, s...)...) }

	if got := run("create", "/app", "hello"); got != "/app\n" {
		t.Errorf("create: %q", got)
	}
	run("create", "/app/b", "2")
	if got := zk(t, "from stdin", append([]string{"create", "/app/a", "-"}, s...)...); got.code != 0 {
		t.Fatalf("create from stdin: %+v", got)
	}
	seq := strings.TrimSpace(run("create", "--sequential", "/app/job-", "j"))
	if !strings.HasPrefix(seq, "/app/job-") || len(seq) != len("/app/job-")+10 {
		t.Errorf("sequential name %q", seq)
	}
	run("create", "--container", "/app/c")
	run("create", "--ttl", "1h", "/app/t")

	if got := run("ls", "/app"); got != "a\nb\nc\n"+seq[len("/app/"):]+"\nt\n" {
		t.Errorf("ls: %q", got)
	}
	var kids []string
	if err := json.Unmarshal([]byte(run("ls", "--json", "/app")), &kids); err != nil || len(kids) != 5 {
		t.Errorf("ls --json: %q, %v", kids, err)
	}
	if got := run("get", "/app/a"); got != "from stdin\n" {
		t.Errorf("get: %q", got)
	}
	run("set", "/app/a", "changed")
	// Flags after the arguments work too.
	var g struct {
		Data *string
		Stat struct{ Version int32 }
	}
	if err := json.Unmarshal([]byte(run("get", "/app/a", "--json", "--stat")), &g); err != nil ||
		g.Data == nil || *g.Data != "changed" || g.Stat.Version != 1 {
		t.Errorf("get --json --stat: %+v, %v", g, err)
	}
	if r := zk(t, "", append([]string{"set", "--version", "0", "/app/a", "x"}, s...)...); r.code != 1 || !strings.Contains(r.err, "set /app/a: BadVersion") {
		t.Errorf("set with a stale version: exit %d, %q", r.code, r.err)
	}
	st := run("stat", "/app")
	for _, want := range []string{"cZxid = 0x", "numChildren = 5\n", "dataLength = 5\n", "ephemeralOwner = 0x0\n"} {
		if !strings.Contains(st, want) {
			t.Errorf("stat lacks %q:\n%s", want, st)
		}
	}
	if r := zk(t, "", append([]string{"stat", "/nope"}, s...)...); r.code != 1 || !strings.Contains(r.err, "stat /nope: NoNode") {
		t.Errorf("stat of a missing znode: exit %d, %q", r.code, r.err)
	}

	tree := run("tree", "/app")
	if !strings.HasPrefix(tree, "/app\n├── a\n├── b\n") || !strings.HasSuffix(tree, "└── t\n") {
		t.Errorf("tree:\n%s", tree)
	}

	// ACLs.
	digest := api.DigestID("bob", "pw")
	run("setacl", "/app/b", "world:anyone:r,digest:"+digest+":cdrwa")
	if got := run("getacl", "--auth", "digest:bob:pw", "/app/b"); got != "world:anyone:r\ndigest:"+digest+":cdrwa\n" {
		t.Errorf("getacl: %q", got)
	}
	if r := zk(t, "", append([]string{"set", "/app/b", "x"}, s...)...); r.code != 1 || !strings.Contains(r.err, "NoAuth") {
		t.Errorf("set without auth: exit %d, %q", r.code, r.err)
	}
	run("set", "--auth", "digest:bob:pw", "/app/b", "x")

	// Chroot in the connect string.
	if got := mustZK(t, "get", "--server", addr+"/app", "/a"); got != "changed\n" {
		t.Errorf("get with a chroot: %q", got)
	}

	// watch streams events until interrupted; create --ephemeral holds
	// its znode until interrupted.
	w := exec.Command(binPath, append([]string{"watch", "--recursive", "--json", "/app"}, s...)...)
	wout, _ := w.StdoutPipe()
	werr, _ := w.StderrPipe()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(werr).ReadString('\n'); err != nil || !strings.HasPrefix(line, "watching /app") {
		t.Fatalf("watch did not start: %q, %v", line, err)
	}
	e := exec.Command(binPath, append([]string{"create", "--ephemeral", "/app/e"}, s...)...)
	eout, _ := e.StdoutPipe()
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(eout).ReadString('\n'); err != nil || line != "/app/e\n" {
		t.Fatalf("create --ephemeral printed %q, %v", line, err)
	}
	if st := run("stat", "--json", "/app/e"); !strings.Contains(st, `"ephemeralOwner": `) || strings.Contains(st, `"ephemeralOwner": 0,`) {
		t.Errorf("ephemeral stat: %s", st)
	}
	e.Process.Signal(syscall.SIGINT)
	if err := e.Wait(); err != nil {
		t.Errorf("create --ephemeral after SIGINT: %v", err)
	}
	run("set", "/app/a", "again")
	wr := bufio.NewReader(wout)
	var events []string
	for len(events) < 3 {
		line, err := wr.ReadString('\n')
		if err != nil {
			t.Fatalf("watch output after %q: %v", events, err)
		}
		var ev struct{ Type, Path string }
		json.Unmarshal([]byte(line), &ev)
		events = append(events, ev.Type+" "+ev.Path)
	}
	if strings.Join(events, ",") != "NodeCreated /app/e,NodeDeleted /app/e,NodeDataChanged /app/a" {
		t.Errorf("watch events %q", events)
	}
	w.Process.Signal(syscall.SIGINT)
	if err := w.Wait(); err != nil {
		t.Errorf("watch after SIGINT: %v", err)
	}

	// delete, then delete --recursive.
	if r := zk(t, "", append([]string{"delete", "/app"}, s...)...); r.code != 1 || !strings.Contains(r.err, "delete /app: NotEmpty") {
		t.Errorf("delete of a parent: exit %d, %q", r.code, r.err)
	}
	run("delete", "/app/t")
	run("delete", "--auth", "digest:bob:pw", "--recursive", "/app")
	if r := zk(t, "", append([]string{"ls", "/app"}, s...)...); r.code != 1 || !strings.Contains(r.err, "NoNode") {
		t.Errorf("after delete --recursive: exit %d, %q", r.code, r.err)
	}
	_ = time.Second
}
