#!/usr/bin/env bash
# The paced-PATCH part of scripts/bench-server.sh alone, in about two minutes instead of eight:
# two release `ocpi-cpo serve` on copies of one SQLite file, one with one registered eMSP and
# one with fifty (all answered by nginx at nice 19, as in bench-server.sh), then the operator's
# admin PATCH of an EVSE at a steady ~20/s (wrk, 2 connections, 100 ms apart), the two servers
# taking turns. Prints the p99 of every run and the ratio of the medians (the target is
# 50 partners / 1 <= 1.20).
#
#     scripts/bench/paced-patch.sh                      # build-free: uses BENCH_BIN
#     BENCH_BIN=.build-x/release/ocpi-cpo BENCH_ROUNDS=5 scripts/bench/paced-patch.sh
#     BENCH_HOLD=1 scripts/bench/paced-patch.sh         # then keeps the servers up
#
# Settings: BENCH_BIN (the ocpi-cpo binary; default .build/release/ocpi-cpo, which it does not
# build), BENCH_LOCATIONS (10000), BENCH_ROUNDS (3), BENCH_DURATION seconds per run (20),
# BENCH_HOLD=1 to leave everything running after the runs with the ports, pids and admin token
# in $work/env (for perf, strace, more wrk runs; Ctrl-C or killing the script ends it).
# Needs wrk, nginx, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${BENCH_BIN:-.build/release/ocpi-cpo}
locations=${BENCH_LOCATIONS:-10000}
rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-20}
[[ -x $bin ]] || { echo "paced-patch: no binary at $bin (BENCH_BIN)" >&2; exit 2; }
bench_name=paced-patch
source scripts/bench/lib.sh
bench_work

one_port=$(free_port) fifty_port=$(free_port) emsp_port=$(free_port) push_port=$(free_port)
one_db="$work/one.sqlite" fifty_db="$work/fifty.sqlite"

python3 scripts/bench/generate-locations.py "$locations" >"$work/locations.json"
"$bin" import "$work/locations.json" --database "$one_db" >/dev/null
for suffix in "" -wal -shm; do [[ -f $one_db$suffix ]] && cp "$one_db$suffix" "$fifty_db$suffix"; done

# As bench-server.sh starts them (the one-partner server serves three releases there).
start_cpo "$bin" "$one_port" "$one_db" "$work/one.log" --versions 2.1.1,2.2.1,2.3.0
one_pid=$cpo_started
start_cpo "$bin" "$fifty_port" "$fifty_db" "$work/fifty.log"
fifty_pid=$cpo_started
python3 scripts/bench/emsp.py "$emsp_port" "$work/token-b" "http://127.0.0.1:$push_port" &
pids+=($!)
mkdir -p "$work/static"; chmod 755 "$work" "$work/static"
start_push_receiver "$push_port"
wait_for "http://127.0.0.1:$one_port/ocpi/versions"
wait_for "http://127.0.0.1:$fifty_port/ocpi/versions"
wait_for "http://127.0.0.1:$emsp_port/versions"
wait_for "http://127.0.0.1:$push_port/"

register_partners "$bin" "$one_db" "$emsp_port" 1
register_partners "$bin" "$fifty_db" "$emsp_port" 50
sleep 2  # each pusher starts its streams at its next look

cat >"$work/env" <<EOF
one_pid=$one_pid
fifty_pid=$fifty_pid
one_url=http://127.0.0.1:$one_port/
fifty_url=http://127.0.0.1:$fifty_port/
admin="$admin"
locations=$locations
work=$work
EOF

# "requests/s p50 p99 errors" of a paced run.
paced() {
    BENCH_CASE=patch-paced BENCH_LOCATIONS=$locations wrk -t1 -c2 -d"${duration}s" --latency \
        -s scripts/bench/requests.lua -H "Authorization: $admin" "$1" | wrk_summary
}
# A short warm-up of both (first writes, first pushes, connections to the receiver).
BENCH_DURATION_SAVED=$duration; duration=5; paced "http://127.0.0.1:$one_port/" >/dev/null; paced "http://127.0.0.1:$fifty_port/" >/dev/null; duration=$BENCH_DURATION_SAVED

one=() fifty=()
for round in $(seq 1 "$rounds"); do
    one+=("$(paced "http://127.0.0.1:$one_port/")")
    fifty+=("$(paced "http://127.0.0.1:$fifty_port/")")
    printf '  round %s (%s, load %s): 1 partner %s   50 partners %s   (req/s p50 p99 errors)\n' "$round" "$(date -u +%H:%M:%S)" \
        "$(cut -d' ' -f1 /proc/loadavg)" "${one[-1]}" "${fifty[-1]}"
done
median_p99() { printf '%s\n' "$@" | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
a=$(median_p99 "${one[@]}") b=$(median_p99 "${fifty[@]}")
awk -v a="$a" -v b="$b" 'BEGIN { printf "  median p99: 1 partner %.2f ms, 50 partners %.2f ms, ratio %.2f (target <= 1.20)\n", a, b, b / a }'

if [[ ${BENCH_HOLD:-0} == 1 ]]; then
    echo "  holding: $work/env"
    cat "$work/env"
    while true; do sleep 3600; done
fi
