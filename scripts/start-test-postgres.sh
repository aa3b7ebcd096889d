#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on a free loopback port for the store tests and exports
# OCPI_TEST_POSTGRES_URL. Source it (`. scripts/start-test-postgres.sh`); `stop_test_postgres`
# stops the server and removes its data. Installs PostgreSQL from Debian when initdb is missing.
# initdb refuses to run as root, so as root the server runs as the `postgres` user.

_pg_bin() {
    local found
    found=$(command -v initdb 2>/dev/null || true)
    if [[ -z "$found" ]]; then
        found=$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    [[ -n "$found" ]] && dirname "$(readlink -f "$found")"
}

if [[ -z "$(_pg_bin)" ]]; then
    echo "installing postgresql from Debian"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "error: PostgreSQL is not installed and this user cannot install it" >&2
        return 1 2>/dev/null || exit 1
    fi
fi
_pg_dir=$(_pg_bin)
_pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
_pg_data=$(mktemp -d /tmp/ocpi-pg.XXXXXX)

_pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$_pg_data" postgres
    chown postgres "$_pg_data"
fi
_pg_as_owner "$_pg_dir/initdb" -D "$_pg_data/data" -A trust -U postgres --no-sync >/dev/null
_pg_as_owner "$_pg_dir/pg_ctl" -D "$_pg_data/data" -l "$_pg_data/server.log" -w \
    -o "-p $_pg_port -k $_pg_data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null

stop_test_postgres() {
    _pg_as_owner "$_pg_dir/pg_ctl" -D "$_pg_data/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$_pg_data"
}

export OCPI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$_pg_port/postgres"
echo "PostgreSQL $("$_pg_dir/postgres" --version | awk '{print $3}') at $OCPI_TEST_POSTGRES_URL"
