/* SPDX-License-Identifier: MIT */
/* The ownership walk of SPEC §2 on real files, owners and modes (tests run as root). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "safe_path.h"

#define NOBODY 65534

static char top[] = "/tmp/test-safe-path-XXXXXX";

static void pathf(char buf[PATH_MAX], const char *rel) {
        snprintf(buf, PATH_MAX, "%s/%s", top, rel);
}

static void make_dir(const char *rel, mode_t mode, uid_t uid) {
        char p[PATH_MAX];
        pathf(p, rel);
        assert_int_equal(mkdir(p, 0700), 0);
        assert_int_equal(chown(p, uid, 0), 0);
        assert_int_equal(chmod(p, mode), 0);
}

static void make_file(const char *rel, mode_t mode, uid_t uid) {
        char p[PATH_MAX];
        pathf(p, rel);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(chown(p, uid, 0), 0);
        assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state) {
        assert_non_null(mkdtemp(top));
        assert_int_equal(chmod(top, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
        return system(cmd) == 0 ? 0 : -1;
}

static void expect_file(const char *rel, int want_r, const char *want_reason_rel) {
        char p[PATH_MAX], reason[REASON_MAX] = "", want[PATH_MAX + 128];
        pathf(p, rel);
        int r = safe_path_check_file(p, reason);
        if (want_reason_rel) {
                snprintf(want, sizeof want, "%s/%s", top, want_reason_rel);
                assert_string_equal(reason, want);
        }
        assert_int_equal(r, want_r);
}

static void expect_dir(const char *rel, int want_r, const char *want_reason_rel) {
        char p[PATH_MAX], reason[REASON_MAX] = "", want[PATH_MAX + 128];
        pathf(p, rel);
        int r = safe_path_check_dir(p, reason);
        if (want_reason_rel) {
                snprintf(want, sizeof want, "%s/%s", top, want_reason_rel);
                assert_string_equal(reason, want);
        }
        assert_int_equal(r, want_r);
}

static void test_good(void **state) {
        make_dir("good", 0755, 0);
        make_file("good/logonacl.conf", 0644, 0);
        make_file("good/private", 0600, 0);
        make_file("good/readonly", 0444, 0);
        expect_file("good/logonacl.conf", 0, NULL);
        expect_file("good/private", 0, NULL);
        expect_file("good/readonly", 0, NULL);
        expect_dir("good", 0, NULL);
        /* Written oddly: still the same walk. */
        expect_file("good//logonacl.conf", 0, NULL);
        expect_file("good/./logonacl.conf", 0, NULL);
        expect_file("good/../good/logonacl.conf", 0, NULL);
        expect_dir("good/", 0, NULL);

        char reason[REASON_MAX];
        assert_int_equal(safe_path_check_file("/etc/passwd", reason), 0);
        assert_int_equal(safe_path_check_dir("/", reason), 0);
        assert_int_equal(safe_path_check_dir("/etc", reason), 0);
}

static void test_file_owner_and_mode(void **state) {
        make_dir("f", 0755, 0);
        make_file("f/by-nobody", 0644, NOBODY);
        make_file("f/group-writable", 0664, 0);
        make_file("f/world-writable", 0646, 0);
        make_file("f/setgid-ok", 02644, 0);
        expect_file("f/by-nobody", -EPERM, "f/by-nobody: owned by uid 65534, must be owned by root");
        expect_file("f/group-writable", -EPERM, "f/group-writable: writable by group or others");
        expect_file("f/world-writable", -EPERM, "f/world-writable: writable by group or others");
        expect_file("f/setgid-ok", 0, NULL);
}

static void test_not_regular(void **state) {
        char p[PATH_MAX], target[PATH_MAX];
        make_dir("n", 0755, 0);
        make_dir("n/folder", 0755, 0);
        make_file("n/real", 0644, 0);
        pathf(p, "n/link");
        pathf(target, "n/real");
        assert_int_equal(symlink(target, p), 0);
        pathf(p, "n/fifo");
        assert_int_equal(mkfifo(p, 0644), 0);

        expect_file("n/folder", -EINVAL, "n/folder: not a regular file");
        expect_file("n/link", -EPERM, "n/link: is a symbolic link, must be the real path");
        expect_file("n/fifo", -EINVAL, "n/fifo: not a regular file");
        expect_file("n/missing", -ENOENT, "n/missing: No such file or directory");
        expect_file("n/real/below", -ENOTDIR, "n/real/below: Not a directory");
        expect_dir("n/real", -ENOTDIR, "n/real: not a folder");
        expect_dir("n/link", -EPERM, "n/link: is a symbolic link, must be the real path");
}

static void test_folders_above(void **state) {
        char p[PATH_MAX], target[PATH_MAX];

        make_dir("owned", 0755, NOBODY);
        make_file("owned/conf", 0644, 0);
        expect_file("owned/conf", -EPERM, "owned: folder owned by uid 65534, must be owned by root");

        make_dir("open", 0777, 0);
        make_file("open/conf", 0644, 0);
        expect_file("open/conf", -EPERM, "open: folder writable by group or others");

        make_dir("groupw", 0775, 0);
        make_file("groupw/conf", 0644, 0);
        expect_file("groupw/conf", -EPERM, "groupw: folder writable by group or others");

        /* Two levels up: the walk goes on to the top. */
        make_dir("open/deep", 0755, 0);
        make_file("open/deep/conf", 0644, 0);
        expect_file("open/deep/conf", -EPERM, "open: folder writable by group or others");
        expect_dir("open/deep", -EPERM, "open: folder writable by group or others");
        expect_dir("open", -EPERM, "open: folder writable by group or others");

        /* Sticky like /tmp: fine when the entry below is root's. */
        make_dir("sticky", 01777, 0);
        make_file("sticky/conf", 0644, 0);
        expect_file("sticky/conf", 0, NULL);
        make_dir("sticky/sub", 0755, 0);
        make_file("sticky/sub/conf", 0644, 0);
        expect_file("sticky/sub/conf", 0, NULL);
        make_file("sticky/theirs", 0644, NOBODY);
        expect_file("sticky/theirs", -EPERM, "sticky/theirs: owned by uid 65534, must be owned by root");
        make_dir("sticky/theirdir", 0755, NOBODY);
        make_file("sticky/theirdir/conf", 0644, 0);
        expect_file("sticky/theirdir/conf", -EPERM, "sticky/theirdir: folder owned by uid 65534, must be owned by root");

        /* A sticky folder owned by someone else is theirs to change. */
        make_dir("sticky-nobody", 01777, NOBODY);
        make_file("sticky-nobody/conf", 0644, 0);
        expect_file("sticky-nobody/conf", -EPERM, "sticky-nobody: folder owned by uid 65534, must be owned by root");

        /* A symlinked folder on the way is refused. */
        make_dir("realdir", 0755, 0);
        make_file("realdir/conf", 0644, 0);
        pathf(p, "linkdir");
        pathf(target, "realdir");
        assert_int_equal(symlink(target, p), 0);
        expect_file("linkdir/conf", -EPERM, "linkdir: is a symbolic link, must be the real path");
        expect_dir("linkdir", -EPERM, "linkdir: is a symbolic link, must be the real path");

        /* approved_dir itself world-writable, even sticky: refused (anyone could drop a file in). */
        make_dir("dropins", 01777, 0);
        expect_dir("dropins", -EPERM, "dropins: folder writable by group or others");
        make_dir("dropins-nobody", 0755, NOBODY);
        expect_dir("dropins-nobody", -EPERM, "dropins-nobody: folder owned by uid 65534, must be owned by root");
}

static void test_relative_path(void **state) {
        char cwd[PATH_MAX], reason[REASON_MAX], want[PATH_MAX + 64], p[PATH_MAX];
        assert_non_null(getcwd(cwd, sizeof cwd));

        make_dir("rel", 0755, 0);
        make_file("rel/conf", 0644, 0);
        make_file("rel/bad", 0666, 0);
        pathf(p, "rel");
        assert_int_equal(chdir(p), 0);
        assert_int_equal(safe_path_check_file("conf", reason), 0);
        assert_int_equal(safe_path_check_file("bad", reason), -EPERM);
        snprintf(want, sizeof want, "%s/rel/bad: writable by group or others", top);
        assert_string_equal(reason, want);
        assert_int_equal(safe_path_check_file("", reason), -EINVAL);
        assert_string_equal(reason, "empty path");
        assert_int_equal(chdir(cwd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_file_owner_and_mode),
                cmocka_unit_test(test_not_regular),
                cmocka_unit_test(test_folders_above),
                cmocka_unit_test(test_relative_path),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
