#!/usr/bin/env bash
# Profiles mock-nova and the reference server per request at 16 connections:
# PUT of one extra spec, GET of one extra spec, GET of a 100-spec list and GET
# of /flavors/detail at microversion 2.61.
#
# For each case and server it runs a bounded wrk load against the server under
#   - valgrind --tool=callgrind: instructions executed in user space, counted
#     only while wrk runs (startup excluded), divided by the number of requests;
#   - strace -f -c: system calls per request;
#   - the context switches of the server's threads per request, from
#     /proc/PID/task/*/status, in a run without valgrind or strace.
# mock-nova runs twice under callgrind, with its default request log (info) and
# with RUST_LOG=warn, so the difference is the cost of the request log.
# Valgrind runs one thread at a time, so lock contention does not show in its
# counts. It also counts no kernel work, which is why strace counts the system
# calls.
#
# Usage: bench/profile.sh [--duration S] [--out DIR]
# Takes about 5 minutes with the default of 10 s per run.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
DURATION=10
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h | --help)
            sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) echo "profile.sh: unknown option $1; see --help" >&2; exit 2 ;;
    esac
done
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || [ "$DURATION" -lt 1 ]; then
    echo "profile.sh: --duration must be a whole number of seconds, got '$DURATION'" >&2
    exit 2
fi
OUT=${OUT:-target/bench/profile-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for tool in wrk valgrind callgrind_control callgrind_annotate strace python3; do
    command -v "$tool" >/dev/null || {
        echo "profile.sh: $tool is missing (apt-get install wrk valgrind strace)" >&2
        exit 1
    }
done

PROJECT=a1b2c3d4e5f60718293a4b5c6d7e8f90
TOKEN_HEADER="X-Auth-Token: admin:$PROJECT"
HOST=127.0.0.1
PORT=18750
PROBE_PATH="/v2.1/$PROJECT/flavors/flavor-1/os-extra_specs/spec-00001"
MOCK_NOVA=$REPO/target/release/mock-nova
REFERENCE=$REPO/target/release/examples/bench-reference
export BENCH_LUA_DIR=$REPO/bench/lua

# PIDs of the processes this script started and has not stopped yet.
SERVER_PIDS=()

is_running() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    # Valgrind writes its profile on exit, which can take a few seconds.
    for _ in $(seq 300); do
        is_running "$pid" || break
        sleep 0.1
    done
    if is_running "$pid"; then
        echo "profile.sh: process $pid did not stop within 30 s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    local kept=()
    for other in "${SERVER_PIDS[@]}"; do
        [ "$other" = "$pid" ] || kept+=("$other")
    done
    SERVER_PIDS=("${kept[@]}")
}

cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do
        stop_pid "$pid"
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts COMMAND through the probe and sets STARTED_PID.
STARTED_PID=""
start() {
    local name=$1
    shift
    local line
    line=$(python3 "$REPO/bench/probe.py" start --port "$PORT" --path "$PROBE_PATH" \
        --header "$TOKEN_HEADER" --log /dev/null --stderr "$OUT/$name.stderr" \
        --timeout 120 -- "$@")
    STARTED_PID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
    SERVER_PIDS+=("$STARTED_PID")
}

# Prints the wrk arguments of a case.
case_args() {
    local base="http://$HOST:$PORT/v2.1/$PROJECT"
    case "$1" in
        put) echo "-s $BENCH_LUA_DIR/put_spec.lua $base -- 10 10000 2" ;;
        get_key) echo "-s $BENCH_LUA_DIR/get_spec.lua $base -- 12 10 2" ;;
        get_list) echo "-s $BENCH_LUA_DIR/fixed.lua $base/flavors/flavor-0/os-extra_specs" ;;
        detail) echo "-s $BENCH_LUA_DIR/fixed.lua $base/flavors/detail" ;;
    esac
}

# Runs wrk for a case and prints the number of completed requests.
load() {
    local case_name=$1
    local result
    # As in bench/run.sh, only the detail case requests a microversion.
    local headers=(-H "$TOKEN_HEADER")
    if [ "$case_name" = detail ]; then
        headers+=(-H "OpenStack-API-Version: compute 2.61")
    fi
    # shellcheck disable=SC2046 # case_args returns separate words on purpose.
    result=$(wrk -t2 -c16 -d"${DURATION}s" --timeout 10s "${headers[@]}" \
        $(case_args "$case_name") | grep '^BENCH_RESULT')
    local errors
    errors=$(sed -n 's/.*status_errors=\([0-9]*\).*/\1/p' <<<"$result")
    if [ "$errors" != 0 ]; then
        echo "profile.sh: $errors failed requests in $case_name" >&2
        return 1
    fi
    sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$result"
}

server_command() {
    case "$1" in
        mock-nova | mock-nova-warn) echo "$MOCK_NOVA --config $OUT/bench.toml --bind $HOST:$PORT" ;;
        reference)
            echo "$REFERENCE --bind $HOST:$PORT --extra-specs-body $OUT/extra_specs_body.json" \
                "--flavors-detail-body $OUT/flavors_detail_body.json --headers $OUT/headers.txt" \
                "--flavors-detail-headers $OUT/flavors_detail_headers.txt"
            ;;
    esac
}

server_log_level() {
    if [ "$1" = mock-nova-warn ]; then echo warn; else echo info; fi
}

callgrind_run() {
    local case_name=$1 server=$2
    local name="$case_name-$server"
    # shellcheck disable=SC2046 # server_command returns separate words on purpose.
    RUST_LOG=$(server_log_level "$server") start "$name" valgrind --tool=callgrind \
        --instr-atstart=no --callgrind-out-file="$OUT/$name.callgrind" \
        $(server_command "$server")
    local pid=$STARTED_PID
    callgrind_control -i on "$pid" >/dev/null 2>&1
    local requests
    requests=$(load "$case_name")
    callgrind_control -i off "$pid" >/dev/null 2>&1
    stop_pid "$pid"
    printf '%s\t%s\t%s\n' "$case_name" "$server" "$requests" >>"$OUT/callgrind-requests.tsv"
    echo "callgrind $name: $requests requests" >&2
}

strace_run() {
    local case_name=$1 server=$2
    local name="$case_name-$server"
    # shellcheck disable=SC2046 # server_command returns separate words on purpose.
    RUST_LOG=$(server_log_level "$server") start "$name-strace" strace -f -c \
        -o "$OUT/$name.strace" $(server_command "$server")
    # strace forwards SIGTERM only when the server stops, so stop the server
    # itself, the only child of strace.
    local tracer=$STARTED_PID
    local requests
    requests=$(load "$case_name")
    local server_pid
    server_pid=$(cat "/proc/$tracer/task/$tracer/children")
    kill -TERM "$server_pid"
    stop_pid "$tracer"
    printf '%s\t%s\t%s\n' "$case_name" "$server" "$requests" >>"$OUT/strace-requests.tsv"
    echo "strace $name: $requests requests" >&2
}

# Prints the voluntary and involuntary context switches of a process's threads.
context_switches() {
    cat "/proc/$1"/task/*/status 2>/dev/null | awk '
        /^voluntary_ctxt_switches/ { voluntary += $2 }
        /^nonvoluntary_ctxt_switches/ { involuntary += $2 }
        END { print voluntary + 0, involuntary + 0 }'
}

schedule_run() {
    local case_name=$1 server=$2
    local name="$case_name-$server"
    # shellcheck disable=SC2046 # server_command returns separate words on purpose.
    RUST_LOG=$(server_log_level "$server") start "$name-schedule" $(server_command "$server")
    local pid=$STARTED_PID
    local before after requests
    before=$(context_switches "$pid")
    requests=$(load "$case_name")
    after=$(context_switches "$pid")
    stop_pid "$pid"
    printf '%s\t%s\t%s\t%s\t%s\n' "$case_name" "$server" "$requests" "$before" "$after" |
        tr ' ' '\t' >>"$OUT/schedule.tsv"
    echo "schedule $name: $requests requests" >&2
}

echo "building release binaries" >&2
cargo build --release --quiet --bin mock-nova --example bench-reference
python3 bench/gen_config.py --flavors 12 --specs 10 --first-specs 100 >"$OUT/bench.toml"

# The reference returns mock-nova's own list and detail bodies and response
# headers.
RUST_LOG=warn start capture "$MOCK_NOVA" --config "$OUT/bench.toml" --bind "$HOST:$PORT"
curl -sf -H "$TOKEN_HEADER" -D "$OUT/headers.txt" \
    "http://$HOST:$PORT/v2.1/$PROJECT/flavors/flavor-0/os-extra_specs" >"$OUT/extra_specs_body.json"
curl -sf -H "$TOKEN_HEADER" -H "OpenStack-API-Version: compute 2.61" \
    -D "$OUT/flavors_detail_headers.txt" \
    "http://$HOST:$PORT/v2.1/$PROJECT/flavors/detail" >"$OUT/flavors_detail_body.json"
stop_pid "$STARTED_PID"

: >"$OUT/callgrind-requests.tsv"
: >"$OUT/strace-requests.tsv"
: >"$OUT/schedule.tsv"
for case_name in put get_key get_list detail; do
    for server in reference mock-nova mock-nova-warn; do
        callgrind_run "$case_name" "$server"
    done
    for server in reference mock-nova; do
        strace_run "$case_name" "$server"
        schedule_run "$case_name" "$server"
    done
done

python3 bench/profile_report.py "$OUT" >"$OUT/profile.md"
cat "$OUT/profile.md"
echo "profile written to $OUT/profile.md" >&2
