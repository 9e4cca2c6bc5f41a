//go:build linux

package powerfs

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if path := os.Getenv("POWERFS_MMAP_CHILD"); path != "" {
		// A page fault on a mount served by this very process can stall
		// the Go runtime (the faulting thread cannot be preempted while
		// the server's goroutines wait for it), so mmap writes are made
		// by a child process.
		if err := mmapWrite(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// mmapWrite writes "synced" at the start of path through a shared map and
// msyncs it, then "unsynced" at page 2 without a sync.
func mmapWrite(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, 4*PageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return err
	}
	copy(m[0:], "synced")
	if err := msync(m); err != nil {
		return err
	}
	copy(m[2*PageSize:], "unsynced")
	return syscall.Munmap(m)
}

func writeFile(t *testing.T, path string, data []byte, sync bool) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func syncDir(t *testing.T, path string) {
	t.Helper()
	d, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
}

func cut(t *testing.T, p *FS, mode Mode) {
	t.Helper()
	if err := p.Cut(mode, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
}

// readOrNil reads a file, nil if it does not exist.
func readOrNil(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A writer that acknowledges each record before fsync loses the records
// written since its last fsync; the ones before it survive.
func TestAckBeforeFsyncLoses(t *testing.T) {
	p := MountT(t)
	log := filepath.Join(p.Path(), "log")
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	syncDir(t, p.Path())
	var acked bytes.Buffer
	for i := range 100 {
		rec := bytes.Repeat([]byte{byte('a' + i%26)}, 100)
		if _, err := f.Write(rec); err != nil {
			t.Fatal(err)
		}
		acked.Write(rec) // acknowledged before any fsync
		if i == 49 {
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.Close()
	cut(t, p, LoseAll)
	got := readOrNil(t, log)
	if !bytes.Equal(got, acked.Bytes()[:5000]) {
		t.Fatalf("after the cut the log has %d bytes, want the 5000 synced (of %d acknowledged)", len(got), acked.Len())
	}
	if st := p.Stats(); st.LostPages == 0 || st.Cuts != 1 {
		t.Errorf("stats %+v: want lost pages and one cut", st)
	}
}

// A new file fsynced but not its directory loses its name; with the
// directory fsynced it survives.
func TestNewFileNeedsDirSync(t *testing.T) {
	p := MountT(t)
	a, b := filepath.Join(p.Path(), "a"), filepath.Join(p.Path(), "b")
	writeFile(t, a, []byte("no dir sync"), true)
	writeFile(t, b, []byte("dir synced"), true)
	syncDir(t, p.Path())
	c := filepath.Join(p.Path(), "c")
	writeFile(t, c, []byte("created after the dir sync"), true)
	os.Remove(a) // an unlink after the dir sync is not durable either
	cut(t, p, LoseAll)
	if got := readOrNil(t, a); string(got) != "no dir sync" {
		t.Errorf("a: %q, want it back (its unlink was not durable)", got)
	}
	if got := readOrNil(t, b); string(got) != "dir synced" {
		t.Errorf("b: %q", got)
	}
	if got := readOrNil(t, c); got != nil {
		t.Errorf("c: %q, want it gone (its name was never durable)", got)
	}
}

// A directory made without fsyncing its parent vanishes with everything in
// it, even synced files.
func TestMkdirNeedsParentSync(t *testing.T) {
	p := MountT(t)
	d := filepath.Join(p.Path(), "d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(d, "f"), []byte("x"), true)
	syncDir(t, d)
	cut(t, p, LoseAll)
	if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("d after the cut: %v, want it gone", err)
	}
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	syncDir(t, p.Path())
	writeFile(t, filepath.Join(d, "f"), []byte("y"), true)
	syncDir(t, d)
	cut(t, p, LoseAll)
	if got := readOrNil(t, filepath.Join(d, "f")); string(got) != "y" {
		t.Fatalf("d/f: %q, want %q", got, "y")
	}
}

// A rename over a file becomes durable with its directory's fsync.
func TestRenameNeedsDirSync(t *testing.T) {
	p := MountT(t)
	m, tmp := filepath.Join(p.Path(), "MANIFEST"), filepath.Join(p.Path(), "tmp")
	writeFile(t, m, []byte("old"), true)
	syncDir(t, p.Path())
	writeFile(t, tmp, []byte("new"), true)
	if err := os.Rename(tmp, m); err != nil {
		t.Fatal(err)
	}
	cut(t, p, LoseAll)
	if got := readOrNil(t, m); string(got) != "old" {
		t.Fatalf("MANIFEST: %q, want the old one", got)
	}
	writeFile(t, tmp, []byte("new"), true)
	if err := os.Rename(tmp, m); err != nil {
		t.Fatal(err)
	}
	syncDir(t, p.Path())
	cut(t, p, LoseAll)
	if got := readOrNil(t, m); string(got) != "new" {
		t.Fatalf("MANIFEST: %q, want the new one", got)
	}
	if got := readOrNil(t, tmp); got != nil {
		t.Fatalf("tmp still there: %q", got)
	}
}

// Writes through a shared mmap are durable after msync, lost without.
func TestMmapWrites(t *testing.T) {
	p := MountT(t)
	path := filepath.Join(p.Path(), "wal")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(4 * PageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	syncDir(t, p.Path())
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "POWERFS_MMAP_CHILD="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mmap writer: %v\n%s", err, out)
	}
	cut(t, p, LoseAll)
	got := readOrNil(t, path)
	if len(got) != 4*PageSize || string(got[:6]) != "synced" || got[2*PageSize] != 0 {
		t.Fatalf("after the cut: %d bytes, head %q, page 2 starts %q", len(got), got[:min(6, len(got))], got[2*PageSize:2*PageSize+8])
	}
}

func msync(b []byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafePointer(b)), uintptr(len(b)), syscall.MS_SYNC)
	if e != 0 {
		return e
	}
	return nil
}

// Truncation is durable only once fsynced.
func TestTruncate(t *testing.T) {
	p := MountT(t)
	path := filepath.Join(p.Path(), "f")
	data := bytes.Repeat([]byte("0123456789"), 1000)
	writeFile(t, path, data, true)
	syncDir(t, p.Path())
	if err := os.Truncate(path, 5); err != nil {
		t.Fatal(err)
	}
	cut(t, p, LoseAll)
	if got := readOrNil(t, path); !bytes.Equal(got, data) {
		t.Fatalf("unsynced truncate survived: %d bytes", len(got))
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(5); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("x"), 9000); err != nil { // grows it again with a hole
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cut(t, p, LoseAll)
	got := readOrNil(t, path)
	want := make([]byte, 9001)
	copy(want, data[:5])
	want[9000] = 'x'
	if !bytes.Equal(got, want) {
		t.Fatalf("after a synced truncate and write: %d bytes, want %d with a zero hole", len(got), len(want))
	}
}

// A torn cut keeps some unsynced pages and loses others.
func TestTornKeepsSomePages(t *testing.T) {
	p := MountT(t)
	path := filepath.Join(p.Path(), "f")
	writeFile(t, path, nil, true)
	syncDir(t, p.Path())
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const pages = 64
	for i := range pages {
		if _, err := f.WriteAt(bytes.Repeat([]byte{byte(i + 1)}, PageSize), int64(i)*PageSize); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	cut(t, p, Torn)
	got := readOrNil(t, path)
	kept := 0
	for i := range pages {
		off := i * PageSize
		if off >= len(got) {
			break
		}
		switch pg := got[off : off+PageSize]; {
		case bytes.Equal(pg, bytes.Repeat([]byte{byte(i + 1)}, PageSize)):
			kept++
		case !bytes.Equal(pg, make([]byte, PageSize)):
			t.Fatalf("page %d is neither written nor zero", i)
		}
	}
	if kept == 0 || kept == pages {
		t.Fatalf("torn cut kept %d of %d unsynced pages, want some but not all", kept, pages)
	}
	if st := p.Stats(); st.TornPages != kept {
		t.Errorf("stats count %d torn pages, the file has %d", st.TornPages, kept)
	}
}

// FailFsync fails one matching fsync with EIO and makes nothing durable;
// SetNoSpace fails writes with ENOSPC.
func TestFaults(t *testing.T) {
	p := MountT(t)
	path := filepath.Join(p.Path(), "f")
	writeFile(t, path, []byte("durable"), true)
	syncDir(t, p.Path())
	p.FailFsync(func(name string) bool { return name == "f" })
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("lost")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("fsync: %v, want EIO", err)
	}
	p.SetNoSpace(true)
	if _, err := f.Write([]byte("more")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write while full: %v, want ENOSPC", err)
	}
	p.SetNoSpace(false)
	f.Close()
	cut(t, p, LoseAll)
	if got := readOrNil(t, path); string(got) != "durable" {
		t.Fatalf("after a failed fsync and a cut: %q, want %q", got, "durable")
	}
	if st := p.Stats(); st.FailedSyncs != 1 || st.NoSpace == 0 {
		t.Errorf("stats %+v: want 1 failed sync and some ENOSPC", st)
	}
}
