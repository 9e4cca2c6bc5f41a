//go:build linux

package powerfs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is a file or directory of the mount: go-fuse's loopback node, with
// the operations that change durability watched.
type node struct {
	fs.LoopbackNode
	p *FS
}

var (
	_ fs.NodeCreater         = (*node)(nil)
	_ fs.NodeOpener          = (*node)(nil)
	_ fs.NodeOpendirHandler  = (*node)(nil)
	_ fs.NodeMkdirer         = (*node)(nil)
	_ fs.NodeMknoder         = (*node)(nil)
	_ fs.NodeSymlinker       = (*node)(nil)
	_ fs.NodeSetattrer       = (*node)(nil)
	_ fs.FileWriter          = (*handle)(nil)
	_ fs.FileFsyncer         = (*handle)(nil)
	_ fs.FileAllocater       = (*handle)(nil)
	_ fs.FilePassthroughFder = (*handle)(nil)
	_ fs.FileFsyncdirer      = (*dirHandle)(nil)
	_ fs.FileReaddirenter    = (*dirHandle)(nil)
)

// backingPath is the node's path in the backing tree.
func (n *node) backingPath() string {
	return filepath.Join(n.RootData.Path, n.Path(n.Root()))
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if n.p.full() {
		return nil, nil, 0, syscall.ENOSPC
	}
	ch, fh, ff, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	n.p.mu.Lock()
	id := n.p.newID(ch.StableAttr().Ino)
	n.p.files[id] = newFile()
	n.p.mu.Unlock()
	return ch, n.p.wrap(fh, ch), ff, 0
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, ff, errno := n.LoopbackNode.Open(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	if flags&syscall.O_TRUNC != 0 {
		n.p.truncated(n.StableAttr().Ino, 0)
	}
	return n.p.wrap(fh, n.EmbeddedInode()), ff, 0
}

func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, ff, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return &dirHandle{FileHandle: fh, n: n}, ff, 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ch, errno := n.LoopbackNode.Mkdir(ctx, name, mode, out)
	if errno == 0 {
		n.p.mu.Lock()
		id := n.p.newID(ch.StableAttr().Ino)
		n.p.dirs[id] = &dir{entries: map[string]entry{}}
		n.p.mu.Unlock()
	}
	return ch, errno
}

func (n *node) Mknod(ctx context.Context, name string, mode, rdev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.p.full() {
		return nil, syscall.ENOSPC
	}
	ch, errno := n.LoopbackNode.Mknod(ctx, name, mode, rdev, out)
	if errno == 0 {
		n.p.mu.Lock()
		id := n.p.newID(ch.StableAttr().Ino)
		n.p.files[id] = newFile()
		n.p.mu.Unlock()
	}
	return ch, errno
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ch, errno := n.LoopbackNode.Symlink(ctx, target, name, out)
	if errno == 0 {
		n.p.mu.Lock()
		id := n.p.newID(ch.StableAttr().Ino)
		n.p.files[id] = newFile()
		n.p.mu.Unlock()
	}
	return ch, errno
}

func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	size, ok := in.GetSize()
	if ok {
		var st syscall.Stat_t
		if n.p.full() && syscall.Lstat(n.backingPath(), &st) == nil && int64(size) > st.Size {
			return syscall.ENOSPC
		}
	}
	if h, isOurs := f.(*handle); isOurs {
		f = h.LoopbackFile // its Setattr works on the descriptor
	}
	if errno := n.LoopbackNode.Setattr(ctx, f, in, out); errno != 0 {
		return errno
	}
	if ok {
		n.p.truncated(n.StableAttr().Ino, int64(size))
	}
	return 0
}

// truncated notes a size change of the file behind ino.
func (p *FS) truncated(ino uint64, size int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.fileOf(ino)
	if f.trunc < 0 || size < f.trunc {
		f.trunc = size
	}
}

func (p *FS) full() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.noSpace {
		p.stats.NoSpace++
	}
	return p.noSpace
}

// handle is an open file: go-fuse's loopback file, with writes and syncs
// watched.
type handle struct {
	*fs.LoopbackFile
	p   *FS
	ino uint64
	n   *fs.Inode
	fd  int
}

func (p *FS) wrap(fh fs.FileHandle, n *fs.Inode) fs.FileHandle {
	lf := fh.(*fs.LoopbackFile)
	fd, _ := lf.PassthroughFd() // the descriptor, not kernel passthrough
	return &handle{LoopbackFile: lf, p: p, ino: n.StableAttr().Ino, n: n, fd: fd}
}

// PassthroughFd refuses kernel passthrough: every write must be seen.
func (h *handle) PassthroughFd() (int, bool) { return -1, false }

func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if h.p.full() {
		return 0, syscall.ENOSPC
	}
	n, errno := h.LoopbackFile.Write(ctx, data, off)
	if n > 0 {
		h.p.mu.Lock()
		f := h.p.fileOf(h.ino)
		for pg := off / PageSize; pg <= (off+int64(n)-1)/PageSize; pg++ {
			f.dirty[pg] = true
		}
		h.p.stats.Writes++
		h.p.stats.Bytes += int64(n)
		h.p.mu.Unlock()
	}
	return n, errno
}

func (h *handle) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	if h.p.full() {
		return syscall.ENOSPC
	}
	errno := h.LoopbackFile.Allocate(ctx, off, size, mode)
	if errno == 0 {
		h.p.mu.Lock()
		f := h.p.fileOf(h.ino)
		for pg := int64(off) / PageSize; pg <= int64(off+size-1)/PageSize; pg++ {
			f.dirty[pg] = true
		}
		h.p.mu.Unlock()
	}
	return errno
}

// Fsync makes the file's data and size durable. The backing file itself
// is not synced: it is the page cache.
func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	p := h.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen {
		return syscall.EIO
	}
	name := h.n.Path(nil)
	for i, match := range p.failSync {
		if match(name) {
			p.failSync = append(p.failSync[:i], p.failSync[i+1:]...)
			p.stats.FailedSyncs++
			return syscall.EIO
		}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(h.fd, &st); err != nil {
		return fs.ToErrno(err)
	}
	f := p.fileOf(h.ino)
	// The handle may be write-only: read through a descriptor of our own
	// (which works for an unlinked file too).
	fd, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", h.fd))
	if err != nil {
		return fs.ToErrno(err)
	}
	defer fd.Close()
	if f.trunc >= 0 {
		for pg := range f.pages {
			if pg*PageSize+PageSize > f.trunc {
				delete(f.pages, pg)
				if pg*PageSize < f.trunc {
					f.dirty[pg] = true // its head survives the truncation
				}
			}
		}
		f.trunc = -1
	}
	for pg := range f.dirty {
		if b := readPage(fd, pg, st.Size); b != nil {
			f.pages[pg] = b
		} else {
			delete(f.pages, pg)
		}
	}
	for pg := range f.pages {
		if pg*PageSize >= st.Size {
			delete(f.pages, pg)
		}
	}
	clear(f.dirty)
	f.size = st.Size
	p.stats.Fsyncs++
	return 0
}

// dirHandle is an open directory: fsync makes its listing durable.
type dirHandle struct {
	fs.FileHandle
	n *node
}

func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	return d.FileHandle.(fs.FileReaddirenter).Readdirent(ctx)
}

func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	return d.FileHandle.(fs.FileSeekdirer).Seekdir(ctx, off)
}

func (d *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	d.FileHandle.(fs.FileReleasedirer).Releasedir(ctx, flags)
}

func (d *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	p := d.n.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen {
		return syscall.EIO
	}
	path := d.n.backingPath()
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return fs.ToErrno(err)
	}
	id, ok := p.live[st.Ino]
	if !ok {
		id = p.newID(st.Ino)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return fs.ToErrno(err)
	}
	listing := &dir{entries: map[string]entry{}}
	for _, e := range ents {
		child := filepath.Join(path, e.Name())
		var cst syscall.Stat_t
		if err := syscall.Lstat(child, &cst); err != nil {
			continue // removed meanwhile
		}
		cid, ok := p.live[cst.Ino]
		if !ok {
			cid = p.newID(cst.Ino)
		}
		en := entry{id: cid, mode: cst.Mode}
		switch cst.Mode & syscall.S_IFMT {
		case syscall.S_IFDIR:
			if p.dirs[cid] == nil {
				p.dirs[cid] = &dir{entries: map[string]entry{}}
			}
		case syscall.S_IFLNK:
			en.target, _ = os.Readlink(child)
		default:
			if p.files[cid] == nil {
				p.files[cid] = newFile()
			}
		}
		listing.entries[e.Name()] = en
	}
	p.dirs[id] = listing
	p.stats.DirSyncs++
	return 0
}
