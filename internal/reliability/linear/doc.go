// Package linear checks that zkembed is linearizable. Its tests record
// histories of concurrent operations on a few contended znodes (create,
// delete, get, set with and without a version, sync, and multis of
// check+set and create+delete) from direct engine sessions and wire
// clients over a pipe and over loopback TCP at once, while a chaos
// goroutine drops the TCP connections at random moments and some direct
// calls are cancelled in flight. An operation whose outcome the client
// cannot know (ErrConnectionLoss, a cancelled context) is recorded as
// porcupine records a timed-out call: invoked, never returned, output
// unknown, so the checker may place it anywhere after its call or nowhere.
//
// ZooKeeper promises linearizable writes and sequentially consistent reads
// per session (linearizable after sync). zkembed is one server, whose reads
// see every write committed before them, so the tests hold it to the
// stronger promise: every operation, reads included, is checked for
// linearizability against a sequential model of the znodes (model.go).
//
// Two negative tests show the checker would catch a violation: a client
// wrapper that answers reads from a stale snapshot, and a deliberately
// wrong model (an unconditional set that does not bump the version).
//
// ZKEMBED_LIN_HISTORIES sets the number of random histories (default 50, 8 with
// -short; .ci/reliability.sh runs 300).
package linear
