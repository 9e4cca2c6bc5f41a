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
