#!/bin/bash
# The whole test suite once more, on a build with AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer (configure
# --enable-sanitizers): the daemon, the plugins it dlopens and every test
# program.  Run by scripts/test.sh after make check and distcheck.
#
# The source tree is configured in place by scripts/build.sh, and
# automake refuses a second, out-of-tree build of such a tree; so this
# builds from the release tarball (make dist), unpacked in
# build-sanitizers/.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
dir=$top/build-sanitizers

[ -f Makefile ] || bash scripts/build.sh
rm -f supplygate-*.tar.gz
make -s dist-gzip >/dev/null
rm -rf "$dir"
mkdir -p "$dir"
tar -xzf supplygate-*.tar.gz -C "$dir" --strip-components=1
cd "$dir"
# Daemon logs of this run only, not of earlier runs left in /tmp.
touch "$dir/.started"
./configure -q --enable-sanitizers --enable-werror
make -s -j"$(nproc)"

# Leaks are checked at every exit, the daemon's included (the runtime
# tests want exit 0 after SIGTERM); any finding fails the program.  No
# suppressions: none of the libraries we use was found leaking.
asan=detect_leaks=1:check_initialization_order=1:strict_init_order=1
export ASAN_OPTIONS=$asan:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
make -s -j"$(nproc)" check || {
    cat tests/unit/*.log tests/runtime/*.log tests/reliability/*.log \
        2>/dev/null | tail -n 200
    for d in /tmp/sg-rt-* /tmp/sg-rel-* /tmp/sg-hup-*; do
        [ -f "$d/daemon.log" ] || continue
        [ "$d/daemon.log" -nt "$dir/.started" ] || continue
        grep -l -e Sanitizer -e 'runtime error' "$d/daemon.log" \
            >/dev/null && tail -n 60 "$d/daemon.log"
    done
    exit 1
}
echo "supplygate: all tests passed under ASan, LSan and UBSan"
