// Package admin is zkembed's admin HTTP endpoint: Apache ZooKeeper's
// AdminServer commands as JSON under /commands/<name>, with the names,
// aliases and fields of ZooKeeper's Commands.java, and the metrics mntr
// reports in Prometheus' text format under /metrics.
//
// # Compatibility
//
// Every GET command of ZooKeeper 3.9 is answered; those about an ensemble
// (leader, observers, voting_view, zabstate) give a standalone server's
// answers, as ZooKeeper's do. Differences: monitor lists the metrics
// zkembed has (the gauges of ZooKeeperServer, not the hundreds of
// request-processor metrics); environment fills the java.* keys from the Go
// runtime; the POST commands (snapshot, restore, shed_connections) and
// set_trace_mask are answered with an error. ZooKeeper serves Prometheus
// metrics on a separate port through its metrics provider; zkembed serves
// them on the admin endpoint, with the mntr names and no zk_ prefix, as
// ZooKeeper's Prometheus provider names them.
package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

// Source is what the endpoint reports on.
type Source struct {
	// Backend gives the engine's counters and sessions.
	Backend transport.StatsBackend
	// Server gives the connection counters.
	Server *transport.Server
	// Version is the version string ZooKeeper clients see.
	Version string
	// ClientPort is the port clients connect to.
	ClientPort int
	// MaxClientCnxns is the per-address connection limit.
	MaxClientCnxns int
	// InitialConfig is the configuration file's text, or the command line
	// as key=value lines when there is no file.
	InitialConfig string
	// Started is when the server started (uptime).
	Started time.Time
}

// A command answers one admin request.
type command struct {
	names []string // primary name first
	run   func(s *Source) obj
}

// commands are ZooKeeper's Commands, in the order of their primary names.
var commands = []command{
	{[]string{"configuration", "conf", "config"}, (*Source).conf},
	{[]string{"connection_stat_reset", "crst"}, func(s *Source) obj { s.Server.ResetConnectionCounters(); return nil }},
	{[]string{"connections", "cons"}, func(s *Source) obj {
		return obj{{"connections", s.connections(false)}, {"secure_connections", []any{}}}
	}},
	{[]string{"dirs"}, func(s *Source) obj {
		st := s.Backend.Stats()
		return obj{{"datadir_size", st.DataDirSize}, {"logdir_size", st.DataDirSize}}
	}},
	{[]string{"dump"}, (*Source).dump},
	{[]string{"environment", "env", "envi"}, (*Source).env},
	{[]string{"get_trace_mask", "gtmk"}, func(*Source) obj { return obj{{"tracemask", 0}} }},
	{[]string{"hash"}, func(*Source) obj { return obj{{"digests", []any{}}} }},
	{[]string{"initial_configuration", "icfg"}, func(s *Source) obj { return obj{{"initial_configuration", s.InitialConfig}} }},
	{[]string{"is_read_only", "isro"}, func(*Source) obj { return obj{{"read_only", false}} }},
	{[]string{"last_snapshot", "lsnp"}, func(s *Source) obj {
		// Badger's LSM is zkembed's snapshot: the last committed zxid.
		return obj{{"zxid", strconv.FormatInt(int64(s.Backend.Stats().LastZxid), 16)}, {"timestamp", time.Now().Unix()}}
	}},
	{[]string{"leader", "lead"}, nil}, // standalone: "server is not initialized"
	{[]string{"monitor", "mntr"}, (*Source).monitor},
	{[]string{"observer_connection_stat_reset", "orst"}, func(*Source) obj { return nil }},
	{[]string{"observers", "obsr"}, func(*Source) obj { return obj{{"synced_observers", 0}, {"observers", []any{}}} }},
	{[]string{"ruok"}, func(*Source) obj { return nil }},
	{[]string{"server_stats", "srvr"}, func(s *Source) obj { return s.srvr(false) }},
	{[]string{"set_trace_mask", "stmk"}, nil},
	{[]string{"stat_reset", "srst"}, func(s *Source) obj { s.Server.ResetCounters(); return nil }},
	{[]string{"stats", "stat"}, func(s *Source) obj { return s.srvr(true) }},
	{[]string{"system_properties", "sysp"}, (*Source).sysp},
	{[]string{"voting_view"}, func(*Source) obj { return obj{{"current_config", obj{}}} }},
	{[]string{"watch_summary", "wchs"}, (*Source).watchSummary},
	{[]string{"watches", "wchc"}, (*Source).watchesBySession},
	{[]string{"watches_by_path", "wchp"}, (*Source).watchesByPath},
	{[]string{"zabstate"}, func(*Source) obj { return obj{{"voting", false}, {"zabstate", ""}} }},
}

var byName = func() map[string]*command {
	m := make(map[string]*command)
	for i := range commands {
		for _, n := range commands[i].names {
			m[n] = &commands[i]
		}
	}
	return m
}()

// Handler returns the endpoint: commandURL ("/commands") lists the commands,
// commandURL/<name> runs one, /metrics gives the Prometheus metrics.
func Handler(s *Source, commandURL string) http.Handler {
	commandURL = "/" + strings.Trim(commandURL, "/")
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+commandURL, func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		names := make([]string, 0, len(commands))
		for _, c := range commands {
			names = append(names, c.names[0])
		}
		sort.Strings(names)
		for _, n := range names {
			b.WriteString(`<a href="` + commandURL + "/" + n + `">` + n + "</a>\n<br/>\n")
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("GET "+commandURL+"/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		resp := s.run(name)
		b, err := json.MarshalIndent(resp, "", "  ")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(b, '\n'))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write(s.prometheus())
	})
	return mux
}

// run answers the command name as CommandResponse does: the command's
// fields, then "command" (its primary name) and "error".
func (s *Source) run(name string) obj {
	c, ok := byName[name]
	if !ok {
		return obj{{"command", name}, {"error", "Unknown command: " + name}}
	}
	switch c.names[0] {
	case "leader":
		return obj{{"error", "server is not initialized"}, {"command", c.names[0]}}
	case "set_trace_mask":
		return obj{{"command", c.names[0]}, {"error", "zkembed has no trace mask"}}
	}
	out := c.run(s)
	return append(out, kv{"command", c.names[0]}, kv{"error", nil})
}

// obj is a JSON object whose fields keep their order, as ZooKeeper's
// LinkedHashMap responses do.
type obj []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the fields in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func millis(d time.Duration) int64 { return int64(d / time.Millisecond) }

func (s *Source) conf() obj {
	st := s.Backend.Stats()
	return obj{
		{"client_port", s.ClientPort},
		{"data_dir", st.DataDir},
		{"data_log_dir", st.DataDir},
		{"tick_time", millis(st.TickTime)},
		{"max_client_cnxns", s.MaxClientCnxns},
		{"min_session_timeout", millis(st.MinSessionTimeout)},
		{"max_session_timeout", millis(st.MaxSessionTimeout)},
		{"server_id", 0},
		{"client_port_listen_backlog", -1},
	}
}

// connections is ServerCnxn.getConnectionInfo of every connection; brief
// leaves out the session fields, as stats does.
func (s *Source) connections(brief bool) []obj {
	cs := s.Server.Connections()
	slices.SortFunc(cs, func(a, b transport.ConnectionInfo) int { return strings.Compare(a.RemoteAddr, b.RemoteAddr) })
	out := make([]obj, 0, len(cs))
	for _, c := range cs {
		interest := 1
		if c.SessionID == 0 {
			interest = 0
		}
		o := obj{
			{"remote_socket_address", c.RemoteAddr},
			{"interest_ops", interest},
			{"outstanding_requests", c.Outstanding},
			{"packets_received", c.PacketsReceived},
			{"packets_sent", c.PacketsSent},
		}
		if !brief && c.SessionID != 0 {
			o = append(o,
				kv{"session_id", int64(c.SessionID)},
				kv{"last_operation", c.LastOperation},
				kv{"established", c.Established.UnixMilli()},
				kv{"session_timeout", millis(c.SessionTimeout)},
				kv{"last_cxid", c.LastCxid},
				kv{"last_zxid", c.LastZxid},
				kv{"last_response_time", c.LastResponse},
				kv{"last_latency", c.LastLatency},
				kv{"min_latency", c.MinLatency},
				kv{"avg_latency", c.AvgLatency},
				kv{"max_latency", c.MaxLatency},
			)
		}
		out = append(out, o)
	}
	return out
}

func (s *Source) srvr(withConns bool) obj {
	st := s.Backend.Stats()
	ctr := s.Server.Counters()
	sizes := obj{
		{"last_buffer_size", ctr.LastResponseSize},
		{"min_buffer_size", ctr.MinResponseSize},
		{"max_buffer_size", ctr.MaxResponseSize},
	}
	o := obj{
		{"version", s.Version},
		{"read_only", false},
		{"server_stats", obj{
			{"packets_sent", ctr.PacketsSent},
			{"packets_received", ctr.PacketsReceived},
			{"fsync_threshold_exceed_count", 0},
			{"client_response_stats", sizes},
			{"data_dir_size", st.DataDirSize},
			{"log_dir_size", st.DataDirSize},
			{"provider_null", false},
			{"server_state", "standalone"},
			{"last_processed_zxid", int64(st.LastZxid)},
			{"outstanding_requests", ctr.Outstanding},
			{"avg_latency", ctr.AvgLatency},
			{"max_latency", ctr.MaxLatency},
			{"min_latency", ctr.MinLatency},
			{"num_alive_client_connections", ctr.Connections},
			{"uptime", millis(ctr.Uptime)},
			{"auth_failed_count", ctr.AuthFailed},
			{"non_mtlsremote_conn_count", 0},
			{"non_mtlslocal_conn_count", 0},
		}},
		{"client_response", sizes},
		{"node_count", st.NodeCount},
	}
	if withConns {
		o = append(o, kv{"connections", s.connections(true)}, kv{"secure_connections", []any{}})
	}
	return o
}

// sessions returns the backend's sessions sorted by id, with DataWatches
// widened to ZooKeeper's data-watch table (one-shot data and exist watches
// and persistent ones), which the watch commands report.
func (s *Source) sessions() []api.SessionInfo {
	ss := s.Backend.Sessions()
	for i := range ss {
		si := &ss[i]
		all := slices.Concat(si.DataWatches, si.PersistentWatches, si.RecursiveWatches)
		slices.Sort(all)
		si.DataWatches = slices.Compact(all)
	}
	slices.SortFunc(ss, func(a, b api.SessionInfo) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return ss
}

func (s *Source) dump() obj {
	expiry := obj{}
	eph := obj{}
	byTime := map[int64][]int64{}
	var times []int64
	for _, si := range s.sessions() {
		at := si.Expires.UnixMilli()
		if si.Expires.IsZero() {
			at = 0
		}
		if _, ok := byTime[at]; !ok {
			times = append(times, at)
		}
		byTime[at] = append(byTime[at], int64(si.ID))
		if len(si.Ephemerals) > 0 {
			eph = append(eph, kv{strconv.FormatInt(int64(si.ID), 10), si.Ephemerals})
		}
	}
	slices.Sort(times)
	for _, t := range times {
		expiry = append(expiry, kv{strconv.FormatInt(t, 10), byTime[t]})
	}
	return obj{{"expiry_time_to_session_ids", expiry}, {"session_id_to_ephemeral_paths", eph}}
}

func (s *Source) watchSummary() obj {
	conns, total := 0, 0
	paths := map[string]bool{}
	for _, si := range s.sessions() {
		if len(si.DataWatches) == 0 {
			continue
		}
		conns++
		total += len(si.DataWatches)
		for _, p := range si.DataWatches {
			paths[p] = true
		}
	}
	return obj{{"num_connections", conns}, {"num_paths", len(paths)}, {"num_total_watches", total}}
}

func (s *Source) watchesBySession() obj {
	m := obj{}
	for _, si := range s.sessions() {
		if len(si.DataWatches) > 0 {
			m = append(m, kv{strconv.FormatInt(int64(si.ID), 10), si.DataWatches})
		}
	}
	return obj{{"session_id_to_watched_paths", m}}
}

func (s *Source) watchesByPath() obj {
	by := map[string][]int64{}
	var paths []string
	for _, si := range s.sessions() {
		for _, p := range si.DataWatches {
			if _, ok := by[p]; !ok {
				paths = append(paths, p)
			}
			by[p] = append(by[p], int64(si.ID))
		}
	}
	slices.Sort(paths)
	m := obj{}
	for _, p := range paths {
		m = append(m, kv{p, by[p]})
	}
	return obj{{"path_to_session_ids", m}}
}

func (s *Source) sysp() obj {
	return obj{
		{"file.separator", "/"},
		{"go.version", runtime.Version()},
		{"os.arch", runtime.GOARCH},
		{"os.name", runtime.GOOS},
	}
}
