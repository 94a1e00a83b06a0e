#!/usr/bin/env bash
# logonacl demo: a logon decision through the real PAM stack, its journal entry,
# and the alert mail arriving at a local SMTP server.
#
# Run as root on a Debian 12 machine, from the top of the checkout:  ./demo.sh
# It installs the Debian packages it misses (apt-get), builds the work tree with
# meson in a temporary folder, starts systemd-journald when none listens (and
# stops it again), and keeps everything else in that temporary folder:
#   - logonacl.conf: channel admin, action allow-and-log, for the PAM service
#     "logonacl-demo"; approved list 203.0.113.0/24; alerts to demo@localhost
#     through an aiosmtpd on 127.0.0.1:<free port> that stores mail in a Maildir
#   - pam.d/logonacl-demo, read by libpam through pam_wrapper
# Two logons (pamtester): from 203.0.113.10 (approved) and 198.51.100.7 (not
# approved, let in and logged).  logonacl-alertd --once then mails the second.
# Set LOGONACL_DEMO_KEEP=1 to keep the temporary folder.
set -eu

top=$(cd "$(dirname "$0")" && pwd)
service=logonacl-demo
approved_ip=203.0.113.10
unapproved_ip=198.51.100.7
demo_user=alice
pam_wrapper_modules=/usr/lib/x86_64-linux-gnu/pam_wrapper
# The system python: aiosmtpd is a Debian package, not in a pyenv on PATH.
python=/usr/bin/python3

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and reads the system journal)"
started=$(date +%s)

# ---------------------------------------------------------------- packages
# tests/deps.sh holds the project's package groups, installer and journald helpers;
# the demo installs its groups only, build and demo (no test or packaging tools).
. "$top/tests/deps.sh"
say "1. Debian packages: $(logonacl_deps_list build demo | paste -sd ' ')"
logonacl_install_deps build demo
echo "ok"

# ---------------------------------------------------------------- temp folder, cleanup
demo=$(mktemp -d /tmp/logonacl-demo.XXXXXX)
chmod 0755 "$demo"          # root-owned, not group/other-writable: passes the SPEC §2 walk
smtpd_pid=""
cleanup() {
	set +e
	trap '' PIPE            # stdout may be a closed pipe (./demo.sh | head)
	[ -n "$smtpd_pid" ] && kill "$smtpd_pid" 2>/dev/null && wait "$smtpd_pid" 2>/dev/null
	if [ -n "${LOGONACL_STARTED_JOURNALD:-}" ]; then
		logonacl_stop_journald
		echo "demo.sh: stopped the systemd-journald it started (pid $LOGONACL_STARTED_JOURNALD)" >&2
	fi
	if [ -n "${LOGONACL_DEMO_KEEP:-}" ]; then
		echo "demo.sh: kept $demo" >&2
	else
		rm -rf "$demo"
	fi
}
trap cleanup EXIT
# Any way out runs cleanup: no SMTP server, journald or folder is left behind.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# ---------------------------------------------------------------- build
say "2. Build (meson, in $demo/build)"
meson setup "$demo/build" "$top" -Dtests=false -Dbench=false -Dfuzz=false --buildtype=debugoptimized \
	>"$demo/meson-setup.log" 2>&1 || { tail -n 30 "$demo/meson-setup.log"; die "meson setup failed"; }
ninja -C "$demo/build" >"$demo/ninja.log" 2>&1 || { tail -n 30 "$demo/ninja.log"; die "build failed"; }
module="$demo/build/pam_logonacl/pam_logonacl.so"
alertd="$demo/build/alertd/logonacl-alertd"
ctl="$demo/build/logonaclctl/logonaclctl"
for f in "$module" "$alertd" "$ctl"; do
	[ -x "$f" ] || [ -f "$f" ] || die "not built: $f"
done
echo "built: pam_logonacl.so, logonacl-alertd, logonaclctl"

# ---------------------------------------------------------------- journald
say "3. systemd-journald"
logonacl_ensure_journald
if [ -n "$LOGONACL_STARTED_JOURNALD" ]; then
	echo "started /lib/systemd/systemd-journald (pid $LOGONACL_STARTED_JOURNALD); stopped again at the end"
else
	echo "a journald is listening already"
fi

# ---------------------------------------------------------------- SMTP server
say "4. SMTP server (aiosmtpd, Maildir $demo/mail)"
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$python" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$demo/mail" \
	>"$demo/smtpd.log" 2>&1 &
smtpd_pid=$!
i=0
until "$python" -c "import socket; socket.create_connection(('127.0.0.1',$port),1).close()" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$demo/smtpd.log"; die "aiosmtpd did not start"; }
	sleep 0.1
done
echo "listening on 127.0.0.1:$port"

# ---------------------------------------------------------------- configuration
say "5. Configuration ($demo/etc)"
mkdir -m 0755 "$demo/etc" "$demo/etc/approved.d" "$demo/pam.d"
cat >"$demo/etc/approved" <<EOF
# the demo's approved list: the office gateway's block
203.0.113.0/24
EOF
cat >"$demo/etc/logonacl.conf" <<EOF
[general]
approved_file = $demo/etc/approved
approved_dir = $demo/etc/approved.d

[admin]
action = allow-and-log
services = $service

[alert]
email = demo@localhost
from = logonacl@localhost
smtp_url = smtp://127.0.0.1:$port
smtp_starttls = no
threshold = 5
timezone = UTC
trusted_users = root
EOF
chmod 0644 "$demo/etc/approved" "$demo/etc/logonacl.conf"
# libpam reads this service file through pam_wrapper (PAM_WRAPPER_SERVICE_DIR);
# pam_set_items.so copies PAM_RHOST from the environment, as sshd would set it.
cat >"$demo/pam.d/$service" <<EOF
auth     required $pam_wrapper_modules/pam_set_items.so
auth     required pam_permit.so
account  required $pam_wrapper_modules/pam_set_items.so
account  required $module conf=$demo/etc/logonacl.conf
account  required pam_permit.so
EOF
sed 's/^/    /' "$demo/etc/logonacl.conf"
echo "  approved: $(grep -v '^#' "$demo/etc/approved")"
ctlc() { echo "\$ logonaclctl $*"; "$ctl" --config "$demo/etc/logonacl.conf" "$@"; }
ctlc check
ctlc test --service "$service" --rhost "$unapproved_ip" --user "$demo_user"

# ---------------------------------------------------------------- alertd at the tail
# Without a state file alertd starts at the journal's tail (no mail for history).
# Running it once now saves that position, so the run after the logons reads
# exactly the entries written from here on: the demo mails the same way every time.
say "6. logonacl-alertd --once (saves the journal's tail as its position)"
"$alertd" --config "$demo/etc/logonacl.conf" --state "$demo/alertd.state" --once
second_run=""
if [ -s "$demo/alertd.state" ]; then
	echo "state saved: $demo/alertd.state"
else
	# alertd follows logonacl's entries only: with none in the journal yet it has
	# no position to save, so the next run reads them all (--from-start), which
	# are then exactly the demo's.
	echo "no logonacl entries in the journal yet: the next run reads them from the start"
	second_run=--from-start
fi
since="@$(date +%s)"

# ---------------------------------------------------------------- the logons
logon() {
	echo "\$ PAM_RHOST=$1 pamtester $service $demo_user authenticate acct_mgmt"
	env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$demo/pam.d" PAM_RHOST="$1" \
		pamtester "$service" "$demo_user" authenticate acct_mgmt 2>&1 | grep -v '^PWRAP_' || true
}
say "7. Two logons through libpam: approved $approved_ip, unapproved $unapproved_ip"
logon "$approved_ip"
logon "$unapproved_ip"

# ---------------------------------------------------------------- the audit trail
say "8. The journal entries (journalctl SYSLOG_IDENTIFIER=pam_logonacl LOGONACL_SERVICE=$service)"
fields=MESSAGE,MESSAGE_ID,PRIORITY,LOGONACL_EVENT,LOGONACL_ACTIVITY,LOGONACL_CHANNEL,LOGONACL_ACTION,LOGONACL_RESULT,LOGONACL_APPROVED,LOGONACL_MATCHED,LOGONACL_USER,LOGONACL_RHOST,LOGONACL_CLIENT_IP,LOGONACL_SERVICE,LOGONACL_STAGE,_UID
i=0
until [ "$(journalctl --no-pager -q -o cat --since "$since" SYSLOG_IDENTIFIER=pam_logonacl LOGONACL_SERVICE=$service | wc -l)" -ge 2 ]; do
	i=$((i + 1)); [ $i -lt 50 ] || die "the two journal entries did not arrive"
	sleep 0.1
done
journalctl --no-pager -q --since "$since" -o verbose --output-fields="$fields" \
	SYSLOG_IDENTIFIER=pam_logonacl LOGONACL_SERVICE=$service
echo
echo "\$ journalctl LOGONACL_ACTIVITY=blocked-and-logged --since $since"
journalctl --no-pager -q --since "$since" LOGONACL_ACTIVITY=blocked-and-logged

echo
# On a machine with other logonacl traffic these also list it: they read the whole journal.
ctlc suggest --channel admin --since "$since" 2>&1 | head -n 12
echo
ctlc what-if --channel admin --action block-and-log --since "$since" 2>&1 | head -n 12
echo "(what-if exits 3 when someone would be locked out: not yet time for block-and-log)"

# ---------------------------------------------------------------- the alert
say "9. logonacl-alertd --once: the alert for $unapproved_ip"
"$alertd" --config "$demo/etc/logonacl.conf" --state "$demo/alertd.state" --once --verbose $second_run 2>&1 | sed 's/^/  alertd: /'
i=0
until [ -n "$(ls "$demo/mail/new" 2>/dev/null)" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || die "no mail arrived at the SMTP server"
	sleep 0.1
done
# On a machine with other logonacl traffic, alertd mails about that too: show ours.
demo_mails=$(grep -l "^Service: $service" "$demo"/mail/new/* || true)
n_all=$(find "$demo/mail/new" -type f | wc -l)
n_demo=$(printf '%s\n' "$demo_mails" | grep -c . || true)
for m in $demo_mails; do
	echo "--- mail as received by the SMTP server ($(basename "$m"))"
	tr -d '\r' <"$m"
	if grep -qiE '^Content-Transfer-Encoding: *(quoted-printable|base64)' "$m"; then
		echo "--- its body, transfer encoding undone"
		"$python" -c 'import email, sys
print(email.message_from_binary_file(open(sys.argv[1], "rb")).get_payload(decode=True).decode("utf-8", "replace").replace("\r", ""), end="")' "$m"
	fi
	echo "---"
done
[ "$n_demo" -ge 1 ] || die "no alert mail for $unapproved_ip"
[ "$n_demo" = 1 ] || echo "($n_demo alerts for $service: another demo ran on this machine at the same time)"
[ "$n_all" = 1 ] || echo "($((n_all - 1)) more alert(s) came from other logonacl entries written meanwhile on this machine)"

say "10. What next"
echo "  approve it:      logonaclctl add $unapproved_ip"
echo "  find gateways:   logonaclctl suggest --channel admin"
echo "  before blocking: logonaclctl what-if --channel admin --action block-and-log"
echo "demo finished in $(( $(date +%s) - started )) s"
