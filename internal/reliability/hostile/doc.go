// Package hostile feeds zkembed hostile and broken input and checks the
// limits that protect the server.
//
// Its fuzz targets (seed corpora in testdata/fuzz) cover the server's
// request path over real TCP connections with frames split at arbitrary
// points (FuzzServerTCP, FuzzRequestBody), path validation (FuzzValidatePath,
// against an independent reading of ZooKeeper's PathUtils) and ACL and
// credential handling (FuzzACL, FuzzAddAuth). Jute records are fuzzed in the
// jute package itself.
//
// TestBadInput is a table of bad inputs, each with the answer it must get
// (ZooKeeper's error, or the connection closed), the one line the server
// must log, and a second session that must carry on; TestDeepPaths,
// TestFastWriterSlowReader and the limit tests (max connections per IP,
// outstanding requests per connection and overall, max frame size) follow.
//
// Run the fuzz targets longer with, for example:
//
//	go test ./internal/reliability/hostile -run '^$' -fuzz FuzzServerTCP -fuzztime 10m
package hostile
