#!/usr/bin/env bash
# CI: every fuzz target runs for a short time on the stable toolchain,
# starting from the committed seed corpus; a crash (or a leak, a timeout, an
# out-of-memory) fails the run:
#   fuzz/ci.sh [SECONDS_PER_TARGET]
# libFuzzer is C++: a machine without a C++ compiler gets Debian's g++.
set -euo pipefail
seconds=${1:-20}
cd "$(dirname "$0")"
if ! command -v c++ >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq g++ >/dev/null
fi
log=$(mktemp)
for target in decode_frame decode_stream client_ops server_ops; do
    echo "+ fuzz $target for ${seconds}s"
    if ./stable.sh "$target" "$seconds" >"$log" 2>&1; then
        tail -n 1 "$log"
    else
        tail -n 60 "$log"
        echo "fuzz target $target failed" >&2
        exit 1
    fi
done
