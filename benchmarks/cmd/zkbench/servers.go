package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/zkembed/zkembed/internal/diskusage"
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
// then the binary serves. It fails, saying why, if cmd/zkembed does not
// build.
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

// startZkembed starts the zkembed binary durable on disk, with a fresh data
// directory under workDir, listening on a loopback port it picks itself, and
// returns once it serves: zkembed prints its address on stdout right after it
// starts listening, so no polling is needed.
func startZkembed(ctx context.Context, bin, workDir string) (Server, error) {
	dir, err := os.MkdirTemp(workDir, "zkembed-")
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(bin, zkembedArgs(dataDir)...)
	cmd.Dir = dir
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	killWithParent(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	addrc := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			addrc <- strings.TrimSpace(sc.Text())
		}
		io.Copy(io.Discard, stdout) // keep the pipe drained until exit
		cmd.Wait()
		logf.Close()
		close(exited)
	}()
	p := &procServer{cmd: cmd, exited: exited, dir: dir, dataDir: dataDir}
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case p.addr = <-addrc:
		return p, nil
	case <-exited:
		err = errors.New("process exited")
	case <-ctx.Done():
		err = ctx.Err()
	case <-timeout.C:
		err = errors.New("no address printed after 30s")
	}
	p.Close()
	return nil, fmt.Errorf("zkembed did not start: %v (log: %s)", err, filepath.Join(dir, "server.log"))
}

// zkembedArgs is the zkembed command line: durable in dataDir, the tick and
// connection limit of the Apache configuration, a port of its choosing.
func zkembedArgs(dataDir string) []string {
	return []string{"--addr", "127.0.0.1:0", "--data", dataDir, "--tick-time", "2000", "--max-client-cnxns", "0"}
}

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
			n += diskusage.Allocated(info) // preallocated logs are sparse
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
