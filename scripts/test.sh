#!/bin/bash
# The whole test suite: install what is missing, build, run every unit
# and runtime test against a real redis-server, then check that a release
# tarball builds and passes the same tests (make distcheck), and run them
# all once more on a sanitizer build (scripts/sanitizers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
make -s -j"$(nproc)" check || { cat tests/unit/*.log tests/runtime/*.log \
    tests/reliability/*.log 2>/dev/null | tail -n 200; exit 1; }
if [ "${SG_SKIP_DISTCHECK:-0}" != 1 ]; then
    make -s distcheck
fi
if [ "${SG_SKIP_SANITIZERS:-0}" != 1 ]; then
    bash scripts/sanitizers.sh
fi
echo "supplygate: all tests passed"
