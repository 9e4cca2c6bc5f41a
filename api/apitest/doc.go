// Package apitest is a conformance suite of ZooKeeper semantics that runs
// against any implementation of api.Client, in the spirit of testing/fstest:
//
//	func TestConformance(t *testing.T) {
//		apitest.Run(t, apitest.Target{
//			Connect: func(t testing.TB) api.Client { return openSession(t) },
//		})
//	}
//
// Run runs one named subtest per check, grouped by area (create, stat,
// delete, data, children, acl, watch, multi, paths, system, session, reap).
// Every check works under its own root, /apitest-<random>/<group>-<check>,
// so targets can be shared, and removes it afterwards. Checks lists every
// check by name.
//
// The expectations come from Apache ZooKeeper's own sources (DataTree,
// PrepRequestProcessor, FinalRequestProcessor, PathUtils, WatchManager,
// EphemeralType, ContainerManager and the ACL providers) of the 3.9 line,
// which is the specification. Where ZooKeeper 3.8 behaves differently the
// check names the difference (see Differences) and, for a Target whose
// Reference is ZooKeeper38, expects the 3.8 behaviour instead, so running the
// suite against Apache ZooKeeper 3.8 validates both sides.
//
// A Target declares what it cannot do (Lacks): those checks are skipped with
// the target's reason. Checks that need a server-side session expiry, virtual
// time or a super user skip when the Target does not provide them.
//
// # Concurrency
//
// Checks run one after another; each opens the sessions it needs with
// Target.Connect and closes them when it ends.
package apitest
