// Package transport carries ZooKeeper's wire protocol (Jute frames over a
// connection) for zkembed: the server, which serves any session opener (the
// engine) to standard ZooKeeper clients, and the client.
//
// # Server
//
// NewServer wraps a Backend (anything with OpenSession: *engine.Engine) and
// Serve serves it on any net.Listener: loopback TCP, or a PipeListener,
// whose Dial and Dialer connect in memory with no port (Dialer fits
// go-zookeeper's zk.WithDialer). Close stops every listener and connection
// and waits for every goroutine the server started.
//
//	srv := transport.NewServer(eng, transport.Options{})
//	l, _ := net.Listen("tcp", "127.0.0.1:2181")
//	go srv.Serve(l)
//	defer srv.Close()
//
// A connection starts with a ConnectRequest, which opens or resumes a
// session, or with a four-letter word (ruok, srvr, stat, mntr, conf, cons,
// envi, wchs, wchc, wchp, dump, isro, dirs, crst, srst), answered in text
// before the connection closes. A Backend that also implements
// StatsBackend fills in the counters those words report.
//
// # Client
//
// Dial opens a session with a connect string, "host1:2181,[::1]:2182/chroot",
// and returns a Client, which implements api.Client: code written against
// api.Client runs the same on a direct engine session, on zkembed over the
// wire, and on an Apache ZooKeeper ensemble.
//
//	c, err := transport.Dial(ctx, "zk1:2181,zk2:2181,zk3:2181/myapp",
//		transport.WithSessionTimeout(10*time.Second))
//	if err != nil { ... }
//	defer c.Close()
//	name, err := c.Create(ctx, "/jobs/job-", data, api.OpenACLUnsafe, api.ModeEphemeralSequential)
//
// The client is organised as ZooKeeper's own (ClientCnxn, ZooKeeper.java):
// the connect string gives a host list, shuffled once and tried as a ring
// (backing off after a round in which every server failed), and a chroot
// that every path the caller sees is relative to (requests, created names,
// multi results, getEphemerals results, watch events). A connection has an
// outgoing queue and a pending queue matched in order by xid; requests are
// pipelined. The client pings after a third of the negotiated session
// timeout without sending and declares the connection lost after two
// thirds of it without hearing from the server. It then reconnects with the
// session id, password and last zxid seen, sends its credentials and
// re-registers its watches (setWatches, or setWatches2 when there are
// persistent ones, in chunks of about 128 KB of paths); requests in flight
// fail with api.ErrConnectionLoss. When the server answers that the session
// expired, the session is over: every watch hears api.StateExpired, and
// later calls fail with api.ErrSessionExpired. WithEventCallback hears the
// session's state changes in order on a goroutine of its own. WithDialer
// takes any dialer, such as PipeListener.ClientDialer for an in-process
// server with no port.
//
// A request whose ctx ends before it is sent is withdrawn; one whose ctx
// ends after it was sent returns ctx's error while its reply is still read
// and dropped in turn, so the stream never goes out of step (the outcome of
// such a write is unknown to the caller, as with ErrConnectionLoss).
//
// Client differences from the Java client: a client whose connection is
// down does not expire its session by itself (3.9's client-side session
// timeout); a read-only session does not look for a read-write server in
// the background; getEphemerals is taken within the chroot; the backoff
// between rounds grows from 50ms to 1s instead of Java's fixed second plus
// a random wait before each reconnection.
//
// A Client has a goroutine that connects, reconnects and writes, a reader
// goroutine per connection, the goroutine that delivers persistent-watch
// events, and, with WithEventCallback, one that calls the callback. Replies
// and notifications are handled on the reader in the order they arrive, so
// a watch is registered, and an event put in its channel, before any later
// reply returns. Close waits for all of them.
//
// # Files
//
// The server's files start with server_: server.go (Server, Serve, Close,
// which connection holds which session), server_conn.go (one connection:
// handshake, reader, writer), server_codec.go (requests decoded and replies
// encoded), server_fourletter.go (the four-letter words), server_tls.go and
// server_sasl.go (TLS, x509 identities, SASL), server_stats.go and
// server_admin.go (counters, connection lists for an admin endpoint). The
// client's start with client_: client.go (Dial and the api.Client methods),
// client_conn.go (one connection: connect, pipelining, pings,
// reconnection), client_hosts.go (connect strings and the host ring),
// client_options.go, client_tls.go. pipe.go is the in-memory listener both
// use.
//
// # Concurrency
//
// Each connection has a reader goroutine and a writer goroutine. The reader
// hands each request to the session (api.ServerSession.Do) as it arrives,
// without waiting for earlier replies, so one connection's writes are
// pipelined into the engine; replies go out strictly in request order, and
// a watch event goes out after every reply completed before the sink got
// it and before every reply completed after. The backend's callbacks (Do's
// done and the event sink) never block: they queue and wake the writer.
//
// # Compatibility
//
// The server follows Apache ZooKeeper 3.9's NIOServerCnxn, ZooKeeperServer
// and FinalRequestProcessor:
//
//   - the connect request's trailing read-only byte is optional, and the
//     connect response carries it only if the request did;
//   - an unknown, expired or wrongly authenticated session is answered with
//     timeout 0, session 0 and a zeroed 16-byte password, then the
//     connection closes; a client that has seen a newer zxid than the
//     server's is closed without an answer; a resumed session's previous
//     connection is closed;
//   - pings are answered with xid -2 and the last zxid; an auth packet that
//     fails is answered AuthFailed and the connection closes;
//     closeSession is answered and the connection closes; a request the
//     backend answers SessionMoved is not answered, the connection closes;
//   - when the backend ends the session (expired, closed, or resumed on
//     another connection: an EventNone event with state Expired, Closed,
//     AuthFailed or Disconnected), the pending replies go out and the
//     connection closes;
//   - an op code Request.isValid refuses (check outside a multi, an unknown
//     code) is answered Unimplemented with zxid -1 and the connection closes
//     (UnimplementedRequestProcessor); reconfig is answered
//     ReconfigDisabled; a request body that does not decode is answered
//     MarshallingError and the connection stays;
//   - a frame longer than jute.maxbuffer (Options.MaxBuffer), a malformed
//     request header and anything but a connect request or four-letter
//     word first close the connection, with one log line;
//   - a failed multi is answered with error 0 in the reply header and an
//     ErrorResult per op, as FinalRequestProcessor builds it;
//   - a connection idle for longer than its session timeout is closed, as
//     NIOServerCnxnFactory's connection expiry does;
//   - four-letter words have ZooKeeper's keys and layout; the whitelist
//     always includes srvr. Differences: mntr reports ZooKeeperServer's
//     gauges, not the hundreds of request-processor metrics; envi fills the
//     java.* keys from the Go runtime and uses 3.9's jvm.memory.* keys;
//     deleteContainer and sasl requests are answered Unimplemented.
package transport
