package transport

import (
	"context"
	"time"

	"github.com/zkembed/zkembed/api"
)

// Counters are a snapshot of a Server's counters: what srvr, stat and mntr
// report (ZooKeeper's ServerStats), for an admin endpoint.
type Counters struct {
	PacketsReceived int64
	PacketsSent     int64
	AuthFailed      int64
	// Request latency in milliseconds since the last reset.
	MinLatency int64
	AvgLatency float64
	MaxLatency int64
	// Reply sizes in bytes (BufferStats); -1 before the first reply.
	LastResponseSize int64
	MinResponseSize  int64
	MaxResponseSize  int64
	// Connections is the number of open client connections; Outstanding
	// the requests read but not yet answered over all of them.
	Connections int
	Outstanding int64
	// Uptime is the time since NewServer.
	Uptime time.Duration
}

// Counters returns the server's counters.
func (s *Server) Counters() Counters {
	lo, avg, hi := s.ctr.latency()
	last, smin, smax := s.ctr.responseSizes()
	return Counters{
		PacketsReceived:  s.ctr.packetsReceived.Load(),
		PacketsSent:      s.ctr.packetsSent.Load(),
		AuthFailed:       s.ctr.authFailed.Load(),
		MinLatency:       lo,
		AvgLatency:       avg,
		MaxLatency:       hi,
		LastResponseSize: last,
		MinResponseSize:  smin,
		MaxResponseSize:  smax,
		Connections:      len(s.connections()),
		Outstanding:      s.outstanding(),
		Uptime:           time.Since(s.started),
	}
}

// ResetCounters resets the server's counters, as the srst word does.
func (s *Server) ResetCounters() { s.ctr.reset() }

// ConnectionInfo describes one client connection, with the fields of
// ZooKeeper's ServerCnxn.getConnectionInfo (the cons word).
type ConnectionInfo struct {
	RemoteAddr      string
	SessionID       api.SessionID // 0 before the handshake
	Outstanding     int64
	PacketsReceived int64
	PacketsSent     int64
	// The fields below are meaningful once SessionID is set.
	LastOperation  string // four-letter abbreviation, as cons prints it
	Established    time.Time
	SessionTimeout time.Duration
	LastCxid       int64 // -1 before the first request
	LastZxid       int64
	// LastResponse is when the last reply went out, in milliseconds since
	// the server started (ZooKeeper's Time.currentElapsedTime).
	LastResponse int64
	// Latencies in milliseconds.
	LastLatency, MinLatency, AvgLatency, MaxLatency int64
}

// Connections returns every open client connection.
func (s *Server) Connections() []ConnectionInfo {
	conns := s.connections()
	out := make([]ConnectionInfo, 0, len(conns))
	for _, c := range conns {
		st := c.ctr.snapshot()
		out = append(out, ConnectionInfo{
			RemoteAddr:      c.remote,
			SessionID:       c.sessionID(),
			Outstanding:     c.outstanding(),
			PacketsReceived: st.received,
			PacketsSent:     st.sent,
			LastOperation:   st.lastOp,
			Established:     c.accepted,
			SessionTimeout:  time.Duration(c.timeoutMs.Load()) * time.Millisecond,
			LastCxid:        st.lastCxid,
			LastZxid:        st.lastZxid,
			LastResponse:    st.lastResponse,
			LastLatency:     st.lastLatency,
			MinLatency:      st.minLatency,
			AvgLatency:      st.avgLatency,
			MaxLatency:      st.maxLatency,
		})
	}
	return out
}

// ResetConnectionCounters resets every connection's counters, as the crst
// word does.
func (s *Server) ResetConnectionCounters() {
	for _, c := range s.connections() {
		c.ctr.reset()
	}
}

// Shutdown stops the server gracefully: it closes every listener, stops
// reading requests, waits for the backend to answer every request already
// read and sends those replies, then closes each connection (its session
// lives on, as with Close). It returns nil once every connection is closed,
// or, if ctx ends first, closes what is left as Close does and returns
// ctx's error. A request a client sends after Shutdown began is not read:
// the client sees its connection close, and the request was not applied.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drain()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// drain makes c read no more requests and close once its pending replies
// are out. A connection still in its handshake is closed at once.
func (c *serverConn) drain() {
	if c.sessionID() == 0 {
		c.shutdown()
		return
	}
	c.mu.Lock()
	c.terminal = true
	c.flushLocked()
	c.room.Broadcast()
	c.mu.Unlock()
}
