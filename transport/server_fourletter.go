package transport

import (
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/proc"
)

// The four-letter words: sent as the first four bytes of a connection
// instead of a frame length, answered in plain text, then the connection
// closes (NIOServerCnxn.checkFourLetterWord). The layouts follow the
// command classes of org.apache.zookeeper.server.command.
var fourLetterWords = map[string]func(*serverConn, *strings.Builder){
	"ruok": (*serverConn).ruok,
	"srvr": func(c *serverConn, w *strings.Builder) { c.statWord(w, false) },
	"stat": func(c *serverConn, w *strings.Builder) { c.statWord(w, true) },
	"mntr": (*serverConn).mntr,
	"conf": (*serverConn).conf,
	"cons": (*serverConn).cons,
	"envi": (*serverConn).envi,
	"wchs": (*serverConn).wchs,
	"wchc": func(c *serverConn, w *strings.Builder) { c.watches(w, false) },
	"wchp": func(c *serverConn, w *strings.Builder) { c.watches(w, true) },
	"dump": (*serverConn).dump,
	"isro": (*serverConn).isro,
	"dirs": (*serverConn).dirs,
	"crst": (*serverConn).crst,
	"srst": (*serverConn).srst,
}

func isFourLetterWord(w string) bool {
	_, ok := fourLetterWords[w]
	return ok
}

// fourLetterWord answers word and leaves the connection to be closed.
func (c *serverConn) fourLetterWord(word string) {
	s := c.srv
	var w strings.Builder
	if s.words != nil && !s.words[word] {
		// ZOOKEEPER-2693: NopCommand's answer for a word not whitelisted.
		s.log.Debug("four-letter word not in the whitelist", "word", word, "remote", c.remote)
		w.WriteString(word + " is not executed because it is not in the whitelist.\n")
	} else {
		s.log.Info("processing four-letter word", "word", word, "remote", c.remote)
		fourLetterWords[word](c, &w)
	}
	c.nc.SetWriteDeadline(time.Now().Add(s.opts.HandshakeTimeout))
	if _, err := io.WriteString(c.nc, w.String()); err != nil {
		s.log.Debug("four-letter word: write failed", "word", word, "remote", c.remote, "err", err)
		return
	}
}

func (c *serverConn) backendStats() api.ServerStats {
	if c.srv.stats == nil {
		return api.ServerStats{}
	}
	return c.srv.stats.Stats()
}

// sessions returns the backend's sessions by id, each with DataWatches
// widened to ZooKeeper's dataWatches table: one-shot data and exist watches
// and the persistent and persistent-recursive ones (child watches are in
// another table), which wchs, wchc and wchp report.
func (c *serverConn) sessions() []api.SessionInfo {
	if c.srv.stats == nil {
		return nil
	}
	ss := c.srv.stats.Sessions()
	for i := range ss {
		si := &ss[i]
		if len(si.PersistentWatches)+len(si.RecursiveWatches) > 0 {
			all := slices.Concat(si.DataWatches, si.PersistentWatches, si.RecursiveWatches)
			slices.Sort(all)
			si.DataWatches = slices.Compact(all)
		}
	}
	slices.SortFunc(ss, func(a, b api.SessionInfo) int {
		if a.ID < b.ID {
			return -1
		} else if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return ss
}

func (c *serverConn) ruok(w *strings.Builder) { w.WriteString("imok") }

func (c *serverConn) isro(w *strings.Builder) { w.WriteString("rw") }

// statWord is StatCommand: srvr, and stat with the client list.
func (c *serverConn) statWord(w *strings.Builder, clients bool) {
	s := c.srv
	w.WriteString("Zookeeper version: " + s.opts.Version + "\n")
	if clients {
		w.WriteString("Clients:\n")
		for _, x := range s.connections() {
			x.connectionInfo(w, true)
			w.WriteString("\n")
		}
		w.WriteString("\n")
	}
	st := c.backendStats()
	lo, avg, hi := s.ctr.latency()
	w.WriteString("Latency min/avg/max: " + itoa(lo) + "/" + javaDouble(avg) + "/" + itoa(hi) + "\n")
	w.WriteString("Received: " + itoa(s.ctr.packetsReceived.Load()) + "\n")
	w.WriteString("Sent: " + itoa(s.ctr.packetsSent.Load()) + "\n")
	w.WriteString("Connections: " + strconv.Itoa(len(s.connections())) + "\n")
	w.WriteString("Outstanding: " + itoa(s.outstanding()) + "\n")
	w.WriteString("Zxid: 0x" + hex(int64(st.LastZxid)) + "\n")
	w.WriteString("Mode: standalone\n")
	w.WriteString("Node count: " + itoa(st.NodeCount) + "\n")
}

// outstanding returns the requests read but not yet answered, over every
// connection.
func (s *Server) outstanding() int64 {
	var n int64
	for _, c := range s.connections() {
		n += c.outstanding()
	}
	return n
}

func (c *serverConn) outstanding() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(c.pending.n)
}

// connectionInfo is ServerCnxn.dumpConnectionInfo.
func (c *serverConn) connectionInfo(w *strings.Builder, brief bool) {
	st := c.ctr.snapshot()
	interest := "1"
	if c.sessionID() == 0 {
		interest = "0"
	}
	w.WriteString(" " + c.remote + "[" + interest + "](queued=" + itoa(c.outstanding()) +
		",recved=" + itoa(st.received) + ",sent=" + itoa(st.sent))
	if id := c.sessionID(); !brief && id != 0 {
		w.WriteString(",sid=0x" + hex(int64(id)) + ",lop=" + st.lastOp +
			",est=" + itoa(c.accepted.UnixMilli()) + ",to=" + itoa(c.timeoutMs.Load()))
		if st.lastCxid >= 0 {
			w.WriteString(",lcxid=0x" + hex(st.lastCxid))
		}
		w.WriteString(",lzxid=0x" + hex(st.lastZxid) + ",lresp=" + itoa(st.lastResponse) +
			",llat=" + itoa(st.lastLatency) + ",minlat=" + itoa(st.minLatency) +
			",avglat=" + itoa(st.avgLatency) + ",maxlat=" + itoa(st.maxLatency))
	}
	w.WriteString(")")
}

// cons is ConsCommand.
func (c *serverConn) cons(w *strings.Builder) {
	for _, x := range c.srv.connections() {
		x.connectionInfo(w, false)
		w.WriteString("\n")
	}
	w.WriteString("\n")
}

// mntr is MonitorCommand: ZooKeeperServer's gauges and the metrics that
// apply to zkembed, one "zk_key<TAB>value" line each.
func (c *serverConn) mntr(w *strings.Builder) {
	s := c.srv
	st := c.backendStats()
	lo, avg, hi := s.ctr.latency()
	rlast, rmin, rmax := s.ctr.responseSizes()
	openFDs, maxFDs := proc.FileDescriptors()
	line := func(k, v string) { w.WriteString("zk_" + k + "\t" + v + "\n") }
	line("version", s.opts.Version)
	line("server_state", "standalone")
	line("ephemerals_count", itoa(st.EphemeralsCount))
	line("num_alive_connections", strconv.Itoa(len(s.connections())))
	line("avg_latency", javaDouble(avg))
	line("outstanding_requests", itoa(s.outstanding()))
	line("znode_count", itoa(st.NodeCount))
	line("global_sessions", itoa(st.SessionCount))
	line("non_mtls_remote_conn_count", "0")
	line("last_client_response_size", itoa(rlast))
	line("packets_sent", itoa(s.ctr.packetsSent.Load()))
	line("packets_received", itoa(s.ctr.packetsReceived.Load()))
	line("max_client_response_size", itoa(rmax))
	line("connection_drop_probability", "0.0")
	line("watch_count", itoa(st.WatchCount))
	line("auth_failed_count", itoa(s.ctr.authFailed.Load()))
	line("min_latency", itoa(lo))
	line("max_file_descriptor_count", itoa(maxFDs))
	line("approximate_data_size", itoa(st.ApproximateDataSize))
	line("open_file_descriptor_count", itoa(openFDs))
	line("local_sessions", "0")
	line("uptime", itoa(s.nowMillis()))
	line("max_latency", itoa(hi))
	line("outstanding_tls_handshake", "0")
	line("min_client_response_size", itoa(rmin))
	line("non_mtls_local_conn_count", "0")
}

// conf is ConfCommand (ZooKeeperServer.dumpConf).
func (c *serverConn) conf(w *strings.Builder) {
	st := c.backendStats()
	port := -1
	if a, ok := c.nc.LocalAddr().(*net.TCPAddr); ok {
		port = a.Port
	}
	w.WriteString("clientPort=" + strconv.Itoa(port) + "\n")
	w.WriteString("secureClientPort=-1\n")
	w.WriteString("dataDir=" + st.DataDir + "\n")
	w.WriteString("dataDirSize=" + itoa(st.DataDirSize) + "\n")
	w.WriteString("dataLogDir=" + st.DataDir + "\n")
	w.WriteString("dataLogSize=" + itoa(st.DataDirSize) + "\n")
	w.WriteString("tickTime=" + itoa(millis(st.TickTime)) + "\n")
	w.WriteString("maxClientCnxns=" + strconv.Itoa(c.srv.opts.MaxClientCnxns) + "\n")
	w.WriteString("minSessionTimeout=" + itoa(millis(st.MinSessionTimeout)) + "\n")
	w.WriteString("maxSessionTimeout=" + itoa(millis(st.MaxSessionTimeout)) + "\n")
	w.WriteString("clientPortListenBacklog=-1\n")
	w.WriteString("serverId=0\n")
}

// dirs is DirsCommand.
func (c *serverConn) dirs(w *strings.Builder) {
	st := c.backendStats()
	w.WriteString("datadir_size: " + itoa(st.DataDirSize) + "\n")
	w.WriteString("logdir_size: " + itoa(st.DataDirSize) + "\n")
}

// envi is EnvCommand, with the keys of ZooKeeper 3.9's Environment.list
// filled in from the Go runtime.
func (c *serverConn) envi(w *strings.Builder) {
	host, err := os.Hostname()
	if err != nil {
		host = "<NA>"
	}
	exe, err := os.Executable()
	if err != nil {
		exe = "<NA>"
	}
	user, home := os.Getenv("USER"), os.Getenv("HOME")
	if user == "" {
		user = "<NA>"
	}
	if home == "" {
		home = "<NA>"
	}
	wd, err := os.Getwd()
	if err != nil {
		wd = "<NA>"
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	const mb = 1 << 20
	kv := func(k, v string) { w.WriteString(k + "=" + v + "\n") }
	w.WriteString("Environment:\n")
	kv("zookeeper.version", c.srv.opts.Version)
	kv("host.name", host)
	kv("java.version", runtime.Version())
	kv("java.vendor", "Go")
	kv("java.home", runtime.GOROOT())
	kv("java.class.path", exe)
	kv("java.library.path", "<NA>")
	kv("java.io.tmpdir", os.TempDir())
	kv("java.compiler", "<NA>")
	kv("os.name", osName())
	kv("os.arch", runtime.GOARCH)
	kv("os.version", osVersion())
	kv("user.name", user)
	kv("user.home", home)
	kv("user.dir", wd)
	kv("jvm.memory.free", itoa(int64((ms.HeapIdle-ms.HeapReleased)/mb))+"MB")
	kv("jvm.memory.max", itoa(int64(ms.Sys/mb))+"MB")
	kv("jvm.memory.total", itoa(int64(ms.HeapSys/mb))+"MB")
}

func osName() string {
	if runtime.GOOS == "" {
		return "<NA>"
	}
	return strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:]
}

func osVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "<NA>"
	}
	return strings.TrimSpace(string(b))
}

// wchs is WatchCommand's summary (WatchManager.toString of the data
// watches), followed by an empty line.
func (c *serverConn) wchs(w *strings.Builder) {
	ss := c.sessions()
	sessions, total := 0, 0
	paths := make(map[string]struct{})
	for _, si := range ss {
		if len(si.DataWatches) == 0 {
			continue
		}
		sessions++
		total += len(si.DataWatches)
		for _, p := range si.DataWatches {
			paths[p] = struct{}{}
		}
	}
	w.WriteString(strconv.Itoa(sessions) + " connections watching " + strconv.Itoa(len(paths)) + " paths\n")
	w.WriteString("Total watches:" + strconv.Itoa(total) + "\n")
}

// watches is WatchCommand's dump of the data watches, by session (wchc) or
// by path (wchp), followed by an empty line.
func (c *serverConn) watches(w *strings.Builder, byPath bool) {
	ss := c.sessions()
	if !byPath {
		for _, si := range ss {
			if len(si.DataWatches) == 0 {
				continue
			}
			w.WriteString("0x" + hex(int64(si.ID)) + "\n")
			for _, p := range si.DataWatches {
				w.WriteString("\t" + p + "\n")
			}
		}
		w.WriteString("\n")
		return
	}
	byP := make(map[string][]api.SessionID)
	var paths []string
	for _, si := range ss {
		for _, p := range si.DataWatches {
			if _, ok := byP[p]; !ok {
				paths = append(paths, p)
			}
			byP[p] = append(byP[p], si.ID)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		w.WriteString(p + "\n")
		for _, id := range byP[p] {
			w.WriteString("\t0x" + hex(int64(id)) + "\n")
		}
	}
	w.WriteString("\n")
}

// javaDate formats t as java.util.Date.toString does.
func javaDate(t time.Time) string { return t.Format("Mon Jan 02 15:04:05 MST 2006") }

// dump is DumpCommand: sessions by expiry time, ephemerals by session,
// connections by expiry time.
func (c *serverConn) dump(w *strings.Builder) {
	ss := c.sessions()
	w.WriteString("SessionTracker dump:\n")
	type bucket struct {
		at    time.Time
		elems []string
	}
	writeSets := func(prefix string, buckets []bucket, n int) {
		slices.SortFunc(buckets, func(a, b bucket) int { return a.at.Compare(b.at) })
		w.WriteString(prefix + "Sets (" + strconv.Itoa(len(buckets)) + ")/(" + strconv.Itoa(n) + "):\n")
		for _, b := range buckets {
			w.WriteString(strconv.Itoa(len(b.elems)) + " expire at " + javaDate(b.at) + ":\n")
			for _, e := range b.elems {
				w.WriteString("\t" + e + "\n")
			}
		}
	}
	group := func(at time.Time, elem string, buckets []bucket) []bucket {
		for i := range buckets {
			if buckets[i].at.Equal(at) {
				buckets[i].elems = append(buckets[i].elems, elem)
				return buckets
			}
		}
		return append(buckets, bucket{at: at, elems: []string{elem}})
	}
	var sb []bucket
	for _, si := range ss {
		sb = group(si.Expires, "0x"+hex(int64(si.ID)), sb)
	}
	writeSets("Session ", sb, len(ss))

	w.WriteString("ephemeral nodes dump:\n")
	n := 0
	for _, si := range ss {
		if len(si.Ephemerals) > 0 {
			n++
		}
	}
	w.WriteString("Sessions with Ephemerals (" + strconv.Itoa(n) + "):\n")
	for _, si := range ss {
		if len(si.Ephemerals) == 0 {
			continue
		}
		w.WriteString("0x" + hex(int64(si.ID)) + ":\n")
		for _, p := range si.Ephemerals {
			w.WriteString("\t" + p + "\n")
		}
	}

	w.WriteString("Connections dump:\n")
	conns := c.srv.connections()
	var cb []bucket
	for _, x := range conns {
		at := time.Unix(0, x.deadline.Load()).Truncate(time.Second).Add(time.Second)
		cb = group(at, "ip: "+x.remote+" sessionId: 0x"+hex(int64(x.sessionID())), cb)
	}
	writeSets("Connections ", cb, len(conns))
}

// crst is CnxnStatResetCommand.
func (c *serverConn) crst(w *strings.Builder) {
	for _, x := range c.srv.connections() {
		x.ctr.reset()
	}
	w.WriteString("Connection stats reset.\n")
}

// srst is StatResetCommand.
func (c *serverConn) srst(w *strings.Builder) {
	c.srv.ctr.reset()
	w.WriteString("Server stats reset.\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// hex formats n as Java's Long.toHexString: two's complement, no sign.
func hex(n int64) string { return strconv.FormatUint(uint64(n), 16) }
