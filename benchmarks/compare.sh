#!/usr/bin/env bash
# Compares the direct-API (engine) and jute benchmarks of two commits with
# benchstat, running them in turns so the machine's drift hits both alike.
#
#   benchmarks/compare.sh [OLD [NEW]]
#
# OLD defaults to HEAD~1; NEW to the working tree. COUNT (default 6) runs of
# each, BENCHTIME (default 0.5s) per benchmark. Needs the Go module proxy
# once, for golang.org/x/perf/cmd/benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:-HEAD~1}
new=${2:-}
count=${COUNT:-6}
benchtime=${BENCHTIME:-0.5s}

tmp=$(mktemp -d)
cleanup() {
  git worktree remove --force "$tmp/old" 2>/dev/null || true
  git worktree remove --force "$tmp/new" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

git worktree add --quiet --detach "$tmp/old" "$old"
newdir=$PWD
if [ -n "$new" ]; then
  git worktree add --quiet --detach "$tmp/new" "$new"
  newdir=$tmp/new
fi

run() { # dir out
  (cd "$1" &&
    go test -run '^$' -bench '^Benchmark(Get|Set|Create)$' -benchtime "$benchtime" -count 1 ./engine &&
    go test -run '^$' -bench . -benchtime "$benchtime" -count 1 ./jute) | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >> "$2"
}
for i in $(seq "$count"); do
  echo "run $i of $count" >&2
  run "$tmp/old" "$tmp/old.txt"
  run "$newdir" "$tmp/new.txt"
done
go run golang.org/x/perf/cmd/benchstat@latest "old=$tmp/old.txt" "new=$tmp/new.txt"
