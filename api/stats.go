package api

import "time"

// ServerStats are a server's counters and configuration, as the four-letter
// words and the admin endpoint report them.
type ServerStats struct {
	NodeCount           int64 // znodes, including / and /zookeeper... (zk_znode_count)
	WatchCount          int64 // watch registrations, data and child tables summed (DataTree.getWatchCount)
	EphemeralsCount     int64 // ephemeral znodes (zk_ephemerals_count)
	ApproximateDataSize int64 // sum of path and data lengths (DataTree.approximateDataSize)
	LastZxid            Zxid  // last committed zxid
	SessionCount        int64 // live sessions (zk_global_sessions)
	DataDir             string
	DataDirSize         int64 // bytes under DataDir
	TickTime            time.Duration
	MinSessionTimeout   time.Duration
	MaxSessionTimeout   time.Duration
}

// SessionInfo describes one live session.
type SessionInfo struct {
	ID      SessionID
	Timeout time.Duration
	// Expires is when the session expires unless its client is heard from;
	// zero for a session that does not expire (a direct session).
	Expires time.Time
	// Ephemerals are the paths of the session's ephemeral znodes, sorted.
	Ephemerals []string
	// The paths the session watches, by kind, sorted. DataWatches holds
	// one-shot data and exist watches; PersistentWatches and
	// RecursiveWatches the watches added with AddWatch.
	DataWatches       []string
	ChildWatches      []string
	PersistentWatches []string
	RecursiveWatches  []string
}
