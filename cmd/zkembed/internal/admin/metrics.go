package admin

import (
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/zkembed/zkembed/internal/proc"
)

// metric is one value of mntr: its name without the zk_ prefix, its value
// (int64, float64 or string), and for Prometheus its type and help.
type metric struct {
	name    string
	value   any
	counter bool
	help    string
}

// metrics are the values mntr reports (ZooKeeperServer.dumpMonitorValues
// and the ServerStats of zkembed), in mntr's order.
func (s *Source) metrics() []metric {
	st := s.Backend.Stats()
	ctr := s.Server.Counters()
	open, max := proc.FileDescriptors()
	return []metric{
		{"version", s.Version, false, ""},
		{"server_state", "standalone", false, ""},
		{"ephemerals_count", st.EphemeralsCount, false, "Number of ephemeral znodes"},
		{"num_alive_connections", int64(ctr.Connections), false, "Number of open client connections"},
		{"avg_latency", ctr.AvgLatency, false, "Average request latency in milliseconds"},
		{"outstanding_requests", ctr.Outstanding, false, "Requests read but not yet answered"},
		{"znode_count", st.NodeCount, false, "Number of znodes"},
		{"global_sessions", st.SessionCount, false, "Number of live sessions"},
		{"non_mtls_remote_conn_count", int64(0), false, "Remote connections without mTLS"},
		{"last_client_response_size", ctr.LastResponseSize, false, "Size of the last reply in bytes"},
		{"packets_sent", ctr.PacketsSent, true, "Packets sent to clients"},
		{"packets_received", ctr.PacketsReceived, true, "Packets received from clients"},
		{"max_client_response_size", ctr.MaxResponseSize, false, "Largest reply in bytes"},
		{"connection_drop_probability", 0.0, false, "Probability of dropping a new connection"},
		{"watch_count", st.WatchCount, false, "Number of watches"},
		{"auth_failed_count", ctr.AuthFailed, true, "Failed authentications"},
		{"min_latency", ctr.MinLatency, false, "Smallest request latency in milliseconds"},
		{"max_file_descriptor_count", max, false, "Largest number of open file descriptors allowed"},
		{"approximate_data_size", st.ApproximateDataSize, false, "Sum of the lengths of every znode's path and data"},
		{"open_file_descriptor_count", open, false, "Number of open file descriptors"},
		{"local_sessions", int64(0), false, "Number of local sessions"},
		{"uptime", millis(ctr.Uptime), false, "Milliseconds since the server started"},
		{"max_latency", ctr.MaxLatency, false, "Largest request latency in milliseconds"},
		{"outstanding_tls_handshake", int64(0), false, "TLS handshakes in progress"},
		{"min_client_response_size", ctr.MinResponseSize, false, "Smallest reply in bytes"},
		{"non_mtls_local_conn_count", int64(0), false, "Local connections without mTLS"},
	}
}

func (s *Source) monitor() obj {
	ms := s.metrics()
	o := make(obj, 0, len(ms))
	for _, m := range ms {
		o = append(o, kv{m.name, m.value})
	}
	return o
}

// prometheus writes the numeric mntr values in Prometheus' text format.
func (s *Source) prometheus() []byte {
	var b strings.Builder
	for _, m := range s.metrics() {
		var v string
		switch x := m.value.(type) {
		case int64:
			v = strconv.FormatInt(x, 10)
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			continue
		}
		typ := "gauge"
		if m.counter {
			typ = "counter"
		}
		b.WriteString("# HELP " + m.name + " " + m.help + "\n")
		b.WriteString("# TYPE " + m.name + " " + typ + "\n")
		b.WriteString(m.name + " " + v + "\n")
	}
	b.WriteString("# HELP zkembed_info zkembed's version and the ZooKeeper state it reports\n")
	b.WriteString("# TYPE zkembed_info gauge\n")
	b.WriteString(`zkembed_info{version="` + escapeLabel(s.Version) + `",server_state="standalone",go_version="` + runtime.Version() + `"} 1` + "\n")
	return []byte(b.String())
}

func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

// env is EnvCommand, with the keys of ZooKeeper's Environment.list filled
// in from the Go runtime, as the envi four-letter word does.
func (s *Source) env() obj {
	na := func(v string, err error) string {
		if err != nil || v == "" {
			return "<NA>"
		}
		return v
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	const mb = 1 << 20
	host, herr := os.Hostname()
	exe, eerr := os.Executable()
	wd, werr := os.Getwd()
	osVersion := "<NA>"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		osVersion = strings.TrimSpace(string(b))
	}
	osName := runtime.GOOS
	if osName != "" {
		osName = strings.ToUpper(osName[:1]) + osName[1:]
	}
	return obj{
		{"zookeeper.version", s.Version},
		{"host.name", na(host, herr)},
		{"java.version", runtime.Version()},
		{"java.vendor", "Go"},
		{"java.home", na(runtime.GOROOT(), nil)},
		{"java.class.path", na(exe, eerr)},
		{"java.library.path", "<NA>"},
		{"java.io.tmpdir", os.TempDir()},
		{"java.compiler", "<NA>"},
		{"os.name", osName},
		{"os.arch", runtime.GOARCH},
		{"os.version", osVersion},
		{"user.name", na(os.Getenv("USER"), nil)},
		{"user.home", na(os.Getenv("HOME"), nil)},
		{"user.dir", na(wd, werr)},
		{"os.memory.free", strconv.FormatUint((ms.HeapIdle-ms.HeapReleased)/mb, 10) + "MB"},
		{"os.memory.max", strconv.FormatUint(ms.Sys/mb, 10) + "MB"},
		{"os.memory.total", strconv.FormatUint(ms.HeapSys/mb, 10) + "MB"},
	}
}
