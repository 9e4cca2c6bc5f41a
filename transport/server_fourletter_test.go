package transport

import (
	"github.com/zkembed/zkembed/api"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/engine"
)

// statsEngine is the engine with canned four-letter-word statistics.
type statsEngine struct {
	*engine.Engine
	stats    api.ServerStats
	sessions []api.SessionInfo
}

func (s *statsEngine) Stats() api.ServerStats { return s.stats }

func (s *statsEngine) Sessions() []api.SessionInfo {
	return append([]api.SessionInfo(nil), s.sessions...)
}

var expiry = time.Date(2026, 11, 21, 21, 52, 26, 0, time.UTC)

func startStatsServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	eng, err := engine.Open(engine.Options{TickTime: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	se := &statsEngine{Engine: eng,
		stats: api.ServerStats{NodeCount: 8, WatchCount: 3, EphemeralsCount: 2, ApproximateDataSize: 44,
			LastZxid: 0x5, SessionCount: 2, DataDir: "/var/lib/zk", DataDirSize: 1234,
			TickTime: 200 * time.Millisecond, MinSessionTimeout: 400 * time.Millisecond, MaxSessionTimeout: 4 * time.Second},
		sessions: []api.SessionInfo{
			{ID: 0x1000004b0cc0001, Timeout: 4 * time.Second, Expires: expiry, Ephemerals: []string{"/b"}},
			{ID: 0x1000004b0cc0000, Timeout: 4 * time.Second, Expires: expiry,
				Ephemerals: []string{"/a/e"}, DataWatches: []string{"/a", "/nope"}},
		}}
	return startServerFor(t, eng, se, opts)
}

// word sends a four-letter word and returns the whole answer.
func (ts *testServer) word(t *testing.T, transport, w string) string {
	t.Helper()
	nc := ts.dial(t, transport)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, w); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("%s: %v", w, err)
	}
	return string(b)
}

// The layouts are those of Apache ZooKeeper's command classes, checked
// against a ZooKeeper 3.8 server's answers.
var wordLayouts = map[string]string{
	"ruok": `imok`,
	"isro": `rw`,
	"srvr": `Zookeeper version: 3\.9\.0-zkembed, built on 1970-01-01 00:00 UTC
Latency min/avg/max: \d+/\d+\.\d+/\d+
Received: \d+
Sent: \d+
Connections: \d+
Outstanding: 0
Zxid: 0x5
Mode: standalone
Node count: 8
`,
	"stat": `Zookeeper version: 3\.9\.0-zkembed, built on 1970-01-01 00:00 UTC
Clients:
( \S+\[[01]\]\(queued=\d+,recved=\d+,sent=\d+\)
)+
Latency min/avg/max: \d+/\d+\.\d+/\d+
Received: \d+
Sent: \d+
Connections: \d+
Outstanding: 0
Zxid: 0x5
Mode: standalone
Node count: 8
`,
	"cons": `( \S+\[1\]\(queued=0,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,lop=[A-Z]+,est=\d+,to=4000,(lcxid=0x[0-9a-f]+,)?lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)
| \S+\[0\]\(queued=0,recved=1,sent=0\)
)+
`,
	"conf": `clientPort=(-1|\d+)
secureClientPort=-1
dataDir=/var/lib/zk
dataDirSize=1234
dataLogDir=/var/lib/zk
dataLogSize=1234
tickTime=200
maxClientCnxns=0
minSessionTimeout=400
maxSessionTimeout=4000
clientPortListenBacklog=-1
serverId=0
`,
	"dirs": `datadir_size: 1234
logdir_size: 1234
`,
	"wchs": `1 connections watching 2 paths
Total watches:2
`,
	"wchc": `0x1000004b0cc0000
	/a
	/nope

`,
	"wchp": `/a
	0x1000004b0cc0000
/nope
	0x1000004b0cc0000

`,
	"dump": `SessionTracker dump:
Session Sets \(1\)/\(2\):
2 expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ 2026:
	0x1000004b0cc0000
	0x1000004b0cc0001
ephemeral nodes dump:
Sessions with Ephemerals \(2\):
0x1000004b0cc0000:
	/a/e
0x1000004b0cc0001:
	/b
Connections dump:
Connections Sets \(\d+\)/\(\d+\):
(\d+ expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ \d{4}:
(	ip: \S+ sessionId: 0x[0-9a-f]+
)+)+`,
	"crst": "Connection stats reset.\n",
	"srst": "Server stats reset.\n",
	"envi": `Environment:
zookeeper.version=3\.9\.0-zkembed, built on 1970-01-01 00:00 UTC
host.name=.*
java.version=go.*
java.vendor=Go
java.home=.*
java.class.path=.*
java.library.path=.*
java.io.tmpdir=.*
java.compiler=<NA>
os.name=.*
os.arch=.*
os.version=.*
user.name=.*
user.home=.*
user.dir=.*
jvm.memory.free=\d+MB
jvm.memory.max=\d+MB
jvm.memory.total=\d+MB
`,
	"mntr": `zk_version	3\.9\.0-zkembed, built on 1970-01-01 00:00 UTC
zk_server_state	standalone
zk_ephemerals_count	2
zk_num_alive_connections	\d+
zk_avg_latency	\d+\.\d+
zk_outstanding_requests	0
zk_znode_count	8
zk_global_sessions	2
zk_non_mtls_remote_conn_count	0
zk_last_client_response_size	-?\d+
zk_packets_sent	\d+
zk_packets_received	\d+
zk_max_client_response_size	-?\d+
zk_connection_drop_probability	0\.0
zk_watch_count	3
zk_auth_failed_count	0
zk_min_latency	\d+
zk_max_file_descriptor_count	\d+
zk_approximate_data_size	44
zk_open_file_descriptor_count	\d+
zk_local_sessions	0
zk_uptime	\d+
zk_max_latency	\d+
zk_outstanding_tls_handshake	0
zk_min_client_response_size	-?\d+
zk_non_mtls_local_conn_count	0
`,
}

func TestFourLetterWords(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startStatsServer(t, Options{})
		// A session with some traffic, so cons and stat list it.
		c, _, _ := ts.zkConn(t, transport)
		if _, _, err := c.Get("/zookeeper"); err != nil {
			t.Fatal(err)
		}
		for w, layout := range wordLayouts {
			got := ts.word(t, transport, w)
			if !regexp.MustCompile(`\A` + layout + `\z`).MatchString(got) {
				t.Errorf("%s answered:\n%s\nwant layout:\n%s", w, got, layout)
			}
		}
	})
}

func TestFourLetterWordStats(t *testing.T) {
	ts := startStatsServer(t, Options{})
	c, _, _ := ts.zkConn(t, "tcp")
	for range 3 {
		if _, _, err := c.Get("/zookeeper"); err != nil {
			t.Fatal(err)
		}
	}
	cons := ts.word(t, "tcp", "cons")
	m := regexp.MustCompile(`sid=0x([0-9a-f]+),lop=GETD,.*lcxid=0x([0-9a-f]+)`).FindStringSubmatch(cons)
	if m == nil {
		t.Fatalf("cons does not show the session's last getData:\n%s", cons)
	}
	if m[1] != hex(c.SessionID()) {
		t.Fatalf("cons shows session %s, want %x", m[1], c.SessionID())
	}
	srvr := ts.word(t, "tcp", "srvr")
	if !regexp.MustCompile(`Received: ([4-9]|\d\d+)\n`).MatchString(srvr) {
		t.Fatalf("srvr does not count the packets received:\n%s", srvr)
	}
	if got := ts.word(t, "tcp", "srst"); got != "Server stats reset.\n" {
		t.Fatalf("srst = %q", got)
	}
	// srvr itself is a packet received since the reset.
	if srvr := ts.word(t, "tcp", "srvr"); !strings.Contains(srvr, "Received: 1\nSent: 0\n") {
		t.Fatalf("srvr after srst:\n%s", srvr)
	}
	if got := ts.word(t, "tcp", "crst"); got != "Connection stats reset.\n" {
		t.Fatalf("crst = %q", got)
	}
	if cons := ts.word(t, "tcp", "cons"); !strings.Contains(cons, "recved=0,sent=0,sid=0x"+hex(c.SessionID())+",lop=NA") {
		t.Fatalf("cons after crst:\n%s", cons)
	}
}

func TestFourLetterWhitelist(t *testing.T) {
	ts := startStatsServer(t, Options{FourLetterWords: []string{"ruok"}})
	if got := ts.word(t, "pipe", "ruok"); got != "imok" {
		t.Fatalf("ruok = %q", got)
	}
	if got := ts.word(t, "pipe", "mntr"); got != "mntr is not executed because it is not in the whitelist.\n" {
		t.Fatalf("mntr = %q", got)
	}
	// srvr is always enabled, as in ZooKeeper (zkServer.sh depends on it).
	if got := ts.word(t, "pipe", "srvr"); !strings.HasPrefix(got, "Zookeeper version: ") {
		t.Fatalf("srvr = %q", got)
	}
	all := startStatsServer(t, Options{FourLetterWords: []string{"*"}})
	if got := all.word(t, "pipe", "isro"); got != "rw" {
		t.Fatalf("isro with * = %q", got)
	}
}

// openerOnly hides every method of the engine but OpenSession.
type openerOnly struct{ api.SessionOpener }

// A backend without StatsBackend still answers, with zeros.
func TestFourLetterWordsWithoutStats(t *testing.T) {
	eng, err := engine.Open(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	ts := startServerFor(t, eng, openerOnly{eng}, Options{})
	got := ts.word(t, "tcp", "srvr")
	if !strings.Contains(got, "Zxid: 0x0\nMode: standalone\nNode count: 0\n") {
		t.Fatalf("srvr = %q", got)
	}
	if got := ts.word(t, "tcp", "wchs"); got != "0 connections watching 0 paths\nTotal watches:0\n" {
		t.Fatalf("wchs = %q", got)
	}
}

func TestJavaHelpers(t *testing.T) {
	for f, want := range map[float64]string{0: "0.0", 3: "3.0", 2.6667: "2.6667", 0.5: "0.5"} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", f, got, want)
		}
	}
	if got := hex(-1); got != "ffffffffffffffff" {
		t.Errorf("hex(-1) = %q", got)
	}
	if got := javaDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); got != "Fri Jan 02 03:04:05 UTC 2026" {
		t.Errorf("javaDate = %q", got)
	}
}

var _ StatsBackend = (*engine.Engine)(nil)

// The engine itself reports its counters.
func TestFourLetterWordsFromEngine(t *testing.T) {
	ts := startServer(t, Options{FourLetterWords: []string{"*"}})
	got := ts.word(t, "pipe", "srvr")
	if !strings.Contains(got, "Node count: 4\n") {
		t.Fatalf("srvr on a fresh engine = %q, want its 4 znodes", got)
	}
}
