#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# beyond Go, then runs go test with the race detector. Extra arguments go to
# go test (for example -run or -v).
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="/usr/local/go/bin:$(go env GOPATH)/bin:$PATH"

go test -race "$@" ./...
