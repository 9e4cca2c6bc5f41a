// Package digestmd5 is the SASL DIGEST-MD5 mechanism (RFC 2831) as Apache
// ZooKeeper speaks it: the server side of ZooKeeperSaslServer (Java's
// DigestMD5Server with realm "zk-sasl-md5", service "zookeeper", qop auth)
// and the client side of ZooKeeperSaslClient.
//
// Only qop=auth is offered: ZooKeeper never wraps its traffic in SASL
// integrity or confidentiality layers. Passwords are compared through
// their digests, in constant time; no error message carries a password or
// a digest.
package digestmd5

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ZooKeeper's names for DIGEST-MD5.
const (
	Realm   = "zk-sasl-md5" // the realm and server name ZooKeeperSaslServer gives Java's SaslServer
	Service = "zookeeper"   // the protocol
	// DigestURI is what a client names the server with.
	DigestURI = Service + "/" + Realm
)

// MaxTokenLength bounds a token a peer may send (Java's DigestMD5Server
// refuses longer responses: 4096 bytes).
const MaxTokenLength = 4096

// ErrFailed is wrapped by every authentication failure.
var ErrFailed = errors.New("DIGEST-MD5 authentication failed")

func failf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrFailed, fmt.Sprintf(format, a...))
}

// Server is the server side of one DIGEST-MD5 exchange: Step takes the
// client's tokens in turn.
type Server struct {
	// Lookup returns a user's password.
	Lookup func(user string) (password string, ok bool)
	// Rand is the nonce source; nil means crypto/rand.
	Rand func([]byte) error

	step   int
	nonce  string
	user   string
	failed bool
}

// Step takes the client's next token and returns the server's answer.
// done reports that the exchange has succeeded; User then returns the
// authenticated user. Any error ends the exchange: later steps fail.
func (s *Server) Step(token []byte) (out []byte, done bool, err error) {
	if s.failed {
		return nil, false, failf("exchange already failed")
	}
	defer func() {
		if err != nil {
			s.failed = true
		}
	}()
	if len(token) > MaxTokenLength {
		return nil, false, failf("token of %d bytes is longer than %d", len(token), MaxTokenLength)
	}
	switch s.step {
	case 0:
		if len(token) != 0 {
			return nil, false, failf("the first client token must be empty")
		}
		var b [24]byte
		read := rand.Read
		if s.Rand != nil {
			read = func(p []byte) (int, error) { return len(p), s.Rand(p) }
		}
		if _, err := read(b[:]); err != nil {
			return nil, false, err
		}
		s.nonce = base64.StdEncoding.EncodeToString(b[:])
		s.step = 1
		return []byte(`realm="` + Realm + `",nonce="` + s.nonce + `",charset=utf-8,algorithm=md5-sess`), false, nil
	case 1:
		out, err := s.verify(token)
		if err != nil {
			return nil, false, err
		}
		s.step = 2
		return out, true, nil
	}
	return nil, false, failf("authentication is already complete")
}

// User returns the authenticated user once Step reported done.
func (s *Server) User() string {
	if s.step != 2 {
		return ""
	}
	return s.user
}

func (s *Server) verify(token []byte) ([]byte, error) {
	d, err := Parse(token)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"username", "nonce", "cnonce", "nc", "response", "digest-uri"} {
		if _, ok := d[k]; !ok {
			return nil, failf("response lacks %s", k)
		}
	}
	charset, utf := d["charset"]
	if utf && !strings.EqualFold(charset, "utf-8") {
		return nil, failf("unknown charset")
	}
	if a, ok := d["algorithm"]; ok && !strings.EqualFold(a, "md5-sess") {
		return nil, failf("unknown algorithm")
	}
	if d["nonce"] != s.nonce {
		return nil, failf("nonce does not match")
	}
	if d["nc"] != "00000001" {
		return nil, failf("nonce count must be 00000001")
	}
	qop := "auth"
	if q, ok := d["qop"]; ok {
		qop = q
	}
	if qop != "auth" {
		return nil, failf("qop %q not offered (auth only)", qop)
	}
	realm, hasRealm := d["realm"]
	if hasRealm && realm != Realm {
		return nil, failf("realm does not match")
	}
	if !strings.EqualFold(d["digest-uri"], DigestURI) {
		return nil, failf("digest-uri does not name %s", DigestURI)
	}
	resp := d["response"]
	if len(resp) != 32 {
		return nil, failf("malformed response digest")
	}
	user := d["username"]
	password, known := "", false
	if s.Lookup != nil {
		password, known = s.Lookup(user)
	}
	p := params{
		user: user, realm: realm, password: password, nonce: s.nonce, cnonce: d["cnonce"],
		nc: d["nc"], qop: qop, uri: d["digest-uri"], authzid: d["authzid"], utf8: utf,
	}
	want := p.digest("AUTHENTICATE")
	// The same work whether or not the user is known, and a constant-time
	// comparison.
	ok := subtle.ConstantTimeCompare([]byte(strings.ToLower(resp)), []byte(want)) == 1
	if !known || !ok {
		return nil, failf("wrong user name or password")
	}
	s.user = user
	return []byte("rspauth=" + p.digest("")), nil
}

// params are the inputs of the digests of RFC 2831 section 2.1.2.1.
type params struct {
	user, realm, password, nonce, cnonce, nc, qop, uri, authzid string
	utf8                                                        bool
}

// digest returns response-value for method (AUTHENTICATE from the client,
// "" for the server's rspauth).
func (p params) digest(method string) string {
	h := md5.New()
	h.Write([]byte(p.enc(p.user) + ":" + p.enc(p.realm) + ":" + p.enc(p.password)))
	ur := h.Sum(nil)
	a1 := string(ur) + ":" + p.nonce + ":" + p.cnonce
	if p.authzid != "" {
		a1 += ":" + p.authzid
	}
	ha1 := md5.Sum([]byte(a1))
	ha2 := md5.Sum([]byte(method + ":" + p.uri))
	kd := hex.EncodeToString(ha1[:]) + ":" + p.nonce + ":" + p.nc + ":" + p.cnonce + ":" + p.qop + ":" + hex.EncodeToString(ha2[:])
	sum := md5.Sum([]byte(kd))
	return hex.EncodeToString(sum[:])
}

// enc encodes a user name, realm or password as RFC 2831 says: in
// ISO-8859-1 when every character fits (or charset was not given), else in
// UTF-8.
func (p params) enc(s string) string {
	latin := true
	for _, r := range s {
		if r > 0xff {
			latin = false
			break
		}
	}
	if !latin || !utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// Client is the client side of one DIGEST-MD5 exchange.
type Client struct {
	User, Password string
	// Rand is the cnonce source; nil means crypto/rand.
	Rand func([]byte) error

	step   int
	expect string // the rspauth the server must send
}

// Step takes the server's next token (nil to start) and returns the
// client's answer; done reports that the server has proved it knows the
// password too.
func (c *Client) Step(challenge []byte) (out []byte, done bool, err error) {
	switch c.step {
	case 0:
		c.step = 1
		return []byte{}, false, nil
	case 1:
		d, err := Parse(challenge)
		if err != nil {
			return nil, false, err
		}
		nonce, ok := d["nonce"]
		if !ok {
			return nil, false, failf("challenge lacks a nonce")
		}
		if q, ok := d["qop"]; ok && !containsToken(q, "auth") {
			return nil, false, failf("server does not offer qop auth")
		}
		realm := d["realm"]
		var b [24]byte
		if c.Rand != nil {
			err = c.Rand(b[:])
		} else {
			_, err = rand.Read(b[:])
		}
		if err != nil {
			return nil, false, err
		}
		p := params{user: c.User, realm: realm, password: c.Password, nonce: nonce,
			cnonce: base64.StdEncoding.EncodeToString(b[:]), nc: "00000001", qop: "auth", uri: DigestURI, utf8: true}
		c.expect = p.digest("")
		c.step = 2
		return []byte(`charset=utf-8,username="` + quote(c.User) + `",realm="` + quote(realm) + `",nonce="` + quote(nonce) +
			`",nc=00000001,cnonce="` + p.cnonce + `",digest-uri="` + DigestURI + `",maxbuf=65536,response=` +
			p.digest("AUTHENTICATE") + `,qop=auth`), false, nil
	case 2:
		d, err := Parse(challenge)
		if err != nil {
			return nil, false, err
		}
		if subtle.ConstantTimeCompare([]byte(d["rspauth"]), []byte(c.expect)) != 1 {
			return nil, false, failf("server's rspauth does not match")
		}
		c.step = 3
		return nil, true, nil
	}
	return nil, false, failf("authentication is already complete")
}

func containsToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.TrimSpace(t) == tok {
			return true
		}
	}
	return false
}

func quote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// Parse splits a DIGEST-MD5 challenge or response into its directives:
// name=value pairs separated by commas, values tokens or quoted strings
// with backslash escapes, white space allowed around them (RFC 2831's
// #rule). Names are lower-cased. A directive given twice, other than
// realm in a challenge, is an error, as are empty input, a missing '=',
// an unterminated quoted string and input over MaxTokenLength.
func Parse(b []byte) (map[string]string, error) {
	if len(b) > MaxTokenLength {
		return nil, failf("token too long")
	}
	s := string(b)
	out := map[string]string{}
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
	}
	for {
		skip()
		for i < len(s) && s[i] == ',' { // empty list elements are allowed
			i++
			skip()
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		name := strings.ToLower(s[start:i])
		if name == "" {
			return nil, failf("malformed token: empty directive name")
		}
		skip()
		if i >= len(s) || s[i] != '=' {
			return nil, failf("malformed token: directive %q has no value", name)
		}
		i++
		skip()
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return nil, failf("malformed token: unterminated quoted string")
			}
		} else {
			start := i
			for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			val.WriteString(s[start:i])
		}
		skip()
		if i < len(s) && s[i] != ',' {
			return nil, failf("malformed token: junk after directive %q", name)
		}
		if _, dup := out[name]; dup {
			if name != "realm" {
				return nil, failf("directive %q given twice", name)
			}
			continue // a challenge may offer several realms: keep the first
		}
		out[name] = val.String()
	}
	if len(out) == 0 {
		return nil, failf("empty token")
	}
	return out, nil
}
