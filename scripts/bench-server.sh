#!/usr/bin/env bash
# The server benchmark: ocpi-cpo (release build, SQLite) with 10,000 generated locations, measured
# with wrk beside nginx serving the same response bytes as static files, in the same run.
#
#     scripts/bench-server.sh            # prints the table and the targets
#
# Settings (environment): BENCH_LOCATIONS (10000), BENCH_DURATION seconds per run (10),
# BENCH_ROUNDS (3: ocpi-cpo and nginx take turns this many times on one location and on the
# page, and the median run of each counts), BENCH_CONNECTIONS (16), BENCH_THREADS wrk threads
# (2), BENCH_STRICT=1 to exit 1 when a target is missed. The server serves 2.1.1, 2.2.1 and 2.3.0;
# one location and a page read by a partner on 2.1.1 and on 2.3.0 (converted from the stored
# 2.2.1) are compared with 2.2.1's in the same turns. Needs wrk, nginx, curl and python3
# (Debian: apt-get install wrk nginx-light curl).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

locations=${BENCH_LOCATIONS:-10000}
duration=${BENCH_DURATION:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
bench_name=bench-server
source scripts/bench/lib.sh
bench_work
for tool in wrk curl python3 "$nginx_bin"; do
    command -v "$tool" >/dev/null || { echo "bench-server: $tool is missing (apt-get install wrk nginx-light curl python3)" >&2; exit 2; }
done

echo "== building (release)"
swift build -c release --product ocpi-cpo >/dev/null
swift build -c release --product ocpi-bench >/dev/null
bin=$(swift build -c release --show-bin-path)

# First, while nothing else runs: the reader's throughput on Locations.
decode=$("$bin/ocpi-bench" --seconds 2 | awk '/^Location/ { on = 1 } on && /decode \+ validate/ { print $(NF-3); exit }')

cpo_port=$(free_port)
emsp_port=$(free_port)
nginx_port=$(free_port)
push_port=$(free_port)
fifty_port=$(free_port)
database="$work/bench.sqlite"
database_fifty="$work/bench-fifty.sqlite"

echo "== $locations locations (3 EVSEs, 2 connectors each), imported into SQLite"
python3 scripts/bench/generate-locations.py "$locations" >"$work/locations.json"
"$bin/ocpi-cpo" import "$work/locations.json" --database "$database" >/dev/null
# A second CPO on a copy of the database, for the operator's PATCH with fifty partners (below).
for suffix in "" -wal -shm; do [[ -f $database$suffix ]] && cp "$database$suffix" "$database_fifty$suffix"; done

start_cpo "$bin/ocpi-cpo" "$cpo_port" "$database" "$work/cpo.log" --versions 2.1.1,2.2.1,2.3.0
cpo_pid=$cpo_started
start_cpo "$bin/ocpi-cpo" "$fifty_port" "$database_fifty" "$work/cpo-fifty.log"
fifty_pid=$cpo_started
python3 scripts/bench/emsp.py "$emsp_port" "$work/token-b" "http://127.0.0.1:$push_port" &
pids+=($!)
# nginx: the static copies (written below); and the eMSPs' receiver of pushes.
mkdir -p "$work/static"
chmod 755 "$work" "$work/static"  # nginx's workers run as another user when started by root
sed -e "s#@WORK@#$work#g" -e "s#@PORT@#$nginx_port#g" scripts/bench/nginx.conf >"$work/nginx.conf"
"$nginx_bin" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
pids+=($!)
start_push_receiver "$push_port"
wait_for "http://127.0.0.1:$cpo_port/ocpi/versions"
wait_for "http://127.0.0.1:$fifty_port/ocpi/versions"
wait_for "http://127.0.0.1:$emsp_port/versions"
wait_for "http://127.0.0.1:$push_port/"

echo "== registering the eMSP that receives the pushes"
register_partners "$bin/ocpi-cpo" "$database" "$emsp_port" 1
token="Token $(printf %s "$(cat "$work/token-b")" | base64 -w0)"
# 2.1.1's modules take the token as it is (2.2.1's and 2.3.0's in base64).
token211="Token $(cat "$work/token-b")"
cpo="http://127.0.0.1:$cpo_port"
middle=$(printf 'LOC-%05d' $(( (locations + 1) / 2 )))

# The static copies: the CPO's own answers, byte for byte.
curl -fs -H "Authorization: $token" "$cpo/ocpi/cpo/2.2.1/locations/$middle" -o "$work/static/location.json"
curl -fs -H "Authorization: $token" "$cpo/ocpi/cpo/2.2.1/locations?offset=0&limit=50" -o "$work/static/page.json"
for file in location page; do
    grep -q '"status_code":1000' "$work/static/$file.json" || { echo "bench-server: the $file answer is not a success:" >&2; head -c 300 "$work/static/$file.json" >&2; exit 1; }
done
wait_for "http://127.0.0.1:$nginx_port/location.json"
cmp -s "$work/static/page.json" <(curl -fs "http://127.0.0.1:$nginx_port/page.json") || { echo "bench-server: nginx serves other bytes" >&2; exit 1; }

# One answer of every written case, checked before it is measured.
check() {
    local body
    body=$(curl -s -X "$1" -H "Authorization: $2" -H 'Content-Type: application/json' --data "$4" "$cpo$3")
    [[ $body == *'"status_code":1000'* ]] || { echo "bench-server: $1 $3 answered: ${body:0:300}" >&2; exit 1; }
}
check PUT "$token" /ocpi/cpo/2.2.1/tokens/DE/MSP/CHECK1 \
    '{"country_code":"DE","party_id":"MSP","uid":"CHECK1","type":"RFID","contract_id":"DE-MSP-C00000001-1","issuer":"Bench eMSP","valid":true,"whitelist":"ALLOWED","last_updated":"2026-12-01T00:00:00Z"}'
check PATCH "$admin" "/admin/2.2.1/locations/LOC-00001/LOC-00001-1" '{"status":"CHARGING","last_updated":"2026-12-01T00:00:00Z"}'

# wrk's summary as "requests/s p50_ms p99_ms errors" (errors: non-2xx answers and socket errors).
measure() {
    local case=$1 url=$2 authorization=$3 output
    output=$(BENCH_CASE=$case BENCH_LOCATIONS=$locations wrk -t"$threads" -c"$connections" -d"${duration}s" --latency \
        -s scripts/bench/requests.lua -H "Authorization: $authorization" "$url")
    echo "$output" >>"$work/wrk.log"
    wrk_summary <<<"$output"
}

# The run of median requests/s among measure's lines (its own latencies with it).
median() { printf '%s\n' "$@" | sort -n -k1,1 | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'; }

# ocpi-cpo and nginx on the same answer, taking turns $rounds times (so that a busy moment of
# the machine falls on both): prints the median run of each, ocpi-cpo's first.
turns() {
    local ours=() theirs=()
    for _ in $(seq 1 "$rounds"); do
        ours+=("$(measure get "$1" "$token")")
        theirs+=("$(measure get "$2" "$token")")
    done
    median "${ours[@]}"
    median "${theirs[@]}"
}

row() {  # name, then measure's four numbers
    printf '  %-28s %10s req/s   p50 %7s ms   p99 %7s ms   errors %s\n' "$1" "$2" "$3" "$4" "$5"
}

echo "== measuring: wrk, $threads threads, $connections connections, ${duration} s per run (medians of $rounds turns with nginx)"
{ read -r rate p50 p99 bad; read -r nrate np50 np99 nbad; } < <(turns "$cpo/ocpi/cpo/2.2.1/locations/$middle" "http://127.0.0.1:$nginx_port/location.json")
row "ocpi: one location" "$rate" "$p50" "$p99" "$bad"
row "nginx: one location" "$nrate" "$np50" "$np99" "$nbad"
single_rate=$rate single_p99=$p99 static_single=$nrate
# The HTTP layer alone (OCPIHTTPServer: no token, no store, no envelope, no log line): the
# ceiling any OCPI endpoint of this server stays under.
read -r rate p50 p99 bad < <(measure get "$cpo/health" "$token"); row "ocpi: GET /health" "$rate" "$p50" "$p99" "$bad"
health_rate=$rate
{ read -r rate p50 p99 bad; read -r nrate np50 np99 nbad; } < <(turns "$cpo/ocpi/cpo/2.2.1/locations?offset=0&limit=50" "http://127.0.0.1:$nginx_port/page.json")
row "ocpi: page of 50" "$rate" "$p50" "$p99" "$bad"
row "nginx: page of 50" "$nrate" "$np50" "$np99" "$nbad"
page_rate=$rate page_p99=$p99 static_page=$nrate
# A partner on another release than the stored one (2.2.1): the same reads, converted. Turns
# of the three releases, so that each median saw the same moments of the machine.
for release in 2.1.1 2.3.0; do
    authorization=$token
    [[ $release == 2.1.1 ]] && authorization=$token211
    for path in "locations/$middle" "locations?offset=0&limit=50"; do
        body=$(curl -s -H "Authorization: $authorization" "$cpo/ocpi/cpo/$release/$path")
        [[ $body == *'"status_code":1000'* ]] || { echo "bench-server: GET $release/$path answered: ${body:0:300}" >&2; exit 1; }
    done
done
release_turns() {  # path below the module's base: medians of 2.2.1, 2.1.1 and 2.3.0
    local base=() old=() new=()
    for _ in $(seq 1 "$rounds"); do
        base+=("$(measure get "$cpo/ocpi/cpo/2.2.1/$1" "$token")")
        old+=("$(measure get "$cpo/ocpi/cpo/2.1.1/$1" "$token211")")
        new+=("$(measure get "$cpo/ocpi/cpo/2.3.0/$1" "$token")")
    done
    median "${base[@]}"
    median "${old[@]}"
    median "${new[@]}"
}
{ read -r base_single _ _ _; read -r rate p50 p99 bad; read -r nrate np50 np99 nbad; } < <(release_turns "locations/$middle")
row "ocpi 2.1.1: one location" "$rate" "$p50" "$p99" "$bad"
row "ocpi 2.3.0: one location" "$nrate" "$np50" "$np99" "$nbad"
single_211=$(awk -v a="$rate" -v b="$base_single" 'BEGIN { printf "%.2f", a / b }')
single_230=$(awk -v a="$nrate" -v b="$base_single" 'BEGIN { printf "%.2f", a / b }')
{ read -r base_page _ _ _; read -r rate p50 p99 bad; read -r nrate np50 np99 nbad; } < <(release_turns "locations?offset=0&limit=50")
row "ocpi 2.1.1: page of 50" "$rate" "$p50" "$p99" "$bad"
row "ocpi 2.3.0: page of 50" "$nrate" "$np50" "$np99" "$nbad"
page_211=$(awk -v a="$rate" -v b="$base_page" 'BEGIN { printf "%.2f", a / b }')
page_230=$(awk -v a="$nrate" -v b="$base_page" 'BEGIN { printf "%.2f", a / b }')
printf '  (2.2.1 in the same turns: one location %s req/s, page of 50 %s req/s)\n' "$base_single" "$base_page"
read -r rate p50 p99 bad < <(measure crawl "$cpo/" "$token"); row "ocpi: crawl, pages of 50" "$rate" "$p50" "$p99" "$bad"
crawl_rate=$rate
read -r rate p50 p99 bad < <(measure put-token "$cpo/" "$token"); row "ocpi: PUT token" "$rate" "$p50" "$p99" "$bad"
read -r rate p50 p99 bad < <(measure patch-evse "$cpo/" "$admin"); row "ocpi: PATCH EVSE (admin)" "$rate" "$p50" "$p99" "$bad"
# Until the pushes of the PATCHes above are all out (nginx writes its log of them once a
# second): the paced runs below measure the operator's write, not a backlog being caught up.
pushes=-1
while [[ $pushes != $(wc -l <"$work/pushes.log") ]]; do pushes=$(wc -l <"$work/pushes.log"); sleep 2; done

# The operator's PATCH at a steady pace (2 connections, 100 ms apart: about 20 a second, so
# 1,000 pushes a second with 50 partners, all taken by the receiver) on two servers side by side:
# the one above, with its one eMSP, and a second on a copy of the data with fifty (the bench eMSP
# answers as DE/B01..B49 too). The write is one outbox row whatever the number of partners, so
# its latency should not grow with them. The two take turns, $rounds runs of 20 s each (so that a
# busy moment of the machine falls on both), and the median p99 of each counts.
fifty="http://127.0.0.1:$fifty_port"
register_partners "$bin/ocpi-cpo" "$database_fifty" "$emsp_port" 50
sleep 2  # the pusher starts a stream for each at its next look
paced() { local threads=1 connections=2 duration=20; measure patch-paced "$1/" "$admin"; }
by_p99() { printf '%s\n' "$@" | sort -n -k3,3 | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'; }
# CPU time (clock ticks) of the fifty-partner server's pushes' thread: the one at nice 10.
push_thread_ticks() {
    local task
    for task in /proc/"$fifty_pid"/task/*; do
        awk '$19 == 10 { print $14 + $15; found = 1 } END { exit !found }' "$task/stat" 2>/dev/null && return
    done
    echo 0
}
one_runs=() fifty_runs=()
push_ticks_before=$(push_thread_ticks)
for _ in $(seq 1 "$rounds"); do
    one_runs+=("$(paced "$cpo")")
    fifty_runs+=("$(paced "$fifty")")
done
push_ticks=$(( $(push_thread_ticks) - push_ticks_before ))
read -r rate p50 p99 bad < <(by_p99 "${one_runs[@]}"); row "ocpi: PATCH paced, 1 partner" "$rate" "$p50" "$p99" "$bad"
paced_one_p99=$p99
read -r rate p50 p99 bad < <(by_p99 "${fifty_runs[@]}"); row "ocpi: PATCH paced, 50 partners" "$rate" "$p50" "$p99" "$bad"
paced_fifty_p99=$p99
printf '  (p99 of each run, 1 partner: %s; 50 partners: %s)\n' "$(printf '%s\n' "${one_runs[@]}" | awk '{ printf "%s ", $3 }')" \
    "$(printf '%s\n' "${fifty_runs[@]}" | awk '{ printf "%s ", $3 }')"
# Each PATCH is pushed to every one of the fifty partners: CPU of the pushes' thread per push.
printf '%s\n' "${fifty_runs[@]}" | awk -v ticks="$push_ticks" -v hz="$(getconf CLK_TCK)" '
    { pushes += $1 * 20 * 50 }
    END { if (pushes > 0) printf "  (CPU of the pushes'"'"' thread, 50 partners: %.0f us per push, %d pushes)\n", ticks / hz * 1e6 / pushes, pushes }'

# One sequential crawl, as an eMSP does it: follow Link until the last page.
crawl_seconds=$(python3 - "$cpo/ocpi/cpo/2.2.1/locations?limit=50" "$token" <<'PY'
import re, sys, time, urllib.request
url, token, count = sys.argv[1], sys.argv[2], 0
start = time.monotonic()
while url:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": token})) as answer:
        count += answer.read().count(b'"evses"')
        link = re.search(r'<([^>]+)>;\s*rel="next"', answer.headers.get("Link") or "")
        url = link.group(1) if link else None
print("%.2f %d" % (time.monotonic() - start, count))
PY
)
read -r crawl_time crawled <<<"$crawl_seconds"
[[ $crawled == "$locations" ]] || { echo "bench-server: the crawl saw $crawled locations, not $locations" >&2; exit 1; }

peak_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$cpo_pid/status")
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$cpo_pid/status")

echo
printf '  one sequential crawl of %s locations (pages of 50, following Link): %s s\n' "$locations" "$crawl_time"
printf '  pushes the eMSP received during the run: %s\n' "$pushes"
awk -v peak="$peak_kb" -v now="$rss_kb" 'BEGIN { printf "  memory of ocpi-cpo: peak RSS %.1f MB, now %.1f MB\n", peak / 1024, now / 1024 }'
printf '  decode + validate of Locations (ocpi-bench): %s MB/s\n' "$decode"

missed=0
target() {  # description, measured, comparison for awk ("x >= 0.5"), shown value
    if awk -v x="$2" "BEGIN { exit !($3) }"; then verdict=met; else verdict=MISSED; missed=1; fi
    printf '  %-44s %-18s %s\n' "$1" "$4" "$verdict"
}
echo
echo "== targets"
single_ratio=$(awk -v a="$single_rate" -v b="$static_single" 'BEGIN { printf "%.2f", a / b }')
page_ratio=$(awk -v a="$page_rate" -v b="$static_page" 'BEGIN { printf "%.2f", a / b }')
target "one location, ratio to nginx >= 0.50" "$single_ratio" "x >= 0.5" "$single_ratio"
target "page of 50, ratio to nginx >= 0.25" "$page_ratio" "x >= 0.25" "$page_ratio"
target "p99 at $connections connections < 10 ms (one location)" "$single_p99" "x < 10" "$single_p99 ms"
target "p99 at $connections connections < 10 ms (page of 50)" "$page_p99" "x < 10" "$page_p99 ms"
target "peak RSS with $locations locations < 150 MB" "$peak_kb" "x < 150 * 1024" "$((peak_kb / 1024)) MB"
target "decode + validate Locations >= 100 MB/s" "$decode" "x >= 100" "$decode MB/s"
paced_ratio=$(awk -v a="$paced_fifty_p99" -v b="$paced_one_p99" 'BEGIN { printf "%.2f", a / b }')
target "admin PATCH p99, 50 partners / 1 <= 1.20" "$paced_ratio" "x <= 1.2" "$paced_ratio ($paced_one_p99 -> $paced_fifty_p99 ms)"
for pair in "2.1.1 one location:$single_211" "2.3.0 one location:$single_230" "2.1.1 page of 50:$page_211" "2.3.0 page of 50:$page_230"; do
    target "${pair%%:*}, ratio to 2.2.1 >= 0.70" "${pair##*:}" "x >= 0.7" "${pair##*:}"
done
echo "  (crawl: $crawl_rate pages/s under load)"
awk -v a="$health_rate" -v b="$static_single" 'BEGIN { printf "  (the HTTP layer alone, GET /health: %.2f of nginx'"'"'s one location)\n", a / b }'

if [[ $missed == 1 && ${BENCH_STRICT:-0} == 1 ]]; then exit 1; fi
