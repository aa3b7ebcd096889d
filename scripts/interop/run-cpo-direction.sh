#!/usr/bin/env bash
# Interop direction (a): ocpi-cpo as the CPO of extrawest-ocpi's eMSP, both on 127.0.0.1.
#
#   scripts/interop/run-cpo-direction.sh
#
# Starts extrawest_emsp.py and `ocpi-cpo serve` (a fresh SQLite database, --no-demo-data, a known
# admin token), then check_cpo_direction.py: `ocpi-cpo parties register` with the eMSP's token A,
# a location, an EVSE status, a tariff, a session (PUT and PATCH) and a CDR through the admin API,
# each read back through the eMSP's receiver GETs, token sync, and that the eMSP redirected no
# request (every URL used as published). One line per check; exit 0 only when none failed. Both
# servers are stopped on exit; their logs are kept when a check failed.
#
# OCPI_CPO     the ocpi-cpo binary (default .build/debug/ocpi-cpo, from the repository root)
# INTEROP_VENV the virtual environment (default .build-interop/venv; created by setup.sh)
# EMSP_TOKENS  how many tokens the eMSP starts with (default 5; above 50 the list has pages)
# EMSP_TRAILING_SLASH
#              yes (default): the eMSP publishes its endpoint URLs with a trailing slash, as
#              extrawest-ocpi does by default; no: without it (and serves both forms)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/scripts/interop
ocpi_cpo=${OCPI_CPO:-.build/debug/ocpi-cpo}
# A relative path is taken from the working directory, else from the repository root.
[[ $ocpi_cpo == /* || -e $ocpi_cpo ]] || ocpi_cpo=$root/$ocpi_cpo
[[ -x $ocpi_cpo ]] || { echo "error: no ocpi-cpo binary at $ocpi_cpo (build it, or set OCPI_CPO)" >&2; exit 2; }
ocpi_cpo=$(cd "$(dirname "$ocpi_cpo")" && pwd)/$(basename "$ocpi_cpo")
venv=$(bash "$here/setup.sh" "${INTEROP_VENV:-$root/.build-interop/venv}")

STARTUP_TIMEOUT=60  # seconds each server may take to answer
STOP_TIMEOUT=10     # seconds each server may take to stop before it is killed

work=$(mktemp -d "${TMPDIR:-/tmp}/interop-cpo-direction.XXXXXX")
pids=()

stop() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for ((tenth = 0; tenth < STOP_TIMEOUT * 10; tenth++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

finish() {
    local status=$?
    stop
    if ((status == 0)); then
        rm -rf "$work"
    else
        echo "logs and database kept in $work" >&2
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

free_port() {
    "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

random_token() {
    "$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))'
}

# Waits until URL answers with HTTP 200, or fails when the server's process ended or the time is up.
wait_for_server() {
    local name=$1 pid=$2 url=$3 log=$4 deadline=$((SECONDS + STARTUP_TIMEOUT))
    until curl -sf --max-time 2 -o /dev/null "$url"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "FAIL  start $name: it exited; the end of its log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "FAIL  start $name: no answer at $url within $STARTUP_TIMEOUT s" >&2
            return 1
        fi
        sleep 0.2
    done
}

emsp_port=$(free_port)
cpo_port=$(free_port)
token_a=$(random_token)
admin_token=$(random_token)
database=$work/ocpi-cpo.sqlite

emsp_flags=()
case ${EMSP_TRAILING_SLASH:-yes} in
    yes) ;;
    no) emsp_flags+=(--no-trailing-slash) ;;
    *) echo "error: EMSP_TRAILING_SLASH is yes or no, not '$EMSP_TRAILING_SLASH'" >&2; exit 2 ;;
esac

"$venv/bin/python" "$here/extrawest_emsp.py" --port "$emsp_port" --token-a "$token_a" --tokens "${EMSP_TOKENS:-5}" \
    "${emsp_flags[@]}" >"$work/emsp.log" 2>&1 &
pids+=($!)
wait_for_server "extrawest eMSP" "${pids[-1]}" "http://127.0.0.1:$emsp_port/interop/state" "$work/emsp.log"

"$ocpi_cpo" serve --port "$cpo_port" --database "$database" --no-demo-data --admin-token "$admin_token" \
    --country-code NL --party-id SOC --log-format text >"$work/ocpi-cpo.log" 2>&1 &
pids+=($!)
wait_for_server "ocpi-cpo serve" "${pids[-1]}" "http://127.0.0.1:$cpo_port/health" "$work/ocpi-cpo.log"

echo "extrawest-ocpi eMSP on :$emsp_port (endpoint URLs with trailing slash: ${EMSP_TRAILING_SLASH:-yes}), $ocpi_cpo on :$cpo_port"
"$venv/bin/python" "$here/check_cpo_direction.py" \
    --ocpi-cpo "$ocpi_cpo" --database "$database" --cpo-url "http://127.0.0.1:$cpo_port" --admin-token "$admin_token" \
    --country-code NL --party-id SOC --emsp-url "http://127.0.0.1:$emsp_port" --token-a "$token_a"
