// Package x500 prints and checks X.500 distinguished names as Java's
// javax.security.auth.x500.X500Principal does, for ZooKeeper's x509
// scheme, whose ids are a client certificate's subject as
// X500Principal.getName() prints it (RFC 2253 form).
package x500

import (
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"
)

type atv struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// rfc2253Keywords are the attribute types Java's AVAKeyword prints by name
// in RFC 2253 form; every other type prints as its dotted OID.
var rfc2253Keywords = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.9":                    "STREET",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
}

// Name returns the DER-encoded name raw (a certificate's RawSubject) as
// X500Principal.getName() prints it: the RDNs last to first, separated by
// commas, the values of a multi-valued RDN joined by '+', keywords for the
// types RFC 2253 names and dotted OIDs for the others, string values with
// ",=+<>#;\"\\" and leading or trailing spaces escaped, and other values
// (and those of types printed as OIDs) as '#' and the hex of their DER
// encoding, as sun.security.x509.AVA.toRFC2253String does.
func Name(raw []byte) (string, error) {
	var rdns []asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &rdns)
	if err != nil {
		return "", err
	}
	if len(rest) > 0 {
		return "", errors.New("x500: trailing data after name")
	}
	parts := make([]string, 0, len(rdns))
	for i := len(rdns) - 1; i >= 0; i-- {
		var set []atv
		if _, err := asn1.UnmarshalWithParams(rdns[i].FullBytes, &set, "set"); err != nil {
			return "", err
		}
		avas := make([]string, 0, len(set))
		for _, a := range set {
			avas = append(avas, formatATV(a))
		}
		parts = append(parts, strings.Join(avas, "+"))
	}
	return strings.Join(parts, ","), nil
}

func formatATV(a atv) string {
	oid := a.Type.String()
	kw, named := rfc2253Keywords[oid]
	if !named {
		kw = oid
	}
	if !named || !isDirectoryString(a.Value) {
		return kw + "=#" + hex.EncodeToString(a.Value.FullBytes)
	}
	return kw + "=" + escape(decodeString(a.Value))
}

// isDirectoryString copies DerValue.isDerString(value, false): the string
// types printed as text.
func isDirectoryString(v asn1.RawValue) bool {
	if v.Class != asn1.ClassUniversal {
		return false
	}
	switch v.Tag {
	case asn1.TagPrintableString, asn1.TagT61String, asn1.TagIA5String, 27 /* GeneralString */, asn1.TagUTF8String, 30 /* BMPString */ :
		return true
	}
	return false
}

func decodeString(v asn1.RawValue) string {
	switch v.Tag {
	case 30: // BMPString: UCS-2, big-endian
		var b strings.Builder
		for i := 0; i+1 < len(v.Bytes); i += 2 {
			b.WriteRune(rune(v.Bytes[i])<<8 | rune(v.Bytes[i+1]))
		}
		return b.String()
	case asn1.TagT61String:
		// Java decodes T61String as ISO-8859-1.
		var b strings.Builder
		for _, c := range v.Bytes {
			b.WriteRune(rune(c))
		}
		return b.String()
	}
	if utf8.Valid(v.Bytes) {
		return string(v.Bytes)
	}
	return strings.ToValidUTF8(string(v.Bytes), "\uFFFD")
}

// escape escapes a value as AVA.toRFC2253String does.
func escape(s string) string {
	const escapees = ",=+<>#;\"\\"
	var b strings.Builder
	for _, c := range s {
		switch {
		case strings.ContainsRune(escapees, c):
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == 0:
			b.WriteString("\\00")
		default:
			b.WriteRune(c)
		}
	}
	out := b.String()
	// Leading and trailing spaces (and carriage returns) are escaped.
	lead := 0
	for lead < len(out) && (out[lead] == ' ' || out[lead] == '\r') {
		lead++
	}
	trail := len(out)
	for trail > lead && (out[trail-1] == ' ' || out[trail-1] == '\r') {
		trail--
	}
	if lead == 0 && trail == len(out) {
		return out
	}
	var e strings.Builder
	for i := 0; i < len(out); i++ {
		if i < lead || i >= trail {
			e.WriteByte('\\')
		}
		e.WriteByte(out[i])
	}
	return e.String()
}

// keywords are the attribute keywords Java's X500Name parser accepts (any
// case), beside OIDs ("2.5.4.3" or "OID.2.5.4.3").
var keywords = map[string]bool{
	"CN": true, "C": true, "L": true, "S": true, "ST": true, "O": true, "OU": true, "T": true,
	"IP": true, "STREET": true, "DC": true, "DNQUALIFIER": true, "DNQ": true, "SURNAME": true,
	"GIVENNAME": true, "INITIALS": true, "GENERATION": true, "EMAIL": true, "EMAILADDRESS": true,
	"UID": true, "SERIALNUMBER": true,
}

// Valid reports whether s parses as a distinguished name, as the
// X500Principal(String) constructor decides it (X509AuthenticationProvider
// .isValid): RDNs separated by ',' or ';', attribute-value pairs joined by
// '+', each keyword=value with a known keyword or an OID, values quoted,
// escaped or '#'-hex. The empty name is valid.
func Valid(s string) bool {
	if strings.TrimSpace(s) == "" {
		return true
	}
	for _, ava := range splitUnescaped(s, ",;+") {
		if ava == nil {
			return false
		}
		k, v, ok := strings.Cut(*ava, "=")
		if !ok {
			return false
		}
		k = strings.TrimSpace(k)
		if !validKeyword(k) || !validValue(strings.TrimSpace(v)) {
			return false
		}
	}
	return true
}

func validKeyword(k string) bool {
	if keywords[strings.ToUpper(k)] {
		return true
	}
	if len(k) > 4 && strings.EqualFold(k[:4], "OID.") {
		k = k[4:]
	}
	if k == "" || k[0] < '0' || k[0] > '9' {
		return false
	}
	dots := 0
	for i := 0; i < len(k); i++ {
		switch {
		case k[i] == '.':
			if i == 0 || i == len(k)-1 || k[i-1] == '.' {
				return false
			}
			dots++
		case k[i] < '0' || k[i] > '9':
			return false
		}
	}
	return dots >= 1
}

func validValue(v string) bool {
	if strings.HasPrefix(v, "#") {
		h := v[1:]
		if len(h) == 0 || len(h)%2 != 0 {
			return false
		}
		_, err := hex.DecodeString(h)
		return err == nil
	}
	if strings.HasPrefix(v, `"`) {
		return len(v) >= 2 && strings.HasSuffix(v, `"`) && !strings.HasSuffix(v, `\"`)
	}
	return !strings.ContainsAny(v, `"`)
}

// splitUnescaped splits s at any of seps not escaped by a backslash nor
// inside double quotes; a nil entry marks a trailing escape.
func splitUnescaped(s, seps string) []*string {
	var out []*string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i == len(s)-1 {
				return append(out, nil)
			}
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && strings.IndexByte(seps, c) >= 0:
			part := s[start:i]
			out = append(out, &part)
			start = i + 1
		}
	}
	if quoted {
		return append(out, nil)
	}
	part := s[start:]
	return append(out, &part)
}
