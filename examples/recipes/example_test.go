package recipes_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/examples/recipes"
)

// session opens a direct session on an in-memory engine; a go-zookeeper
// client or any other api.Client works the same.
func session(e *engine.Engine) api.Client {
	c, err := e.Session(context.Background())
	if err != nil {
		panic(err)
	}
	return c
}

func ExampleMutex() {
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	ctx := context.Background()
	a, b := session(e), session(e)
	defer a.Close()
	defer b.Close()

	ma, mb := recipes.NewMutex(a, "/locks/report"), recipes.NewMutex(b, "/locks/report")
	ma.Lock(ctx)
	fmt.Println("a holds the lock")
	done := make(chan struct{})
	go func() {
		mb.Lock(ctx)
		fmt.Println("b holds the lock")
		mb.Unlock(ctx)
		close(done)
	}()
	ma.Unlock(ctx)
	<-done
	// Output:
	// a holds the lock
	// b holds the lock
}

func ExampleElection() {
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	ctx := context.Background()
	a, b := session(e), session(e)
	defer b.Close()

	recipes.NewElection(a, "/election", "node-a").Campaign(ctx)
	won := make(chan struct{})
	go func() {
		recipes.NewElection(b, "/election", "node-b").Campaign(ctx)
		close(won)
	}()
	leader, _ := recipes.Leader(ctx, b, "/election")
	fmt.Println("leader:", leader)
	a.Close() // the leader's session ends: its successor takes over
	<-won
	leader, _ = recipes.Leader(ctx, b, "/election")
	fmt.Println("leader:", leader)
	// Output:
	// leader: node-a
	// leader: node-b
}

func ExampleBarrier() {
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	ctx := context.Background()
	workers := make(chan string, 3)
	for _, name := range []string{"w1", "w2", "w3"} {
		go func() {
			c := session(e)
			defer c.Close()
			b := recipes.NewBarrier(c, "/barrier/round-1", 3)
			b.Enter(ctx) // returns once all three have entered
			b.Leave(ctx) // returns once all three have left
			workers <- name
		}()
	}
	for range 3 {
		<-workers
	}
	fmt.Println("all three went through the barrier together")
	// Output: all three went through the barrier together
}

func ExampleQueue() {
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	ctx := context.Background()
	producer, consumer := session(e), session(e)
	defer producer.Close()
	defer consumer.Close()

	q := recipes.NewQueue(producer, "/jobs")
	for _, job := range []string{"resize", "upload", "notify"} {
		q.Put(ctx, []byte(job))
	}
	cq := recipes.NewQueue(consumer, "/jobs")
	for range 3 {
		job, _ := cq.Take(ctx)
		fmt.Println(string(job))
	}
	// Output:
	// resize
	// upload
	// notify
}

func ExampleWatchConfig() {
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	admin, app := session(e), session(e)
	defer admin.Close()
	defer app.Close()
	admin.Create(ctx, "/config", []byte("level=info"), api.OpenACLUnsafe, api.ModePersistent)

	values := make(chan string)
	done := make(chan struct{})
	go func() {
		recipes.WatchConfig(ctx, app, "/config", func(data []byte, _ int32) { values <- string(data) })
		close(done)
	}()
	fmt.Println(<-values)
	admin.Set(ctx, "/config", []byte("level=debug"), -1)
	fmt.Println(<-values)
	cancel()
	<-done
	// Output:
	// level=info
	// level=debug
}

func ExampleRegister() {
	e, _ := engine.Open(engine.Options{})
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	instance, client := session(e), session(e)
	defer client.Close()

	views := make(chan string)
	done := make(chan struct{})
	go func() {
		recipes.WatchService(ctx, client, "api", func(addrs []string) { views <- strings.Join(addrs, " ") })
		close(done)
	}()
	fmt.Printf("instances: %q\n", <-views)
	recipes.Register(ctx, instance, "api", "10.0.0.7:8080")
	fmt.Printf("instances: %q\n", <-views)
	instance.Close() // the instance dies: its ephemeral registration goes
	fmt.Printf("instances: %q\n", <-views)
	cancel()
	<-done
	// Output:
	// instances: ""
	// instances: "10.0.0.7:8080"
	// instances: ""
}
