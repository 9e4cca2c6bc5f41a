package main

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/testcerts"
	"github.com/zkembed/zkembed/transport"
)

const testJAAS = `Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_bob="bob-secret";
};
`

// TestServeSecure serves a zoo.cfg with only a secure client port (a
// PKCS12 key store, a PEM trust store, clientAuth want), x509 and SASL,
// and SASL enforced; our client reaches it with a certificate and SASL.
func TestServeSecure(t *testing.T) {
	dir := t.TempDir()
	ca, err := testcerts.NewCA("ca")
	if err != nil {
		t.Fatal(err)
	}
	srvLeaf, _ := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "localhost"}})
	alice, _ := ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "alice", Organization: []string{"Example"}}})
	p12, err := srvLeaf.PKCS12("ks-pass")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("zoo.cfg", []byte(`tickTime=500
dataDir=`+filepath.Join(dir, "data")+`
secureClientPort=0
serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
ssl.keyStore.location=`+write("server.p12", p12)+`
ssl.keyStore.password=ks-pass
ssl.trustStore.location=`+write("ca.pem", ca.PEM())+`
ssl.clientAuth=want
java.security.auth.login.config=`+write("jaas.conf", []byte(testJAAS))+`
sessionRequireClientSASLAuth=true
`))
	p := startServe(t, dir, "--config", cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tc := &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{alice.TLS()}}
	c, err := transport.Dial(ctx, p.addr, transport.WithTLS(tc), transport.WithSASL("bob", "bob-secret"))
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, p.stderr.String())
	}
	defer c.Close()
	ids, err := c.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range ids {
		got = append(got, id.AuthScheme+":"+id.User)
	}
	if !slices.Contains(got, "x509:CN=alice,O=Example") || !slices.Contains(got, "sasl:bob") {
		t.Fatalf("whoAmI = %q", got)
	}
	// Without SASL the session is refused (SASL is enforced).
	c2, err := transport.Dial(ctx, p.addr, transport.WithTLS(tc), transport.WithConnectTimeout(2*time.Second))
	if err == nil {
		_, err = c2.Exists(ctx, "/")
		c2.Close()
	}
	if err == nil {
		t.Fatal("a session without SASL was served")
	}
	// A wrong password fails with AuthFailed.
	if _, err := transport.Dial(ctx, p.addr, transport.WithTLS(tc), transport.WithSASL("bob", "guess-1")); !errors.Is(err, api.ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
	if logs := p.stderr.String(); strings.Contains(logs, "bob-secret") || strings.Contains(logs, "guess-1") || strings.Contains(logs, "ks-pass") {
		t.Fatalf("a secret in the log:\n%s", logs)
	}
}

func TestServeSecureRefused(t *testing.T) {
	dir := t.TempDir()
	jks := filepath.Join(dir, "server.jks")
	os.WriteFile(jks, []byte{0xfe, 0xed, 0xfe, 0xed}, 0o600)
	krb := filepath.Join(dir, "krb.conf")
	os.WriteFile(krb, []byte(`Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k"; };`), 0o600)
	for _, tc := range []struct{ cfg, want string }{
		{"secureClientPort=0\nssl.keyStore.location=" + jks + "\n", "keytool -importkeystore"},
		{"secureClientPort=0\nssl.keyStore.location=" + jks + "\nssl.keyStore.type=JKS\n", "keytool -importkeystore"},
		{"secureClientPort=0\n", "key store"},
		{"clientPort=0\njava.security.auth.login.config=" + krb + "\n", "GSSAPI (Kerberos) is not supported"},
		{"clientPort=0\nenforce.auth.enabled=true\n", "enforce.auth.schemes must be configured"},
		{"clientPort=0\nportUnification=true\n", "one port"},
	} {
		cfg := filepath.Join(dir, "zoo.cfg")
		os.WriteFile(cfg, []byte(tc.cfg), 0o644)
		r := zk(t, "", "serve", "--memory", "--config", cfg)
		if r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("config %q: exit %d, stderr %q; want 2 and %q", tc.cfg, r.code, r.err, tc.want)
		}
	}
}
