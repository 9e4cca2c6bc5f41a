package x500

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

func TestName(t *testing.T) {
	oid := func(a ...int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier(a) }
	for _, c := range []struct {
		rdns pkix.RDNSequence
		want string
	}{
		{pkix.RDNSequence{{{Type: oid(2, 5, 4, 3), Value: "alice"}}}, "CN=alice"},
		{pkix.RDNSequence{
			{{Type: oid(2, 5, 4, 6), Value: "NL"}},
			{{Type: oid(2, 5, 4, 8), Value: "Noord-Holland"}},
			{{Type: oid(2, 5, 4, 7), Value: "Amsterdam"}},
			{{Type: oid(2, 5, 4, 10), Value: "Example, Inc."}},
			{{Type: oid(2, 5, 4, 11), Value: "a=b;c\"d\\e"}},
			{{Type: oid(2, 5, 4, 3), Value: "x"}, {Type: oid(2, 5, 4, 4), Value: "Smith"}},
			{{Type: oid(0, 9, 2342, 19200300, 100, 1, 25), Value: "example"}},
		}, `DC=example,CN=x+2.5.4.4=#1305536d697468,OU=a\=b\;c\"d\\e,O=Example\, Inc.,L=Amsterdam,ST=Noord-Holland,C=NL`},
		{pkix.RDNSequence{{{Type: oid(2, 5, 4, 3), Value: "  two  "}}}, `CN=\ \ two\ \ `},
		{pkix.RDNSequence{}, ""},
	} {
		raw, err := asn1.Marshal(c.rdns)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Name(raw)
		if err != nil || got != c.want {
			t.Errorf("Name = %q, %v; want %q", got, err, c.want)
		}
	}
	if _, err := Name([]byte{0x30, 0x05, 0x31}); err == nil {
		t.Error("truncated name accepted")
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"":                                      true,
		"CN=alice":                              true,
		"CN=alice,OU=eng\\, ops,O=Example,C=NL": true,
		"cn=a+uid=b;o=c":                        true,
		"2.5.4.3=#0c0161":                       true,
		"OID.2.5.4.3=x":                         true,
		`CN="quoted, value"`:                    true,
		"alice":                                 false,
		"FOO=bar":                               false,
		"CN=a,":                                 false,
		"2.5.4.3=#0c016":                        false,
		`CN=a\`:                                 false,
		`CN="open`:                              false,
		"1=x":                                   false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
