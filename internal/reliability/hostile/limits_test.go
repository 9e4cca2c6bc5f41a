package hostile

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/jute"
	"github.com/zkembed/zkembed/transport"
)

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// A client that pipelines requests for 16 KiB replies and never reads them
// must not make the server buffer without bound: the server stops reading
// it once MaxOutstanding requests wait (or their replies cannot be
// written), its heap stays bounded, and other sessions carry on.
func TestFastWriterSlowReader(t *testing.T) {
	const outstanding = 100
	tg := newTargetWith(t, engine.Options{}, transport.Options{MaxOutstanding: outstanding})
	ctx := context.Background()
	if _, err := tg.other.Create(ctx, "/big", make([]byte, 16<<10), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	base := heapInUse()

	r := rig.DialRaw(t, tg.srv.Addr)
	r.Handshake(30000)
	const total = 2000000 // 48 MB of requests, 32 GB of replies if all were answered
	batch := make([]byte, 0, 1000*32)
	sent := 0
	for sent < total {
		batch = batch[:0]
		for range 1000 {
			sent++
			batch = append(batch, rig.Request(int32(sent), jute.OpGetData, &jute.GetDataRequest{Path: "/big"})...)
		}
		r.NC.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := r.NC.Write(batch); err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("write: %v", err)
			}
			break
		}
	}
	if sent >= total {
		t.Fatalf("the server read all %d requests (%d MiB of replies) from a client that reads nothing", total, total*16>>10)
	}
	grew := int64(heapInUse()) - int64(base)
	t.Logf("client got %d requests in before the server stopped reading; server heap grew %d KiB", sent, grew>>10)
	if grew > 64<<20 {
		t.Fatalf("heap grew %d MiB with a client that does not read", grew>>20)
	}
	if c := tg.srv.Srv.Counters(); c.Outstanding > outstanding {
		t.Fatalf("%d requests outstanding, limit %d", c.Outstanding, outstanding)
	}
	tg.carriesOn(t)
	r.NC.Close()
	tg.carriesOn(t)
}

// MaxClientCnxns: connections beyond the limit from one IP are closed at
// once, with one log line; those within it carry on, and a slot freed is
// reused.
func TestMaxClientCnxns(t *testing.T) {
	const limit = 5
	eng := rig.OpenEngine(t, engine.Options{})
	srv := rig.StartServer(t, eng, transport.Options{MaxClientCnxns: limit})
	var raws []*rig.Raw
	for range limit {
		r := rig.DialRaw(t, srv.Addr)
		r.Handshake(10000)
		raws = append(raws, r)
	}
	from := len(srv.Logs.Lines())
	extra := rig.DialRaw(t, srv.Addr)
	if resp, err := extra.TryHandshake(jute.ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)}); err == nil && resp.SessionID != 0 {
		t.Fatalf("connection %d from one IP was served (limit %d)", limit+1, limit)
	}
	extra.Closed(10 * time.Second)
	if !srv.Logs.Wait(10*time.Second, func(l []string) bool { return countContaining(l[from:], "too many connections") == 1 }) {
		t.Fatalf("want one log line for the refused connection:\n%s", strings.Join(srv.Logs.Since(from), "\n"))
	}
	for i, r := range raws {
		if err := r.Send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"}); err != nil {
			t.Fatal(err)
		}
		if h, _, err := r.Reply(); err != nil || h.Err != 0 {
			t.Fatalf("connection %d within the limit: %+v %v", i, h, err)
		}
	}
	// Free a slot: a new connection is served once the server has seen
	// the close (each attempt is a real connection, bounded).
	raws[0].NC.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := rig.DialRaw(t, srv.Addr)
		resp, err := r.TryHandshake(jute.ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)})
		if err == nil && resp.SessionID != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a freed slot was not reused within 10s")
		}
	}
}

func countContaining(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// heldBackend holds getData requests on /held until released, counting
// how many are held at once over all connections.
type heldBackend struct {
	transport.Backend
	mu       sync.Mutex // guards the fields below
	now, max int
	release  chan struct{} // closed to answer every held request
	arrived  chan struct{} // one send per held request
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
	hb.arrived <- struct{}{}
	go func() {
		<-hb.release
		hb.mu.Lock()
		hb.now--
		hb.mu.Unlock()
		done(api.Response{Err: api.ErrNoNode, Zxid: zxid})
	}()
}

// MaxOutstanding bounds the requests of one connection the server has read
// and not answered: with a backend that holds them, no more than the limit
// reach it, and the rest are read once replies go out.
func TestMaxOutstandingPerConnection(t *testing.T) {
	const limit, conns, per = 4, 3, 20
	eng := rig.OpenEngine(t, engine.Options{})
	hb := &heldBackend{Backend: eng, release: make(chan struct{}), arrived: make(chan struct{}, conns*per)}
	srv := rig.StartServer(t, hb, transport.Options{MaxOutstanding: limit})
	var raws []*rig.Raw
	for range conns {
		r := rig.DialRaw(t, srv.Addr)
		r.Handshake(10000)
		raws = append(raws, r)
		var b []byte
		for i := 1; i <= per; i++ {
			b = append(b, rig.Request(int32(i), jute.OpGetData, &jute.GetDataRequest{Path: "/held"})...)
		}
		if err := r.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	// Every connection gets exactly its limit through.
	for range conns * limit {
		<-hb.arrived
	}
	// The server has read all it will (a further request would be held
	// too): a ping on another connection round-trips, proving the server
	// is live, while the held count stays at the limit per connection.
	probe := rig.DialRaw(t, srv.Addr)
	probe.Handshake(10000)
	probe.Send(1, jute.OpExists, &jute.ExistsRequest{Path: "/"})
	if _, _, err := probe.Reply(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hb.arrived:
		t.Fatalf("more than %d requests of one connection reached the backend", limit)
	default:
	}
	close(hb.release)
	for _, r := range raws {
		for i := int32(1); i <= per; i++ {
			h, _, err := r.Reply()
			if err != nil || h.Xid != i || api.Code(h.Err) != api.ErrNoNode {
				t.Fatalf("reply %d: %+v %v", i, h, err)
			}
		}
	}
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.max != conns*limit {
		t.Fatalf("%d requests held at once, want %d (%d connections × %d)", hb.max, conns*limit, conns, limit)
	}
}

// MaxBuffer bounds the frames the server reads; the client's WithMaxBuffer
// bounds the replies it reads: a reply over it drops the connection
// instead of allocating.
func TestMaxFrameSize(t *testing.T) {
	const limit = 2048
	tg := newTargetWith(t, engine.Options{}, transport.Options{MaxBuffer: limit})
	r := rig.DialRaw(t, tg.srv.Addr)
	r.Handshake(10000)
	// Exactly at the limit: served (an error reply, the path is absent).
	body := jute.RequestHeader{Xid: 1, Type: jute.OpSetData}.AppendTo(nil)
	body = (&jute.SetDataRequest{Path: "/nope", Version: -1}).AppendTo(body)
	pad := limit - len(body)
	frame := rig.Request(1, jute.OpSetData, &jute.SetDataRequest{Path: "/nope", Data: make([]byte, pad), Version: -1})
	if len(frame)-4 != limit {
		t.Fatalf("frame of %d bytes, want %d", len(frame)-4, limit)
	}
	r.Write(frame)
	if h, _, err := r.Reply(); err != nil || api.Code(h.Err) != api.ErrNoNode {
		t.Fatalf("frame at the limit: %+v %v", h, err)
	}
	// One byte over: closed.
	from := len(tg.srv.Logs.Lines())
	r.Write(rig.Request(2, jute.OpSetData, &jute.SetDataRequest{Path: "/nope", Data: make([]byte, pad+1), Version: -1}))
	if n := r.Closed(10 * time.Second); n != 0 {
		t.Fatalf("%d bytes before close", n)
	}
	if !tg.srv.Logs.Wait(10*time.Second, func(l []string) bool { return countContaining(l[from:], "frame length out of range") == 1 }) {
		t.Fatalf("want one log line:\n%s", strings.Join(tg.srv.Logs.Since(from), "\n"))
	}
	tg.carriesOn(t)

	// The client side: a reply larger than the client's limit.
	ctx := context.Background()
	if _, err := tg.other.Create(ctx, "/wide", make([]byte, 1500), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	small := tg.srv.Dial(t, transport.WithMaxBuffer(1024))
	if _, _, err := small.Get(ctx, "/wide"); !errors.Is(err, api.ErrConnectionLoss) {
		t.Fatalf("a reply over the client's max buffer: %v, want ConnectionLoss", err)
	}
	if _, err := small.Exists(ctx, "/wide"); err != nil {
		t.Fatalf("the client after dropping an oversize reply: %v", err)
	}
}
