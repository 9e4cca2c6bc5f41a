#!/usr/bin/env bash
# zkcli_check.sh: a smoke check of a ZooKeeper server through Debian's zkCli.sh
# (the Java client's command shell). It pipes one batch of commands into a
# single zkCli.sh (one JVM) and checks that the expected lines appear, in
# order, in its output; it exits non-zero naming the first missing line.
#
# Usage: zkcli_check.sh [host:port] [--spec 3.8|3.9]
# The address defaults to $ZK_CONNECT; zkCli.sh to $ZKCLI, else
# /usr/share/zookeeper/bin/zkCli.sh.
set -u

spec="${ZK_SPEC:-3.9}"
server="${ZK_CONNECT:-}"
while [ $# -gt 0 ]; do
	case "$1" in
	--spec) spec="$2"; shift 2 ;;
	*) server="$1"; shift ;;
	esac
done
if [ -z "$server" ]; then
	echo "usage: zkcli_check.sh host:port [--spec 3.8|3.9] (or set ZK_CONNECT)" >&2
	exit 2
fi
zkcli="${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}"
if [ ! -x "$zkcli" ]; then
	echo "zkcli_check: $zkcli not found" >&2
	exit 2
fi

r="/zkcli$RANDOM$RANDOM"
# digest of alice:secret, as DigestAuthenticationProvider computes it:
# base64(sha1("alice:secret"))
digest="alice:$(printf 'alice:secret' | openssl dgst -binary -sha1 2>/dev/null | base64)"
if [ "$digest" = "alice:" ]; then
	digest="alice:$(printf 'alice:secret' | sha1sum | cut -d' ' -f1 | xxd -r -p | base64)"
fi

out="$(timeout 60 "$zkcli" -server "$server" 2>&1 <<EOF
create $r hello
create $r dup
get $r
set $r world
get -s $r
set -v 0 $r stale
create -e $r/e x
create -s $r/s- x
create -s $r/s- x
ls $r
stat $r/none
get $r/none
create -c $r/c x
create -t 60000 $r/t x
addauth digest alice:secret
create $r/sec secret digest:$digest:cdrwa
getAcl $r/sec
get $r/sec
delete $r
getAllChildrenNumber $r
getEphemerals $r
whoami
sync $r
deleteall $r
ls $r
quit
EOF
)"
rc=$?
# zkCli.sh's exit status is that of its last command (here a failing ls), so
# only a timeout or a crash counts.
if [ $rc -eq 124 ] || [ $rc -gt 128 ]; then
	echo "FAIL zkCli.sh did not finish (exit $rc)"
	echo "$out"
	exit 1
fi

mapfile -t lines <<<"$out"
at=0
failed=0
# expect NAME LINE: LINE must appear after the previous expected line.
expect() {
	local name="$1" want="$2" i
	for ((i = at; i < ${#lines[@]}; i++)); do
		if [ "${lines[$i]}" = "$want" ]; then
			at=$((i + 1))
			return 0
		fi
	done
	echo "FAIL $name: no line \"$want\" after line $at"
	failed=1
	return 1
}

expect "create" "Created $r" &&
	expect "create existing" "Node already exists: $r" &&
	expect "get" "hello" &&
	expect "get after set" "world" &&
	expect "get -s version" "dataVersion = 1" &&
	expect "get -s dataLength" "dataLength = 5" &&
	expect "set stale version" "version No is not valid : $r" &&
	expect "create ephemeral" "Created $r/e" &&
	expect "create sequential" "Created $r/s-0000000001" &&
	expect "create sequential again" "Created $r/s-0000000002" &&
	expect "ls" "[e, s-0000000001, s-0000000002]" &&
	expect "stat missing" "Node does not exist: $r/none" &&
	expect "get missing" "Node does not exist: $r/none" &&
	expect "create container" "Created $r/c" &&
	expect "create ttl" "Created $r/t" &&
	expect "create with digest ACL" "Created $r/sec" &&
	expect "getAcl scheme,id" "'digest,'$digest" &&
	expect "getAcl perms" ": cdrwa" &&
	expect "get protected (authenticated)" "secret" &&
	expect "delete non-empty" "Node not empty: $r" &&
	expect "getAllChildrenNumber" "6" &&
	expect "getEphemerals" "[$r/e]" &&
	expect "whoami digest" "digest: alice" &&
	expect "sync" "Sync is OK" &&
	expect "ls after deleteall" "Node does not exist: $r"

if [ $failed -ne 0 ]; then
	echo "---- zkCli.sh output"
	echo "$out"
	echo "zkcli_check: failed (spec $spec)"
	exit 1
fi
echo "zkcli_check: all checks passed (spec $spec)"
