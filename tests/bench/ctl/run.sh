#!/usr/bin/env bash
# Benchmark of logonaclctl (never run by meson test):  tests/bench/ctl/run.sh BUILD_DIR [ENTRIES]
# Edits of a large approved list against a baseline measured in the same run:
# "sed -i" appending or deleting one line (a plain rewrite, no lock, no index);
# reading 100,000 journal entries against journalctl -o json on the same file
# (for set's lockout guard, the same entries within its 30 days).
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
entries=${2:-1000000}
ctl="$build/logonaclctl/logonaclctl"
top=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d /tmp/logonacl-ctl-bench.XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

seconds() {     # seconds taken by the command, best of 3
        local best=
        for _ in 1 2 3; do
                local s e
                s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
                best=$(echo "$s $e ${best:-999999}" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
        done
        echo "$best"
}
row() { awk -v n="$1" -v t="$2" -v b="$3" 'BEGIN {printf "%-44s %8.3f s %8.3f s %7.2fx\n", n, t, b, t / b}'; }

/usr/bin/python3 - "$tmp" "$entries" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
with open(f"{d}/approved", "w") as f:
    f.write("# benchmark list (documentation addresses only)\n")
    for i in range(n):
        f.write("2001:db8:%x:%x::/64\n" % (i >> 16, i & 0xffff))
with open(f"{d}/logonacl.conf", "w") as f:
    f.write(f"[general]\napproved_file = {d}/approved\napproved_dir = {d}/approved.d\n")
PY
conf="$tmp/logonacl.conf"
"$ctl" --config "$conf" reindex >/dev/null

printf '%-44s %10s %10s %8s\n' "operation ($entries entries)" logonaclctl baseline ratio
sed_add=$(seconds sed -i '$a 198.51.100.9' "$tmp/approved")
sed -i '/^198\.51\.100\.9$/d' "$tmp/approved"
add() { "$ctl" --config "$conf" add 198.51.100.9; "$ctl" --config "$conf" remove 198.51.100.9; }
both=$(seconds add)
row "add + remove (lock, rewrite, index)" "$both" "$(echo "$sed_add" | awk '{print $1 * 2}')"
row "add of a present entry (no-op)" "$(seconds "$ctl" --config "$conf" add 2001:db8::/64)" "$sed_add"
row "check (parse, ownership walk, index state)" "$(seconds "$ctl" --config "$conf" check)" "$sed_add"

/usr/bin/python3 - "$tmp/journal" "$top" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("t", f"{sys.argv[2]}/tests/ctl/test_ctl.py")
t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)
t.write_journal(sys.argv[1], [t.logon_entry(t.T0 + i * 1000000, ("allowed", "logged")[i % 2],
                              ("admin", "enduser", "api")[i % 3], f"user{i % 500}", f"198.51.100.{i % 250}")
                              for i in range(100000)])
PY
jc=$(seconds journalctl --directory "$tmp/journal" -o json --no-pager MESSAGE_ID=7798a78dc57742739e9ec866817a4c5b MESSAGE_ID=53a044f2764e49b6af7a20856db4de85)
row "log --json (100,000 entries)" "$(seconds "$ctl" --config "$conf" log --json --directory "$tmp/journal")" "$jc"
row "what-if --channel admin (100,000 entries)" "$(seconds "$ctl" --config "$conf" what-if --channel admin --directory "$tmp/journal")" "$jc"
row "suggest (100,000 entries)" "$(seconds "$ctl" --config "$conf" suggest --directory "$tmp/journal")" "$jc"

/usr/bin/python3 - "$tmp/recent" "$top" <<'PY'
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("t", f"{sys.argv[2]}/tests/ctl/test_ctl.py")
t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)
start = int(time.time() * 1e6) - 20 * 86400 * 10**6
t.write_journal(sys.argv[1], [t.logon_entry(start + i * 1000000, ("allowed", "logged")[i % 2], "admin",
                              f"user{i % 500}", f"198.51.100.{i % 250}", stage=("account", "auth")[i % 4 == 0])
                              for i in range(100000)])
PY
jc=$(seconds journalctl --directory "$tmp/recent" -o json --no-pager MESSAGE_ID=7798a78dc57742739e9ec866817a4c5b MESSAGE_ID=53a044f2764e49b6af7a20856db4de85)
# Refused (exit 3: the clients are not approved), so the configuration stays as it is for the next round.
row "set admin block-and-log: guard (100,000)" "$(seconds "$ctl" --config "$conf" set admin block-and-log --directory "$tmp/recent")" "$jc"
