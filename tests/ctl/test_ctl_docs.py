#!/usr/bin/python3
"""The documentation as a reader copies it: every systemd unit snippet in
README.md and the man pages is put where the text says it goes and checked with
the real `systemd-analyze verify`.  Run as root: test_ctl_docs.py [-v] [GROUP...].

A snippet is a code block (README: indented; scdoc: fenced) holding a unit
section header ([Unit], [Service], [Socket], [Install] ...).  The comment line
naming its file ("# /etc/systemd/system/X.service.d/Y.conf") says where it goes;
a [Service] snippet that resets ExecStart= is a drop-in for logonacl-alertd
(the only unit this project ships).  Installed program paths are pointed at the
build tree, so `verify` also checks that ExecStart names a program."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("LOGONACL_BUILD_DIR", "")
DOCS = ["README.md"] + [os.path.join("packaging", "man", n)
                        for n in sorted(os.listdir(os.path.join(TOP, "packaging", "man"))) if n.endswith(".scd")]
UNIT_SECTIONS = re.compile(r"^\[(Unit|Service|Socket|Install|Path|Timer|Mount)\]\s*$")
UNIT_NAME = re.compile(r"([\w@.-]+\.(?:service|socket|path|timer))(\.d/[\w.-]+\.conf)?")
SHIPPED_UNIT = "logonacl-alertd.service"


def code_blocks(path):
    """(first line number, [lines]) of every code block of a README (indented) or scdoc (fenced) file."""
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    if path.endswith(".scd"):
        start = None
        for i, line in enumerate(lines):
            if line.strip() == "```":
                if start is None:
                    start = i + 1
                else:
                    blocks.append((start + 1, lines[start:i]))
                    start = None
        return blocks
    # Markdown: a run of lines indented deeper than the text around it (list items included).
    i = 0
    while i < len(lines):
        if lines[i].startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            indent = len(lines[i]) - len(lines[i].lstrip(" "))
            j = i
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith(" " * indent)):
                j += 1
            blocks.append((i + 1, [line[indent:] for line in lines[i:j]]))
            i = j
        else:
            i += 1
    return blocks


def unit_snippets(path):
    """(where, file name, text) of each unit snippet in the file; file name None when the text does not say."""
    found = []
    for first, lines in code_blocks(path):
        i = 0
        while i < len(lines):
            if not UNIT_SECTIONS.match(lines[i]):
                i += 1
                continue
            # The file it belongs in: the nearest comment line above that names a unit file.
            name = None
            for k in range(i - 1, -1, -1):
                m = UNIT_NAME.search(lines[k]) if lines[k].lstrip().startswith("#") else None
                if m:
                    name = m.group(0)
                    break
                if lines[k].strip() and not lines[k].lstrip().startswith("#"):
                    break
            # The snippet: section headers, settings, comments and blank lines that follow.
            j = i
            while j < len(lines) and (not lines[j].strip() or lines[j].lstrip().startswith("#")
                                      or UNIT_SECTIONS.match(lines[j]) or re.match(r"^[A-Za-z]+=", lines[j])):
                j += 1
            found.append((f"{path}:{first + i}", name, "\n".join(lines[i:j]).rstrip() + "\n"))
            i = j
    return found


def point_at_build(text):
    """Installed program paths -> the programs of the build tree."""
    return (text.replace("/usr/sbin/logonacl-alertd", os.path.join(BUILD, "alertd", "logonacl-alertd"))
                .replace("/usr/sbin/logonaclctl", os.path.join(BUILD, "logonaclctl", "logonaclctl")))


def verify(where, name, text, tmp):
    """Puts the snippet in place beside the shipped unit and runs systemd-analyze verify; (rc, output)."""
    d = tempfile.mkdtemp(dir=tmp)
    with open(os.path.join(TOP, "packaging", SHIPPED_UNIT)) as f:
        shipped = point_at_build(f.read())
    with open(os.path.join(d, SHIPPED_UNIT), "w") as f:
        f.write(shipped)
    resets_exec = re.search(r"^ExecStart=\s*$", text, re.M) is not None
    if name is None and resets_exec:
        name = SHIPPED_UNIT + ".d/docs.conf"
    if name is None:
        name = "docs-snippet.service"
    path = os.path.join(d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(point_at_build(text))
    unit = name.split(".d/")[0] if ".d/" in name else name
    unit_path = os.path.join(d, unit)
    if not os.path.exists(unit_path):
        return 1, f"{where}: {name} is a drop-in for {unit}, which this project does not ship"
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", "--generators=no", unit_path],
                       env=dict(os.environ, SYSTEMD_UNIT_PATH=d + ":", SYSTEMD_LOG_COLOR="0"),
                       capture_output=True, text=True, timeout=120)
    # A bad setting in a drop-in is only a warning line (exit 0, the setting ignored):
    # any line about the files written here is a failure.
    ours = [line for line in (r.stdout + r.stderr).splitlines() if d in line or unit in line]
    return (1 if ours else r.returncode), "\n".join(ours) or r.stderr


class Units(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=f"logonacl-docs-{os.getpid()}-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_every_unit_snippet_verifies(self):
        snippets = [s for doc in DOCS for s in unit_snippets(doc)]
        # The README's fleet drop-in at least: a test that finds nothing proves nothing.
        self.assertTrue(any(where.startswith("README.md:") for where, _, _ in snippets), snippets)
        for where, name, text in snippets:
            with self.subTest(where=where):
                rc, out = verify(where, name, text, self.tmp)
                self.assertEqual(rc, 0, f"{where} ({name or 'no file named'}):\n{text}\n{out}")

    def test_the_extractor_catches_a_trailing_comment(self):
        # The mistake of issue 14.2, as a reader would copy it: verify must refuse it.
        text = ("[Service]\nExecStart=\nExecStart=/usr/sbin/logonacl-alertd --directory /var/log/journal/remote\n"
                "SupplementaryGroups=systemd-journal-remote    # journal-remote writes its files 0640\n")
        rc, out = verify("self-test", None, text, self.tmp)
        self.assertNotEqual(rc, 0)
        self.assertIn("0640", out)


def meson_setup(tmp, *options):
    """Configures (no build) a tree of this checkout; returns its folder."""
    b = tempfile.mkdtemp(dir=tmp)
    r = subprocess.run(["meson", "setup", b, TOP, "-Dtests=false", "-Dbench=false", *options],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"meson setup: {r.stdout}{r.stderr}")
    return b


def installed_plan(build):
    """{installed path: source} of what `ninja install` would put where."""
    r = subprocess.run(["meson", "introspect", "--installed", build], capture_output=True, text=True, check=True)
    return {dest: src for src, dest in json.loads(r.stdout).items()}


def build_header(build):
    with open(os.path.join(build, "logonacl-build.h")) as f:
        return dict(re.findall(r'#define (LOGONACL_\w+) "([^"]*)"', f.read()))


def unit_exec_start(path):
    with open(path) as f:
        return re.search(r"^ExecStart=(\S+)", f.read(), re.M).group(1)


def libpam_module_dir():
    """The folder libpam loads relative module names from (where pam_unix.so is)."""
    for d in ("/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security", "/lib/security",
              "/lib64/security", "/usr/lib64/security", "/usr/lib/security"):
        if os.path.exists(os.path.join(d, "pam_unix.so")):
            return os.path.realpath(d)
    raise unittest.SkipTest("pam_unix.so not found")


class Install(unittest.TestCase):
    """A source build does not scatter the parts (issue 14.12): every path follows the prefix."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=f"logonacl-install-{os.getpid()}-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_default_setup_is_the_system_layout(self):
        # `meson setup build && ninja -C build install`, as the README says.
        b = meson_setup(self.tmp)
        h = build_header(b)
        self.assertEqual((h["LOGONACL_CONF_PATH"], h["LOGONACL_APPROVED_PATH"], h["LOGONACL_APPROVED_DIR"],
                          h["LOGONACL_STATE_PATH"]),
                         ("/etc/logonacl/logonacl.conf", "/etc/logonacl/approved", "/etc/logonacl/approved.d",
                          "/var/lib/logonacl/alertd.state"))
        plan = installed_plan(b)
        module = [p for p in plan if p.endswith("/pam_logonacl.so")]
        self.assertEqual(len(module), 1, plan)
        self.assertEqual(os.path.realpath(os.path.dirname(module[0])), libpam_module_dir())
        self.assertIn("/usr/sbin/logonacl-alertd", plan)
        self.assertIn("/usr/sbin/logonaclctl", plan)
        self.assertIn("/etc/logonacl/logonacl.conf", plan)
        unit = [p for p in plan if p.endswith("/logonacl-alertd.service")]
        self.assertEqual(unit_exec_start(os.path.join(b, "packaging", "logonacl-alertd.service")),
                         "/usr/sbin/logonacl-alertd", unit)

    def test_another_prefix_moves_every_part(self):
        b = meson_setup(self.tmp, "--prefix=/opt/logonacl")
        h = build_header(b)
        self.assertEqual((h["LOGONACL_CONF_PATH"], h["LOGONACL_APPROVED_PATH"], h["LOGONACL_STATE_PATH"]),
                         ("/opt/logonacl/etc/logonacl/logonacl.conf", "/opt/logonacl/etc/logonacl/approved",
                          "/opt/logonacl/var/lib/logonacl/alertd.state"))
        plan = installed_plan(b)
        self.assertIn("/opt/logonacl/sbin/logonacl-alertd", plan)
        self.assertIn("/opt/logonacl/etc/logonacl/logonacl.conf", plan)
        self.assertEqual(unit_exec_start(os.path.join(b, "packaging", "logonacl-alertd.service")),
                         "/opt/logonacl/sbin/logonacl-alertd")

    def test_destdir_install_agrees_with_itself(self):
        # The tree under test, installed into a DESTDIR: the unit starts the daemon that is
        # installed, the programs read the configuration that is installed.
        dest = os.path.join(self.tmp, "dest")
        r = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", dest, "--no-rebuild", "--quiet"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        h = build_header(BUILD)
        units = [os.path.join(root, n) for root, _, names in os.walk(dest) for n in names
                 if n == "logonacl-alertd.service"]
        self.assertEqual(len(units), 1, units)
        exec_start = unit_exec_start(units[0])
        self.assertTrue(os.access(dest + exec_start, os.X_OK), exec_start)
        self.assertTrue(os.path.isfile(dest + h["LOGONACL_CONF_PATH"]), h["LOGONACL_CONF_PATH"])
        self.assertTrue(os.path.isdir(dest + h["LOGONACL_APPROVED_DIR"]), h["LOGONACL_APPROVED_DIR"])
        ctl = os.path.join(os.path.dirname(dest + exec_start), "logonaclctl")
        out = subprocess.run([ctl, "--help"], capture_output=True, text=True, check=True).stdout
        self.assertIn(f"--config PATH   configuration file (default {h['LOGONACL_CONF_PATH']})", out)
        out = subprocess.run([dest + exec_start, "--help"], capture_output=True, text=True).stdout
        self.assertIn(h["LOGONACL_STATE_PATH"], out)
        modules = [os.path.join(root, n) for root, _, names in os.walk(dest) for n in names if n == "pam_logonacl.so"]
        self.assertEqual(len(modules), 1, modules)
        for path in (ctl, modules[0]):
            with open(path, "rb") as f:
                self.assertIn(h["LOGONACL_APPROVED_PATH"].encode() + b"\0", f.read(), path)


if __name__ == "__main__":
    if not BUILD or shutil.which("systemd-analyze") is None:
        print("LOGONACL_BUILD_DIR is not set or systemd-analyze is missing", file=sys.stderr)
        sys.exit(77)
    unittest.main()
