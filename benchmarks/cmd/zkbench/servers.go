package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zkembed/zkembed/internal/zkserver"
)

// Server is one running server under test.
type Server interface {
	// Addr returns its client address, host:port.
	Addr() string
	// Pid returns its process id, or 0 if it is not a child of ours (an
	// external --target), in which case footprint figures are skipped.
	Pid() int
	// DataDir returns the directory holding its durable state, or "".
	DataDir() string
	// Close stops it and removes its files.
	Close() error
}

// Target is a server kind the tool compares: how to start a fresh one.
type Target struct {
	// Name labels the target's columns.
	Name string
	// Start starts a fresh, empty server and returns once it serves; nil
	// for an external target, which is already running at Addr.
	Start func(ctx context.Context) (Server, error)
	// Addr is an external target's address.
	Addr string
}

// apacheTarget is Apache ZooKeeper 3.8 from Debian, standalone, durable
// (forceSync=yes, data on disk in a temporary directory), started through
// internal/zkserver with the JVM's default collector, as Debian's
// zkServer.sh runs it.
func apacheTarget() (Target, error) {
	if ok, why := zkserver.Available(); !ok {
		return Target{}, errors.New(why)
	}
	return Target{Name: "apache", Start: func(ctx context.Context) (Server, error) {
		s, err := zkserver.Launch(zkserver.Options{
			TickTime: 2 * time.Second, // zoo.cfg's and Debian's default
			Config: map[string]string{
				"forceSync":      "yes",
				"maxClientCnxns": "0", // the watch workload opens 1,001 sessions
			},
			// zkserver picks the serial collector for quick test starts;
			// zkServer.sh passes no collector flag, so the JVM picks G1.
			JVMFlags: []string{"-XX:-UseSerialGC", "-XX:+UseG1GC"},
		})
		if err != nil {
			return nil, err
		}
		return apacheServer{s}, nil
	}}, nil
}

type apacheServer struct{ *zkserver.Server }

func (s apacheServer) DataDir() string { return filepath.Join(s.Dir(), "data") }

// zkembedTarget is zkembed's server, durable on disk, run as a subprocess
// (so its RSS is its own): `go build ./cmd/zkembed` from the module root,
// then the binary serves a zoo.cfg like Apache's. It fails, saying why,
// until cmd/zkembed builds and serves.
func zkembedTarget(ctx context.Context, workDir string) (Target, error) {
	bin, err := buildZkembed(ctx, workDir)
	if err != nil {
		return Target{}, err
	}
	return Target{Name: "zkembed", Start: func(ctx context.Context) (Server, error) {
		return startZkembed(ctx, bin, workDir)
	}}, nil
}

// buildZkembed builds cmd/zkembed into dir and returns the binary's path.
func buildZkembed(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "zkembed")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/zkembed")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("zkembed unavailable: go build ./cmd/zkembed failed: %v: %s", err, firstLine(string(out)))
	}
	return bin, nil
}

// startZkembed starts the zkembed binary on a free loopback port with a
// fresh data directory under workDir, and returns once a session can be
// opened and served.
//
// TODO(zkembed server): cmd/zkembed does not serve yet; when it does, put its
// real command line in zkembedArgs (zoo.cfg with dataDir and clientPort, as
// for Apache, is the intended interface).
func startZkembed(ctx context.Context, bin, workDir string) (Server, error) {
	dir, err := os.MkdirTemp(workDir, "zkembed-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nforceSync=yes\nmaxClientCnxns=0\n4lw.commands.whitelist=*\n", dataDir, port)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(bin, zkembedArgs(cfgPath)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(exited)
	}()
	p := &procServer{cmd: cmd, exited: exited, dir: dir, dataDir: dataDir,
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	if err := awaitTCP(ctx, p.addr, exited, 30*time.Second); err != nil {
		p.Close()
		return nil, fmt.Errorf("zkembed did not start: %v", err)
	}
	return p, nil
}

// zkembedArgs is the zkembed command line serving the zoo.cfg at cfgPath.
func zkembedArgs(cfgPath string) []string { return []string{"serve", cfgPath} }

// procServer is a server subprocess we started.
type procServer struct {
	cmd          *exec.Cmd
	exited       chan struct{}
	dir, dataDir string
	addr         string
}

func (p *procServer) Addr() string    { return p.addr }
func (p *procServer) Pid() int        { return p.cmd.Process.Pid }
func (p *procServer) DataDir() string { return p.dataDir }

// Close kills the process by its pid, waits for it and removes its files.
func (p *procServer) Close() error {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Kill()
		<-p.exited
	}
	return os.RemoveAll(p.dir)
}

// externalServer is a --target server somebody else runs.
type externalServer struct{ addr string }

func (e externalServer) Addr() string    { return e.addr }
func (e externalServer) Pid() int        { return 0 }
func (e externalServer) DataDir() string { return "" }
func (e externalServer) Close() error    { return nil }

// awaitTCP polls addr every millisecond until it accepts a connection, the
// process exits, ctx ends or limit passes. Polling is the only way to learn
// that another process listens; the short interval keeps the start-up time
// measured to the millisecond.
func awaitTCP(ctx context.Context, addr string, exited <-chan struct{}, limit time.Duration) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%s not listening after %v: %v", addr, limit, err)
		case <-tick.C:
		}
	}
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// moduleRoot returns the directory of the zkembed module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the zkembed module (run zkbench from the repository)")
	}
	return filepath.Dir(gomod), nil
}

// rssBytes returns the resident set size of process pid (VmRSS of
// /proc/<pid>/status).
func rssBytes(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) != 2 || fields[1] != "kB" {
				return 0, fmt.Errorf("unexpected VmRSS line %q", line)
			}
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

// diskBytes returns the bytes allocated to the regular files under dir.
func diskBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512 // allocated, as du counts: preallocated logs are sparse
			} else {
				n += info.Size()
			}
		}
		return nil
	})
	return n, err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
