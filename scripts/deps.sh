#!/bin/bash
# Install the Debian packages supplygate needs to build, test and run.
# Runs as root (apt-get); skips apt when everything is already there.
set -euo pipefail

packages=(
    build-essential autoconf automake libtool pkg-config
    libxml2-dev libxml2-utils libssl-dev libcurl4-openssl-dev
    libhiredis-dev libmicrohttpd-dev libjansson-dev libconfuse-dev
    libcunit1-dev redis-server curl jq
    clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
