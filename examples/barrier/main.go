// Command barrier runs four workers that start and finish each phase of a
// computation together, synchronised by a double barrier per phase
// (recipes.Barrier).
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
	e, err := engine.Open(engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	const workers = 4
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			c, err := e.Session(ctx)
			if err != nil {
				log.Fatal(err)
			}
			defer c.Close()
			for phase := range 2 {
				b := recipes.NewBarrier(c, fmt.Sprintf("/barriers/phase-%d", phase), workers)
				if err := b.Enter(ctx); err != nil {
					log.Fatal(err)
				}
				fmt.Printf("worker %d runs phase %d\n", i, phase)
				if err := b.Leave(ctx); err != nil {
					log.Fatal(err)
				}
			}
		})
	}
	wg.Wait()
	fmt.Println("all phases done")
}
