package hostile

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
)

// A znode name longer than Badger's 65,000-byte key limit is accepted by
// ZooKeeper (only jute.maxbuffer bounds a request); on a durable engine it
// must be stored, or refused alone with a ZooKeeper error, and the writes
// group-committed with it must not fail.
func TestLongNameOnDisk(t *testing.T) {
	eng := rig.OpenEngine(t, engine.Options{Dir: t.TempDir(), NoSync: true})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8*300)
	for g := range 8 {
		wg.Go(func() {
			c, err := eng.Session(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for i := range 300 {
				if _, err := c.Create(ctx, "/g"+string(rune('a'+g))+"-"+strings.Repeat("x", i), nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
					errs <- err
				}
			}
		})
	}
	c, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 50 {
		long := "/" + strings.Repeat("n", 70000+i)
		if _, err := c.Create(ctx, long, []byte("l"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Errorf("create a %d-byte name: %v (ZooKeeper accepts it)", len(long), err)
			break
		}
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 3 {
			t.Errorf("a small create beside the long names failed: %v", err)
		}
	}
	if n > 0 {
		t.Errorf("%d small creates failed", n)
	}
}
