package zoocfg

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// JAASModule is one login module entry of a JAAS configuration section.
type JAASModule struct {
	Class   string            // e.g. org.apache.zookeeper.server.auth.DigestLoginModule
	Flag    string            // required, requisite, sufficient or optional
	Options map[string]string // key="value" options
}

// JAAS is a JAAS login configuration file (the file of
// java.security.auth.login.config): its sections by name.
type JAAS map[string][]JAASModule

// ReadJAAS reads and parses a JAAS configuration file.
func ReadJAAS(path string) (JAAS, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	j, err := ParseJAAS(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return j, nil
}

// ParseJAAS parses a JAAS configuration as Java's ConfigFile does:
// Name { Class Flag key="value" ...; ... }; with // and /* */ comments.
func ParseJAAS(s string) (JAAS, error) {
	toks, err := jaasTokens(s)
	if err != nil {
		return nil, err
	}
	j := JAAS{}
	i := 0
	next := func() string {
		if i >= len(toks) {
			return ""
		}
		i++
		return toks[i-1]
	}
	for i < len(toks) {
		name := next()
		if isPunct(name) {
			return nil, fmt.Errorf("JAAS: expected a section name, found %q", name)
		}
		if next() != "{" {
			return nil, fmt.Errorf("JAAS: section %s: expected {", name)
		}
		var mods []JAASModule
		for {
			t := next()
			if t == "}" {
				break
			}
			if t == "" || isPunct(t) {
				return nil, fmt.Errorf("JAAS: section %s: expected a login module class, found %q", name, t)
			}
			m := JAASModule{Class: t, Flag: next(), Options: map[string]string{}}
			switch strings.ToLower(m.Flag) {
			case "required", "requisite", "sufficient", "optional":
			default:
				return nil, fmt.Errorf("JAAS: section %s: %s: invalid control flag %q", name, m.Class, m.Flag)
			}
			for {
				k := next()
				if k == ";" {
					break
				}
				if k == "" || isPunct(k) || next() != "=" {
					return nil, fmt.Errorf("JAAS: section %s: %s: expected key=\"value\" or ;", name, m.Class)
				}
				v := next()
				if v == "" || isPunct(v) {
					return nil, fmt.Errorf("JAAS: section %s: %s: option %s has no value", name, m.Class, k)
				}
				m.Options[k] = strings.TrimPrefix(v, "\x00")
			}
			mods = append(mods, m)
		}
		if next() != ";" {
			return nil, fmt.Errorf("JAAS: section %s: expected ; after }", name)
		}
		j[name] = append(j[name], mods...)
	}
	return j, nil
}

func isPunct(t string) bool { return t == "{" || t == "}" || t == ";" || t == "=" }

// jaasTokens splits s into words, quoted strings (marked with a leading
// NUL so that "{" stays a value) and the punctuation { } ; =.
func jaasTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.HasPrefix(s[i:], "//") || c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, errors.New("JAAS: unterminated comment")
			}
			i += end + 4
		case c == '{' || c == '}' || c == ';' || c == '=':
			out = append(out, string(c))
			i++
		case c == '"':
			var b strings.Builder
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			if i >= len(s) {
				return nil, errors.New("JAAS: unterminated quoted string")
			}
			i++
			out = append(out, "\x00"+b.String())
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\r\n{};=\"", rune(s[i])) {
				i++
			}
			out = append(out, s[start:i])
		}
	}
	return out, nil
}

// ErrGSSAPI is returned for a JAAS section that asks for Kerberos.
var ErrGSSAPI = errors.New("SASL GSSAPI (Kerberos) is not supported by zkembed: use DIGEST-MD5 (org.apache.zookeeper.server.auth.DigestLoginModule with user_<name>=\"<password>\" options)")

// ServerUsers returns the DIGEST-MD5 users of section (ZooKeeper's
// "Server"): the user_<name>="<password>" options of its modules, as
// ServerCnxnFactory.getDigestMd5Credentials collects them. A Kerberos
// module is refused with ErrGSSAPI.
func (j JAAS) ServerUsers(section string) (map[string]string, error) {
	mods, ok := j[section]
	if !ok {
		return nil, fmt.Errorf("no JAAS configuration section named '%s' was found", section)
	}
	users := map[string]string{}
	for _, m := range mods {
		if strings.Contains(m.Class, "Krb5LoginModule") || strings.Contains(strings.ToLower(m.Class), "kerberos") {
			return nil, ErrGSSAPI
		}
		for k, v := range m.Options {
			if name, ok := strings.CutPrefix(k, "user_"); ok {
				users[name] = v
			}
		}
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("JAAS section %s has no user_<name>=\"<password>\" entries", section)
	}
	return users, nil
}

// ClientCredentials returns the username and password of section
// (ZooKeeper's client uses "Client"): DigestLoginModule's options.
func (j JAAS) ClientCredentials(section string) (user, password string, err error) {
	for _, m := range j[section] {
		if strings.Contains(m.Class, "Krb5LoginModule") {
			return "", "", ErrGSSAPI
		}
		if u, ok := m.Options["username"]; ok {
			return u, m.Options["password"], nil
		}
	}
	return "", "", fmt.Errorf("JAAS section %s has no username", section)
}
