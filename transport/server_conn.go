package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/jute"
)

// serverConn is one client connection of a Server.
//
// Its reader goroutine (serve) does the handshake, then reads requests and
// hands each to the session with Do, in arrival order, without waiting for
// earlier replies. Every request takes a slot in the pending queue, in
// arrival order; Do's done callback (or the reader, for the few packets
// answered without the backend) fills the slot, and every filled slot at
// the head of the queue moves to the outgoing list. Watch events from the
// session's sink go straight to the outgoing list: the head of the pending
// queue is never filled, so an event lands after every reply completed
// before it and before every reply completed after it. The writer goroutine
// encodes the outgoing list and writes it to the connection.
type serverConn struct {
	srv      *Server
	nc       net.Conn
	br       *bufio.Reader
	host     string // remote host, the MaxClientCnxns key
	remote   string // remote address as four-letter words print it
	ctr      connCounters
	accepted time.Time

	sess        api.ServerSession // set once by the handshake, before the writer starts
	sid         atomic.Int64      // session id, 0 before the handshake
	timeout     time.Duration     // negotiated session timeout; set by the handshake, read by c's goroutines
	timeoutMs   atomic.Int64      // the same, for four-letter words on other connections
	established atomic.Int64      // unix milliseconds of the handshake, 0 before
	deadline    atomic.Int64      // unix nanoseconds when the connection expires if idle
	sec         connSecurity      // TLS identities, SASL, enforcement; owned by the reader

	wake       chan struct{} // capacity 1: the outgoing list grew or the connection drains
	done       chan struct{} // closed by shutdown
	writerDone chan struct{} // closed when the writer exits
	finished   chan struct{} // closed once the session is detached and the server forgot c
	closeOnce  sync.Once

	mu       sync.Mutex
	room     *sync.Cond // signalled when pending or what is being written shrinks, or the connection closes; uses mu
	closed   bool       // shutdown ran; guarded by mu
	draining bool       // an item that ends the connection is outgoing: nothing follows it; guarded by mu
	terminal bool       // the session ended (expired or closed): drain, then close; guarded by mu
	pending  ring       // requests in arrival order, not yet outgoing; guarded by mu
	headSeq  uint64     // sequence number of pending's head; guarded by mu
	out      []item     // items to write, in order; guarded by mu
	writing  int        // items the writer took from out and has not finished writing; guarded by mu
	held     int        // global outstanding tokens this connection holds (requests read, not written); guarded by mu
}

func newServerConn(s *Server, nc net.Conn, host string) *serverConn {
	c := &serverConn{
		srv:        s,
		nc:         nc,
		br:         bufio.NewReaderSize(nc, 4096),
		host:       host,
		remote:     printableAddr(nc.RemoteAddr()),
		accepted:   time.Now(),
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
		finished:   make(chan struct{}),
	}
	c.room = sync.NewCond(&c.mu)
	c.ctr.reset()
	c.deadline.Store(c.accepted.Add(s.opts.HandshakeTimeout).UnixNano())
	return c
}

// printableAddr formats a remote address as ZooKeeper prints an
// InetSocketAddress ("/127.0.0.1:2181"); other addresses print as they are.
func printableAddr(a net.Addr) string {
	if a == nil {
		return "?"
	}
	if _, ok := a.(*net.TCPAddr); ok {
		return "/" + a.String()
	}
	return a.String()
}

func (c *serverConn) sessionID() api.SessionID { return api.SessionID(c.sid.Load()) }

// itemKind says what an item becomes on the wire.
type itemKind uint8

const (
	kindReply   itemKind = iota // the backend's Response to a request
	kindPing                    // a ping reply; its zxid is read when it is written
	kindError                   // a reply header carrying code and zxid, no body
	kindEvent                   // a watch notification
	kindNothing                 // nothing is written (the connection closes after it)
)

// item is one packet to send: a reply slot in the pending queue, then an
// entry of the outgoing list.
type item struct {
	kind       itemKind
	ready      bool // the reply is known
	closeAfter bool // the connection closes once this item is written
	op         jute.OpCode
	xid        int32
	code       api.Code      // kindError
	zxid       api.Zxid      // kindError
	start      int64         // monotonic nanoseconds when the request was read
	multi      []jute.OpCode // the op codes of a multi, for its result headers
	resp       api.Response  // kindReply
	ev         api.Event     // kindEvent
}

// serve runs the connection: handshake (or four-letter word), then the
// request loop, then teardown. It is the reader goroutine.
func (c *serverConn) serve() {
	defer c.srv.wg.Done()
	defer close(c.finished)
	defer c.srv.removeConn(c)

	if !c.tlsHandshake() || !c.handshake() {
		c.shutdown()
		return
	}
	go c.writeLoop()
	if !c.readLoop() {
		c.shutdown()
	}
	<-c.writerDone
	c.shutdown()
	c.sess.Detach()
	c.mu.Lock()
	held := c.held
	c.held = 0
	c.mu.Unlock()
	c.release(held)
}

// acquire takes a global outstanding token for a request about to be read,
// waiting while MaxGlobalOutstanding requests are in the server. It reports
// false if the connection closes meanwhile.
func (c *serverConn) acquire() bool {
	if c.srv.tokens == nil {
		return true
	}
	select {
	case c.srv.tokens <- struct{}{}:
	case <-c.done:
		return false
	}
	c.mu.Lock()
	c.held++
	c.mu.Unlock()
	return true
}

// release gives back n global tokens.
func (c *serverConn) release(n int) {
	if c.srv.tokens == nil {
		return
	}
	for range n {
		<-c.srv.tokens
	}
}

// shutdown closes the connection and wakes everything waiting on it. It is
// idempotent and safe from any goroutine.
func (c *serverConn) shutdown() {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.out = nil
		c.room.Broadcast()
		c.mu.Unlock()
		close(c.done)
		c.nc.Close()
	})
}

// readFrame reads one frame into buf (reused when large enough). It refuses
// a length outside 0..MaxBuffer before reading the body.
func (c *serverConn) readFrame(buf []byte) ([]byte, error) {
	var hdr [jute.FrameHeaderSize]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return buf, err
	}
	n, err := jute.FrameLength(hdr[:], c.srv.opts.MaxBuffer)
	if err != nil {
		return buf, frameLengthError{int32(binary.BigEndian.Uint32(hdr[:]))}
	}
	return c.readBody(buf, n)
}

func (c *serverConn) readBody(buf []byte, n int) ([]byte, error) {
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(c.br, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return buf, err
	}
	return buf, nil
}

type frameLengthError struct{ n int32 }

func (e frameLengthError) Error() string { return "frame length out of range" }

// logReadError logs why reading a connection stopped: quietly for the
// ordinary ends of a connection, once as a warning for bad input.
func (c *serverConn) logReadError(err error) {
	var fl frameLengthError
	switch {
	case errors.As(err, &fl):
		c.srv.log.Warn("closing connection: frame length out of range",
			"remote", c.remote, "session", c.sessionID().String(), "length", fl.n, "max", c.srv.opts.MaxBuffer)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), c.isClosed():
		c.srv.log.Debug("connection closed", "remote", c.remote, "session", c.sessionID().String())
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.srv.log.Info("closing idle connection", "remote", c.remote, "session", c.sessionID().String())
	default:
		c.srv.log.Info("closing connection", "remote", c.remote, "session", c.sessionID().String(), "err", err)
	}
}

func (c *serverConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// handshake reads the first packet: a four-letter word, answered here, or a
// ConnectRequest, which opens or resumes the session. It reports whether
// the connection goes on to serve requests.
func (c *serverConn) handshake() bool {
	s := c.srv
	c.nc.SetReadDeadline(c.accepted.Add(s.opts.HandshakeTimeout))
	var hdr [jute.FrameHeaderSize]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		c.logReadError(err)
		return false
	}
	c.ctr.packetsReceived.Add(1)
	s.ctr.packetsReceived.Add(1)
	if word := string(hdr[:]); isFourLetterWord(word) {
		c.fourLetterWord(word)
		return false
	}
	n, err := jute.FrameLength(hdr[:], s.opts.MaxBuffer)
	if err != nil {
		c.logReadError(frameLengthError{int32(binary.BigEndian.Uint32(hdr[:]))})
		return false
	}
	body, err := c.readBody(nil, n)
	if err != nil {
		c.logReadError(err)
		return false
	}
	var req jute.ConnectRequest
	r := jute.NewReader(body)
	req.Decode(r)
	if r.Err() != nil || r.Len() > 0 {
		s.log.Warn("closing connection: malformed connect request (a request before the handshake?)",
			"remote", c.remote, "length", n, "err", r.Err())
		return false
	}
	params := api.SessionParams{
		ID:           api.SessionID(req.SessionID),
		Password:     req.Passwd,
		Timeout:      time.Duration(req.Timeout) * time.Millisecond,
		LastZxidSeen: api.Zxid(req.LastZxidSeen),
		ReadOnly:     req.ReadOnly,
		RemoteAddr:   c.nc.RemoteAddr().String(),
		Identities:   c.sec.proven,
	}
	if params.ID != 0 {
		s.evictSession(params.ID, c)
	}
	sess, err := s.backend.OpenSession(params, c.sink)
	resp := jute.ConnectResponse{ProtocolVersion: jute.ProtocolVersion, HasReadOnly: req.HasReadOnly}
	if err != nil {
		if !errors.Is(err, api.ErrSessionExpired) {
			s.log.Info("refusing session", "remote", c.remote, "session", params.ID.String(),
				"lastZxidSeen", params.LastZxidSeen, "err", err)
			return false
		}
		// ZooKeeperServer.finishSessionInit(valid=false): timeout 0,
		// session 0 and a zeroed password, then close.
		s.log.Info("invalid session, probably expired", "remote", c.remote, "session", params.ID.String())
		resp.Passwd = make([]byte, 16)
		c.writeSync(jute.AppendFrame(nil, &resp))
		return false
	}
	c.sess = sess
	c.timeout = sess.Timeout()
	c.timeoutMs.Store(millis(c.timeout))
	c.sid.Store(int64(sess.ID()))
	c.established.Store(time.Now().UnixMilli())
	s.bindSession(sess.ID(), c)
	resp.Timeout = int32(millis(c.timeout))
	resp.SessionID = int64(sess.ID())
	resp.Passwd = sess.Password()
	resp.ReadOnly = sess.ReadOnly()
	if !c.writeSync(jute.AppendFrame(nil, &resp)) {
		sess.Detach()
		return false
	}
	c.ctr.response(-1, int64(sess.LastZxid()), "SESS", 0, s.nowMillis())
	return true
}

// writeSync writes b before the writer goroutine runs (the handshake).
func (c *serverConn) writeSync(b []byte) bool {
	c.nc.SetWriteDeadline(time.Now().Add(c.srv.opts.HandshakeTimeout))
	_, err := c.nc.Write(b)
	c.nc.SetWriteDeadline(time.Time{})
	if err != nil {
		c.srv.log.Debug("handshake write failed", "remote", c.remote, "err", err)
		return false
	}
	c.ctr.packetsSent.Add(1)
	c.srv.ctr.packetsSent.Add(1)
	return true
}

// readLoop reads and dispatches requests until the connection ends. It
// returns true if it stopped because the connection is draining towards a
// close that the writer will perform (closeSession, an unsupported
// request), false if the connection must be shut down now.
func (c *serverConn) readLoop() bool {
	s := c.srv
	var buf []byte
	var r jute.Reader
	// The idle deadline is pushed back at most every quarter timeout, to
	// a timeout and a quarter after the last packet, so setting it (which
	// allocates a timer on some connections) stays rare while an idle
	// connection still lasts at least its session timeout.
	var refreshed time.Time
	if c.timeout <= 0 {
		c.nc.SetReadDeadline(time.Time{})
	}
	for {
		if c.timeout > 0 {
			if now := time.Now(); now.Sub(refreshed) >= c.timeout/4 {
				refreshed = now
				d := now.Add(c.timeout + c.timeout/4)
				c.deadline.Store(d.UnixNano())
				c.nc.SetReadDeadline(d)
			}
		}
		if cap(buf) > 64<<10 {
			buf = nil // decoded records copy what they keep: do not pin a big frame
		}
		var err error
		buf, err = c.readFrame(buf)
		if err != nil {
			c.logReadError(err)
			return false
		}
		c.ctr.packetsReceived.Add(1)
		s.ctr.packetsReceived.Add(1)
		c.sess.Touch()
		start := nanotime()

		var h jute.RequestHeader
		r.Reset(buf)
		h.Decode(&r)
		if r.Err() != nil {
			s.log.Warn("closing connection: malformed request header",
				"remote", c.remote, "session", c.sessionID().String(), "length", len(buf))
			return false
		}
		switch c.waitForRoom() {
		case connClosed:
			return false
		case connDraining:
			return true
		}
		if !c.acquire() {
			return false
		}
		it := item{op: h.Type, xid: h.Xid, start: start}
		if handled, closing := c.securityHook(h, &r, it); handled {
			if closing {
				return true
			}
			continue
		}
		switch h.Type {
		case jute.OpPing:
			it.kind, it.ready, it.xid = kindPing, true, jute.XidPing
			c.enqueue(it)
			continue
		case jute.OpReconfig:
			var rr jute.ReconfigRequest
			rr.Decode(&r)
			it.kind, it.ready, it.zxid = kindError, true, c.sess.LastZxid()
			it.code = api.ErrReconfigDisabled
			if r.Err() != nil {
				it.code = api.ErrMarshallingError
			}
			c.enqueue(it)
			continue
		}
		req, multi, code := decodeRequest(h.Type, &r)
		if code == api.ErrUnimplemented {
			// Request.isValid is false (check outside a multi, a
			// notification, an unknown op code):
			// UnimplementedRequestProcessor answers Unimplemented with
			// zxid -1, then closes the connection.
			s.log.Warn("closing connection: unsupported request",
				"remote", c.remote, "session", c.sessionID().String(), "op", h.Type.String(), "xid", h.Xid)
			it.kind, it.ready, it.closeAfter, it.code, it.zxid = kindError, true, true, code, -1
			c.enqueue(it)
			return true
		}
		if code != api.OK {
			it.kind, it.ready, it.code, it.zxid = kindError, true, code, c.sess.LastZxid()
			c.enqueue(it)
			continue
		}
		it.kind, it.multi = kindReply, multi
		closing := h.Type == jute.OpCloseSession
		it.closeAfter = closing
		seq := c.enqueue(it)
		c.sess.Do(req, func(resp api.Response) { c.complete(seq, resp) })
		if closing {
			return true
		}
	}
}

type connState uint8

const (
	connOpen     connState = iota // serving requests
	connDraining                  // no more requests: the connection closes once its replies are out
	connClosed                    // closed
)

// waitForRoom blocks while the connection has MaxOutstanding requests read
// and not yet written out (pending, answered and queued, or being written to
// a client that does not read), and says whether it may take another
// request.
func (c *serverConn) waitForRoom() connState {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.closed && !c.draining && !c.terminal && c.pending.n+len(c.out)+c.writing >= c.srv.opts.MaxOutstanding {
		c.room.Wait()
	}
	switch {
	case c.closed:
		return connClosed
	case c.draining || c.terminal:
		return connDraining
	}
	return connOpen
}

// enqueue appends it to the pending queue and returns its sequence number.
func (c *serverConn) enqueue(it item) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq := c.headSeq + uint64(c.pending.n)
	c.pending.push(it)
	if it.ready {
		c.flushLocked()
	}
	return seq
}

// complete fills the pending slot seq with the backend's response. It is
// Do's done callback: it never blocks.
func (c *serverConn) complete(seq uint64, resp api.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || seq < c.headSeq || seq-c.headSeq >= uint64(c.pending.n) {
		return
	}
	it := c.pending.at(int(seq - c.headSeq))
	it.resp, it.ready = resp, true
	if errors.Is(resp.Err, api.ErrSessionMoved) {
		// FinalRequestProcessor: SessionMovedException is not answered;
		// the connection is closed (the session lives on elsewhere).
		it.kind, it.closeAfter = kindNothing, true
	}
	if it.op == jute.OpAuth && resp.Err != nil {
		// ZooKeeperServer.processPacket: a failed auth is answered,
		// then the connection is closed.
		it.closeAfter = true
		c.srv.ctr.authFailed.Add(1)
		c.srv.log.Warn("authentication failed; closing connection", "remote", c.remote, "session", c.sessionID().String(), "err", resp.Err)
	}
	c.flushLocked()
}

// flushLocked moves the filled slots at the head of the pending queue to the
// outgoing list and wakes the writer. After an item that ends the
// connection, nothing more goes out.
func (c *serverConn) flushLocked() {
	moved := false
	for c.pending.n > 0 && !c.draining {
		head := c.pending.at(0)
		if !head.ready {
			break
		}
		c.out = append(c.out, *head)
		if head.closeAfter {
			c.draining = true
		}
		c.pending.pop()
		c.headSeq++
		moved = true
	}
	if c.terminal && c.pending.n == 0 && !c.draining {
		c.draining = true
		moved = true
	}
	if moved {
		c.room.Broadcast()
		c.signalLocked()
	}
}

func (c *serverConn) signalLocked() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// sink receives the session's events from the backend. It never blocks.
// A watch event goes out after every reply already completed. The end of
// the session (expired, closed, auth failed) closes the connection once
// the pending replies are out, as ZooKeeper closes the connection of an
// expired session.
func (c *serverConn) sink(ev api.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.draining {
		return
	}
	if ev.Type == api.EventNone {
		switch ev.State {
		case api.StateExpired, api.StateClosed, api.StateAuthFailed, api.StateDisconnected:
			c.terminal = true
			c.flushLocked()
		}
		return
	}
	c.out = append(c.out, item{kind: kindEvent, ev: ev})
	c.signalLocked()
}

// writeLoop encodes and writes the outgoing list until the connection ends.
func (c *serverConn) writeLoop() {
	defer close(c.writerDone)
	var batch []item
	var buf []byte
	var refreshed time.Time // when the write deadline was last pushed back, as in readLoop
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		c.mu.Lock()
		batch, c.out = c.out, batch[:0]
		c.writing = len(batch)
		drain := c.draining
		c.mu.Unlock()

		buf = buf[:0]
		now := nanotime()
		requests := 0 // items that hold a global token: all but events
		for i := range batch {
			if batch[i].kind != kindEvent {
				requests++
			}
			buf = c.appendItem(buf, &batch[i], now)
		}
		clear(batch)
		if len(buf) > 0 {
			if now := time.Now(); c.timeout > 0 && now.Sub(refreshed) >= c.timeout/4 {
				refreshed = now
				c.nc.SetWriteDeadline(now.Add(c.timeout + c.timeout/4))
			}
			if _, err := c.nc.Write(buf); err != nil {
				c.logReadError(err)
				c.shutdown()
				return
			}
		}
		c.mu.Lock()
		c.writing = 0
		requests = min(requests, c.held)
		c.held -= requests
		c.room.Broadcast()
		c.mu.Unlock()
		c.release(requests)
		if drain {
			c.shutdown()
			return
		}
		if cap(buf) > 1<<20 {
			buf = nil
		}
	}
}

// appendItem appends it as one frame to b and counts it.
func (c *serverConn) appendItem(b []byte, it *item, now int64) []byte {
	s := c.srv
	if it.kind == kindNothing {
		return b
	}
	c.ctr.packetsSent.Add(1)
	s.ctr.packetsSent.Add(1)
	b, start := jute.BeginFrame(b)
	var zxid api.Zxid
	switch it.kind {
	case kindEvent:
		b = jute.ReplyHeader{Xid: jute.XidNotification, Zxid: int64(it.ev.Zxid)}.AppendTo(b)
		b = jute.WatcherEvent{Type: int32(it.ev.Type), State: int32(api.StateSyncConnected), Path: it.ev.Path}.AppendTo(b)
		return jute.EndFrame(b, start)
	case kindPing:
		zxid = c.sess.LastZxid()
		b = jute.ReplyHeader{Xid: it.xid, Zxid: int64(zxid)}.AppendTo(b)
	case kindError:
		zxid = it.zxid
		b = jute.ReplyHeader{Xid: it.xid, Zxid: int64(zxid), Err: int32(it.code)}.AppendTo(b)
	case kindReply:
		zxid = it.resp.Zxid
		b = appendResponse(b, it)
	}
	b = jute.EndFrame(b, start)
	latency := (now - it.start) / 1e6
	c.ctr.response(it.xid, int64(zxid), lastOpName(int32(it.op)), latency, s.nowMillis())
	s.ctr.addResponse(latency, int64(len(b)-start-jute.FrameHeaderSize))
	return b
}

// ring is a growable FIFO of items.
type ring struct {
	buf  []item
	head int
	n    int
}

func (q *ring) push(it item) {
	if q.n == len(q.buf) {
		nb := make([]item, max(16, 2*len(q.buf)))
		for i := 0; i < q.n; i++ {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = it
	q.n++
}

func (q *ring) at(i int) *item { return &q.buf[(q.head+i)%len(q.buf)] }

func (q *ring) pop() {
	q.buf[q.head] = item{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
}

// monotonic clock for latencies.
var clockBase = time.Now()

func nanotime() int64 { return int64(time.Since(clockBase)) }

// nowMillis is the server's monotonic clock in milliseconds, the lresp of
// cons (ZooKeeper's Time.currentElapsedTime).
func (s *Server) nowMillis() int64 { return int64(time.Since(s.started) / time.Millisecond) }
