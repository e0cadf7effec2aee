#!/usr/bin/env bash
# run.sh - throughput of the shared EDI readers (core/edi.h) next to two
# npm parsers on the same files: node-x12 for X12, edifact for EDIFACT.
#
#     bash bench/edi_readers/run.sh       # from any directory
#
# Environment:
#   SG_BENCH_SECONDS   time per file and parser (2)
#   SG_BENCH_COPIES    transactions in each large file (5000)
#   SG_BENCH_KEEP=1    keep the scratch directory
#
# The readers are compiled with cc -O2 from the source tree (no build
# needed); the npm packages are installed into a scratch directory under
# /tmp, never into the tree.  Small files are corpus files both sides
# read; large ones repeat their one transaction SG_BENCH_COPIES times,
# each with its own control number.  Our readers hand over every
# transaction with its segments cut, unescaped and checked (envelopes,
# counts, repertoire), the npm parsers build their object trees: the
# work is comparable, not identical.
set -euo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$DIR/../.." && pwd)
SECS=${SG_BENCH_SECONDS:-2}
COPIES=${SG_BENCH_COPIES:-5000}
NODE_X12=node-x12@1.7.1
EDIFACT=edifact@1.2.12
SMALL_X12=$SRC/tests/data/corpus/x12/850-nodex12-vics.edi
CORPUS=$SRC/tests/data/corpus
SMALL_EDI=$CORPUS/edifact/INVOIC-pydifact-trailing-component-separator.edi

SCRATCH=$(mktemp -d /tmp/sg-edi-bench.XXXXXX)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { [ "${SG_BENCH_KEEP:-0}" = 1 ] || rm -rf "$SCRATCH"; }
trap cleanup EXIT

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "run.sh: node and npm are needed (apt-get install nodejs npm)" >&2
    exit 2
fi

cc -std=c11 -D_GNU_SOURCE -O2 -I"$SRC/core" "$DIR/readers.c" \
    "$SRC"/core/edi_common.c "$SRC"/core/edi_x12.c \
    "$SRC"/core/edi_edifact.c "$SRC"/core/edi_charset.c \
    "$SRC"/core/edi_stream.c "$SRC"/core/edi_unwrap.c \
    "$SRC"/core/util.c -o "$SCRATCH/readers"
npm install --prefix "$SCRATCH/npm" --no-audit --no-fund --silent \
    "$NODE_X12" "$EDIFACT" >/dev/null
node "$DIR/peers.js" --make "$SCRATCH" "$COPIES" "$SMALL_X12" "$SMALL_EDI"

files=("$SMALL_X12" "$SCRATCH/large.x12" "$SMALL_EDI" "$SCRATCH/large.edifact")
"$SCRATCH/readers" "$SECS" "${files[@]}" >"$SCRATCH/ours.txt"
node "$DIR/peers.js" "$SCRATCH/npm" "$SECS" "${files[@]}" >"$SCRATCH/npm.txt"

# field FILE NAME KEY: the value of KEY on the SGREAD line of NAME.
field() {
    sed -n "s/^SGREAD file=$2 .*$3=\([^ ]*\).*/\1/p" "$1"
}

printf '%-50s %8s %5s %5s %9s %9s %6s\n' file bytes tx diags \
    "ours MB/s" "npm MB/s" ratio
for f in "${files[@]}"; do
    name=$(basename "$f")
    ours=$(field "$SCRATCH/ours.txt" "$name" mb_s)
    theirs=$(field "$SCRATCH/npm.txt" "$name" mb_s)
    bytes=$(field "$SCRATCH/ours.txt" "$name" bytes)
    if [ -z "$theirs" ]; then
        theirs="refused"
        ratio="-"
    else
        ratio=$(awk -v a="$ours" -v b="$theirs" \
                'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
    fi
    printf '%-50s %8s %5s %5s %9s %9s %6s\n' "$name" "$bytes" \
        "$(field "$SCRATCH/ours.txt" "$name" tx)" \
        "$(field "$SCRATCH/ours.txt" "$name" diags)" "$ours" "$theirs" \
        "$ratio"
done
echo "npm: $NODE_X12 (X12), $EDIFACT (EDIFACT); ratio = ours / npm;" \
     "node $(node --version)"
