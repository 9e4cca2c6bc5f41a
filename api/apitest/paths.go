package apitest

import (
	"errors"
	"strings"

	"github.com/zkembed/zkembed/api"
)

// badSuffixes are invalid by PathUtils.validatePath when appended to a valid
// path: empty names, relative names, control characters, and characters a
// Java string holds as U+D800..U+F8FF or U+FFF0..U+FFFF (surrogates, so every
// character above U+FFFF, private use, specials; malformed UTF-8 decodes to
// U+FFFD).
var badSuffixes = []struct{ name, suffix string }{
	{"trailing-slash", "/"},
	{"empty-name", "//a"},
	{"dot", "/."},
	{"dot-dot", "/.."},
	{"dot-inside", "/./a"},
	{"dot-dot-inside", "/../a"},
	{"nul", "/a\x00b"},
	{"control-01", "/a\x01b"},
	{"control-1f", "/a\x1fb"},
	{"del-7f", "/a\x7fb"},
	{"c1-0085", "/a\u0085b"},
	{"c1-009f", "/a\u009fb"},
	{"private-e000", "/a\ue000b"},
	{"private-f8ff", "/a\uf8ffb"},
	{"special-fff0", "/a\ufff0b"},
	{"special-ffff", "/a\uffffb"},
	{"astral-emoji", "/a\U0001F600b"},
	{"malformed-utf8", "/a\xffb"},
}

// goodNames are valid znode names that look suspicious.
var goodNames = []struct{ name, node string }{
	{"dot-prefix", ".a"},
	{"dot-suffix", "a."},
	{"three-dots", "..."},
	{"dot-dot-prefix", "..a"},
	{"space", "a b"},
	{"latin1-00a0", "a\u00a0b"},
	{"accents", "é"},
	{"cjk", "日本"},
	{"below-surrogates-d7ff", "a\ud7ffb"},
	{"after-private-f900", "a\uf900b"},
	{"zookeeper-like", "zookeeper"},
}

func pathChecks() []check {
	var cs []check
	for _, b := range badSuffixes {
		cs = append(cs, check{name: "create-invalid/" + b.name, run: func(e *env) {
			p := e.root + b.suffix
			_, err := e.c.Create(e.ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrBadArguments, "Create(%q)", p)
		}})
	}
	for _, g := range goodNames {
		cs = append(cs, check{name: "create-valid/" + g.name, run: func(e *env) {
			p := e.create(e.c, e.p(g.node), []byte("v"), api.OpenACLUnsafe, api.ModePersistent)
			eq(e, p, e.p(g.node), "created name")
			kids, _, err := e.c.Children(e.ctx, e.root)
			e.ok(err, "Children")
			e.sameSet(kids, []string{g.node}, "children")
			b, _ := e.data(e.c, p)
			eq(e, string(b), "v", "data")
		}})
	}
	cs = append(cs,
		check{name: "create-invalid/empty", run: func(e *env) {
			_, err := e.c.Create(e.ctx, "", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrBadArguments, `Create("")`)
		}},
		check{name: "create-invalid/relative", run: func(e *env) {
			_, err := e.c.Create(e.ctx, "relative/a", nil, api.OpenACLUnsafe, api.ModePersistent)
			e.code(err, api.ErrBadArguments, `Create("relative/a")`)
		}},
		check{name: "create-invalid/sequential-bad-char", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.p("s\x01"), nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			e.code(err, api.ErrBadArguments, "sequential create with a control character")
		}},
		check{name: "create-invalid/sequential-double-slash", run: func(e *env) {
			_, err := e.c.Create(e.ctx, e.root+"//", nil, api.OpenACLUnsafe, api.ModePersistentSequential)
			e.code(err, api.ErrBadArguments, "sequential create of root//")
		}},
		check{name: "set-invalid", run: func(e *env) {
			// setData validates the path on the server (PrepRequestProcessor).
			for _, b := range badSuffixes {
				_, err := e.c.Set(e.ctx, e.root+b.suffix, nil, -1)
				e.code(err, api.ErrBadArguments, "Set(%s)", b.name)
			}
		}},
		check{name: "setacl-invalid", run: func(e *env) {
			for _, b := range badSuffixes {
				_, err := e.c.SetACL(e.ctx, e.root+b.suffix, api.OpenACLUnsafe, -1)
				e.code(err, api.ErrBadArguments, "SetACL(%s)", b.name)
			}
		}},
		// ZooKeeper's client library rejects every invalid path before
		// sending it (PathUtils, BadArguments); the server itself only
		// looks such a path up for reads and deletes, and answers NoNode.
		// Either answer is accepted.
		check{name: "get-invalid", run: func(e *env) {
			for _, b := range badSuffixes {
				_, _, err := e.c.Get(e.ctx, e.root+b.suffix)
				e.codeIn(err, "Get("+b.name+")", api.ErrBadArguments, api.ErrNoNode)
			}
		}},
		check{name: "children-invalid", run: func(e *env) {
			for _, b := range badSuffixes {
				_, _, err := e.c.Children(e.ctx, e.root+b.suffix)
				e.codeIn(err, "Children("+b.name+")", api.ErrBadArguments, api.ErrNoNode)
			}
		}},
		check{name: "delete-invalid", run: func(e *env) {
			for _, b := range badSuffixes {
				err := e.c.Delete(e.ctx, e.root+b.suffix, -1)
				e.codeIn(err, "Delete("+b.name+")", api.ErrBadArguments, api.ErrNoNode)
			}
			e.stat(e.c, e.root)
		}},
		check{name: "exists-invalid", run: func(e *env) {
			for _, b := range badSuffixes {
				st, err := e.c.Exists(e.ctx, e.root+b.suffix)
				if err == nil && st == nil {
					continue
				}
				if !errors.Is(err, api.ErrBadArguments) {
					e.Fatalf("Exists(%s) = %+v, %v; want BadArguments or no znode", b.name, st, err)
				}
			}
		}},
		check{name: "watch-invalid", run: func(e *env) {
			_, _, ch, err := e.c.GetW(e.ctx, e.root+"//x")
			e.codeIn(err, "GetW(//)", api.ErrBadArguments, api.ErrNoNode)
			if ch != nil && errors.Is(err, api.ErrBadArguments) {
				e.Fatal("GetW of an invalid path returned a channel")
			}
		}},
		check{name: "long-name", run: func(e *env) {
			name := strings.Repeat("n", 1000)
			e.create(e.c, e.p(name), nil, api.OpenACLUnsafe, api.ModePersistent)
			kids, _, err := e.c.Children(e.ctx, e.root)
			e.ok(err, "Children")
			e.sameSet(kids, []string{name}, "children")
		}},
	)
	return cs
}
