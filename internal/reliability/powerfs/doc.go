// Package powerfs is a FUSE filesystem that forgets, at a power cut, every
// change that was not made durable — in the spirit of Jepsen's LazyFS. It
// exists to falsify durability claims: a test runs a program on a powerfs
// mount, cuts the power at a moment of its choosing, and restarts the
// program on what survived.
//
// Every operation passes through to a backing directory (the "page
// cache"); beside it, powerfs keeps the durable state, which changes only
// as POSIX promises in its worst case:
//
//   - a file's data and size become durable when the file is fsynced or
//     fdatasynced (writes through a shared mmap reach powerfs when the
//     kernel writes the pages back — on msync, fsync or its own writeback
//     — and become durable with the next fsync, as on a disk);
//   - a directory entry (create, unlink, rename, link, mkdir, rmdir)
//     becomes durable when its directory is fsynced: the directory's whole
//     listing at that moment becomes its durable listing. A new file that
//     is fsynced but whose directory is not has durable data and no name.
//
// [FS.Cut] drops the mount with its page cache and rebuilds the backing
// directory from the durable state, in one of two modes: [LoseAll] (every
// unsynced change reverts) or [Torn] (additionally, a random subset of the
// unsynced pages of files still present survives, as a disk may have
// written some of them before the power went).
//
// Faults on demand: [FS.FailFsync] makes chosen fsyncs fail with EIO, and
// [FS.SetNoSpace] makes writes fail with ENOSPC.
//
// # Limits
//
// Directories are tracked as listings (a rename between two directories
// becomes durable in each as that directory is fsynced, so a cut may leave
// the file in both or in neither). Extended attributes, ownership, modes
// and times are passed through and not tracked. Kernel passthrough of file
// I/O is refused so that every write is seen.
//
// # Requirements
//
// Mounting needs /dev/fuse and the right to mount (root: powerfs mounts
// with mount(2) directly, no fusermount). [Available] reports whether a
// mount works here.
package powerfs
