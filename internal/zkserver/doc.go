// Package zkserver starts Apache ZooKeeper (the Debian 3.8 package) as a child
// process, for tests, interop checks and benchmarks that compare zkembed with
// the real thing.
//
// Start(t, opts) runs one standalone server on a free 127.0.0.1 port with its
// data in a temporary directory and stops it when the test ends; Launch does
// the same outside a test. StartEnsemble runs a quorum of servers on loopback
// whose members can be stopped and restarted one by one. Available reports
// whether java and the ZooKeeper jars are installed, so callers can skip with
// a clear reason when they are not.
//
// The server runs java directly, in the foreground, with the classpath
// Debian's zkEnv.sh uses (/etc/zookeeper/conf is replaced by the temporary
// directory, which holds zoo.cfg and a log4j.properties that logs to the
// console) plus the slf4j-to-log4j binding so the log is not lost; its output
// goes to server.log in the temporary directory.
//
// # Concurrency
//
// A Server or Ensemble may be used from several goroutines; Close and Stop
// are idempotent.
package zkserver
