package transport

import (
	"slices"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/digestmd5"
	"github.com/zkembed/zkembed/jute"
)

// SASLOptions configure SASL (op code 102) on a Server, as a JAAS file's
// Server section configures ZooKeeper's: DIGEST-MD5 with realm
// "zk-sasl-md5" and the users of user_<name>="<password>" entries.
type SASLOptions struct {
	// Users maps each DIGEST-MD5 user to its password.
	Users map[string]string
	// SuperUsers are SASL ids that also get the super identity
	// (zookeeper.superUser).
	SuperUsers []string
}

// connSecurity is a connection's authentication state beyond what the
// session holds: the identities proven before the handshake, the SASL
// exchange, and the schemes the connection has authenticated with (for
// Options.EnforceAuth). Owned by the connection's reader goroutine.
type connSecurity struct {
	proven  []api.Id          // from the TLS client certificate
	sasl    *digestmd5.Server // the SASL exchange, once started
	schemes map[string]bool   // authenticated schemes (ip, x509, digest, sasl)
}

// securityHook handles, before the request reaches the backend, what
// ZooKeeperServer.processPacket does itself: sasl packets (answered here),
// and the authentication enforcement of AuthenticationHelper (a request of
// a connection not authenticated with one of Options.EnforceAuth's schemes
// is answered SessionClosedRequireSaslAuth and the connection closes).
// handled reports that the request was answered here; closing that the
// connection now drains towards its close.
func (c *serverConn) securityHook(h jute.RequestHeader, r *jute.Reader, it item) (handled, closing bool) {
	s := c.srv
	if c.sec.schemes == nil {
		c.sec.schemes = map[string]bool{"ip": true}
		for _, id := range c.sec.proven {
			c.sec.schemes[id.Scheme] = true
		}
	}
	switch h.Type {
	case jute.OpSASL:
		return true, c.processSASL(r, it)
	case jute.OpAuth:
		// An auth packet that fails closes the connection, so the scheme
		// counts from now on (ZooKeeper authenticates it before reading
		// the next packet).
		rc := *r
		var p jute.AuthPacket
		p.Decode(&rc)
		if rc.Err() == nil && (p.Scheme == "digest" && p.Auth != nil) {
			c.sec.schemes[p.Scheme] = true
		}
		return false, false
	}
	if len(s.opts.EnforceAuth) == 0 {
		return false, false
	}
	for _, sc := range s.opts.EnforceAuth {
		if c.sec.schemes[sc] {
			return false, false
		}
	}
	s.ctr.authFailed.Add(1)
	s.log.Warn("closing connection: authentication required (enforce.auth.schemes)",
		"remote", c.remote, "session", c.sessionID().String(), "op", h.Type.String(), "required", s.opts.EnforceAuth)
	it.kind, it.ready, it.closeAfter, it.code, it.zxid = kindError, true, true, api.ErrSessionClosedRequireSASLAuth, 0
	c.enqueue(it)
	return true, true
}

// processSASL answers a sasl packet as ZooKeeperServer.processSasl: the
// token goes to the connection's DIGEST-MD5 server and its answer comes
// back with zxid 0; on success the session gets the identity sasl:<user>
// (and super: for Options.SASL.SuperUsers). A failed exchange is answered
// AuthFailed (SessionClosedRequireSaslAuth when SASL is enforced) and the
// connection closes. Without SASL configured the packet is answered with
// no token and nothing else happens, as ZooKeeper answers when it has no
// SASL server. It reports whether the connection now drains towards its
// close.
func (c *serverConn) processSASL(r *jute.Reader, it item) bool {
	s := c.srv
	var req jute.GetSASLRequest
	req.Decode(r)
	it.kind, it.ready = kindReply, true
	if r.Err() != nil {
		it.kind, it.code, it.zxid = kindError, api.ErrMarshallingError, 0
		c.enqueue(it)
		return false
	}
	if s.opts.SASL == nil {
		s.log.Warn("sasl packet but no SASL users configured (--jaas); answering with no token", "remote", c.remote, "session", c.sessionID().String())
		c.enqueue(it)
		return false
	}
	if c.sec.sasl == nil {
		users := s.opts.SASL.Users
		c.sec.sasl = &digestmd5.Server{Lookup: func(u string) (string, bool) { p, ok := users[u]; return p, ok }}
	}
	out, done, err := c.sec.sasl.Step(req.Token)
	if err != nil {
		s.ctr.authFailed.Add(1)
		code := api.ErrAuthFailed
		if slices.Contains(s.opts.EnforceAuth, "sasl") {
			code = api.ErrSessionClosedRequireSASLAuth
		}
		s.log.Warn("closing connection: SASL authentication failed", "remote", c.remote, "session", c.sessionID().String(), "err", err)
		it.resp.Err, it.closeAfter = code, true
		c.enqueue(it)
		return true
	}
	if done {
		user := c.sec.sasl.User()
		if ia, ok := c.sess.(api.IdentityAdder); ok {
			ia.AddIdentity(api.Id{Scheme: "sasl", ID: user})
			if slices.Contains(s.opts.SASL.SuperUsers, user) {
				ia.AddIdentity(api.Id{Scheme: "super", ID: ""})
			}
		}
		c.sec.schemes["sasl"] = true
		s.log.Info("SASL authentication succeeded", "remote", c.remote, "session", c.sessionID().String(), "id", "sasl:"+user)
	}
	it.resp.Data = out
	c.enqueue(it)
	return false
}
