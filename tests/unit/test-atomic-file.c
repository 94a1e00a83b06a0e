/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomic_file.h"

static char folder[] = "/tmp/logonacl-atomic-XXXXXX";

static size_t entries_in_folder(void) {
        DIR *d = opendir(folder);
        size_t n = 0;
        for (struct dirent *e; (e = readdir(d));)
                n += e->d_name[0] != '.';
        closedir(d);
        return n;
}

static void read_back(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        size_t n = fread(buf, 1, size - 1, f);
        buf[n] = 0;
        fclose(f);
}

static void test_commit_replaces_with_mode_and_leaves_no_temp(void **state) {
        char path[256], buf[64];
        struct atomic_file f;
        struct stat st;

        snprintf(path, sizeof path, "%s/list", folder);
        FILE *old = fopen(path, "we");
        fputs("old\n", old);
        fclose(old);

        assert_int_equal(atomic_file_begin(&f, path, 0640, 65534, 65534), 0);
        assert_int_equal(atomic_file_write(&f, "new ", 4), 0);
        /* Until the commit a reader still sees the old bytes. */
        read_back(path, buf, sizeof buf);
        assert_string_equal(buf, "old\n");
        assert_int_equal(atomic_file_write(&f, "bytes\n", 6), 0);
        assert_int_equal(atomic_file_commit(&f), 0);

        read_back(path, buf, sizeof buf);
        assert_string_equal(buf, "new bytes\n");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_uid, 65534);
        assert_int_equal(entries_in_folder(), 1);
        unlink(path);
}

static void test_abort_keeps_old_file_and_removes_temp(void **state) {
        char path[256], buf[64];
        struct atomic_file f;

        snprintf(path, sizeof path, "%s/kept", folder);
        FILE *old = fopen(path, "we");
        fputs("kept\n", old);
        fclose(old);

        assert_int_equal(atomic_file_begin(&f, path, 0644, (uid_t) -1, (gid_t) -1), 0);
        assert_int_equal(atomic_file_write(&f, "lost\n", 5), 0);
        assert_int_equal(entries_in_folder(), 2);
        atomic_file_abort(&f);
        atomic_file_abort(&f);  /* harmless twice */

        read_back(path, buf, sizeof buf);
        assert_string_equal(buf, "kept\n");
        assert_int_equal(entries_in_folder(), 1);
        unlink(path);
}

static void test_missing_folder_is_an_error(void **state) {
        char path[256];
        struct atomic_file f;

        snprintf(path, sizeof path, "%s/no-such-folder/file", folder);
        assert_int_equal(atomic_file_begin(&f, path, 0644, (uid_t) -1, (gid_t) -1), -ENOENT);
        assert_int_equal(f.fd, -1);
        assert_null(f.temp_path);
}

static void touch(const char *name) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", folder, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fclose(f);
}

static void test_remove_stale_takes_only_killed_writers_files(void **state) {
        static const char *const kept[] = {
                "alertd.state",
                "alertd.state.lock",            /* the lock: 4 characters */
                "alertd.state.ab12C",           /* 5 characters: not mkostemp's */
                "alertd.statex.ab12CD",         /* another file's */
                "other.ab12CD",
        };
        char path[256];
        struct atomic_file f;

        snprintf(path, sizeof path, "%s/alertd.state", folder);
        assert_int_equal(atomic_file_begin(&f, path, 0600, (uid_t) -1, (gid_t) -1), 0);
        for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
                touch(kept[i]);

        /* The writer "was killed" before its rename: its temporary file stays. */
        assert_int_equal(atomic_file_remove_stale(path), 1);
        assert_int_equal(access(f.temp_path, F_OK), -1);
        assert_int_equal(entries_in_folder(), sizeof kept / sizeof kept[0]);
        atomic_file_abort(&f);

        for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
                snprintf(path, sizeof path, "%s/%s", folder, kept[i]);
                assert_int_equal(unlink(path), 0);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_commit_replaces_with_mode_and_leaves_no_temp),
                cmocka_unit_test(test_abort_keeps_old_file_and_removes_temp),
                cmocka_unit_test(test_missing_folder_is_an_error),
                cmocka_unit_test(test_remove_stale_takes_only_killed_writers_files),
        };
        if (!mkdtemp(folder))
                return 1;
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        rmdir(folder);
        return r;
}
