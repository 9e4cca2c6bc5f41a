package interop

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/testcerts"
	"github.com/zkembed/zkembed/internal/tlsstore"
	"github.com/zkembed/zkembed/transport"
)

// secureFiles are the certificate files of the secure interop tests.
type secureFiles struct {
	dir                      string
	caPEM, serverPEM         string // PEM: CA; server key+chain
	clientCrt, clientKey     string // PEM: client certificate, key
	clientP12, trustP12      string // made by openssl and keytool, password "changeit"
	serverP12                string // made by openssl
	jaas                     string // Server and Client sections
	clientDN                 string // the client certificate's DN as Java prints it
	saslUser, saslPass       string
	haveOpenSSL, haveKeytool bool
	ca                       *testcerts.CA
	client                   *testcerts.Leaf
}

const storePass = "changeit"

// makeSecureFiles writes a CA, a server and a client certificate, the
// PKCS12 stores Java reads (made with openssl and keytool when they are
// installed) and a JAAS file.
func makeSecureFiles(t *testing.T) *secureFiles {
	t.Helper()
	dir := t.TempDir()
	ca, err := testcerts.NewCA("zkembed interop CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "client one", OrganizationalUnit: []string{"ops, east"}, Organization: []string{"zkembed"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &secureFiles{dir: dir, clientDN: `CN=client one,OU=ops\, east,O=zkembed`, saslUser: "bob", saslPass: "bob-secret", ca: ca, client: cl}
	w := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.caPEM = w("ca.pem", ca.PEM())
	f.serverPEM = w("server.pem", srv.PEM())
	f.clientCrt = w("client.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cl.Cert.Raw}))
	der, _ := x509.MarshalPKCS8PrivateKey(cl.Key)
	f.clientKey = w("client.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	serverKeyOnly := w("server.key", func() []byte {
		d, _ := x509.MarshalPKCS8PrivateKey(srv.Key)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: d})
	}())
	serverCrt := w("server.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Cert.Raw}))
	f.jaas = w("jaas.conf", []byte(`Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_bob="bob-secret"
       user_super="super-secret"
       user_admin="admin-secret";
};
Client {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="bob"
       password="bob-secret";
};
`))
	if _, err := exec.LookPath("openssl"); err == nil {
		f.haveOpenSSL = true
		f.clientP12 = filepath.Join(dir, "client.p12")
		f.serverP12 = filepath.Join(dir, "server.p12")
		for _, args := range [][]string{
			{"pkcs12", "-export", "-in", f.clientCrt, "-inkey", f.clientKey, "-certfile", f.caPEM, "-out", f.clientP12, "-passout", "pass:" + storePass},
			{"pkcs12", "-export", "-in", serverCrt, "-inkey", serverKeyOnly, "-certfile", f.caPEM, "-out", f.serverP12, "-passout", "pass:" + storePass},
		} {
			if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %q: %v\n%s", args, err, out)
			}
		}
	}
	if _, err := exec.LookPath("keytool"); err == nil {
		f.haveKeytool = true
		f.trustP12 = filepath.Join(dir, "trust.p12")
		out, err := exec.Command("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", f.caPEM,
			"-keystore", f.trustP12, "-storetype", "PKCS12", "-storepass", storePass).CombinedOutput()
		if err != nil {
			t.Fatalf("keytool: %v\n%s", err, out)
		}
	}
	return f
}

// startSecureZkembed serves an in-memory engine over TLS (client
// certificates needed, the stores read as cfg says) with SASL for bob and
// super, and creates /secure-locked, which only a digest user may touch.
func startSecureZkembed(t *testing.T, cfg tlsstore.Config) string {
	t.Helper()
	eng, err := engine.Open(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	tc, err := cfg.ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv := transport.NewServer(eng, transport.Options{
		SASL: &transport.SASLOptions{Users: map[string]string{"bob": "bob-secret", "super": "super-secret"}},
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.ServeTLS(l, tc) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	c, err := eng.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Create(context.Background(), "/secure-locked", nil, api.DigestACL(api.PermAll, "owner", "pw"), api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	return l.Addr().String()
}

// toolMissing skips t for a missing tool, except in CI, where every tool
// is installed and a missing one is a failure.
func toolMissing(t *testing.T, why string) {
	t.Helper()
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(why + " (CI installs it: this must not be skipped there)")
	}
	t.Skip(why)
}

// TestSecureClients: the Java client (Netty socket, PKCS12 stores made by
// openssl and keytool, a JAAS Client section) and kazoo (use_ssl,
// sasl_options DIGEST-MD5) reach zkembed over TLS with a client
// certificate and SASL, and the identities both give are usable in ACLs.
// The server reads the PKCS12 stores openssl and keytool made.
func TestSecureClients(t *testing.T) {
	f := makeSecureFiles(t)
	scripts, err := filepath.Abs("scripts")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tlsstore.Config{KeyStore: tlsstore.Store{Location: f.serverPEM}, TrustStore: tlsstore.Store{Location: f.caPEM}, ClientAuth: "need"}
	if f.haveOpenSSL && f.haveKeytool {
		cfg.KeyStore = tlsstore.Store{Location: f.serverP12, Password: storePass}
		cfg.TrustStore = tlsstore.Store{Location: f.trustP12, Password: storePass}
	}
	addr := startSecureZkembed(t, cfg)

	t.Run("java", func(t *testing.T) {
		why := javaMissing()
		if why == "" && (!f.haveOpenSSL || !f.haveKeytool) {
			why = "Java TLS check skipped: needs openssl and keytool to make its PKCS12 stores"
		}
		toolMissing(t, why)
		classes := t.TempDir()
		if out, err := exec.Command("javac", "-cp", zkJar+string(os.PathListSeparator)+juteJar,
			"-d", classes, filepath.Join(scripts, "SecureCheck.java")).CombinedOutput(); err != nil {
			t.Fatalf("javac SecureCheck.java: %v\n%s", err, out)
		}
		// Netty's client socket needs the Netty jars zookeeper.jar's
		// manifest does not list (codec, resolver, native unix common).
		cp := classes + string(os.PathListSeparator) + zkJar
		for _, jar := range []string{"/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar",
			"/usr/share/java/netty-transport-native-unix-common.jar", slf4jNopJar} {
			if _, err := os.Stat(jar); err == nil {
				cp += string(os.PathListSeparator) + jar
			}
		}
		runScript(t, "SecureCheck", "java",
			"-Dzookeeper.client.secure=true",
			"-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
			"-Dzookeeper.ssl.keyStore.location="+f.clientP12, "-Dzookeeper.ssl.keyStore.password="+storePass, "-Dzookeeper.ssl.keyStore.type=PKCS12",
			"-Dzookeeper.ssl.trustStore.location="+f.trustP12, "-Dzookeeper.ssl.trustStore.password="+storePass, "-Dzookeeper.ssl.trustStore.type=PKCS12",
			"-Djava.security.auth.login.config="+f.jaas,
			"-cp", cp, "SecureCheck", addr, f.clientDN, f.saslUser)
	})
	t.Run("kazoo", func(t *testing.T) {
		toolMissing(t, kazooMissing())
		runScript(t, "secure_check.py", debianPython, filepath.Join(scripts, "secure_check.py"), addr,
			f.caPEM, f.clientCrt, f.clientKey, f.clientDN, f.saslUser, f.saslPass)
	})
}
