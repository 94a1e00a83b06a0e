#!/bin/sh
# Runs a server in a mount namespace of its own (started with "unshare --mount
# --propagation private" inside the test's server network namespace), so that
# nothing of the host's /etc or /run is edited:
#   in-mount-ns.sh TMP JOURNAL_DIR COMMAND...
# TMP/etc/{passwd,shadow,group} (the host's plus the test user) and TMP/pam.d
# (the test's PAM services) lie over the host's /etc in an overlay; /run is a tmpfs of its own
# (sshd's /run/sshd, Dovecot's /run/dovecot), whose journal socket leads to the
# test's journald (JOURNAL_DIR = /run/systemd/journal.NAMESPACE).
set -eu
tmp=$1 journal=$2
shift 2

# An overlay, not file bind mounts: useradd on the host (other tests) renames a new
# /etc/passwd over the old one, and that drops a bind mount on the old file in every
# namespace.  Each server needs upper and work folders of its own.
layer=$(mktemp -d "$tmp/etc-layer.XXXXXX")
mkdir "$layer/upper" "$layer/work"
cp -a "$tmp/etc/passwd" "$tmp/etc/shadow" "$tmp/etc/group" "$tmp/pam.d" "$layer/upper/"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$layer/upper,workdir=$layer/work" /etc
mount --bind "$journal" "$tmp/journal"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/systemd/journal /run/sshd
ln -s "$tmp/journal/socket" /run/systemd/journal/socket
exec "$@"
