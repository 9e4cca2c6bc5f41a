// Command lock runs five workers in one process, each with its own
// ZooKeeper session on an embedded engine, taking turns with a distributed
// lock (recipes.Mutex).
package main

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/examples/recipes"
)

func main() {
	e, err := engine.Open(engine.Options{}) // in memory; Dir: "data" to persist
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	counter := 0 // guarded by the distributed lock, not by a mutex
	for i := range 5 {
		wg.Go(func() {
			c, err := e.Session(ctx)
			if err != nil {
				log.Fatal(err)
			}
			defer c.Close()
			m := recipes.NewMutex(c, "/locks/counter")
			for range 3 {
				if err := m.Lock(ctx); err != nil {
					log.Fatal(err)
				}
				counter++
				fmt.Printf("worker %d holds %s, counter %d\n", i, m.Node(), counter)
				if err := m.Unlock(ctx); err != nil {
					log.Fatal(err)
				}
			}
		})
	}
	wg.Wait()
	fmt.Println("final counter:", counter)
}
