// Package crash is zkembed's crash-safety harness. Its test builds the
// zkembed binary (or takes ZKEMBED_BIN), serves a data directory with it as
// a child process under a write load from many wire clients (creates, sets
// with versions, multis that succeed and multis that fail, deletes,
// ephemerals), kills it with SIGKILL at a random moment, restarts it on the
// same directory and address, and checks:
//
//   - every acknowledged write is present with its Stat (czxid, mzxid,
//     version, data, ephemeral owner), and every acknowledged delete and
//     failed multi left nothing behind;
//   - no multi is half applied;
//   - zxids only go forward across restarts;
//   - sessions whose clients reconnect in time keep their ephemerals, and a
//     session whose client never comes back loses them once it expires;
//   - after the last kill, the data directory opens in-process, passes
//     Engine.CheckInvariants, and holds every acknowledged write.
//
// ZKEMBED_CRASH_CYCLES sets the number of kill cycles (default 10, 3 with
// -short; .ci/reliability.sh runs 100).
package crash
