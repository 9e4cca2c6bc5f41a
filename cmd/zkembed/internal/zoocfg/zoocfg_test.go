package zoocfg

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// sample is ZooKeeper's conf/zoo_sample.cfg with the keys a real
// deployment adds.
const sample = `# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial
# synchronization phase can take
initLimit=10
syncLimit=5
dataDir=/var/lib/zookeeper
dataLogDir = /var/lib/zookeeper/log
clientPort=2181
clientPortAddress: 127.0.0.1
maxClientCnxns=60
minSessionTimeout=4000
maxSessionTimeout -1
4lw.commands.whitelist=srvr, ruok ,mntr
extendedTypesEnabled=true
forceSync=no
admin.enableServer=true
admin.serverAddress=127.0.0.1
admin.serverPort=8080
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
server.1=zk1:2888:3888
server.2=zk2:2888:3888
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpPort=7000
DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
jute.maxbuffer=\
  2097152
`

func TestParseSample(t *testing.T) {
	c, err := Parse(strings.NewReader(sample), "zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if c.TickTime != 2*time.Second || c.DataDir != "/var/lib/zookeeper" || c.ClientPort != 2181 ||
		c.ClientPortAddress != "127.0.0.1" || c.MaxClientCnxns != 60 {
		t.Errorf("basic keys: %+v", c)
	}
	if c.MinSessionTimeout != 4*time.Second || c.MaxSessionTimeout != 0 || !c.Has("maxSessionTimeout") {
		t.Errorf("session timeouts: %v %v", c.MinSessionTimeout, c.MaxSessionTimeout)
	}
	if !slices.Equal(c.FourLetterWords, []string{"srvr", "ruok", "mntr"}) {
		t.Errorf("whitelist %q", c.FourLetterWords)
	}
	if !c.ExtendedTypesEnabled || c.ForceSync || !c.Has("forceSync") {
		t.Errorf("extendedTypesEnabled %v forceSync %v", c.ExtendedTypesEnabled, c.ForceSync)
	}
	if !c.AdminEnableServer || c.AdminServerAddress != "127.0.0.1" || c.AdminServerPort != 8080 {
		t.Errorf("admin: %+v", c)
	}
	if c.SuperDigest != "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" || c.MaxBuffer != 2097152 {
		t.Errorf("superDigest %q maxbuffer %d", c.SuperDigest, c.MaxBuffer)
	}
	if c.Has("tickTimes") || c.Line("clientPort") != 9 {
		t.Errorf("Has/Line: line of clientPort %d", c.Line("clientPort"))
	}
	// One warning per ignored key, in file order, naming the line.
	want := []string{"line 5: initLimit", "line 6: syncLimit", "line 8: dataLogDir",
		"line 20: autopurge.snapRetainCount", "line 21: autopurge.purgeInterval", "line 22: server.1",
		"line 23: server.2", "line 24: metricsProvider.className", "line 25: metricsProvider.httpPort"}
	if len(c.Warnings) != len(want) {
		t.Fatalf("warnings:\n%s", strings.Join(c.Warnings, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(c.Warnings[i], w+" is ignored: ") {
			t.Errorf("warning %d = %q, want prefix %q", i, c.Warnings[i], w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		key  string
		msg  string
	}{
		{"tickTime=2000\ntickTme=3000\n", 2, "tickTme", "unknown key"},
		{"tickTime=abc\n", 1, "tickTime", "want an integer"},
		{"tickTime=0\n", 1, "tickTime", "must be positive"},
		{"\n\nclientPort=70000\n", 3, "clientPort", "invalid port"},
		{"maxClientCnxns=-1\n", 1, "maxClientCnxns", "must not be negative"},
		{"minSessionTimeout=0\n", 1, "minSessionTimeout", "milliseconds"},
		{"minSessionTimeout=5000\nmaxSessionTimeout=4000\n", 2, "maxSessionTimeout", "must not be larger"},
		{"4lw.commands.whitelist=ruok,nope\n", 1, "4lw.commands.whitelist", `unknown four-letter word "nope"`},
		{"extendedTypesEnabled=yes\n", 1, "extendedTypesEnabled", "want true or false"},
		{"forceSync=maybe\n", 1, "forceSync", "want yes or no"},
		{"secureClientPort=x\n", 1, "secureClientPort", "want an integer"},
		{"ssl.keyStore.type=JKS\n", 1, "ssl.keyStore.type", "keytool -importkeystore"},
		{"ssl.clientAuth=maybe\n", 1, "ssl.clientAuth", "none, want or need"},
		{"ssl.protocol=TLSv1\n", 1, "ssl.protocol", "TLSv1.2 and TLSv1.3"},
		{"portUnification=true\n", 1, "portUnification", "one port"},
		{"enforce.auth.schemes=kerberos\n", 1, "enforce.auth.schemes", "not available"},
		{"ssl.clientHostnameVerification=true\n", 1, "ssl.clientHostnameVerification", "host names"},
		{"skipACL=yes\n", 1, "skipACL", "always checks ACLs"},
		{"clientPortAddress=127.0.0.1\n", 1, "clientPortAddress", "clientPort is not set"},
		{"DigestAuthenticationProvider.superDigest=super\n", 1, "DigestAuthenticationProvider.superDigest", "invalid super digest"},
		{"# comment\n! other comment\nfoo\\u00zz=1\n", 3, "", `malformed \uxxxx`},
	} {
		_, err := Parse(strings.NewReader(tc.in), "zoo.cfg")
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want an *Error", tc.in, err)
			continue
		}
		if e.Line != tc.line || e.Key != tc.key || !strings.Contains(e.Msg, tc.msg) || e.File != "zoo.cfg" {
			t.Errorf("Parse(%q) = %+v, want line %d key %q msg ~%q", tc.in, e, tc.line, tc.key, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "zoo.cfg:") {
			t.Errorf("error %q does not start with the file name", err)
		}
	}
}

func TestPropertiesSyntax(t *testing.T) {
	in := "  dataDir   /a\\ b\nclientPort : 2181\nadmin.commandURL = /cmds/ \nskipACL=no\nenforce.auth.enabled=false\ntickTime=1\\\n000\n"
	c, err := Parse(strings.NewReader(in), "x.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/a b" {
		t.Errorf("dataDir %q", c.DataDir)
	}
	if _, err := Parse(strings.NewReader("clientPort:=2181\n"), "x"); err == nil {
		// "key:=v" is key with value "=v" in Java's Properties, so an
		// integer key refuses it.
		t.Error("clientPort:=2181 accepted")
	}
	if c.ClientPort != 2181 || c.AdminCommandURL != "/cmds" || c.TickTime != time.Second || len(c.Warnings) != 1 || c.Security.EnforceAuthEnabled {
		t.Errorf("port %d url %q tick %v warnings %q", c.ClientPort, c.AdminCommandURL, c.TickTime, c.Warnings)
	}
}

func TestDuplicateKeyWarns(t *testing.T) {
	c, err := Parse(strings.NewReader("tickTime=1000\ntickTime=3000\n"), "zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if c.TickTime != 3*time.Second || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "line 2: tickTime is set again") {
		t.Errorf("tick %v warnings %q", c.TickTime, c.Warnings)
	}
}

func TestParseSecurity(t *testing.T) {
	dir := t.TempDir()
	pw := dir + "/ts.pw"
	if err := os.WriteFile(pw, []byte("trust-me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := `clientPort=2181
secureClientPort=2281
secureClientPortAddress=127.0.0.1
serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
ssl.keyStore.location=/etc/zk/server.p12
ssl.keyStore.password=ks-pass
ssl.keyStore.type=pkcs12
ssl.trustStore.location=/etc/zk/ca.pem
ssl.trustStore.passwordPath=` + pw + `
ssl.clientAuth=want
ssl.protocol=TLSv1.3
ssl.enabledProtocols=TLSv1.2, TLSv1.3
ssl.hostnameVerification=false
client.certReload=true
authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider
X509AuthenticationProvider.superUser=CN=root
superUser=admin
java.security.auth.login.config=/etc/zk/jaas.conf
enforce.auth.enabled=true
enforce.auth.schemes=sasl,x509
`
	c, err := Parse(strings.NewReader(in), "zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Security
	if s.SecureClientPort != 2281 || s.SecureClientPortAddress != "127.0.0.1" || s.KeyStoreType != "PKCS12" ||
		s.KeyStorePassword != "ks-pass" || s.TrustStorePassword != "trust-me" || s.ClientAuth != "want" ||
		!slices.Equal(s.EnabledProtocols, []string{"TLSv1.2", "TLSv1.3"}) || s.HostnameVerification || !s.CertReload ||
		s.X509SuperUser != "CN=root" || !slices.Equal(s.SASLSuperUsers, []string{"admin"}) || s.JAASFile != "/etc/zk/jaas.conf" {
		t.Errorf("security keys: %+v", s)
	}
	if got, err := s.EnforcedSchemes(); err != nil || !slices.Equal(got, []string{"sasl", "x509"}) {
		t.Errorf("enforced schemes %q, %v", got, err)
	}
	s.RequireClientSASL = true
	if got, _ := s.EnforcedSchemes(); !slices.Equal(got, []string{"sasl"}) {
		t.Errorf("sessionRequireClientSASLAuth: %q", got)
	}
	if _, err := (&Security{EnforceAuthEnabled: true}).EnforcedSchemes(); err == nil {
		t.Error("enforce.auth.enabled without schemes accepted")
	}
}
