package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/jute"
)

// This file is the client's connection machinery, organised as ZooKeeper's
// ClientCnxn: an outgoing queue of calls not yet sent, a pending queue of
// calls sent and awaiting their replies (matched in order by xid), a run
// goroutine that connects, reconnects and writes (the SendThread), and a
// reader goroutine per connection that reads replies and notifications.

// The states of a call.
const (
	callQueued    int32 = iota // in the outgoing queue
	callSent                   // written (or being written); in a pending queue
	callDone                   // completed, or being completed
	callAbandoned              // its caller gave up after it was sent; its reply is discarded
)

// setWatchesMaxLength bounds the path bytes of one setWatches request
// (ClientCnxn.SET_WATCHES_MAX_LENGTH); more watches go in several.
const setWatchesMaxLength = 128 * 1024

// call is one request and, once done is closed, its outcome.
type call struct {
	op   jute.OpCode
	xid  int32       // set when sent (special xids for auth and setWatches)
	req  jute.Record // request body; nil for none
	resp jute.Record // the reply body is decoded into it when the reply is OK; may be nil
	// onReply, if set, runs on the reader goroutine when the reply is
	// processed (not if the caller abandoned the call), before done is
	// closed and before any later reply or notification is read: watch
	// registration happens there, in order with the session's events.
	onReply func(code api.Code)

	state     atomic.Int32
	cancelled bool // the caller gave up before it was sent; guarded by Client.mu

	code api.Code // the outcome, set before done is closed
	zxid int64
	done chan struct{}
}

func newCall(op jute.OpCode, req, resp jute.Record, onReply func(api.Code)) *call {
	return &call{op: op, req: req, resp: resp, onReply: onReply, done: make(chan struct{})}
}

// fail completes a call that got no reply with code, unless it was
// abandoned or already done.
func (cl *call) fail(code api.Code) {
	if cl.state.CompareAndSwap(callSent, callDone) || cl.state.CompareAndSwap(callQueued, callDone) {
		cl.code = code
		close(cl.done)
	}
}

// clientConn is one connection to a server.
type clientConn struct {
	nc       net.Conn
	addr     string
	timeout  time.Duration // the negotiated session timeout
	pending  []*call       // sent, awaiting replies, in order; guarded by Client.mu
	authq    []*call       // auth packets sent, awaiting replies; guarded by Client.mu
	lastSend atomic.Int64  // nanotime of the last write
	dead     chan struct{} // closed by kill
	once     sync.Once
	err      error // why it died; written once, before dead closes
}

// kill marks the connection dead and closes it, which stops its reader and
// writer.
func (cn *clientConn) kill(err error) {
	cn.once.Do(func() {
		cn.err = err
		close(cn.dead)
		cn.nc.Close()
	})
}

// errSessionExpired is what connect returns when the server says the
// session is gone.
var errSessionExpired = fmt.Errorf("transport: the server has no such session: %w", api.ErrSessionExpired)

// run connects, serves each connection until it dies, and reconnects,
// until the session ends or Close stops it. first receives the outcome of
// the first connection attempt that succeeded.
func (c *Client) run(ctx context.Context, first chan<- struct{}) {
	defer close(c.runDone)
	for {
		if c.finished() {
			return
		}
		addr, wait := c.hosts.Next()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		cn, err := c.connect(ctx, addr)
		if err != nil {
			if errors.Is(err, errSASLFailed) {
				c.log.Warn("SASL authentication failed; the session is over", "session", c.SessionID().String(), "server", addr)
				c.end(api.StateAuthFailed, api.ErrAuthFailed)
				return
			}
			if errors.Is(err, api.ErrSessionExpired) {
				c.log.Warn("session expired", "session", c.SessionID().String(), "server", addr)
				c.end(api.StateExpired, api.ErrSessionExpired)
				return
			}
			if ctx.Err() != nil {
				return
			}
			c.log.Debug("connection attempt failed", "server", addr, "err", err)
			c.setLastErr(err)
			// ClientCnxn.cleanup: requests queued while disconnected fail
			// when an attempt fails.
			c.failOutgoing(api.ErrConnectionLoss)
			continue
		}
		select {
		case first <- struct{}{}:
		default:
		}
		c.serve(cn)
	}
}

// finished reports whether the run loop should stop: the session ended or
// the client is closing.
func (c *Client) finished() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended != 0 || c.closing
}

// connect dials addr and opens or resumes the session on it. On success
// the connection is current and the client connected.
func (c *Client) connect(ctx context.Context, addr string) (*clientConn, error) {
	c.mu.Lock()
	timeout := c.negotiated
	if timeout == 0 {
		timeout = c.opts.sessionTimeout
	}
	req := jute.ConnectRequest{
		ProtocolVersion: jute.ProtocolVersion,
		LastZxidSeen:    c.lastZxid.Load(),
		Timeout:         int32(c.opts.sessionTimeout / time.Millisecond),
		Passwd:          c.passwd,
		ReadOnly:        c.opts.readOnly,
		HasReadOnly:     true, // as the Java and C clients
	}
	// ClientCnxn.primeConnection: a session seen only on read-only
	// servers is not resumed.
	if c.seenRW {
		req.SessionID = int64(c.SessionID())
	}
	if req.Passwd == nil {
		req.Passwd = make([]byte, 16)
	}
	c.mu.Unlock()

	// ClientCnxn's connectTimeout: the session timeout shared among the
	// servers, so a round of attempts fits in one session timeout. A floor
	// keeps slow handshakes on many-server lists possible.
	attempt := max(timeout/time.Duration(c.hosts.Len()), 500*time.Millisecond)
	actx, cancel := context.WithTimeout(ctx, attempt)
	defer cancel()
	nc, err := c.opts.dial(actx, "tcp", addr)
	if err == nil {
		nc, err = c.secureConn(actx, nc, addr)
	}
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(actx, func() { nc.Close() })
	buf := jute.AppendFrame(c.wbuf[:0], &req)
	c.wbuf = buf
	nc.SetDeadline(time.Now().Add(attempt))
	if _, err := nc.Write(buf); err != nil {
		stop()
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 16<<10)
	frame, err := jute.ReadFrame(br, nil, c.opts.maxBuffer)
	if !stop() || err != nil {
		nc.Close()
		if err == nil || errors.Is(err, net.ErrClosed) {
			err = context.Cause(actx)
		}
		// A server that closes without answering refuses us: it is
		// behind the zxid we have seen, or not serving.
		return nil, fmt.Errorf("transport: handshake with %s: %w", addr, err)
	}
	var resp jute.ConnectResponse
	r := jute.NewReader(frame)
	resp.Decode(r)
	if r.Err() != nil {
		nc.Close()
		return nil, fmt.Errorf("transport: bad connect response from %s: %w", addr, r.Err())
	}
	if resp.Timeout <= 0 {
		nc.Close()
		return nil, errSessionExpired
	}
	if err := c.saslExchange(nc, br, addr); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	cn := &clientConn{
		nc:      &bufferedConn{Conn: nc, r: br},
		addr:    addr,
		timeout: time.Duration(resp.Timeout) * time.Millisecond,
		dead:    make(chan struct{}),
	}
	cn.lastSend.Store(nanotime())

	c.mu.Lock()
	if c.ended != 0 || c.closing {
		c.mu.Unlock()
		nc.Close()
		return nil, api.ErrConnectionLoss
	}
	c.sessionID.Store(resp.SessionID)
	c.passwd = resp.Passwd
	c.negotiated = cn.timeout
	c.seenRW = c.seenRW || !resp.ReadOnly
	c.roServer.Store(resp.ReadOnly)
	c.cur = cn
	state := api.StateSyncConnected
	if resp.ReadOnly {
		state = api.StateConnectedReadOnly
	}
	c.state = state
	// Prime the connection (ClientCnxn.primeConnection): credentials and
	// watches go out before anything queued.
	prime := c.primeCalls()
	c.outgoing = append(prime, c.outgoing...)
	c.mu.Unlock()
	c.hosts.Connected()
	c.log.Info("session established", "server", addr, "session", c.SessionID().String(),
		"timeout", cn.timeout, "readOnly", resp.ReadOnly)
	c.emit(state)
	return cn, nil
}

// bufferedConn reads through the bufio.Reader the handshake used, so bytes
// it buffered past the connect response are not lost.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// primeCalls returns the auth packets and setWatches requests that start a
// connection. c.mu is held.
func (c *Client) primeCalls() []*call {
	var out []*call
	for _, a := range c.auth {
		out = append(out, newCall(jute.OpAuth, &jute.AuthPacket{Scheme: a.scheme, Auth: a.auth}, nil, nil))
	}
	paths := c.watches.Paths()
	var kinds [5][]string
	for k := range kinds {
		for _, p := range paths[k] {
			kinds[k] = append(kinds[k], c.root.server(p))
		}
	}
	rel := c.lastZxid.Load()
	// Fill chunks of about setWatchesMaxLength path bytes, taking data,
	// exist, child, persistent and recursive watches in that order, as
	// ClientCnxn does (a chunk may pass the bound by its last path).
	for k := 0; k < len(kinds); {
		var chunk [5][]string
		n := 0
		for n < setWatchesMaxLength && k < len(kinds) {
			if len(kinds[k]) == 0 {
				k++
				continue
			}
			p := kinds[k][0]
			kinds[k] = kinds[k][1:]
			chunk[k] = append(chunk[k], p)
			n += len(p)
		}
		if n == 0 && len(chunk[0])+len(chunk[1])+len(chunk[2])+len(chunk[3])+len(chunk[4]) == 0 {
			break
		}
		var cl *call
		nz := func(s []string) []string {
			if s == nil {
				return []string{}
			}
			return s
		}
		if len(chunk[3]) == 0 && len(chunk[4]) == 0 {
			cl = newCall(jute.OpSetWatches, &jute.SetWatches{RelativeZxid: rel,
				DataWatches: nz(chunk[0]), ExistWatches: nz(chunk[1]), ChildWatches: nz(chunk[2])}, nil, nil)
		} else {
			cl = newCall(jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: rel,
				DataWatches: nz(chunk[0]), ExistWatches: nz(chunk[1]), ChildWatches: nz(chunk[2]),
				PersistentWatches: nz(chunk[3]), PersistentRecursiveWatches: nz(chunk[4])}, nil, nil)
		}
		out = append(out, cl)
	}
	return out
}

// serve runs a connection until it dies: this goroutine writes, another
// reads. Then every request sent on it fails with ConnectionLoss.
func (c *Client) serve(cn *clientConn) {
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		c.readLoop(cn)
	}()
	c.writeLoop(cn)
	<-readerDone
	c.lost(cn)
}

// writeLoop sends queued calls, batching whatever is queued into one write,
// and pings after a third of the session timeout without sending.
func (c *Client) writeLoop(cn *clientConn) {
	// Pings go out between a third and five twelfths of the timeout after
	// the last write, well before the server's read deadline (below) of at
	// least seven twelfths passes.
	pingAfter := cn.timeout / 3
	ticker := time.NewTicker(max(pingAfter/4, time.Millisecond))
	defer ticker.Stop()
	var batch []*call
	for {
		c.mu.Lock()
		for i, cl := range c.outgoing {
			c.outgoing[i] = nil
			if cl.cancelled || cl.state.Load() != callQueued {
				continue
			}
			switch cl.op {
			case jute.OpAuth:
				cl.xid = jute.XidAuth
				cn.authq = append(cn.authq, cl)
			case jute.OpSetWatches, jute.OpSetWatches2:
				cl.xid = jute.XidSetWatches
				cn.pending = append(cn.pending, cl)
			default:
				c.xid++
				if c.xid <= 0 {
					c.xid = 1
				}
				cl.xid = c.xid
				cn.pending = append(cn.pending, cl)
			}
			cl.state.Store(callSent)
			batch = append(batch, cl)
		}
		c.outgoing = c.outgoing[:0]
		c.mu.Unlock()
		if len(batch) > 0 {
			b := c.wbuf[:0]
			for i, cl := range batch {
				var start int
				b, start = jute.BeginFrame(b)
				b = jute.RequestHeader{Xid: cl.xid, Type: cl.op}.AppendTo(b)
				if cl.req != nil {
					b = cl.req.AppendTo(b)
				}
				b = jute.EndFrame(b, start)
				batch[i] = nil
			}
			batch = batch[:0]
			c.wbuf = b
			if !c.write(cn, b) {
				return
			}
			if cap(c.wbuf) > 1<<20 {
				c.wbuf = nil // do not pin a large buffer
			}
		}
		select {
		case <-c.wake:
		case <-ticker.C:
			if time.Duration(nanotime()-cn.lastSend.Load()) >= pingAfter {
				b, start := jute.BeginFrame(c.wbuf[:0])
				b = jute.RequestHeader{Xid: jute.XidPing, Type: jute.OpPing}.AppendTo(b)
				c.wbuf = jute.EndFrame(b, start)
				if !c.write(cn, c.wbuf) {
					return
				}
			}
		case <-cn.dead:
			return
		}
	}
}

// write writes b to the connection, killing it on failure.
func (c *Client) write(cn *clientConn, b []byte) bool {
	if _, err := cn.nc.Write(b); err != nil {
		cn.kill(err)
		return false
	}
	cn.lastSend.Store(nanotime())
	return true
}

// readLoop reads replies and notifications until the connection fails. A
// connection that says nothing for two thirds of the session timeout is
// lost (ClientCnxn's readTimeout); the pings keep a healthy one talking.
func (c *Client) readLoop(cn *clientConn) {
	readTimeout := cn.timeout * 2 / 3
	var buf []byte
	var r jute.Reader
	var lastDeadline int64
	for {
		// Push the deadline back at most every eighth of it: no timer
		// update per frame.
		if now := nanotime(); time.Duration(now-lastDeadline) > readTimeout/8 {
			cn.nc.SetReadDeadline(time.Now().Add(readTimeout))
			lastDeadline = now
		}
		frame, err := jute.ReadFrame(cn.nc, buf, c.opts.maxBuffer)
		if err != nil {
			cn.kill(err)
			return
		}
		buf = frame
		r.Reset(frame)
		var h jute.ReplyHeader
		h.Decode(&r)
		if r.Err() != nil {
			cn.kill(fmt.Errorf("transport: malformed reply header: %w", r.Err()))
			return
		}
		switch h.Xid {
		case jute.XidNotification:
			var ev jute.WatcherEvent
			ev.Decode(&r)
			if r.Err() != nil {
				cn.kill(fmt.Errorf("transport: malformed notification: %w", r.Err()))
				return
			}
			if api.EventType(ev.Type) == api.EventNone {
				continue // servers send none; state changes are the client's own
			}
			c.watches.Dispatch(api.Event{Type: api.EventType(ev.Type), State: api.State(ev.State),
				Path: c.root.client(ev.Path), Zxid: api.Zxid(h.Zxid)})
		case jute.XidPing:
		case jute.XidAuth:
			c.mu.Lock()
			var cl *call
			if len(cn.authq) > 0 {
				cl = cn.authq[0]
				cn.authq[0] = nil
				cn.authq = cn.authq[1:]
			}
			c.mu.Unlock()
			code := api.Code(h.Err)
			if code == api.ErrAuthFailed {
				c.log.Warn("authentication failed; the session ends", "session", c.SessionID().String())
				if cl != nil {
					cl.fail(code)
				}
				c.end(api.StateAuthFailed, api.ErrAuthFailed)
				continue
			}
			if cl != nil {
				cl.fail(code) // completes it with the server's answer (OK: 0)
			}
		default:
			c.mu.Lock()
			if len(cn.pending) == 0 || cn.pending[0].xid != h.Xid {
				c.mu.Unlock()
				cn.kill(fmt.Errorf("transport: reply xid %d out of order", h.Xid))
				return
			}
			cl := cn.pending[0]
			cn.pending[0] = nil
			cn.pending = cn.pending[1:]
			if cl.op == jute.OpCloseSession && h.Err == 0 {
				c.closing = true // the session is over: do not reconnect
			}
			c.mu.Unlock()
			if h.Zxid > 0 {
				c.lastZxid.Store(h.Zxid)
			}
			c.finish(cl, h, &r)
		}
	}
}

// finish completes a call with its reply, on the reader goroutine.
func (c *Client) finish(cl *call, h jute.ReplyHeader, r *jute.Reader) {
	if !cl.state.CompareAndSwap(callSent, callDone) {
		return // abandoned: the reply is read and dropped
	}
	code := api.Code(h.Err)
	if code == api.OK && cl.resp != nil {
		cl.resp.Decode(r)
		if r.Err() != nil {
			code = api.ErrMarshallingError
		}
	}
	cl.code = code
	cl.zxid = h.Zxid
	if cl.onReply != nil {
		cl.onReply(code)
	}
	close(cl.done)
}

// lost cleans up after a dead connection: requests sent on it, and those
// still queued, fail with ConnectionLoss (ClientCnxn.cleanup), and the
// client is disconnected.
func (c *Client) lost(cn *clientConn) {
	c.mu.Lock()
	if c.cur == cn {
		c.cur = nil
	}
	calls := append(cn.pending, cn.authq...)
	cn.pending, cn.authq = nil, nil
	calls = c.takeOutgoing(calls)
	code := api.ErrConnectionLoss
	if c.ended != 0 {
		code = c.ended
	}
	wasConnected := c.ended == 0 && (c.state == api.StateSyncConnected || c.state == api.StateConnectedReadOnly)
	if c.ended == 0 {
		c.state = api.StateDisconnected
	}
	c.mu.Unlock()
	for _, cl := range calls {
		cl.fail(code)
	}
	if wasConnected {
		c.log.Info("connection lost", "server", cn.addr, "session", c.SessionID().String(), "err", cn.err)
		c.setLastErr(cn.err)
		c.emit(api.StateDisconnected)
	}
}

// takeOutgoing moves the queued calls to calls and empties the queue.
// c.mu is held.
func (c *Client) takeOutgoing(calls []*call) []*call {
	for i, cl := range c.outgoing {
		if !cl.cancelled {
			calls = append(calls, cl)
		}
		c.outgoing[i] = nil
	}
	c.outgoing = c.outgoing[:0]
	return calls
}

// failOutgoing fails every queued call with code.
func (c *Client) failOutgoing(code api.Code) {
	c.mu.Lock()
	calls := c.takeOutgoing(nil)
	c.mu.Unlock()
	for _, cl := range calls {
		cl.fail(code)
	}
}

// end ends the session with state (Expired, AuthFailed or Closed): every
// call waiting fails with code, as will every later one, and every watch
// hears state.
func (c *Client) end(state api.State, code api.Code) {
	c.mu.Lock()
	if c.ended != 0 {
		c.mu.Unlock()
		return
	}
	c.ended = code
	c.state = state
	calls := c.takeOutgoing(nil)
	cur := c.cur
	if cur != nil {
		calls = append(calls, cur.pending...)
		calls = append(calls, cur.authq...)
		cur.pending, cur.authq = nil, nil
	}
	c.mu.Unlock()
	for _, cl := range calls {
		cl.fail(code)
	}
	c.watches.End(state)
	if state != api.StateClosed {
		c.emit(state)
	}
	if cur != nil {
		cur.kill(code)
	}
}

// enqueue queues cl for sending, or fails at once if the session is over.
func (c *Client) enqueue(cl *call) error {
	c.mu.Lock()
	if c.ended != 0 {
		code := c.ended
		c.mu.Unlock()
		return code
	}
	c.outgoing = append(c.outgoing, cl)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// do sends a request and waits for its reply. A ctx that ends before the
// request is sent withdraws it; one that ends after abandons it: its reply
// is still read, in order, and dropped, so the stream stays in step.
func (c *Client) do(ctx context.Context, op jute.OpCode, req, resp jute.Record, onReply func(api.Code)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cl := newCall(op, req, resp, onReply)
	if err := c.enqueue(cl); err != nil {
		return err
	}
	select {
	case <-cl.done:
		return cl.code.Err()
	case <-ctx.Done():
	}
	c.mu.Lock()
	if cl.state.Load() == callQueued {
		cl.cancelled = true
		c.mu.Unlock()
		return ctx.Err()
	}
	c.mu.Unlock()
	if cl.state.CompareAndSwap(callSent, callAbandoned) {
		return ctx.Err()
	}
	<-cl.done
	return cl.code.Err()
}

// eventLoop delivers session state changes to the user's callback, in
// order, on its own goroutine, with an unbounded queue: the connection never
// waits for the callback.
type eventLoop struct {
	fn     func(api.Event)
	mu     sync.Mutex // guards queue, closed
	queue  []api.Event
	closed bool
	signal chan struct{}
	done   chan struct{}
}

func newEventLoop(fn func(api.Event)) *eventLoop {
	l := &eventLoop{fn: fn, signal: make(chan struct{}, 1), done: make(chan struct{})}
	if fn == nil {
		close(l.done)
		return l
	}
	go l.loop()
	return l
}

func (l *eventLoop) push(ev api.Event) {
	if l.fn == nil {
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.queue = append(l.queue, ev)
	l.mu.Unlock()
	select {
	case l.signal <- struct{}{}:
	default:
	}
}

func (l *eventLoop) loop() {
	defer close(l.done)
	for {
		l.mu.Lock()
		q := l.queue
		l.queue = nil
		closed := l.closed
		l.mu.Unlock()
		for _, ev := range q {
			l.fn(ev)
		}
		if len(q) == 0 {
			if closed {
				return
			}
			<-l.signal
		}
	}
}

// close delivers what is queued, then stops the loop and waits for it.
func (l *eventLoop) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	select {
	case l.signal <- struct{}{}:
	default:
	}
	<-l.done
}
