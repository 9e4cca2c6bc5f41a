// Package serve runs the zkembed server: the engine, the ZooKeeper wire
// server, the optional admin HTTP endpoint, and their graceful shutdown,
// configured from flags and an optional zoo.cfg.
package serve

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/zoocfg"
)

// Config is a resolved server configuration: defaults, then the zoo.cfg
// (if any), then the flags given on the command line.
type Config struct {
	Addr                   string        // client address, host:port
	DataDir                string        // Badger directory
	Memory                 bool          // keep everything in memory
	TickTime               time.Duration // tickTime
	MinSessionTimeout      time.Duration // 0: 2 ticks
	MaxSessionTimeout      time.Duration // 0: 20 ticks
	ContainerCheckInterval time.Duration
	MaxClientCnxns         int
	FourLetterWords        []string // nil: every word
	SuperDigest            string
	ExtendedTypes          bool // TTL create modes
	NoSync                 bool // forceSync=no
	MaxBuffer              int  // jute.maxbuffer; 0: default
	MaxGlobalOutstanding   int  // globalOutstandingLimit; 0: default
	AdminAddr              string
	AdminCommandURL        string
	Profile                string // "default" or "edge"
	MemoryLimit            int64  // soft limit for the Go runtime (GOMEMLIMIT), 0: none
	LogFormat              string // text or json
	LogLevel               string // debug, info, warn, error
	ShutdownTimeout        time.Duration
	Security               Security // TLS, x509, SASL, enforcement
	// Warnings are the zoo.cfg keys accepted without effect, one line each.
	Warnings []string

	// UIAddr is the web console's address (--ui); empty: off.
	UIAddr string
	// UIReadOnly makes the web console refuse every change to the tree.
	UIReadOnly bool
	// UIHosts are host names the console answers to, besides IP
	// addresses and localhost.
	UIHosts []string
}

// Defaults returns the configuration of `zkembed serve` with no flags.
func Defaults() Config {
	return Config{
		Addr:                   "127.0.0.1:2181",
		DataDir:                "./zkembed-data",
		TickTime:               2 * time.Second,
		ContainerCheckInterval: time.Minute,
		MaxClientCnxns:         60,
		ExtendedTypes:          true,
		AdminCommandURL:        "/commands",
		Profile:                "default",
		LogFormat:              "text",
		LogLevel:               "info",
		ShutdownTimeout:        10 * time.Second,
		Security:               Security{CertReload: true},
	}
}

// UsageError is a problem with the command line or the configuration file:
// the process should exit with status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// Flags holds the serve flags registered on a FlagSet.
type Flags struct {
	fs     *flag.FlagSet
	config string
	v      Config
	words  string
	mem    string
	sec    *securityFlags
}

// RegisterFlags defines the serve flags on fs, with Defaults as defaults.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	d := Defaults()
	f := &Flags{fs: fs, sec: registerSecurityFlags(fs)}
	fs.StringVar(&f.config, "config", "", "read Apache ZooKeeper's configuration `file` (zoo.cfg); flags override it")
	fs.StringVar(&f.v.Addr, "addr", d.Addr, "client `address` (host:port; port 0 picks a free one)")
	fs.StringVar(&f.v.DataDir, "data", d.DataDir, "data `directory`")
	fs.BoolVar(&f.v.Memory, "memory", false, "keep everything in memory, write nothing")
	fs.Func("tick-time", "tickTime in `milliseconds` (default 2000)", msFlag(&f.v.TickTime))
	fs.Func("min-session-timeout", "smallest session timeout granted, in `milliseconds` (default 2 ticks)", msFlag(&f.v.MinSessionTimeout))
	fs.Func("max-session-timeout", "largest session timeout granted, in `milliseconds` (default 20 ticks)", msFlag(&f.v.MaxSessionTimeout))
	fs.DurationVar(&f.v.ContainerCheckInterval, "container-check-interval", d.ContainerCheckInterval, "how often empty containers and expired TTL nodes are deleted")
	fs.IntVar(&f.v.MaxClientCnxns, "max-client-cnxns", d.MaxClientCnxns, "connections allowed from one IP address (0: no limit)")
	fs.StringVar(&f.words, "4lw-whitelist", "*", "four-letter words answered, comma-separated (`list`; * for all; srvr is always answered)")
	fs.StringVar(&f.v.SuperDigest, "super-digest", "", "super user `digest` user:base64(sha1(user:password))")
	fs.BoolVar(&f.v.ExtendedTypes, "extended-types", d.ExtendedTypes, "allow TTL create modes (extendedTypesEnabled)")
	fs.BoolVar(&f.v.NoSync, "no-sync", false, "do not fsync group commits (forceSync=no): faster, but a power loss can lose acknowledged writes")
	fs.StringVar(&f.v.AdminAddr, "admin-addr", "", "serve the admin HTTP endpoint (/commands/<name>, /metrics) on `host:port` (default off)")
	fs.StringVar(&f.v.UIAddr, "ui", "", "serve the web console on `host:port` (it is also under /console/ on the admin endpoint)")
	fs.BoolVar(&f.v.UIReadOnly, "ui-read-only", false, "the web console refuses every change to the tree")
	fs.Func("ui-host", "a host `name` the web console answers to, besides IP addresses and localhost (repeatable)", func(s string) error {
		f.v.UIHosts = append(f.v.UIHosts, s)
		return nil
	})
	fs.StringVar(&f.v.Profile, "profile", d.Profile, "`default` or edge (less memory: smaller Badger memtables and a Go memory limit)")
	fs.StringVar(&f.mem, "memory-limit", "", "soft memory `limit` for the Go runtime, e.g. 64MiB (default none; 48MiB with --profile edge)")
	fs.StringVar(&f.v.LogFormat, "log-format", d.LogFormat, "log `format` on stderr: text or json")
	fs.StringVar(&f.v.LogLevel, "log-level", d.LogLevel, "log `level`: debug, info, warn or error")
	fs.DurationVar(&f.v.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "how long a graceful shutdown waits for replies in flight")
	return f
}

func msFlag(d *time.Duration) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			return errors.New("want milliseconds")
		}
		*d = time.Duration(n) * time.Millisecond
		return nil
	}
}

// Resolve builds the configuration after fs.Parse: Defaults, then the
// zoo.cfg of --config, then every flag given on the command line. Errors are
// *UsageError.
func (f *Flags) Resolve() (Config, error) {
	c := Defaults()
	if f.config != "" {
		zc, err := zoocfg.ReadFile(f.config)
		if err != nil {
			return c, &UsageError{err}
		}
		applyFile(&c, zc)
		if err := applySecurityFile(&c, zc); err != nil {
			return c, err
		}
	}
	var err error
	f.fs.Visit(func(fl *flag.Flag) {
		if err != nil {
			return
		}
		switch fl.Name {
		case "addr":
			c.Addr = f.v.Addr
		case "data":
			c.DataDir = f.v.DataDir
		case "memory":
			c.Memory = f.v.Memory
		case "tick-time":
			c.TickTime = f.v.TickTime
		case "min-session-timeout":
			c.MinSessionTimeout = f.v.MinSessionTimeout
		case "max-session-timeout":
			c.MaxSessionTimeout = f.v.MaxSessionTimeout
		case "container-check-interval":
			c.ContainerCheckInterval = f.v.ContainerCheckInterval
		case "max-client-cnxns":
			c.MaxClientCnxns = f.v.MaxClientCnxns
		case "4lw-whitelist":
			c.FourLetterWords, err = zoocfg.FourLetterWords(f.words)
			if err != nil {
				err = usagef("--4lw-whitelist: %v", err)
			}
		case "super-digest":
			c.SuperDigest = f.v.SuperDigest
		case "extended-types":
			c.ExtendedTypes = f.v.ExtendedTypes
		case "no-sync":
			c.NoSync = f.v.NoSync
		case "admin-addr":
			c.AdminAddr = f.v.AdminAddr
		case "ui":
			c.UIAddr = f.v.UIAddr
		case "ui-read-only":
			c.UIReadOnly = f.v.UIReadOnly
		case "ui-host":
			c.UIHosts = f.v.UIHosts
		case "profile":
			c.Profile = f.v.Profile
		case "memory-limit":
			c.MemoryLimit, err = ParseSize(f.mem)
			if err != nil {
				err = usagef("--memory-limit: %v", err)
			}
		case "log-format":
			c.LogFormat = f.v.LogFormat
		case "log-level":
			c.LogLevel = f.v.LogLevel
		case "shutdown-timeout":
			c.ShutdownTimeout = f.v.ShutdownTimeout
		}
	})
	if err == nil {
		err = f.sec.apply(&c, f.fs)
	}
	if err != nil {
		return c, err
	}
	if c.Profile == "edge" && !isSet(f.fs, "memory-limit") {
		c.MemoryLimit = EdgeMemoryLimit
	}
	return c, c.Validate()
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// applyFile applies the keys a zoo.cfg sets. Where ZooKeeper's default
// differs from zkembed's, a file that does not set the key gets
// ZooKeeper's: TTL nodes are off unless extendedTypesEnabled=true. The
// client and admin addresses stay on loopback unless the file names an
// address.
func applyFile(c *Config, z *zoocfg.Config) {
	c.ExtendedTypes = z.ExtendedTypesEnabled
	if z.Has("tickTime") {
		c.TickTime = z.TickTime
	}
	if z.Has("dataDir") {
		c.DataDir = z.DataDir
	}
	if z.Has("clientPort") {
		host := "127.0.0.1"
		if z.Has("clientPortAddress") {
			host = z.ClientPortAddress
		}
		c.Addr = net.JoinHostPort(host, strconv.Itoa(z.ClientPort))
	}
	if z.Has("maxClientCnxns") {
		c.MaxClientCnxns = z.MaxClientCnxns
	}
	if z.Has("minSessionTimeout") {
		c.MinSessionTimeout = z.MinSessionTimeout
	}
	if z.Has("maxSessionTimeout") {
		c.MaxSessionTimeout = z.MaxSessionTimeout
	}
	if z.Has("4lw.commands.whitelist") {
		c.FourLetterWords = z.FourLetterWords
	}
	if z.Has("forceSync") {
		c.NoSync = !z.ForceSync
	}
	if z.AdminEnableServer {
		host, port := "127.0.0.1", 8080
		if z.Has("admin.serverAddress") {
			host = z.AdminServerAddress
		}
		if z.Has("admin.serverPort") {
			port = z.AdminServerPort
		}
		c.AdminAddr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if z.Has("admin.commandURL") {
		c.AdminCommandURL = z.AdminCommandURL
	}
	if z.Has("DigestAuthenticationProvider.superDigest") {
		c.SuperDigest = z.SuperDigest
	}
	if z.Has("jute.maxbuffer") {
		c.MaxBuffer = z.MaxBuffer
	}
	if z.Has("globalOutstandingLimit") {
		c.MaxGlobalOutstanding = z.GlobalOutstanding
	}
	if z.Has("znode.container.checkIntervalMs") {
		c.ContainerCheckInterval = z.ContainerCheck
	}
	c.Warnings = z.Warnings
}

// Validate checks values a flag could have got wrong. Errors are
// *UsageError.
func (c *Config) Validate() error {
	switch {
	case c.TickTime <= 0:
		return usagef("tick time must be positive, got %v", c.TickTime)
	case c.ContainerCheckInterval <= 0:
		return usagef("--container-check-interval must be positive, got %v", c.ContainerCheckInterval)
	case c.MaxClientCnxns < 0:
		return usagef("--max-client-cnxns must not be negative")
	case c.MinSessionTimeout > 0 && c.MaxSessionTimeout > 0 && c.MinSessionTimeout > c.MaxSessionTimeout:
		return usagef("minimum session timeout %v is larger than the maximum %v", c.MinSessionTimeout, c.MaxSessionTimeout)
	case c.Profile != "default" && c.Profile != "edge":
		return usagef("--profile must be default or edge, got %q", c.Profile)
	case c.LogFormat != "text" && c.LogFormat != "json":
		return usagef("--log-format must be text or json, got %q", c.LogFormat)
	case c.ShutdownTimeout <= 0:
		return usagef("--shutdown-timeout must be positive")
	case c.Addr == "" && c.Security.SecureAddr == "":
		return usagef("--addr is empty")
	case !c.Memory && c.DataDir == "":
		return usagef("no data directory (use --data, or --memory)")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return &UsageError{err}
	}
	if c.SuperDigest != "" {
		if err := zoocfg.CheckSuperDigest(c.SuperDigest); err != nil {
			return &UsageError{err}
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil && c.Addr != "" {
		return usagef("--addr %q: %v", c.Addr, err)
	}
	if err := c.Security.validate(); err != nil {
		return err
	}
	if c.UIAddr != "" {
		if c.Addr == "" {
			return usagef("--ui needs the plain client port (--addr): the console is a client of it")
		}
		if _, _, err := net.SplitHostPort(c.UIAddr); err != nil {
			return usagef("--ui %q: %v", c.UIAddr, err)
		}
	}
	if c.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			return usagef("--admin-addr %q: %v", c.AdminAddr, err)
		}
	}
	return nil
}

// ParseSize parses a byte size: a number with an optional B, KiB, MiB or
// GiB suffix (KB, MB, GB are taken as the same powers of two, as
// GOMEMLIMIT reads them).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 64MiB)", s)
	}
	return n * mult, nil
}
