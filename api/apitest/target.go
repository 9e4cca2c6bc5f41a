package apitest

import (
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

// Version names the ZooKeeper release whose behaviour a Target reproduces.
type Version int

// The reference versions. The zero value is the specification.
const (
	// ZooKeeper39 is Apache ZooKeeper 3.9, the specification.
	ZooKeeper39 Version = iota
	// ZooKeeper38 is Apache ZooKeeper 3.8: checks that name a Difference
	// expect the 3.8 behaviour.
	ZooKeeper38
)

// String returns "3.9" or "3.8".
func (v Version) String() string {
	if v == ZooKeeper38 {
		return "3.8"
	}
	return "3.9"
}

// Feature names something a check needs that a Target may lack.
type Feature string

// The features a Target may declare in Lacks.
const (
	// FeatureAddWatch is AddWatch (persistent and persistent-recursive
	// watches).
	FeatureAddWatch Feature = "addWatch"
	// FeatureRemoveWatches is RemoveWatches and CheckWatches.
	FeatureRemoveWatches Feature = "removeWatches"
	// FeatureMultiRead is MultiRead.
	FeatureMultiRead Feature = "multiRead"
	// FeatureGetEphemerals is GetEphemerals.
	FeatureGetEphemerals Feature = "getEphemerals"
	// FeatureGetAllChildrenNumber is GetAllChildrenNumber.
	FeatureGetAllChildrenNumber Feature = "getAllChildrenNumber"
	// FeatureWhoAmI is WhoAmI.
	FeatureWhoAmI Feature = "whoAmI"
	// FeatureMultiCreateStat is a Stat in the result of a create inside a
	// Multi (create2 inside multi, ZooKeeper 3.9).
	FeatureMultiCreateStat Feature = "multi-create-stat"
	// FeatureMultiCreateModes is container and TTL creates inside a Multi.
	FeatureMultiCreateModes Feature = "multi-create-modes"
	// FeatureEventZxid is the zxid of the change in watch events.
	FeatureEventZxid Feature = "event-zxid"
	// FeatureEventBeforeReply is the guarantee that a watch event is in
	// its channel before any later reply of the same session that reflects
	// the change returns.
	FeatureEventBeforeReply Feature = "event-before-reply"
)

// Target is an implementation of api.Client under test and what it can do.
// Only Connect is required.
type Target struct {
	// Connect opens a new session. The suite closes it (Close) when the
	// check ends; Connect may also register its own cleanup on t.
	Connect func(t testing.TB) api.Client

	// SuperAuth is "user:password" of the super digest the target was
	// configured with, or empty if it has none.
	SuperAuth string

	// ClientIP is the address ip ACLs see for sessions made by Connect
	// ("127.0.0.1" over loopback TCP), or empty if sessions have no
	// address (in-process sessions), in which case ip ACLs never match.
	ClientIP string

	// Expire, if not nil, makes the server expire c's session and returns
	// once the server has done so (its ephemerals are gone). nil skips the
	// expiry checks.
	Expire func(t testing.TB, c api.Client)

	// Advance, if not nil, moves the target's virtual clock forward by d
	// and returns once every session expiry, TTL expiry and container
	// reaping that falls due has committed. nil means the target runs on
	// the wall clock.
	Advance func(d time.Duration)

	// ReapInterval is how often the target reaps empty containers and
	// expired TTL nodes (ZooKeeper's znode.container.checkIntervalMs). On
	// the wall clock (Advance nil) the reaping checks need it short, well
	// under a second; 0 there skips them.
	ReapInterval time.Duration

	// Reference is the ZooKeeper release the target reproduces; checks
	// that name a Difference expect that release's behaviour.
	Reference Version

	// Lacks maps each feature the target does not implement to the reason;
	// checks needing it are skipped with that reason.
	Lacks map[Feature]string

	// EventTimeout bounds every wait for a watch event or reaping; 0 means
	// 10s.
	EventTimeout time.Duration
}

func (tg *Target) eventTimeout() time.Duration {
	if tg.EventTimeout <= 0 {
		return 10 * time.Second
	}
	return tg.EventTimeout
}

// Difference is a known difference between ZooKeeper 3.9 (the
// specification) and 3.8.
type Difference struct {
	Name string // short name, used in check names and logs
	Spec string // the 3.9 behaviour the suite expects
	Was  string // what ZooKeeper 3.8 does instead
}

// The known differences between ZooKeeper 3.9 and 3.8, read in the 3.9
// sources and confirmed against Debian's Apache ZooKeeper 3.8.0 (its
// behaviour, and its bytecode where go-zookeeper cannot reach).
//
// Verified NOT to differ, so the suite expects the same of both: getACL needs
// READ or ADMIN and masks digest ids for callers without ADMIN; a watch event
// is not delivered to a session without READ on the znode (both 3.8 servers
// check the ACL in ServerCnxn.process); create2, createTTL and
// createContainer are accepted inside a multi and return a Stat.
var (
	DiffEventZxid = Difference{"event-zxid",
		"a watch notification carries the zxid of the change that fired it (NIOServerCnxn.process)",
		"the notification's zxid is -1"}
	DiffExistsACL = Difference{"exists-acl",
		"exists on an existing znode needs READ (FinalRequestProcessor, OpCode.exists)",
		"exists returns the Stat to anyone"}
	DiffCheckOutsideMulti = Difference{"check-outside-multi",
		"check sent on its own is UNIMPLEMENTED (Request.isValid); api.Client has no such call, so no check exercises it",
		"a lone check is executed"}
	DiffRemovePersistent = Difference{"remove-persistent-type",
		"removeWatches/checkWatches accept the Persistent (4) and PersistentRecursive (5) watcher types (DataTree.removeWatch)",
		"Watcher.WatcherType has only Children, Data and Any; types 4 and 5 fail"}

	DiffMultiCreate2Stat = Difference{"multi-create2-stat",
		"a create2 inside a multi is answered with the path and the new Stat (FinalRequestProcessor)",
		"3.8.0 answers it with the path only (createContainer and createTTL do get a Stat)"}
	DiffPersistentBesideOneShot = Difference{"persistent-beside-one-shot",
		"a persistent watch keeps firing after a one-shot watch of the same session on the same path fired (WatchManager with per-mode WatchStats, ZOOKEEPER-4466)",
		"3.8.0 drops the persistent watch when the one-shot watch fires"}
)

// Differences lists every known difference between ZooKeeper 3.9 and 3.8.
var Differences = []Difference{DiffEventZxid, DiffExistsACL, DiffCheckOutsideMulti, DiffRemovePersistent, DiffMultiCreate2Stat, DiffPersistentBesideOneShot}
