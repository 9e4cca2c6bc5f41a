package transport

import (
	"context"
	"crypto/tls"
	"net"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/x500"
)

// ServeTLS serves l with TLS: ZooKeeper's secure client port
// (secureClientPort). cfg decides the server's certificate and whether
// clients must present one (ClientAuth: tls.NoClientCert,
// VerifyClientCertIfGiven or RequireAndVerifyClientCert for ZooKeeper's
// ssl.clientAuth none, want and need); its GetConfigForClient may hand
// out fresh certificates per handshake (certificate reload).
//
// A verified client certificate authenticates the connection as
// ZooKeeper's X509AuthenticationProvider does: the session holds the
// identity x509:<subject DN as Java's X500Principal.getName() prints it>,
// and also super: when the DN is Options.X509SuperUser. A failed TLS
// handshake (plain text, an unknown CA, an expired certificate, a missing
// certificate under need) closes the connection with one log line.
func (s *Server) ServeTLS(l net.Listener, cfg *tls.Config) error {
	return s.Serve(tls.NewListener(l, cfg))
}

// tlsHandshake completes a TLS connection's handshake within the handshake
// timeout and records the identities its client certificate proves. It
// reports false if the connection must close. A plain connection passes.
func (c *serverConn) tlsHandshake() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	s := c.srv
	ctx, cancel := context.WithDeadline(context.Background(), c.accepted.Add(s.opts.HandshakeTimeout))
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		s.ctr.authFailed.Add(1)
		s.log.Warn("closing connection: TLS handshake failed", "remote", c.remote, "err", err)
		return false
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return true // no certificate asked for, or none given under want
	}
	dn, err := x500.Name(st.PeerCertificates[0].RawSubject)
	if err != nil {
		s.ctr.authFailed.Add(1)
		s.log.Warn("closing connection: client certificate subject does not parse", "remote", c.remote, "err", err)
		return false
	}
	if su := s.opts.X509SuperUser; su != "" && dn == su {
		c.sec.proven = append(c.sec.proven, api.Id{Scheme: "super", ID: dn})
		s.log.Info("authenticated client certificate as super user", "remote", c.remote, "id", dn)
	}
	c.sec.proven = append(c.sec.proven, api.Id{Scheme: "x509", ID: dn})
	s.log.Debug("authenticated client certificate", "remote", c.remote, "scheme", "x509", "id", dn)
	return true
}
