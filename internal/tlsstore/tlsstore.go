// Package tlsstore loads the key and trust stores of Apache ZooKeeper's
// ssl.* settings (PEM files and PKCS12 stores) into a crypto/tls
// configuration, and reloads them when the files change.
//
// # Compatibility
//
// The store type comes from ssl.keyStore.type / ssl.trustStore.type, or
// else from the file name as ZooKeeper's KeyStoreFileType.fromFilename
// takes it (.pem, .p12, .pfx; .jks). A PEM key store holds the private key
// (PKCS#8, PKCS#1 or EC; unencrypted) and the certificate chain; a PEM trust
// store holds CA certificates. A PKCS12 store is decoded with
// software.sslmate.com/src/go-pkcs12. JKS and BCFKS stores are refused
// with the keytool command that converts them to PKCS12.
//
// ssl.clientAuth is none, want or need (ZooKeeper's X509Util.ClientAuth;
// empty means need). ssl.protocol and ssl.enabledProtocols take TLSv1.2
// and TLSv1.3; ssl.ciphersuites takes the IANA names Java uses.
package tlsstore

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Store is one key or trust store: ssl.keyStore.* or ssl.trustStore.*.
type Store struct {
	Location string // file path
	Password string // for PKCS12; a PEM store must be unencrypted
	Type     string // PEM, PKCS12, JKS, BCFKS or empty (from the file name)
}

// Config is the TLS part of a server or client configuration, as zoo.cfg's
// ssl.* keys give it.
type Config struct {
	KeyStore   Store
	TrustStore Store // empty: the system roots (client) or no client verification (server)
	// ClientAuth is none, want or need (default need), for a server.
	ClientAuth string
	// Protocol is ssl.protocol: the newest protocol allowed (TLSv1.2 or
	// TLSv1.3, default TLSv1.3).
	Protocol string
	// EnabledProtocols is ssl.enabledProtocols; empty means Protocol and
	// the ones before it down to TLSv1.2.
	EnabledProtocols []string
	// CipherSuites is ssl.ciphersuites (TLS 1.2 suites; TLS 1.3 suites are
	// not configurable in Go). Empty means Go's defaults.
	CipherSuites []string
	// HostnameVerification is ssl.hostnameVerification, for a client:
	// check the server certificate's name against the address dialed.
	HostnameVerification bool
}

// ErrJKS is returned for a JKS or BCFKS store.
var ErrJKS = errors.New("Java KeyStore (JKS/BCFKS) files are not supported")

// storeType returns s's type, from Type or the file name.
func storeType(s Store) string {
	t := strings.ToUpper(strings.TrimSpace(s.Type))
	if t != "" {
		return t
	}
	l := strings.ToLower(s.Location)
	switch {
	case strings.HasSuffix(l, ".jks"):
		return "JKS"
	case strings.HasSuffix(l, ".bcfks"):
		return "BCFKS"
	case strings.HasSuffix(l, ".p12"), strings.HasSuffix(l, ".pfx"), strings.HasSuffix(l, ".pkcs12"):
		return "PKCS12"
	}
	return "PEM"
}

func jksError(s Store) error {
	return fmt.Errorf("%s: %w; convert it to PKCS12 with: keytool -importkeystore -srckeystore %s -destkeystore %s.p12 -deststoretype PKCS12",
		s.Location, ErrJKS, s.Location, strings.TrimSuffix(s.Location, ".jks"))
}

// LoadKeyPair reads a key store: the private key and its certificate chain.
func LoadKeyPair(s Store) (tls.Certificate, error) {
	data, err := os.ReadFile(s.Location)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("key store: %w", err)
	}
	switch t := storeType(s); t {
	case "JKS", "BCFKS":
		return tls.Certificate{}, jksError(s)
	case "PKCS12":
		key, cert, chain, err := pkcs12.DecodeChain(data, s.Password)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("key store %s: %w", s.Location, err)
		}
		c := tls.Certificate{PrivateKey: key.(crypto.PrivateKey), Leaf: cert, Certificate: [][]byte{cert.Raw}}
		for _, ca := range chain {
			c.Certificate = append(c.Certificate, ca.Raw)
		}
		return c, nil
	case "PEM":
		c, err := tls.X509KeyPair(data, data)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("key store %s (PEM, the private key and its certificates in one file): %w", s.Location, err)
		}
		return c, nil
	default:
		return tls.Certificate{}, fmt.Errorf("key store %s: unknown store type %q (want PEM or PKCS12)", s.Location, t)
	}
}

// LoadTrust reads a trust store: the CA certificates to trust.
func LoadTrust(s Store) (*x509.CertPool, error) {
	data, err := os.ReadFile(s.Location)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	var certs []*x509.Certificate
	switch t := storeType(s); t {
	case "JKS", "BCFKS":
		return nil, jksError(s)
	case "PKCS12":
		certs, err = pkcs12.DecodeTrustStore(data, s.Password)
		if err != nil || len(certs) == 0 {
			// A store made by openssl has plain certificate bags,
			// without Java's trusted-key-usage attribute.
			blocks, perr := pkcs12.ToPEM(data, s.Password)
			if perr != nil {
				return nil, fmt.Errorf("trust store %s: %w", s.Location, perr)
			}
			certs = certs[:0]
			for _, b := range blocks {
				if b.Type == "CERTIFICATE" {
					c, err := x509.ParseCertificate(b.Bytes)
					if err != nil {
						return nil, fmt.Errorf("trust store %s: %w", s.Location, err)
					}
					certs = append(certs, c)
				}
			}
		}
	case "PEM":
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("trust store %s: %w", s.Location, err)
			}
			certs = append(certs, c)
		}
	default:
		return nil, fmt.Errorf("trust store %s: unknown store type %q (want PEM or PKCS12)", s.Location, t)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("trust store %s: no certificates", s.Location)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// ClientAuthType maps ssl.clientAuth to crypto/tls: none, want (a
// certificate is asked for and verified if given) or need; empty means need,
// as in ZooKeeper.
func ClientAuthType(v string) (tls.ClientAuthType, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "need":
		return tls.RequireAndVerifyClientCert, nil
	case "want":
		return tls.VerifyClientCertIfGiven, nil
	case "none":
		return tls.NoClientCert, nil
	}
	return 0, fmt.Errorf("ssl.clientAuth %q: want none, want or need", v)
}

func protocolVersion(p string) (uint16, error) {
	switch strings.TrimSpace(p) {
	case "TLSv1.2":
		return tls.VersionTLS12, nil
	case "TLSv1.3", "TLS":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("TLS protocol %q: want TLSv1.2 or TLSv1.3", p)
}

// versions returns the minimum and maximum TLS versions of c.
func (c *Config) versions() (lo, hi uint16, err error) {
	hi = tls.VersionTLS13
	if c.Protocol != "" {
		if hi, err = protocolVersion(c.Protocol); err != nil {
			return 0, 0, err
		}
	}
	lo = tls.VersionTLS12
	if len(c.EnabledProtocols) > 0 {
		lo, hi = tls.VersionTLS13, tls.VersionTLS12
		for _, p := range c.EnabledProtocols {
			v, err := protocolVersion(p)
			if err != nil {
				return 0, 0, err
			}
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi, nil
}

func cipherSuites(names []string) ([]uint16, error) {
	if len(names) == 0 {
		return nil, nil
	}
	byName := map[string]uint16{}
	for _, s := range tls.CipherSuites() {
		byName[s.Name] = s.ID
	}
	var out []uint16
	for _, n := range names {
		n = strings.TrimSpace(n)
		if id, ok := byName[n]; ok {
			out = append(out, id)
			continue
		}
		if strings.HasPrefix(n, "TLS_AES_") || strings.HasPrefix(n, "TLS_CHACHA20_") {
			continue // TLS 1.3 suites: always on in Go
		}
		return nil, fmt.Errorf("ssl.ciphersuites: %q is not a cipher suite Go offers securely", n)
	}
	return out, nil
}

// ServerTLS builds a server's TLS configuration from c, once. Use a
// Reloader for one that follows the files.
func (c *Config) ServerTLS() (*tls.Config, error) {
	if c.KeyStore.Location == "" {
		return nil, errors.New("TLS needs a key store (ssl.keyStore.location)")
	}
	cert, err := LoadKeyPair(c.KeyStore)
	if err != nil {
		return nil, err
	}
	auth, err := ClientAuthType(c.ClientAuth)
	if err != nil {
		return nil, err
	}
	lo, hi, err := c.versions()
	if err != nil {
		return nil, err
	}
	suites, err := cipherSuites(c.CipherSuites)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   auth,
		MinVersion:   lo,
		MaxVersion:   hi,
		CipherSuites: suites,
	}
	if c.TrustStore.Location != "" {
		if tc.ClientCAs, err = LoadTrust(c.TrustStore); err != nil {
			return nil, err
		}
	} else if auth != tls.NoClientCert {
		return nil, errors.New("ssl.clientAuth want or need needs a trust store (ssl.trustStore.location) to verify client certificates")
	}
	return tc, nil
}

// ClientTLS builds a client's TLS configuration from c: its certificate
// (if a key store is given) and the CAs it trusts (the system's if no
// trust store is given). Without HostnameVerification the server's chain
// is still verified, but not its name, as ZooKeeper's
// ssl.hostnameVerification=false.
func (c *Config) ClientTLS() (*tls.Config, error) {
	lo, hi, err := c.versions()
	if err != nil {
		return nil, err
	}
	suites, err := cipherSuites(c.CipherSuites)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: lo, MaxVersion: hi, CipherSuites: suites}
	if c.KeyStore.Location != "" {
		cert, err := LoadKeyPair(c.KeyStore)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if c.TrustStore.Location != "" {
		if tc.RootCAs, err = LoadTrust(c.TrustStore); err != nil {
			return nil, err
		}
	}
	if !c.HostnameVerification {
		roots := tc.RootCAs
		tc.InsecureSkipVerify = true // the chain is verified below, without the name
		tc.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, roots)
		}
	}
	return tc, nil
}

// verifyChain verifies a server's chain against roots, without its name.
func verifyChain(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return errors.New("tls: server sent no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, b := range raw {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return err
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

// Reloader serves a server TLS configuration that follows its files: at
// most once a second, a handshake looks at the key and trust stores'
// modification times and sizes, and reloads them if they changed (3.9's
// client.certReload). A store that fails to load keeps the previous
// configuration and is logged once per change.
type Reloader struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	cur     *tls.Config // guarded by mu
	stamp   string      // files' modification times and sizes; guarded by mu
	checked time.Time   // last look at the files; guarded by mu
}

// NewReloader loads c and returns a Reloader for it.
func NewReloader(c Config, log *slog.Logger) (*Reloader, error) {
	tc, err := c.ServerTLS()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Reloader{cfg: c, log: log, cur: tc, stamp: c.stamp(), checked: time.Now()}, nil
}

func (c *Config) stamp() string {
	var b strings.Builder
	for _, p := range []string{c.KeyStore.Location, c.TrustStore.Location} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", p, fi.ModTime().UnixNano(), fi.Size())
		}
	}
	return b.String()
}

// Config returns a configuration whose handshakes use the current stores.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return r.current(), nil },
	}
}

// Reload checks the files now and reloads them if they changed. It reports
// whether a new configuration is in use.
func (r *Reloader) Reload() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reloadLocked(time.Now())
}

func (r *Reloader) current() *tls.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= time.Second {
		r.reloadLocked(now)
	}
	return r.cur
}

func (r *Reloader) reloadLocked(now time.Time) bool {
	r.checked = now
	st := r.cfg.stamp()
	if st == r.stamp {
		return false
	}
	r.stamp = st
	tc, err := r.cfg.ServerTLS()
	if err != nil {
		r.log.Error("TLS certificates changed but do not load; keeping the previous ones", "err", err)
		return false
	}
	r.cur = tc
	r.log.Info("TLS certificates reloaded", "keyStore", r.cfg.KeyStore.Location, "trustStore", r.cfg.TrustStore.Location)
	return true
}
