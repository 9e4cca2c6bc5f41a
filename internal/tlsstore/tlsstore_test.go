package tlsstore

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/internal/testcerts"
)

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := testcerts.WriteFile(p, b); err != nil {
		t.Fatal(err)
	}
	return p
}

func fixture(t *testing.T) (*testcerts.CA, *testcerts.Leaf) {
	t.Helper()
	ca, err := testcerts.NewCA("ca")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "server-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return ca, leaf
}

// handshake runs a TLS handshake between server and client configs over a
// pipe and returns the server certificate's CN the client saw.
func handshake(t *testing.T, server, client *tls.Config) (string, error) {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	errc := make(chan error, 1)
	go func() {
		s := tls.Server(a, server)
		errc <- s.Handshake()
	}()
	c := tls.Client(b, client)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	err := c.Handshake()
	serr := <-errc
	if err == nil {
		err = serr
	}
	if err != nil {
		return "", err
	}
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

func TestStores(t *testing.T) {
	dir := t.TempDir()
	ca, leaf := fixture(t)
	p12, err := leaf.PKCS12("ks-pass")
	if err != nil {
		t.Fatal(err)
	}
	trust12, err := ca.PKCS12("ts-pass")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		ks, ts Store
	}{
		{"pem", Store{Location: write(t, dir, "server.pem", leaf.PEM())}, Store{Location: write(t, dir, "ca.pem", ca.PEM())}},
		{"pkcs12", Store{Location: write(t, dir, "server.p12", p12), Password: "ks-pass"}, Store{Location: write(t, dir, "ca.p12", trust12), Password: "ts-pass"}},
		{"typed", Store{Location: write(t, dir, "server.keystore", p12), Password: "ks-pass", Type: "PKCS12"}, Store{Location: write(t, dir, "ca.crt", ca.PEM()), Type: "pem"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{KeyStore: c.ks, TrustStore: c.ts, ClientAuth: "need"}
			server, err := cfg.ServerTLS()
			if err != nil {
				t.Fatal(err)
			}
			client, err := (&Config{KeyStore: c.ks, TrustStore: c.ts}).ClientTLS()
			if err != nil {
				t.Fatal(err)
			}
			if cn, err := handshake(t, server, client); err != nil || cn != "server-1" {
				t.Fatalf("handshake: %q %v", cn, err)
			}
		})
	}
	// A wrong PKCS12 password, a JKS store, a missing file.
	if _, err := LoadKeyPair(Store{Location: filepath.Join(dir, "server.p12"), Password: "nope"}); err == nil || strings.Contains(err.Error(), "nope") {
		t.Fatalf("wrong password: %v", err)
	}
	_, err = LoadKeyPair(Store{Location: write(t, dir, "server.jks", []byte{0xfe, 0xed, 0xfe, 0xed})})
	if !errors.Is(err, ErrJKS) || !strings.Contains(err.Error(), "keytool -importkeystore") {
		t.Fatalf("JKS: %v", err)
	}
	if _, err := LoadTrust(Store{Location: filepath.Join(dir, "absent.pem")}); err == nil {
		t.Fatal("missing trust store loaded")
	}
	if _, err := (&Config{KeyStore: Store{Location: filepath.Join(dir, "server.pem")}, ClientAuth: "want"}).ServerTLS(); err == nil {
		t.Fatal("want without a trust store accepted")
	}
	for v, want := range map[string]tls.ClientAuthType{"": tls.RequireAndVerifyClientCert, "NEED": tls.RequireAndVerifyClientCert, "want": tls.VerifyClientCertIfGiven, "none": tls.NoClientCert} {
		if got, err := ClientAuthType(v); err != nil || got != want {
			t.Errorf("ClientAuthType(%q) = %v, %v", v, got, err)
		}
	}
	if _, err := ClientAuthType("maybe"); err == nil {
		t.Error("clientAuth maybe accepted")
	}
	if _, err := (&Config{KeyStore: Store{Location: filepath.Join(dir, "server.pem")}, ClientAuth: "none", Protocol: "TLSv1.1"}).ServerTLS(); err == nil {
		t.Error("TLSv1.1 accepted")
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	ca, leaf := fixture(t)
	ks := write(t, dir, "server.pem", leaf.PEM())
	r, err := NewReloader(Config{KeyStore: Store{Location: ks}, ClientAuth: "none"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"}
	if cn, err := handshake(t, r.Config(), client); err != nil || cn != "server-1" {
		t.Fatalf("first: %q %v", cn, err)
	}
	next, err := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "server-2"}})
	if err != nil {
		t.Fatal(err)
	}
	// A broken file keeps the old certificate.
	write(t, dir, "server.pem", []byte("garbage"))
	os.Chtimes(ks, time.Now(), time.Now().Add(time.Second))
	if r.Reload() {
		t.Fatal("garbage loaded")
	}
	write(t, dir, "server.pem", next.PEM())
	os.Chtimes(ks, time.Now(), time.Now().Add(2*time.Second))
	if !r.Reload() {
		t.Fatal("new certificate not loaded")
	}
	if cn, err := handshake(t, r.Config(), client); err != nil || cn != "server-2" {
		t.Fatalf("after reload: %q %v", cn, err)
	}
}
