#!/bin/sh
# Generate the configure script and Makefile.in from the autotools sources.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --install --force
