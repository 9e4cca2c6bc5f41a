//go:build linux

package diskfault

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const childEnv = "ZKEMBED_DISKFAULT_DIR"

// payload is the data of the i-th write.
func payload(i int) []byte {
	b := bytes.Repeat([]byte(fmt.Sprintf("%08d", i)), 512) // 4 KiB
	return b
}

func free(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// TestFullDiskChild is the child process: it prints one line per event
// for the parent.
func TestFullDiskChild(t *testing.T) {
	mnt := os.Getenv(childEnv)
	if mnt == "" {
		t.Skip("only runs as TestFullDisk's child process")
	}
	say := func(format string, a ...any) { fmt.Printf(format+"\n", a...) }
	ctx := context.Background()
	e, err := engine.Open(engine.Options{Dir: filepath.Join(mnt, "data"), BadgerMemTableSize: 1 << 20,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		say("OPENFAIL %v", err)
		return
	}
	c, err := e.Session(ctx)
	if err != nil {
		say("OPENFAIL %v", err)
		return
	}
	// The filler leaves about 3 MiB free beyond the engine's reserve
	// (Options.MinFreeDisk: 8 memtables of 1 MiB).
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		say("OPENFAIL %v", err)
		return
	}
	chunk := make([]byte, 64<<10)
	for free(mnt) > 11<<20 {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	say("FILLED free=%d", free(mnt))

	var failed []int
	var acked []int // indices acknowledged: a write may fail while the disk is low and later ones succeed
	for i := 0; i < 100000 && len(failed) < 5; i++ {
		_, err := c.Create(ctx, fmt.Sprintf("/n%d", i), payload(i), api.OpenACLUnsafe, api.ModePersistent)
		if err == nil {
			say("ACK %d", i)
			acked = append(acked, i)
			continue
		}
		say("FAIL %d code=%s err=%v", i, api.CodeOf(err).Name(), err)
		failed = append(failed, i)
	}
	if len(failed) == 0 {
		say("NEVERFULL")
		return
	}
	readsOK := 0
	for _, i := range acked {
		d, _, err := c.Get(ctx, fmt.Sprintf("/n%d", i))
		if err != nil || !bytes.Equal(d, payload(i)) {
			say("READFAIL %d %v", i, err)
			continue
		}
		readsOK++
	}
	say("READS %d/%d", readsOK, len(acked))
	if err := os.Remove(filler); err != nil {
		say("REMOVEFAIL %v", err)
		return
	}
	for i := 0; i < 100; i++ {
		p := fmt.Sprintf("/r%d", i)
		if _, err := c.Create(ctx, p, payload(i), api.OpenACLUnsafe, api.ModePersistent); err == nil {
			say("RESUMED %d", i)
			break
		} else {
			say("STILLFAIL %d %v", i, err)
		}
	}
	c.Close()
	say("CLOSED %v", e.Close())
}

func TestFullDisk(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=16m"); err != nil {
		t.Skipf("cannot mount a 16 MiB tmpfs (root needed): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestFullDiskChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+mnt)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []int
	var fails, events []string
	resumed, reads := false, ""
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		l := sc.Text()
		var i int
		switch {
		case strings.HasPrefix(l, "ACK "):
			fmt.Sscanf(l, "ACK %d", &i)
			acked = append(acked, i)
		case strings.HasPrefix(l, "FAIL "):
			fails = append(fails, l)
		case strings.HasPrefix(l, "READS "):
			reads = strings.TrimPrefix(l, "READS ")
		case strings.HasPrefix(l, "RESUMED "):
			resumed = true
		case strings.HasPrefix(l, "FILLED"), strings.HasPrefix(l, "CLOSED"), strings.HasPrefix(l, "STILLFAIL"),
			strings.HasPrefix(l, "OPENFAIL"), strings.HasPrefix(l, "NEVERFULL"), strings.HasPrefix(l, "READFAIL"), strings.HasPrefix(l, "REMOVEFAIL"):
			events = append(events, l)
		}
	}
	waitErr := cmd.Wait()
	crashed := ""
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			crashed = ws.Signal().String()
		} else if s := stderr.String(); strings.Contains(s, "SIGBUS") || strings.Contains(s, "fatal error") || strings.Contains(s, "panic:") {
			crashed = firstLine(s, "signal SIGBUS", "fatal error", "panic:")
		} else {
			crashed = waitErr.Error()
		}
	}
	t.Logf("child: %d writes acknowledged, %d failed, reads %q, resumed %v, events %q, crashed %q", len(acked), len(fails), reads, resumed, events, crashed)
	for _, f := range fails {
		t.Log(f)
	}

	// Whatever happened, what is on disk must open, be consistent, and
	// hold every acknowledged write. Make room first.
	os.Remove(filepath.Join(mnt, "filler"))
	e, err := engine.Open(engine.Options{Dir: filepath.Join(mnt, "data"), BadgerMemTableSize: 1 << 20, Clock: engine.NewManualClock(time.Now())})
	if err != nil {
		t.Fatalf("reopening the data directory after the full disk: %v", err)
	}
	if err := e.CheckInvariants(); err != nil {
		t.Errorf("invariants after the full disk: %v", err)
	}
	nodes := map[string][]byte{}
	e.Walk("/", func(n engine.Node) bool { nodes[n.Path] = n.Data; return true })
	for _, i := range acked {
		if d, ok := nodes[fmt.Sprintf("/n%d", i)]; !ok || !bytes.Equal(d, payload(i)) {
			t.Errorf("acknowledged /n%d: present %v", i, ok)
		}
	}
	if err := e.Close(); err != nil {
		t.Error(err)
	}
	if crashed != "" {
		t.Fatalf("the process died on a full disk (%s) instead of failing writes; %d acknowledged writes survived\nchild stderr (head):\n%s", crashed, len(acked), head(stderr.String(), 15))
	}
	if len(fails) == 0 {
		t.Fatalf("writes never failed on a full 16 MiB disk: %q", events)
	}
	for _, f := range fails {
		if !strings.Contains(f, "code=") || strings.Contains(f, "code=OK") {
			t.Errorf("a failed write without a ZooKeeper code: %s", f)
		}
	}
	if log := stderr.String(); !strings.Contains(log, "not enough free disk space") && !strings.Contains(log, "no space left on device") {
		t.Errorf("the engine logged no line naming the cause (no free disk space):\n%s", head(log, 20))
	}
	if len(acked) == 0 {
		t.Errorf("no write was acknowledged before the disk filled: %q", events)
	}
	if want := fmt.Sprintf("%d/%d", len(acked), len(acked)); reads != want {
		t.Errorf("reads on the full disk: %s, want %s", reads, want)
	}
	if !resumed {
		t.Errorf("writes did not resume once space returned: %q", events)
	}
}

func firstLine(s string, prefixes ...string) string {
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.Contains(l, p) {
				return strings.TrimSpace(l)
			}
		}
	}
	return ""
}

func head(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
