// Package zoocfg reads Apache ZooKeeper's configuration file, zoo.cfg, for
// zkembed.
//
// The file is a Java properties file (java.util.Properties.load): one
// "key=value", "key: value" or "key value" per line, '#' and '!' comments,
// a backslash at the end of a line continues it, keys and values are
// trimmed. Parse reads one and checks every key against the keys ZooKeeper
// 3.9 knows (QuorumPeerConfig.parseProperties, ZKConfig and the system
// properties a zoo.cfg key sets as "zookeeper.<key>"):
//
//   - keys zkembed applies (tickTime, dataDir, clientPort, ...) are parsed
//     and checked, and an invalid value is an error naming the line;
//   - keys that do not apply to one embedded server (server.N, initLimit,
//     autopurge.*, snapCount, ...) are accepted with one warning each;
//   - keys for features zkembed does not have (port unification,
//     skipACL=yes, JKS stores) and keys ZooKeeper does not know are errors
//     naming the line.
//
// ZooKeeper itself turns an unknown key into a system property and says
// nothing; zkembed refuses it so that a typo does not go unnoticed.
package zoocfg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is what a zoo.cfg says, for the keys zkembed applies. A key the
// file does not set keeps its zero value; Has tells whether it was set.
type Config struct {
	TickTime          time.Duration // tickTime
	DataDir           string        // dataDir
	ClientPort        int           // clientPort
	ClientPortAddress string        // clientPortAddress
	MaxClientCnxns    int           // maxClientCnxns
	// MinSessionTimeout and MaxSessionTimeout are zero when the file says
	// -1 (ZooKeeper's "2 and 20 ticks").
	MinSessionTimeout time.Duration // minSessionTimeout
	MaxSessionTimeout time.Duration // maxSessionTimeout
	// FourLetterWords is 4lw.commands.whitelist split at commas.
	FourLetterWords      []string
	ExtendedTypesEnabled bool          // extendedTypesEnabled
	ForceSync            bool          // forceSync (yes/no)
	AdminEnableServer    bool          // admin.enableServer
	AdminServerAddress   string        // admin.serverAddress
	AdminServerPort      int           // admin.serverPort
	AdminCommandURL      string        // admin.commandURL
	SuperDigest          string        // DigestAuthenticationProvider.superDigest
	MaxBuffer            int           // jute.maxbuffer
	GlobalOutstanding    int           // globalOutstandingLimit
	ContainerCheck       time.Duration // znode.container.checkIntervalMs
	Security             Security      // TLS, x509, SASL and enforcement keys

	// Warnings has one line per key that was accepted but has no effect in
	// zkembed, in file order.
	Warnings []string

	set map[string]int // key -> line of the applied keys the file sets
}

// Has reports whether the file sets key (one of the keys zkembed applies,
// spelt as in zoo.cfg).
func (c *Config) Has(key string) bool {
	_, ok := c.set[key]
	return ok
}

// Line returns the line where key was set, or 0.
func (c *Config) Line(key string) int { return c.set[key] }

// Error is an invalid or unknown key, with where it is.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

// Error formats e as "zoo.cfg:12: key: message".
func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
}

// ReadFile reads and parses the zoo.cfg at path.
func ReadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a zoo.cfg from r; name is used in errors and warnings. It
// returns the first invalid or unknown key as an *Error.
func Parse(r io.Reader, name string) (*Config, error) {
	c := &Config{set: make(map[string]int)}
	entries, err := readProperties(r, name)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := c.apply(e); err != nil {
			return nil, &Error{File: name, Line: e.line, Key: e.key, Msg: err.Error()}
		}
	}
	if c.Has("minSessionTimeout") && c.Has("maxSessionTimeout") &&
		c.MinSessionTimeout > 0 && c.MaxSessionTimeout > 0 && c.MinSessionTimeout > c.MaxSessionTimeout {
		return nil, &Error{File: name, Line: c.Line("maxSessionTimeout"), Key: "maxSessionTimeout",
			Msg: "minSessionTimeout must not be larger than maxSessionTimeout"}
	}
	if c.Has("clientPortAddress") && !c.Has("clientPort") {
		return nil, &Error{File: name, Line: c.Line("clientPortAddress"), Key: "clientPortAddress",
			Msg: "clientPortAddress is set but clientPort is not set"}
	}
	return c, nil
}

type entry struct {
	line       int
	key, value string
}

// readProperties splits r into keys and values as Properties.load does, with
// keys and values trimmed as QuorumPeerConfig trims them.
func readProperties(r io.Reader, name string) ([]entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []entry
	n := 0
	for sc.Scan() {
		n++
		start := n
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continued(line) && sc.Scan() {
			n++
			line = line[:len(line)-1] + strings.TrimLeft(sc.Text(), " \t\f")
		}
		if continued(line) {
			line = line[:len(line)-1]
		}
		key, value, err := splitProperty(line)
		if err != nil {
			return nil, &Error{File: name, Line: start, Msg: err.Error()}
		}
		out = append(out, entry{line: start, key: strings.TrimSpace(key), value: strings.TrimSpace(value)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// continued reports whether line ends with an odd number of backslashes.
func continued(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits a logical line at the first unescaped '=', ':' or
// white space, and unescapes both halves.
func splitProperty(line string) (key, value string, err error) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	rawKey := line[:min(i, len(line))]
	rest := ""
	if i < len(line) {
		rest = strings.TrimLeft(line[i:], " \t\f")
		if rest != "" && (rest[0] == '=' || rest[0] == ':') && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f' || line[i] == rest[0]) {
			rest = strings.TrimLeft(rest[1:], " \t\f")
		}
	}
	if key, err = unescape(rawKey); err != nil {
		return "", "", err
	}
	if value, err = unescape(rest); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescape resolves Properties escapes: \t \n \r \f \uXXXX, and \x for any
// other x.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i == len(s)-1 {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", errors.New(`malformed \uxxxx encoding`)
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", errors.New(`malformed \uxxxx encoding`)
			}
			b.WriteRune(rune(v))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func (c *Config) apply(e entry) error {
	k, v := e.key, e.value
	h, ok := applied[k]
	if !ok {
		h, ok = securityApplied[k]
	}
	if ok {
		if err := h(c, v); err != nil {
			return err
		}
		if _, dup := c.set[k]; dup {
			c.Warnings = append(c.Warnings, fmt.Sprintf("line %d: %s is set again; the last value counts", e.line, k))
		}
		c.set[k] = e.line
		return nil
	}
	if why, ok := refused(k, v); ok {
		return errors.New(why)
	}
	if why, ok := ignored(k); ok {
		c.Warnings = append(c.Warnings, fmt.Sprintf("line %d: %s is ignored: %s", e.line, k, why))
		return nil
	}
	return errors.New("unknown key (not a ZooKeeper configuration key)")
}

// applied are the keys zkembed applies, each with its parser.
var applied = map[string]func(c *Config, v string) error{
	"tickTime": func(c *Config, v string) error {
		n, err := positive(v)
		c.TickTime = time.Duration(n) * time.Millisecond
		return err
	},
	"dataDir": func(c *Config, v string) error {
		if v == "" {
			return errors.New("empty directory")
		}
		c.DataDir = v
		return nil
	},
	"clientPort": func(c *Config, v string) error {
		n, err := port(v)
		c.ClientPort = n
		return err
	},
	"clientPortAddress": func(c *Config, v string) error {
		if v == "" {
			return errors.New("empty address")
		}
		c.ClientPortAddress = v
		return nil
	},
	"maxClientCnxns": func(c *Config, v string) error {
		n, err := nonNegative(v)
		c.MaxClientCnxns = n
		return err
	},
	"minSessionTimeout": func(c *Config, v string) error {
		d, err := sessionTimeout(v)
		c.MinSessionTimeout = d
		return err
	},
	"maxSessionTimeout": func(c *Config, v string) error {
		d, err := sessionTimeout(v)
		c.MaxSessionTimeout = d
		return err
	},
	"4lw.commands.whitelist": func(c *Config, v string) error {
		words, err := FourLetterWords(v)
		c.FourLetterWords = words
		return err
	},
	"extendedTypesEnabled": func(c *Config, v string) error {
		b, err := boolean(v)
		c.ExtendedTypesEnabled = b
		return err
	},
	"forceSync": func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "yes":
			c.ForceSync = true
		case "no":
			c.ForceSync = false
		default:
			return fmt.Errorf("invalid value %q: want yes or no", v)
		}
		return nil
	},
	"admin.enableServer": func(c *Config, v string) error {
		b, err := boolean(v)
		c.AdminEnableServer = b
		return err
	},
	"admin.serverAddress": func(c *Config, v string) error {
		if v == "" {
			return errors.New("empty address")
		}
		c.AdminServerAddress = v
		return nil
	},
	"admin.serverPort": func(c *Config, v string) error {
		n, err := port(v)
		c.AdminServerPort = n
		return err
	},
	"admin.commandURL": func(c *Config, v string) error {
		if !strings.HasPrefix(v, "/") || v == "/" {
			return fmt.Errorf("invalid value %q: want a path such as /commands", v)
		}
		c.AdminCommandURL = strings.TrimRight(v, "/")
		return nil
	},
	"DigestAuthenticationProvider.superDigest": func(c *Config, v string) error {
		if err := CheckSuperDigest(v); err != nil {
			return err
		}
		c.SuperDigest = v
		return nil
	},
	"jute.maxbuffer": func(c *Config, v string) error {
		n, err := positive(v)
		c.MaxBuffer = n
		return err
	},
	"globalOutstandingLimit": func(c *Config, v string) error {
		n, err := positive(v)
		c.GlobalOutstanding = n
		return err
	},
	"znode.container.checkIntervalMs": func(c *Config, v string) error {
		n, err := positive(v)
		c.ContainerCheck = time.Duration(n) * time.Millisecond
		return err
	},
}

// FourLetterWords splits a 4lw.commands.whitelist value: words separated by
// commas, "*" for all. Every word must be one ZooKeeper knows.
func FourLetterWords(v string) ([]string, error) {
	var out []string
	for _, w := range strings.Split(v, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if w != "*" && !knownWords[w] {
			return nil, fmt.Errorf("unknown four-letter word %q", w)
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list (use srvr to allow only srvr, * for all)")
	}
	return out, nil
}

// knownWords are the words of ZooKeeper's FourLetterCommands; zkembed
// answers all but the trace-mask, hash and leader ones.
var knownWords = map[string]bool{
	"ruok": true, "srvr": true, "stat": true, "mntr": true, "conf": true, "cons": true,
	"envi": true, "wchs": true, "wchc": true, "wchp": true, "dump": true, "isro": true,
	"dirs": true, "crst": true, "srst": true, "gtmk": true, "stmk": true, "hash": true,
}

// CheckSuperDigest checks a super digest: "super:" followed by the base64
// of a SHA-1 (api.DigestID's form).
func CheckSuperDigest(v string) error {
	user, hash, ok := strings.Cut(v, ":")
	if !ok || user == "" || len(hash) != 28 {
		return fmt.Errorf("invalid super digest %q: want user:base64(sha1(user:password)), as api.DigestID makes it", v)
	}
	return nil
}

func parseInt(v string) (int, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid value %q: want an integer", v)
	}
	return int(n), nil
}

func positive(v string) (int, error) {
	n, err := parseInt(v)
	if err == nil && n <= 0 {
		err = fmt.Errorf("invalid value %q: must be positive", v)
	}
	return n, err
}

func nonNegative(v string) (int, error) {
	n, err := parseInt(v)
	if err == nil && n < 0 {
		err = fmt.Errorf("invalid value %q: must not be negative", v)
	}
	return n, err
}

func port(v string) (int, error) {
	n, err := parseInt(v)
	if err == nil && (n < 0 || n > 65535) {
		err = fmt.Errorf("invalid port %q", v)
	}
	return n, err
}

// sessionTimeout parses milliseconds, -1 meaning ZooKeeper's default.
func sessionTimeout(v string) (time.Duration, error) {
	n, err := parseInt(v)
	if err != nil {
		return 0, err
	}
	if n == -1 {
		return 0, nil
	}
	if n <= 0 {
		return 0, fmt.Errorf("invalid value %q: milliseconds, or -1 for the default", v)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// boolean parses true or false, in any case. (Java's Boolean.parseBoolean
// takes anything else as false; zkembed refuses it as a likely typo.)
func boolean(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("invalid value %q: want true or false", v)
}
