#!/usr/bin/env bash
# The scale benchmark (issue 22): how the cost per unit of work holds up as the work grows, for
# 10,000, 100,000 and (with BENCH_SCALE_MAX=1000000) 1,000,000 generated locations, on SQLite and
# on PostgreSQL.
#
#     scripts/bench-scale.sh                          # 10k and 100k: about ten minutes
#     BENCH_SCALE_MAX=1000000 scripts/bench-scale.sh  # and 1M (2.4 GB of JSON, and the databases)
#
# For each size the data set is generated once; then for each backend, each part is a function
# below given the backend, the size and what it needs:
#   `import_part`  `ocpi-cpo import` of the generated file into a new database: rate, peak RSS.
#   `serve_part`   two release `ocpi-cpo serve` on that database (one instance and a second one
#                  beside it, as behind a load balancer) and one registered eMSP reading them:
#                  the median latency of the first page of 50 and of the last page, reached by
#                  following `Link` on the same instance, by the same `Link` sent to the other
#                  instance, and by an `offset` the client computed itself, asked cold; then a
#                  full crawl following `Link`, and the server's peak RSS (VmHWM) while serving it.
# Each part prints its figures, adds its verdicts with `target` and its costs per unit to the
# results, from which the end prints a table per backend and writes the plot (an SVG).
#
# Settings (environment): BENCH_SCALE_MAX (100000: the largest size run), BENCH_SCALE_BACKENDS
# (sqlite,postgres when PostgreSQL's initdb is found, else sqlite; PostgreSQL runs as a throwaway
# server from scripts/start-test-postgres.sh), BENCH_SCALE_REQUESTS (200: requests per page
# latency), BENCH_SCALE_PLOT (docs/bench-scale.svg: where the plot goes), BENCH_SCALE_BIN (a
# directory holding a release `ocpi-cpo`; default: build it with `swift build -c release`),
# BENCH_SCALE_TIMEOUT seconds any one command may take (900), BENCH_STRICT=1 to exit 1 when a
# target is missed. Needs python3, curl and GNU time (/usr/bin/time; Debian: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

max=${BENCH_SCALE_MAX:-100000}
timeout_seconds=${BENCH_SCALE_TIMEOUT:-900}
requests=${BENCH_SCALE_REQUESTS:-200}
plot=${BENCH_SCALE_PLOT:-docs/bench-scale.svg}
strict=${BENCH_STRICT:-0}
for tool in python3 /usr/bin/time timeout curl; do
    command -v "$tool" >/dev/null || { echo "bench-scale: $tool is missing (apt-get install python3 time curl)" >&2; exit 2; }
done
if [[ -z ${BENCH_SCALE_BACKENDS:-} ]]; then
    if command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        BENCH_SCALE_BACKENDS=sqlite,postgres
    else
        BENCH_SCALE_BACKENDS=sqlite
    fi
fi
IFS=, read -r -a backends <<<"$BENCH_SCALE_BACKENDS"
for backend in "${backends[@]}"; do
    [[ $backend == sqlite || $backend == postgres ]] || { echo "bench-scale: unknown backend $backend (sqlite, postgres)" >&2; exit 2; }
done

if [[ -n ${BENCH_SCALE_BIN:-} ]]; then
    bin=$BENCH_SCALE_BIN
else
    echo "== building ocpi-cpo (release)"
    swift build -c release --product ocpi-cpo >/dev/null
    bin=$(swift build -c release --show-bin-path)
fi
[[ -x $bin/ocpi-cpo ]] || { echo "bench-scale: no ocpi-cpo in $bin" >&2; exit 2; }

work=$(mktemp -d /tmp/ocpi-bench-scale.XXXXXX)
pids=()
postgres_started=0
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ $postgres_started == 1 ]]; then stop_test_postgres; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ " ${backends[*]} " == *" postgres "* ]]; then
    echo "== starting a throwaway PostgreSQL"
    # shellcheck source=start-test-postgres.sh
    . scripts/start-test-postgres.sh
    postgres_started=1
    postgres_url=$OCPI_TEST_POSTGRES_URL
    psql=$(command -v psql || echo "$_pg_dir/psql")
    export PGOPTIONS='-c client_min_messages=warning'
fi

# The import target: a million locations in under two minutes.
import_target_rate=8334
# Memory bounded whatever the file size: the import's peak RSS stays under this many MB at
# every size (the file itself is 2.4 GB at 1M).
import_target_rss_mb=300
# A page of 50 at the end of the list costs at most this many times the first page.
page_target_ratio=1.5
# A crawl's time is linear in the list's size: ten times the locations take at most this many
# times as long (a little slack for the noise of a shared machine); and 1M takes under a minute.
crawl_target_growth=12
crawl_target_seconds_1m=60
# The server's peak RSS while a partner crawls the whole list.
serve_target_rss_mb=200

missed=0
verdicts=()
# target NAME MET(0|1) TEXT: records a verdict, printed at the end.
target() {
    if [[ $2 == 1 ]]; then verdicts+=("met     $1: $3"); else verdicts+=("MISSED  $1: $3"); missed=1; fi
}
# at_most A B: 1 when A <= B (decimals), else 0.
at_most() { python3 -c "import sys; print(int(float(sys.argv[1]) <= float(sys.argv[2])))" "$1" "$2"; }
# calc EXPRESSION: python's value of it, for the figures' arithmetic.
calc() { python3 -c "print($1)"; }

# Results: "backend size metric value" lines, costs per unit (the plot's) and the tables' figures.
results="$work/results"
: >"$results"
record() { echo "$1 $2 $3 $4" >>"$results"; }
# recorded BACKEND SIZE METRIC: the value recorded, or nothing.
recorded() { awk -v b="$1" -v s="$2" -v m="$3" '$1 == b && $2 == s && $3 == m { v = $4 } END { print v }' "$results"; }

# Generates SIZE locations into $work/locations-SIZE.json once; prints the path.
generate() {
    local size=$1 file="$work/locations-$1.json"
    if [[ ! -f $file ]]; then
        timeout "$timeout_seconds" python3 scripts/bench/generate-locations.py "$size" >"$file"
    fi
    echo "$file"
}

# new_database BACKEND SIZE: an empty database for the size; prints what `--database` takes.
new_database() {
    case $1 in
    sqlite)
        local database="$work/scale-$2.sqlite"
        rm -f "$database" "$database-wal" "$database-shm"
        echo "$database"
        ;;
    postgres)
        "$psql" -q -X -v ON_ERROR_STOP=1 "$postgres_url" -c "DROP DATABASE IF EXISTS scale_$2" -c "CREATE DATABASE scale_$2" >/dev/null
        echo "${postgres_url%/*}/scale_$2"
        ;;
    esac
}

# drop_database BACKEND SIZE: frees the disk the size's database took.
drop_database() {
    case $1 in
    sqlite) rm -f "$work/scale-$2.sqlite" "$work/scale-$2.sqlite-wal" "$work/scale-$2.sqlite-shm" ;;
    postgres) "$psql" -q -X "$postgres_url" -c "DROP DATABASE IF EXISTS scale_$2" >/dev/null ;;
    esac
}

# import_part BACKEND SIZE FILE DATABASE: imports FILE into the new DATABASE and prints the
# rate, the phases and the peak RSS.
import_part() {
    local backend=$1 size=$2 file=$3 database=$4
    local report="$work/import-$backend-$size.time" log="$work/import-$backend-$size.log"
    local start end
    start=$(date +%s.%N)
    if ! timeout "$timeout_seconds" /usr/bin/time -v -o "$report" \
        "$bin/ocpi-cpo" import "$file" --database "$database" --progress-interval 5 >"$log" 2>"$log.err"; then
        echo "bench-scale: the import of $size locations into $backend failed:" >&2
        tail -5 "$log.err" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    local seconds rss_kb rate rss_mb bytes
    seconds=$(calc "f'{$end - $start:.1f}'")
    rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$report")
    rss_mb=$((rss_kb / 1024))
    rate=$(calc "round($size / ($end - $start))")
    bytes=$(stat -c %s "$file")
    printf '   import: %s (%s MB of JSON) in %s s: %s locations/s, peak RSS %s MB\n' \
        "$(sed 's/^.*: //' "$log")" "$((bytes / 1000000))" "$seconds" "$rate" "$rss_mb"
    grep -E ': (checked|wrote) ' "$log.err" | sed 's/^.*: /           /' || true
    record "$backend" "$size" import "$(calc "round(($end - $start) / $size * 1e6, 1)")"
    record "$backend" "$size" import_seconds "$seconds"
    record "$backend" "$size" import_rate "$rate"
    record "$backend" "$size" import_rss "$rss_mb"
    # The rate is judged from 100k on: at 10k the start of the process (opening and migrating
    # the database) is a tenth of the time.
    if (( size >= 100000 )); then
        target "$backend: import of $size at >= $import_target_rate locations/s (1M in < 120 s)" "$((rate >= import_target_rate ? 1 : 0))" "$rate/s"
    fi
    target "$backend: import of $size with peak RSS < $import_target_rss_mb MB" "$((rss_mb < import_target_rss_mb ? 1 : 0))" "$rss_mb MB"
}

# A free loopback port from the kernel.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # until anything answers HTTP at $1
    for _ in $(seq 1 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$1") != 000 ]] && return 0
        sleep 0.1
    done
    echo "bench-scale: nothing answers at $1" >&2; exit 1
}
# serve DATABASE PORT LOG: starts `ocpi-cpo serve`; its pid goes to $served.
serve() {
    "$bin/ocpi-cpo" serve --port "$2" --database "$1" --admin-token bench-admin-token --no-demo-data \
        --token-sync-interval 0 >"$3" 2>&1 &
    served=$!
    pids+=("$served")
}
stop() {  # stops the server with pid $1
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
client() { timeout "$timeout_seconds" python3 scripts/bench/scale-client.py "$@"; }
# expect_first_id URL NUMBER: the page at URL must start with location NUMBER.
expect_first_id() {
    local id expected
    id=$(client first-id "$1" "$token")
    expected=$(printf 'LOC-%05d' "$2")
    [[ $id == "$expected" ]] || { echo "bench-scale: $1 starts with ${id:-nothing}, not $expected" >&2; exit 1; }
}

# serve_part BACKEND SIZE DATABASE: pages at any depth and the crawl, on two instances of the
# server on DATABASE (A, which the partner crawls, and B, which has served nothing before).
serve_part() {
    local backend=$1 size=$2 database=$3
    local port_a port_b emsp_port pid_a pid_b emsp_pid
    port_a=$(free_port) port_b=$(free_port) emsp_port=$(free_port)
    serve "$database" "$port_a" "$work/serve-a.log"; pid_a=$served
    python3 scripts/bench/emsp.py "$emsp_port" "$work/token-b" >"$work/emsp.log" 2>&1 &
    emsp_pid=$!
    pids+=("$emsp_pid")
    wait_for "http://127.0.0.1:$port_a/ocpi/versions"
    wait_for "http://127.0.0.1:$emsp_port/versions"
    rm -f "$work/token-b"
    timeout "$timeout_seconds" "$bin/ocpi-cpo" parties register --versions-url "http://127.0.0.1:$emsp_port/versions" \
        --token bench-token-a --database "$database" >"$work/register.log" 2>&1 || { cat "$work/register.log" >&2; exit 1; }
    token="Token $(printf %s "$(cat "$work/token-b")" | base64 -w0)"
    serve "$database" "$port_b" "$work/serve-b.log"; pid_b=$served
    wait_for "http://127.0.0.1:$port_b/ocpi/versions"

    local a="http://127.0.0.1:$port_a/ocpi/cpo/2.2.1/locations" b="http://127.0.0.1:$port_b/ocpi/cpo/2.2.1/locations"
    local last=$((size - 50)) first_ms cold_ms linked_ms other_ms p90 crawl_seconds pages objects last_url peak_kb
    # The cold offset first, before any page of the list was served: a client that computes the
    # last page's offset itself and asks for it.
    expect_first_id "$a?offset=$last&limit=50" $((last + 1))
    read -r cold_ms p90 < <(client latency "$a?offset=$last&limit=50" "$token" "$requests")
    printf '   last page, offset %s computed by the client, cold: median %s ms (p90 %s)\n' "$last" "$cold_ms" "$p90"
    expect_first_id "$a?limit=50" 1
    read -r first_ms p90 < <(client latency "$a?limit=50" "$token" "$requests")
    printf '   first page of 50: median %s ms (p90 %s)\n' "$first_ms" "$p90"
    # The crawl: every page following Link, as a partner reads the whole list.
    read -r crawl_seconds pages objects last_url < <(client crawl "$a?limit=50" "$token")
    [[ $objects == "$size" ]] || { echo "bench-scale: the crawl of $backend read $objects locations, not $size" >&2; exit 1; }
    peak_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$pid_a/status")
    printf '   crawl following Link: %s pages in %s s (%s µs per location); server peak RSS %s MB\n' \
        "$pages" "$crawl_seconds" "$(calc "round($crawl_seconds / $size * 1e6, 1)")" "$((peak_kb / 1024))"
    # The last page by the crawl's own Link: on A, which served the page before it, and on B,
    # which served nothing of the list (a partner's next request that a load balancer sends to
    # another instance).
    expect_first_id "$last_url" $((last + 1))
    read -r linked_ms p90 < <(client latency "$last_url" "$token" "$requests")
    printf '   last page by its Link, same instance: median %s ms (p90 %s)\n' "$linked_ms" "$p90"
    local other_url="${last_url/:$port_a\//:$port_b/}"
    expect_first_id "$other_url" $((last + 1))
    read -r other_ms p90 < <(client latency "$other_url" "$token" "$requests")
    printf '   last page by its Link, another instance: median %s ms (p90 %s)   [%s]\n' "$other_ms" "$p90" "${last_url#*\?}"
    stop "$pid_a"; stop "$pid_b"; stop "$emsp_pid"

    record "$backend" "$size" first_page "$first_ms"
    record "$backend" "$size" last_page "$linked_ms"
    record "$backend" "$size" last_page_other "$other_ms"
    record "$backend" "$size" cold_offset "$cold_ms"
    record "$backend" "$size" crawl "$(calc "round($crawl_seconds / $size * 1e6, 1)")"
    record "$backend" "$size" crawl_seconds "$crawl_seconds"
    record "$backend" "$size" serve_rss "$((peak_kb / 1024))"

    local bound ratio
    bound=$(calc "round($first_ms * $page_target_ratio, 3)")
    for name in linked other cold; do
        local ms text
        case $name in
        linked) ms=$linked_ms text="last page of $size by Link, same instance" ;;
        other) ms=$other_ms text="last page of $size by Link, another instance" ;;
        cold) ms=$cold_ms text="last page of $size at an offset the client computed, cold" ;;
        esac
        ratio=$(calc "round($ms / $first_ms, 2)")
        target "$backend: $text <= $page_target_ratio x the first page" "$(at_most "$ms" "$bound")" "$ms ms, ${ratio}x of $first_ms ms"
    done
    target "$backend: server peak RSS while crawling $size < $serve_target_rss_mb MB" \
        "$((peak_kb / 1024 < serve_target_rss_mb ? 1 : 0))" "$((peak_kb / 1024)) MB"
    local smaller=$((size / 10)) before
    before=$(recorded "$backend" "$smaller" crawl_seconds)
    if [[ -n $before ]]; then
        ratio=$(calc "round($crawl_seconds / $before, 1)")
        target "$backend: crawl of $size within ${crawl_target_growth}x of $smaller's (linear)" \
            "$(at_most "$ratio" "$crawl_target_growth")" "$crawl_seconds s, ${ratio}x of $before s"
    fi
    if (( size >= 1000000 )); then
        target "$backend: crawl of $size in < $crawl_target_seconds_1m s" "$(at_most "$crawl_seconds" "$crawl_target_seconds_1m")" "$crawl_seconds s"
    fi
}

# run_size SIZE: every part at one size, on each backend.
run_size() {
    local size=$1 file database
    echo "== $size locations"
    file=$(generate "$size")
    for backend in "${backends[@]}"; do
        echo " -- $backend"
        database=$(new_database "$backend" "$size")
        import_part "$backend" "$size" "$file" "$database"
        serve_part "$backend" "$size" "$database"
        drop_database "$backend" "$size"
    done
    rm -f "$file"
}

for size in 10000 100000 1000000; do
    (( size <= max )) || continue
    run_size "$size"
done

for backend in "${backends[@]}"; do
    echo
    echo "== $backend (medians of $requests requests per page; the last page's three ways: its Link on the instance that served the page before, the same Link on another instance, the client's own offset asked cold)"
    printf '%-10s %9s %9s %9s | %9s %9s %9s %9s | %9s %9s %9s\n' locations import rate RSS "first" "by Link" "other" "offset" crawl "µs/loc" RSS
    for size in 10000 100000 1000000; do
        (( size <= max )) || continue
        value() { recorded "$backend" "$size" "$1"; }
        printf '%-10s %7s s %7s/s %6s MB | %6s ms %6s ms %6s ms %6s ms | %7s s %9s %6s MB\n' "$size" \
            "$(value import_seconds)" "$(value import_rate)" "$(value import_rss)" \
            "$(value first_page)" "$(value last_page)" "$(value last_page_other)" "$(value cold_offset)" \
            "$(value crawl_seconds)" "$(value crawl)" "$(value serve_rss)"
    done
done
if [[ -n $plot ]]; then
    mkdir -p "$(dirname "$plot")"
    python3 scripts/bench/scale-client.py plot "$results" "$plot"
    echo
    echo "== plot: $plot"
fi
echo
echo "== targets"
printf '%s\n' "${verdicts[@]}"
if [[ $strict == 1 && $missed == 1 ]]; then exit 1; fi
