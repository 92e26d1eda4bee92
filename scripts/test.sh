#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# beyond Go, then runs go test with the race detector. Extra arguments go to
# go test (for example -run or -v).
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="/usr/local/go/bin:$(go env GOPATH)/bin:$PATH"

# The browser test of examples/webapp drives headless Chromium. Without it
# the test skips, except under CI=true, where it fails.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
	echo "== installing chromium for the browser test"
	sudo_cmd=""
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
		sudo_cmd="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo_cmd apt-get update -qq >/dev/null
	$sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

# PostgreSQL for the sqlstore tests: a throwaway server on a loopback port,
# stopped when this script exits. Without it those tests skip, except under
# CI=true, where they fail.
if [ -z "${MAILMANAGER_TEST_PG:-}" ]; then
	source scripts/pg.sh
fi

go test -race "$@" ./...
