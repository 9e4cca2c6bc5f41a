package transport

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/jute"
)

var openACL = zk.WorldACL(zk.PermAll)

// forEachTransport runs f as a subtest over TCP and over the pipe.
func forEachTransport(t *testing.T, f func(t *testing.T, transport string)) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) { f(t, tr) })
	}
}

func TestServerCRUD(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		c, _, _ := ts.zkConn(t, transport)

		p, err := c.Create("/a", []byte("one"), 0, openACL)
		if err != nil || p != "/a" {
			t.Fatalf("Create = %q, %v", p, err)
		}
		if _, err := c.Create("/a", nil, 0, openACL); !errors.Is(err, zk.ErrNodeExists) {
			t.Fatalf("second Create: %v, want ErrNodeExists", err)
		}
		seq, err := c.Create("/a/s-", nil, zk.FlagSequence, openACL)
		if err != nil || seq != "/a/s-0000000000" {
			t.Fatalf("sequential Create = %q, %v", seq, err)
		}
		data, st, err := c.Get("/a")
		if err != nil || string(data) != "one" || st.Version != 0 || st.NumChildren != 1 {
			t.Fatalf("Get = %q, %+v, %v", data, st, err)
		}
		st, err = c.Set("/a", []byte("two"), 0)
		if err != nil || st.Version != 1 || st.DataLength != 3 {
			t.Fatalf("Set = %+v, %v", st, err)
		}
		if _, err := c.Set("/a", nil, 0); !errors.Is(err, zk.ErrBadVersion) {
			t.Fatalf("Set with old version: %v, want ErrBadVersion", err)
		}
		kids, _, err := c.Children("/a")
		if err != nil || !slices.Equal(kids, []string{"s-0000000000"}) {
			t.Fatalf("Children = %v, %v", kids, err)
		}
		ok, st, err := c.Exists("/a")
		if err != nil || !ok || st.Version != 1 {
			t.Fatalf("Exists = %v, %+v, %v", ok, st, err)
		}
		ok, _, err = c.Exists("/missing")
		if err != nil || ok {
			t.Fatalf("Exists(missing) = %v, %v", ok, err)
		}
		if _, _, err := c.Get("/missing"); !errors.Is(err, zk.ErrNoNode) {
			t.Fatalf("Get(missing): %v", err)
		}
		if err := c.Delete("/a", -1); !errors.Is(err, zk.ErrNotEmpty) {
			t.Fatalf("Delete non-empty: %v", err)
		}
		if err := c.Delete("/a/s-0000000000", -1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := c.Delete("/a", 1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if p, err := c.Sync("/"); err != nil || p != "/" {
			t.Fatalf("Sync = %q, %v", p, err)
		}
		acl, _, err := c.GetACL("/zookeeper/config")
		if err != nil || len(acl) != 1 || acl[0].Perms != zk.PermRead || acl[0].Scheme != "world" {
			t.Fatalf("GetACL = %+v, %v", acl, err)
		}
	})
}

func TestServerMulti(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		c, _, _ := ts.zkConn(t, transport)
		res, err := c.Multi(
			&zk.CreateRequest{Path: "/m", Data: []byte("x"), Acl: openACL},
			&zk.SetDataRequest{Path: "/m", Data: []byte("y"), Version: 0},
			&zk.CheckVersionRequest{Path: "/m", Version: 1},
		)
		if err != nil || len(res) != 3 || res[0].String != "/m" || res[1].Stat == nil || res[1].Stat.Version != 1 {
			t.Fatalf("Multi = %+v, %v", res, err)
		}
		res, err = c.Multi(
			&zk.CreateRequest{Path: "/n", Acl: openACL},
			&zk.DeleteRequest{Path: "/missing", Version: -1},
			&zk.SetDataRequest{Path: "/m", Version: -1},
		)
		if !errors.Is(err, zk.ErrNoNode) {
			t.Fatalf("failing Multi: %v, want ErrNoNode", err)
		}
		if len(res) != 3 || res[0].Error != nil || !errors.Is(res[1].Error, zk.ErrNoNode) ||
			!errors.Is(res[2].Error, zk.ErrAPIError) && res[2].Error == nil {
			t.Fatalf("failing Multi results = %+v", res)
		}
		if ok, _, _ := c.Exists("/n"); ok {
			t.Fatal("failed Multi created /n")
		}
	})
}

func TestServerWatchFires(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		a, _, _ := ts.zkConn(t, transport)
		b, _, _ := ts.zkConn(t, transport)
		if _, err := a.Create("/w", nil, 0, openACL); err != nil {
			t.Fatal(err)
		}
		_, _, dataW, err := a.GetW("/w")
		if err != nil {
			t.Fatal(err)
		}
		_, _, childW, err := a.ChildrenW("/w")
		if err != nil {
			t.Fatal(err)
		}
		_, _, existW, err := a.ExistsW("/w/new")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Set("/w", []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		expectEvent(t, dataW, zk.EventNodeDataChanged, "/w")
		if _, err := b.Create("/w/new", nil, 0, openACL); err != nil {
			t.Fatal(err)
		}
		expectEvent(t, existW, zk.EventNodeCreated, "/w/new")
		expectEvent(t, childW, zk.EventNodeChildrenChanged, "/w")
	})
}

func expectEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case e := <-ch:
		if e.Type != typ || e.Path != path || e.Err != nil {
			t.Fatalf("event = %+v, want %v on %s", e, typ, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v event on %s", typ, path)
	}
}

// A session's own change fires its watch, and the notification goes out
// before the reply to the change: go-zookeeper delivers the event to the
// watch channel before the call returns.
func TestServerEventBeforeReply(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		c, _, _ := ts.zkConn(t, transport)
		for i := range 20 {
			p := fmt.Sprintf("/e%d", i)
			if _, err := c.Create(p, nil, 0, openACL); err != nil {
				t.Fatal(err)
			}
			_, _, w, err := c.GetW(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(p, []byte("x"), -1); err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-w:
				if e.Type != zk.EventNodeDataChanged || e.Path != p {
					t.Fatalf("event = %+v", e)
				}
			default:
				t.Fatalf("%s: the reply to Set arrived before the watch event", p)
			}
		}
	})
}

// Many goroutines share one connection: every request is answered right.
func TestServerPipelinedGoroutines(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		c, _, _ := ts.zkConn(t, transport)
		const workers, each = 16, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					p := fmt.Sprintf("/p%d-%d", w, i)
					want := []byte(p)
					if _, err := c.Create(p, want, 0, openACL); err != nil {
						errs <- fmt.Errorf("create %s: %w", p, err)
						return
					}
					got, _, err := c.Get(p)
					if err != nil || string(got) != p {
						errs <- fmt.Errorf("get %s = %q, %v", p, got, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		kids, _, err := c.Children("/")
		if err != nil || len(kids) != workers*each+1 {
			t.Fatalf("Children(/) has %d entries, %v; want %d", len(kids), err, workers*each+1)
		}
	})
}

// Pipelined requests on one connection, reads and writes mixed, are
// answered strictly in request order.
func TestServerRepliesInRequestOrder(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		rc, _ := ts.rawSession(t, transport)
		const n = 300
		go func() {
			var b []byte
			for i := 1; i <= n; i++ {
				p := fmt.Sprintf("/o%d", i%50)
				switch i % 4 {
				case 0:
					b = append(b, request(int32(i), jute.OpCreate, &jute.CreateRequest{Path: p, ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}})...)
				case 1:
					b = append(b, request(int32(i), jute.OpGetData, &jute.GetDataRequest{Path: p})...)
				case 2:
					b = append(b, request(int32(i), jute.OpSetData, &jute.SetDataRequest{Path: p, Version: -1})...)
				case 3:
					b = append(b, request(jute.XidPing, jute.OpPing, nil)...)
				}
			}
			rc.nc.Write(b)
		}()
		next := int32(1)
		for range n {
			h, _ := rc.reply()
			want := next
			if next%4 == 3 {
				want = jute.XidPing
			}
			if h.Xid != want {
				t.Fatalf("reply xid %d, want %d", h.Xid, want)
			}
			next++
		}
	})
}

// The connect response mirrors the client's read-only byte: go-zookeeper
// sends none and gets none, the Java client sends one and gets one.
func TestServerReadOnlyByteMirrored(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		for _, has := range []bool{false, true} {
			rc := newRawClient(t, ts.dial(t, transport))
			resp, n := rc.handshake(jute.ConnectRequest{Timeout: 3000, Passwd: make([]byte, 16), HasReadOnly: has})
			want := 4 + 4 + 8 + 4 + 16
			if has {
				want++
			}
			if n != want || resp.HasReadOnly != has || resp.ReadOnly {
				t.Fatalf("with read-only byte %v: response of %d bytes %+v, want %d bytes", has, n, resp, want)
			}
			if resp.Timeout != 3000 || len(resp.Passwd) != 16 {
				t.Fatalf("response %+v", resp)
			}
		}
	})
}

func TestServerSessionTimeoutNegotiated(t *testing.T) {
	ts := startServer(t, Options{})
	for _, c := range []struct{ asked, got int32 }{{10, 400}, {1000, 1000}, {60000, 4000}} {
		rc := newRawClient(t, ts.dial(t, "pipe"))
		resp, _ := rc.handshake(jute.ConnectRequest{Timeout: c.asked, Passwd: make([]byte, 16)})
		if resp.Timeout != c.got {
			t.Errorf("asked %dms, got %dms, want %dms", c.asked, resp.Timeout, c.got)
		}
	}
}

// A client re-establishes its session on a new connection with the id and
// password; the old connection is closed.
func TestServerResumeSession(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		first, resp := ts.rawSession(t, transport)
		first.send(1, jute.OpCreate, &jute.CreateRequest{Path: "/eph", Flags: 1,
			ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}})
		if h, _ := first.reply(); h.Err != 0 {
			t.Fatalf("create: %d", h.Err)
		}
		second := newRawClient(t, ts.dial(t, transport))
		again, _ := second.handshake(jute.ConnectRequest{SessionID: resp.SessionID, Passwd: resp.Passwd,
			Timeout: 4000, LastZxidSeen: 1})
		if again.SessionID != resp.SessionID || again.Timeout == 0 || string(again.Passwd) != string(resp.Passwd) {
			t.Fatalf("resumed %+v, want session 0x%x", again, resp.SessionID)
		}
		first.expectClosed(0)
		second.send(2, jute.OpExists, &jute.ExistsRequest{Path: "/eph"})
		h, r := second.reply()
		var st jute.ExistsResponse
		st.Decode(r)
		if h.Xid != 2 || h.Err != 0 || st.Stat.EphemeralOwner != resp.SessionID {
			t.Fatalf("exists after resume: %+v %+v", h, st)
		}
	})
}

// go-zookeeper reconnects with its session after losing the connection and
// re-registers its watches with setWatches.
func TestServerGoZKReconnect(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		base := startServer(t, Options{})
		nb := &notifyingBackend{Backend: base.eng, setWatches: make(chan api.Response, 1)}
		ts := startServerFor(t, base.eng, nb, Options{})
		a, events, tracker := ts.zkConn(t, transport)
		b, _, _ := ts.zkConn(t, transport)
		id := a.SessionID()
		if _, err := a.Create("/eph", nil, zk.FlagEphemeral, openACL); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Create("/w", nil, 0, openACL); err != nil {
			t.Fatal(err)
		}
		_, _, w, err := a.GetW("/w")
		if err != nil {
			t.Fatal(err)
		}
		tracker.breakAll()
		waitState(t, events, zk.StateDisconnected)
		waitState(t, events, zk.StateHasSession)
		if a.SessionID() != id {
			t.Fatalf("session 0x%x after reconnect, want 0x%x", a.SessionID(), id)
		}
		// Wait for go-zookeeper's setWatches before using a again (its
		// sendSetWatches races with its receive loop otherwise).
		select {
		case r := <-nb.setWatches:
			if r.Err != nil {
				t.Fatalf("setWatches: %v", r.Err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no setWatches after reconnect")
		}
		if ok, st, err := b.Exists("/eph"); err != nil || !ok || st.EphemeralOwner != id {
			t.Fatalf("ephemeral after reconnect: %v %+v %v", ok, st, err)
		}
		if _, err := b.Set("/w", []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		expectEvent(t, w, zk.EventNodeDataChanged, "/w")
	})
}

// notifyingBackend reports the responses to SetWatchesRequests.
type notifyingBackend struct {
	Backend
	setWatches chan api.Response
}

func (nb *notifyingBackend) OpenSession(p api.SessionParams, sink api.EventSink) (api.ServerSession, error) {
	s, err := nb.Backend.OpenSession(p, sink)
	if err != nil {
		return nil, err
	}
	return notifyingSession{s, nb.setWatches}, nil
}

type notifyingSession struct {
	api.ServerSession
	setWatches chan api.Response
}

func (s notifyingSession) Do(req api.Request, done func(api.Response)) {
	if _, ok := req.(*api.SetWatchesRequest); ok {
		s.ServerSession.Do(req, func(r api.Response) {
			done(r)
			select {
			case s.setWatches <- r:
			default:
			}
		})
		return
	}
	s.ServerSession.Do(req, done)
}

// An unknown or expired session is answered with timeout 0, session 0 and a
// zeroed password, then the connection closes.
func TestServerExpiredSessionHandshake(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		for _, has := range []bool{false, true} {
			rc := newRawClient(t, ts.dial(t, transport))
			resp, n := rc.handshake(jute.ConnectRequest{SessionID: 0x1234, Passwd: []byte("0123456789abcdef"),
				Timeout: 4000, HasReadOnly: has})
			want := jute.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: has}
			if n < 0 || resp.Timeout != 0 || resp.SessionID != 0 || string(resp.Passwd) != string(want.Passwd) ||
				resp.HasReadOnly != has {
				t.Fatalf("expired handshake = %+v (%d bytes)", resp, n)
			}
			rc.expectClosed(0)
		}
	})
}

// go-zookeeper sees ErrSessionExpired when its session is gone.
func TestServerGoZKSessionExpired(t *testing.T) {
	ts := startServer(t, Options{})
	c, events, tracker := ts.zkConn(t, "pipe")
	if err := ts.eng.ExpireSession(t.Context(), api.SessionID(c.SessionID())); err != nil {
		t.Fatal(err)
	}
	tracker.breakAll()
	waitState(t, events, zk.StateExpired)
}

// A client that has seen a newer zxid than the server is refused: the
// connection closes without a response.
func TestServerClientAheadRefused(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		rc := newRawClient(t, ts.dial(t, transport))
		if _, n := rc.handshake(jute.ConnectRequest{LastZxidSeen: 1 << 40, Timeout: 4000, Passwd: make([]byte, 16)}); n != -1 {
			t.Fatalf("client ahead got a %d-byte response", n)
		}
	})
}

func TestServerPing(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		rc, _ := ts.rawSession(t, transport)
		rc.send(jute.XidPing, jute.OpPing, nil)
		if h, r := rc.reply(); h.Xid != jute.XidPing || h.Err != 0 || r.Len() != 0 {
			t.Fatalf("ping reply %+v with %d body bytes", h, r.Len())
		}
	})
}

func TestServerAuth(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		c, _, _ := ts.zkConn(t, transport)
		if err := c.AddAuth("digest", []byte("user:secret")); err != nil {
			t.Fatalf("AddAuth: %v", err)
		}
		acl := zk.DigestACL(zk.PermAll, "user", "secret")
		if _, err := c.Create("/secret", []byte("s"), 0, acl); err != nil {
			t.Fatalf("create with digest ACL: %v", err)
		}
		other, _, _ := ts.zkConn(t, transport)
		if _, _, err := other.Get("/secret"); !errors.Is(err, zk.ErrNoAuth) {
			t.Fatalf("Get without auth: %v, want ErrNoAuth", err)
		}
		if d, _, err := c.Get("/secret"); err != nil || string(d) != "s" {
			t.Fatalf("Get with auth = %q, %v", d, err)
		}

		// A failed auth is answered with AuthFailed, then the connection
		// closes (ZooKeeperServer.processPacket).
		rc, _ := ts.rawSession(t, transport)
		rc.send(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: "nosuchscheme", Auth: []byte("x")})
		h, _ := rc.reply()
		if h.Xid != jute.XidAuth || h.Err != int32(api.ErrAuthFailed) {
			t.Fatalf("failed auth reply %+v", h)
		}
		rc.expectClosed(0)
	})
}

func TestServerCloseSession(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		rc, resp := ts.rawSession(t, transport)
		rc.send(1, jute.OpCreate, &jute.CreateRequest{Path: "/gone", Flags: 1,
			ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}})
		rc.send(2, jute.OpCloseSession, nil)
		if h, _ := rc.reply(); h.Xid != 1 || h.Err != 0 {
			t.Fatalf("create reply %+v", h)
		}
		if h, _ := rc.reply(); h.Xid != 2 || h.Err != 0 {
			t.Fatalf("closeSession reply %+v", h)
		}
		rc.expectClosed(0)
		// The session is gone: resuming it gets the expired answer.
		again := newRawClient(t, ts.dial(t, transport))
		if r, _ := again.handshake(jute.ConnectRequest{SessionID: resp.SessionID, Passwd: resp.Passwd, Timeout: 4000}); r.Timeout != 0 {
			t.Fatalf("closed session resumed: %+v", r)
		}
		c, _, _ := ts.zkConn(t, transport)
		if ok, _, err := c.Exists("/gone"); err != nil || ok {
			t.Fatalf("ephemeral of closed session: %v %v", ok, err)
		}
	})
}

// check outside a multi is not a valid request in ZooKeeper 3.9: it is
// answered Unimplemented and the connection closes. reconfig is answered
// ReconfigDisabled and the connection stays.
func TestServerCheckAndReconfig(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		rc, _ := ts.rawSession(t, transport)
		rc.send(1, jute.OpReconfig, &jute.ReconfigRequest{CurConfigID: -1})
		if h, _ := rc.reply(); h.Xid != 1 || h.Err != int32(api.ErrReconfigDisabled) {
			t.Fatalf("reconfig reply %+v", h)
		}
		rc.send(2, jute.OpGetData, &jute.GetDataRequest{Path: "/zookeeper"})
		if h, _ := rc.reply(); h.Xid != 2 || h.Err != 0 {
			t.Fatalf("getData after reconfig %+v", h)
		}
		rc.send(3, jute.OpCheck, &jute.CheckVersionRequest{Path: "/", Version: -1})
		if h, _ := rc.reply(); h.Xid != 3 || h.Err != int32(api.ErrUnimplemented) || h.Zxid != -1 {
			t.Fatalf("check reply %+v", h)
		}
		rc.expectClosed(0)
	})
}

// badInputs are the inputs that must close a connection without harming
// anyone else. Each starts after a good handshake unless noHandshake.
var badInputs = []struct {
	name        string
	noHandshake bool
	frame       []byte
	replyBytes  int // bytes the server may send before closing
	log         string
}{
	{name: "negative length", frame: []byte{0xff, 0xff, 0xff, 0xf0, 1, 2, 3}, log: "frame length out of range"},
	{name: "oversize frame", frame: append([]byte{0x00, 0x10, 0x00, 0x00}, make([]byte, 64)...), log: "frame length out of range"},
	{name: "short header", frame: []byte{0, 0, 0, 3, 1, 2, 3}, log: "malformed request header"},
	{name: "unknown opcode", frame: request(7, jute.OpCode(999), nil), replyBytes: 4 + 16, log: "unsupported request"},
	{name: "notification opcode", frame: request(7, jute.OpNotification, nil), replyBytes: 4 + 16, log: "unsupported request"},
	{name: "request before handshake", noHandshake: true,
		frame: request(1, jute.OpGetData, &jute.GetDataRequest{Path: "/zookeeper"}), log: "malformed connect request"},
	{name: "oversize first frame", noHandshake: true, frame: []byte{0x7f, 0, 0, 0}, log: "frame length out of range"},
	{name: "truncated connect", noHandshake: true, frame: []byte{0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0}, log: "malformed connect request"},
}

func TestServerBadInputCloses(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		for _, bi := range badInputs {
			t.Run(bi.name, func(t *testing.T) {
				ts := startServer(t, Options{})
				other, _, _ := ts.zkConn(t, transport)
				if _, err := other.Create("/keep", []byte("k"), 0, openACL); err != nil {
					t.Fatal(err)
				}
				var rc *rawClient
				if bi.noHandshake {
					rc = newRawClient(t, ts.dial(t, transport))
				} else {
					rc, _ = ts.rawSession(t, transport)
				}
				go rc.nc.Write(bi.frame)
				rc.expectClosed(bi.replyBytes)
				if d, _, err := other.Get("/keep"); err != nil || string(d) != "k" {
					t.Fatalf("other session after bad input: %q, %v", d, err)
				}
				if _, err := other.Set("/keep", []byte("k2"), -1); err != nil {
					t.Fatalf("other session write after bad input: %v", err)
				}
				if logs := ts.logs.String(); !strings.Contains(logs, bi.log) {
					t.Fatalf("log has no %q line:\n%s", bi.log, logs)
				}
			})
		}
	})
}

// A malformed request body is answered MarshallingError, as ZooKeeper's
// request processors answer an IOException reading a record; the
// connection stays.
func TestServerMalformedBody(t *testing.T) {
	ts := startServer(t, Options{})
	rc, _ := ts.rawSession(t, "pipe")
	b, start := jute.BeginFrame(nil)
	b = jute.RequestHeader{Xid: 1, Type: jute.OpGetData}.AppendTo(b)
	b = append(b, 0, 0, 0, 99) // a path of 99 bytes, absent
	rc.write(jute.EndFrame(b, start))
	if h, _ := rc.reply(); h.Xid != 1 || h.Err != int32(api.ErrMarshallingError) {
		t.Fatalf("reply %+v", h)
	}
	rc.send(2, jute.OpExists, &jute.ExistsRequest{Path: "/"})
	if h, _ := rc.reply(); h.Xid != 2 || h.Err != 0 {
		t.Fatalf("exists after malformed body: %+v", h)
	}
}

func TestServerMaxBufferOption(t *testing.T) {
	ts := startServer(t, Options{MaxBuffer: 1024})
	rc, _ := ts.rawSession(t, "pipe")
	rc.send(1, jute.OpSetData, &jute.SetDataRequest{Path: "/", Data: make([]byte, 900), Version: -1})
	if h, _ := rc.reply(); h.Xid != 1 {
		t.Fatalf("reply %+v", h)
	}
	go rc.send(2, jute.OpSetData, &jute.SetDataRequest{Path: "/", Data: make([]byte, 1100), Version: -1})
	rc.expectClosed(0)
}

func TestServerMaxClientCnxns(t *testing.T) {
	ts := startServer(t, Options{MaxClientCnxns: 2})
	a, _ := ts.rawSession(t, "tcp")
	ts.rawSession(t, "tcp")
	third := newRawClient(t, ts.dial(t, "tcp"))
	if _, n := third.handshake(jute.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16)}); n != -1 {
		t.Fatal("third connection from one host was served")
	}
	if logs := ts.logs.String(); !strings.Contains(logs, "too many connections") {
		t.Fatalf("no log line for the refused connection:\n%s", logs)
	}
	// The limit is per host: pipe clients are another host.
	ts.rawSession(t, "pipe")
	// The first connections still work.
	a.send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"})
	if h, _ := a.reply(); h.Xid != 1 || h.Err != 0 {
		t.Fatalf("exists on a served connection: %+v", h)
	}
}

// Close stops serving: open connections are closed, Serve returns
// ErrServerClosed, and no goroutine is left (TestMain checks with goleak).
func TestServerClose(t *testing.T) {
	ts := startServer(t, Options{})
	c, events, _ := ts.zkConn(t, "tcp")
	rc, _ := ts.rawSession(t, "pipe")
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}
	rc.expectClosed(0)
	waitState(t, events, zk.StateDisconnected)
	c.Close()
	if err := ts.srv.Serve(NewPipeListener()); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
	if err := ts.srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// movedBackend answers getData on /moved with ErrSessionMoved, as the
// engine answers a connection whose session was resumed elsewhere.
type movedBackend struct{ Backend }

func (mb movedBackend) OpenSession(p api.SessionParams, sink api.EventSink) (api.ServerSession, error) {
	s, err := mb.Backend.OpenSession(p, sink)
	if err != nil {
		return nil, err
	}
	return movedSession{s}, nil
}

type movedSession struct{ api.ServerSession }

func (s movedSession) Do(req api.Request, done func(api.Response)) {
	if g, ok := req.(*api.GetDataRequest); ok && g.Path == "/moved" {
		done(api.Response{Err: api.ErrSessionMoved, Zxid: s.LastZxid()})
		return
	}
	s.ServerSession.Do(req, done)
}

// A request answered SessionMoved is not answered: the connection closes
// (FinalRequestProcessor), after the replies before it.
func TestServerSessionMovedCloses(t *testing.T) {
	base := startServer(t, Options{})
	ts := startServerFor(t, base.eng, movedBackend{base.eng}, Options{})
	rc, _ := ts.rawSession(t, "pipe")
	rc.send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"})
	rc.send(2, jute.OpGetData, &jute.GetDataRequest{Path: "/moved"})
	if h, _ := rc.reply(); h.Xid != 1 || h.Err != 0 {
		t.Fatalf("exists reply %+v", h)
	}
	rc.expectClosed(0)
}

// heldBackend holds getData requests on /held until the test completes
// them, and records how many were held at once.
type heldBackend struct {
	Backend
	held chan func()
	mu   sync.Mutex
	now  int
	max  int
}

func (hb *heldBackend) OpenSession(p api.SessionParams, sink api.EventSink) (api.ServerSession, error) {
	s, err := hb.Backend.OpenSession(p, sink)
	if err != nil {
		return nil, err
	}
	return heldSession{s, hb}, nil
}

type heldSession struct {
	api.ServerSession
	hb *heldBackend
}

func (s heldSession) Do(req api.Request, done func(api.Response)) {
	g, ok := req.(*api.GetDataRequest)
	if !ok || g.Path != "/held" {
		s.ServerSession.Do(req, done)
		return
	}
	hb := s.hb
	hb.mu.Lock()
	hb.now++
	hb.max = max(hb.max, hb.now)
	hb.mu.Unlock()
	zxid := s.LastZxid()
	hb.held <- func() {
		hb.mu.Lock()
		hb.now--
		hb.mu.Unlock()
		done(api.Response{Err: api.ErrNoNode, Zxid: zxid})
	}
}

// A connection with MaxOutstanding requests unanswered is not read further
// until replies go out.
func TestServerMaxOutstanding(t *testing.T) {
	base := startServer(t, Options{})
	hb := &heldBackend{Backend: base.eng, held: make(chan func(), 16)}
	ts := startServerFor(t, base.eng, hb, Options{MaxOutstanding: 2})
	rc, _ := ts.rawSession(t, "pipe")
	const n = 6
	go func() {
		for i := 1; i <= n; i++ {
			rc.send(int32(i), jute.OpGetData, &jute.GetDataRequest{Path: "/held"})
		}
	}()
	replies := make(chan int32, n)
	go func() {
		for range n {
			h, _ := rc.reply()
			replies <- h.Xid
		}
	}()
	// Two are held at once; the others are read only as replies go out.
	first, second := <-hb.held, <-hb.held
	first()
	second()
	for range n - 2 {
		(<-hb.held)()
	}
	for i := int32(1); i <= n; i++ {
		if xid := <-replies; xid != i {
			t.Fatalf("reply xid %d, want %d", xid, i)
		}
	}
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.max != 2 {
		t.Fatalf("%d requests were outstanding at once, want 2", hb.max)
	}
}

// MaxGlobalOutstanding bounds the requests of all connections together: a
// client that pipelines and does not read holds the server's tokens, and
// another client's requests wait until it reads (then proceed).
func TestGlobalOutstandingLimit(t *testing.T) {
	ts := startServer(t, Options{MaxGlobalOutstanding: 8, MaxOutstanding: 1000})
	rc, _ := ts.rawSession(t, "tcp")
	// A small, fixed receive buffer: the kernel must not grow it while
	// the test watches the server stall.
	if err := rc.nc.(*net.TCPConn).SetReadBuffer(32 << 10); err != nil {
		t.Fatal(err)
	}
	// Pipeline getData requests for a 512 KiB znode without reading the
	// replies (far more than the sockets buffer), so the server stops
	// writing, holding its tokens.
	c2, _, _ := ts.zkConn(t, "pipe")
	if _, err := c2.Create("/big", make([]byte, 512<<10), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		rc.send(int32(i+1), jute.OpGetData, &jute.GetDataRequest{Path: "/big"})
	}
	// Wait (bounded) until the socket buffers are full and the raw
	// connection holds every token for good: all taken by it, and still a
	// while later. (Counting the channel alone is not enough: a ping of the
	// other client holds a token for a moment.)
	tokens := ts.srv.tokens
	heldByOne := func() bool {
		ts.srv.mu.Lock()
		defer ts.srv.mu.Unlock()
		for c := range ts.srv.conns {
			c.mu.Lock()
			h := c.held
			c.mu.Unlock()
			if h == cap(tokens) {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	var full time.Time
	for full.IsZero() || time.Since(full) < 300*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("the server never held all %d tokens (%d)", cap(tokens), len(tokens))
		}
		switch {
		case !heldByOne():
			full = time.Time{}
		case full.IsZero():
			full = time.Now()
		}
		time.Sleep(time.Millisecond)
	}
	// The other client is held back while the tokens are taken...
	done := make(chan error, 1)
	go func() { _, _, err := c2.Get("/big"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("a request got through while the global limit was taken: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// ...and served once the first client reads its replies.
	for i := range n {
		if h, _ := rc.reply(); h.Xid != int32(i+1) || h.Err != 0 {
			t.Fatalf("reply %d: %+v", i, h)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
