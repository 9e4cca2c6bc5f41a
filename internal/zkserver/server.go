package zkserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Where Debian puts ZooKeeper. zkEnv.sh sets
// CLASSPATH="/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" and the jar's
// manifest pulls in its dependencies; the slf4j binding and log4j are added so
// the server's log reaches server.log.
var (
	// JavaPath is the java binary zkEnv.sh uses.
	JavaPath = "/usr/bin/java"
	// ServerJar is ZooKeeper's server jar.
	ServerJar = "/usr/share/java/zookeeper.jar"
	// LogJars are the slf4j binding and log4j; missing ones are skipped.
	LogJars = []string{"/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"}
	// NettyJars are the Netty jars the Netty server (TLS) needs and
	// zookeeper.jar's manifest does not list; missing ones are skipped.
	NettyJars = []string{"/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar",
		"/usr/share/java/netty-transport-native-unix-common.jar"}
)

const mainClass = "org.apache.zookeeper.server.quorum.QuorumPeerMain"

// Options configure a ZooKeeper server. The zero value is a standalone
// server with a 200ms tick (session timeouts between 400ms and 4s), TTL
// nodes enabled, every four-letter word allowed and no AdminServer.
type Options struct {
	// TickTime is ZooKeeper's tickTime; 0 means 200ms.
	TickTime time.Duration
	// MinSessionTimeout and MaxSessionTimeout bound session timeouts; 0
	// leaves ZooKeeper's defaults of 2 and 20 ticks.
	MinSessionTimeout, MaxSessionTimeout time.Duration
	// SuperDigest, if set, is the digest identity of the super user,
	// "user:base64(sha1(user:password))" (api.DigestID); it is passed as
	// -Dzookeeper.DigestAuthenticationProvider.superDigest.
	SuperDigest string
	// ContainerCheckInterval, if set, is how often the server reaps empty
	// containers and expired TTL nodes (-Dznode.container.checkIntervalMs;
	// ZooKeeper's default is one minute).
	ContainerCheckInterval time.Duration
	// Config holds extra zoo.cfg keys; they override the defaults written
	// by this package.
	Config map[string]string
	// JVMFlags are extra java arguments placed before the main class, for
	// example "-Dzookeeper.maxCnxns=100" or "-Xmx512m".
	JVMFlags []string
	// StartTimeout bounds the wait for the server to answer; 0 means 60s.
	StartTimeout time.Duration
	// Dir, if set, holds the configuration, data and log instead of a new
	// temporary directory; it is not removed on Close.
	Dir string
}

func (o Options) tick() time.Duration {
	if o.TickTime <= 0 {
		return 200 * time.Millisecond
	}
	return o.TickTime
}

func (o Options) startTimeout() time.Duration {
	if o.StartTimeout <= 0 {
		return 60 * time.Second
	}
	return o.StartTimeout
}

// Available reports whether java and ZooKeeper's jars are installed; if not,
// why says what is missing, fit for t.Skip.
func Available() (ok bool, why string) {
	if _, err := os.Stat(JavaPath); err != nil {
		if p, lerr := exec.LookPath("java"); lerr == nil {
			JavaPath = p
		} else {
			return false, "Java ZooKeeper unavailable: no java at " + JavaPath + " or on PATH (apt-get install zookeeper)"
		}
	}
	if _, err := os.Stat(ServerJar); err != nil {
		return false, "Java ZooKeeper unavailable: no " + ServerJar + " (apt-get install zookeeper)"
	}
	return true, ""
}

// Server is one running ZooKeeper server process.
type Server struct {
	dir      string
	ownDir   bool
	cfgPath  string
	logPath  string
	addr     string
	args     []string
	opts     Options
	readyFn  func(addr string) error
	mu       sync.Mutex // guards cmd, exited
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the current process has been reaped
	logFile  *os.File
	closed   bool
	closeErr error
}

// Start starts a standalone ZooKeeper for the test and stops it, removing its
// files, when the test ends. It skips the test if ZooKeeper is not installed
// and fails it if the server does not start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s, err := Launch(opts)
	if err != nil {
		t.Fatalf("zkserver: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("zkserver: close: %v", err)
		}
	})
	return s
}

// Launch starts a standalone ZooKeeper and returns once it answers ruok with
// imok and serves requests (srvr reports its mode). The caller must Close it. A port that turns out to be taken between
// choosing and binding is retried with another.
func Launch(opts Options) (*Server, error) {
	if ok, why := Available(); !ok {
		return nil, errors.New(why)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := launchOnce(opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	return nil, lastErr
}

func launchOnce(opts Options) (*Server, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	dir, own := opts.Dir, false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "zkserver-"); err != nil {
			return nil, err
		}
		own = true
	}
	s, err := newServer(dir, own, opts, ports[0], nil, 0, func(addr string) error {
		out, err := FourLetter(addr, "ruok", time.Second)
		if err != nil {
			return err
		}
		if out != "imok" {
			return fmt.Errorf("ruok answered %q", out)
		}
		// ruok answers imok as soon as the port is open, before the
		// server serves requests; srvr tells the difference.
		_, err = Mode(addr, time.Second)
		return err
	})
	if err != nil {
		if own {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	if err := s.start(); err != nil {
		if own {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	return s, nil
}

// newServer writes the configuration of a server in dir. peers, if not nil,
// are the server.N lines of an ensemble and id is this member's myid.
func newServer(dir string, own bool, opts Options, port int, peers map[string]string, id int, ready func(string) error) (*Server, error) {
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	cfg := map[string]string{
		"tickTime":                strconv.FormatInt(opts.tick().Milliseconds(), 10),
		"initLimit":               "10",
		"syncLimit":               "5",
		"dataDir":                 dataDir,
		"clientPort":              strconv.Itoa(port),
		"clientPortAddress":       "127.0.0.1",
		"4lw.commands.whitelist":  "*",
		"extendedTypesEnabled":    "true",
		"admin.enableServer":      "false",
		"forceSync":               "yes",
		"maxClientCnxns":          "0",
		"autopurge.purgeInterval": "0",
	}
	if opts.MinSessionTimeout > 0 {
		cfg["minSessionTimeout"] = strconv.FormatInt(opts.MinSessionTimeout.Milliseconds(), 10)
	}
	if opts.MaxSessionTimeout > 0 {
		cfg["maxSessionTimeout"] = strconv.FormatInt(opts.MaxSessionTimeout.Milliseconds(), 10)
	}
	for k, v := range peers {
		cfg[k] = v
	}
	for k, v := range opts.Config {
		cfg[k] = v
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, cfg[k])
	}
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	if id > 0 {
		if err := os.WriteFile(filepath.Join(dataDir, "myid"), []byte(strconv.Itoa(id)+"\n"), 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "log4j.properties"), []byte(log4jProperties), 0o644); err != nil {
		return nil, err
	}

	cp := []string{dir, ServerJar}
	for _, j := range append(slices.Clone(LogJars), NettyJars...) {
		if _, err := os.Stat(j); err == nil {
			cp = append(cp, j)
		}
	}
	args := []string{
		"-Dzookeeper.log.dir=" + dir,
		"-Dzookeeper.root.logger=INFO,CONSOLE",
		"-Dlog4j.configuration=file:" + filepath.Join(dir, "log4j.properties"),
		"-Dzookeeper.jmx.log4j.disable=true",
		"-XX:+UseSerialGC",
		"-Xshare:auto",
	}
	if opts.SuperDigest != "" {
		args = append(args, "-Dzookeeper.DigestAuthenticationProvider.superDigest="+opts.SuperDigest)
	}
	if opts.ContainerCheckInterval > 0 {
		args = append(args, "-Dznode.container.checkIntervalMs="+strconv.FormatInt(opts.ContainerCheckInterval.Milliseconds(), 10))
	}
	args = append(args, opts.JVMFlags...)
	args = append(args, "-cp", strings.Join(cp, string(os.PathListSeparator)), mainClass, cfgPath)
	return &Server{
		dir:     dir,
		ownDir:  own,
		cfgPath: cfgPath,
		logPath: filepath.Join(dir, "server.log"),
		addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		args:    args,
		opts:    opts,
		readyFn: ready,
	}, nil
}

const log4jProperties = `log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
`

// start runs the process and waits until it is ready, the process exits, or
// the start timeout passes.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("zkserver: closed")
	}
	if s.cmd != nil {
		return errors.New("zkserver: already running")
	}
	lf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(JavaPath, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("zkserver: start java: %w", err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited, s.logFile = cmd, exited, lf
	go func() {
		// No lock here: start holds s.mu while it awaits readiness
		// and must see the exit.
		_ = cmd.Wait()
		lf.Close()
		close(exited)
	}()
	if err := s.awaitReady(exited); err != nil {
		s.killLocked()
		return fmt.Errorf("zkserver: %s did not start: %v\n--- last lines of %s ---\n%s", s.addr, err, s.logPath, s.LogTail(30))
	}
	return nil
}

// awaitReady polls the readiness check every 50ms until it passes, the
// process exits or the start timeout passes. Polling is the only way: the
// server announces readiness nowhere else.
func (s *Server) awaitReady(exited <-chan struct{}) error {
	deadline := time.NewTimer(s.opts.startTimeout())
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = s.readyFn(s.addr); last == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("process exited")
		case <-deadline.C:
			return fmt.Errorf("not ready after %v (last check: %v)", s.opts.startTimeout(), last)
		case <-tick.C:
		}
	}
}

// killLocked kills the current process by its pid and waits for it to be
// reaped. s.mu is held; the reaper goroutine takes it briefly, so it is
// released while waiting.
func (s *Server) killLocked() {
	cmd, exited := s.cmd, s.exited
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	s.mu.Unlock()
	<-exited
	s.mu.Lock()
	s.cmd = nil
}

// Addr returns the client address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// Dir returns the directory holding zoo.cfg, the data directory and the log.
func (s *Server) Dir() string { return s.dir }

// LogPath returns the path of the server's log.
func (s *Server) LogPath() string { return s.logPath }

// Pid returns the process id of the running server, or 0 if it is stopped.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// Stop kills the server process (SIGKILL, by its pid) and waits for it; its
// data stays, so Restart brings the same server back. Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

// Restart starts a stopped server again on the same port and data.
func (s *Server) Restart() error { return s.start() }

// Close stops the server and removes its temporary directory (unless
// Options.Dir named it). It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	s.killLocked()
	s.mu.Unlock()
	if s.ownDir {
		s.closeErr = os.RemoveAll(s.dir)
	}
	return s.closeErr
}

// freePorts returns n distinct free TCP ports on 127.0.0.1. The listeners are
// held until all are chosen, then released for the server to bind.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("zkserver: pick a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
