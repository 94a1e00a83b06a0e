#!/usr/bin/env bash
# Runs every benchmark (never part of `meson test`): tests/bench/run.sh [PART...]
# PART is approved, pam, alertd or ctl; default all.  Builds an optimised tree in
# build-bench/, starts a journald when none runs, prints each part's table.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/deps.sh
logonacl_install_deps build test bench
logonacl_ensure_journald
trap logonacl_stop_journald EXIT

build=build-bench
[ -d "$build" ] || meson setup "$build" --buildtype=release -Db_ndebug=true >/dev/null
ninja -C "$build" >/dev/null

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(approved pam alertd ctl)
for p in "${parts[@]}"; do
        echo "== $p =="
        "tests/bench/$p/run.sh" "$top/$build"
        echo
done
