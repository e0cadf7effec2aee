#!/bin/bash
# Build the fuzz targets of tests/fuzz/ with clang (libFuzzer,
# AddressSanitizer, UndefinedBehaviorSanitizer) and run each one for a
# bounded time, seeded from the EDI corpus, the examples and the inputs
# that once crashed (tests/data/fuzz-regressions/).
#
#   scripts/fuzz.sh [target...]     targets: x12 edifact xml_order
#
#   FUZZ_SECONDS  time per target (default 60)
#   FUZZ_DIR      where objects, binaries, the working corpus and crash
#                 artifacts go (default /tmp/supplygate-fuzz)
#   FUZZ_JOBS     parallel fuzzing processes per target (default 1: the
#                 machine is shared)
#
# Exits 1 when a target finds a crash, a leak or an input slower than
# 2 s (64 KB at most: anything slower is super-linear); the input is
# left in $FUZZ_DIR/artifacts/ to be copied into tests/data/
# fuzz-regressions/ and fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
seconds=${FUZZ_SECONDS:-60}
dir=${FUZZ_DIR:-/tmp/supplygate-fuzz}
jobs=${FUZZ_JOBS:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x12 edifact xml_order)

command -v clang >/dev/null || {
    echo "fuzz.sh: clang is missing (scripts/deps.sh installs it)" >&2
    exit 1
}
mkdir -p "$dir/bin" "$dir/artifacts"

# One flag set for every object: the sanitizers must see all the code
# the input reaches, not only the harness.
san="-fsanitize=fuzzer-no-link,address,undefined"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $san
        -fno-sanitize-recover=undefined -Icore
        $(pkg-config --cflags libxml-2.0 jansson)"
link="-fsanitize=fuzzer,address,undefined"

build() {                   # build NAME SOURCES... -- LIBS...
    local name=$1 objs=() s libs=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        s=$1; shift
        local o="$dir/obj/${s//\//_}.o"
        mkdir -p "$dir/obj"
        if [ ! -f "$o" ] || [ "$s" -nt "$o" ] ||
           [ -n "$(find core tests/fuzz -newer "$o" -name '*.h')" ]; then
            # shellcheck disable=SC2086
            clang $cflags -c "$s" -o "$o"
        fi
        objs+=("$o")
    done
    [ $# -gt 0 ] && shift
    libs=("$@")
    clang $link "${objs[@]}" "${libs[@]}" -o "$dir/bin/fuzz_$name"
}

edi_src=(core/edi_common.c core/edi_x12.c core/edi_edifact.c
         core/edi_charset.c core/util.c core/edi_stream.c
         core/edi_unwrap.c)
for t in "${targets[@]}"; do
    case $t in
    x12|edifact)
        build "$t" "tests/fuzz/fuzz_$t.c" "${edi_src[@]}" -- ;;
    xml_order)
        # shellcheck disable=SC2046
        build "$t" tests/fuzz/fuzz_xml_order.c core/schema.c core/errors.c \
            core/xml_guard.c core/util.c -- \
            $(pkg-config --libs libxml-2.0 jansson) ;;
    *)
        echo "fuzz.sh: unknown target $t" >&2; exit 2 ;;
    esac
done

# Seeds: copied into a working corpus that keeps what the fuzzer finds
# between runs (same FUZZ_DIR), never written back into the source tree.
seed() {                    # seed TARGET DIR PATTERN...
    local t=$1 d=$2 p
    shift 2
    mkdir -p "$dir/corpus/$t"
    for p in "$@"; do
        find "$d" -type f -name "$p" -exec cp -n {} "$dir/corpus/$t/" \;
    done
}
seed x12 tests/data/corpus '*.edi'
seed x12 examples '*.edi'
seed edifact tests/data/corpus '*.edi'
seed edifact examples '*.edi'
seed xml_order examples '*.xml'
seed xml_order tests/data '*.xml'
for t in x12 edifact xml_order; do
    [ -d "tests/data/fuzz-regressions/$t" ] &&
        seed "$t" "tests/data/fuzz-regressions/$t" '*'
done

# More than one job forks workers that log to fuzz-N.log in the current
# directory: run from $dir.
par=()
[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
status=0
for t in "${targets[@]}"; do
    echo "fuzz.sh: fuzz_$t for ${seconds}s"
    log="$dir/fuzz_$t.log"
    dict=()
    [ "$t" = xml_order ] || dict=(-dict="$src/tests/fuzz/edi.dict")
    if ! (cd "$dir" && SG_FUZZ_SCHEMAS="$src/schemas" "$dir/bin/fuzz_$t" \
            -max_total_time="$seconds" -timeout=2 -rss_limit_mb=1024 \
            -max_len=65536 "${par[@]}" "${dict[@]}" \
            -artifact_prefix="$dir/artifacts/${t}-" \
            -print_final_stats=1 \
            "$dir/corpus/$t" >"$log" 2>&1); then
        status=1
        echo "fuzz.sh: fuzz_$t FAILED; input in $dir/artifacts/:" >&2
        grep -E "ERROR|SUMMARY|Test unit written" "$log" >&2 || tail "$log" >&2
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" |
        sed "s/^/fuzz.sh: fuzz_$t /" || true
done
exit $status
