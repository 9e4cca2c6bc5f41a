package serve

import (
	"crypto/tls"
	"flag"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/zoocfg"
	"github.com/zkembed/zkembed/internal/tlsstore"
	"github.com/zkembed/zkembed/transport"
)

// Security is the TLS, x509 and SASL part of a Config.
type Security struct {
	SecureAddr    string          // secure client address (secureClientPort), empty for none
	TLS           tlsstore.Config // ssl.* keys
	CertReload    bool            // follow the store files (client.certReload)
	X509SuperUser string          // X509AuthenticationProvider.superUser
	JAASFile      string          // java.security.auth.login.config / --jaas
	SASLSuper     []string        // superUser: SASL ids that are super
	SuperPassword string          // SASLAuthenticationProvider.superPassword
	EnforceAuth   []string        // schemes a connection must authenticate with

	saslUsers map[string]string // from the JAAS file's Server section, by Validate
}

// securityFlags holds the security flags registered on a FlagSet.
type securityFlags struct {
	v                    Security
	ksPassFile, tsPassFW string
	enforce              string
}

func registerSecurityFlags(fs *flag.FlagSet) *securityFlags {
	f := &securityFlags{}
	fs.StringVar(&f.v.SecureAddr, "secure-addr", "", "serve TLS clients on `host:port` (secureClientPort; default off)")
	fs.StringVar(&f.v.TLS.KeyStore.Location, "tls-keystore", "", "the server's key and certificate chain: a PEM or PKCS12 (.p12) `file`")
	fs.StringVar(&f.ksPassFile, "tls-keystore-password-file", "", "`file` holding the PKCS12 key store's password")
	fs.StringVar(&f.v.TLS.TrustStore.Location, "tls-truststore", "", "CA certificates that client certificates must chain to: a PEM or PKCS12 `file`")
	fs.StringVar(&f.tsPassFW, "tls-truststore-password-file", "", "`file` holding the PKCS12 trust store's password")
	fs.StringVar(&f.v.TLS.ClientAuth, "tls-client-auth", "", "client certificates: none, want or `need` (ssl.clientAuth; default need)")
	fs.StringVar(&f.v.TLS.Protocol, "tls-protocol", "", "newest TLS `version`: TLSv1.2 or TLSv1.3 (default TLSv1.3)")
	fs.BoolVar(&f.v.CertReload, "tls-reload", true, "reload the key and trust stores when their files change")
	fs.StringVar(&f.v.X509SuperUser, "x509-superuser", "", "client certificate subject `DN` (as Java prints it, e.g. CN=admin,O=Example) that is the super user")
	fs.StringVar(&f.v.JAASFile, "jaas", "", "JAAS `file` whose Server section lists SASL DIGEST-MD5 users (user_<name>=\"<password>\")")
	fs.Func("sasl-superuser", "SASL `user` that is the super user (repeatable; zookeeper.superUser)", func(s string) error {
		f.v.SASLSuper = append(f.v.SASLSuper, s)
		return nil
	})
	fs.StringVar(&f.enforce, "enforce-auth", "", "refuse connections not authenticated with one of these `schemes` (comma-separated: sasl, x509, digest, ip)")
	return f
}

// apply applies the security flags given on the command line to c.
func (f *securityFlags) apply(c *Config, fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(fl *flag.Flag) {
		if err != nil {
			return
		}
		s := &c.Security
		switch fl.Name {
		case "secure-addr":
			s.SecureAddr = f.v.SecureAddr
		case "tls-keystore":
			s.TLS.KeyStore.Location = f.v.TLS.KeyStore.Location
		case "tls-keystore-password-file":
			s.TLS.KeyStore.Password, err = readSecret(f.ksPassFile)
		case "tls-truststore":
			s.TLS.TrustStore.Location = f.v.TLS.TrustStore.Location
		case "tls-truststore-password-file":
			s.TLS.TrustStore.Password, err = readSecret(f.tsPassFW)
		case "tls-client-auth":
			s.TLS.ClientAuth = f.v.TLS.ClientAuth
		case "tls-protocol":
			s.TLS.Protocol = f.v.TLS.Protocol
		case "tls-reload":
			s.CertReload = f.v.CertReload
		case "x509-superuser":
			s.X509SuperUser = f.v.X509SuperUser
		case "jaas":
			s.JAASFile = f.v.JAASFile
		case "sasl-superuser":
			s.SASLSuper = f.v.SASLSuper
		case "enforce-auth":
			s.EnforceAuth = nil
			for _, sc := range strings.Split(f.enforce, ",") {
				if sc = strings.TrimSpace(sc); sc != "" {
					s.EnforceAuth = append(s.EnforceAuth, sc)
				}
			}
		}
	})
	return err
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usagef("password file: %v", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// applySecurityFile applies a zoo.cfg's security keys. A file with
// secureClientPort and no clientPort serves TLS only, as ZooKeeper does.
func applySecurityFile(c *Config, z *zoocfg.Config) error {
	zs := &z.Security
	s := &c.Security
	if z.Has("secureClientPort") {
		host := "127.0.0.1"
		if z.Has("secureClientPortAddress") {
			host = zs.SecureClientPortAddress
		}
		s.SecureAddr = net.JoinHostPort(host, strconv.Itoa(zs.SecureClientPort))
		if !z.Has("clientPort") {
			c.Addr = ""
		}
	}
	s.TLS = tlsstore.Config{
		KeyStore:         tlsstore.Store{Location: zs.KeyStoreLocation, Password: zs.KeyStorePassword, Type: zs.KeyStoreType},
		TrustStore:       tlsstore.Store{Location: zs.TrustStoreLocation, Password: zs.TrustStorePassword, Type: zs.TrustStoreType},
		ClientAuth:       zs.ClientAuth,
		Protocol:         zs.Protocol,
		EnabledProtocols: zs.EnabledProtocols,
		CipherSuites:     zs.CipherSuites,
	}
	if z.Has("client.certReload") {
		s.CertReload = zs.CertReload
	}
	s.X509SuperUser = zs.X509SuperUser
	s.JAASFile = zs.JAASFile
	s.SASLSuper = zs.SASLSuperUsers
	s.SuperPassword = zs.SuperPassword
	enforce, err := zs.EnforcedSchemes()
	if err != nil {
		return usagef("%s", err)
	}
	s.EnforceAuth = enforce
	return nil
}

// validate checks the security settings and reads the JAAS file.
func (s *Security) validate() error {
	if s.SecureAddr != "" {
		if _, _, err := net.SplitHostPort(s.SecureAddr); err != nil {
			return usagef("--secure-addr %q: %v", s.SecureAddr, err)
		}
		if _, err := s.TLS.ServerTLS(); err != nil {
			return usagef("TLS: %v", err)
		}
	}
	for _, sc := range s.EnforceAuth {
		if !zoocfg.KnownAuthScheme(sc) {
			return usagef("authentication scheme %s is not available (zkembed has ip, digest, x509 and sasl)", sc)
		}
	}
	if s.JAASFile != "" {
		j, err := zoocfg.ReadJAAS(s.JAASFile)
		if err != nil {
			return usagef("%v", err)
		}
		users, err := j.ServerUsers("Server")
		if err != nil {
			return usagef("%s: %v", s.JAASFile, err)
		}
		if s.SuperPassword != "" {
			users["super"] = s.SuperPassword
		}
		s.saslUsers = users
	}
	return nil
}

// serverOptions sets the transport's authentication options.
func (s *Security) serverOptions(o *transport.Options) {
	o.X509SuperUser = s.X509SuperUser
	o.EnforceAuth = s.EnforceAuth
	if s.saslUsers != nil {
		o.SASL = &transport.SASLOptions{Users: s.saslUsers, SuperUsers: s.SASLSuper}
	}
}

// listen opens the secure client listener and its TLS configuration.
func (s *Security) listen(log *slog.Logger) (net.Listener, *tls.Config, error) {
	var tc *tls.Config
	if s.CertReload {
		r, err := tlsstore.NewReloader(s.TLS, log)
		if err != nil {
			return nil, nil, err
		}
		tc = r.Config()
	} else {
		var err error
		if tc, err = s.TLS.ServerTLS(); err != nil {
			return nil, nil, err
		}
	}
	l, err := net.Listen("tcp", s.SecureAddr)
	return l, tc, err
}
