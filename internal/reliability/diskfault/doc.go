// Package diskfault runs the engine on a full disk: a 16 MiB tmpfs mounted
// for the test (root is needed; the test skips otherwise). A child process
// opens the engine there, fills the disk with a file of its own and then with
// writes until they fail, checks that reads still work, deletes its filler
// and checks that writes resume; the parent then reopens the directory and
// checks invariants and every acknowledged write. The child runs apart so
// that a crash on a full disk (a SIGBUS from a memory-mapped file) is
// reported, with what survived it, instead of killing the test binary.
package diskfault
