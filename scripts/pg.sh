#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the sqlstore tests and exports
# MAILMANAGER_TEST_PG with its URL.
#
#   source scripts/pg.sh   # exports the variable; the server stops when
#                          # the sourcing shell exits
#   bash scripts/pg.sh     # prints the export line and the stop command,
#                          # and leaves the server running
#
# It installs PostgreSQL with apt-get when no initdb is found, initializes a
# cluster in a temporary folder (as the postgres user when run as root,
# since initdb refuses root), listens on 127.0.0.1 only, on a free port, with
# its unix socket in the temporary folder, and creates the database
# mailmanager_test with a random password for the user postgres.
#
# The script changes no option of a shell that sources it.

# mm_pg_bindir prints the folder holding initdb and pg_ctl: the one on PATH,
# else the newest Debian one.
mm_pg_bindir() {
	local initdb_path dir
	initdb_path="$(command -v initdb 2>/dev/null || true)"
	if [ -n "$initdb_path" ] && [ -x "$(dirname "$initdb_path")/pg_ctl" ]; then
		dirname "$(readlink -f "$initdb_path")"
		return 0
	fi
	dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
	if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
		echo "$dir"
		return 0
	fi
	return 1
}

# mm_pg_install installs Debian's PostgreSQL without creating or starting
# the default cluster.
mm_pg_install() {
	if [ "$(id -u)" != 0 ]; then
		echo "pg.sh: PostgreSQL is not installed; run as root or install the postgresql package" >&2
		return 1
	fi
	echo "pg.sh: installing PostgreSQL with apt-get" >&2
	if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		mkdir -p /etc/postgresql-common &&
			echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf ||
			return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			postgresql >&2
}

# mm_pg_as runs a command as the cluster's owner.
mm_pg_as() {
	if [ -n "${MM_PG_OWNER:-}" ]; then
		runuser -u "$MM_PG_OWNER" -- "$@"
	else
		"$@"
	fi
}

# mm_pg_stop stops the server and removes its folder.
mm_pg_stop() {
	if [ -n "${MM_PG_DIR:-}" ] && [ -d "$MM_PG_DIR" ]; then
		mm_pg_as "$MM_PG_BIN/pg_ctl" -D "$MM_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
		rm -rf "$MM_PG_DIR"
	fi
	MM_PG_DIR=""
}

# mm_pg_exit_trap prints the command of the current exit trap, if any.
mm_pg_exit_trap() {
	eval "set -- $(trap -p EXIT)"
	printf '%s' "${3:-}"
}

mm_pg_start() {
	local bin dir owner password port tries started
	bin="$(mm_pg_bindir)"
	if [ -z "$bin" ]; then
		mm_pg_install || return 1
		bin="$(mm_pg_bindir)"
		if [ -z "$bin" ]; then
			echo "pg.sh: initdb not found after installing PostgreSQL" >&2
			return 1
		fi
	fi

	owner=""
	if [ "$(id -u)" = 0 ]; then
		owner=postgres
		if ! id "$owner" >/dev/null 2>&1; then
			owner=mailmanager-pg
			if ! id "$owner" >/dev/null 2>&1; then
				useradd --system --no-create-home --shell /usr/sbin/nologin "$owner" || return 1
			fi
		fi
	fi
	dir="$(mktemp -d "${TMPDIR:-/tmp}/mailmanager-pg.XXXXXX")" || return 1
	chmod 700 "$dir"
	if [ -n "$owner" ]; then
		chown "$owner" "$dir" || return 1
	fi
	MM_PG_BIN="$bin" MM_PG_DIR="$dir" MM_PG_OWNER="$owner"

	password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	(umask 077 && echo "$password" >"$dir/pwfile") || return 1
	if [ -n "$owner" ]; then
		chown "$owner" "$dir/pwfile"
	fi
	if ! mm_pg_as "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
		--auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1; then
		echo "pg.sh: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		mm_pg_stop
		return 1
	fi
	rm -f "$dir/pwfile"

	# Try random ports: binding is the only reliable test of a free one.
	started=""
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		if mm_pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
			-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
			>/dev/null 2>&1; then
			started=yes
			break
		fi
	done
	if [ -z "$started" ]; then
		echo "pg.sh: the server did not start; its log:" >&2
		tail -n 20 "$dir/server.log" >&2
		mm_pg_stop
		return 1
	fi

	if ! PGPASSWORD="$password" "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres \
		-d postgres -c "CREATE DATABASE mailmanager_test" >/dev/null; then
		echo "pg.sh: could not create the test database" >&2
		mm_pg_stop
		return 1
	fi
	MAILMANAGER_TEST_PG="postgres://postgres:$password@127.0.0.1:$port"
	MAILMANAGER_TEST_PG="$MAILMANAGER_TEST_PG/mailmanager_test?sslmode=disable"
	return 0
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	# Sourced: export the URL and stop the server when the shell exits,
	# after any exit trap set before.
	if mm_pg_start; then
		export MAILMANAGER_TEST_PG
		MM_PG_PREVIOUS_TRAP="$(mm_pg_exit_trap)"
		trap 'mm_pg_stop; eval "$MM_PG_PREVIOUS_TRAP"' EXIT
		echo "pg.sh: PostgreSQL $("$MM_PG_BIN/postgres" -V | awk '{print $3}') on" \
			"${MAILMANAGER_TEST_PG##*@}" >&2
	else
		false
	fi
else
	if mm_pg_start; then
		echo "export MAILMANAGER_TEST_PG='$MAILMANAGER_TEST_PG'"
		echo "# stop it with:"
		if [ -n "$MM_PG_OWNER" ]; then
			echo "# runuser -u $MM_PG_OWNER -- $MM_PG_BIN/pg_ctl -D $MM_PG_DIR/data stop" \
				"&& rm -rf $MM_PG_DIR"
		else
			echo "# $MM_PG_BIN/pg_ctl -D $MM_PG_DIR/data stop && rm -rf $MM_PG_DIR"
		fi
	else
		exit 1
	fi
fi
