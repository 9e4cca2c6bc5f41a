package transport

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// serverCounters are the server-wide counters of srvr, stat and mntr
// (ZooKeeper's ServerStats); srst resets them.
type serverCounters struct {
	packetsReceived atomic.Int64
	packetsSent     atomic.Int64
	authFailed      atomic.Int64

	mu         sync.Mutex // guards the fields below
	minLatency int64      // milliseconds; math.MaxInt64 when there is no sample
	maxLatency int64
	total      int64
	count      int64
	lastSize   int64 // response sizes (ServerStats.clientResponseStats); minSize is -1 when there is no sample
	minSize    int64
	maxSize    int64
}

func (c *serverCounters) reset() {
	c.packetsReceived.Store(0)
	c.packetsSent.Store(0)
	c.authFailed.Store(0)
	c.mu.Lock()
	c.minLatency, c.maxLatency, c.total, c.count = math.MaxInt64, 0, 0, 0
	c.lastSize, c.minSize, c.maxSize = -1, -1, -1
	c.mu.Unlock()
}

// addResponse records a reply's latency in milliseconds and its size in
// bytes.
func (c *serverCounters) addResponse(ms, size int64) {
	c.mu.Lock()
	c.minLatency = min(c.minLatency, ms)
	c.maxLatency = max(c.maxLatency, ms)
	c.total += ms
	c.count++
	c.lastSize = size
	if c.minSize < 0 || size < c.minSize {
		c.minSize = size
	}
	c.maxSize = max(c.maxSize, size)
	c.mu.Unlock()
}

// responseSizes returns the last, smallest and largest reply sizes (-1
// before any reply), as BufferStats reports them.
func (c *serverCounters) responseSizes() (last, lo, hi int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSize, c.minSize, c.maxSize
}

// latency returns min, avg and max request latency in milliseconds, as
// ServerStats reports them (avg rounded to four decimals).
func (c *serverCounters) latency() (lo int64, avg float64, hi int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == 0 {
		return 0, 0, c.maxLatency
	}
	avg = math.Round(float64(c.total)/float64(c.count)*1e4) / 1e4
	return c.minLatency, avg, c.maxLatency
}

// connCounters are one connection's counters (ServerCnxn's stats), shown by
// stat and cons and reset by crst.
type connCounters struct {
	packetsReceived atomic.Int64
	packetsSent     atomic.Int64

	mu           sync.Mutex // guards the fields below
	lastOp       string
	lastCxid     int64
	lastZxid     int64
	lastResponse int64 // milliseconds on the server's monotonic clock
	lastLatency  int64
	minLatency   int64
	maxLatency   int64
	total        int64
	count        int64
}

func (c *connCounters) reset() {
	c.packetsReceived.Store(0)
	c.packetsSent.Store(0)
	c.mu.Lock()
	c.lastOp, c.lastCxid, c.lastZxid = "NA", -1, -1
	c.lastResponse, c.lastLatency = 0, 0
	c.minLatency, c.maxLatency, c.total, c.count = math.MaxInt64, 0, 0, 0
	c.mu.Unlock()
}

// response records a reply as ServerCnxn.updateStatsForResponse does: a
// special (negative) xid does not replace the last cxid.
func (c *connCounters) response(xid int32, zxid int64, op string, latency, now int64) {
	c.mu.Lock()
	if xid >= 0 {
		c.lastCxid = int64(xid)
	}
	c.lastZxid = zxid
	c.lastOp = op
	c.lastResponse = now
	c.lastLatency = latency
	c.minLatency = min(c.minLatency, latency)
	c.maxLatency = max(c.maxLatency, latency)
	c.total += latency
	c.count++
	c.mu.Unlock()
}

// connSnapshot is a copy of connCounters for printing.
type connSnapshot struct {
	received, sent                     int64
	lastOp                             string
	lastCxid, lastZxid                 int64
	lastResponse, lastLatency          int64
	minLatency, avgLatency, maxLatency int64
}

func (c *connCounters) snapshot() connSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := connSnapshot{
		received: c.packetsReceived.Load(), sent: c.packetsSent.Load(),
		lastOp: c.lastOp, lastCxid: c.lastCxid, lastZxid: c.lastZxid,
		lastResponse: c.lastResponse, lastLatency: c.lastLatency,
		minLatency: c.minLatency, maxLatency: c.maxLatency,
	}
	if c.minLatency == math.MaxInt64 {
		s.minLatency = 0
	}
	if c.count > 0 {
		s.avgLatency = c.total / c.count
	}
	return s
}

// millis returns d in whole milliseconds.
func millis(d time.Duration) int64 { return int64(d / time.Millisecond) }

// opAbbrev returns the four-letter abbreviation ZooKeeper's
// FinalRequestProcessor records as a connection's last operation (the lop
// of cons).
var opAbbrev = map[int32]string{
	1: "CREA", 15: "CREA", 19: "CREA", 21: "CREA",
	2: "DELE", 3: "EXIS", 4: "GETD", 5: "SETD", 6: "GETA", 7: "SETA",
	8: "GETC", 12: "GETC", 9: "SYNC", 11: "PING", 13: "CHEC", 14: "MULT",
	16: "RECO", 17: "CHKW", 18: "REMW", 22: "MLTR", 100: "AUTH",
	101: "SETW", 103: "GETE", 104: "GETACN", 105: "STW2", 106: "ADDW",
	107: "HOMI", -11: "CLOS", -10: "SESS",
}

func lastOpName(op int32) string {
	if s, ok := opAbbrev[op]; ok {
		return s
	}
	return "NA"
}

// javaDouble formats f as Java's Double.toString does for the values the
// four-letter words print: always with a fraction ("3.0", "2.6667").
func javaDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s
		}
	}
	return s + ".0"
}
