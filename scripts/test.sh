#!/bin/bash
# The whole test suite: install what is missing, build, run every unit
# and runtime test against a real redis-server, run the fuzz targets for
# a bounded time (scripts/fuzz.sh), then check that a release tarball
# builds and passes the same tests (make distcheck), and run them all
# once more on a sanitizer build (scripts/sanitizers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
make -s -j"$(nproc)" check || { cat tests/unit/*.log tests/runtime/*.log \
    tests/reliability/*.log 2>/dev/null | tail -n 200; exit 1; }
# The fuzz targets, bounded: 60 s each by default, under 5 minutes in all.
if [ "${SG_SKIP_FUZZ:-0}" != 1 ]; then
    FUZZ_SECONDS=${FUZZ_SECONDS:-60} bash scripts/fuzz.sh
fi
if [ "${SG_SKIP_DISTCHECK:-0}" != 1 ]; then
    make -s distcheck
fi
if [ "${SG_SKIP_SANITIZERS:-0}" != 1 ]; then
    bash scripts/sanitizers.sh
fi
echo "supplygate: all tests passed"
