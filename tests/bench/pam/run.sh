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

# Measurements, in rounds: every stack once per round, so a change of load on the
# shared machine hits all of them alike.  Each figure is the median over rounds
# of the run's p50 (and of its mean, p99).  Ratios and goals use the p50.
/usr/bin/python3 - "$bench" "$root" "$rhost" "$seconds" "${BENCH_ROUNDS:-3}" "$secdir" <<'PY'
import os, statistics, subprocess, sys
bench, root, rhost, seconds, rounds, secdir = sys.argv[1:4] + [float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]]

# A private mount namespace hides the host's journal socket: with a reader that
# only drains the socket ("null sink"), or with no socket at all (the module falls
# back to syslog, and there is no /dev/log here either).  The host is untouched.
SINK = ('import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); '
        's.bind("/run/systemd/journal/socket"); open("/run/systemd/journal/ready", "w").close()\n'
        'while True: s.recv(1 << 20)')
NO_JOURNAL = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs tmpfs /run/systemd/journal && exec "$@"', "-"]
WITH_SINK = ["unshare", "-m", "sh", "-c",
             'mount -t tmpfs tmpfs /run/systemd/journal && { /usr/bin/python3 -c "$0" & } && '
             'while [ ! -e /run/systemd/journal/ready ]; do sleep 0.05; done; "$@"; kill $!', SINK]

# pam_logonacl.so is linked -z nodelete, so it stays loaded after the first
# decision while libpam loads and unloads pam_permit.so every time: the second
# floor keeps pam_permit.so loaded too (the same treatment).
KEEP_PERMIT = ["env", f"BENCH_KEEP_LOADED={secdir}/pam_permit.so"]
cases = [("permit", "pam_permit (floor)", []),
         ("permit-resident", "pam_permit, kept loaded", KEEP_PERMIT)]
for n in (10, 1000, 10000, 100000, 1000000):
    cases += [(f"text-{n}", f"pam_logonacl {n:,}, text", []), (f"index-{n}", f"pam_logonacl {n:,}, index", [])]
cases += [(f"access-{n}", f"pam_access {n:,}", []) for n in (10, 1000, 10000)]
cases += [("ignore", "pam_logonacl, not controlled", []),
          ("sink", "pam_logonacl 1,000, index, null sink", WITH_SINK),
          ("nojournal", "pam_logonacl 1,000, index, no journal", NO_JOURNAL)]
service_of = {"sink": "index-1000", "nojournal": "index-1000", "permit-resident": "permit"}

runs = {name: [] for name, _, _ in cases}
for _ in range(rounds):
    for name, _, prefix in cases:
        out = subprocess.run(prefix + [bench, f"{root}/pam.d", service_of.get(name, name), rhost, "20000",
                                       str(seconds / rounds)], capture_output=True, text=True, check=True).stdout
        mean, p50, p99, n, result, cpu = out.split()[:6]
        runs[name].append((float(mean), float(p50), float(p99), int(n), result, float(cpu)))

med = {name: statistics.median(r[1] for r in rs) for name, rs in runs.items()}
cpu = {name: statistics.median(r[5] for r in rs) for name, rs in runs.items()}
print(f"{'stack (account)':<38} {'mean µs':>9} {'p50 µs':>9} {'p99 µs':>9} {'n':>7}  {'result':<12} "
      f"{'p50 x permit':>12} {'CPU µs':>8} {'CPU x permit':>12}")
for name, label, _ in cases:
    rs = runs[name]
    print(f"{label:<38} {statistics.median(r[0] for r in rs):9.1f} {med[name]:9.1f} "
          f"{statistics.median(r[2] for r in rs):9.1f} {sum(r[3] for r in rs):7d}  {rs[-1][4]:<12} "
          f"{med[name] / med['permit']:11.2f}x {cpu[name]:8.1f} {cpu[name] / cpu['permit']:11.2f}x")
print()

def goal(text, value, limit):
    print(f"{text:<60} {value:7.2f} (goal <= {limit}) {'ok' if value <= limit else 'MISSED'}")

goal("logonacl 1,000 (index) / pam_permit", med["index-1000"] / med["permit"], 1.5)
goal("logonacl 1,000 (index) / pam_permit kept loaded", med["index-1000"] / med["permit-resident"], 1.5)
goal("logonacl 1,000 (text, no index) / pam_permit", med["text-1000"] / med["permit"], 1.5)
goal("logonacl 1,000,000 (index) / pam_permit", med["index-1000000"] / med["permit"], 2)
goal("logonacl 1,000,000 (index) / pam_permit kept loaded", med["index-1000000"] / med["permit-resident"], 2)
goal("logonacl 10,000 (index) / pam_access 10,000 (x20 faster)", med["index-10000"] / med["access-10000"], 0.05)
goal("logonacl 10,000 (text) / pam_access 10,000 (x20 faster)", med["text-10000"] / med["access-10000"], 0.05)
print(f"journal entry at 1,000 (index): p50 {med['index-1000'] - med['nojournal']:+.1f} µs, "
      f"CPU {cpu['index-1000'] - cpu['nojournal']:+.1f} µs with journald; "
      f"p50 {med['sink'] - med['nojournal']:+.1f} µs, CPU {cpu['sink'] - cpu['nojournal']:+.1f} µs "
      f"to a reader that only drains the socket (against no journal socket at all)")
PY
