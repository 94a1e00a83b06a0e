#!/usr/bin/env bash
# alertd benchmark (never run by `meson test`): tests/bench/alertd/run.sh BUILD_DIR
#  1. replay N matching entries (N = 1,000 and 1,000,000; journal files made with
#     systemd-journal-remote, cached under $LOGONACL_BENCH_CACHE) with
#     `logonacl-alertd --once --from-start --print > /dev/null`, against
#     `journalctl --directory DIR MESSAGE_ID=... -o export > /dev/null` on the same
#     files in the same run (best of 3 each, runs alternated);
#  2. peak RSS of both replays (getrusage through /usr/bin/time);
#  3. idle wake-ups: alertd's voluntary context switches (all threads) over
#     $LOGONACL_BENCH_IDLE_SECONDS (60) while nothing arrives, per second;
#  4. median and p90 latency from a journal entry being written (and from pam_acct_mgmt
#     returning, when pam_logonacl.so is built) to the SMTP server holding the mail.
# Goals: replay no slower than journalctl, peak RSS < 16 MiB and within 1 MiB at both
# sizes, at most 1 wake-up a second when idle, median latency < 300 ms (SPEC §5).
# LOGONACL_BENCH_PARTS="replay idle latency" (the default) picks the parts to run.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
alertd=$build/alertd/logonacl-alertd
cache=${LOGONACL_BENCH_CACHE:-/tmp/logonacl-bench-alertd}
sizes=${LOGONACL_BENCH_SIZES:-"1000 1000000"}
runs=${LOGONACL_BENCH_RUNS:-3}
py=/usr/bin/python3
parts=" ${LOGONACL_BENCH_PARTS:-replay idle latency} "
idle_seconds=${LOGONACL_BENCH_IDLE_SECONDS:-60}
[ -x "$alertd" ] || { echo "no $alertd: build first" >&2; exit 1; }

[[ $parts == *" replay "* ]] || sizes=""
mkdir -p "$cache"
for n in $sizes; do
        if [ ! -d "$cache/$n" ]; then
                echo "generating $n entries into $cache/$n (cached for later runs; 1,000,000 take ~10 min)" >&2
                rm -rf "$cache/$n.tmp"
                $py "$here/gen_journal.py" "$cache/$n.tmp" "$n"
                mv "$cache/$n.tmp" "$cache/$n"
        fi
done

work=$(mktemp -d /tmp/alertd-bench.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -m 755 "$work/conf"
printf '[alert]\nemail = secops@example.com\nthreshold = 5\n' > "$work/conf/logonacl.conf"
chmod 644 "$work/conf/logonacl.conf"

# measure CMD...: prints "wall_s cpu_s maxrss_kib" (best wall of $runs), stdout to /dev/null
measure() {
        local best="" line
        for _ in $(seq "$runs"); do
                rm -f "$work/state"
                /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$@" > /dev/null 2> "$work/stderr"
                line=$(tail -1 "$work/time")
                best=$(printf '%s\n%s\n' "$best" "$line" | awk 'NF==4 {print $1+0, $2+$3, $4}' | sort -n | head -1)
        done
        echo "$best"
}

journal_id=53a044f2764e49b6af7a20856db4de85
[ -n "$sizes" ] && printf '%-10s %10s %10s %8s %10s %10s %8s %12s %12s\n' entries alertd_s jctl_s ratio alertd_cpu jctl_cpu ratio alertd_rss_KiB jctl_rss_KiB
declare -A rss
for n in $sizes; do
        a=$(measure "$alertd" --config "$work/conf/logonacl.conf" --state "$work/state" --directory "$cache/$n" \
                --once --from-start --print)
        j=$(measure journalctl --directory "$cache/$n" MESSAGE_ID=$journal_id -o export)
        read -r aw ac ar <<< "$a"
        read -r jw jc jr <<< "$j"
        rss[$n]=$ar
        printf '%-10s %10.2f %10.2f %8.2f %10.2f %10.2f %8.2f %12s %12s\n' "$n" "$aw" "$jw" \
                "$(awk -v a="$aw" -v b="$jw" 'BEGIN { print a / (b + 0.0001) }')" "$ac" "$jc" \
                "$(awk -v a="$ac" -v b="$jc" 'BEGIN { print a / (b + 0.0001) }')" "$ar" "$jr"
done
set -- $sizes
if [ $# -ge 2 ]; then
        first=$1; last=${!#}
        echo "peak RSS: ${rss[$first]} KiB at $first, ${rss[$last]} KiB at $last entries:" \
             "difference $(( ${rss[$last]} - ${rss[$first]} )) KiB (goal: < 16384 KiB, difference < 1024 KiB)"
fi

if [[ $parts == *" idle "* ]]; then
        idle=$(LOGONACL_BUILD_DIR=$build $py "$here/idle.py" "$build" "$idle_seconds")
        echo "idle: $(echo "$idle" | cut -d' ' -f1) wake-ups/s ($(echo "$idle" | cut -d' ' -f2) voluntary context" \
             "switches in $(echo "$idle" | cut -d' ' -f3) s with nothing arriving; goal: <= 1/s)"
fi
[[ $parts == *" latency "* ]] || exit 0
lat=$(LOGONACL_BUILD_DIR=$build $py "$here/latency.py" "$build" 50)
echo "latency entry written -> mail at the SMTP server: median $(echo "$lat" | cut -d' ' -f1) ms," \
     "p90 $(echo "$lat" | cut -d' ' -f2) ms over $(echo "$lat" | cut -d' ' -f3) entries (goal: median < 300 ms)"
if [ -f "$build/pam_logonacl/pam_logonacl.so" ]; then
        lat=$(LOGONACL_BUILD_DIR=$build $py "$here/latency.py" "$build" 30 --pam)
        echo "latency pam_acct_mgmt returned -> mail at the SMTP server: median $(echo "$lat" | cut -d' ' -f1) ms," \
             "p90 $(echo "$lat" | cut -d' ' -f2) ms over $(echo "$lat" | cut -d' ' -f3) decisions"
fi
