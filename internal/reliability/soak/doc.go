// Package soak holds zkembed's bounded soak test: a thousand concurrent
// wire sessions (most over in-memory pipes, a fifth over loopback TCP) on
// one durable engine, each with a persistent watch on its own znode and a
// one-shot data watch on a neighbour's, running a mixed workload (reads,
// sets, ephemeral creates and deletes, multis, child counts) for a bounded
// time. It checks that no call fails, that every watch event is delivered
// exactly once, and that goroutines and heap return to their baseline once
// the sessions close.
//
// ZKEMBED_SOAK_DURATION (default 60s; 10s with -short) and
// ZKEMBED_SOAK_SESSIONS (default 1000) make it longer or wider.
package soak
