/* SPDX-License-Identifier: MIT */
/* The compiled index: the same answers as the text, stale on every kind of
 * change to the sources, and harmless when its bytes are damaged. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "approved_index.h"
#include "approved_layout.h"

static char tmpdir[64];
static char main_file[128], dir[128], index_file[160];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void write_text(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void write_bytes(const char *path, const void *data, size_t len) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static char *read_all(const char *path, size_t *ret_size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        char *data = malloc((size_t) st.st_size + 1);
        assert_non_null(data);
        assert_int_equal(read(fd, data, (size_t) st.st_size), st.st_size);
        close(fd);
        *ret_size = (size_t) st.st_size;
        return data;
}

static char *in_dir(const char *name) {
        static char buf[4][256];
        static int k;
        k = (k + 1) % 4;
        snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
        return buf[k];
}

static int setup(void **state) {
        strcpy(tmpdir, "/tmp/test-approved-index-XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        assert_int_equal(chmod(tmpdir, 0755), 0);
        snprintf(main_file, sizeof main_file, "%s/approved", tmpdir);
        snprintf(dir, sizeof dir, "%s/approved.d", tmpdir);
        snprintf(index_file, sizeof index_file, "%s/approved.index", tmpdir);
        assert_int_equal(mkdir(dir, 0755), 0);
        write_text(main_file, "203.0.113.0/24\n2001:db8::/32\n");
        write_text(in_dir("a.list"), "203.0.113.128/25\n198.51.100.7\n");
        write_text(in_dir("b.list"), "2001:db8:1::/48\n");
        return 0;
}

static int teardown(void **state) {
        nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static struct approved_list *load(bool allow_private) {
        struct diag_list d = {};
        struct approved_list *l = NULL;
        int r = approved_list_load(main_file, dir, allow_private, true, 0, &d, &l);
        if (r < 0) {
                char *s = diag_join(&d);
                print_error("%s\n", s);
                free(s);
        }
        assert_int_equal(r, 0);
        diag_free(&d);
        return l;
}

static void build_index(bool allow_private) {
        struct approved_list *l = load(allow_private);
        assert_int_equal(approved_index_write(l, main_file, dir, allow_private), 0);
        approved_list_free(l);
}

static int open_index(bool allow_private) {
        struct approved_list *l = NULL;
        int r = approved_index_open(main_file, dir, allow_private, &l);
        if (r == 0)
                assert_non_null(l);
        else
                assert_null(l);
        approved_list_free(l);
        return r;
}

static addr128 random_probe(unsigned *seed, const struct approved_list *l) {
        /* near a random segment boundary, or anywhere in the documentation space */
        if (l->n_segments > 0 && rand_r(seed) % 2) {
                size_t i = (size_t) rand_r(seed) % l->n_segments;
                addr128 a = rand_r(seed) % 2 ? l->segs[i].first : l->segs[i].last;
                int d = rand_r(seed) % 3 - 1;
                if (d > 0)
                        a = (addr128) { a.hi + (a.lo == UINT64_MAX), a.lo + 1 };
                else if (d < 0)
                        a = (addr128) { a.hi - (a.lo == 0), a.lo - 1 };
                return a;
        }
        if (rand_r(seed) % 2)
                return (addr128) { 0, UINT64_C(0xffffcb007100) | (uint64_t) (rand_r(seed) % 256) };
        return (addr128) { UINT64_C(0x20010db800000000) | (uint64_t) (rand_r(seed) % 4), (uint64_t) rand_r(seed) };
}

/* Both lists answer every probe the same way, entry for entry. */
static void assert_same(const struct approved_list *a, const struct approved_list *b, unsigned seed, int n) {
        assert_int_equal(approved_list_entries(a), approved_list_entries(b));
        for (size_t i = 0; i < approved_list_entries(a); i++) {
                struct approved_entry_info x, y;
                assert_true(approved_list_entry(a, i, &x));
                assert_true(approved_list_entry(b, i, &y));
                assert_string_equal(x.text, y.text);
                assert_string_equal(x.source, y.source);
                assert_int_equal(x.line, y.line);
        }
        for (int k = 0; k < n; k++) {
                addr128 p = random_probe(&seed, a);
                struct approved_entry_info x, y;
                bool mx = approved_list_match(a, p, &x), my = approved_list_match(b, p, &y);
                assert_int_equal(mx, my);
                if (mx) {
                        assert_string_equal(x.text, y.text);
                        assert_string_equal(x.source, y.source);
                        assert_int_equal(x.line, y.line);
                }
        }
}

/* Lookups on freshly opened indexes, fewer than the count that maps the file:
 * the pread path, against the parsed list. */
static void assert_pread_same(const struct approved_list *parsed, unsigned seed) {
        for (int round = 0; round < 300; round++) {
                struct approved_list *l = NULL;
                assert_int_equal(approved_index_open(main_file, dir, false, &l), 0);
                for (int k = 0; k < APPROVED_PREAD_LOOKUPS - 2; k++) {
                        addr128 p = random_probe(&seed, parsed);
                        struct approved_entry_info x, y;
                        bool mx = approved_list_match(parsed, p, &x), my = approved_list_match(l, p, &y);
                        assert_int_equal(mx, my);
                        if (mx) {
                                assert_string_equal(x.text, y.text);
                                assert_string_equal(x.source, y.source);
                                assert_int_equal(x.line, y.line);
                        }
                }
                assert_false(l->mapped);
                approved_list_free(l);
        }
}

static void test_round_trip(void **state) {
        assert_int_equal(open_index(false), -ENOENT);
        struct approved_list *parsed = load(false);
        assert_int_equal(approved_index_write(parsed, main_file, dir, false), 0);

        struct stat st;
        assert_int_equal(stat(index_file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);

        assert_pread_same(parsed, 1);
        struct approved_list *mapped = NULL;
        assert_int_equal(approved_index_open(main_file, dir, false, &mapped), 0);
        assert_same(parsed, mapped, 1, 2000);

        struct approved_entry_info info;
        addr128 a;
        int family;
        assert_int_equal(addr_parse("203.0.113.200", 13, &a, &family), 0);
        assert_true(approved_list_match(mapped, a, &info));
        assert_string_equal(info.text, "203.0.113.128/25");
        assert_string_equal(info.source, in_dir("a.list"));
        assert_int_equal(info.line, 1);
        assert_int_equal(addr_parse("198.51.100.8", 12, &a, &family), 0);
        assert_false(approved_list_match(mapped, a, &info));
        approved_list_free(mapped);
        approved_list_free(parsed);

        /* nothing but the index is left beside the main file */
        char path[256];
        snprintf(path, sizeof path, "%s", tmpdir);
        int n = 0;
        struct dirent **names;
        int k = scandir(path, &names, NULL, alphasort);
        for (int i = 0; i < k; i++) {
                if (names[i]->d_name[0] != '.')
                        n++;
                free(names[i]);
        }
        free(names);
        assert_int_equal(n, 3);         /* approved, approved.d, approved.index */

        /* a list not read from these files cannot be indexed */
        struct diag_list d = {};
        struct approved_list *l = NULL;
        assert_int_equal(approved_list_parse_buffer("203.0.113.7\n", 12, main_file, false, 0, &d, &l), 0);
        assert_int_equal(approved_index_write(l, main_file, dir, false), -EINVAL);
        approved_list_free(l);
        l = load(false);
        assert_int_equal(approved_index_write(l, main_file, dir, true), -EINVAL);
        assert_int_equal(approved_index_write(l, "/etc/other", dir, false), -EINVAL);
        approved_list_free(l);
}

static void test_large_round_trip(void **state) {
        /* enough segments for the bucket table, both families */
        FILE *f = fopen(main_file, "w");
        assert_non_null(f);
        unsigned seed = 7;
        for (int i = 0; i < 6000; i++) {
                if (i % 2)
                        fprintf(f, "%u.%u.%u.0/24\n", 1 + rand_r(&seed) % 9, rand_r(&seed) % 256, rand_r(&seed) % 256);
                else
                        fprintf(f, "2001:db8:%x:%x::/64\n", rand_r(&seed) % 4, rand_r(&seed) % 65536);
        }
        fclose(f);
        struct approved_list *parsed = load(false);
        assert_non_null(parsed->bucket);
        assert_int_equal(approved_index_write(parsed, main_file, dir, false), 0);
        /* a logon's few lookups read the file (pread) */
        assert_pread_same(parsed, 3);

        /* many lookups map it */
        struct approved_list *mapped = NULL;
        assert_int_equal(approved_index_open(main_file, dir, false, &mapped), 0);
        assert_true(mapped->by_pread && mapped->bucket_off != 0 && !mapped->bucket);
        assert_same(parsed, mapped, 2, 20000);
        assert_true(mapped->mapped && mapped->bucket);
        /* probes across the whole IPv4 space too */
        for (uint32_t v = 0; v < 1u << 20; v += 97) {
                addr128 a = { 0, UINT64_C(0xffff00000000) | (uint64_t) v << 12 };
                assert_int_equal(approved_list_match(parsed, a, NULL), approved_list_match(mapped, a, NULL));
        }
        approved_list_free(mapped);
        approved_list_free(parsed);
}

/* Each change makes the index stale; rebuilding makes it fresh again. */
static void expect_stale_then_rebuild(const char *what) {
        int r = open_index(false);
        if (r != -ESTALE)
                print_error("after %s: %d\n", what, r);
        assert_int_equal(r, -ESTALE);
        build_index(false);
        assert_int_equal(open_index(false), 0);
}

static void test_stale(void **state) {
        build_index(false);
        assert_int_equal(open_index(false), 0);
        assert_int_equal(open_index(true), -ESTALE);

        /* same size, new content, mtime put back: ctime still tells */
        struct stat st;
        assert_int_equal(stat(main_file, &st), 0);
        write_text(main_file, "203.0.113.0/24\n2001:db8::/33\n");
        struct timespec times[2] = { st.st_atim, st.st_mtim };
        assert_int_equal(utimensat(AT_FDCWD, main_file, times, 0), 0);
        expect_stale_then_rebuild("rewrite of the main file in place");

        write_text(main_file, "203.0.113.0/24\n");
        expect_stale_then_rebuild("shorter main file");

        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s.new", main_file);
        write_text(tmp, "203.0.113.0/24\n");
        assert_int_equal(rename(tmp, main_file), 0);
        expect_stale_then_rebuild("main file replaced by rename");

        assert_int_equal(chmod(main_file, 0600), 0);
        expect_stale_then_rebuild("chmod of the main file");

        assert_int_equal(utimensat(AT_FDCWD, main_file, NULL, 0), 0);
        expect_stale_then_rebuild("touch of the main file");

        write_text(in_dir("a.list"), "203.0.113.128/26\n198.51.100.7\n");
        expect_stale_then_rebuild("drop-in changed");

        write_text(in_dir("c.list"), "198.51.100.9\n");
        expect_stale_then_rebuild("drop-in added");

        assert_int_equal(unlink(in_dir("b.list")), 0);
        expect_stale_then_rebuild("drop-in removed");

        assert_int_equal(rename(in_dir("c.list"), in_dir("0.list")), 0);
        expect_stale_then_rebuild("drop-in renamed");

        assert_int_equal(chown(in_dir("a.list"), 0, 1), 0);   /* group only: still safe */
        assert_int_equal(chown(in_dir("a.list"), 0, 0), 0);
        expect_stale_then_rebuild("chown of a drop-in");

        write_text(in_dir("README"), "not a list\n");
        expect_stale_then_rebuild("other file in the folder (the folder changed)");

        assert_int_equal(unlink(in_dir("a.list")), 0);
        assert_int_equal(unlink(in_dir("0.list")), 0);
        assert_int_equal(unlink(in_dir("README")), 0);
        assert_int_equal(rmdir(dir), 0);
        expect_stale_then_rebuild("drop-in folder removed");

        assert_int_equal(mkdir(dir, 0755), 0);
        expect_stale_then_rebuild("drop-in folder created");

        /* another main file name never uses this index */
        struct approved_list *l = NULL;
        assert_int_equal(approved_index_open("/nonexistent/approved", dir, false, &l), -ENOENT);
}

static void test_index_permissions(void **state) {
        build_index(false);
        assert_int_equal(chmod(index_file, 0666), 0);
        int r = open_index(false);
        assert_true(r < 0);
        assert_int_not_equal(r, -ESTALE);
        assert_int_equal(chmod(index_file, 0644), 0);
        assert_int_equal(open_index(false), 0);

        /* a symlink in place of the index is refused */
        char real[256];
        snprintf(real, sizeof real, "%s/real.index", tmpdir);
        assert_int_equal(rename(index_file, real), 0);
        assert_int_equal(symlink(real, index_file), 0);
        assert_true(open_index(false) < 0);
}

/* Opens the damaged bytes; when accepted, matching must stay in bounds. */
static void try_damaged(const void *data, size_t len) {
        write_bytes(index_file, data, len);
        struct approved_list *l = NULL;
        int r = approved_index_open(main_file, dir, false, &l);
        if (r == 0) {
                unsigned seed = (unsigned) len;
                for (int k = 0; k < 200; k++) {
                        struct approved_entry_info info;
                        addr128 a = { (uint64_t) rand_r(&seed) << 33 | (uint64_t) rand_r(&seed), (uint64_t) rand_r(&seed) };
                        if (k % 2)
                                a = (addr128) { 0, UINT64_C(0xffff00000000) | (uint32_t) rand_r(&seed) << 1 };
                        if (approved_list_match(l, a, &info))
                                assert_true(strlen(info.text) < IP_BLOCK_TEXT_MAX);
                }
                for (size_t i = 0; i < approved_list_entries(l) && i < 100; i++) {
                        struct approved_entry_info info;
                        assert_true(approved_list_entry(l, i, &info));
                }
                approved_list_free(l);
        }
}

static void test_corrupt(void **state) {
        build_index(false);
        size_t size;
        char *good = read_all(index_file, &size);
        char *bad = malloc(size + 64);
        assert_non_null(bad);

        /* every truncation is refused */
        for (size_t n = 0; n < size; n++) {
                write_bytes(index_file, good, n);
                assert_true(open_index(false) < 0);
        }
        /* trailing bytes too */
        memcpy(bad, good, size);
        memset(bad + size, 0, 64);
        write_bytes(index_file, bad, size + 64);
        assert_true(open_index(false) < 0);

        /* the header's counts and offsets, one at a time, set to hostile values */
        static const uint64_t hostile[] = { 0, 1, 7, 63, 64, 65, UINT32_MAX, (uint64_t) UINT32_MAX + 1,
                                            UINT64_MAX, UINT64_MAX - 63, INT64_MAX, 1u << 20 };
        for (size_t off = 24; off + 8 <= 160; off += 8)
                for (size_t k = 0; k < sizeof hostile / sizeof hostile[0]; k++) {
                        memcpy(bad, good, size);
                        memcpy(bad + off, &hostile[k], 8);
                        try_damaged(bad, size);
                }

        /* random byte damage anywhere */
        unsigned seed = 42;
        for (int k = 0; k < 3000; k++) {
                memcpy(bad, good, size);
                int flips = 1 + rand_r(&seed) % 4;
                for (int f = 0; f < flips; f++)
                        bad[(size_t) rand_r(&seed) % size] = (char) rand_r(&seed);
                try_damaged(bad, size);
        }

        /* a source name without its NUL */
        memcpy(bad, good, size);
        const struct index_name { uint64_t off, len; } *names = NULL;
        uint64_t names_off;
        memcpy(&names_off, good + 48, 8);     /* source_names_off */
        names = (const void *) (good + names_off);
        bad[names[0].off + names[0].len] = 'x';
        write_bytes(index_file, bad, size);
        assert_int_equal(open_index(false), -EBADMSG);

        /* and the good bytes still work */
        write_bytes(index_file, good, size);
        /* rewriting the index changed nothing the stamps see */
        assert_int_equal(open_index(false), 0);
        free(bad);
        free(good);
}

static void test_corrupt_large(void **state) {
        /* damage in the segments and bucket table of a large index */
        FILE *f = fopen(main_file, "w");
        assert_non_null(f);
        for (int i = 0; i < 3000; i++)
                fprintf(f, "%d.%d.%d.0/24\n", 1 + i % 9, (i * 7) % 256, i % 256);
        fclose(f);
        build_index(false);
        size_t size;
        char *good = read_all(index_file, &size);
        char *bad = malloc(size);
        assert_non_null(bad);
        unsigned seed = 43;
        for (int k = 0; k < 300; k++) {
                memcpy(bad, good, size);
                for (int f2 = 0; f2 < 64; f2++)
                        bad[(size_t) rand_r(&seed) % size] = (char) rand_r(&seed);
                try_damaged(bad, size);
        }
        free(bad);
        free(good);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_large_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
                cmocka_unit_test_setup_teardown(test_index_permissions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_large, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
