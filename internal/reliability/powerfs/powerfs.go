//go:build linux

package powerfs

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// PageSize is the unit of a torn write: each unsynced page survives a
// [Torn] cut or not, whole.
const PageSize = 4096

// Mode says what a cut keeps of the unsynced changes.
type Mode int

const (
	// LoseAll reverts every change not made durable.
	LoseAll Mode = iota
	// Torn also keeps a random subset of the unsynced pages of the files
	// still present at the cut.
	Torn
)

func (m Mode) String() string {
	if m == Torn {
		return "torn"
	}
	return "lose-all"
}

// Stats counts what the filesystem saw since it was mounted first.
type Stats struct {
	Cuts        int   // power cuts
	Fsyncs      int   // file fsyncs and fdatasyncs that succeeded
	DirSyncs    int   // directory fsyncs
	Writes      int   // write requests
	LostPages   int   // unsynced pages dropped by cuts
	TornPages   int   // unsynced pages a Torn cut kept
	LostEntries int   // directory changes undone by cuts (names added or removed)
	FailedSyncs int   // fsyncs answered with EIO by FailFsync
	NoSpace     int   // writes answered with ENOSPC
	Bytes       int64 // bytes written
}

// FS is a mounted powerfs. Its methods are safe for concurrent use.
type FS struct {
	mnt, dir string // the mount point, and the directory holding the backing trees
	gen      int    // the backing tree in use is dir/gen-<gen>
	server   *fuse.Server

	mu       sync.Mutex // guards the fields below
	nextID   uint64
	live     map[uint64]uint64 // backing inode number → object id, for what exists now
	files    map[uint64]*file  // object id → durable state
	dirs     map[uint64]*dir   // object id → durable listing
	rootID   uint64
	frozen   bool // cut in progress: nothing becomes durable any more
	failSync []func(name string) bool
	noSpace  bool
	stats    Stats
}

// file is a regular file's (or symlink's) durable state and its unsynced
// changes.
type file struct {
	pages map[int64][]byte // durable contents by page; absent pages are zero
	size  int64            // durable size
	dirty map[int64]bool   // pages written since the last fsync
	trunc int64            // the smallest size set since the last fsync (-1: none)
}

// dir is a directory's durable listing.
type dir struct {
	entries map[string]entry
}

type entry struct {
	id     uint64
	mode   uint32 // S_IFREG, S_IFDIR or S_IFLNK (with permissions)
	target string // a symlink's target
}

func newFile() *file { return &file{pages: map[int64][]byte{}, dirty: map[int64]bool{}, trunc: -1} }

// Available reports whether a powerfs can be mounted here, and if not, why.
func Available() error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("no /dev/fuse: %w", err)
	}
	base, err := os.MkdirTemp("", "powerfs-probe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	p, err := Mount(filepath.Join(base, "mnt"), filepath.Join(base, "backing"))
	if err != nil {
		return err
	}
	return p.Unmount()
}

// Mount mounts a powerfs at mnt (created if missing) over a backing tree
// kept under backing (created if missing). Whatever backing already holds from an
// earlier powerfs is discarded; the new filesystem starts empty and wholly
// durable.
func Mount(mnt, backing string) (*FS, error) {
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(backing); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(backing, "gen-0"), 0o755); err != nil {
		return nil, err
	}
	p := &FS{mnt: mnt, dir: backing, files: map[uint64]*file{}, dirs: map[uint64]*dir{}, live: map[uint64]uint64{}}
	if err := p.mount(); err != nil {
		return nil, err
	}
	return p, nil
}

// Path is the mount point.
func (p *FS) Path() string { return p.mnt }

func (p *FS) backing() string { return filepath.Join(p.dir, fmt.Sprintf("gen-%d", p.gen)) }

// mount scans the backing tree (all of it durable) and mounts it.
func (p *FS) mount() error {
	p.mu.Lock()
	p.live = map[uint64]uint64{}
	p.files = map[uint64]*file{}
	p.dirs = map[uint64]*dir{}
	id, err := p.scan(p.backing())
	p.rootID = id
	p.frozen = false
	p.mu.Unlock()
	if err != nil {
		return err
	}

	var st syscall.Stat_t
	if err := syscall.Stat(p.backing(), &st); err != nil {
		return err
	}
	root := &fs.LoopbackRoot{Path: p.backing(), Dev: uint64(st.Dev)}
	root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, p: p}
	}
	root.RootNode = root.NewNode(root, nil, "", &st)
	zero := 0 * time.Second
	srv, err := fs.Mount(p.mnt, root.RootNode, &fs.Options{
		// No caching of names or attributes beyond the kernel's page
		// cache: the rebuilt tree after a cut is read afresh.
		EntryTimeout: &zero, AttrTimeout: &zero, NegativeTimeout: &zero,
		MountOptions: fuse.MountOptions{
			DirectMount: true, DirectMountStrict: true,
			FsName: "powerfs", Name: "powerfs",
			MaxWrite: 1 << 20,
		},
	})
	if err != nil {
		return fmt.Errorf("powerfs: mount %s: %w", p.mnt, err)
	}
	p.server = srv
	return nil
}

// scan records the tree at path as wholly durable and returns its id.
// Called with mu held.
func (p *FS) scan(path string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return 0, err
	}
	id := p.newID(st.Ino)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		d := &dir{entries: map[string]entry{}}
		p.dirs[id] = d
		ents, err := os.ReadDir(path)
		if err != nil {
			return 0, err
		}
		for _, e := range ents {
			child := filepath.Join(path, e.Name())
			cid, err := p.scan(child)
			if err != nil {
				return 0, err
			}
			var cst syscall.Stat_t
			if err := syscall.Lstat(child, &cst); err != nil {
				return 0, err
			}
			en := entry{id: cid, mode: cst.Mode}
			if cst.Mode&syscall.S_IFMT == syscall.S_IFLNK {
				en.target, _ = os.Readlink(child)
			}
			d.entries[e.Name()] = en
		}
	case syscall.S_IFREG:
		f := newFile()
		p.files[id] = f
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		f.size = int64(len(b))
		for off := 0; off < len(b); off += PageSize {
			pg := b[off:min(off+PageSize, len(b))]
			if slices.ContainsFunc(pg, func(c byte) bool { return c != 0 }) {
				f.pages[int64(off/PageSize)] = slices.Clone(pg)
			}
		}
	default:
		p.files[id] = newFile() // a symlink: its target lives in its entry
	}
	return id, nil
}

// newID gives the object behind backing inode ino a fresh identity (a new
// file may reuse the inode number of one unlinked whose durable state
// lives on). Called with mu held.
func (p *FS) newID(ino uint64) uint64 {
	p.nextID++
	p.live[ino] = p.nextID
	return p.nextID
}

// fileOf returns the state of the file behind backing inode ino. Called
// with mu held.
func (p *FS) fileOf(ino uint64) *file {
	id, ok := p.live[ino]
	if !ok {
		id = p.newID(ino)
	}
	f := p.files[id]
	if f == nil {
		f = newFile()
		p.files[id] = f
	}
	return f
}

// FailFsync makes the next fsync of a file whose path (relative to the
// mount) satisfies match fail with EIO, and nothing it would have made
// durable becomes so. Each call arms one failure.
func (p *FS) FailFsync(match func(name string) bool) {
	p.mu.Lock()
	p.failSync = append(p.failSync, match)
	p.mu.Unlock()
}

// SetNoSpace makes every write, allocation, file creation and growing
// truncation fail with ENOSPC while on is true.
func (p *FS) SetNoSpace(on bool) {
	p.mu.Lock()
	p.noSpace = on
	p.mu.Unlock()
}

// Stats returns the counts so far.
func (p *FS) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Unmount unmounts the filesystem. Nothing may use it any more.
func (p *FS) Unmount() error {
	if p.server == nil {
		return nil
	}
	err := p.server.Unmount()
	if err != nil {
		// Something still holds a file: detach it anyway, so the
		// mount does not outlive the test.
		err = errors.Join(err, syscall.Unmount(p.mnt, syscall.MNT_DETACH))
	}
	p.server.Wait()
	p.server = nil
	return err
}

// Cut is a power cut: the mount is dropped with its page cache, and the
// filesystem comes back (mounted again at the same place) holding only
// what was durable, plus with Torn a random subset of unsynced pages drawn
// from rng. Every process using the mount must be gone first (kill it).
func (p *FS) Cut(mode Mode, rng *rand.Rand) error {
	p.mu.Lock()
	p.frozen = true
	var torn map[uint64]map[int64][]byte
	if mode == Torn {
		torn = p.tornPages(rng)
	}
	p.mu.Unlock()

	if err := p.Unmount(); err != nil {
		return fmt.Errorf("powerfs: cut: %w", err)
	}
	p.mu.Lock()
	old := p.backing()
	p.gen++
	err := p.rebuild(old, p.backing(), torn)
	p.stats.Cuts++
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("powerfs: cut: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	return p.mount()
}

// tornPages picks, for each file still present, which unsynced pages
// survive, and reads them. Called with mu held.
func (p *FS) tornPages(rng *rand.Rand) map[uint64]map[int64][]byte {
	out := map[uint64]map[int64][]byte{}
	filepath.WalkDir(p.backing(), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		var st syscall.Stat_t
		if syscall.Lstat(path, &st) != nil {
			return nil
		}
		id, ok := p.live[st.Ino]
		f := p.files[id]
		if !ok || f == nil || len(f.dirty) == 0 {
			return nil
		}
		fd, err := os.Open(path)
		if err != nil {
			return nil
		}
		defer fd.Close()
		for pg := range f.dirty {
			if rng.IntN(2) == 0 {
				continue
			}
			b := readPage(fd, pg, st.Size)
			if b == nil {
				continue
			}
			if out[id] == nil {
				out[id] = map[int64][]byte{}
			}
			out[id][pg] = b
		}
		return nil
	})
	return out
}

// readPage reads page pg of a file of the given size (nil past its end).
func readPage(fd io.ReaderAt, pg, size int64) []byte {
	off := pg * PageSize
	if off >= size {
		return nil
	}
	b := make([]byte, min(PageSize, size-off))
	n, _ := fd.ReadAt(b, off)
	clear(b[n:])
	return b
}

// rebuild writes the durable state into the empty tree at to. Called with
// mu held.
func (p *FS) rebuild(from, to string, torn map[uint64]map[int64][]byte) error {
	// Count what is lost: unsynced pages and undone directory changes.
	for id, f := range p.files {
		p.stats.LostPages += len(f.dirty) - len(torn[id])
		p.stats.TornPages += len(torn[id])
	}
	p.stats.LostEntries += countEntryChanges(from, p)
	made := map[uint64]string{} // files written, for hard links
	var build func(path string, id uint64) error
	build = func(path string, id uint64) error {
		if err := os.Mkdir(path, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		d := p.dirs[id]
		if d == nil {
			return nil
		}
		for name, e := range d.entries {
			child := filepath.Join(path, name)
			switch e.mode & syscall.S_IFMT {
			case syscall.S_IFDIR:
				if err := build(child, e.id); err != nil {
					return err
				}
			case syscall.S_IFLNK:
				if err := os.Symlink(e.target, child); err != nil {
					return err
				}
			default:
				if first, ok := made[e.id]; ok {
					if err := os.Link(first, child); err != nil {
						return err
					}
					continue
				}
				if err := writeDurable(child, e.mode, p.files[e.id], torn[e.id]); err != nil {
					return err
				}
				made[e.id] = child
			}
		}
		return nil
	}
	return build(to, p.rootID)
}

// writeDurable creates path with f's durable contents, and any torn pages.
func writeDurable(path string, mode uint32, f *file, torn map[int64][]byte) error {
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, os.FileMode(mode&0o777))
	if err != nil {
		return err
	}
	defer out.Close()
	if f == nil {
		return nil
	}
	size := f.size
	for pg, b := range torn {
		size = max(size, pg*PageSize+int64(len(b)))
	}
	if err := out.Truncate(size); err != nil {
		return err
	}
	for pg, b := range f.pages {
		if _, ok := torn[pg]; ok {
			continue
		}
		if _, err := out.WriteAt(b[:min(int64(len(b)), max(0, size-pg*PageSize))], pg*PageSize); err != nil {
			return err
		}
	}
	for pg, b := range torn {
		if _, err := out.WriteAt(b, pg*PageSize); err != nil {
			return err
		}
	}
	return nil
}

// countEntryChanges counts the names in the live tree at root that differ
// from the durable listings (added, removed or pointing elsewhere).
func countEntryChanges(root string, p *FS) int {
	n := 0
	var walk func(path string, id uint64)
	walk = func(path string, id uint64) {
		d := p.dirs[id]
		ents, err := os.ReadDir(path)
		if err != nil || d == nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range ents {
			seen[e.Name()] = true
			var st syscall.Stat_t
			if syscall.Lstat(filepath.Join(path, e.Name()), &st) != nil {
				continue
			}
			de, ok := d.entries[e.Name()]
			if !ok || de.id != p.live[st.Ino] {
				n++
				continue
			}
			if e.IsDir() {
				walk(filepath.Join(path, e.Name()), de.id)
			}
		}
		for name := range d.entries {
			if !seen[name] {
				n++
			}
		}
	}
	walk(root, p.rootID)
	return n
}
