package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkembed/zkembed/api"
)

// BenchmarkClientVsGoZK compares this package's client with go-zookeeper/zk
// against the same zkembed server over loopback TCP: get and set of a
// 128-byte znode by 1 and by 64 concurrent callers sharing one session. It
// reports throughput (ops/s) and the 99th percentile latency (p99-µs).
func BenchmarkClientVsGoZK(b *testing.B) {
	ts := startServer(b, Options{})
	data := bytes.Repeat([]byte("z"), 128)
	for _, lib := range []string{"zkembed", "go-zookeeper"} {
		for _, op := range []string{"get", "set"} {
			for _, callers := range []int{1, 64} {
				b.Run(fmt.Sprintf("client=%s/op=%s/callers=%d", lib, op, callers), func(b *testing.B) {
					path := fmt.Sprintf("/bench-%s-%s-%d", lib, op, callers)
					var do func() error
					switch lib {
					case "zkembed":
						c := ts.client(b, "tcp", WithSessionTimeout(4*time.Second))
						ctx := context.Background()
						if _, err := c.Create(ctx, path, data, api.OpenACLUnsafe, api.ModePersistent); err != nil && !errors.Is(err, api.ErrNodeExists) {
							b.Fatal(err)
						}
						if op == "get" {
							do = func() error {
								d, _, err := c.Get(ctx, path)
								if err == nil && len(d) != len(data) {
									err = fmt.Errorf("got %d bytes", len(d))
								}
								return err
							}
						} else {
							do = func() error { _, err := c.Set(ctx, path, data, -1); return err }
						}
					default:
						zc, _, _ := ts.zkConn(b, "tcp")
						if _, err := zc.Create(path, data, 0, openACL); err != nil && !errors.Is(err, zk.ErrNodeExists) {
							b.Fatal(err)
						}
						if op == "get" {
							do = func() error {
								d, _, err := zc.Get(path)
								if err == nil && len(d) != len(data) {
									err = fmt.Errorf("got %d bytes", len(d))
								}
								return err
							}
						} else {
							do = func() error { _, err := zc.Set(path, data, -1); return err }
						}
					}
					runCallers(b, callers, do)
				})
			}
		}
	}
}

// runCallers runs b.N calls of do spread over callers goroutines and
// reports ops/s and the p99 latency.
func runCallers(b *testing.B, callers int, do func() error) {
	b.ReportAllocs()
	lat := make([][]time.Duration, callers)
	var wg sync.WaitGroup
	var failed sync.Once
	b.ResetTimer()
	start := time.Now()
	for g := range callers {
		n := b.N / callers
		if g < b.N%callers {
			n++
		}
		lat[g] = make([]time.Duration, 0, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				t0 := time.Now()
				if err := do(); err != nil {
					failed.Do(func() { b.Error(err) })
					return
				}
				lat[g] = append(lat[g], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op") // per-op time is misleading with many callers
}
