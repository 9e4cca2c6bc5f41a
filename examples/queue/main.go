// Command queue runs a producer and three consumers sharing a distributed
// FIFO queue (recipes.Queue); every job is taken by exactly one consumer.
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
	const jobs = 9
	producer, err := e.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()
	q := recipes.NewQueue(producer, "/queues/jobs")
	for i := range jobs {
		if err := q.Put(ctx, fmt.Appendf(nil, "job-%d", i)); err != nil {
			log.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	left := jobs
	for i := range 3 {
		wg.Go(func() {
			c, err := e.Session(ctx)
			if err != nil {
				log.Fatal(err)
			}
			defer c.Close()
			cq := recipes.NewQueue(c, "/queues/jobs")
			for {
				mu.Lock()
				if left == 0 {
					mu.Unlock()
					return
				}
				left--
				mu.Unlock()
				job, err := cq.Take(ctx)
				if err != nil {
					log.Fatal(err)
				}
				fmt.Printf("consumer %d took %s\n", i, job)
			}
		})
	}
	wg.Wait()
}
