#!/usr/bin/env bash
# Hostile input: schemathesis against a running `ocpi-cpo serve`, every operation of the OpenAPI
# document tagged `cpo`, as a registered eMSP. Fails on any server error, on a response that
# breaks the document's schema, and on any answer that is not the OCPI envelope.
#
#   bash scripts/fuzz-api.sh                        # with .build/debug/ocpi-cpo (built if missing)
#   OCPI_CPO=.build-x/debug/ocpi-cpo bash scripts/fuzz-api.sh
#
# Environment: OCPI_CPO (the binary), FUZZ_MAX_EXAMPLES (per operation, default 30),
# FUZZ_TIMEOUT (seconds for the whole schemathesis run, default 420), FUZZ_SEED (default fixed, so
# that CI runs are reproducible).
#
# The server, the stand-in eMSP and schemathesis run in a network namespace of their own with
# loopback only: fuzzed `response_url`s and credentials URLs are called by the server, and no
# such call may leave this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

schemathesis_version="4.32.5"
binary="${OCPI_CPO:-.build/debug/ocpi-cpo}"
max_examples="${FUZZ_MAX_EXAMPLES:-30}"
run_timeout="${FUZZ_TIMEOUT:-420}"
seed="${FUZZ_SEED:-9}"

if [[ -z "${FUZZ_IN_NAMESPACE:-}" ]]; then
    # Outside the namespace: what needs the network (pip) or a build, then start again inside.
    if [[ ! -x "$binary" ]]; then
        echo "building ocpi-cpo (debug)"
        swift build --product ocpi-cpo
        binary=.build/debug/ocpi-cpo
    fi
    if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$schemathesis_version')" 2>/dev/null; then
        python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
    fi
    if ! unshare --net true 2>/dev/null; then
        echo "error: cannot make a network namespace (unshare --net, needs root); refusing to fuzz a server whose calls could leave loopback" >&2
        exit 1
    fi
    export FUZZ_IN_NAMESPACE=1 OCPI_CPO="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
    exec unshare --net bash "$root/scripts/fuzz-api.sh" "$@"
fi

ip link set lo up 2>/dev/null || true
work=$(mktemp -d "${TMPDIR:-/tmp}/ocpi-fuzz.XXXXXX")
server_pid=""
emsp_pid=""
cleanup() {
    local status=$?
    for pid in "$server_pid" "$emsp_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ $status -ne 0 && -f "$work/server.log" ]]; then
        echo "--- last lines of the server's log" >&2
        tail -n 40 "$work/server.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # URL, what
    for _ in $(seq 300); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        if [[ -n "$server_pid" ]] && ! kill -0 "$server_pid" 2>/dev/null; then
            echo "error: the server stopped before $2 answered" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "error: $2 did not answer at $1" >&2
    return 1
}

port=$(free_port)
base="http://127.0.0.1:$port"
database="$work/fuzz.sqlite"
admin_token="fuzz-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

echo "== ocpi-cpo serve on $base (SQLite $database, demo data)"
"$OCPI_CPO" serve --host 127.0.0.1 --port "$port" --database "$database" --admin-token "$admin_token" >"$work/server.log" 2>&1 &
server_pid=$!
wait_for "$base/health" "ocpi-cpo"

# A stand-in eMSP: two static files are all the CPO reads while it registers a partner.
emsp_port=$(free_port)
mkdir -p "$work/emsp/ocpi/emsp"
cat >"$work/emsp/ocpi/versions" <<JSON
{"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z",
 "data": [{"version": "2.2.1", "url": "http://127.0.0.1:$emsp_port/ocpi/emsp/2.2.1"}]}
JSON
cat >"$work/emsp/ocpi/emsp/2.2.1" <<JSON
{"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z", "data": {"version": "2.2.1", "endpoints": [
 {"identifier": "credentials", "role": "RECEIVER", "url": "http://127.0.0.1:$emsp_port/ocpi/emsp/2.2.1/credentials"}]}}
JSON
python3 -m http.server "$emsp_port" --bind 127.0.0.1 --directory "$work/emsp" >"$work/emsp.log" 2>&1 &
emsp_pid=$!
wait_for "http://127.0.0.1:$emsp_port/ocpi/versions" "the stand-in eMSP"

echo "== registering an eMSP (DE/MSP) through the credentials handshake"
invite=$("$OCPI_CPO" parties invite --json --database "$database")
token_a=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["token"])' "$invite")
credentials=$(python3 - "$emsp_port" <<'PY'
import json, secrets, sys
print(json.dumps({
    "token": secrets.token_hex(32),
    "url": f"http://127.0.0.1:{sys.argv[1]}/ocpi/versions",
    "roles": [{"role": "EMSP", "party_id": "MSP", "country_code": "DE", "business_details": {"name": "Fuzzing eMSP"}}],
}))
PY
)
registration=$(curl -sS -X POST "$base/ocpi/cpo/2.2.1/credentials" \
    -H "Authorization: Token $(printf %s "$token_a" | base64 -w0)" -H 'Content-Type: application/json' -d "$credentials")
token_c=$(python3 -c '
import json, sys
answer = json.loads(sys.argv[1])
if answer.get("status_code") != 1000:
    sys.exit("registration failed: " + sys.argv[1])
print(answer["data"]["token"])' "$registration")
authorization="Token $(printf %s "$token_c" | base64 -w0)"

# A check of our own: every answer, errors included, is the OCPI envelope.
mkdir -p "$work/hooks"
cat >"$work/hooks/ocpi_envelope_hooks.py" <<'PY'
import json
import re

import schemathesis

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@schemathesis.check
def ocpi_envelope(ctx, response, case):
    """Every response is the OCPI envelope as JSON: an integer status_code, a timestamp, a printable
    status_message (OCPI's string type), and an OCPI error code on an HTTP error."""

    def fail(why):
        raise AssertionError(f"Not the OCPI envelope: HTTP {response.status_code}: {why}: {response.content[:300]!r}")

    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if content_type != "application/json":
        fail(f"Content-Type is {content_type!r}")
    try:
        body = json.loads(response.content)
    except ValueError:
        fail("the body is not JSON")
    if not isinstance(body, dict):
        fail("the body is not a JSON object")
    code = body.get("status_code")
    if not isinstance(code, int) or isinstance(code, bool):
        fail("no integer status_code")
    if not isinstance(body.get("timestamp"), str):
        fail("no timestamp")
    message = body.get("status_message")
    if message is not None and (not isinstance(message, str) or CONTROL.search(message)):
        fail("status_message is not a printable string")
    if response.status_code >= 400 and not 2000 <= code < 4000:
        fail(f"an HTTP error with OCPI status {code}")


@schemathesis.check
def ocpi_response_schema(ctx, response, case):
    """The document's response schema wherever the document describes the answer: every 200 and
    201 (the operation's success envelope, or the ErrorResponse envelope, which HTTP 200 also
    carries: 2001 with the violations, 2003, 3001) and every HTTP error it lists."""
    if str(response.status_code) not in case.operation.definition.raw.get("responses", {}):
        return None
    return case.operation.validate_response(response, case=case)
PY

# DELETE /credentials would unregister the partner, and a PUT /credentials that succeeds (it did
# in a trial run, with a versions URL on loopback) rotates its token: every later case would be
# a 401. The handshake's own tests cover both (Tests/OCPICPOTests). One worker: CPython 3.11's
# ast.parse is not thread-safe, and Hypothesis calls it while describing strategies.
echo "== schemathesis $schemathesis_version: operations tagged cpo, $max_examples examples each, seed $seed, at most ${run_timeout}s"
status=0
(
    cd "$work"
    PYTHONPATH="$work/hooks" SCHEMATHESIS_HOOKS=ocpi_envelope_hooks timeout --kill-after=10 "$run_timeout" \
        schemathesis run "$root/Sources/OCPI221/Resources/openapi.yaml" \
        --url "$base" \
        --include-tag cpo \
        --exclude-operation-id credentials.sender.delete_credentials \
        --exclude-operation-id credentials.sender.put_credentials \
        --header "Authorization: $authorization" \
        --checks not_a_server_error,content_type_conformance,ocpi_envelope,ocpi_response_schema \
        --max-examples "$max_examples" \
        --seed "$seed" \
        --workers 1 \
        --request-timeout 10 \
        --generation-database none \
        --no-color \
        --output-truncate false \
        --report junit --report-dir "$work/report"
) || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "error: ocpi-cpo is no longer running" >&2
    status=1
elif ! curl -fsS -o /dev/null "$base/health"; then
    echo "error: ocpi-cpo no longer answers /health" >&2
    status=1
fi
if grep -q -e "$token_c" -e "$token_a" "$work/server.log"; then
    echo "error: a credentials token is in the server's log" >&2
    status=1
fi
if [[ $status -eq 124 || $status -eq 137 ]]; then
    echo "error: schemathesis did not finish within ${run_timeout}s" >&2
fi
if [[ $status -ne 0 ]]; then
    echo "hostile input: FAILED (status $status; reproduce with FUZZ_SEED=$seed)" >&2
    exit "$status"
fi
echo "hostile input: no failures"
