#!/bin/sh
# Runs inside "unshare --pid --fork --mount --propagation private --net --uts --ipc":
# gives the root filesystem ROOT the mounts a booted system expects, a /dev of its
# own (no host tty, disk or console in it) and starts systemd as PID 1 there.
#   pid1.sh ROOT
set -eu
root=$1

# A root that is a mount point of its own, entered with pivot_root as a container
# manager does: systemd's per-service mount namespaces (ProtectSystem=, PrivateTmp=)
# fail with EINVAL under a plain chroot.
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"

# The /dev of a container: only the harmless character devices, a pty instance of
# its own.  systemd's gettys find no tty to take.
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	name=${d%%:*} nums=${d#*:}
	mknod -m 0666 "$root/dev/$name" c "${nums%%:*}" "${nums#*:}"
done
mkdir -m 0755 "$root/dev/pts" "$root/dev/shm" "$root/dev/mqueue"
chmod 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

mkdir -p "$root/run/oldroot"
cd "$root"
pivot_root . run/oldroot
umount -l /run/oldroot
rmdir /run/oldroot
exec /usr/bin/env -i container=other /lib/systemd/systemd --system --show-status=no
