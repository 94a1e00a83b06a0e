#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in build-fuzz/ and runs
# each for N seconds (default 30):  tests/fuzz/run.sh [SECONDS] [TARGET...]
# Corpora live in build-fuzz/corpus/TARGET (seeded from tests/fuzz/seeds/ and,
# for the index, from a freshly written index); crashes land in
# build-fuzz/crashes/ and make the script fail.
# A campaign of hours, e.g. four hours per target, corpora kept between runs:
#   tests/fuzz/run.sh 14400 fuzz-mail fuzz-journal-record
# The last lines per target give the executions (stat::number_of_executed_units).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/deps.sh
logonacl_install_deps build fuzz
seconds=${1:-30}
shift || true
build=build-fuzz

if [ ! -d "$build" ]; then
        CC=clang meson setup "$build" -Dfuzz=true -Db_lundef=false -Dbench=false >/dev/null
fi
ninja -C "$build" $(cd tests/fuzz && ls fuzz-*.c | sed "s|^|tests/fuzz/|; s|\.c$||") tests/fuzz/make-index-seed >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
        targets=($(cd tests/fuzz && ls fuzz-*.c | sed 's/\.c$//'))
fi

mkdir -p "$build/crashes"
for t in "${targets[@]}"; do
        corpus="$build/corpus/$t"
        mkdir -p "$corpus"
        if [ -d "tests/fuzz/seeds/$t" ]; then
                cp -n tests/fuzz/seeds/"$t"/* "$corpus/" 2>/dev/null || true
        fi
        if [ "$t" = fuzz-approved-index ]; then
                seed=$(mktemp -d)
                chmod 755 "$seed"
                "$build/tests/fuzz/make-index-seed" "$seed"
                cp "$seed/approved.index" "$corpus/seed-small.index"
                "$build/tests/fuzz/make-index-seed" "$seed" large
                cp "$seed/approved.index" "$corpus/seed-large.index"
                rm -rf "$seed"
        fi
        # an index with the bucket table is ~600 KB
        max_len=8192
        [ "$t" = fuzz-approved-index ] && max_len=1048576
        echo "== $t ($seconds s)"
        "$build/tests/fuzz/$t" "$corpus" -max_total_time="$seconds" -max_len="$max_len" \
                -artifact_prefix="$build/crashes/$t-" -print_final_stats=1 2>&1 |
                grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb|#[0-9]+ +DONE|==[0-9]+==ERROR|SUMMARY)' || true
        if ls "$build/crashes/$t-"* >/dev/null 2>&1; then
                echo "CRASH: see $build/crashes/" >&2
                exit 1
        fi
done
