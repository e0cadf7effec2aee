#!/usr/bin/env bash
# run.sh - the end-to-end benchmark: supplygated against the three
# ceilings it sits on (plain HTTP, XSD validation, Redis with
# appendfsync always), all measured in the same run so that a shared,
# noisy machine slows every figure alike and the ratios stay meaningful.
#
#     bash bench/run.sh            # from any directory
#
# Environment:
#   SG_BUILD              a configured and built tree to use; otherwise
#                         supplygate is built out of tree in the scratch
#                         directory (only the daemon and the plugin)
#   SG_BENCH_SECONDS      length of each wrk run (10)
#   SG_BENCH_CONNECTIONS  wrk connections (50)
#   SG_BENCH_XSD_SECONDS  length of each xsd_only phase (5)
#   SG_BENCH_LOG_LEVEL    supplygated's log_level ("notice": one line
#                         per accepted message at "info" is left out)
#   SG_BENCH_PERF         a file: record `perf record -g` of supplygated
#                         during its wrk run into it
#   SG_BENCH_KEEP=1       keep the scratch directory (logs, data)
#
# Everything listens on loopback or on unix sockets in the scratch
# directory.  Exit status: 0, or 1 when supplygated answered anything but
# 2xx or stored a different number of orders than it acknowledged.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$BENCH_DIR")
SECONDS_WRK=${SG_BENCH_SECONDS:-10}
CONNS=${SG_BENCH_CONNECTIONS:-50}
XSD_SECONDS=${SG_BENCH_XSD_SECONDS:-5}
LOG_LEVEL=${SG_BENCH_LOG_LEVEL:-notice}
WRK_THREADS=2
HTTP_THREADS=2
BODY=$BENCH_DIR/order-2k.edi

# A short path: the embedded Redis socket lives under it (< 108 bytes).
SCRATCH=$(mktemp -d /tmp/sgb.XXXXXX)
PIDS=()

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 2; }

# Stop one process this script started and forget it, so that a pid
# reused later by someone else is never signalled.
# With "wait" as $2 the process is let finish on its own.
stop_pid() {
    local pid keep=()
    [ "${2:-}" = wait ] || kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    PIDS=("${keep[@]}")
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${SG_BENCH_KEEP:-0}" = 1 ]; then
        say "run.sh: scratch kept in $SCRATCH"
    else
        rm -rf "$SCRATCH"
    fi
}
trap cleanup EXIT

# Value of key=... in a "SGBENCH ..." line.
kv() {
    printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# a / b with three decimals, or "-" when b is missing or zero.
ratio() {
    awk -v a="$1" -v b="$2" \
        'BEGIN { if (b + 0 > 0) printf "%.3f", a / b; else print "-" }'
}

# Wait until file $1 holds a number; print it.
wait_port() {
    for _ in $(seq 1 200); do
        if [ -s "$1" ] && grep -Eq '^[0-9]+' "$1"; then
            head -n 1 "$1"
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# --- tools -------------------------------------------------------------

need_pkg() {
    local cmd=$1 pkg=$2
    command -v "$cmd" >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "$cmd is missing: apt-get install $pkg"
    say "run.sh: installing $pkg for $cmd"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" \
            >"$SCRATCH/apt.log" 2>&1; then
        apt-get update -q >>"$SCRATCH/apt.log" 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" \
            >>"$SCRATCH/apt.log" 2>&1 || die "cannot install $pkg"
    fi
}
need_pkg wrk wrk
need_pkg redis-cli redis-tools
need_pkg redis-benchmark redis-tools
need_pkg redis-server redis-server
need_pkg pkg-config pkg-config

# --- supplygate itself -------------------------------------------------

if [ -n "${SG_BUILD:-}" ]; then
    BUILD=$(cd "$SG_BUILD" && pwd)
else
    BUILD=$SCRATCH/build
    say "run.sh: building supplygate in $BUILD"
    [ -x "$SRC/configure" ] || (cd "$SRC" && ./autogen.sh) \
        >"$SCRATCH/autogen.log" 2>&1
    mkdir -p "$BUILD"
    (cd "$BUILD" && "$SRC/configure" -q &&
        make -j"$(nproc)" supplygated plugins/supplier_edi/supplier_edi.la) \
        >"$SCRATCH/build.log" 2>&1 ||
        { tail -n 30 "$SCRATCH/build.log" >&2; die "build failed"; }
fi
DAEMON=$BUILD/supplygated
PLUGIN=$BUILD/plugins/supplier_edi/.libs/supplier_edi.so
for f in "$DAEMON" "$PLUGIN" "$BUILD/.libs/libsgcore.a" \
        "$BUILD/.libs/libsgcommon.a" "$BUILD/config.h"; do
    [ -e "$f" ] || die "$f is missing: is $BUILD built?"
done

# --- the bench programs, against the build tree ------------------------

say "run.sh: compiling bench programs"
CC=${CC:-cc}
BCFLAGS="-std=c11 -O2 -g -Wall -Wextra -Wno-unused-parameter"
# shellcheck disable=SC2046,SC2086
$CC $BCFLAGS -o "$SCRATCH/plain202" "$BENCH_DIR/plain202.c" \
    $(pkg-config --cflags --libs libmicrohttpd)
# shellcheck disable=SC2046,SC2086
$CC $BCFLAGS -I"$SRC/core" -include "$BUILD/config.h" \
    -o "$SCRATCH/xsd_only" "$BENCH_DIR/xsd_only.c" \
    "$BUILD/.libs/libsgcore.a" "$BUILD/.libs/libsgcommon.a" \
    $(pkg-config --libs libxml-2.0 hiredis libmicrohttpd jansson \
        libconfuse openssl) -ldl -lpthread

export SG_BENCH_BODY=$BODY
WRK_ARGS=(-t"$WRK_THREADS" -c"$CONNS" -d"${SECONDS_WRK}s" --timeout 10s
          -s "$BENCH_DIR/post.lua")

# Run wrk against a URL; print its SGBENCH line, keep its report.
run_wrk() {
    local out=$1 url=$2
    wrk "${WRK_ARGS[@]}" "$url" >"$out" 2>&1 ||
        { cat "$out" >&2; die "wrk failed"; }
    grep '^SGBENCH name=wrk' "$out" || die "no result from wrk: $out"
}

# --- 1. plain 202 ------------------------------------------------------

say "run.sh: 1/4 plain libmicrohttpd 202 (${SECONDS_WRK}s, $CONNS conns)"
"$SCRATCH/plain202" "$SCRATCH/plain.port" "$HTTP_THREADS" &
PLAIN_PID=$!
PIDS+=("$PLAIN_PID")
PORT=$(wait_port "$SCRATCH/plain.port") || die "plain202 did not start"
PLAIN=$(run_wrk "$SCRATCH/wrk-plain.txt" \
    "http://127.0.0.1:$PORT/v1/messages")
stop_pid "$PLAIN_PID"

# --- 2. decode and XSD validation without HTTP or Redis ----------------

say "run.sh: 2/4 decode and XSD validation (3 x ${XSD_SECONDS}s)"
"$SCRATCH/xsd_only" "$PLUGIN" "$SRC/schemas" "$BODY" 2 "$XSD_SECONDS" \
    >"$SCRATCH/xsd.txt" || { cat "$SCRATCH/xsd.txt" >&2;
                             die "xsd_only failed"; }
DOC=$(grep 'name=document' "$SCRATCH/xsd.txt")
XSD=$(grep 'name=validate ' "$SCRATCH/xsd.txt")
DEC=$(grep 'name=decode_validate ' "$SCRATCH/xsd.txt")
GWD=$(grep 'name=gateway_decode ' "$SCRATCH/xsd.txt")

# --- 3. Redis XADD with appendfsync always -----------------------------

say "run.sh: 3/4 redis-benchmark XADD, appendfsync always"
mkdir -p "$SCRATCH/redis"
RSOCK=$SCRATCH/redis/redis.sock
cat >"$SCRATCH/redis/redis.conf" <<EOF
port 0
unixsocket $RSOCK
unixsocketperm 700
dir $SCRATCH/redis
appendonly yes
appendfsync always
save ""
logfile $SCRATCH/redis/redis.log
EOF
redis-server "$SCRATCH/redis/redis.conf" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 1 100); do
    redis-cli -s "$RSOCK" ping >/dev/null 2>&1 && break
    sleep 0.05
done
redis-cli -s "$RSOCK" ping >/dev/null || die "redis-server did not start"

# Last "... requests per second" figure of a redis-benchmark run of
# XADD bench * f VALUE with $1 clients, $2 requests.
xadd_rate() {
    redis-benchmark -s "$RSOCK" -c "$1" -n "$2" -P 1 -q \
        XADD bench '*' f "$3" 2>&1 | tr '\r' '\n' |
        sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1
}
# What one accepted message puts in Redis is about its body plus its
# canonical XML; a value that size shows what the bytes cost.
BIG_LEN=$(( $(kv "$DOC" body_bytes) + $(kv "$DOC" xml_bytes) ))
BIG=$(head -c "$BIG_LEN" /dev/zero | tr '\0' x)
XADD50=$(xadd_rate 50 200000 v)
XADD1=$(xadd_rate 1 20000 v)
XADDBIG=$(xadd_rate 50 50000 "$BIG")
if [ -z "$XADD50" ] || [ -z "$XADD1" ] || [ -z "$XADDBIG" ]; then
    die "redis-benchmark gave no rate"
fi
stop_pid "$REDIS_PID"

# --- 4. supplygated ----------------------------------------------------

say "run.sh: 4/4 supplygated (${SECONDS_WRK}s, $CONNS conns)"
mkdir -p "$SCRATCH/st"
cat >"$SCRATCH/bench.conf" <<EOF
# Written by bench/run.sh.
log_level = "$LOG_LEVEL"
state_dir = "$SCRATCH/st"
schema_dir = "$SRC/schemas"
http {
    address = "127.0.0.1"
    port = 0
    body_limit = 65536
    timeout = 30
    threads = $HTTP_THREADS
    connection_limit = 512
}
redis {
    address = ""
    server = "$(command -v redis-server)"
    appendfsync = "always"
}
queue {
    workers = 2
    # Every request posts the same interchange: with the duplicate check
    # on, all but the first would be 409s.
    duplicate_window = "0s"
}
approval "default" {
    manager_above = 10000
    director_above = 100000
}
# The supplier of bench/order-2k.edi (N1*SU ... *92*ACME), so its
# orders are processed, not held.
supplier "ACME" {
    name = "Acme Components Ltd"
    aliases = {"ACMEPARTS", "ZZ:ACMEPARTS"}
    status = "active"
    category = "default"
    licence_expires = "2099-12-31"
    tax_expires = "2099-12-31"
    org_code_expires = "2099-12-31"
    certificate_expires = "2099-12-31"
}
plugin "supplier_edi" {
    path = "$PLUGIN"
}
EOF
"$DAEMON" -c "$SCRATCH/bench.conf" 2>"$SCRATCH/daemon.log" &
SG_PID=$!
PIDS+=("$SG_PID")
PORT=$(wait_port "$SCRATCH/st/http.port") ||
    { tail -n 20 "$SCRATCH/daemon.log" >&2; die "supplygated did not start"; }
URL=http://127.0.0.1:$PORT/v1/messages
SOCK=$(find "$SCRATCH/st" -maxdepth 1 -name '*.sock' | head -n 1)
[ -n "$SOCK" ] || die "no embedded Redis socket in $SCRATCH/st"
xlen() { redis-cli -s "$SOCK" XLEN "$1"; }

# One request by hand first: the body must be accepted, or the run
# would only measure rejections.
CHECK=$(curl -s -o "$SCRATCH/first.json" -w '%{http_code}' \
    -H 'Content-Type: application/EDI-X12' --data-binary @"$BODY" "$URL")
if [ "$CHECK" != 202 ]; then
    cat "$SCRATCH/first.json" >&2
    die "supplygated answered $CHECK to the benchmark body, not 202"
fi
BEFORE=$(xlen sg:stream:order)
REJ_BEFORE=$(xlen sg:rejected)

cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
RPID=$(ps -o pid= --ppid "$SG_PID" | head -n 1 | tr -d ' ')
SG_T0=$(cpu_ticks "$SG_PID")
R_T0=$(cpu_ticks "${RPID:-0}")
if [ -n "${SG_BENCH_PERF:-}" ]; then
    perf record -q -g -o "$SG_BENCH_PERF" -p "$SG_PID" \
        -- sleep "$SECONDS_WRK" >/dev/null 2>&1 &
    PERF_PID=$!
    PIDS+=("$PERF_PID")
fi
SG=$(run_wrk "$SCRATCH/wrk-sg.txt" "$URL")
if [ -n "${PERF_PID:-}" ]; then
    stop_pid "$PERF_PID" wait
fi
SG_T1=$(cpu_ticks "$SG_PID")
R_T1=$(cpu_ticks "${RPID:-0}")
# Requests in flight when wrk stopped are still stored; let them land.
sleep 1
AFTER=$(xlen sg:stream:order)
REJ_AFTER=$(xlen sg:rejected)
stop_pid "$SG_PID"

# --- the table ---------------------------------------------------------

HZ=$(getconf CLK_TCK)
SG_RPS=$(kv "$SG" per_s)
SG_REQ=$(kv "$SG" requests)
NON2XX=$(kv "$SG" non2xx)
SOCKERR=$(( $(kv "$SG" connect_err) + $(kv "$SG" read_err) +
            $(kv "$SG" write_err) + $(kv "$SG" timeouts) ))
ANSWERED_2XX=$(( SG_REQ - NON2XX ))
STORED=$(( AFTER - BEFORE ))
REJECTED=$(( REJ_AFTER - REJ_BEFORE ))
IN_FLIGHT=$(( STORED - ANSWERED_2XX ))
XSD_RPS=$(kv "$XSD" per_s)
DEC_RPS=$(kv "$DEC" per_s)
GWD_RPS=$(kv "$GWD" per_s)
PLAIN_RPS=$(kv "$PLAIN" per_s)
SECS=$(kv "$SG" secs)
SG_CPU=$(awk -v a="$SG_T0" -v b="$SG_T1" -v hz="$HZ" -v s="$SECS" \
    'BEGIN { printf "%.2f", (b - a) / hz / s }')
R_CPU=$(awk -v a="$R_T0" -v b="$R_T1" -v hz="$HZ" -v s="$SECS" \
    'BEGIN { printf "%.2f", (b - a) / hz / s }')

row() { printf '  %-44s %12s  %s\n' "$1" "$2" "${3:-}"; }

echo
echo "supplygate end-to-end benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: nproc=$(nproc), $(uname -sr); load before the run:" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "body: $(basename "$BODY"), $(kv "$DOC" body_bytes) bytes," \
     "one order ($(kv "$DOC" key)), canonical XML" \
     "$(kv "$DOC" xml_bytes) bytes"
echo "wrk: $WRK_THREADS threads, $CONNS connections, ${SECONDS_WRK}s;" \
     "HTTP pool: $HTTP_THREADS threads; xsd_only: 2 threads"
echo "every request posts the same body (same order number): ingest does"
echo "not deduplicate, the rules flag duplicates later, after the 202."
echo
echo "Ceilings"
row "plain libmicrohttpd 202 (wrk)" "$PLAIN_RPS" "req/s"
row "XSD validation only (2 threads)" "$XSD_RPS" "docs/s"
row "decode + XSD validation (2 threads)" "$DEC_RPS" "msgs/s"
row "sg_gateway_decode, no Redis (2 threads)" "$GWD_RPS" "msgs/s"
row "redis XADD, appendfsync always, -c 50" "$XADD50" "ops/s"
row "redis XADD, appendfsync always, -c 1" "$XADD1" "ops/s"
row "redis XADD of $BIG_LEN bytes, -c 50" "$XADDBIG" "ops/s"
echo
echo "supplygated (log_level $LOG_LEVEL, embedded Redis, appendfsync always)"
row "requests/s" "$SG_RPS" "req/s"
row "latency p50 / p90 / p99" \
    "$(kv "$SG" p50_ms) / $(kv "$SG" p90_ms) / $(kv "$SG" p99_ms)" "ms"
row "answers in wrk's count" "$SG_REQ"
row "non-2xx answers (must be 0)" "$NON2XX"
row "socket errors and timeouts" "$SOCKERR"
row "entries added to sg:stream:order (XLEN)" "$STORED"
row "  minus 2xx answers (in flight at wrk's end)" "$IN_FLIGHT" \
    "(0..$CONNS expected)"
row "entries added to sg:rejected" "$REJECTED"
row "CPU: supplygated / its redis-server" "$SG_CPU / $R_CPU" "cores"
echo
echo "supplygated's rate as a fraction of"
row "XSD validation only (target >= 0.5)" "$(ratio "$SG_RPS" "$XSD_RPS")"
row "decode + XSD validation" "$(ratio "$SG_RPS" "$DEC_RPS")"
row "sg_gateway_decode without Redis" "$(ratio "$SG_RPS" "$GWD_RPS")"
row "plain 202" "$(ratio "$SG_RPS" "$PLAIN_RPS")"
row "redis XADD -c 50" "$(ratio "$SG_RPS" "$XADD50")"
row "redis XADD -c 1" "$(ratio "$SG_RPS" "$XADD1")"
row "redis XADD of $BIG_LEN bytes -c 50" "$(ratio "$SG_RPS" "$XADDBIG")"

STATUS=0
if [ "$NON2XX" != 0 ] || [ "$SOCKERR" != 0 ]; then
    echo "FAIL: $NON2XX non-2xx answers, $SOCKERR socket errors"
    STATUS=1
fi
if [ "$IN_FLIGHT" -lt 0 ] || [ "$IN_FLIGHT" -gt "$CONNS" ] ||
        [ "$REJECTED" != 0 ]; then
    echo "FAIL: $STORED orders stored for $ANSWERED_2XX 2xx answers," \
         "$REJECTED rejected"
    STATUS=1
fi
exit "$STATUS"
