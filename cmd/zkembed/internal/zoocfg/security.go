package zoocfg

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Security is what a zoo.cfg says about TLS, x509, SASL and the
// enforcement of authentication. A key the file does not set keeps its
// zero value; Config.Has tells whether it was set.
type Security struct {
	SecureClientPort        int    // secureClientPort
	SecureClientPortAddress string // secureClientPortAddress

	KeyStoreLocation   string // ssl.keyStore.location
	KeyStorePassword   string // ssl.keyStore.password, or the file of ssl.keyStore.passwordPath
	KeyStoreType       string // ssl.keyStore.type
	TrustStoreLocation string // ssl.trustStore.location
	TrustStorePassword string // ssl.trustStore.password, or the file of ssl.trustStore.passwordPath
	TrustStoreType     string // ssl.trustStore.type
	ClientAuth         string // ssl.clientAuth: none, want or need
	Protocol           string // ssl.protocol
	EnabledProtocols   []string
	CipherSuites       []string
	// HostnameVerification is ssl.hostnameVerification (default true):
	// for zkembed's own client; a server does not check client names
	// unless ssl.clientHostnameVerification, which zkembed refuses.
	HostnameVerification bool
	CertReload           bool // client.certReload

	X509SuperUser  string   // X509AuthenticationProvider.superUser
	SASLSuperUsers []string // superUser (zookeeper.superUser): SASL ids that are super
	SuperPassword  string   // SASLAuthenticationProvider.superPassword
	JAASFile       string   // java.security.auth.login.config

	EnforceAuthEnabled bool     // enforce.auth.enabled
	EnforceAuthSchemes []string // enforce.auth.schemes
	RequireClientSASL  bool     // sessionRequireClientSASLAuth
}

// securityApplied are the security keys zkembed applies, each with its
// parser.
var securityApplied = map[string]func(c *Config, v string) error{
	"secureClientPort": func(c *Config, v string) error {
		n, err := port(v)
		c.Security.SecureClientPort = n
		return err
	},
	"secureClientPortAddress": func(c *Config, v string) error {
		if v == "" {
			return errors.New("empty address")
		}
		c.Security.SecureClientPortAddress = v
		return nil
	},
	"ssl.keyStore.location": nonEmpty(func(c *Config, v string) { c.Security.KeyStoreLocation = v }),
	"ssl.keyStore.password": func(c *Config, v string) error { c.Security.KeyStorePassword = v; return nil },
	"ssl.keyStore.passwordPath": func(c *Config, v string) error {
		p, err := readPassword(v)
		c.Security.KeyStorePassword = p
		return err
	},
	"ssl.keyStore.type":       storeType(func(c *Config, v string) { c.Security.KeyStoreType = v }),
	"ssl.trustStore.location": nonEmpty(func(c *Config, v string) { c.Security.TrustStoreLocation = v }),
	"ssl.trustStore.password": func(c *Config, v string) error { c.Security.TrustStorePassword = v; return nil },
	"ssl.trustStore.passwordPath": func(c *Config, v string) error {
		p, err := readPassword(v)
		c.Security.TrustStorePassword = p
		return err
	},
	"ssl.trustStore.type": storeType(func(c *Config, v string) { c.Security.TrustStoreType = v }),
	"ssl.clientAuth": func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "none", "want", "need":
			c.Security.ClientAuth = strings.ToLower(v)
			return nil
		}
		return fmt.Errorf("invalid value %q: want none, want or need", v)
	},
	"ssl.protocol": func(c *Config, v string) error {
		if err := tlsProtocol(v); err != nil {
			return err
		}
		c.Security.Protocol = v
		return nil
	},
	"ssl.enabledProtocols": func(c *Config, v string) error {
		c.Security.EnabledProtocols = splitList(v)
		for _, p := range c.Security.EnabledProtocols {
			if err := tlsProtocol(p); err != nil {
				return err
			}
		}
		return nil
	},
	"ssl.ciphersuites": func(c *Config, v string) error {
		c.Security.CipherSuites = splitList(v)
		return nil
	},
	"ssl.hostnameVerification": func(c *Config, v string) error {
		b, err := boolean(v)
		c.Security.HostnameVerification = b
		return err
	},
	"ssl.clientHostnameVerification": func(c *Config, v string) error {
		b, err := boolean(v)
		if err == nil && b {
			return errors.New("zkembed does not check client certificates' host names (ZooKeeper's default for the client port is false)")
		}
		return err
	},
	"ssl.authProvider": func(c *Config, v string) error {
		if v != "x509" {
			return fmt.Errorf("invalid value %q: zkembed's TLS authentication is the built-in x509 scheme", v)
		}
		return nil
	},
	"client.certReload": func(c *Config, v string) error {
		b, err := boolean(v)
		c.Security.CertReload = b
		return err
	},
	"X509AuthenticationProvider.superUser": func(c *Config, v string) error {
		c.Security.X509SuperUser = v
		return nil
	},
	"superUser": func(c *Config, v string) error {
		c.Security.SASLSuperUsers = append(c.Security.SASLSuperUsers, v)
		return nil
	},
	"SASLAuthenticationProvider.superPassword": func(c *Config, v string) error {
		c.Security.SuperPassword = v
		return nil
	},
	"java.security.auth.login.config": nonEmpty(func(c *Config, v string) { c.Security.JAASFile = v }),
	"enforce.auth.enabled": func(c *Config, v string) error {
		b, err := boolean(v)
		c.Security.EnforceAuthEnabled = b
		return err
	},
	"enforce.auth.schemes": func(c *Config, v string) error {
		c.Security.EnforceAuthSchemes = splitList(v)
		for _, s := range c.Security.EnforceAuthSchemes {
			if !KnownAuthScheme(s) {
				return fmt.Errorf("authentication scheme %s is not available (zkembed has ip, digest, x509 and sasl)", s)
			}
		}
		return nil
	},
	"sessionRequireClientSASLAuth": func(c *Config, v string) error {
		b, err := boolean(v)
		c.Security.RequireClientSASL = b
		return err
	},
	"allowSaslFailedClients": func(c *Config, v string) error {
		b, err := boolean(v)
		if err == nil && b {
			return errors.New("zkembed always closes a connection whose SASL authentication failed")
		}
		return err
	},
}

// KnownAuthScheme reports whether scheme is one zkembed authenticates.
func KnownAuthScheme(s string) bool {
	return s == "ip" || s == "digest" || s == "x509" || s == "sasl"
}

// EnforcedSchemes returns the schemes a connection must have authenticated
// with, as AuthenticationHelper decides them: sasl alone when
// sessionRequireClientSASLAuth, else enforce.auth.schemes when
// enforce.auth.enabled, else none.
func (s *Security) EnforcedSchemes() ([]string, error) {
	switch {
	case s.RequireClientSASL:
		return []string{"sasl"}, nil
	case !s.EnforceAuthEnabled:
		return nil, nil
	case len(s.EnforceAuthSchemes) == 0:
		return nil, errors.New("enforce.auth.enabled is true: enforce.auth.schemes must be configured")
	}
	return s.EnforceAuthSchemes, nil
}

func nonEmpty(set func(c *Config, v string)) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		if v == "" {
			return errors.New("empty value")
		}
		set(c, v)
		return nil
	}
}

func storeType(set func(c *Config, v string)) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		switch strings.ToUpper(v) {
		case "PEM", "PKCS12":
			set(c, strings.ToUpper(v))
			return nil
		case "JKS", "BCFKS":
			return fmt.Errorf("%s stores are not supported by zkembed: convert it with keytool -importkeystore -srckeystore store.jks -destkeystore store.p12 -deststoretype PKCS12 and set the type to PKCS12 (or use PEM)", strings.ToUpper(v))
		}
		return fmt.Errorf("invalid value %q: want PEM or PKCS12", v)
	}
}

func tlsProtocol(v string) error {
	switch v {
	case "TLSv1.2", "TLSv1.3":
		return nil
	}
	return fmt.Errorf("invalid value %q: zkembed speaks TLSv1.2 and TLSv1.3", v)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// readPassword reads a password file (ssl.*.passwordPath): its contents,
// without a trailing newline.
func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
