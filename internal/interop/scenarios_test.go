package interop

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/go-zookeeper/zk"
)

var open = zk.WorldACL(zk.PermAll)

// scenarios are the differential scenarios, in the order they run.
var scenarios = []scenario{
	{"crud", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/a"
		name, err := c.Create(p, []byte("one"), 0, open)
		r.logf("create %s -> %s %s", p, name, errs(err))
		data, st, err := c.Get(p)
		r.logf("get -> %q %s %s", data, stat(st), errs(err))
		st, err = c.Set(p, []byte("two"), -1)
		r.logf("set -> %s %s", stat(st), errs(err))
		data, st, err = c.Get(p)
		r.logf("get -> %q %s %s", data, stat(st), errs(err))
		ok, st, err := c.Exists(p)
		r.logf("exists -> %v %s %s", ok, stat(st), errs(err))
		r.logf("delete -> %s", errs(c.Delete(p, -1)))
		ok, st, err = c.Exists(p)
		r.logf("exists after delete -> %v %s %s", ok, stat(st), errs(err))
		_, _, err = c.Get(p)
		r.logf("get after delete -> %s", errs(err))
		_, err = c.Create(p, nil, 0, open)
		r.logf("re-create with nil data -> %s", errs(err))
		data, st, err = c.Get(p)
		r.logf("get -> len=%d %s %s", len(data), stat(st), errs(err))
	}},
	{"versions", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/v"
		_, err := c.Create(p, []byte("0"), 0, open)
		r.logf("create -> %s", errs(err))
		for i := int32(0); i < 5; i++ {
			st, err := c.Set(p, []byte(fmt.Sprint(i+1)), i)
			r.logf("set version %d -> %s %s", i, stat(st), errs(err))
		}
		st, err := c.Set(p, []byte("x"), 3)
		r.logf("set stale version 3 -> %s %s", stat(st), errs(err))
		st, err = c.Set(p, []byte("x"), 99)
		r.logf("set future version 99 -> %s %s", stat(st), errs(err))
		st, err = c.Set(p, []byte("y"), -1)
		r.logf("set version -1 -> %s %s", stat(st), errs(err))
		r.logf("delete stale version 2 -> %s", errs(c.Delete(p, 2)))
		r.logf("delete version 6 -> %s", errs(c.Delete(p, 6)))
		st, err = c.Set(p, []byte("z"), -1)
		r.logf("set deleted -> %s %s", stat(st), errs(err))
	}},
	{"stat-relations", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/s"
		_, err := c.Create(p, []byte("abc"), 0, open)
		r.logf("create -> %s", errs(err))
		for i, step := range []func() error{
			func() error { _, err := c.Set(p, []byte("abcdef"), -1); return err },
			func() error { _, err := c.Create(p+"/c1", nil, 0, open); return err },
			func() error { _, err := c.Create(p+"/c2", []byte("x"), 0, open); return err },
			func() error { _, err := c.Set(p+"/c1", []byte("y"), -1); return err },
			func() error { return c.Delete(p+"/c2", -1) },
			func() error { _, err := c.SetACL(p, zk.WorldACL(zk.PermAll), -1); return err },
			func() error { return c.Delete(p+"/c1", -1) },
		} {
			err := step()
			_, st, gerr := c.Get(p)
			r.logf("step %d %s -> parent %s %s", i, errs(err), stat(st), errs(gerr))
		}
	}},
	{"sequential", func(r *recorder, c *zk.Conn, root string) {
		q := root + "/q"
		c.Create(q, nil, 0, open) //nolint:errcheck
		for _, n := range []string{"plain", "other"} {
			_, err := c.Create(q+"/"+n, nil, 0, open)
			r.logf("create %s -> %s", n, errs(err))
		}
		var names []string
		for i := 0; i < 4; i++ {
			name, err := c.Create(q+"/n-", nil, zk.FlagSequence, open)
			r.logf("create sequential -> %s %s", name, errs(err))
			names = append(names, name)
		}
		r.logf("delete %s -> %s", names[1], errs(c.Delete(names[1], -1)))
		r.logf("delete plain -> %s", errs(c.Delete(q+"/plain", -1)))
		name, err := c.Create(q+"/n-", nil, zk.FlagSequence, open)
		r.logf("create sequential after deletes -> %s %s", name, errs(err))
		name, err = c.Create(q+"/", nil, zk.FlagSequence, open)
		r.logf("create sequential with empty prefix -> %s %s", name, errs(err))
		name, err = c.Create(q+"/x-", nil, zk.FlagEphemeralSequential, open)
		r.logf("create ephemeral-sequential -> %s %s", name, errs(err))
		kids, st, err := c.Children(q)
		r.logf("children -> %s %s %s", children(kids), stat(st), errs(err))
	}},
	{"ephemeral", func(r *recorder, c *zk.Conn, root string) {
		c2 := r.connect("s2")
		if c2 == nil {
			return
		}
		e := root + "/e"
		_, err := c2.Create(e, []byte("mine"), zk.FlagEphemeral, open)
		r.logf("s2 create ephemeral -> %s", errs(err))
		_, st, err := c.Get(e)
		r.logf("s1 sees -> %s %s", stat(st), errs(err))
		_, err = c.Create(e+"/child", nil, 0, open)
		r.logf("create child of ephemeral -> %s", errs(err))
		_, err = c.Create(e+"/child", nil, zk.FlagEphemeral, open)
		r.logf("create ephemeral child of ephemeral -> %s", errs(err))
		_, err = c.Create(root+"/mine", nil, zk.FlagEphemeral, open)
		r.logf("s1 create ephemeral -> %s", errs(err))
		_, st, err = c.Get(root + "/mine")
		r.logf("s1 own ephemeral -> %s %s", stat(st), errs(err))
		st, err = c.Set(e, []byte("s1 writes"), -1)
		r.logf("s1 sets s2's ephemeral -> %s %s", stat(st), errs(err))
		c2.Close()
		// Close waits for the close reply: the ephemerals are gone by now.
		ok, _, err := c.Exists(e)
		r.logf("after s2 closes: exists -> %v %s", ok, errs(err))
		ok, _, err = c.Exists(root + "/mine")
		r.logf("s1's own ephemeral stays -> %v %s", ok, errs(err))
		_, st, err = c.Get(root)
		r.logf("root -> %s %s", stat(st), errs(err))
	}},
	{"container", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/box"
		name, err := c.CreateContainer(p, []byte("c"), zk.FlagContainer, open)
		r.logf("create container -> %s %s", name, errs(err))
		_, st, err := c.Get(p)
		r.logf("get -> %s %s", stat(st), errs(err))
		_, err = c.Create(p+"/k1", nil, 0, open)
		r.logf("create child -> %s", errs(err))
		_, err = c.Create(p+"/k2", nil, zk.FlagEphemeral, open)
		r.logf("create ephemeral child -> %s", errs(err))
		r.logf("delete non-empty container -> %s", errs(c.Delete(p, -1)))
		r.logf("delete k1 -> %s", errs(c.Delete(p+"/k1", -1)))
		r.logf("delete k2 -> %s", errs(c.Delete(p+"/k2", -1)))
		r.until("container reaped after its last child goes", func() bool {
			ok, _, err := c.Exists(p)
			return err == nil && !ok
		})
		// A container that never had a child is not reaped.
		_, err = c.CreateContainer(root+"/never", nil, zk.FlagContainer, open)
		r.logf("create childless container -> %s", errs(err))
		// In a multi, a create op with the container flag becomes a
		// createContainer (the Java server's Op.create picks the opcode from
		// the flags): a real container, answered with a create2-type result
		// that go-zookeeper cannot decode ("api error").
		res, err := c.Multi(&zk.CreateRequest{Path: root + "/flagged", Flags: zk.FlagContainer, Acl: open},
			&zk.CreateRequest{Path: root + "/flagged/k", Acl: open})
		r.logf("multi create with container flag and a child -> %d results %s", len(res), errs(err))
		_, st, err = c.Get(root + "/flagged")
		r.logf("get -> %s %s", stat(st), errs(err))
		r.logf("delete its child -> %s", errs(c.Delete(root+"/flagged/k", -1)))
		r.until("multi-created container reaped", func() bool {
			ok, _, err := c.Exists(root + "/flagged")
			return err == nil && !ok
		})
		// a later reaping pass, so the pass that saw "never" is long done
		_, err = c.CreateContainer(root+"/keeper", nil, zk.FlagContainer, open)
		r.logf("create another container -> %s", errs(err))
		c.Create(root+"/keeper/k", nil, 0, open) //nolint:errcheck
		c.Delete(root+"/keeper/k", -1)           //nolint:errcheck
		r.until("another container reaped", func() bool {
			ok, _, err := c.Exists(root + "/keeper")
			return err == nil && !ok
		})
		ok, _, err := c.Exists(root + "/never")
		r.logf("childless container kept -> %v %s", ok, errs(err))
	}},
	{"ttl", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/t"
		name, err := c.CreateTTL(p, []byte("t"), zk.FlagTTL, open, 500*time.Millisecond)
		r.logf("create ttl -> %s %s", name, errs(err))
		_, st, err := c.Get(p)
		r.logf("get -> %s %s", stat(st), errs(err))
		name, err = c.CreateTTL(root+"/ts-", nil, zk.FlagPersistentSequentialWithTTL, open, 500*time.Millisecond)
		r.logf("create sequential ttl -> %s %s", name, errs(err))
		_, err = c.CreateTTL(root+"/t0", nil, zk.FlagTTL, open, 0)
		r.logf("create ttl 0 -> %s", errs(err))
		_, err = c.CreateTTL(root+"/tneg", nil, zk.FlagTTL, open, -time.Second)
		r.logf("create negative ttl -> %s", errs(err))
		r.until("ttl node reaped", func() bool {
			ok, _, err := c.Exists(p)
			return err == nil && !ok
		})
		r.until("sequential ttl node reaped", func() bool {
			ok, _, err := c.Exists(name)
			return err == nil && !ok
		})
		// a TTL node with a child is not reaped while the child is there
		_, err = c.CreateTTL(root+"/tp", nil, zk.FlagTTL, open, 200*time.Millisecond)
		r.logf("create ttl parent -> %s", errs(err))
		_, err = c.Create(root+"/tp/k", nil, 0, open)
		r.logf("create its child -> %s", errs(err))
		r.logf("delete the child -> %s", errs(c.Delete(root+"/tp/k", -1)))
		r.until("childless ttl parent reaped", func() bool {
			ok, _, err := c.Exists(root + "/tp")
			return err == nil && !ok
		})
	}},
	{"children", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/k"
		c.Create(p, nil, 0, open) //nolint:errcheck
		for i := 0; i < 50; i++ {
			c.Create(fmt.Sprintf("%s/c%02d", p, (i*37)%50), nil, 0, open) //nolint:errcheck
		}
		kids, st, err := c.Children(p)
		r.logf("children -> %d %s %s", len(kids), stat(st), errs(err))
		r.logf("names -> %s", children(kids))
		kids, _, err = c.Children(p + "/c00")
		r.logf("children of leaf -> %s %s", children(kids), errs(err))
		_, _, err = c.Children(p + "/none")
		r.logf("children of missing -> %s", errs(err))
		kids, _, err = c.Children("/zookeeper")
		r.logf("children of /zookeeper -> %s %s", children(kids), errs(err))
		r.logf("delete non-empty -> %s", errs(c.Delete(p, -1)))
	}},
	{"errors", func(r *recorder, c *zk.Conn, root string) {
		_, err := c.Create(root+"/none/x", nil, 0, open)
		r.logf("create under missing parent -> %s", errs(err))
		_, err = c.Create(root, nil, 0, open)
		r.logf("create existing -> %s", errs(err))
		_, err = c.Set(root+"/none", nil, -1)
		r.logf("set missing -> %s", errs(err))
		r.logf("delete missing -> %s", errs(c.Delete(root+"/none", -1)))
		_, _, err = c.GetACL(root + "/none")
		r.logf("getACL missing -> %s", errs(err))
		_, err = c.SetACL(root+"/none", open, -1)
		r.logf("setACL missing -> %s", errs(err))
		_, err = c.Create(root+"/acl", nil, 0, nil)
		r.logf("create with empty ACL -> %s", errs(err))
		_, err = c.Create(root+"/acl", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "nosuch", ID: "x"}})
		r.logf("create with unknown ACL scheme -> %s", errs(err))
		_, err = c.Create(root+"/acl", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "digest", ID: "nocolon"}})
		r.logf("create with malformed digest id -> %s", errs(err))
		_, err = c.Create(root+"/acl", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/33"}})
		r.logf("create with bad ip ACL -> %s", errs(err))
		_, err = c.Create(root+"/acl", nil, 0, zk.AuthACL(zk.PermAll))
		r.logf("create with auth ACL and no identity -> %s", errs(err))
		r.logf("delete / -> %s", errs(c.Delete("/", -1)))
		r.logf("delete /zookeeper -> %s", errs(c.Delete("/zookeeper", -1)))
	}},
	{"bad-paths", func(r *recorder, c *zk.Conn, root string) {
		c.Create(root+"/bp", nil, 0, open) //nolint:errcheck
		// go-zookeeper checks paths itself except in a multi: send them there.
		for _, p := range []string{"a", root + "/bp/", root + "/bp/.", root + "/bp/..", root + "/bp//x",
			root + "/bp/./x", root + "/bp/x\x00y", root + "/nope/", "/zookeeper/config", "/zookeeper/quota/x", "//"} {
			res, err := c.Multi(&zk.CreateRequest{Path: p, Acl: open})
			line := fmt.Sprintf("multi create %q -> %s", p, errs(err))
			for _, op := range res {
				line += " [" + errs(op.Error) + "]"
			}
			r.logf("%s", line)
		}
		for _, p := range []string{root + "/bp/", "a"} {
			res, err := c.Multi(&zk.SetDataRequest{Path: p, Version: -1}, &zk.DeleteRequest{Path: p, Version: -1})
			line := fmt.Sprintf("multi set+delete %q -> %s", p, errs(err))
			for _, op := range res {
				line += " [" + errs(op.Error) + "]"
			}
			r.logf("%s", line)
		}
		name, err := c.Create(root+"/bp/", nil, zk.FlagSequence, open)
		r.logf("sequential with trailing slash -> %s %s", name, errs(err))
		name, err = c.Create(root+"/bp/ünï €", []byte("u"), 0, open)
		r.logf("create unicode name -> %s %s", name, errs(err))
		kids, _, err := c.Children(root + "/bp")
		r.logf("children -> %s %s", children(kids), errs(err))
	}},
	{"large-data", func(r *recorder, c *zk.Conn, root string) {
		big := bytes.Repeat([]byte("0123456789abcdef"), 1000*1000/16)
		_, err := c.Create(root+"/big", big, 0, open)
		r.logf("create 1,000,000 bytes -> %s", errs(err))
		data, st, err := c.Get(root + "/big")
		r.logf("get -> same=%v %s %s", bytes.Equal(data, big), stat(st), errs(err))
		st, err = c.Set(root+"/big", big[:10], -1)
		r.logf("shrink -> %s %s", stat(st), errs(err))
		st, err = c.Set(root+"/big", []byte{}, -1)
		r.logf("set empty -> %s %s", stat(st), errs(err))
		data, st, err = c.Get(root + "/big")
		r.logf("get empty -> len=%d %s %s", len(data), stat(st), errs(err))
		// over jute.maxbuffer (1 MiB by default): the server drops the
		// connection; the session survives and nothing was created
		huge := bytes.Repeat([]byte{'h'}, 1<<20+1024)
		_, err = c.Create(root+"/huge", huge, 0, open)
		r.logf("create 1 MiB + 1 KiB -> %s", lost(err))
		ok, _, err := c.Exists(root + "/huge")
		r.logf("exists after -> %v %s", ok, errs(err))
		bin := []byte{0, 1, 2, 255, 254, 0}
		_, err = c.Create(root+"/bin", bin, 0, open)
		r.logf("create binary -> %s", errs(err))
		data, _, err = c.Get(root + "/bin")
		r.logf("get binary -> same=%v %s", bytes.Equal(data, bin), errs(err))
	}},
	{"multi-success", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/m"
		c.Create(p, []byte("v0"), 0, open) //nolint:errcheck
		res, err := c.Multi(
			&zk.CreateRequest{Path: p + "/a", Data: []byte("A"), Acl: open},
			&zk.CreateRequest{Path: p + "/s-", Acl: open, Flags: zk.FlagSequence},
			&zk.SetDataRequest{Path: p, Data: []byte("v1"), Version: 0},
			&zk.CheckVersionRequest{Path: p, Version: 1},
			&zk.SetDataRequest{Path: p + "/a", Data: []byte("A2"), Version: 0},
			&zk.CreateRequest{Path: p + "/a/b", Acl: open},
			&zk.DeleteRequest{Path: p + "/a/b", Version: 0},
			&zk.CreateRequest{Path: p + "/e", Acl: open, Flags: zk.FlagEphemeral},
		)
		r.logf("multi -> %s", errs(err))
		for i, op := range res {
			r.logf("  op %d: %q %s %s", i, op.String, stat(op.Stat), errs(op.Error))
		}
		for _, n := range []string{p, p + "/a", p + "/s-0000000001", p + "/e"} {
			data, st, err := c.Get(n)
			r.logf("get %s -> %q %s %s", n, data, stat(st), errs(err))
		}
		res, err = c.Multi()
		r.logf("empty multi -> %d results %s", len(res), errs(err))
	}},
	{"multi-failure", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/m"
		c.Create(p, []byte("v0"), 0, open) //nolint:errcheck
		cases := [][]interface{}{
			{ // first op fails
				&zk.CheckVersionRequest{Path: p, Version: 5},
				&zk.CreateRequest{Path: p + "/x", Acl: open},
			},
			{ // middle op fails
				&zk.CreateRequest{Path: p + "/x", Acl: open},
				&zk.SetDataRequest{Path: p + "/none", Version: -1},
				&zk.SetDataRequest{Path: p, Data: []byte("v1"), Version: -1},
			},
			{ // last op fails
				&zk.CreateRequest{Path: p + "/x", Acl: open},
				&zk.SetDataRequest{Path: p, Data: []byte("v1"), Version: -1},
				&zk.CreateRequest{Path: p + "/x", Acl: open},
			},
			{ // a later op fails because of an earlier one
				&zk.CreateRequest{Path: p + "/y", Acl: open},
				&zk.CreateRequest{Path: p + "/y/z", Acl: open},
				&zk.DeleteRequest{Path: p + "/y", Version: -1},
			},
			{ // version checked against the state the earlier ops made
				&zk.SetDataRequest{Path: p, Data: []byte("a"), Version: 0},
				&zk.SetDataRequest{Path: p, Data: []byte("b"), Version: 0},
			},
			{ // child of an ephemeral created in the same multi
				&zk.CreateRequest{Path: p + "/eph", Acl: open, Flags: zk.FlagEphemeral},
				&zk.CreateRequest{Path: p + "/eph/c", Acl: open},
			},
		}
		for i, ops := range cases {
			res, err := c.Multi(ops...)
			r.logf("multi case %d -> %s", i, errs(err))
			for j, op := range res {
				r.logf("  op %d: %q %s %s", j, op.String, stat(op.Stat), errs(op.Error))
			}
		}
		data, st, err := c.Get(p)
		r.logf("nothing applied: get -> %q %s %s", data, stat(st), errs(err))
		kids, _, err := c.Children(p)
		r.logf("nothing applied: children -> %s %s", children(kids), errs(err))
		// a successful multi that uses the state an earlier op made
		res, err := c.Multi(
			&zk.SetDataRequest{Path: p, Data: []byte("a"), Version: 0},
			&zk.SetDataRequest{Path: p, Data: []byte("b"), Version: 1},
			&zk.CheckVersionRequest{Path: p, Version: 2},
		)
		r.logf("chained versions -> %s", errs(err))
		for j, op := range res {
			r.logf("  op %d: %s %s", j, stat(op.Stat), errs(op.Error))
		}
	}},
	{"watch-data", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/w"
		c.Create(p, nil, 0, open) //nolint:errcheck
		_, _, ch, err := c.GetW(p)
		r.logf("getW -> %s", errs(err))
		c.Set(p, []byte("1"), -1) //nolint:errcheck
		r.awaitWatch("data", ch)
		r.waitEvents(1)
		c.Set(p, []byte("2"), -1) //nolint:errcheck
		r.noMoreEvents()          // one-shot: the second set fires nothing
		_, _, ch, err = c.GetW(p)
		r.logf("getW -> %s", errs(err))
		r.logf("delete -> %s", errs(c.Delete(p, -1)))
		r.awaitWatch("data on delete", ch)
		r.waitEvents(1)
		_, _, _, err = c.GetW(p)
		r.logf("getW missing -> %s", errs(err))
		c.Create(p, nil, 0, open) //nolint:errcheck
		r.noMoreEvents()          // getW on a missing node leaves no watch
	}},
	{"watch-exists", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/x"
		ok, st, ch, err := c.ExistsW(p)
		r.logf("existsW missing -> %v %s %s", ok, stat(st), errs(err))
		c.Create(p, nil, 0, open) //nolint:errcheck
		r.awaitWatch("exist", ch)
		r.waitEvents(1)
		ok, _, ch, err = c.ExistsW(p)
		r.logf("existsW present -> %v %s", ok, errs(err))
		c.Set(p, []byte("d"), -1) //nolint:errcheck
		r.awaitWatch("exists-data", ch)
		r.waitEvents(1)
		_, _, ch, _ = c.ExistsW(p)
		c.Delete(p, -1) //nolint:errcheck
		r.awaitWatch("exists-delete", ch)
		r.waitEvents(1)
		// many exist watches from one session on one path: one event
		for i := 0; i < 3; i++ {
			c.ExistsW(p) //nolint:errcheck
		}
		c.Create(p, nil, 0, open) //nolint:errcheck
		r.waitEvents(1)
		r.noMoreEvents()
	}},
	{"watch-children", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/k"
		c.Create(p, nil, 0, open) //nolint:errcheck
		kids, _, ch, err := c.ChildrenW(p)
		r.logf("childrenW -> %s %s", children(kids), errs(err))
		c.Create(p+"/a", nil, 0, open) //nolint:errcheck
		r.awaitWatch("child create", ch)
		r.waitEvents(1)
		_, _, ch, _ = c.ChildrenW(p)
		c.Set(p, []byte("data"), -1)        //nolint:errcheck
		c.Set(p+"/a", []byte("x"), -1)      //nolint:errcheck
		c.Create(p+"/a/deep", nil, 0, open) //nolint:errcheck
		r.noMoreEvents()                    // data changes and grandchildren do not fire a child watch
		c.Delete(p+"/a/deep", -1)           //nolint:errcheck
		c.Delete(p+"/a", -1)                //nolint:errcheck
		r.awaitWatch("child delete", ch)
		r.waitEvents(1)
		_, _, ch, _ = c.ChildrenW(p)
		_, _, ch2, _ := c.GetW(p)
		c.Delete(p, -1) //nolint:errcheck
		r.awaitWatch("child watch on deleted node", ch)
		r.awaitWatch("data watch on deleted node", ch2)
		r.waitEvents(1)
	}},
	{"watch-order", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/o"
		c.Create(p, nil, 0, open) //nolint:errcheck
		// create: the node's exist watch, then its parent's child watch
		c.ExistsW(p + "/n")            //nolint:errcheck
		c.ChildrenW(p)                 //nolint:errcheck
		c.GetW(root)                   //nolint:errcheck
		c.Create(p+"/n", nil, 0, open) //nolint:errcheck
		r.waitEvents(2)
		// delete: data, child watches of the node, then the parent's
		c.GetW(p + "/n")      //nolint:errcheck
		c.ChildrenW(p + "/n") //nolint:errcheck
		c.ChildrenW(p)        //nolint:errcheck
		c.Delete(p+"/n", -1)  //nolint:errcheck
		r.waitEvents(2)
		// events of several writes arrive in write order
		for _, n := range []string{"a", "b", "c"} {
			c.ExistsW(p + "/" + n) //nolint:errcheck
		}
		for _, n := range []string{"c", "a", "b"} {
			c.Create(p+"/"+n, nil, 0, open) //nolint:errcheck
		}
		r.waitEvents(3)
		r.noMoreEvents()
	}},
	{"watch-multi", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/mw"
		c.Create(p, nil, 0, open)        //nolint:errcheck
		c.Create(p+"/old", nil, 0, open) //nolint:errcheck
		c.ExistsW(p + "/new")            //nolint:errcheck
		c.GetW(p + "/old")               //nolint:errcheck
		c.ChildrenW(p)                   //nolint:errcheck
		c.GetW(p)                        //nolint:errcheck
		res, err := c.Multi(
			&zk.CreateRequest{Path: p + "/new", Acl: open},
			&zk.SetDataRequest{Path: p, Data: []byte("x"), Version: -1},
			&zk.DeleteRequest{Path: p + "/old", Version: -1},
		)
		r.logf("multi -> %d results %s", len(res), errs(err))
		r.waitEvents(4)
		// a failed multi fires nothing
		c.ExistsW(p + "/never") //nolint:errcheck
		_, err = c.Multi(
			&zk.CreateRequest{Path: p + "/never", Acl: open},
			&zk.CheckVersionRequest{Path: p, Version: 42},
		)
		r.logf("failing multi -> %s", errs(err))
		r.noMoreEvents()
	}},
	{"watch-sessions", func(r *recorder, c *zk.Conn, root string) {
		c2 := r.connect("s2")
		if c2 == nil {
			return
		}
		p := root + "/x"
		c.ExistsW(p) //nolint:errcheck
		_, _, ch2, _ := c2.ExistsW(p)
		c2.Create(p, nil, 0, open) //nolint:errcheck
		r.awaitWatch("s2 exist", ch2)
		r.waitEvents(2)
		// an ephemeral removed by its session's close fires the others' watches
		c2.Create(root+"/eph", nil, zk.FlagEphemeral, open) //nolint:errcheck
		c.ExistsW(root + "/eph")                            //nolint:errcheck
		c.ChildrenW(root)                                   //nolint:errcheck
		c2.Close()
		r.waitEvents(2)
	}},
	{"acl-digest", func(r *recorder, c *zk.Conn, root string) {
		owner := r.connect("s2")
		stranger := r.connect("s3")
		if owner == nil || stranger == nil {
			return
		}
		r.logf("owner addauth -> %s", errs(owner.AddAuth("digest", []byte("alice:secret"))))
		p := root + "/secret"
		_, err := owner.Create(p, []byte("hidden"), 0, zk.DigestACL(zk.PermAll, "alice", "secret"))
		r.logf("owner create -> %s", errs(err))
		data, _, err := owner.Get(p)
		r.logf("owner get -> %q %s", data, errs(err))
		_, _, err = stranger.Get(p)
		r.logf("stranger get -> %s", errs(err))
		_, err = stranger.Set(p, nil, -1)
		r.logf("stranger set -> %s", errs(err))
		_, _, err = stranger.Children(p)
		r.logf("stranger children -> %s", errs(err))
		_, err = stranger.Create(p+"/k", nil, 0, open)
		r.logf("stranger create child -> %s", errs(err))
		_, _, err = stranger.GetACL(p)
		r.logf("stranger getACL -> %s", errs(err))
		_, err = stranger.SetACL(p, open, -1)
		r.logf("stranger setACL -> %s", errs(err))
		ok, _, err := stranger.Exists(p)
		got := "stat"
		if err != nil {
			got = err.Error()
		} else if !ok {
			got = "missing"
		}
		r.specific("stranger exists on protected node", got, map[string]string{
			"3.8": "stat", "3.9": zk.ErrNoAuth.Error()})
		acl, st, err := owner.GetACL(p)
		r.logf("owner getACL -> %v %s %s", acl, stat(st), errs(err))
		r.logf("stranger wrong password addauth -> %s", errs(stranger.AddAuth("digest", []byte("alice:nope"))))
		_, _, err = stranger.Get(p)
		r.logf("stranger with wrong password get -> %s", errs(err))
		r.logf("stranger right password addauth -> %s", errs(stranger.AddAuth("digest", []byte("alice:secret"))))
		data, _, err = stranger.Get(p)
		r.logf("stranger authenticated get -> %q %s", data, errs(err))
		_, err = owner.Create(root+"/creator", nil, 0, zk.AuthACL(zk.PermAll))
		r.logf("owner create with auth ACL -> %s", errs(err))
		acl, _, err = owner.GetACL(root + "/creator")
		r.logf("auth ACL expanded -> %v %s", acl, errs(err))
		// delete needs DELETE on the parent
		_, err = owner.Create(p+"/k", nil, 0, open)
		r.logf("owner create open child -> %s", errs(err))
		r.logf("s1 delete child of protected -> %s", errs(c.Delete(p+"/k", -1)))
		r.logf("owner delete child -> %s", errs(owner.Delete(p+"/k", -1)))
	}},
	{"acl-perms", func(r *recorder, c *zk.Conn, root string) {
		other := r.connect("s2")
		if other == nil {
			return
		}
		for _, perm := range []int32{zk.PermRead, zk.PermWrite, zk.PermCreate, zk.PermDelete, zk.PermAdmin, 0} {
			p := fmt.Sprintf("%s/p%d", root, perm)
			// s1 keeps full rights through a digest identity of its own
			c.AddAuth("digest", []byte("keeper:pw")) //nolint:errcheck
			acl := append(zk.WorldACL(perm), zk.DigestACL(zk.PermAll, "keeper", "pw")...)
			if perm == 0 {
				acl = zk.DigestACL(zk.PermAll, "keeper", "pw")
			}
			_, err := c.Create(p, []byte("d"), 0, acl)
			c.Create(p+"/victim", nil, 0, open) //nolint:errcheck
			line := fmt.Sprintf("perm %05b create %s:", perm, errs(err))
			_, _, err = other.Get(p)
			line += " get=" + errs(err)
			_, err = other.Set(p, []byte("w"), -1)
			line += " set=" + errs(err)
			_, _, err = other.Children(p)
			line += " children=" + errs(err)
			_, err = other.Create(p+"/new", nil, 0, open)
			line += " create=" + errs(err)
			err = other.Delete(p+"/victim", -1)
			line += " delete=" + errs(err)
			_, _, err = other.GetACL(p)
			line += " getACL=" + errs(err)
			_, err = other.SetACL(p, acl, -1)
			line += " setACL=" + errs(err)
			r.logf("%s", line)
		}
	}},
	{"sync-and-session", func(r *recorder, c *zk.Conn, root string) {
		path, err := c.Sync(root)
		r.logf("sync -> %q %s", path, errs(err))
		_, err = c.Sync(root + "/none")
		r.logf("sync missing -> %s", errs(err))
		r.logf("session id nonzero -> %v", c.SessionID() != 0)
		c2 := r.connect("s2")
		if c2 == nil {
			return
		}
		r.logf("distinct sessions -> %v", c2.SessionID() != c.SessionID())
		_, err = c2.Create(root+"/e", nil, zk.FlagEphemeral, open)
		r.logf("s2 ephemeral -> %s", errs(err))
		_, st, err := c.Get(root + "/e")
		r.logf("owner -> %s %s", stat(st), errs(err))
		r.logf("bad auth scheme -> %s", errs(c2.AddAuth("nosuchscheme", []byte("x"))))
	}},
	{"root-and-system", func(r *recorder, c *zk.Conn, root string) {
		ok, _, err := c.Exists("/")
		r.logf("exists / -> %v %s", ok, errs(err))
		ok, _, err = c.Exists("/zookeeper")
		r.logf("exists /zookeeper -> %v %s", ok, errs(err))
		ok, _, err = c.Exists("/zookeeper/quota")
		r.logf("exists /zookeeper/quota -> %v %s", ok, errs(err))
		ok, _, err = c.Exists("/zookeeper/config")
		r.logf("exists /zookeeper/config -> %v %s", ok, errs(err))
		acl, _, err := c.GetACL("/")
		r.logf("getACL / -> %v %s", acl, errs(err))
		_, err = c.Create("/zookeeper/x", nil, 0, open)
		r.logf("create /zookeeper/x -> %s", errs(err))
		c.Delete("/zookeeper/x", -1) //nolint:errcheck
		_, _, err = c.Get("/zookeeper/config")
		r.logf("get /zookeeper/config -> %s", errs(err))
		_, err = c.Set("/zookeeper/config", []byte("x"), -1)
		r.logf("set /zookeeper/config -> %s", errs(err))
	}},
	{"deep-tree", func(r *recorder, c *zk.Conn, root string) {
		var paths []string
		p := root
		for i := 0; i < 20; i++ {
			p += fmt.Sprintf("/d%d", i)
			paths = append(paths, p)
			if _, err := c.Create(p, []byte(p), 0, open); err != nil {
				r.logf("create depth %d -> %s", i, errs(err))
			}
		}
		data, st, err := c.Get(p)
		r.logf("deepest -> %d bytes %s %s", len(data), stat(st), errs(err))
		r.logf("delete middle -> %s", errs(c.Delete(paths[2], -1)))
		for i := len(paths) - 1; i >= 0; i-- {
			if err := c.Delete(paths[i], -1); err != nil {
				r.logf("delete depth %d -> %s", i, errs(err))
			}
		}
		kids, st, err := c.Children(root)
		r.logf("root after teardown -> %s %s %s", children(kids), stat(st), errs(err))
	}},
	{"set-acl", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/a"
		c.Create(p, nil, 0, open) //nolint:errcheck
		st, err := c.SetACL(p, zk.WorldACL(zk.PermRead|zk.PermAdmin), 0)
		r.logf("setACL version 0 -> %s %s", stat(st), errs(err))
		st, err = c.SetACL(p, open, 0)
		r.logf("setACL stale -> %s %s", stat(st), errs(err))
		acl, st, err := c.GetACL(p)
		r.logf("getACL -> %v %s %s", acl, stat(st), errs(err))
		_, err = c.Set(p, []byte("x"), -1)
		r.logf("set without WRITE -> %s", errs(err))
		st, err = c.SetACL(p, open, 1)
		r.logf("setACL back with ADMIN -> %s %s", stat(st), errs(err))
		st, err = c.Set(p, []byte("x"), -1)
		r.logf("set -> %s %s", stat(st), errs(err))
	}},
	{"acl-schemes", func(r *recorder, c *zk.Conn, root string) {
		other := r.connect("s2")
		if other == nil {
			return
		}
		for _, tc := range []struct {
			name string
			acl  []zk.ACL
		}{
			{"ip 127.0.0.1", []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"}}},
			{"ip 127.0.0.0 slash 8", []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.0/8"}}},
			{"ip 10.0.0.0 slash 8", []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/8"}}},
			{"ip garbage", []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "not-an-ip"}}},
			{"world nobody", []zk.ACL{{Perms: zk.PermAll, Scheme: "world", ID: "nobody"}}},
			{"perms 0 world", []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}}},
			{"perms 0xff world", []zk.ACL{{Perms: 0xff, Scheme: "world", ID: "anyone"}}},
			{"duplicate entries", append(zk.WorldACL(zk.PermRead), zk.WorldACL(zk.PermRead)...)},
		} {
			p := root + "/" + tc.name
			_, err := c.Create(p, []byte("x"), 0, tc.acl)
			line := fmt.Sprintf("%s: create %s", tc.name, errs(err))
			if err == nil {
				acl, _, aerr := c.GetACL(p)
				_, _, gerr := other.Get(p)
				line += fmt.Sprintf(" acl=%v %s get=%s", acl, errs(aerr), errs(gerr))
			}
			r.logf("%s", line)
		}
	}},
	{"multi-mixed", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/mm"
		c.Create(p, nil, 0, open) //nolint:errcheck
		res, err := c.Multi(
			&zk.CreateRequest{Path: p + "/bad-acl", Acl: nil},
		)
		r.logf("multi create with empty ACL -> %d %s", len(res), errs(err))
		for _, op := range res {
			r.logf("  %s", errs(op.Error))
		}
		_, _, ch, _ := c.ChildrenW(p)
		res, err = c.Multi(
			&zk.CreateRequest{Path: p + "/s-", Acl: open, Flags: zk.FlagSequence},
			&zk.CreateRequest{Path: p + "/s-", Acl: open, Flags: zk.FlagEphemeralSequential},
			&zk.CreateRequest{Path: p + "/s-", Acl: open, Flags: zk.FlagSequence},
		)
		r.logf("multi of sequential creates -> %s", errs(err))
		for _, op := range res {
			r.logf("  %q %s", op.String, errs(op.Error))
		}
		r.awaitWatch("children", ch)
		r.waitEvents(1)
		res, err = c.Multi(
			&zk.DeleteRequest{Path: p + "/s-0000000000", Version: -1},
			&zk.DeleteRequest{Path: p + "/s-0000000000", Version: -1},
		)
		r.logf("multi deleting one node twice -> %s", errs(err))
		for _, op := range res {
			r.logf("  %s", errs(op.Error))
		}
		res, err = c.Multi(
			&zk.CheckVersionRequest{Path: p + "/none", Version: -1},
		)
		r.logf("multi check of a missing node -> %s", errs(err))
		for _, op := range res {
			r.logf("  %s", errs(op.Error))
		}
		res, err = c.Multi(
			&zk.CheckVersionRequest{Path: p, Version: -1},
			&zk.SetDataRequest{Path: p, Data: []byte("x"), Version: -1},
			&zk.CheckVersionRequest{Path: p, Version: 1},
		)
		r.logf("multi check -1, set, check new version -> %s", errs(err))
		for _, op := range res {
			r.logf("  %s %s", stat(op.Stat), errs(op.Error))
		}
		kids, st, err := c.Children(p)
		r.logf("children -> %s %s %s", children(kids), stat(st), errs(err))
	}},
	{"many-writes", func(r *recorder, c *zk.Conn, root string) {
		p := root + "/n"
		c.Create(p, nil, 0, open) //nolint:errcheck
		var last *zk.Stat
		for i := 0; i < 200; i++ {
			st, err := c.Set(p, []byte(fmt.Sprint(i)), int32(i))
			if err != nil {
				r.logf("set %d -> %s", i, errs(err))
			}
			last = st
		}
		r.logf("after 200 sets -> %s", stat(last))
		for i := 0; i < 100; i++ {
			c.Create(fmt.Sprintf("%s/c-", p), nil, zk.FlagSequence, open) //nolint:errcheck
		}
		kids, st, err := c.Children(p)
		sort.Strings(kids)
		lo, hi := "", ""
		if len(kids) > 0 {
			lo, hi = kids[0], kids[len(kids)-1]
		}
		r.logf("100 sequential children -> %d %s..%s %s %s", len(kids), lo, hi, stat(st), errs(err))
	}},
}
