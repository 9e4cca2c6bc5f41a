// Package reliability holds zkembed's reliability and security tests: the
// kinds of tests trusted storage and coordination systems run, each in a
// sub-package of its own.
//
//   - crash: the zkembed binary under a write load from many clients,
//     killed with SIGKILL at random moments and restarted on the same data
//     directory; every acknowledged write must be there, with its Stat.
//   - linear: concurrent histories from direct and wire sessions, with
//     dropped connections, checked for linearizability with porcupine.
//   - hostile: fuzz targets and a table of bad inputs over real
//     connections, and the limits that protect the server.
//   - diskfault: a full disk (a small tmpfs) under the engine.
//   - soak: a thousand sessions with watches under a mixed load.
//   - aclmatrix: every operation against every ACL scheme and permission,
//     on zkembed and on Apache ZooKeeper 3.8, with identical outcomes.
//
// The rig package has the helpers they share. .ci/reliability.sh runs them
// all in a bounded form; environment variables (documented in each package)
// make them run longer.
package reliability
