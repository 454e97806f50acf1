#!/usr/bin/env bash
# Benchmarks mock-nova against a stateless axum reference server on 127.0.0.1.
#
# Builds both in release mode, then measures them with wrk, alternating between
# the servers in every round. It measures throughput and latency per case and
# connection count, whether the cost of a request grows with the number of
# stored flavors, resident memory, and the time from launch to the first 200.
# It prints a Markdown report and keeps it with the raw results in the output
# folder.
#
# Usage: bench/run.sh [--quick] [--duration S] [--rounds N] [--only SECTIONS]
#                     [--port-base PORT] [--out DIR]
# See --help for the options. A full run with the defaults takes about 25
# minutes and --quick about 10.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/run.sh [options]

  --duration S       seconds per wrk run (default 10)
  --quick            same as --duration 3
  --rounds N         rounds over every case and server (default 5; at least 3
                     for the reported medians to mean anything, and the
                     median of 5 leaves out two rounds that other work slowed)
  --only SECTIONS    comma-separated subset of: throughput, scaling, memory
                     (default: all three)
  --port-base PORT   first of the 7 consecutive loopback ports the servers use
                     (default 18700)
  --out DIR          folder for results and the report
                     (default target/bench/<date>-<time>)
  -h, --help         show this help

mock-nova's request log goes to /dev/null. Servers run on 127.0.0.1 only.
EOF
}

cd "$(dirname "$0")/.."
REPO=$(pwd)
COMMAND_LINE="bench/run.sh${*:+ $*}"

DURATION=10
ROUNDS=5
SECTIONS="throughput,scaling,memory"
PORT_BASE=18700
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift 2 ;;
        --quick) DURATION=3; shift ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --only) SECTIONS=$2; shift 2 ;;
        --port-base) PORT_BASE=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1; see --help" >&2; exit 2 ;;
    esac
done
for number in "$DURATION" "$ROUNDS" "$PORT_BASE"; do
    if ! [[ "$number" =~ ^[0-9]+$ ]]; then
        echo "run.sh: expected a whole number, got '$number'" >&2
        exit 2
    fi
done
if [ "$DURATION" -lt 1 ] || [ "$ROUNDS" -lt 1 ]; then
    echo "run.sh: --duration and --rounds must be at least 1" >&2
    exit 2
fi
OUT=${OUT:-target/bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# The noauth token of an admin of this project; see config.example.toml.
PROJECT=a1b2c3d4e5f60718293a4b5c6d7e8f90
TOKEN_HEADER="X-Auth-Token: admin:$PROJECT"
HOST=127.0.0.1
MOCK_NOVA=$REPO/target/release/mock-nova
CLOCK_TICKS=$(getconf CLK_TCK)
REFERENCE=$REPO/target/release/examples/bench-reference
export BENCH_LUA_DIR=$REPO/bench/lua
# Flavors of the default configuration that the memory runs write to. Ten
# flavors divide the 10 000 keys evenly, so every pass writes the same 10 000
# (flavor, key) pairs.
DEFAULT_FLAVORS="1,2,3,4,5,42,84,c1,d1,d2"
PUT_COUNT=1000000

section_enabled() {
    [[ ",$SECTIONS," == *",$1,"* ]]
}

# Prints the ticks the hypervisor took from this machine's CPUs (steal) and
# the ticks of every kind, summed over the CPUs since boot. On a virtual
# machine, steal is the time other guests of the same host held the CPUs, which
# no load average or process list shows.
cpu_ticks() {
    awk '$1 == "cpu" { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat
}

log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# --- Server processes -------------------------------------------------------

# PIDs of the servers this script started and has not stopped yet.
SERVER_PIDS=()
# PID of the server being started, until start_server has recorded it.
STARTING_PID_FILE=$OUT/starting.pid

is_running() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

stop_server() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        is_running "$pid" || break
        sleep 0.1
    done
    if is_running "$pid"; then
        log "server $pid did not stop within 5 s of SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    local kept=()
    for other in "${SERVER_PIDS[@]}"; do
        [ "$other" = "$pid" ] || kept+=("$other")
    done
    SERVER_PIDS=("${kept[@]}")
}

cleanup() {
    # A server whose start was interrupted is known only by its PID file.
    if [ -s "$STARTING_PID_FILE" ]; then
        SERVER_PIDS+=("$(cat "$STARTING_PID_FILE")")
        rm -f "$STARTING_PID_FILE"
    fi
    for pid in "${SERVER_PIDS[@]}"; do
        stop_server "$pid"
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# GET that the startup probe repeats until it returns 200. Every generated
# configuration has this spec, and the reference serves the route.
PROBE_PATH="/v2.1/$PROJECT/flavors/flavor-1/os-extra_specs/spec-00001"

# Starts a server through the probe and records its startup time. Standard
# output, which carries mock-nova's request log, goes to /dev/null, and standard
# error to LABEL.stderr in the output folder.
# Usage: start_server LABEL PORT PROBE_PATH COMMAND... ; sets STARTED_PID.
# Environment for the server (RUST_LOG) is inherited from the caller.
STARTED_PID=""
start_server() {
    local label=$1 port=$2 probe_path=$3
    shift 3
    local line
    line=$(python3 "$REPO/bench/probe.py" start --port "$port" --path "$probe_path" \
        --header "$TOKEN_HEADER" --log /dev/null --stderr "$OUT/$label.stderr" \
        --pid-file "$STARTING_PID_FILE" --timeout 300 -- "$@")
    STARTED_PID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
    SERVER_PIDS+=("$STARTED_PID")
    rm -f "$STARTING_PID_FILE"
    local startup interval
    startup=$(sed -n 's/.*startup_ms=\([0-9.]*\).*/\1/p' <<<"$line")
    interval=$(sed -n 's/.*poll_interval_ms=\([0-9.a-z]*\).*/\1/p' <<<"$line")
    printf '%s\t%s\t%s\n' "$label" "$startup" "$interval" >>"$OUT/startup.tsv"
}

# Prints "VmRSS VmHWM" of a process, in KiB.
memory_kib() {
    awk '/^VmRSS:/ {rss = $2} /^VmHWM:/ {hwm = $2} END {print rss, hwm}' "/proc/$1/status"
}

record_memory() {
    local label=$1 stage=$2 pid=$3
    read -r rss hwm < <(memory_kib "$pid")
    printf '%s\t%s\t%s\t%s\n' "$label" "$stage" "$rss" "$hwm" >>"$OUT/memory.tsv"
    log "memory: $label $stage VmRSS ${rss} KiB, VmHWM ${hwm} KiB"
}

# --- Load -------------------------------------------------------------------

# Runs wrk for one case and prints its BENCH_RESULT line.
# Usage: run_wrk CASE CONNECTIONS PORT FLAVORS
# FLAVORS is the flavor count (or id list) that the rotating cases spread over.
run_wrk() {
    local case_name=$1 connections=$2 port=$3 flavors=$4
    local threads=2
    [ "$connections" -lt 2 ] && threads=1
    local base="http://$HOST:$port/v2.1/$PROJECT"
    local args=(-t"$threads" -c"$connections" -d"${DURATION}s" --timeout 5s --latency
        -H "$TOKEN_HEADER")
    case "$case_name" in
        put) args+=(-s "$BENCH_LUA_DIR/put_spec.lua" "$base" -- "$flavors" 10000 "$threads") ;;
        get_key) args+=(-s "$BENCH_LUA_DIR/get_spec.lua" "$base" -- "$flavors" 10 "$threads") ;;
        get_list) args+=(-s "$BENCH_LUA_DIR/fixed.lua" "$base/flavors/flavor-0/os-extra_specs") ;;
        detail) args+=(-s "$BENCH_LUA_DIR/fixed.lua" -H "OpenStack-API-Version: compute 2.61"
            "$base/flavors/detail") ;;
        *) echo "run.sh: unknown case $case_name" >&2; return 1 ;;
    esac
    local output TIMEFORMAT='%U %S'
    # bash's `time` writes wrk's user and system seconds to the file.
    output=$( { time wrk "${args[@]}"; } 2>"$OUT/wrk-time.txt")
    local result
    result=$(grep '^BENCH_RESULT' <<<"$output") || {
        echo "run.sh: wrk printed no result for $case_name c=$connections port $port:" >&2
        echo "$output" >&2
        cat "$OUT/wrk-time.txt" >&2
        return 1
    }
    echo "$result wrk_cpu_s=$(awk 'END { print $1 + $2 }' "$OUT/wrk-time.txt")"
}

# Prints a process's user and system CPU time in clock ticks.
cpu_ticks() {
    awk '{ print $14, $15 }' "/proc/$1/stat"
}

field() {
    sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"
}

# Runs one case and appends it to throughput.tsv, with the CPU time per
# request of the server (user, system) and of wrk, in microseconds.
# Usage: measure SECTION ROUND CASE CONNECTIONS SERVER PORT FLAVORS PID
measure() {
    local section=$1 round=$2 case_name=$3 connections=$4 server=$5 port=$6 flavors=$7
    local pid=$8
    local result before after cpu
    before=$(cpu_ticks "$pid")
    result=$(run_wrk "$case_name" "$connections" "$port" "$flavors")
    after=$(cpu_ticks "$pid")
    cpu=$(awk -v before="$before" -v after="$after" -v tick="$CLOCK_TICKS" \
        -v requests="$(field requests "$result")" -v wrk="$(field wrk_cpu_s "$result")" '
        BEGIN {
            split(before, b, " "); split(after, a, " ")
            scale = 1e6 / tick / requests
            printf "%.3f\t%.3f\t%.3f", (a[1] - b[1]) * scale, (a[2] - b[2]) * scale,
                wrk * 1e6 / requests
        }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$round" "$case_name" \
        "$connections" "$server" "$(field rps "$result")" "$(field p50_us "$result")" \
        "$(field p99_us "$result")" "$(field requests "$result")" \
        "$(field status_errors "$result")" "$(field socket_errors "$result")" "$cpu" \
        >>"$OUT/throughput.tsv"
    log "$section r$round $case_name c=$connections $server: $(field rps "$result") req/s," \
        "p50 $(field p50_us "$result") us, p99 $(field p99_us "$result") us"
}

# Prints the words of a list rotated left by N, so that each round starts with
# a different server.
rotate() {
    local n=$1
    shift
    local items=("$@") count=$#
    for i in $(seq 0 $((count - 1))); do
        printf '%s ' "${items[$(((i + n) % count))]}"
    done
}

# --- Setup ------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        log "installing wrk from the Debian packages"
        apt-get update -q >/dev/null
        apt-get install -y -q wrk >/dev/null
    else
        echo "run.sh: wrk is missing; install it with: sudo apt-get install wrk" >&2
        exit 1
    fi
fi
for tool in python3 cargo curl; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 1; }
done

log "building mock-nova and the reference server (release)"
cargo build --release --quiet --bin mock-nova --example bench-reference

log "results go to $OUT"
: >"$OUT/throughput.tsv"
: >"$OUT/startup.tsv"
: >"$OUT/memory.tsv"
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "command=$COMMAND_LINE"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "nproc=$(nproc)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
    echo "kernel=$(uname -sr)"
    echo "memory=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "wrk=$(wrk -v 2>&1 | head -n1 | awk '{print $2}')"
    echo "rustc=$(rustc --version)"
    echo "duration_s=$DURATION"
    echo "rounds=$ROUNDS"
    echo "sections=$SECTIONS"
    # Other processes on the machine compete with the servers and wrk for the
    # CPUs, which lowers absolute figures more than ratios.
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "cpu_ticks_start=$(cpu_ticks)"
} >"$OUT/meta.txt"

# Twelve flavors with 10 extra specs each, except flavor-0 with 100.
python3 bench/gen_config.py --flavors 12 --specs 10 --first-specs 100 >"$OUT/bench.toml"

PORT_REFERENCE=$PORT_BASE
PORT_INFO=$((PORT_BASE + 1))
PORT_WARN=$((PORT_BASE + 2))
PORT_SMALL=$((PORT_BASE + 3))
PORT_LARGE=$((PORT_BASE + 4))
PORT_MEMORY=$((PORT_BASE + 5))
PORT_MEMORY_REFERENCE=$((PORT_BASE + 6))

# The reference returns mock-nova's own list and detail bodies and response
# headers, captured once, so that both servers send the same bytes and wrk
# spends the same work on parsing them.
capture_bodies() {
    RUST_LOG=warn start_server capture "$PORT_INFO" "$PROBE_PATH" \
        "$MOCK_NOVA" --bind "$HOST:$PORT_INFO" --config "$OUT/bench.toml"
    local pid=$STARTED_PID
    curl -sf -H "$TOKEN_HEADER" -D "$OUT/headers.txt" \
        "http://$HOST:$PORT_INFO/v2.1/$PROJECT/flavors/flavor-0/os-extra_specs" \
        >"$OUT/extra_specs_body.json"
    curl -sf -H "$TOKEN_HEADER" -H "OpenStack-API-Version: compute 2.61" \
        -D "$OUT/flavors_detail_headers.txt" \
        "http://$HOST:$PORT_INFO/v2.1/$PROJECT/flavors/detail" >"$OUT/flavors_detail_body.json"
    python3 bench/probe.py latency --port "$PORT_INFO" --path "$PROBE_PATH" --header "$TOKEN_HEADER" >"$OUT/probe_latency.txt"
    stop_server "$pid"
    # The capture server is not a measured start.
    sed -i '/^capture\t/d' "$OUT/startup.tsv"
}
capture_bodies

start_reference() {
    local label=$1 port=$2
    start_server "$label" "$port" "$PROBE_PATH" "$REFERENCE" --bind "$HOST:$port" \
        --extra-specs-body "$OUT/extra_specs_body.json" \
        --flavors-detail-body "$OUT/flavors_detail_body.json" \
        --headers "$OUT/headers.txt" --flavors-detail-headers "$OUT/flavors_detail_headers.txt"
}

# --- Throughput and latency -------------------------------------------------

if section_enabled throughput; then
    log "throughput: $ROUNDS rounds of 4 cases x 3 connection counts x 3 servers, ${DURATION} s each"
    for round in $(seq "$ROUNDS"); do
        # Fresh servers every round, so each round starts from the same state.
        start_reference reference "$PORT_REFERENCE"
        pid_reference=$STARTED_PID
        start_server mock-nova "$PORT_INFO" "$PROBE_PATH" \
            "$MOCK_NOVA" --bind "$HOST:$PORT_INFO" --config "$OUT/bench.toml"
        pid_info=$STARTED_PID
        RUST_LOG=warn start_server mock-nova-warn "$PORT_WARN" "$PROBE_PATH" \
            "$MOCK_NOVA" --bind "$HOST:$PORT_WARN" --config "$OUT/bench.toml"
        pid_warn=$STARTED_PID
        declare -A port_of=([reference]=$PORT_REFERENCE [info]=$PORT_INFO [warn]=$PORT_WARN)
        declare -A pid_of=([reference]=$pid_reference [info]=$pid_info [warn]=$pid_warn)
        # PUT comes last because it adds specs, which would change the list and
        # detail bodies of the GET cases.
        for case_name in get_key get_list detail put; do
            flavors=12
            [ "$case_name" = put ] && flavors=10
            for connections in 1 16 64; do
                for server in $(rotate $((round - 1)) reference info warn); do
                    measure throughput "$round" "$case_name" "$connections" "$server" \
                        "${port_of[$server]}" "$flavors" "${pid_of[$server]}"
                done
            done
        done
        record_memory mock-nova "after throughput round $round" "$pid_info"
        stop_server "$pid_reference"
        stop_server "$pid_info"
        stop_server "$pid_warn"
    done
fi

# --- Cost per request against the number of stored flavors ------------------

if section_enabled scaling; then
    log "scaling: generating 100 000 flavors with 10 extra specs each"
    python3 bench/gen_config.py --flavors 100000 --specs 10 >"$OUT/large.toml"
    start_server mock-nova-12-flavors "$PORT_SMALL" "$PROBE_PATH" \
        "$MOCK_NOVA" --bind "$HOST:$PORT_SMALL" --config "$OUT/bench.toml"
    pid_small=$STARTED_PID
    start_server mock-nova-100000-flavors "$PORT_LARGE" "$PROBE_PATH" \
        "$MOCK_NOVA" --bind "$HOST:$PORT_LARGE" --config "$OUT/large.toml"
    pid_large=$STARTED_PID
    record_memory mock-nova "idle, 100 000 flavors x 10 specs" "$pid_large"
    for round in $(seq "$ROUNDS"); do
        for case_name in get_key put; do
            for connections in 16 64; do
                for size in $(rotate $((round - 1)) 12 100000); do
                    port=$PORT_SMALL pid=$pid_small
                    [ "$size" = 100000 ] && port=$PORT_LARGE pid=$pid_large
                    measure scaling "$round" "$case_name" "$connections" "$size" "$port" "$size" \
                        "$pid"
                done
            done
        done
    done
    stop_server "$pid_small"
    stop_server "$pid_large"
    rm -f "$OUT/large.toml"
fi

# --- Memory -----------------------------------------------------------------

# Sends PUT_COUNT PUTs over 10 000 keys of the default flavors, through one wrk
# thread that exits after the last response.
put_fixed_count() {
    local port=$1
    local output
    output=$(BENCH_RESPONSE_LIMIT=$PUT_COUNT wrk -t1 -c16 -d600s --timeout 5s \
        -H "$TOKEN_HEADER" -s "$BENCH_LUA_DIR/put_spec.lua" \
        "http://$HOST:$port/v2.1/$PROJECT" -- "$DEFAULT_FLAVORS" 10000 1)
    local stopped
    stopped=$(grep '^BENCH_STOPPED' <<<"$output") || {
        echo "run.sh: wrk stopped before $PUT_COUNT responses:" >&2
        echo "$output" >&2
        return 1
    }
    log "memory: $stopped"
    local failures
    failures=$(sed -n 's/.*status_errors=\([0-9]*\).*/\1/p' <<<"$stopped")
    if [ "$failures" != 0 ]; then
        echo "run.sh: $failures of the $PUT_COUNT PUTs failed" >&2
        return 1
    fi
}

if section_enabled memory; then
    log "memory: default configuration, $PUT_COUNT PUTs twice"
    # The default configuration has no flavor-1, so the probe reads flavor 1.
    start_server mock-nova-default "$PORT_MEMORY" "/v2.1/$PROJECT/flavors/1" \
        "$MOCK_NOVA" --auth noauth --bind "$HOST:$PORT_MEMORY"
    pid_memory=$STARTED_PID
    sleep 1
    record_memory mock-nova idle "$pid_memory"
    put_fixed_count "$PORT_MEMORY"
    record_memory mock-nova "after 1M PUTs" "$pid_memory"
    put_fixed_count "$PORT_MEMORY"
    record_memory mock-nova "after 2M PUTs" "$pid_memory"
    stop_server "$pid_memory"

    start_reference reference-memory "$PORT_MEMORY_REFERENCE"
    pid_memory_reference=$STARTED_PID
    sleep 1
    record_memory reference idle "$pid_memory_reference"
    put_fixed_count "$PORT_MEMORY_REFERENCE"
    record_memory reference "after 1M PUTs" "$pid_memory_reference"
    stop_server "$pid_memory_reference"
fi

# --- Report -----------------------------------------------------------------

{
    echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "cpu_ticks_end=$(cpu_ticks)"
} >>"$OUT/meta.txt"

python3 bench/report.py "$OUT" >"$OUT/report.md"
cat "$OUT/report.md"
log "report written to $OUT/report.md"
