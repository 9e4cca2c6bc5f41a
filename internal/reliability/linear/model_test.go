package linear

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/zkembed/zkembed/api"
)

// keys is the number of contended znodes, /lin/k0 .. /lin/k{keys-1}.
const keys = 3

// znode is one key's state in the model.
type znode struct {
	exists  bool
	data    string
	version int32
}

// state is the model's state: every key. It is a comparable value.
type state [keys]znode

// opKind is what an operation does.
type opKind int

const (
	opGet opKind = iota
	opSet
	opCreate
	opDelete
	opSync
	opMultiCheckSet  // check(key, version) then set(key2, data, -1)
	opMultiCreateDel // create(key, data) then delete(key2, -1)
)

// input is an operation as invoked.
type input struct {
	kind    opKind
	key     int
	key2    int
	data    string
	version int32
}

// output is what the operation returned.
type output struct {
	unknown bool     // the outcome is unknown to the client (connection lost, cancelled)
	err     api.Code // OK or the error
	data    string   // get
	version int32    // get: the version read; set: the new version
}

// step applies in to s as ZooKeeper would, returning the new state and what
// the client must have been answered.
func step(s state, in input, bumpOnSet bool) (state, output) {
	switch in.kind {
	case opGet:
		n := s[in.key]
		if !n.exists {
			return s, output{err: api.ErrNoNode}
		}
		return s, output{data: n.data, version: n.version}
	case opSet:
		n := s[in.key]
		switch {
		case !n.exists:
			return s, output{err: api.ErrNoNode}
		case in.version != -1 && in.version != n.version:
			return s, output{err: api.ErrBadVersion}
		}
		n.data = in.data
		if bumpOnSet || in.version != -1 {
			n.version++
		}
		s[in.key] = n
		return s, output{version: n.version}
	case opCreate:
		if s[in.key].exists {
			return s, output{err: api.ErrNodeExists}
		}
		s[in.key] = znode{exists: true, data: in.data}
		return s, output{}
	case opDelete:
		n := s[in.key]
		switch {
		case !n.exists:
			return s, output{err: api.ErrNoNode}
		case in.version != -1 && in.version != n.version:
			return s, output{err: api.ErrBadVersion}
		}
		s[in.key] = znode{}
		return s, output{}
	case opSync:
		return s, output{}
	case opMultiCheckSet:
		n := s[in.key]
		switch {
		case !n.exists:
			return s, output{err: api.ErrNoNode}
		case in.version != -1 && in.version != n.version:
			return s, output{err: api.ErrBadVersion}
		}
		t, out := step(s, input{kind: opSet, key: in.key2, data: in.data, version: -1}, bumpOnSet)
		if out.err != api.OK {
			return s, out
		}
		return t, output{}
	case opMultiCreateDel:
		t, out := step(s, input{kind: opCreate, key: in.key, data: in.data}, bumpOnSet)
		if out.err != api.OK {
			return s, out
		}
		u, out := step(t, input{kind: opDelete, key: in.key2, version: -1}, bumpOnSet)
		if out.err != api.OK {
			return s, out
		}
		return u, output{}
	}
	panic(fmt.Sprintf("unknown op kind %d", in.kind))
}

// zkModel is ZooKeeper's semantics for the contended znodes. With
// bumpOnSet false it is the deliberately wrong model of the negative test.
func zkModel(bumpOnSet bool) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return state{} },
		Step: func(st, in, out any) (bool, any) {
			s, i, o := st.(state), in.(input), out.(output)
			next, want := step(s, i, bumpOnSet)
			if o.unknown {
				return true, next
			}
			if o.err != want.err {
				return false, s
			}
			if o.err != api.OK {
				return true, s // a failed op changes nothing
			}
			switch i.kind {
			case opGet:
				return o.data == want.data && o.version == want.version, s
			case opSet:
				return o.version == want.version, next
			}
			return true, next
		},
		DescribeOperation: func(in, out any) string { return describe(in.(input), out.(output)) },
		DescribeState: func(st any) string {
			var b strings.Builder
			for k, n := range st.(state) {
				if n.exists {
					fmt.Fprintf(&b, "k%d=%q@%d ", k, n.data, n.version)
				}
			}
			return b.String()
		},
	}
}

func describe(i input, o output) string {
	var s string
	switch i.kind {
	case opGet:
		s = fmt.Sprintf("get k%d", i.key)
	case opSet:
		s = fmt.Sprintf("set k%d=%q v%d", i.key, i.data, i.version)
	case opCreate:
		s = fmt.Sprintf("create k%d=%q", i.key, i.data)
	case opDelete:
		s = fmt.Sprintf("delete k%d v%d", i.key, i.version)
	case opSync:
		s = "sync"
	case opMultiCheckSet:
		s = fmt.Sprintf("multi[check k%d v%d, set k%d=%q]", i.key, i.version, i.key2, i.data)
	case opMultiCreateDel:
		s = fmt.Sprintf("multi[create k%d=%q, delete k%d]", i.key, i.data, i.key2)
	}
	switch {
	case o.unknown:
		return s + " -> ?"
	case o.err != api.OK:
		return s + " -> " + o.err.Name()
	case i.kind == opGet:
		return fmt.Sprintf("%s -> %q@%d", s, o.data, o.version)
	case i.kind == opSet:
		return fmt.Sprintf("%s -> v%d", s, o.version)
	}
	return s + " -> ok"
}
