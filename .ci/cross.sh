#!/usr/bin/env bash
# Cross builds of the zkembed binary for linux/amd64, linux/arm64 and
# linux/arm (v7) with CGO off; go build and go vet of every package, tests
# included, for darwin/arm64, darwin/amd64 and windows/amd64 (most Go
# developers run their unit tests on macOS); and, when qemu-user-static is installed
# (Debian's qemu-user-static: qemu-aarch64-static), the package tests of
# ./engine and ./jute for arm64 run under qemu.
#
#   .ci/cross.sh            build the three binaries into $OUT (default a
#                           temporary directory), print their sizes, run the
#                           arm64 tests if qemu is there
#   CROSS_REQUIRE_QEMU=1    fail instead of skipping when qemu is missing
#
# Fails when a build or a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
export CGO_ENABLED=0

build() { # goos goarch goarm name
  local name="$4"
  echo "== build $name"
  GOOS="$1" GOARCH="$2" GOARM="$3" go build -trimpath -ldflags='-s -w' -o "$out/$name" ./cmd/zkembed
  GOOS="$1" GOARCH="$2" GOARM="$3" go build -trimpath -o "$out/$name.debug" ./cmd/zkembed
  printf '%-22s %8d bytes stripped (-s -w), %8d bytes with symbols\n' \
    "$name" "$(stat -c %s "$out/$name")" "$(stat -c %s "$out/$name.debug")"
}
build linux amd64 "" zkembed-linux-amd64
build linux arm64 "" zkembed-linux-arm64
build linux arm 7 zkembed-linux-armv7

for target in darwin/arm64 darwin/amd64 windows/amd64; do
  echo "== go build and go vet ./... for $target"
  GOOS="${target%/*}" GOARCH="${target#*/}" go build ./...
  GOOS="${target%/*}" GOARCH="${target#*/}" go vet ./...
done

qemu="$(command -v qemu-aarch64-static || true)"
if [ -z "$qemu" ]; then
  if [ "${CROSS_REQUIRE_QEMU:-0}" = 1 ]; then
    echo "qemu-aarch64-static not installed (apt-get install qemu-user-static)" >&2
    exit 1
  fi
  echo "== arm64 tests skipped: qemu-aarch64-static not installed (apt-get install qemu-user-static)"
  exit 0
fi

# The engine's crash test runs its own binary as a child process; without
# binfmt_misc the kernel cannot start an arm64 binary by itself, so the test
# starts the child through qemu (ZKEMBED_TEST_EXEC_WRAPPER).
for pkg in engine jute; do
  echo "== arm64 tests of ./$pkg under $qemu"
  GOOS=linux GOARCH=arm64 go test -c -o "$out/$pkg.arm64.test" "./$pkg"
  # Tests run in the package directory, as go test runs them.
  (cd "$pkg" && ZKEMBED_TEST_EXEC_WRAPPER="$qemu" "$qemu" "$out/$pkg.arm64.test" -test.timeout 30m)
done
echo "== cross builds and arm64 tests passed"
