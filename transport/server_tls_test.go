package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/testcerts"
	"github.com/zkembed/zkembed/jute"
)

// tlsFixture is a CA, a server certificate and client certificates.
type tlsFixture struct {
	ca, other       *testcerts.CA
	server          *testcerts.Leaf
	alice, root     *testcerts.Leaf
	foreign, stale  *testcerts.Leaf
	aliceDN, rootDN string
}

func newTLSFixture(t testing.TB) *tlsFixture {
	t.Helper()
	must := func(l *testcerts.Leaf, err error) *testcerts.Leaf {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ca, err := testcerts.NewCA("zkembed test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := testcerts.NewCA("someone else's CA")
	if err != nil {
		t.Fatal(err)
	}
	f := &tlsFixture{ca: ca, other: other}
	f.server = must(ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "localhost"}}))
	f.alice = must(ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "alice", OrganizationalUnit: []string{"eng, ops"}, Organization: []string{"Example"}, Country: []string{"NL"}}}))
	f.aliceDN = "CN=alice,OU=eng\\, ops,O=Example,C=NL"
	f.root = must(ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "root"}}))
	f.rootDN = "CN=root"
	f.foreign = must(other.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "alice"}}))
	f.stale = must(ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "alice"}, Expired: true}))
	return f
}

func (f *tlsFixture) serverConfig(auth tls.ClientAuthType) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{f.server.TLS()}, ClientCAs: f.ca.Pool(), ClientAuth: auth}
}

func (f *tlsFixture) clientConfig(leaf *testcerts.Leaf) *tls.Config {
	c := &tls.Config{RootCAs: f.ca.Pool()}
	if leaf != nil {
		c.Certificates = []tls.Certificate{leaf.TLS()}
	}
	return c
}

// serveTLS adds a TLS listener to ts and returns its address.
func (ts *testServer) serveTLS(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); ts.srv.ServeTLS(l, cfg) }()
	t.Cleanup(func() { ts.srv.Close(); wg.Wait() })
	return l.Addr().String()
}

func dialTLS(t testing.TB, addr string, cfg *tls.Config, opts ...ClientOption) (*Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, append([]ClientOption{WithTLS(cfg), WithConnectTimeout(3 * time.Second)}, opts...)...)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func identities(t testing.TB, c api.Client) []string {
	t.Helper()
	ids, err := c.WhoAmI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		out = append(out, id.AuthScheme+":"+id.User)
	}
	return out
}

func TestTLSx509(t *testing.T) {
	f := newTLSFixture(t)
	ts := startServer(t, Options{X509SuperUser: f.rootDN})
	addr := ts.serveTLS(t, f.serverConfig(tls.VerifyClientCertIfGiven))
	ctx := context.Background()

	alice, err := dialTLS(t, addr, f.clientConfig(f.alice))
	if err != nil {
		t.Fatal(err)
	}
	if got := identities(t, alice); !slices.Equal(got, []string{"ip:127.0.0.1", "x509:" + f.aliceDN}) {
		t.Fatalf("whoAmI = %q", got)
	}
	acl := []api.ACL{{Perms: api.PermAll, Scheme: "x509", ID: f.aliceDN}}
	if _, err := alice.Create(ctx, "/x", []byte("secret"), acl, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	// "auth" expands to the x509 identity.
	if _, err := alice.Create(ctx, "/y", nil, []api.ACL{{Perms: api.PermAll, Scheme: "auth"}}, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := alice.GetACL(ctx, "/y"); !slices.Equal(got, acl) {
		t.Fatalf("auth ACL expanded to %v", got)
	}

	// Without a certificate (want): connected, but not alice.
	anon, err := dialTLS(t, addr, f.clientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := anon.Get(ctx, "/x"); !errors.Is(err, api.ErrNoAuth) {
		t.Fatalf("anonymous get: %v", err)
	}
	// The super user by certificate reads anything.
	root, err := dialTLS(t, addr, f.clientConfig(f.root))
	if err != nil {
		t.Fatal(err)
	}
	if got := identities(t, root); !slices.Contains(got, "super:") || !slices.Contains(got, "x509:CN=root") {
		t.Fatalf("root whoAmI = %q", got)
	}
	if data, _, err := root.Get(ctx, "/x"); err != nil || string(data) != "secret" {
		t.Fatalf("root get: %q %v", data, err)
	}

	// go-zookeeper over TLS through its dialer.
	gz, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogger(discardLogger{}),
		zk.WithDialer(func(network, address string, timeout time.Duration) (net.Conn, error) {
			d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: f.clientConfig(f.alice)}
			return d.Dial(network, address)
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	if data, _, err := gz.Get("/x"); err != nil || string(data) != "secret" {
		t.Fatalf("go-zookeeper get: %q %v", data, err)
	}

	// Refused handshakes: a foreign CA, an expired certificate, plain
	// text on the TLS port; each closes the connection with one log line
	// and the sessions above carry on.
	for _, leaf := range []*testcerts.Leaf{f.foreign, f.stale} {
		// Go's client offers only a certificate the server's CAs issued:
		// force it, as a client that sends what it has.
		cfg := f.clientConfig(nil)
		cert := leaf.TLS()
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
		if _, err := dialTLS(t, addr, cfg, WithConnectTimeout(500*time.Millisecond)); err == nil {
			t.Fatalf("certificate %s accepted", leaf.Cert.Subject)
		}
	}
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rc := newRawClient(t, nc)
	rc.write(jute.AppendFrame(nil, &jute.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16)}))
	rc.expectClosed(1 << 16)
	// A TLS hello on the plain port: its first bytes make an impossible
	// frame length, and the connection closes.
	pc, err := tls.Dial("tcp", ts.addr, f.clientConfig(f.alice))
	if err == nil {
		pc.Close()
		t.Fatal("TLS handshake with the plain port succeeded")
	}
	logs := ts.logs.String()
	if n := strings.Count(logs, "TLS handshake failed"); n < 3 {
		t.Fatalf("%d TLS handshake failure lines:\n%s", n, logs)
	}
	if !strings.Contains(logs, "frame length out of range") {
		t.Fatalf("no log line for the TLS hello on the plain port:\n%s", logs)
	}
	if _, _, err := alice.Get(ctx, "/x"); err != nil {
		t.Fatalf("alice after the refusals: %v", err)
	}
	for _, s := range []string{"secret", "PRIVATE KEY"} {
		if strings.Contains(logs, s) {
			t.Fatalf("logs carry %q", s)
		}
	}
}

func TestTLSNeedClientAuth(t *testing.T) {
	f := newTLSFixture(t)
	ts := startServer(t, Options{})
	addr := ts.serveTLS(t, f.serverConfig(tls.RequireAndVerifyClientCert))
	if _, err := dialTLS(t, addr, f.clientConfig(nil), WithConnectTimeout(500*time.Millisecond)); err == nil {
		t.Fatal("no client certificate accepted under need")
	}
	c, err := dialTLS(t, addr, f.clientConfig(f.alice))
	if err != nil {
		t.Fatal(err)
	}
	if got := identities(t, c); !slices.Contains(got, "x509:"+f.aliceDN) {
		t.Fatalf("whoAmI = %q", got)
	}
	// Four-letter words work over TLS too.
	tc, err := tls.Dial("tcp", addr, f.clientConfig(f.alice))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.Write([]byte("ruok"))
	buf := make([]byte, 16)
	n, _ := tc.Read(buf)
	if string(buf[:n]) != "imok" {
		t.Fatalf("ruok over TLS: %q", buf[:n])
	}
}

// TestX509Names checks DNs that Java prints in particular ways: a
// multi-valued RDN, an attribute printed as an OID with hex, escapes.
func TestX509Names(t *testing.T) {
	ca, err := testcerts.NewCA("ca")
	if err != nil {
		t.Fatal(err)
	}
	email := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	name := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "DE"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "A+B <c>"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: " #bob "}, {Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: "b1"}},
		{{Type: email, Value: "bob@example.com"}},
	}
	raw, err := asn1.Marshal(name)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(testcerts.Options{RawSubject: raw})
	if err != nil {
		t.Fatal(err)
	}
	srvLeaf, _ := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "localhost"}})
	ts := startServer(t, Options{})
	addr := ts.serveTLS(t, &tls.Config{Certificates: []tls.Certificate{srvLeaf.TLS()}, ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert})
	c, err := dialTLS(t, addr, &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{leaf.TLS()}})
	if err != nil {
		t.Fatal(err)
	}
	// asn1.Marshal makes the email a UTF8String: 0x0c, length 15.
	want := `x509:1.2.840.113549.1.9.1=#0c0f626f62406578616d706c652e636f6d,CN=\ \#bob\ +UID=b1,O=A\+B \<c\>,C=DE`
	if got := identities(t, c); !slices.Contains(got, want) {
		t.Fatalf("whoAmI = %q, want %q", got, want)
	}
}
