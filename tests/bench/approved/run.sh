#!/usr/bin/env bash
# Approved-list benchmark: tests/bench/approved/run.sh BUILD_DIR [SIZE...]
# Prints one row per list size; "load/rd" is the ratio of the full load (parse,
# sort, segments, one match) to just reading the file's bytes, measured in the
# same run.  Goals: 1,000,000 entries load < 300 ms, match < 1 µs,
# index open + match well under 1 ms.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [SIZE...]}
shift
ninja -C "$build" tests/bench/approved/bench-approved >/dev/null
exec "$build/tests/bench/approved/bench-approved" "$@"
