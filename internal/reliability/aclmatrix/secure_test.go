package aclmatrix

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/internal/testcerts"
	"github.com/zkembed/zkembed/internal/tlsstore"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/transport"
)

// The x509 and sasl identities of the matrix: a client certificate's
// subject, and a DIGEST-MD5 user.
const (
	x509DN    = `CN=alice,OU=ops\, east,O=zkembed`
	saslUser  = "bob"
	saslPass  = "bob-secret"
	storePass = "changeit"
)

// secureSetup is a CA, the server's PKCS12 key and trust stores, the
// client certificate of the x509 identity, and a JAAS file.
type secureSetup struct {
	ca              *testcerts.CA
	alice           *testcerts.Leaf
	keyStore, trust string
	jaas            string
	serverTLS       *tls.Config
}

func newSecureSetup(t *testing.T) *secureSetup {
	t.Helper()
	dir := t.TempDir()
	ca, err := testcerts.NewCA("aclmatrix CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "alice", OrganizationalUnit: []string{"ops, east"}, Organization: []string{"zkembed"}}})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := srv.PKCS12(storePass)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ca.PKCS12(storePass)
	if err != nil {
		t.Fatal(err)
	}
	s := &secureSetup{ca: ca, alice: alice,
		keyStore: filepath.Join(dir, "server.p12"), trust: filepath.Join(dir, "trust.p12"), jaas: filepath.Join(dir, "jaas.conf")}
	for p, b := range map[string][]byte{s.keyStore: ks, s.trust: ts, s.jaas: []byte(`Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_bob="bob-secret";
};
`)} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.serverTLS, err = (&tlsstore.Config{
		KeyStore:   tlsstore.Store{Location: s.keyStore, Password: storePass},
		TrustStore: tlsstore.Store{Location: s.trust, Password: storePass},
		ClientAuth: "want",
	}).ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveTLS adds a TLS listener to a rig server and returns its address.
func (s *secureSetup) serveTLS(t *testing.T, srv *rig.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { srv.Srv.ServeTLS(l, s.serverTLS) })
	t.Cleanup(func() { srv.Srv.Close(); wg.Wait() })
	return l.Addr().String()
}

// clientOptions are the options of a wire session of the matrix over TLS:
// a certificate for the x509 identity, SASL for the sasl one.
func (s *secureSetup) clientOptions(name string) []transport.ClientOption {
	tc := &tls.Config{RootCAs: s.ca.Pool()}
	switch name {
	case "x509":
		tc.Certificates = []tls.Certificate{s.alice.TLS()}
	case "sasl":
		return []transport.ClientOption{transport.WithTLS(tc), transport.WithSASL(saslUser, saslPass)}
	}
	return []transport.ClientOption{transport.WithTLS(tc)}
}

// apacheOptions configure Apache ZooKeeper with the same TLS and SASL
// (Netty, the x509 and sasl providers, the JAAS file) on securePort.
func (s *secureSetup) apacheOptions(securePort int) zkserver.Options {
	return zkserver.Options{
		SuperDigest: superDigest,
		Config: map[string]string{
			"secureClientPort":        strconv.Itoa(securePort),
			"ssl.keyStore.location":   s.keyStore,
			"ssl.keyStore.password":   storePass,
			"ssl.keyStore.type":       "PKCS12",
			"ssl.trustStore.location": s.trust,
			"ssl.trustStore.password": storePass,
			"ssl.trustStore.type":     "PKCS12",
			"ssl.clientAuth":          "want",
			"authProvider.x509":       "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
			"authProvider.sasl":       "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
		},
		JVMFlags: []string{
			"-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
			"-Djava.security.auth.login.config=" + s.jaas,
		},
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
