#!/usr/bin/env bash
# Runs logonacl's whole test suite on a Debian 12 machine, as root:
#   tests/run.sh            build with -Werror into build-test/ and run every suite
#   tests/run.sh --asan     the same under ASan+UBSan in build-asan/ (package, boot, e2e, cockpit,
#                           alertd-slow and reliability-slow left out)
# Installs what is missing, starts a journald when none runs, ends with the line
# "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/deps.sh

mode=plain
[ "${1:-}" = "--asan" ] && mode=asan

logonacl_install_deps all   # every group: the suites, the ASan run, .ci/run's fuzz targets
logonacl_ensure_journald
trap logonacl_stop_journald EXIT

if [ "$mode" = asan ]; then
        build=build-asan
        setup=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false)
        test_args=(--no-suite package --no-suite alertd-slow --no-suite boot --no-suite e2e --no-suite reliability-slow --no-suite cockpit)
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_odr_violation=0
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        export PAM_WRAPPER_DISABLE_DEEPBIND=1
else
        build=build-test
        setup=(-Dwerror=true)
        test_args=()
fi

if [ -d "$build" ]; then
        meson setup --reconfigure "$build" "${setup[@]}" >/dev/null
else
        meson setup "$build" "${setup[@]}" >/dev/null
fi
ninja -C "$build"

rc=0
meson test -C "$build" --print-errorlogs --num-processes 2 "${test_args[@]}" || rc=$?

/usr/bin/python3 tests/lib/totals.py "$build/meson-logs/testlog.json"
exit $rc
