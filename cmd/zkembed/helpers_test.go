package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

// binPath is the zkembed binary built once for the test run by TestMain.
var binPath string

// buildBinary builds zkembed into dir.
func buildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "zkembed")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader,
// which can wait for what it expects.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // gets a value after each Write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

// waitFor returns the first match of re in the buffer, waiting up to 30s
// for one to be written; nil if none came.
func (s *syncBuffer) waitFor(re *regexp.Regexp) []string {
	timeout := time.After(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(s.String()); m != nil {
			return m
		}
		select {
		case <-s.changed:
		case <-timeout:
			return nil
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a zkembed serve process.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{}
	code   int
}

// startServe runs zkembed with args in dir (a new temporary directory if
// empty) and waits for the address on its first line of output. The
// process gets SIGTERM when the test ends.
func startServe(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	p, err := launch(t, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func launch(t *testing.T, dir string, args ...string) (*proc, error) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	p := &proc{t: t, cmd: cmd, stderr: newSyncBuffer(), exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, out)
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop() })
	select {
	case line, ok := <-lines:
		if !ok {
			<-p.exited
			return p, errors.New("zkembed exited before serving; stderr:\n" + p.stderr.String())
		}
		p.addr = strings.TrimSpace(line)
		return p, nil
	case <-time.After(30 * time.Second):
		return p, errors.New("zkembed printed no address within 30s; stderr:\n" + p.stderr.String())
	}
}

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Signal(sig)
	}
}

// stop sends SIGTERM and returns the exit status.
func (p *proc) stop() int {
	p.signal(syscall.SIGTERM)
	return p.wait()
}

// wait returns the exit status once the process has exited.
func (p *proc) wait() int {
	select {
	case <-p.exited:
		return p.code
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		p.t.Errorf("zkembed did not exit within 30s of SIGTERM; stderr:\n%s", p.stderr.String())
		return -1
	}
}

// result is a finished CLI command.
type result struct {
	out, err string
	code     int
}

// zk runs a zkembed client command with args and stdin.
func zk(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, strings.NewReader(stdin)
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("zkembed %q: %v", args, err)
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// mustZK runs a command that must succeed and returns its output.
func mustZK(t *testing.T, args ...string) string {
	t.Helper()
	r := zk(t, "", args...)
	if r.code != 0 {
		t.Fatalf("zkembed %q: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.out, r.err)
	}
	return r.out
}

// dial opens a wire session to addr for the test.
func dial(t *testing.T, addr string, opts ...transport.ClientOption) *transport.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := transport.Dial(ctx, addr, append([]transport.ClientOption{transport.WithSessionTimeout(10 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// snapshot is a tree as seen by a client: path -> data and ACL, without
// /zookeeper and ephemerals.
type snapshot map[string]string

// takeSnapshot walks root on c.
func takeSnapshot(t *testing.T, c api.Client, root string) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{}
	var walk func(p string)
	walk = func(p string) {
		data, st, err := c.Get(ctx, p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		if st.EphemeralOwner != 0 {
			return
		}
		acl, _, err := c.GetACL(ctx, p)
		if err != nil {
			t.Fatalf("getacl %s: %v", p, err)
		}
		var as []string
		for _, a := range acl {
			as = append(as, a.Scheme+":"+a.ID+":"+a.Perms.String())
		}
		s[p] = string(data) + " | " + strings.Join(as, ",")
		kids, _, err := c.Children(ctx, p)
		if err != nil {
			t.Fatalf("children %s: %v", p, err)
		}
		for _, k := range kids {
			cp := strings.TrimSuffix(p, "/") + "/" + k
			if cp == "/zookeeper" {
				continue
			}
			walk(cp)
		}
	}
	walk(root)
	return s
}
