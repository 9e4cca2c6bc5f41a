package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/zkserver"
	"github.com/zkembed/zkembed/transport"
)

// fillTree creates a tree with data of every kind, ACLs that lock out
// everyone but bob (read-only for the world, none at all), sequential
// names, and an ephemeral that export must leave out.
func fillTree(t *testing.T, c api.Client) {
	t.Helper()
	ctx := context.Background()
	bob := api.DigestACL(api.PermAll, "bob", "pw")
	mk := func(p, data string, acl []api.ACL) {
		t.Helper()
		if _, err := c.Create(ctx, p, []byte(data), acl, api.ModePersistent); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	mk("/app", "root of the app", api.OpenACLUnsafe)
	mk("/app/config", `{"a":1}`, api.OpenACLUnsafe)
	mk("/app/binary", "\x00\x01\xff\xfe", api.OpenACLUnsafe)
	mk("/app/empty", "", api.OpenACLUnsafe)
	// Read-only for the world, all for bob: its children are created
	// before its ACL is set.
	mk("/app/secret", "s", append([]api.ACL{{Perms: api.PermRead, Scheme: "world", ID: "anyone"}}, bob...))
	mk("/app/secret/inner", "i", bob)
	mk("/app/many", "", api.OpenACLUnsafe)
	for i := 0; i < 120; i++ {
		mk(fmt.Sprintf("/app/many/%03d", i), strings.Repeat("x", i), api.OpenACLUnsafe)
	}
	if _, err := c.Create(ctx, "/app/jobs", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.Create(ctx, "/app/jobs/job-", []byte{byte(i)}, api.OpenACLUnsafe, api.ModePersistentSequential); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Create(ctx, "/app/live", []byte("ephemeral"), api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
		t.Fatal(err)
	}
}

func TestExportImport(t *testing.T) {
	dir := t.TempDir()
	src := startServe(t, "", "--memory", "--addr", "127.0.0.1:0")
	sc := dial(t, src.addr, transport.WithAuth("digest", []byte("bob:pw")))
	fillTree(t, sc)
	want := takeSnapshot(t, sc, "/app")
	if _, ok := want["/app/live"]; ok {
		t.Fatal("snapshot kept the ephemeral")
	}

	file := filepath.Join(dir, "tree.json")
	r := zk(t, "", "export", "--server", src.addr, "--auth", "digest:bob:pw", "--progress", "/app", file)
	if r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	// The progress bar ends at 100% and the summary counts the ephemeral.
	if !strings.Contains(r.err, "100%") || !strings.Contains(r.err, fmt.Sprintf("exported %d znodes under /app", len(want))) ||
		!strings.Contains(r.err, "(1 ephemerals skipped)") {
		t.Errorf("export progress and summary:\n%s", r.err)
	}
	raw, _ := os.ReadFile(file)
	var ex struct {
		Format string
		Nodes  []struct{ Path, Mode string }
	}
	if err := json.Unmarshal(raw, &ex); err != nil || ex.Format != "zkembed-export/1" || len(ex.Nodes) != len(want) {
		t.Fatalf("export file: format %q, %d nodes, %v", ex.Format, len(ex.Nodes), err)
	}

	targets := map[string]string{"zkembed": startServe(t, "", "--memory", "--addr", "127.0.0.1:0").addr}
	if ok, why := zkserver.Available(); ok {
		targets["apache"] = zkserver.Start(t, zkserver.Options{}).Addr()
	} else {
		t.Logf("import into Apache ZooKeeper not tested: %s", why)
	}
	for name, addr := range targets {
		t.Run(name, func(t *testing.T) {
			r := zk(t, "", "import", "--server", addr, "--batch", "50", "--progress", file)
			if r.code != 0 {
				t.Fatalf("import: %+v", r)
			}
			if !strings.Contains(r.err, "100%") || !strings.Contains(r.err, fmt.Sprintf("import %d/%d", len(want), len(want))) {
				t.Errorf("import progress:\n%s", r.err)
			}
			tc := dial(t, addr, transport.WithAuth("digest", []byte("bob:pw")))
			got := takeSnapshot(t, tc, "/app")
			if !maps.Equal(got, want) {
				t.Errorf("imported tree differs:\n%s", diff(want, got))
			}
			// Importing again (as a resumed import does) changes
			// nothing and succeeds.
			if r := zk(t, "", "import", "--server", addr, "--auth", "digest:bob:pw", file); r.code != 0 {
				t.Fatalf("second import: %+v", r)
			}
			if got := takeSnapshot(t, tc, "/app"); !maps.Equal(got, want) {
				t.Errorf("tree after a second import differs:\n%s", diff(want, got))
			}
		})
	}

	// Resumable: an import interrupted after 60 znodes left them and its
	// state file; the next run applies the rest and skips those 60 (a
	// change made to one of them meanwhile stays).
	dst := startServe(t, "", "--memory", "--addr", "127.0.0.1:0")
	var full map[string]json.RawMessage
	json.Unmarshal(raw, &full)
	var nodes []json.RawMessage
	json.Unmarshal(full["nodes"], &nodes)
	full["nodes"], _ = json.Marshal(nodes[:60])
	part, _ := json.Marshal(full)
	partFile := filepath.Join(dir, "part.json")
	os.WriteFile(partFile, part, 0o644)
	if r := zk(t, "", "import", "--server", dst.addr, partFile, "/copy"); r.code != 0 {
		t.Fatalf("partial import: %+v", r)
	}
	dc := dial(t, dst.addr, transport.WithAuth("digest", []byte("bob:pw")))
	if _, err := dc.Set(context.Background(), "/copy/app", []byte("changed meanwhile"), -1); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file+".import-state", []byte(fmt.Sprintf(`{"server":%q,"dest":"/copy","done":60}`, dst.addr)), 0o644)
	if r := zk(t, "", "import", "--server", dst.addr, file, "/copy"); r.code != 0 || !strings.Contains(r.err, "resuming import") {
		t.Fatalf("resumed import: %+v", r)
	}
	got := takeSnapshot(t, dc, "/copy/app")
	wantCopy := snapshot{}
	for k, v := range want {
		wantCopy["/copy"+k] = v
	}
	wantCopy["/copy/app"] = strings.Replace(want["/app"], "root of the app", "changed meanwhile", 1)
	if !maps.Equal(got, wantCopy) {
		t.Errorf("resumed import:\n%s", diff(wantCopy, got))
	}
	if _, err := os.Stat(file + ".import-state"); !os.IsNotExist(err) {
		t.Errorf("state file left after a complete import: %v", err)
	}
}

func diff(want, got snapshot) string {
	var b strings.Builder
	keys := slices.Sorted(maps.Keys(want))
	for _, k := range keys {
		if g, ok := got[k]; !ok {
			fmt.Fprintf(&b, "missing %s\n", k)
		} else if g != want[k] {
			fmt.Fprintf(&b, "%s: want %q, got %q\n", k, want[k], g)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "extra %s\n", k)
		}
	}
	return b.String()
}
