// Package engine is zkembed's ZooKeeper state machine: the znode tree,
// sessions, watches and ACLs, stored durably in Badger or kept only in memory.
//
// Open an Engine with Open, then either open direct sessions with
// Engine.Session (an api.Client with no serialization and no sockets) or hand
// the Engine to the transport package, which serves it to standard ZooKeeper
// clients through its api.SessionOpener side (OpenSession).
//
//	e, err := engine.Open(engine.Options{Dir: "data"})
//	...
//	c, err := e.Session(ctx)
//	_, err = c.Create(ctx, "/app", nil, api.OpenACLUnsafe, api.ModePersistent)
//
// # Model
//
// The tree lives in memory, as in ZooKeeper; Badger holds one key per znode,
// per ACL list and per session, and the last zxid, so Badger's LSM is the
// snapshot and there is no separate log. Znodes up to 1 MiB live in the LSM
// tree, whose compactions reclaim what is overwritten or deleted; larger ones
// go to Badger's value log, whose garbage a background goroutine collects
// every minute. On Open the tree, sessions and zxid
// are recovered; every recovered session gets a fresh deadline, and if its
// client does not come back it expires and its ephemerals go.
//
// # Concurrency
//
// One sequencer goroutine owns every write: it takes all queued writes as one
// batch, prepares each against an overlay of the batch's earlier changes
// (ZooKeeper's outstandingChanges), commits the batch to Badger in one
// transaction and one fdatasync of the write-ahead log it went to (group
// commit), and only then applies it to the tree and fires its watches under
// the tree's write lock, and acknowledges the writes. A failed sync refuses
// every later write (ErrSystemError) until the engine is reopened: the kernel
// may have dropped the data and may not say so twice. Reads run on the caller's goroutine under the tree's read lock and
// never wait for an fsync. Each session's requests complete in the order they
// were issued, reads included: a read issued after a pending write of the same
// session waits for it. A watch event reaches the session before any later
// reply that reflects the change that fired it.
//
// Time comes from Options.Clock. With the wall clock a background goroutine
// expires sessions and reaps containers and TTL nodes; with a ManualClock
// nothing happens until Engine.Tick is called, so tests control expiry
// exactly and never sleep.
//
// # Compatibility
//
// Semantics follow Apache ZooKeeper 3.9 (DataTree, PrepRequestProcessor,
// FinalRequestProcessor), including its quirks, each marked where it is
// copied: a failed write still consumes a zxid; delete updates the parent's
// pzxid but not its cversion; sequential suffixes come from the parent's
// cversion; exists checks READ on an existing znode; watch events carry the
// zxid of their change and are not delivered to a session without READ on the
// znode; check outside a multi is ErrUnimplemented; getACL masks digest
// credentials for callers without ADMIN; closing a session deletes all its
// ephemerals at one zxid. Session ids and passwords are made as
// SessionTrackerImpl makes them.
//
// Known differences: a direct session never expires by timeout (it is always
// connected); Engine.ExpireSession expires it. Reconfig is not supported (a
// standalone server answers it with ErrUnimplemented too).
package engine
