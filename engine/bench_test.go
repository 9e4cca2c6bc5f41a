package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/proc"
)

// benchEngine opens an engine in memory ("mem") or durable on disk ("disk").
func benchEngine(b *testing.B, kind string) *Engine {
	b.Helper()
	o := Options{}
	if kind == "disk" {
		o.Dir = b.TempDir()
	}
	e, err := Open(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// runSessions splits b.N operations over n direct sessions running at once.
func runSessions(b *testing.B, e *Engine, n int, setup func(g int, c *Client), op func(g, i int, c *Client) error) {
	b.Helper()
	ctx := context.Background()
	cs := make([]*Client, n)
	for g := range cs {
		c, err := e.Session(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[g] = c
		if setup != nil {
			setup(g, c)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := range n {
		count := b.N / n
		if g < b.N%n {
			count++
		}
		wg.Go(func() {
			for i := range count {
				if err := op(g, i, cs[g]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

var payload = make([]byte, 100)

func BenchmarkGet(b *testing.B) {
	for _, kind := range []string{"mem", "disk"} {
		for _, n := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/sessions=%d", kind, n), func(b *testing.B) {
				e := benchEngine(b, kind)
				ctx := context.Background()
				runSessions(b, e, n, func(g int, c *Client) {
					if _, err := c.Create(ctx, fmt.Sprintf("/g%d", g), payload, api.OpenACLUnsafe, api.ModePersistent); err != nil {
						b.Fatal(err)
					}
				}, func(g, i int, c *Client) error {
					d, _, err := c.Get(ctx, fmt.Sprintf("/g%d", g))
					if err == nil && len(d) != len(payload) {
						err = fmt.Errorf("got %d bytes", len(d))
					}
					return err
				})
			})
		}
	}
}

func BenchmarkSet(b *testing.B) {
	for _, kind := range []string{"mem", "disk"} {
		for _, n := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/sessions=%d", kind, n), func(b *testing.B) {
				e := benchEngine(b, kind)
				ctx := context.Background()
				runSessions(b, e, n, func(g int, c *Client) {
					if _, err := c.Create(ctx, fmt.Sprintf("/s%d", g), payload, api.OpenACLUnsafe, api.ModePersistent); err != nil {
						b.Fatal(err)
					}
				}, func(g, i int, c *Client) error {
					st, err := c.Set(ctx, fmt.Sprintf("/s%d", g), payload, int32(i))
					if err == nil && st.Version != int32(i+1) {
						err = fmt.Errorf("version %d after set %d", st.Version, i)
					}
					return err
				})
			})
		}
	}
}

func BenchmarkCreate(b *testing.B) {
	for _, kind := range []string{"mem", "disk"} {
		for _, n := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/sessions=%d", kind, n), func(b *testing.B) {
				e := benchEngine(b, kind)
				ctx := context.Background()
				runSessions(b, e, n, func(g int, c *Client) {
					if _, err := c.Create(ctx, fmt.Sprintf("/c%d", g), nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
						b.Fatal(err)
					}
				}, func(g, i int, c *Client) error {
					p := fmt.Sprintf("/c%d/n%d", g, i)
					got, err := c.Create(ctx, p, payload, api.OpenACLUnsafe, api.ModePersistent)
					if err == nil && got != p {
						err = fmt.Errorf("created %s, want %s", got, p)
					}
					return err
				})
			})
		}
	}
}

// BenchmarkMemoryPerZnode reports the heap each znode of 100 bytes costs.
func BenchmarkMemoryPerZnode(b *testing.B) {
	const n = 100_000
	for range b.N {
		e, err := Open(Options{})
		if err != nil {
			b.Fatal(err)
		}
		c, err := e.Session(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		fill(b, c, n)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/znode")
		c.Close()
		e.Close()
	}
}

// fill creates n znodes of 100 bytes under /fill, 64 writers at once.
func fill(tb testing.TB, c api.Client, n int) {
	ctx := context.Background()
	c.Create(ctx, "/fill", nil, api.OpenACLUnsafe, api.ModePersistent)
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := g; i < n; i += 64 {
				if _, err := c.Create(ctx, fmt.Sprintf("/fill/%07d", i), payload, api.OpenACLUnsafe, api.ModePersistent); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkReopen1M fills a store with 1M znodes of 100 B and reports how
// long Open takes on it, the heap it then holds and the bytes on disk:
// "clean" after Close, "unclean" after the process that filled it was
// killed (SIGKILL) without closing, so Badger replays its write-ahead logs.
// It is slow to set up: run it with -benchtime=1x.
func BenchmarkReopen1M(b *testing.B) {
	const n = 1_000_000
	for _, kind := range []string{"clean", "unclean"} {
		b.Run(kind, func(b *testing.B) {
			dir := b.TempDir()
			start := time.Now()
			if kind == "clean" {
				e, err := Open(Options{Dir: dir, NoSync: true})
				if err != nil {
					b.Fatal(err)
				}
				c, _ := e.Session(context.Background())
				fill(b, c, n)
				c.Close()
				e.Close()
			} else {
				fillAndKill(b, dir, n)
			}
			b.Logf("filled %d znodes in %v", n, time.Since(start))
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				// Each reopen of the unclean store starts from the killed
				// state, not from the previous reopen's clean close.
				d := dir
				if kind == "unclean" && b.N > 1 {
					d = b.TempDir()
					if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				e, err := Open(Options{Dir: d})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "reopen-ms")
				b.StopTimer()
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
				if rss, err := proc.RSS(os.Getpid()); err == nil {
					b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
				}
				b.ReportMetric(float64(e.Stats().DataDirSize)/(1<<20), "disk-MiB")
				if got := e.tree.countDescendants("/fill"); got != n {
					b.Fatalf("reopened with %d znodes, want %d", got, n)
				}
				e.Close()
				b.StartTimer()
			}
		})
	}
}

// fillAndKill runs this test binary as a child that fills dir with n
// znodes and reports it, and kills it there.
func fillAndKill(b *testing.B, dir string, n int) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestFillChildProcess$", "-test.count=1")
	if w := os.Getenv("ZKEMBED_TEST_EXEC_WRAPPER"); w != "" {
		cmd = exec.Command(w, append([]string{exe}, cmd.Args[1:]...)...)
	}
	cmd.Env = append(os.Environ(), fillChildEnv+"="+dir, fillChildCountEnv+"="+strconv.Itoa(n))
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Kill()
	cmd.Wait()
	if strings.TrimSpace(line) != "filled" {
		b.Fatalf("fill child: %q", line)
	}
}

const (
	fillChildEnv      = "ZKEMBED_FILL_CHILD_DIR"
	fillChildCountEnv = "ZKEMBED_FILL_CHILD_COUNT"
)

// TestFillChildProcess is BenchmarkReopen1M's child: it fills a store,
// says so and waits to be killed.
func TestFillChildProcess(t *testing.T) {
	dir := os.Getenv(fillChildEnv)
	if dir == "" {
		t.Skip("only runs as BenchmarkReopen1M's child process")
	}
	n, _ := strconv.Atoi(os.Getenv(fillChildCountEnv))
	e, err := Open(Options{Dir: dir, NoSync: true})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	c, _ := e.Session(context.Background())
	fill(t, c, n)
	fmt.Println("filled")
	select {}
}

// BenchmarkChildren100k reports the cost of getChildren on a znode with
// 100,000 children.
func BenchmarkChildren100k(b *testing.B) {
	e := benchEngine(b, "mem")
	ctx := context.Background()
	c, err := e.Session(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	fill(b, c, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		kids, _, err := c.Children(ctx, "/fill")
		if err != nil || len(kids) != 100_000 {
			b.Fatalf("%d children, %v", len(kids), err)
		}
	}
}

// BenchmarkSessions10k reports the memory of 10,000 sessions that each hold
// an ephemeral and a watch, and how long it takes for all of them to
// expire (virtual time, so only the engine's work is timed).
func BenchmarkSessions10k(b *testing.B) {
	const n = 10_000
	for range b.N {
		clock := NewManualClock(epoch)
		e, err := Open(Options{Clock: clock})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		c, _ := e.Session(ctx)
		c.Create(ctx, "/e", nil, api.OpenACLUnsafe, api.ModePersistent)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ss := make([]api.ServerSession, n)
		for i := range ss {
			s, err := e.OpenSession(api.SessionParams{Timeout: 10 * time.Second}, func(api.Event) {})
			if err != nil {
				b.Fatal(err)
			}
			ch := make(chan api.Response, 1)
			s.Do(&api.CreateRequest{Path: fmt.Sprintf("/e/%d", i), ACL: api.OpenACLUnsafe, Mode: api.ModeEphemeral}, func(r api.Response) { ch <- r })
			if r := <-ch; r.Err != nil {
				b.Fatal(r.Err)
			}
			s.Do(&api.GetDataRequest{Path: "/e", Watch: true}, func(r api.Response) { ch <- r })
			<-ch
			ss[i] = s
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/session")
		for _, s := range ss {
			s.Detach()
		}
		clock.Advance(11 * time.Second)
		start := time.Now()
		if err := e.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "expire-all-ms")
		if kids, _, _ := c.Children(ctx, "/e"); len(kids) != 0 {
			b.Fatalf("%d ephemerals left after expiry", len(kids))
		}
		c.Close()
		e.Close()
	}
}
