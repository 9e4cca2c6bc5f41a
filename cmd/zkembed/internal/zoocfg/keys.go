package zoocfg

import "strings"

// Why a key has no effect in zkembed.
const (
	whyEnsemble = "zkembed runs one standalone server; ensemble settings do not apply"
	whyStorage  = "zkembed stores znodes in Badger, which compacts by itself; there are no snapshots or transaction logs to tune"
	whyNetwork  = "zkembed's server has its own connection handling; this tuning does not apply"
	whyInternal = "a ZooKeeper server internal with no counterpart in zkembed"
)

// ignoredKeys are zoo.cfg keys ZooKeeper knows that zkembed accepts and
// ignores, with why.
var ignoredKeys = map[string]string{
	// QuorumPeerConfig.parseProperties: ensemble settings.
	"initLimit":                                             whyEnsemble,
	"syncLimit":                                             whyEnsemble,
	"connectToLearnerMasterLimit":                           whyEnsemble,
	"electionAlg":                                           whyEnsemble,
	"quorumListenOnAllIPs":                                  whyEnsemble,
	"peerType":                                              whyEnsemble,
	"syncEnabled":                                           whyEnsemble,
	"dynamicConfigFile":                                     whyEnsemble,
	"standaloneEnabled":                                     whyEnsemble,
	"reconfigEnabled":                                       whyEnsemble,
	"observerMasterPort":                                    whyEnsemble,
	"quorum.cnxn.threads.size":                              whyEnsemble,
	"quorum.auth.enableSasl":                                whyEnsemble,
	"quorum.auth.serverRequireSasl":                         whyEnsemble,
	"quorum.auth.learnerRequireSasl":                        whyEnsemble,
	"quorum.auth.learner.saslLoginContext":                  whyEnsemble,
	"quorum.auth.server.saslLoginContext":                   whyEnsemble,
	"quorum.auth.kerberos.servicePrincipal":                 whyEnsemble,
	"multiAddress.enabled":                                  whyEnsemble,
	"multiAddress.reachabilityCheckTimeoutMs":               whyEnsemble,
	"multiAddress.reachabilityCheckEnabled":                 whyEnsemble,
	"sslQuorum":                                             whyEnsemble,
	"sslQuorumReloadCertFiles":                              whyEnsemble,
	"oraclePath":                                            whyEnsemble,
	"leaderServes":                                          whyEnsemble,
	"cnxTimeout":                                            whyEnsemble,
	"quorumCnxnTimeoutMs":                                   whyEnsemble,
	"electionPortBindRetry":                                 whyEnsemble,
	"forceSnapshotSync":                                     whyEnsemble,
	"ensembleAuthName":                                      whyEnsemble,
	"observer.reconnectDelayMs":                             whyEnsemble,
	"observer.election.DelayMs":                             whyEnsemble,
	"observer.syncEnabled":                                  whyEnsemble,
	"observerMaster.sizeLimit":                              whyEnsemble,
	"learner.asyncSending":                                  whyEnsemble,
	"learner.closeSocketAsync":                              whyEnsemble,
	"leader.closeSocketAsync":                               whyEnsemble,
	"leader.ackLoggingFrequency":                            whyEnsemble,
	"leader.maxConcurrentDiffSyncs":                         whyEnsemble,
	"leader.maxConcurrentSnapSyncs":                         whyEnsemble,
	"leader.maxTimeToWaitForEpoch":                          whyEnsemble,
	"leaderConnectDelayDuringRetryMs":                       whyEnsemble,
	"fastleader.maxNotificationInterval":                    whyEnsemble,
	"fastleader.minNotificationInterval":                    whyEnsemble,
	"follower.skipLearnerRequestToNextProcessor":            whyEnsemble,
	"forward_learner_requests_to_commit_processor_disabled": whyEnsemble,

	// Storage: snapshots, logs and purging.
	"dataLogDir":                         "zkembed keeps everything in dataDir",
	"autopurge.snapRetainCount":          whyStorage,
	"autopurge.purgeInterval":            whyStorage,
	"snapCount":                          whyStorage,
	"snapSizeLimitInKb":                  whyStorage,
	"txnLogSizeLimitInKb":                whyStorage,
	"preAllocSize":                       whyStorage,
	"commitLogCount":                     whyStorage,
	"snapshotSizeFactor":                 whyStorage,
	"snapshot.compression.method":        whyStorage,
	"snapshot.trust.empty":               whyStorage,
	"datadir.autocreate":                 whyStorage,
	"db.autocreate":                      whyStorage,
	"fsync.warningthresholdms":           whyStorage,
	"flushDelay":                         whyStorage,
	"maxWriteQueuePollTime":              whyStorage,
	"maxBatchSize":                       whyStorage,
	"digest.enabled":                     whyStorage,
	"serializeLastProcessedZxid.enabled": whyStorage,
	"closeSessionTxn.enabled":            whyInternal,

	// Connections and request processing.
	"clientPortListenBacklog":                          whyNetwork,
	"localSessionsEnabled":                             "zkembed has no local sessions; every session is global",
	"localSessionsUpgradingEnabled":                    "zkembed has no local sessions; every session is global",
	"maxCnxns":                                         whyNetwork + " (use maxClientCnxns for a per-address limit)",
	"serverCnxnFactory":                                whyNetwork,
	"nio.numSelectorThreads":                           whyNetwork,
	"nio.numWorkerThreads":                             whyNetwork,
	"nio.directBufferBytes":                            whyNetwork,
	"nio.shutdownTimeout":                              whyNetwork,
	"nio.sessionlessCnxnTimeout":                       whyNetwork,
	"netty.advancedFlowControl.enabled":                whyNetwork,
	"netty.server.outstandingHandshake.limit":          whyNetwork,
	"netty.server.earlyDropSecureConnectionHandshakes": whyNetwork,
	"tcpKeepAlive":                                     whyNetwork,
	"clientTcpKeepAlive":                               whyNetwork,
	"commitProcessor.numWorkerThreads":                 whyInternal,
	"commitProcessor.shutdownTimeout":                  whyInternal,
	"commitProcessor.maxReadBatchSize":                 whyInternal,
	"commitProcessor.maxCommitBatchSize":               whyInternal,
	"request_throttler.shutdownTimeout":                whyInternal,
	"request_throttle_max_requests":                    whyInternal,
	"request_throttle_stall_time":                      whyInternal,
	"request_throttle_drop_stale":                      whyInternal,
	"request_stale_connection_check":                   whyInternal,
	"request_stale_latency_check":                      whyInternal,
	"throttled_op_wait_time":                           whyInternal,
	"largeRequestMaxBytes":                             whyInternal,
	"largeRequestThreshold":                            whyInternal,
	"maxResponseCacheSize":                             whyInternal,
	"maxGetChildrenResponseCacheSize":                  whyInternal,
	"intBufferStartingSizeBytes":                       whyInternal,
	"bitHashCacheSize":                                 whyInternal,
	"watchManagerName":                                 whyInternal,
	"watcherCleanThreshold":                            whyInternal,
	"watcherCleanIntervalInSeconds":                    whyInternal,
	"watcherCleanThreadsNum":                           whyInternal,
	"maxInProcessingDeadWatchers":                      whyInternal,
	"messageTracker.BufferSize":                        whyInternal,
	"messageTracker.Enabled":                           whyInternal,
	"request.timeout":                                  whyInternal,
	"enforceQuota":                                     "zkembed does not enforce quotas",
	"emulate353TTLNodes":                               whyInternal,
	"jmx.log4j.disable":                                "zkembed has no JMX",
	"audit.enable":                                     "zkembed has no audit log",
	"audit.impl.class":                                 "zkembed has no audit log",
	"jvm.pause.info-threshold.ms":                      "zkembed has no JVM",
	"jvm.pause.warn-threshold.ms":                      "zkembed has no JVM",
	"jvm.pause.sleep.time.ms":                          "zkembed has no JVM",
	"jvm.pause.monitor":                                "zkembed has no JVM",
	"metricsProvider.className":                        "zkembed serves Prometheus metrics at /metrics on the admin endpoint",

	// AdminServer settings zkembed does not have.
	"admin.idleTimeout":             whyNetwork,
	"admin.httpVersion":             whyNetwork,
	"admin.rateLimiterIntervalInMS": whyNetwork,
	"admin.snapshot.enabled":        "zkembed's admin endpoint has no snapshot or restore commands",
	"admin.restore.enabled":         "zkembed's admin endpoint has no snapshot or restore commands",
	"admin.portUnification":         whyNetwork,
	"admin.forceHttps":              "zkembed's admin endpoint serves plain HTTP on loopback",
	"admin.needClientAuth":          "zkembed's admin endpoint serves plain HTTP on loopback",

	// Authentication providers other than the built-in ones.
	"DigestAuthenticationProvider.enabled":      "the digest scheme is always enabled in zkembed",
	"DigestAuthenticationProvider.digestAlg":    "zkembed's digest scheme is SHA-1, as ZooKeeper's default",
	"IPAuthenticationProvider.usexforwardedfor": whyNetwork,
	"kerberos.removeHostFromPrincipal":          "zkembed's SASL is DIGEST-MD5; Kerberos (GSSAPI) is not supported",
	"kerberos.removeRealmFromPrincipal":         "zkembed's SASL is DIGEST-MD5; Kerberos (GSSAPI) is not supported",
	"kerberos.canonicalizeHostNames":            "zkembed's SASL is DIGEST-MD5; Kerberos (GSSAPI) is not supported",
	"skipACL":                                   "ACLs are checked (the default)",
	"client.secure":                             "a client setting; zkembed serves TLS on secureClientPort",
	"ssl.sslProvider":                           "zkembed's TLS is Go's crypto/tls",
	"ssl.handshakeDetectionTimeoutMillis":       whyNetwork,
	"ssl.allowReverseDnsLookup":                 "zkembed does not check client host names",
	"ssl.crl":                                   "zkembed does not check revocation lists",
	"ssl.ocsp":                                  "zkembed does not check OCSP",
}

// ignoredPrefixes are key families ZooKeeper knows that zkembed ignores.
var ignoredPrefixes = []struct{ prefix, why string }{
	{"server.", whyEnsemble},
	{"group.", whyEnsemble},
	{"weight.", whyEnsemble},
	{"metricsProvider.", "zkembed serves Prometheus metrics at /metrics on the admin endpoint"},
	{"authProvider.", "zkembed's authentication schemes are built in (world, auth, digest, ip, super, x509, sasl)"},
	{"ssl.quorum.", whyEnsemble},
	{"kerberos.", "zkembed's SASL is DIGEST-MD5; Kerberos (GSSAPI) is not supported"},
	{"pathStats.", whyInternal},
	{"connection_throttle_", whyInternal},
}

// ignored says whether key is a ZooKeeper key zkembed ignores, and why.
func ignored(key string) (string, bool) {
	if why, ok := ignoredKeys[key]; ok {
		return why, true
	}
	for _, p := range ignoredPrefixes {
		if strings.HasPrefix(key, p.prefix) && len(key) > len(p.prefix) {
			return p.why, true
		}
	}
	return "", false
}

// refused says whether key asks for something zkembed cannot do, so that
// starting without it would be wrong, and why.
func refused(key, value string) (string, bool) {
	switch {
	case key == "client.portUnification" || key == "portUnification":
		return "zkembed does not serve TLS and plain text on one port: use secureClientPort beside clientPort", true
	case (key == "ssl.crl" || key == "ssl.ocsp") && strings.EqualFold(value, "true"):
		return "zkembed does not check certificate revocation", true
	case key == "ssl.context.supplier.class":
		return "this TLS setting is not supported by zkembed", true
	case key == "skipACL" && strings.EqualFold(value, "yes"):
		return "zkembed always checks ACLs", true
	}
	return "", false
}
