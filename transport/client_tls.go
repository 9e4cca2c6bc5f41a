package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/digestmd5"
	"github.com/zkembed/zkembed/jute"
)

// clientSecurity is the TLS and SASL configuration of a Client.
type clientSecurity struct {
	tls        *tls.Config
	saslUser   string
	saslPasswd string
	sasl       bool
}

// WithTLS connects over TLS with cfg, as ZooKeeper's client with
// zookeeper.client.secure=true: cfg.RootCAs are the CAs trusted (the
// system's if nil), cfg.Certificates the client certificate for servers
// that ask for one (x509 authentication). A cfg without ServerName gets
// the host of each address dialed.
func WithTLS(cfg *tls.Config) ClientOption {
	return func(o *clientOptions) {
		if o.sec == nil {
			o.sec = &clientSecurity{}
		}
		o.sec.tls = cfg
	}
}

// WithSASL authenticates every connection with SASL DIGEST-MD5 as user,
// as ZooKeeper's client does with a JAAS Client section
// (DigestLoginModule username and password): right after the handshake,
// before any other request, so it works with servers that enforce SASL.
// The session then holds the identity sasl:user. A refused password ends
// the session with api.StateAuthFailed, and Dial fails with
// api.ErrAuthFailed.
func WithSASL(user, password string) ClientOption {
	return func(o *clientOptions) {
		if o.sec == nil {
			o.sec = &clientSecurity{}
		}
		o.sec.sasl, o.sec.saslUser, o.sec.saslPasswd = true, user, password
	}
}

// errSASLFailed is returned by connect when the server refuses our SASL
// credentials: the session is over.
var errSASLFailed = fmt.Errorf("transport: SASL authentication failed: %w", api.ErrAuthFailed)

// secureConn runs the TLS handshake on a freshly dialed connection, if the
// client uses TLS.
func (c *Client) secureConn(ctx context.Context, nc net.Conn, addr string) (net.Conn, error) {
	if c.opts.sec == nil || c.opts.sec.tls == nil {
		return nc, nil
	}
	cfg := c.opts.sec.tls
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("transport: TLS handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// saslExchange authenticates a new connection with DIGEST-MD5, before
// anything else is sent on it. br reads nc.
func (c *Client) saslExchange(nc net.Conn, br *bufio.Reader, addr string) error {
	if c.opts.sec == nil || !c.opts.sec.sasl {
		return nil
	}
	mech := &digestmd5.Client{User: c.opts.sec.saslUser, Password: c.opts.sec.saslPasswd}
	tok, _, err := mech.Step(nil)
	if err != nil {
		return err
	}
	var buf []byte
	for range 4 {
		c.mu.Lock()
		c.xid++
		if c.xid <= 0 {
			c.xid = 1
		}
		xid := c.xid
		c.mu.Unlock()
		buf, _ = jute.BeginFrame(buf[:0])
		buf = jute.RequestHeader{Xid: xid, Type: jute.OpSASL}.AppendTo(buf)
		buf = jute.GetSASLRequest{Token: tok}.AppendTo(buf)
		buf = jute.EndFrame(buf, 0)
		if _, err := nc.Write(buf); err != nil {
			return err
		}
		frame, err := jute.ReadFrame(br, nil, c.opts.maxBuffer)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return errSASLFailed
			}
			return fmt.Errorf("transport: SASL with %s: %w", addr, err)
		}
		r := jute.NewReader(frame)
		var h jute.ReplyHeader
		h.Decode(r)
		if r.Err() != nil || h.Xid != xid {
			return fmt.Errorf("transport: SASL with %s: unexpected reply (xid %d)", addr, h.Xid)
		}
		if h.Err != 0 {
			c.log.Warn("SASL authentication refused", "server", addr, "err", api.Code(h.Err).Error())
			return errSASLFailed
		}
		var resp jute.SetSASLResponse
		resp.Decode(r)
		if r.Err() != nil {
			return fmt.Errorf("transport: SASL with %s: malformed reply", addr)
		}
		var done bool
		tok, done, err = mech.Step(resp.Token)
		if err != nil {
			c.log.Warn("SASL: the server did not prove it knows the password", "server", addr)
			return errSASLFailed
		}
		if done {
			return nil
		}
	}
	return fmt.Errorf("transport: SASL with %s: exchange did not finish", addr)
}
