package engine

import (
	"context"
	"testing"

	"github.com/zkembed/zkembed/api"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{"", t.TempDir()} {
		e, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Create(ctx, "/a", []byte("x"), api.OpenACLUnsafe, api.ModePersistent)
		if err != nil || p != "/a" {
			t.Fatal(p, err)
		}
		d, st, ch, err := c.GetW(ctx, "/a")
		if err != nil || string(d) != "x" || st.Version != 0 {
			t.Fatal(d, st, err)
		}
		if _, err := c.Set(ctx, "/a", []byte("y"), 0); err != nil {
			t.Fatal(err)
		}
		ev := <-ch
		if ev.Type != api.EventNodeDataChanged || ev.Path != "/a" {
			t.Fatal(ev)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
