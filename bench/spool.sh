#!/usr/bin/env bash
# spool.sh - one large X12 interchange through supplygated, and the
# memory it takes: the daemon's peak resident set against the size of
# the body and against the 64 MB target, and the end-to-end rate against
# the plugin's own streamed decode of an interchange of the same size,
# measured in the same run (bench/edi_stream_rss, when built).
#
#     bash bench/spool.sh             # about a minute or two
#
# Environment:
#   SG_BUILD          a configured and built tree (default: build one in
#                     the scratch directory)
#   SG_SPOOL_MB       size of the interchange in MB (100)
#   SG_BENCH_KEEP=1   keep the scratch directory (logs, data)
#
# The daemon listens on 127.0.0.1 with a port the kernel picks, its
# embedded Redis on a unix socket in the scratch directory.  Exit status
# 0, or 1 when the interchange was not accepted whole.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$BENCH_DIR")
MB=${SG_SPOOL_MB:-100}
SCRATCH=$(mktemp -d /tmp/sgs.XXXXXX)
DAEMON_PID=

say() { printf '%s\n' "$*" >&2; }
die() { say "spool.sh: $*"; exit 2; }

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        kill "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    if [ "${SG_BENCH_KEEP:-0}" = 1 ]; then
        say "spool.sh: scratch kept in $SCRATCH"
    else
        rm -rf "$SCRATCH"
    fi
}
trap cleanup EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-";
                                            else printf "%.3f", a / b }'; }

command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
command -v redis-server >/dev/null || die "redis-server is needed"

# --- the build --------------------------------------------------------
if [ -n "${SG_BUILD:-}" ]; then
    BUILD=$SG_BUILD
else
    BUILD=$SCRATCH/build
    say "spool.sh: building supplygate in $BUILD"
    [ -x "$SRC/configure" ] || (cd "$SRC" && ./autogen.sh) >/dev/null
    mkdir -p "$BUILD"
    (cd "$BUILD" && "$SRC/configure" -q && make -j"$(nproc)") \
        >"$SCRATCH/build.log" 2>&1 ||
        { tail -n 30 "$SCRATCH/build.log" >&2; die "build failed"; }
fi
PLUGIN=$BUILD/plugins/supplier_edi/.libs/supplier_edi.so
[ -x "$BUILD/supplygated" ] && [ -f "$PLUGIN" ] ||
    die "$BUILD has no supplygated or supplier_edi.so"

# --- the interchange: 850s of 20 lines each, numbered -----------------
BODY=$SCRATCH/big.edi
awk -v mb="$MB" 'BEGIN {
    printf "ISA*00*          *00*          *ZZ*ACMEPARTS      *ZZ*SUPPLYGATE     *261204*1200*U*00401*000000777*0*P*>~\n"
    printf "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*777*X*004010~\n"
    total = 0; n = 0
    while (total < mb * 1048576) {
        n++
        s = sprintf("ST*850*%04d~\nBEG*00*SA*PO-BIG-%07d**20261204~\nCUR*BY*USD~\nN1*SU*Acme Parts Inc*92*ACME~\n", n, n)
        for (l = 1; l <= 20; l++)
            s = s sprintf("PO1*%d*%d*EA*%d.25**BP*ITEM-%05d*VP*ACME-%05d~\nPID*F****PART %d OF ORDER %d~\n", l, l * 3, l, (n + l) % 50000, l, l, n)
        s = s sprintf("CTT*20~\nSE*46*%04d~\n", n)
        printf "%s", s
        total += length(s)
    }
    printf "GE*%d*777~\nIEA*1*000000777~\n", n
    print n > "/dev/stderr"
}' >"$BODY" 2>"$SCRATCH/sets"
SETS=$(cat "$SCRATCH/sets")
BYTES=$(stat -c %s "$BODY")
say "spool.sh: $BYTES bytes, $SETS orders"

# --- the plugin alone, streamed (the ceiling of this path) ------------
# bench/edi_stream_rss decodes its own X12 interchange of 850s of the
# same size through decode_stream(), validation included, no HTTP and
# no Redis: what supplygated could reach at best.
PLUGIN_MBS=-
if [ -x "$BUILD/bench/edi_stream_rss" ]; then
    SG_SRCDIR=$SRC "$BUILD/bench/edi_stream_rss" "$PLUGIN" "$SRC/schemas" \
        "$MB" >"$SCRATCH/plugin.out" 2>&1 || true
    PLUGIN_MBS=$(awk '$1 == "X12" && $2 == "stream" { print $3; exit }' \
                 "$SCRATCH/plugin.out")
    PLUGIN_MBS=${PLUGIN_MBS:--}
fi

# --- the daemon -------------------------------------------------------
mkdir -p "$SCRATCH/state"
cat >"$SCRATCH/spool.conf" <<EOF
log_level = "notice"
state_dir = "$SCRATCH/state"
schema_dir = "$SRC/schemas"
http {
    address = "127.0.0.1"
    port = 0
    body_limit = 4194304
    spool_limit = 268435456
    request_deadline = 600
}
redis {
    appendfsync = "always"
}
queue {
    workers = 2
}
approval "default" {
    manager_above = 100000000
    director_above = 1000000000
}
supplier "ACME" {
    aliases = {"ACMEPARTS", "ZZ:ACMEPARTS"}
    licence_expires = "2099-12-31"
    tax_expires = "2099-12-31"
    org_code_expires = "2099-12-31"
    certificate_expires = "2099-12-31"
}
plugin "supplier_edi" {
    path = "$PLUGIN"
    max_documents = 100000
}
EOF
"$BUILD/supplygated" -c "$SCRATCH/spool.conf" 2>"$SCRATCH/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do
    [ -s "$SCRATCH/state/http.port" ] && break
    sleep 0.1
done
PORT=$(cat "$SCRATCH/state/http.port" 2>/dev/null) ||
    { tail "$SCRATCH/daemon.log" >&2; die "supplygated did not start"; }
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
IDLE_KB=$(rss_kb "$DAEMON_PID" VmRSS)

START=$(date +%s.%N)
STATUS=$(curl -s -o "$SCRATCH/answer.json" -w '%{http_code}' \
         -H 'Content-Type: application/EDI-X12' --data-binary "@$BODY" \
         --max-time 900 "http://127.0.0.1:$PORT/v1/messages")
END=$(date +%s.%N)
PEAK_KB=$(rss_kb "$DAEMON_PID" VmHWM)
SECS=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.2f", b - a }')
DOCS=$(grep -o '"type":"order"' "$SCRATCH/answer.json" | wc -l)

MBS=$(awk -v b="$BYTES" -v s="$SECS" 'BEGIN { printf "%.1f", b / 1048576 / s }')
echo "SGBENCH spool status=$STATUS bytes=$BYTES orders=$SETS accepted=$DOCS seconds=$SECS mb_per_s=$MBS idle_rss_kb=$IDLE_KB peak_rss_kb=$PEAK_KB plugin_stream_mb_per_s=$PLUGIN_MBS"
printf '\n%-44s %12s\n' "large interchange through supplygated" "figure"
printf '%-44s %12s\n' "body (MB)" "$(ratio "$BYTES" 1048576)"
printf '%-44s %12s\n' "orders in it / in the 202 receipt" "$SETS / $DOCS"
printf '%-44s %12s\n' "upload + decode + validate + store (s)" "$SECS"
printf '%-44s %12s\n' "end to end (MB/s)" "$MBS"
printf '%-44s %12s\n' "daemon RSS idle (MB)" "$(ratio "$IDLE_KB" 1024)"
printf '%-44s %12s\n' "daemon RSS peak (MB)" "$(ratio "$PEAK_KB" 1024)"
printf '%-44s %12s\n' "peak RSS / 64 MB target" "$(ratio "$PEAK_KB" 65536)"
printf '%-44s %12s\n' "peak RSS / body size" \
    "$(ratio "$((PEAK_KB * 1024))" "$BYTES")"
printf '%-44s %12s\n' "end to end / plugin alone, streamed" \
    "$(ratio "$MBS" "$PLUGIN_MBS")"
[ "$STATUS" = 202 ] && [ "$DOCS" = "$SETS" ] || {
    say "spool.sh: not accepted whole: $(head -c 400 "$SCRATCH/answer.json")"
    exit 1
}
