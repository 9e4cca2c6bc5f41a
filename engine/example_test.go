package engine_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
)

// An in-memory engine and a direct session: every ZooKeeper operation, no
// serialization, no sockets.
func Example() {
	ctx := context.Background()
	e, err := engine.Open(engine.Options{}) // Options{Dir: "data"} for durable storage
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	c, err := e.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if _, err := c.Create(ctx, "/config", []byte("v1"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		log.Fatal(err)
	}
	data, stat, events, err := c.GetW(ctx, "/config")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s version %d\n", data, stat.Version)

	if _, err := c.Set(ctx, "/config", []byte("v2"), stat.Version); err != nil {
		log.Fatal(err)
	}
	ev := <-events
	fmt.Println(ev.Type, ev.Path)
	// Output:
	// v1 version 0
	// NodeDataChanged /config
}

// Sequential ephemeral znodes: the building block of locks and elections.
func ExampleClient_Create() {
	ctx := context.Background()
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	c, _ := e.Session(ctx)
	defer c.Close()

	c.Create(ctx, "/election", nil, api.OpenACLUnsafe, api.ModePersistent)
	for range 2 {
		name, err := c.Create(ctx, "/election/candidate-", nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name)
	}
	// Output:
	// /election/candidate-0000000000
	// /election/candidate-0000000001
}

// Virtual time: with a ManualClock nothing expires until the clock moves
// and Tick runs, so expiry tests never sleep.
func ExampleEngine_Tick() {
	ctx := context.Background()
	clock := engine.NewManualClock(time.Unix(0, 0))
	e, _ := engine.Open(engine.Options{Clock: clock})
	defer e.Close()
	c, _ := e.Session(ctx)
	defer c.Close()

	c.Create2(ctx, "/lease", nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, 30*time.Second)
	clock.Advance(2 * time.Minute) // past the TTL and the container check interval
	if err := e.Tick(ctx); err != nil {
		log.Fatal(err)
	}
	st, _ := c.Exists(ctx, "/lease")
	fmt.Println("exists after its TTL:", st != nil)
	// Output:
	// exists after its TTL: false
}
