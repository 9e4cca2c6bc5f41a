package hostile

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/jute"
	"github.com/zkembed/zkembed/transport"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// maxData is the engine's data limit in these tests, below the frame limit
// so that oversize data reaches the engine.
const maxData = 4096

var openACL = []jute.ACL{{Perms: int32(api.PermAll), ID: jute.Id{Scheme: "world", ID: "anyone"}}}

// target is an in-memory engine served on TCP, with a second session (over
// the wire) that must carry on whatever the hostile client does.
type target struct {
	eng   *engine.Engine
	srv   *rig.Server
	other api.Client
}

func newTarget(t testing.TB, opts transport.Options) *target {
	t.Helper()
	return newTargetWith(t, engine.Options{MaxDataSize: maxData}, opts)
}

func newTargetWith(t testing.TB, eopts engine.Options, opts transport.Options) *target {
	t.Helper()
	eng := rig.OpenEngine(t, eopts)
	srv := rig.StartServer(t, eng, opts)
	other := srv.Dial(t)
	if _, err := other.Create(context.Background(), "/keep", []byte("k"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	return &target{eng: eng, srv: srv, other: other}
}

// carriesOn checks the second session still reads and writes.
func (tg *target) carriesOn(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if d, _, err := tg.other.Get(ctx, "/keep"); err != nil || string(d) != "k" {
		t.Fatalf("other session after bad input: get %q, %v", d, err)
	}
	if _, err := tg.other.Set(ctx, "/keep", []byte("k"), -1); err != nil {
		t.Fatalf("other session after bad input: set: %v", err)
	}
}

// linesFor returns the log lines at INFO or above about the connection
// from remote.
func linesFor(logs *rig.Logs, from int, remote string) []string {
	var out []string
	for _, l := range logs.Since(from) {
		// The server writes the address as Java does, "/127.0.0.1:port".
		if (strings.Contains(l, remote+" ") || strings.HasSuffix(l, remote)) && !strings.Contains(l, "level=DEBUG") {
			out = append(out, l)
		}
	}
	return out
}

// totalAlloc returns the bytes allocated by the process so far.
func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}
