package linear

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zkembed/zkembed/api"
)

func keyPath(k int) string { return "/lin/k" + strconv.Itoa(k) }

// recorder collects a history. Timestamps are nanoseconds since start,
// from the monotonic clock.
type recorder struct {
	start   time.Time
	mu      sync.Mutex // guards ops
	ops     []porcupine.Operation
	unknown int
	nextID  atomic.Int64
}

func newRecorder() *recorder { return &recorder{start: time.Now()} }

func (r *recorder) now() int64 { return int64(time.Since(r.start)) }

func (r *recorder) add(op porcupine.Operation) {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	if op.Output.(output).unknown {
		r.unknown++
	}
	r.mu.Unlock()
}

// history returns the operations recorded.
func (r *recorder) history() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]porcupine.Operation(nil), r.ops...)
}

// outcome maps a call's error to the output: nil → OK, a ZooKeeper code the
// model knows → that code, a lost connection or cancelled context →
// unknown. Anything else is unexpected.
func outcome(err error) (output, error) {
	switch {
	case err == nil:
		return output{}, nil
	case errors.Is(err, api.ErrConnectionLoss), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return output{unknown: true}, nil
	}
	switch c := api.CodeOf(err); c {
	case api.ErrNoNode, api.ErrNodeExists, api.ErrBadVersion:
		return output{err: c}, nil
	}
	return output{}, err
}

// do runs one random operation on c and records it. It returns an error
// only for an unexpected failure.
func (r *recorder) do(ctx context.Context, c api.Client, client int, rng *rand.Rand, versions *[keys]int32) error {
	in := input{key: rng.IntN(keys), key2: rng.IntN(keys), version: -1}
	in.data = strconv.FormatInt(r.nextID.Add(1), 36)
	if rng.IntN(2) == 0 {
		in.version = versions[in.key] // the version this client last saw, often stale
	}
	if rng.IntN(8) == 0 {
		in.version = int32(rng.IntN(4))
	}
	switch x := rng.IntN(100); {
	case x < 35:
		in.kind = opGet
	case x < 60:
		in.kind = opSet
	case x < 70:
		in.kind = opCreate
	case x < 78:
		in.kind = opDelete
	case x < 82:
		in.kind = opSync
	case x < 92:
		in.kind = opMultiCheckSet
	default:
		in.kind = opMultiCreateDel
	}
	return r.run(ctx, c, client, in, versions)
}

// run invokes in on c and records it.
func (r *recorder) run(ctx context.Context, c api.Client, client int, in input, versions *[keys]int32) error {
	call := r.now()
	var out output
	var err error
	switch in.kind {
	case opGet:
		var d []byte
		var st *api.Stat
		d, st, err = c.Get(ctx, keyPath(in.key))
		if err == nil {
			out.data, out.version = string(d), st.Version
			versions[in.key] = st.Version
		}
	case opSet:
		var st *api.Stat
		st, err = c.Set(ctx, keyPath(in.key), []byte(in.data), in.version)
		if err == nil {
			out.version = st.Version
			versions[in.key] = st.Version
		}
	case opCreate:
		_, err = c.Create(ctx, keyPath(in.key), []byte(in.data), api.OpenACLUnsafe, api.ModePersistent)
	case opDelete:
		err = c.Delete(ctx, keyPath(in.key), in.version)
	case opSync:
		_, err = c.Sync(ctx, "/lin")
	case opMultiCheckSet:
		_, err = c.Multi(ctx,
			&api.CheckRequest{Path: keyPath(in.key), Version: in.version},
			&api.SetDataRequest{Path: keyPath(in.key2), Data: []byte(in.data), Version: -1})
	case opMultiCreateDel:
		_, err = c.Multi(ctx,
			&api.CreateRequest{Path: keyPath(in.key), Data: []byte(in.data), ACL: api.OpenACLUnsafe},
			&api.DeleteRequest{Path: keyPath(in.key2), Version: -1})
	}
	ret := r.now()
	o, uerr := outcome(err)
	if uerr != nil {
		return fmt.Errorf("%s: unexpected %w", describe(in, o), uerr)
	}
	if o.unknown {
		if in.kind == opGet || in.kind == opSync {
			return nil // a read with no answer says nothing
		}
		ret = math.MaxInt64 // never returned: it may apply any time after its call
	} else {
		o.data, o.version = out.data, out.version
	}
	r.add(porcupine.Operation{ClientId: client, Input: in, Call: call, Output: o, Return: ret})
	return nil
}

// conns tracks the connections a dialer opened, so chaos can drop them.
type conns struct {
	mu  sync.Mutex // guards all
	all []net.Conn
}

func (cs *conns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cs.mu.Lock()
	cs.all = append(cs.all, nc)
	cs.mu.Unlock()
	return nc, nil
}

// dropOne closes a random open connection.
func (cs *conns) dropOne(rng *rand.Rand) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.all) == 0 {
		return
	}
	i := rng.IntN(len(cs.all))
	cs.all[i].Close()
	cs.all = append(cs.all[:i], cs.all[i+1:]...)
}
