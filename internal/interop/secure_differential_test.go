package interop

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/testcerts"
	"github.com/zkembed/zkembed/internal/tlsstore"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/transport"
)

// TestSecureDifferential runs the same TLS (clientAuth want), x509
// (super user by certificate) and SASL DIGEST-MD5 (JAAS users, a SASL
// super user) configuration on Apache ZooKeeper 3.8 and on zkembed, drives
// both with the same sessions, and compares the transcripts: identities,
// ACL decisions for x509 and sasl ids, ACL validity, and refusals (a wrong
// password, a certificate from an unknown CA, plain text on the TLS port).
func TestSecureDifferential(t *testing.T) {
	if ok, why := zkserver.Available(); !ok {
		toolMissing(t, why)
	}
	f := makeSecureFiles(t)
	if !f.haveOpenSSL || !f.haveKeytool {
		toolMissing(t, "secure differential test skipped: needs openssl and keytool for the PKCS12 stores")
	}
	root, err := f.ca.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "root", Organization: []string{"zkembed"}}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := testcerts.NewCA("unknown CA")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Issue(testcerts.Options{Subject: pkix.Name{CommonName: "client one"}})
	if err != nil {
		t.Fatal(err)
	}
	const rootDN = "CN=root,O=zkembed"

	// Apache ZooKeeper 3.8: Netty with a secure port beside the plain one
	// (zkserver checks readiness on the plain one).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	securePort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	zs := zkserver.Start(t, zkserver.Options{
		TickTime: 500 * time.Millisecond,
		Config: map[string]string{
			"secureClientPort":                     strconv.Itoa(securePort),
			"ssl.keyStore.location":                f.serverP12,
			"ssl.keyStore.password":                storePass,
			"ssl.keyStore.type":                    "PKCS12",
			"ssl.trustStore.location":              f.trustP12,
			"ssl.trustStore.password":              storePass,
			"ssl.trustStore.type":                  "PKCS12",
			"ssl.clientAuth":                       "want",
			"authProvider.x509":                    "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
			"authProvider.sasl":                    "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
			"X509AuthenticationProvider.superUser": rootDN,
			"superUser":                            "admin",
		},
		JVMFlags: []string{
			"-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
			"-Djava.security.auth.login.config=" + f.jaas,
		},
	})
	apacheAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(securePort))

	// zkembed with the same stores, users and super users.
	eng, err := engine.Open(engine.Options{TickTime: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	tc, err := (&tlsstore.Config{
		KeyStore:   tlsstore.Store{Location: f.serverP12, Password: storePass},
		TrustStore: tlsstore.Store{Location: f.trustP12, Password: storePass},
		ClientAuth: "want",
	}).ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv := transport.NewServer(eng, transport.Options{
		X509SuperUser: rootDN,
		SASL: &transport.SASLOptions{Users: map[string]string{"bob": "bob-secret", "super": "super-secret", "admin": "admin-secret"},
			SuperUsers: []string{"admin"}},
	})
	zl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.ServeTLS(zl, tc) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })

	run := func(addr string) string {
		var out []string
		logf := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		clientTLS := func(leaf *testcerts.Leaf) *tls.Config {
			c := &tls.Config{RootCAs: f.ca.Pool()}
			if leaf != nil {
				cert := leaf.TLS()
				c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
			}
			return c
		}
		dial := func(name string, leaf *testcerts.Leaf, user, pass string) *transport.Client {
			opts := []transport.ClientOption{transport.WithTLS(clientTLS(leaf)), transport.WithConnectTimeout(5 * time.Second)}
			if user != "" {
				opts = append(opts, transport.WithSASL(user, pass))
			}
			c, err := transport.Dial(ctx, addr, opts...)
			if err == nil {
				_, err = c.Exists(ctx, "/")
			}
			if err != nil {
				logf("%s: dial: %s", name, codeOf(err))
				if c != nil {
					c.Close()
				}
				return nil
			}
			ids, err := c.WhoAmI(ctx)
			var s []string
			for _, id := range ids {
				if id.AuthScheme != "ip" {
					s = append(s, id.AuthScheme+":"+id.User)
				}
			}
			slices.Sort(s)
			logf("%s: whoAmI %q %v", name, s, err)
			return c
		}
		cert := dial("cert", f.client, "", "")
		sasl := dial("sasl", nil, "bob", "bob-secret")
		both := dial("cert+sasl", f.client, "bob", "bob-secret")
		anon := dial("anon", nil, "", "")
		super := dial("root-cert", root, "", "")
		admin := dial("sasl-admin", nil, "admin", "admin-secret")
		saslSuper := dial("sasl-user-super", nil, "super", "super-secret")
		dial("wrong-password", nil, "bob", "guess")
		dial("unknown-ca", foreign, "", "")
		for _, c := range []*transport.Client{cert, sasl, both, anon, super, admin, saslSuper} {
			if c != nil {
				defer c.Close()
			}
		}
		if cert == nil || sasl == nil || anon == nil {
			return strings.Join(out, "\n")
		}
		acl := []api.ACL{{Perms: api.PermAll, Scheme: "x509", ID: f.clientDN}, {Perms: api.PermRead, Scheme: "sasl", ID: "bob"}}
		_, err := cert.Create(ctx, "/sec", []byte("v"), acl, api.ModePersistent)
		logf("create /sec: %s", codeOf(err))
		_, err = sasl.Create(ctx, "/sec-auth", nil, []api.ACL{{Perms: api.PermAll, Scheme: "auth"}}, api.ModePersistent)
		got, _, _ := sasl.GetACL(ctx, "/sec-auth")
		logf("create auth ACL as sasl: %s %v", codeOf(err), got)
		for _, c := range []struct {
			name string
			c    *transport.Client
		}{{"cert", cert}, {"sasl", sasl}, {"cert+sasl", both}, {"anon", anon}, {"root-cert", super}, {"sasl-admin", admin}, {"sasl-user-super", saslSuper}} {
			if c.c == nil {
				continue
			}
			_, _, gerr := c.c.Get(ctx, "/sec")
			_, serr := c.c.Set(ctx, "/sec", []byte("w"), -1)
			_, _, aerr := c.c.Get(ctx, "/sec-auth")
			logf("%s: get %s set %s get-auth %s", c.name, codeOf(gerr), codeOf(serr), codeOf(aerr))
		}
		for _, a := range []api.ACL{
			{Perms: api.PermAll, Scheme: "x509", ID: "CN=a,OU=b\\, c,O=d"},
			{Perms: api.PermAll, Scheme: "x509", ID: "not a dn"},
			{Perms: api.PermAll, Scheme: "sasl", ID: "svc/host@REALM"},
			{Perms: api.PermAll, Scheme: "sasl", ID: "a@b@c"},
		} {
			_, err := anon.Create(ctx, "/valid-"+strconv.Itoa(len(out)), nil, []api.ACL{a}, api.ModePersistent)
			logf("create with %s:%s: %s", a.Scheme, a.ID, codeOf(err))
		}
		// Plain text to the TLS port: the connection closes.
		_, err = transport.Dial(ctx, addr, transport.WithConnectTimeout(time.Second))
		logf("plain text on the TLS port refused: %v", err != nil)
		return strings.Join(out, "\n")
	}
	want := run(apacheAddr)
	got := run(zl.Addr().String())
	if want != got {
		t.Fatalf("transcripts differ\n--- Apache ZooKeeper 3.8:\n%s\n--- zkembed:\n%s\n--- server log tail:\n%s", want, got, zs.LogTail(40))
	}
	t.Logf("same transcript on both:\n%s", got)
}

func codeOf(err error) string {
	if err == nil {
		return "OK"
	}
	var c api.Code
	for _, code := range []api.Code{api.ErrNoAuth, api.ErrInvalidACL, api.ErrAuthFailed, api.ErrNoNode, api.ErrNodeExists, api.ErrSessionClosedRequireSASLAuth, api.ErrConnectionLoss, api.ErrBadArguments} {
		if errorsIs(err, code) {
			c = code
			return c.Error()
		}
	}
	return "error"
}

func errorsIs(err error, code api.Code) bool { return errors.Is(err, code) }
