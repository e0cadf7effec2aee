#!/bin/bash
# Build supplygate in the source tree (the shipped conf/ points there).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure -q
make -s -j"$(nproc)"
