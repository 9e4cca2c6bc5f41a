#!/usr/bin/env bash
# Reliability and security tests (issue 8) in their CI form: about six
# minutes on two cores. .ci/run calls it after the unit tests; run it alone
# with `bash .ci/reliability.sh`. Fails when any test fails.
#
# Longer runs: ZKEMBED_CRASH_CYCLES (100), ZKEMBED_LIN_HISTORIES (300),
# ZKEMBED_SOAK_DURATION (60s), ZKEMBED_SOAK_SESSIONS (1000), FUZZTIME (10s
# per fuzz target).
set -euo pipefail
cd "$(dirname "$0")/.."

export ZKEMBED_CRASH_CYCLES=${ZKEMBED_CRASH_CYCLES:-100}
export ZKEMBED_LIN_HISTORIES=${ZKEMBED_LIN_HISTORIES:-300}
export ZKEMBED_SOAK_DURATION=${ZKEMBED_SOAK_DURATION:-60s}
export ZKEMBED_SOAK_SESSIONS=${ZKEMBED_SOAK_SESSIONS:-1000}
FUZZTIME=${FUZZTIME:-10s}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ZKEMBED_BIN="$work/zkembed"
go build -o "$ZKEMBED_BIN" ./cmd/zkembed

# step NAME GO-TEST-ARGS...: runs go test into a log; prints the figures the
# tests log, their skips (each "blocked on:" a known bug) and the result, or
# the whole log and FAIL.
step() {
  local name=$1; shift
  local log="$work/$name.log" start=$SECONDS
  echo "-- $name"
  if go test -count=1 -v "$@" >"$log" 2>&1; then
    grep -E '^ *[a-z_]+_test\.go:[0-9]+: |--- SKIP|^ok |^fuzz: elapsed: .*execs' "$log" \
      | grep -v 'expected difference' | tail -n 40 || true
    echo "   ($((SECONDS - start))s)"
  else
    cat "$log"
    echo "FAIL: $name"
    exit 1
  fi
}

step crash -timeout 15m ./internal/reliability/crash
step linear -timeout 10m ./internal/reliability/linear
step hostile -timeout 10m ./internal/reliability/hostile
for target in FuzzServerTCP FuzzRequestBody FuzzValidatePath FuzzACL FuzzAddAuth; do
  step "$target" -timeout 10m -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" ./internal/reliability/hostile
done
step FuzzSASLToken -timeout 5m -run '^$' -fuzz '^FuzzParse$' -fuzztime "$FUZZTIME" ./internal/digestmd5
step diskfault -timeout 5m ./internal/reliability/diskfault
step soak -timeout 15m ./internal/reliability/soak
step aclmatrix -timeout 10m ./internal/reliability/aclmatrix
echo "reliability: all passed"
