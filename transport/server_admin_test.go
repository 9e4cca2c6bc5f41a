package transport

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/zkembed/zkembed/jute"
)

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Counters and Connections report what went through the server, and the
// srst/crst resets zero them.
func TestServerCountersAndConnections(t *testing.T) {
	ts := startServer(t, Options{})
	rc, resp := ts.rawSession(t, "tcp")
	for xid := int32(1); xid <= 5; xid++ {
		rc.send(xid, jute.OpExists, &jute.ExistsRequest{Path: "/zookeeper"})
		if h, _ := rc.reply(); h.Xid != xid || h.Err != 0 {
			t.Fatalf("exists %d: %+v", xid, h)
		}
	}
	c := ts.srv.Counters()
	if c.PacketsReceived < 5 || c.PacketsSent < 5 || c.Connections != 1 || c.Outstanding != 0 || c.MinResponseSize <= 0 {
		t.Fatalf("counters after 5 exists: %+v", c)
	}
	conns := ts.srv.Connections()
	if len(conns) != 1 {
		t.Fatalf("connections: %+v", conns)
	}
	ci := conns[0]
	if int64(ci.SessionID) != resp.SessionID || ci.PacketsReceived < 5 || ci.LastOperation != "EXIS" ||
		ci.LastCxid != 5 || ci.SessionTimeout != time.Duration(resp.Timeout)*time.Millisecond {
		t.Fatalf("connection after 5 exists: %+v (session 0x%x)", ci, resp.SessionID)
	}
	ts.srv.ResetCounters()
	if c := ts.srv.Counters(); c.PacketsReceived != 0 || c.PacketsSent != 0 || c.Connections != 1 {
		t.Fatalf("counters after reset: %+v", c)
	}
	ts.srv.ResetConnectionCounters()
	if ci := ts.srv.Connections()[0]; ci.PacketsReceived != 0 || ci.PacketsSent != 0 || ci.LastCxid != -1 {
		t.Fatalf("connection after reset: %+v", ci)
	}
}

// Shutdown stops accepting, answers every request already read, closes
// the connections and keeps their sessions: a client resumes its session,
// ephemerals and all, on a new server over the same engine.
func TestServerShutdownKeepsSessions(t *testing.T) {
	ts := startServer(t, Options{})
	rc, resp := ts.rawSession(t, "tcp")
	rc.send(1, jute.OpCreate, &jute.CreateRequest{Path: "/eph", Flags: 1,
		ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}})
	if h, _ := rc.reply(); h.Err != 0 {
		t.Fatalf("create: %d", h.Err)
	}
	// Pipelined requests the server has read: each is answered before the
	// connection closes.
	before := ts.srv.Counters().PacketsReceived
	for xid := int32(2); xid <= 4; xid++ {
		rc.send(xid, jute.OpExists, &jute.ExistsRequest{Path: "/eph"})
	}
	waitFor(t, "the server to read 3 requests", func() bool { return ts.srv.Counters().PacketsReceived >= before+3 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for xid := int32(2); xid <= 4; xid++ {
		if h, _ := rc.reply(); h.Xid != xid || h.Err != 0 {
			t.Fatalf("reply %d after Shutdown: %+v", xid, h)
		}
	}
	rc.expectClosed(0)
	if c, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the listener still accepts after Shutdown")
	}

	next := startServerFor(t, ts.eng, ts.eng, Options{})
	again := newRawClient(t, next.dial(t, "tcp"))
	r2, _ := again.handshake(jute.ConnectRequest{SessionID: resp.SessionID, Passwd: resp.Passwd, Timeout: 4000, LastZxidSeen: 1})
	if r2.SessionID != resp.SessionID || r2.Timeout == 0 {
		t.Fatalf("resume after Shutdown: %+v, want session 0x%x", r2, resp.SessionID)
	}
	again.send(1, jute.OpExists, &jute.ExistsRequest{Path: "/eph"})
	h, r := again.reply()
	var st jute.ExistsResponse
	st.Decode(r)
	if h.Err != 0 || st.Stat.EphemeralOwner != resp.SessionID {
		t.Fatalf("ephemeral after Shutdown and resume: %+v %+v", h, st)
	}
}

// Shutdown whose context ends first closes what is left and says so.
func TestServerShutdownContextEnds(t *testing.T) {
	ts := startServer(t, Options{})
	rc, _ := ts.rawSession(t, "pipe")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ts.srv.Shutdown(ctx); err != nil && err != context.Canceled {
		t.Fatalf("Shutdown with an ended context: %v", err)
	}
	rc.expectClosed(0)
	if got := ts.srv.Counters().Connections; got != 0 {
		t.Fatalf("%d connections left after Shutdown", got)
	}
}
