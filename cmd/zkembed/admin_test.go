package main

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/zkserver"
)

// adminCommands are the AdminServer commands compared, by primary name
// and an alias.
var adminCommands = []string{"configuration", "conf", "connections", "dirs", "dump", "environment",
	"is_read_only", "monitor", "ruok", "server_stats", "srvr", "stats", "stat_reset", "connection_stat_reset",
	"watch_summary", "watches", "watches_by_path", "leader", "observers", "voting_view", "zabstate", "nope"}

// adminKeys fetches every command from the endpoint at base and returns
// each response's top-level keys (and those of server_stats).
func adminKeys(t *testing.T, base string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range adminCommands {
		var m map[string]any
		body := httpGet(t, base+"/commands/"+c)
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%s: %v in %q", c, err, body)
		}
		var keys []string
		for k, v := range m {
			keys = append(keys, k)
			if sub, ok := v.(map[string]any); ok && k == "server_stats" {
				for sk := range sub {
					keys = append(keys, k+"."+sk)
				}
			}
		}
		slices.Sort(keys)
		out[c] = keys
	}
	return out
}

func TestAdminEndpoint(t *testing.T) {
	p := startServe(t, "", "--memory", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	base := "http://" + adminAddr(t, p)
	// A session with an ephemeral and watches, so dump and the watch
	// commands have something to show.
	c := dial(t, p.addr)
	ctx := t.Context()
	c.Create(ctx, "/e", []byte("x"), api.OpenACLUnsafe, api.ModeEphemeral)
	c.GetW(ctx, "/e")
	c.ExistsW(ctx, "/nope")
	id := strconv.FormatInt(int64(c.SessionID()), 10)

	var dump struct {
		Eph map[string][]string `json:"session_id_to_ephemeral_paths"`
	}
	json.Unmarshal([]byte(httpGet(t, base+"/commands/dump")), &dump)
	if !slices.Equal(dump.Eph[id], []string{"/e"}) {
		t.Errorf("dump ephemerals %v, want %s: [/e]", dump.Eph, id)
	}
	var wchc struct {
		W map[string][]string `json:"session_id_to_watched_paths"`
	}
	json.Unmarshal([]byte(httpGet(t, base+"/commands/watches")), &wchc)
	if !slices.Equal(wchc.W[id], []string{"/e", "/nope"}) {
		t.Errorf("watches %v", wchc.W)
	}
	var cons struct {
		Connections []map[string]any
	}
	json.Unmarshal([]byte(httpGet(t, base+"/commands/cons")), &cons)
	if len(cons.Connections) != 1 || cons.Connections[0]["session_id"] != float64(c.SessionID()) {
		t.Errorf("cons: %+v", cons)
	}
	var mntr map[string]any
	json.Unmarshal([]byte(httpGet(t, base+"/commands/mntr")), &mntr)
	if mntr["znode_count"] != float64(5) || mntr["ephemerals_count"] != float64(1) || mntr["command"] != "monitor" {
		t.Errorf("monitor: %v", mntr)
	}
	// /metrics: every numeric mntr value, in Prometheus' text format.
	metrics := httpGet(t, base+"/metrics")
	for _, want := range []string{"# TYPE znode_count gauge\nznode_count 5\n", "ephemerals_count 1\n",
		"# TYPE packets_received counter\n", "global_sessions 1\n", "watch_count 2\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, metrics)
		}
	}
	for k, v := range mntr {
		if _, num := v.(float64); num && k != "command" && !strings.Contains(metrics, "\n"+k+" ") {
			t.Errorf("/metrics lacks mntr's %s", k)
		}
	}
	if idx := httpGet(t, base+"/commands"); !strings.Contains(idx, `<a href="/commands/monitor">monitor</a>`) {
		t.Errorf("command index: %q", idx)
	}

	// The same keys as Apache ZooKeeper's AdminServer.
	if ok, why := zkserver.Available(); !ok {
		t.Skipf("Apache ZooKeeper not available: %s", why)
	}
	jars := []string{"jetty9-server", "jetty9-servlet", "jetty9-http", "jetty9-io", "jetty9-util", "jetty9-security",
		"servlet-api", "jackson-annotations", "jackson-core", "jackson-databind"}
	for _, j := range jars {
		if _, err := os.Stat("/usr/share/java/" + j + ".jar"); err != nil {
			t.Skipf("Apache ZooKeeper's AdminServer needs %s.jar: %v", j, err)
		}
	}
	saved := zkserver.LogJars
	for _, j := range jars {
		zkserver.LogJars = append(zkserver.LogJars, "/usr/share/java/"+j+".jar")
	}
	port := freePort(t)
	zs := zkserver.Start(t, zkserver.Options{Config: map[string]string{
		"admin.enableServer": "true", "admin.serverAddress": "127.0.0.1", "admin.serverPort": strconv.Itoa(port)}})
	zkserver.LogJars = saved
	zc := dial(t, zs.Addr())
	zc.Create(ctx, "/e", []byte("x"), api.OpenACLUnsafe, api.ModeEphemeral)
	zc.GetW(ctx, "/e")
	theirs := adminKeys(t, "http://127.0.0.1:"+strconv.Itoa(port))
	ours := adminKeys(t, base)
	for _, cmd := range adminCommands {
		want := theirs[cmd]
		if cmd == "monitor" {
			// Ours is the subset zkembed has: every key must be theirs.
			for _, k := range ours[cmd] {
				if !slices.Contains(want, k) {
					t.Errorf("monitor: key %q is not ZooKeeper's", k)
				}
			}
			continue
		}
		if !slices.Equal(ours[cmd], want) {
			t.Errorf("%s: keys %q, ZooKeeper's %q", cmd, ours[cmd], want)
		}
	}
}
