#!/usr/bin/env bash
# Benchmark of pam_logonacl.so against pam_permit.so (the floor) and pam_access.so:
#   tests/bench/pam/run.sh BUILD_DIR
# One libpam client loops pam_start_confdir + pam_set_item(PAM_RHOST) +
# pam_acct_mgmt + pam_end on a one-module account stack, in one process, with
# the system's journald receiving the module's entries.  The client address
# matches no entry (worst case) and the action is allow-and-log, so every
# decision writes a "logged" entry.  Prints a table of µs per decision and the
# ratios to pam_permit and pam_access measured in the same run.  Ratios and goals
# use the median (p50): on a shared 2-core machine the mean follows the noise of
# other processes more than the code.
set -euo pipefail

build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
seconds=${BENCH_SECONDS:-2}
bench=$build/tests/bench/pam/bench_pam
index_helper=$build/tests/bench/pam/bench_index_helper
module=$build/pam_logonacl/pam_logonacl.so
secdir=/lib/x86_64-linux-gnu/security
for f in "$bench" "$index_helper" "$module"; do
        [ -x "$f" ] || [ -f "$f" ] || { echo "missing $f: build first (ninja -C $build)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "run as root (the files must be root-owned)" >&2; exit 1; }
/usr/bin/python3 - <<'PY' || { echo "no journald listens on /run/systemd/journal/socket" >&2; exit 1; }
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/run/systemd/journal/socket")
PY

root=$(mktemp -d /tmp/logonacl-bench-pam.XXXXXX)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -m 755 "$root/pam.d"
rhost=198.51.100.99       # in no list: the worst case (full search, logged entry)

# Approved lists of N single addresses (11.0.0.0 upward, every other address so
# that nothing merges), and pam_access files with the same blocks.
/usr/bin/python3 - "$root" <<'PY'
import ipaddress, sys
root = sys.argv[1]
base = int(ipaddress.IPv4Address("11.0.0.0"))
for n in (10, 1000, 10000, 100000, 1000000):
    addrs = [str(ipaddress.IPv4Address(base + 2 * i)) for i in range(n)]
    with open(f"{root}/approved-{n}", "w") as f:
        f.write("".join(a + "\n" for a in addrs))
    with open(f"{root}/approved-{n}-indexed", "w") as f:
        f.write("".join(a + "\n" for a in addrs))
    if n <= 10000:
        with open(f"{root}/access-{n}.conf", "w") as f:
            f.write("".join(f"+:ALL:{a}/32\n" for a in addrs) + "-:ALL:ALL\n")
PY
chmod 644 "$root"/approved-* "$root"/access-*

conf() {        # conf NAME APPROVED_FILE ACTION
        cat > "$root/$1.conf" <<EOC
[general]
approved_file = $2
approved_dir = $root/none.d

[admin]
action = $3
services = sshd
EOC
        chmod 644 "$root/$1.conf"
}
service() {     # service NAME MODULE-LINE
        echo "account required $2" > "$root/pam.d/$1"
}

service permit "$secdir/pam_permit.so"
for n in 10 1000 10000 100000 1000000; do
        conf "text-$n" "$root/approved-$n" allow-and-log
        conf "index-$n" "$root/approved-$n-indexed" allow-and-log
        "$index_helper" "$root/approved-$n-indexed" "$root/none.d" 0 || echo "WARNING: no index written for $n entries: the index rows measure the text" >&2
        service "text-$n" "$module conf=$root/text-$n.conf channel=admin"
        service "index-$n" "$module conf=$root/index-$n.conf channel=admin"
done
for n in 10 1000 10000; do
        service "access-$n" "$secdir/pam_access.so accessfile=$root/access-$n.conf"
done
# What the journal entry costs: the same 1,000-entry decision for a service in
# no channel (PAM_IGNORE: configuration read, no list, no entry).
conf ignore "$root/approved-1000-indexed" allow-and-log
sed -i 's/^services = sshd/services = other/' "$root/ignore.conf"
service ignore "$module conf=$root/ignore.conf"

declare -A median
run() {         # run NAME [PREFIX...]: the measurement of stack NAME
        local name=$1; shift
        local out
        out=$("$@" "$bench" "$root/pam.d" "$name" "$rhost" 20000 "$seconds")
        median[$name]=$(echo "$out" | cut -d' ' -f2)
        printf '%-36s %10s %8s %8s %7s %-12s %s\n' "$label" $(echo "$out" | cut -d' ' -f1-5) \
                "$(ratio "${median[$name]}" "${median[permit]:-${median[$name]}}")x"
}
ratio() { /usr/bin/python3 -c "print(f'{$1 / $2:.2f}')"; }

printf '%-36s %10s %8s %8s %7s %-12s %s\n' "stack (account)" "mean µs" "p50" "p99" "n" "result" "p50 x permit"
label="pam_permit (floor)"; run permit
for n in 10 1000 10000 100000 1000000; do
        label="pam_logonacl $n, text"; run "text-$n"
        label="pam_logonacl $n, index"; run "index-$n"
done
for n in 10 1000 10000; do
        label="pam_access $n"; run "access-$n"
done
label="pam_logonacl, not controlled"; run ignore
# The same 1,000-entry decision with no journald: entries to a socket that drops
# them unread (a reader that keeps up), and with no socket at all (the module
# falls back to syslog, which has no /dev/log here either).  Private mount
# namespace: the host's journal socket is untouched.
sink='import os,socket; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind("/run/systemd/journal/socket"); open("/run/systemd/journal/ready","w").close()
while True: s.recv(1<<20)'
label="pam_logonacl 1000, index, null sink"
out=$(unshare -m bash -c 'mount -t tmpfs tmpfs /run/systemd/journal && { /usr/bin/python3 -c "$1" & } &&
        while [ ! -e /run/systemd/journal/ready ]; do sleep 0.05; done &&
        "$2" "$3/pam.d" index-1000 "$4" 20000 "$5"; kill %1' _ "$sink" "$bench" "$root" "$rhost" "$seconds")
median[sink]=$(echo "$out" | cut -d' ' -f2)
printf '%-36s %10s %8s %8s %7s %-12s %s\n' "$label" $(echo "$out" | cut -d' ' -f1-5) "$(ratio "${median[sink]}" "${median[permit]}")x"
label="pam_logonacl 1000, index, no journal"
out=$(unshare -m bash -c 'mount -t tmpfs tmpfs /run/systemd/journal && "$1" "$2/pam.d" index-1000 "$3" 20000 "$4"' \
        _ "$bench" "$root" "$rhost" "$seconds")
median[nojournal]=$(echo "$out" | cut -d' ' -f2)
printf '%-36s %10s %8s %8s %7s %-12s %s\n' "$label" $(echo "$out" | cut -d' ' -f1-5) "$(ratio "${median[nojournal]}" "${median[permit]}")x"

echo
goal() {        # goal TEXT VALUE LIMIT (VALUE <= LIMIT passes)
        /usr/bin/python3 -c "v, l = $2, $3; print(f'{\"$1\":<58} {v:7.2f} (goal <= {l}) {\"ok\" if v <= l else \"MISSED\"}')"
}
goal "logonacl 1,000 (index) / pam_permit" "$(ratio "${median[index-1000]}" "${median[permit]}")" 1.5
goal "logonacl 1,000 (text) / pam_permit" "$(ratio "${median[text-1000]}" "${median[permit]}")" 1.5
goal "logonacl 1,000,000 (index) / pam_permit" "$(ratio "${median[index-1000000]}" "${median[permit]}")" 2
goal "logonacl 10,000 (index) / pam_access 10,000 (x20 faster)" \
        "$(ratio "${median[index-10000]}" "${median[access-10000]}")" 0.05
goal "logonacl 10,000 (text) / pam_access 10,000 (x20 faster)" \
        "$(ratio "${median[text-10000]}" "${median[access-10000]}")" 0.05
/usr/bin/python3 - "${median[index-1000]}" "${median[sink]}" "${median[nojournal]}" <<'PY'
import sys
journald, sink, none = map(float, sys.argv[1:])
print(f"journal entry at 1,000 (index), p50: {journald - none:.1f} µs with journald, "
      f"{sink - none:.1f} µs to a reader that only drains the socket (no journal: {none:.1f} µs)")
PY
