#!/bin/sh
# Runs a server in a mount namespace of its own (started with "unshare --mount
# --propagation private" inside the test's server network namespace), so that
# nothing of the host's /etc or /run is edited:
#   in-mount-ns.sh TMP JOURNAL_DIR COMMAND...
# TMP/etc/{passwd,shadow,group} (the host's plus the test user) and TMP/pam.d
# (the test's PAM services) are bound over /etc; /run is a tmpfs of its own
# (sshd's /run/sshd, Dovecot's /run/dovecot), whose journal socket leads to the
# test's journald (JOURNAL_DIR = /run/systemd/journal.NAMESPACE).
set -eu
tmp=$1 journal=$2
shift 2

for f in passwd shadow group; do
	mount --bind "$tmp/etc/$f" "/etc/$f"
done
mount --bind "$tmp/pam.d" /etc/pam.d
mount --bind "$journal" "$tmp/journal"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/systemd/journal /run/sshd
ln -s "$tmp/journal/socket" /run/systemd/journal/socket
exec "$@"
