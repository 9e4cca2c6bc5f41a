package engine

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

// The crash test runs this test binary as a child that writes durably and
// prints a line for every write acknowledged to it; the parent kills it with
// SIGKILL mid-stream, reopens the store and checks every acknowledged write.
const crashChildEnv = "ZKEMBED_CRASH_CHILD_DIR"

func TestCrashChildProcess(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as the crash test's child process")
	}
	runCrashChild(dir)
}

func runCrashChild(dir string) {
	ctx := context.Background()
	// Small memtables put values over 157 KB in Badger's value log.
	e, err := Open(Options{Dir: dir, BadgerMemTableSize: 1 << 20})
	if err != nil {
		fmt.Println("ERR open", err)
		os.Exit(2)
	}
	c, err := e.Session(ctx)
	if err != nil {
		fmt.Println("ERR session", err)
		os.Exit(2)
	}
	for _, p := range []string{"/k", "/m", "/v"} {
		c.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent)
	}
	var mu sync.Mutex
	ack := func(format string, a ...any) {
		mu.Lock()
		fmt.Printf(format+"\n", a...)
		mu.Unlock()
	}
	gen := strconv.FormatInt(time.Now().UnixNano(), 36)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			s, err := e.Session(ctx)
			if err != nil {
				return
			}
			counter := fmt.Sprintf("/v/%s-%d", gen, g)
			if _, err := s.Create(ctx, counter, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
				return
			}
			data := make([]byte, 100)
			if g == 0 {
				data = make([]byte, 200<<10) // large values cross Badger's value log
			}
			for i := 0; ; i++ {
				switch i % 3 {
				case 0:
					p := fmt.Sprintf("/k/%s-%d-%d", gen, g, i)
					_, st, err := s.Create2(ctx, p, data, api.OpenACLUnsafe, api.ModePersistent, 0)
					if err == nil {
						ack("C %s %d", p, st.Czxid)
					}
				case 1:
					st, err := s.Set(ctx, counter, data, int32(i/3))
					if err == nil {
						ack("S %s %d %d", counter, st.Version, st.Mzxid)
					}
				case 2:
					a := fmt.Sprintf("/m/%s-%d-%d-a", gen, g, i)
					_, err := s.Multi(ctx,
						&api.CreateRequest{Path: a, ACL: api.OpenACLUnsafe},
						&api.CreateRequest{Path: a[:len(a)-1] + "b", ACL: api.OpenACLUnsafe})
					if err == nil {
						ack("M %s", a)
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test is not short")
	}
	cycles := 12
	if n, err := strconv.Atoi(os.Getenv("ZKEMBED_CRASH_CYCLES")); err == nil && n > 0 {
		cycles = n
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	acked := map[string]string{} // path → what must hold
	var lastZxid api.Zxid
	for cycle := range cycles {
		args := []string{"-test.run=^TestCrashChildProcess$", "-test.count=1"}
		cmd := exec.Command(exe, args...)
		if w := os.Getenv("ZKEMBED_TEST_EXEC_WRAPPER"); w != "" {
			// Under qemu-user without binfmt_misc the child must be
			// started through the emulator too.
			cmd = exec.Command(w, append([]string{exe}, args...)...)
		}
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1<<16)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let it write for a while: wait for some acknowledgements, then a
		// random moment more.
		deadline := time.After(10 * time.Second)
		seen := 0
		for seen < 20 {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("cycle %d: child exited early", cycle)
				}
				record(t, acked, l)
				seen++
			case <-deadline:
				t.Fatalf("cycle %d: child acknowledged only %d writes in 10s", cycle, seen)
			}
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for l := range lines {
			record(t, acked, l)
		}
		cmd.Wait()

		e, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatalf("cycle %d: reopen: %v", cycle, err)
		}
		if err := e.CheckInvariants(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		if e.LastZxid() < lastZxid {
			t.Fatalf("cycle %d: zxid went back from %d to %d", cycle, lastZxid, e.LastZxid())
		}
		lastZxid = e.LastZxid()
		verifyAcked(t, e, acked, cycle)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d kill cycles, %d acknowledged writes checked", cycles, len(acked))
}

func record(t *testing.T, acked map[string]string, l string) {
	f := strings.Fields(l)
	switch f[0] {
	case "C":
		acked[f[1]] = "exists"
	case "S":
		v, _ := strconv.Atoi(f[2])
		if cur := acked[f[1]]; cur != "" {
			old, _ := strconv.Atoi(strings.TrimPrefix(cur, "version>="))
			if old > v {
				return
			}
		}
		acked[f[1]] = "version>=" + strconv.Itoa(v)
	case "M":
		acked[f[1]] = "multi"
	default:
		t.Fatalf("child: %s", l)
	}
}

func verifyAcked(t *testing.T, e *Engine, acked map[string]string, cycle int) {
	e.treeMu.RLock()
	defer e.treeMu.RUnlock()
	for p, want := range acked {
		n := e.tree.get(p)
		switch {
		case n == nil:
			t.Fatalf("cycle %d: acknowledged %s (%s) lost", cycle, p, want)
		case strings.HasPrefix(want, "version>="):
			v, _ := strconv.Atoi(strings.TrimPrefix(want, "version>="))
			if int(n.stat.Version) < v {
				t.Fatalf("cycle %d: %s at version %d, acknowledged %d", cycle, p, n.stat.Version, v)
			}
		}
	}
	// No multi half applied, acknowledged or not.
	for name := range e.tree.nodes["/m"].children {
		other := name[:len(name)-1] + map[byte]string{'a': "b", 'b': "a"}[name[len(name)-1]]
		if _, ok := e.tree.nodes["/m"].children[other]; !ok {
			t.Fatalf("cycle %d: multi half applied: /m/%s without /m/%s", cycle, name, other)
		}
	}
}
