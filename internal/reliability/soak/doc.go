// Package soak holds zkembed's bounded soak test: up to a thousand concurrent
// wire sessions (most over in-memory pipes, a fifth over loopback TCP) on
// one durable engine, each with a persistent watch on its own znode and a
// one-shot data watch on a neighbour's, running a mixed workload (reads,
// sets, ephemeral creates and deletes, multis, child counts) for a bounded
// time. It checks that no call fails, that every watch event is delivered
// exactly once, and that goroutines and heap return to their baseline once
// the sessions close.
//
// ZKEMBED_SOAK_DURATION and ZKEMBED_SOAK_SESSIONS set its length and width
// (default 10s and 250 sessions, 3s and 100 with -short; .ci/reliability.sh
// runs 60s and 1,000).
package soak
