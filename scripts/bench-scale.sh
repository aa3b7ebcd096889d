#!/usr/bin/env bash
# The scale benchmark (issue 22): how the cost per unit of work holds up as the work grows, for
# 10,000, 100,000 and (with BENCH_SCALE_MAX=1000000) 1,000,000 generated locations.
#
#     scripts/bench-scale.sh                          # 10k and 100k: a few minutes
#     BENCH_SCALE_MAX=1000000 scripts/bench-scale.sh  # and 1M (about 2.4 GB of JSON per copy)
#
# Parts, each a function below that takes the size and the data set's files: `import_part`
# (`ocpi-cpo import` of the generated file into a new SQLite database: rate, peak RSS, target).
# Further parts (pages at any depth, the crawl, the fan-out) go beside it and are called from
# `run_size`; each prints its figures and adds its verdicts with `target`.
#
# Settings (environment): BENCH_SCALE_MAX (100000: the largest size run), BENCH_SCALE_BIN (a
# directory holding a release `ocpi-cpo`; default: build it with `swift build -c release`),
# BENCH_SCALE_TIMEOUT seconds any one command may take (900), BENCH_STRICT=1 to exit 1 when a
# target is missed. Needs python3 and GNU time (/usr/bin/time; Debian: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

max=${BENCH_SCALE_MAX:-100000}
timeout_seconds=${BENCH_SCALE_TIMEOUT:-900}
strict=${BENCH_STRICT:-0}
for tool in python3 /usr/bin/time timeout; do
    command -v "$tool" >/dev/null || { echo "bench-scale: $tool is missing (apt-get install python3 time)" >&2; exit 2; }
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
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# The import target: a million locations in under two minutes.
import_target_rate=8334
# Memory bounded whatever the file size: the import's peak RSS stays under this many MB at
# every size (the file itself is 2.4 GB at 1M).
import_target_rss_mb=300

missed=0
verdicts=()
# target NAME MET(0|1) TEXT: records a verdict, printed at the end.
target() {
    if [[ $2 == 1 ]]; then verdicts+=("met     $1: $3"); else verdicts+=("MISSED  $1: $3"); missed=1; fi
}

# Generates SIZE locations into $work/locations-SIZE.json once; prints the path.
generate() {
    local size=$1 file="$work/locations-$1.json"
    if [[ ! -f $file ]]; then
        timeout "$timeout_seconds" python3 scripts/bench/generate-locations.py "$size" >"$file"
    fi
    echo "$file"
}

# import_part SIZE FILE: imports FILE into a new SQLite database ($work/scale-SIZE.sqlite, kept
# for the parts after it) and prints the rate, the phases and the peak RSS.
import_part() {
    local size=$1 file=$2 database="$work/scale-$1.sqlite" report="$work/import-$1.time" log="$work/import-$1.log"
    rm -f "$database" "$database-wal" "$database-shm"
    local start end
    start=$(date +%s.%N)
    if ! timeout "$timeout_seconds" /usr/bin/time -v -o "$report" \
        "$bin/ocpi-cpo" import "$file" --database "$database" --progress-interval 5 >"$log" 2>"$log.err"; then
        echo "bench-scale: the import of $size locations failed:" >&2
        tail -5 "$log.err" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    local seconds rss_kb rate rss_mb bytes
    seconds=$(python3 -c "print(f'{$end - $start:.1f}')")
    rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$report")
    rss_mb=$((rss_kb / 1024))
    rate=$(python3 -c "print(round($size / ($end - $start)))")
    bytes=$(stat -c %s "$file")
    printf '   import: %s (%s MB of JSON) in %s s: %s locations/s, peak RSS %s MB\n' \
        "$(sed 's/^.*: //' "$log")" "$((bytes / 1000000))" "$seconds" "$rate" "$rss_mb"
    grep -E ': (checked|wrote) ' "$log.err" | sed 's/^.*: /           /' || true
    results+=("$(printf '%-10s %12s %10s s %12s/s %8s MB' "$size" "$((bytes / 1000000)) MB" "$seconds" "$rate" "$rss_mb")")
    # The rate is judged from 100k on: at 10k the start of the process (opening and migrating
    # the database) is a tenth of the time.
    if (( size >= 100000 )); then
        target "import of $size at >= $import_target_rate locations/s (1M in < 120 s)" "$((rate >= import_target_rate ? 1 : 0))" "$rate/s"
    fi
    target "import of $size with peak RSS < $import_target_rss_mb MB" "$((rss_mb < import_target_rss_mb ? 1 : 0))" "$rss_mb MB"
}

# run_size SIZE: every part at one size.
run_size() {
    local size=$1 file
    echo "== $size locations"
    file=$(generate "$size")
    import_part "$size" "$file"
    # Parts to come: deep pages, the crawl, the fan-out (each given "$size" "$file" and
    # "$work/scale-$size.sqlite").
    rm -f "$file"
}

results=()
for size in 10000 100000 1000000; do
    (( size <= max )) || continue
    run_size "$size"
done

echo
echo "== import (SQLite)"
printf '%-10s %12s %12s %14s %11s\n' locations file time rate "peak RSS"
printf '%s\n' "${results[@]}"
echo
echo "== targets"
printf '%s\n' "${verdicts[@]}"
if [[ $strict == 1 && $missed == 1 ]]; then exit 1; fi
