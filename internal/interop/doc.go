// Package interop holds zkembed's interoperability tests: real ZooKeeper
// clients that no one here wrote, and a differential test, run against Apache
// ZooKeeper 3.8 (Debian's package, started by internal/zkserver) and against
// zkembed.
//
// The package has no code of its own beyond this comment; everything is in
// its tests and in scripts/:
//
//   - scripts/kazoo_check.py: kazoo (python3-kazoo, run with /usr/bin/python3):
//     CRUD, create modes, Stat relations, children, digest ACLs, multi,
//     one-shot and persistent watches with their order and zxids, and kazoo's
//     recipes (Lock, Election, Counter, Barrier, DoubleBarrier, Queue,
//     DataWatch, ChildrenWatch).
//   - scripts/JavaCheck.java: the Java client (zookeeper.jar), compiled at
//     test time: create modes incl. container and TTL, create2 Stat,
//     versions, children, getAllChildrenNumber, getEphemerals, ACLs, whoAmI,
//     multi and multiRead with per-op results, one-shot, persistent and
//     persistent-recursive watches, removeWatches, sync, session resumption.
//   - scripts/cli_mt_check.py: the C client's cli_mt, driven through stdin.
//   - scripts/zkcli_check.sh: a zkCli.sh batch smoke check.
//
// Each script takes the server's address and the ZooKeeper version whose
// answers to expect where 3.8 and 3.9 differ (--spec 3.8|3.9; zkembed
// follows 3.9), and exits non-zero naming each failed check. They can be run
// by hand against any server:
//
//	/usr/bin/python3 internal/interop/scripts/kazoo_check.py 127.0.0.1:2181 --spec 3.9
//
// TestClients runs every script against every target (see targets in
// targets_test.go); TestDifferential runs the same scenarios through
// go-zookeeper/zk against two servers and compares normalised transcripts.
// Tests whose tools are missing skip with the reason.
//
// # Known 3.8/3.9 differences the tests name
//
//   - Watch notifications carry the change's zxid in their reply header in
//     3.9; 3.8 sends -1 (kazoo_check.py reads the header).
//   - exists checks READ on an existing znode in 3.9 (NoAuth); 3.8 answers
//     with its Stat.
//   - A check (opcode 13) outside a multi is answered UNIMPLEMENTED by 3.9;
//     3.8 never answers it, which breaks the client's connection, so the
//     scripts do not send it to a 3.8 target.
package interop
