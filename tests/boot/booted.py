"""A Debian 12 root filesystem booted with systemd as PID 1, for tests/boot/.

The root filesystem comes from mmdebstrap (minbase, the same package archive as
the host), is booted by tests/boot/pid1.sh inside new PID, mount, network, UTS,
IPC and cgroup namespaces, and is reached with nsenter.  Nothing of the host is
shared but the kernel and the root filesystem folder: its /dev holds no tty (the
gettys are masked as well), its network namespace has only a loopback, and its
cgroups live under one folder per hierarchy that is removed again.  stop()
powers it off through PID 1 and removes every trace; it is safe to call twice.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PID1_SH = os.path.join(HERE, "pid1.sh")
GETTYS = ["getty@.service", "serial-getty@.service", "console-getty.service", "container-getty@.service"]


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f]


def cgroup_mounts():
    """Mount points of the host's cgroup hierarchies (v1 controllers, name=systemd, v2)."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, post = line.split(" - ", 1)
            if post.split()[0] in ("cgroup", "cgroup2"):
                out.append(pre.split()[4])
    return out


class Booted:
    def __init__(self, packages, log):
        self.name = "logonacl-boot-%d" % os.getpid()
        self.packages = packages
        self.log = log
        self.work = None
        self.root = None
        self.proc = None
        self.mmdebstrap = None
        self.pid1 = None
        self.cgroups = []

    # -- build and boot -------------------------------------------------------

    def start_build(self):
        """Starts mmdebstrap in the background (finish_build() waits for it)."""
        self.work = tempfile.mkdtemp(prefix=self.name + "-", dir="/var/tmp")
        os.chmod(self.work, 0o755)
        self.root = os.path.join(self.work, "root")
        # No documentation, manuals or translations, and no fsync per file: the root
        # file system lives for one test run.  As root, mmdebstrap mounts /proc, /sys
        # and /dev (rbind) under the target in the namespace it runs in: give it one of
        # its own, so that a killed mmdebstrap cannot leave them in the host's.
        self.mmdebstrap = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private",
             "mmdebstrap", "--variant=minbase", "--include=" + ",".join(self.packages),
             "--dpkgopt=force-unsafe-io", "--dpkgopt=path-exclude=/usr/share/man/*",
             "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
             "--aptopt=Acquire::Languages \"none\"", "bookworm", self.root],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def finish_build(self):
        if self.mmdebstrap.wait() != 0:
            raise RuntimeError("mmdebstrap failed (exit %d), see the log" % self.mmdebstrap.returncode)
        for unit in GETTYS:
            os.symlink("/dev/null", os.path.join(self.root, "etc/systemd/system", unit))
        with open(os.path.join(self.root, "etc/hostname"), "w") as f:
            f.write("boottest\n")

    def _make_cgroups(self):
        for mount in cgroup_mounts():
            d = os.path.join(mount, self.name)
            os.mkdir(d)
            self.cgroups.append(d)
            # cpuset (v1) takes no task before it has CPUs and memory nodes.
            for knob in ("cpuset.cpus", "cpuset.mems"):
                if os.path.exists(os.path.join(d, knob)):
                    with open(os.path.join(mount, knob)) as src, open(os.path.join(d, knob), "w") as dst:
                        dst.write(src.read())

    def _join_cgroups(self):
        # In the child before exec: unshare --cgroup then makes these the booted system's roots.
        for d in self.cgroups:
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write("0")

    def boot(self, timeout=120):
        self._make_cgroups()
        self.proc = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount", "--propagation", "private", "--net", "--uts", "--ipc",
             "--cgroup", PID1_SH, self.root],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=self._join_cgroups)
        deadline = time.monotonic() + timeout
        while self.pid1 is None:
            try:
                with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                    kids = f.read().split()
            except FileNotFoundError:
                kids = []
            if kids:
                self.pid1 = int(kids[0])
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the booted system did not start, see the log")
            else:
                time.sleep(0.05)
        # "running" or "degraded" (a unit irrelevant here failed): boot is over.
        while True:
            r = self.run(["systemctl", "is-system-running", "--wait"], check=False, timeout=timeout)
            if r.stdout.strip() in ("running", "degraded"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("boot did not finish: %s" % r.stdout)
            time.sleep(0.2)

    # -- reach it -------------------------------------------------------------

    def run(self, cmd, check=True, input=None, timeout=120):
        """cmd inside: all of the booted system's namespaces, its root and cwd."""
        return self._nsenter(["-a", "-w"], cmd, check, input, timeout)

    def net(self, cmd, check=True, input=None, timeout=120):
        """cmd from the host's file system inside the booted system's network namespace."""
        return self._nsenter(["-n"], cmd, check, input, timeout)

    def popen_net(self, cmd, **kw):
        return subprocess.Popen(["nsenter", "-t", str(self.pid1), "-n"] + cmd, **kw)

    def _nsenter(self, how, cmd, check, input, timeout):
        full = ["nsenter", "-t", str(self.pid1)] + how + list(cmd)
        r = subprocess.run(full, capture_output=True, text=True, input=input, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("%s: exit %d\nstdout:\n%s\nstderr:\n%s" % (cmd, r.returncode, r.stdout, r.stderr))
        return r

    def write(self, path, text, mode="0644"):
        self.run(["sh", "-c", 'cat > "$1" && chmod %s "$1"' % mode, "sh", path], input=text)

    def show(self, unit, prop):
        return self.run(["systemctl", "show", "-P", prop, unit]).stdout.strip()

    # -- tear down ------------------------------------------------------------

    def stop(self, timeout=60):
        if self.mmdebstrap is not None and self.mmdebstrap.poll() is None:
            # Its own session: apt and dpkg below it go too.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.mmdebstrap.pid, sig)
                    self.mmdebstrap.wait(30)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.proc is not None and self.proc.poll() is None:
            if self.pid1:
                # SIGRTMIN+4: systemd's "poweroff"; its exit ends the PID namespace.
                try:
                    os.kill(self.pid1, signal.SIGRTMIN + 4)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                if self.pid1:
                    os.kill(self.pid1, signal.SIGKILL)  # PID 1 of the namespace: takes every process with it
                self.proc.wait(30)
        for d in self.cgroups:
            for top, dirs, _ in os.walk(d, topdown=False):
                for sub in dirs:
                    _rmdir(os.path.join(top, sub))
            _rmdir(d)
        self.cgroups = []
        if self.work:
            # Never delete through a mount point (a host /dev or /sys bound under the root).
            mounted = [m for m in mount_points() if m == self.work or m.startswith(self.work + "/")]
            if mounted:
                raise RuntimeError("%s still has mounts, left in place: %s" % (self.work, mounted))
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None


def _rmdir(path):
    # An emptied cgroup can stay busy for a moment after its last process exits.
    for _ in range(100):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.05)
