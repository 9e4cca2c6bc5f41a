package apitest

import (
	"bytes"
	"slices"

	"github.com/zkembed/zkembed/api"
)

// maxData is the largest data ZooKeeper accepts by default: jute.maxbuffer,
// 0xfffff bytes. Over the wire the limit applies to the whole request frame,
// so the suite's "fits" case leaves room for the request's other fields.
const maxData = 0xfffff

func systemChecks() []check {
	return []check{
		{name: "zookeeper/exists", run: func(e *env) {
			e.stat(e.c, "/zookeeper")
		}},
		{name: "zookeeper/children", run: func(e *env) {
			kids, _, err := e.c.Children(e.ctx, "/zookeeper")
			e.ok(err, "Children(/zookeeper)")
			for _, k := range []string{"quota", "config"} {
				if !slices.Contains(kids, k) {
					e.Fatalf("children of /zookeeper = %q, want %s among them", kids, k)
				}
			}
		}},
		{name: "zookeeper/quota-exists", run: func(e *env) {
			e.stat(e.c, "/zookeeper/quota")
		}},
		{name: "zookeeper/config-exists", run: func(e *env) {
			e.stat(e.c, "/zookeeper/config")
		}},
		{name: "zookeeper/config-read-only", run: func(e *env) {
			acl, _, err := e.c.GetACL(e.ctx, "/zookeeper/config")
			e.ok(err, "GetACL(/zookeeper/config)")
			if len(acl) != 1 || acl[0] != api.ReadACLUnsafe[0] {
				e.Fatalf("ACL of /zookeeper/config = %+v, want world:anyone r", acl)
			}
			_, err = e.c.Set(e.ctx, "/zookeeper/config", []byte("x"), -1)
			e.code(err, api.ErrNoAuth, "Set(/zookeeper/config)")
		}},
		{name: "zookeeper/delete-denied", run: func(e *env) {
			e.code(e.c.Delete(e.ctx, "/zookeeper", -1), api.ErrBadArguments, "Delete(/zookeeper)")
		}},
		{name: "zookeeper/delete-quota-denied", run: func(e *env) {
			e.code(e.c.Delete(e.ctx, "/zookeeper/quota", -1), api.ErrBadArguments, "Delete(/zookeeper/quota)")
		}},
		{name: "zookeeper/delete-config-denied", run: func(e *env) {
			e.code(e.c.Delete(e.ctx, "/zookeeper/config", -1), api.ErrBadArguments, "Delete(/zookeeper/config)")
		}},
		{name: "zookeeper/create-exists", run: func(e *env) {
			_, err := e.c.Create(e.ctx, "/zookeeper", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrNodeExists, "Create(/zookeeper)")
		}},
		{name: "data/near-limit", run: func(e *env) {
			data := bytes.Repeat([]byte{0xa5}, maxData-4096)
			e.create(e.c, e.p("big"), data, api.OpenACLUnsafe, api.ModePersistent)
			got, st := e.data(e.connect(), e.p("big"))
			eq(e, st.DataLength, int32(len(data)), "DataLength")
			if !bytes.Equal(got, data) {
				e.Fatal("data of the large znode differs")
			}
		}},
		{name: "data/set-near-limit", run: func(e *env) {
			e.mk("big", "")
			data := bytes.Repeat([]byte{0x5a}, maxData-4096)
			st, err := e.c.Set(e.ctx, e.p("big"), data, -1)
			e.ok(err, "Set of %d bytes", len(data))
			eq(e, st.DataLength, int32(len(data)), "DataLength")
		}},
		{name: "data/over-limit", run: func(e *env) {
			data := make([]byte, maxData+1)
			_, err := e.c.Create(e.ctx, e.p("big"), data, api.OpenACLUnsafe, api.ModePersistent)
			if err == nil {
				e.Fatal("Create with 1 MiB of data succeeded")
			}
			// Over the wire the server closes the connection (the frame is
			// over jute.maxbuffer); another session carries on at once.
			o := e.connect()
			e.gone(o, e.p("big"))
			e.create(o, e.p("after"), nil, api.OpenACLUnsafe, api.ModePersistent)
		}},
		{name: "data/set-over-limit", run: func(e *env) {
			e.mk("big", "small")
			_, err := e.c.Set(e.ctx, e.p("big"), make([]byte, maxData+1), -1)
			if err == nil {
				e.Fatal("Set with 1 MiB of data succeeded")
			}
			b, _ := e.data(e.connect(), e.p("big"))
			eq(e, string(b), "small", "data after a refused Set")
		}},
	}
}

func sessionChecks() []check {
	return []check{
		{name: "close/removes-ephemerals", run: func(e *env) {
			c := e.connect()
			a := e.create(c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			b := e.create(c, e.p("s"), nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
			e.ok(c.Close(), "Close")
			e.gone(e.c, a)
			e.gone(e.c, b)
		}},
		{name: "close/keeps-persistent", run: func(e *env) {
			c := e.connect()
			p := e.create(c, e.p("p"), nil, api.OpenACLUnsafe, api.ModePersistent)
			s := e.create(c, e.p("s"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			e.ok(c.Close(), "Close")
			e.stat(e.c, p)
			e.stat(e.c, s)
		}},
		{name: "close/other-sessions-untouched", run: func(e *env) {
			c := e.connect()
			e.create(c, e.p("mine"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			theirs := e.create(e.c, e.p("theirs"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.ok(c.Close(), "Close")
			e.stat(e.c, theirs)
		}},
		{name: "close/parent-stat", run: func(e *env) {
			e.mk("p", "")
			c := e.connect()
			e.create(c, e.p("p", "e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			before := e.stat(e.c, e.p("p"))
			e.ok(c.Close(), "Close")
			after := e.stat(e.c, e.p("p"))
			eq(e, after.NumChildren, int32(0), "NumChildren")
			if after.Pzxid <= before.Pzxid {
				e.Fatalf("Pzxid %d not advanced past %d by the ephemeral's removal", after.Pzxid, before.Pzxid)
			}
		}},
		{name: "close/idempotent", run: func(e *env) {
			c := e.connect()
			e.ok(c.Close(), "first Close")
			e.ok(c.Close(), "second Close")
		}},
		{name: "expire/removes-ephemerals", run: func(e *env) {
			c := e.expirable()
			p := e.create(c, e.p("e"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			ch := e.existsW(e.c, p)
			e.tg.Expire(e.T, c)
			e.wantEvent(ch, api.EventNodeDeleted, p)
			e.gone(e.c, p)
		}},
		{name: "expire/ends-watches", run: func(e *env) {
			c := e.expirable()
			ch := e.getW(c, e.mk("a", ""))
			e.tg.Expire(e.T, c)
			e.wantEnd(ch, api.StateExpired, "data watch of an expired session")
		}},
		{name: "expire/ops-fail", run: func(e *env) {
			c := e.expirable()
			ch := e.getW(c, e.mk("a", ""))
			e.tg.Expire(e.T, c)
			e.wantEnd(ch, api.StateExpired, "data watch of an expired session")
			_, _, err := c.Get(e.ctx, e.p("a"))
			e.code(err, api.ErrSessionExpired, "Get on an expired session")
		}},
		{name: "expire/other-sessions-untouched", run: func(e *env) {
			c := e.expirable()
			mine := e.create(c, e.p("mine"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			ch := e.existsW(e.c, mine)
			theirs := e.create(e.c, e.p("theirs"), nil, api.OpenACLUnsafe, api.ModeEphemeral)
			e.tg.Expire(e.T, c)
			e.wantEvent(ch, api.EventNodeDeleted, mine)
			e.stat(e.c, theirs)
			e.mk("still-works", "")
		}},
	}
}

// expirable skips the check unless the target can expire sessions, and
// returns a new session.
func (e *env) expirable() api.Client {
	e.Helper()
	if e.tg.Expire == nil {
		e.Skip("target cannot expire a session (Target.Expire is nil)")
	}
	return e.connect()
}
