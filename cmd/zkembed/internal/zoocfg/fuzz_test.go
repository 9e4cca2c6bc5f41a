package zoocfg

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse: any bytes give a Config or an *Error naming a line, never a
// panic; a parsed file parses the same way twice.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"tickTime=2000\ndataDir=/var/lib/zookeeper\nclientPort=2181\n",
		"tickTime: 500\nclientPortAddress 127.0.0.1\nmaxClientCnxns=60\n",
		"# comment\n! other\nserver.1=zk1:2888:3888\ninitLimit=10\nsyncLimit=5\n",
		"4lw.commands.whitelist=ruok, srvr, mntr\nextendedTypesEnabled=true\n",
		"admin.enableServer=true\nadmin.serverPort=8080\nadmin.serverAddress=127.0.0.1\n",
		"minSessionTimeout=4000\nmaxSessionTimeout=40000\nforceSync=no\n",
		"DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=\n",
		"jute.maxbuffer=4194304\nglobalOutstandingLimit=1000\n",
		"tickTme=2000\n", "clientPort=-1\n", "secureClientPort=2281\n",
		"dataDir=/a\\\n/b\n", "key\\=with\\:escapes = v\\u0041\n", "\xff\xfe=\x00\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data), "zoo.cfg")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *zoocfg.Error naming its line", err)
			}
			return
		}
		if c == nil {
			t.Fatal("no error and no config")
		}
		if _, err := Parse(bytes.NewReader(data), "zoo.cfg"); err != nil {
			t.Fatalf("parsed once, failed the second time: %v", err)
		}
	})
}
