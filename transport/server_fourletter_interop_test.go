package transport

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkembed/zkembed/internal/zkserver"
)

// keysOf returns the keys of an answer made of "key<sep>value" lines, in
// order.
func keysOf(answer, sep string) []string {
	var keys []string
	for _, line := range strings.Split(strings.TrimRight(answer, "\n"), "\n") {
		if k, _, ok := strings.Cut(line, sep); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// TestFourLetterWordsMatchZooKeeper asks Apache ZooKeeper 3.8 and zkembed
// the same words, with a session holding a data watch and an ephemeral on
// each, and compares the keys and line shapes of the answers.
func TestFourLetterWordsMatchZooKeeper(t *testing.T) {
	if ok, why := zkserver.Available(); !ok {
		t.Skip(why)
	}
	zs := zkserver.Start(t, zkserver.Options{})
	ts := startStatsServer(t, Options{})

	ask := func(word string) (theirs, ours string) {
		t.Helper()
		theirs, err := zkserver.FourLetter(zs.Addr(), word, 10*time.Second)
		if err != nil {
			t.Fatalf("ZooKeeper %s: %v", word, err)
		}
		return theirs, ts.word(t, "tcp", word)
	}
	zc, ev, err := zk.Connect([]string{zs.Addr()}, 4*time.Second, zk.WithLogger(discardLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	waitState(t, ev, zk.StateHasSession)
	if _, err := zc.Create("/e", nil, zk.FlagEphemeral, openACL); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := zc.GetW("/e"); err != nil {
		t.Fatal(err)
	}
	c, _, _ := ts.zkConn(t, "tcp")
	if _, _, err := c.Get("/zookeeper"); err != nil {
		t.Fatal(err)
	}

	for _, w := range []string{"ruok", "isro", "crst", "srst"} {
		if theirs, ours := ask(w); theirs != ours {
			t.Errorf("%s: ZooKeeper %q, zkembed %q", w, theirs, ours)
		}
	}
	for _, w := range []string{"srvr", "conf", "dirs"} {
		sep := ": "
		if w == "conf" {
			sep = "="
		}
		theirs, ours := ask(w)
		if tk, ok := keysOf(theirs, sep), keysOf(ours, sep); !slices.Equal(tk, ok) {
			t.Errorf("%s keys: ZooKeeper %q, zkembed %q", w, tk, ok)
		}
	}
	// envi: ZooKeeper 3.9 renamed os.memory.* to jvm.memory.*; zkembed
	// follows 3.9.
	theirs, ours := ask("envi")
	tk := keysOf(theirs, "=")
	for i, k := range tk {
		tk[i] = strings.Replace(k, "os.memory.", "jvm.memory.", 1)
	}
	if ok := keysOf(ours, "="); !slices.Equal(tk, ok) {
		t.Errorf("envi keys: ZooKeeper %q, zkembed %q", tk, ok)
	}
	// mntr: every key zkembed reports is one of ZooKeeper's, and the
	// gauges of ZooKeeperServer.registerMetrics are all there.
	theirs, ours = ask("mntr")
	tk, ok := keysOf(theirs, "\t"), keysOf(ours, "\t")
	for _, k := range ok {
		if !slices.Contains(tk, k) {
			t.Errorf("mntr: zkembed reports %s, ZooKeeper does not", k)
		}
	}
	for _, k := range tk[:26] {
		if !slices.Contains(ok, k) {
			t.Errorf("mntr: ZooKeeper reports gauge %s, zkembed does not", k)
		}
	}
	// The line shapes of the listing words.
	shapes := map[string]*regexp.Regexp{
		"stat": regexp.MustCompile(`\AZookeeper version: .*\nClients:\n( /\S+\[[01]\]\(queued=\d+,recved=\d+,sent=\d+\)\n)+\nLatency min/avg/max: \d+/\d+\.\d+/\d+\nReceived: \d+\nSent: \d+\nConnections: \d+\nOutstanding: \d+\nZxid: 0x[0-9a-f]+\nMode: standalone\nNode count: \d+\n\z`),
		"cons": regexp.MustCompile(`\A( /\S+\[1\]\(queued=\d+,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,lop=[A-Z]+,est=\d+,to=\d+,(lcxid=0x[0-9a-f]+,)?lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)\n| /\S+\[0\]\(queued=0,recved=1,sent=0\)\n)+\n\z`),
		"wchs": regexp.MustCompile(`\A1 connections watching \d paths\nTotal watches:\d\n\z`),
		"wchc": regexp.MustCompile(`\A0x[0-9a-f]+\n(\t/\S*\n)+\n\z`),
		"wchp": regexp.MustCompile(`\A(/\S*\n\t0x[0-9a-f]+\n)+\n\z`),
		"dump": regexp.MustCompile(`\ASessionTracker dump:\nSession Sets \(\d+\)/\(\d+\):\n(\d+ expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ \d{4}:\n(\t0x[0-9a-f]+\n)*)+ephemeral nodes dump:\nSessions with Ephemerals \(\d+\):\n(0x[0-9a-f]+:\n(\t/\S*\n)+)+Connections dump:\nConnections Sets \(\d+\)/\(\d+\):\n(\d+ expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ \d{4}:\n(\tip: /\S+ sessionId: 0x[0-9a-f]+\n)+)+\z`),
	}
	for w, re := range shapes {
		theirs, ours := ask(w)
		if !re.MatchString(theirs) {
			t.Errorf("%s: the shape does not match ZooKeeper's own answer:\n%s", w, theirs)
		}
		if !re.MatchString(ours) {
			t.Errorf("%s: zkembed's answer does not have ZooKeeper's shape:\n%s", w, ours)
		}
	}
}
