package crash

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the zkembed executable under test (set by TestMain).
var binary string

// proc is one run of the zkembed binary.
type proc struct {
	cmd  *exec.Cmd
	addr string
	log  string // its stderr file
	done chan error
}

// serverArgs are the flags of every run: 100 ms ticks so short sessions
// expire quickly, long sessions allowed for the clients that reconnect, no
// per-IP limit (every client is on 127.0.0.1), and fsync on (the default).
func serverArgs(addr, dir string) []string {
	return []string{"serve", "--addr", addr, "--data", dir,
		"--tick-time", "100", "--min-session-timeout", "200", "--max-session-timeout", "20000",
		"--max-client-cnxns", "0", "--log-level", "warn", "--shutdown-timeout", "5s"}
}

// startProc starts zkembed on addr (port 0 picks one) and returns once it
// printed the address it serves. A busy port (the previous run's socket not
// yet released) is retried a few times.
func startProc(t *testing.T, dir, addr string, run int) *proc {
	t.Helper()
	var lastErr error
	for attempt := range 20 {
		p, err := tryStart(dir, addr, run, attempt)
		if err == nil {
			return p
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
		time.Sleep(50 * time.Millisecond) // the kernel releases the port on its own schedule
	}
	t.Fatalf("starting zkembed (run %d): %v", run, lastErr)
	return nil
}

func tryStart(dir, addr string, run, attempt int) (*proc, error) {
	logPath := filepath.Join(filepath.Dir(dir), fmt.Sprintf("zkembed-%03d-%d.log", run, attempt))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(binary, serverArgs(addr, dir)...)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, log: logPath, done: make(chan error, 1)}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		for sc.Scan() {
		}
		p.done <- cmd.Wait()
	}()
	select {
	case line, ok := <-first:
		if ok && line != "" {
			p.addr = strings.TrimSpace(line)
			return p, nil
		}
		err := <-p.done
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("exited before serving (%v): %s", err, b)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-p.done
		return nil, fmt.Errorf("printed no address in 30s")
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			b, _ := os.ReadFile(p.log)
			t.Errorf("zkembed exited with %v after SIGTERM:\n%s", err, b)
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("zkembed did not stop within 30s of SIGTERM")
	}
}
