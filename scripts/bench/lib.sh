# What the benchmark scripts share; sourced, not run. The caller sets `bench_name` (for messages
# and the work directory's name) before sourcing it. Sourcing defines, and does nothing else:
#   bench_work                  makes `$work`, removed on exit with every process in `pids` killed
#                               (bench-server.sh, paced-patch.sh; bench-scale.sh has its own)
#   free_port                   a free loopback port from the kernel
#   wait_for URL [SECONDS]      until anything answers HTTP at URL (exits 1 after SECONDS, 10)
#   wrk_summary                 wrk --latency output on stdin -> "requests/s p50_ms p99_ms errors"
#   start_cpo BIN PORT DB LOG [serve flags...]    ocpi-cpo serve in the background (pid in cpo_started)
#   start_push_receiver PORT    nginx at nice 19 answering every push with status 1000
#   register_partners BIN DB EMSP_PORT COUNT      the bench eMSP registered as COUNT partners
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
admin="Bearer bench-admin-token"

bench_work() {
    work=$(mktemp -d "/tmp/ocpi-$bench_name.XXXXXX")
    pids=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for() {
    for _ in $(seq 1 $(( ${2:-10} * 20 ))); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$1") != 000 ]] && return 0
        sleep 0.05
    done
    echo "$bench_name: nothing answers at $1" >&2; exit 1
}

# Errors: non-2xx answers and socket errors.
wrk_summary() {
    awk '
        function ms(value) {
            if (value ~ /us$/) return substr(value, 1, length(value) - 2) / 1000
            if (value ~ /ms$/) return substr(value, 1, length(value) - 2) + 0
            if (value ~ /s$/) return substr(value, 1, length(value) - 1) * 1000
            return value
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rate = $2 }
        /Non-2xx/ { bad += $NF }
        /Socket errors/ { for (i = 4; i <= NF; i += 2) bad += $i }
        END { printf "%.0f %.2f %.2f %d\n", rate, p50, p99, bad }
    '
}

start_cpo() {
    local bin=$1 port=$2 database=$3 log=$4
    shift 4
    "$bin" serve --port "$port" --database "$database" --admin-token "${admin#Bearer }" --no-demo-data "$@" >"$log" 2>&1 &
    cpo_started=$!
    pids+=("$cpo_started")
}

# The partners run on machines of their own in production: their share of the two cores must
# not count against the CPO.
start_push_receiver() {
    sed -e "s#@WORK@#$work#g" -e "s#@PUSH_PORT@#$1#g" scripts/bench/nginx-receiver.conf >"$work/nginx-receiver.conf"
    nice -n 19 "$nginx_bin" -c "$work/nginx-receiver.conf" -e "$work/nginx-receiver-error.log" &
    pids+=($!)
}

# The first with token A `bench-token-a`, the others `bench-token-a-01`...: the bench eMSP
# answers each as a party of its own (DE/B01...).
# Their log lines go to $work/register.log, shown when a registration fails.
register_partners() {
    local bin=$1 database=$2 emsp_port=$3 count=$4 token
    for token in bench-token-a $(seq -f 'bench-token-a-%02g' 1 $((count - 1))); do
        "$bin" parties register --versions-url "http://127.0.0.1:$emsp_port/versions" --token "$token" --database "$database" \
            >/dev/null 2>>"$work/register.log" || { cat "$work/register.log" >&2; echo "$bench_name: registering $token failed" >&2; exit 1; }
    done
}
