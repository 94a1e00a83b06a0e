/* SPDX-License-Identifier: MIT */
/* The approved list as an administrator writes it: files, drop-ins, comments,
 * errors with file:line, and which entry a match names. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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

#include "approved.h"
#include "approved_sources.h"
#include "expiry.h"

static char tmpdir[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int setup(void **state) {
        strcpy(tmpdir, "/tmp/test-approved-XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        assert_int_equal(chmod(tmpdir, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static char *path_of(const char *name) {
        static char buf[4][256];
        static int k;
        k = (k + 1) % 4;
        snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
        return buf[k];
}

static void write_bytes(const char *name, const char *data, size_t len) {
        int fd = open(path_of(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static void write_text(const char *name, const char *text) {
        write_bytes(name, text, strlen(text));
}

static struct approved_list *load_ok(const char *dir, bool allow_private) {
        struct diag_list d = {};
        struct approved_list *l = NULL;
        int r = approved_list_load(path_of("approved"), dir ? path_of(dir) : NULL, allow_private, false, 0, &d, &l);
        if (r < 0) {
                char *all = diag_join(&d);
                print_error("load: %d\n%s\n", r, all);
                free(all);
        }
        assert_int_equal(r, 0);
        assert_int_equal(d.n_lines, 0);
        diag_free(&d);
        return l;
}

/* Matches text and expects entry/source/line (entry NULL: no match). */
static void expect_match(const struct approved_list *l, const char *addr, const char *entry, const char *source, unsigned line) {
        addr128 a;
        int family;
        struct approved_entry_info info;
        assert_int_equal(addr_parse(addr, strlen(addr), &a, &family), 0);
        bool m = approved_list_match(l, a, &info);
        if (!entry) {
                if (m)
                        print_error("%s matched %s\n", addr, info.text);
                assert_false(m);
                return;
        }
        if (!m)
                print_error("%s did not match\n", addr);
        assert_true(m);
        assert_string_equal(info.text, entry);
        assert_string_equal(info.source, path_of(source));
        assert_int_equal(info.line, line);
}

static void test_basic_file(void **state) {
        write_text("approved",
                   "# office gateways\n"
                   "\n"
                   "203.0.113.7\n"
                   "   198.51.100.0/24   # branch office\n"
                   "\t2001:db8:5::/48\t\n"
                   "#203.0.113.9\n"
                   "203.0.113.64/26 # 東京オフィス (UTF-8 in a comment is fine)\n"
                   "2001:DB8:0:0:0:0:0:1\r\n"
                   "192.0.2.1");                   /* no final newline */
        struct approved_list *l = load_ok(NULL, false);
        assert_int_equal(approved_list_entries(l), 6);
        expect_match(l, "203.0.113.7", "203.0.113.7", "approved", 3);
        expect_match(l, "203.0.113.8", NULL, NULL, 0);
        expect_match(l, "203.0.113.6", NULL, NULL, 0);
        expect_match(l, "203.0.113.9", NULL, NULL, 0);
        expect_match(l, "198.51.100.0", "198.51.100.0/24", "approved", 4);
        expect_match(l, "198.51.100.255", "198.51.100.0/24", "approved", 4);
        expect_match(l, "198.51.101.0", NULL, NULL, 0);
        expect_match(l, "198.51.99.255", NULL, NULL, 0);
        expect_match(l, "2001:db8:5:ffff::1", "2001:db8:5::/48", "approved", 5);
        expect_match(l, "2001:db8:6::", NULL, NULL, 0);
        expect_match(l, "203.0.113.100", "203.0.113.64/26", "approved", 7);
        expect_match(l, "2001:db8::1", "2001:db8::1", "approved", 8);
        expect_match(l, "2001:db8::2", NULL, NULL, 0);
        expect_match(l, "192.0.2.1", "192.0.2.1", "approved", 9);
        expect_match(l, "::ffff:192.0.2.2", NULL, NULL, 0);

        /* entries in the order written */
        struct approved_entry_info info;
        assert_true(approved_list_entry(l, 0, &info));
        assert_string_equal(info.text, "203.0.113.7");
        assert_int_equal(info.line, 3);
        assert_true(approved_list_entry(l, 5, &info));
        assert_string_equal(info.text, "192.0.2.1");
        assert_false(approved_list_entry(l, 6, &info));
        approved_list_free(l);
}

static void test_empty_file(void **state) {
        write_text("approved", "# nothing approved yet\n\n   \n");
        struct approved_list *l = load_ok(NULL, false);
        assert_int_equal(approved_list_entries(l), 0);
        expect_match(l, "203.0.113.7", NULL, NULL, 0);
        approved_list_free(l);

        write_bytes("approved", "", 0);
        l = load_ok(NULL, false);
        expect_match(l, "2001:db8::1", NULL, NULL, 0);
        approved_list_free(l);
}

static void test_most_specific_wins(void **state) {
        mkdir(path_of("approved.d"), 0755);
        write_text("approved",
                   "203.0.113.0/24\n"
                   "2001:db8::/32\n"
                   "203.0.113.0/24\n"               /* duplicate: line 1 stays */
                   "203.0.113.128/25\n");
        write_text("approved.d/site.list",
                   "203.0.113.200\n"
                   "2001:db8:1::/48\n"
                   "2001:db8:1:2::/64\n");
        struct approved_list *l = load_ok("approved.d", false);
        assert_int_equal(approved_list_entries(l), 7);
        expect_match(l, "203.0.113.0", "203.0.113.0/24", "approved", 1);
        expect_match(l, "203.0.113.127", "203.0.113.0/24", "approved", 1);
        expect_match(l, "203.0.113.128", "203.0.113.128/25", "approved", 4);
        expect_match(l, "203.0.113.199", "203.0.113.128/25", "approved", 4);
        expect_match(l, "203.0.113.200", "203.0.113.200", "approved.d/site.list", 1);
        expect_match(l, "203.0.113.201", "203.0.113.128/25", "approved", 4);
        expect_match(l, "203.0.113.255", "203.0.113.128/25", "approved", 4);
        expect_match(l, "203.0.114.0", NULL, NULL, 0);
        expect_match(l, "2001:db8::1", "2001:db8::/32", "approved", 2);
        expect_match(l, "2001:db8:1::1", "2001:db8:1::/48", "approved.d/site.list", 2);
        expect_match(l, "2001:db8:1:2::1", "2001:db8:1:2::/64", "approved.d/site.list", 3);
        expect_match(l, "2001:db8:1:3::1", "2001:db8:1::/48", "approved.d/site.list", 2);
        expect_match(l, "2001:db8:ffff::1", "2001:db8::/32", "approved", 2);
        expect_match(l, "2001:db9::", NULL, NULL, 0);
        approved_list_free(l);
}

static void test_dropin_order(void **state) {
        mkdir(path_of("approved.d"), 0755);
        write_text("approved", "203.0.113.0/24\n");
        /* Each file approves the same address; the first one read wins the duplicate. */
        write_text("approved.d/b.list", "198.51.100.2\n198.51.100.7\n");
        write_text("approved.d/A.list", "198.51.100.1\n198.51.100.7\n");
        write_text("approved.d/10-x.list", "198.51.100.10\n");
        write_text("approved.d/9-x.list", "198.51.100.9\n");
        write_text("approved.d/.hidden.list", "198.51.100.3\n");
        write_text("approved.d/c.list~", "198.51.100.4\n");
        write_text("approved.d/README", "198.51.100.5\n");
        write_text("approved.d/.list", "198.51.100.6\n");
        write_text("approved.d/bad.lis", "not even an address\n");
        struct approved_list *l = load_ok("approved.d", false);
        assert_int_equal(approved_list_entries(l), 7);
        expect_match(l, "198.51.100.1", "198.51.100.1", "approved.d/A.list", 1);
        expect_match(l, "198.51.100.2", "198.51.100.2", "approved.d/b.list", 1);
        /* strcmp order: "10-x" < "9-x" < "A" < "b" */
        expect_match(l, "198.51.100.7", "198.51.100.7", "approved.d/A.list", 2);
        expect_match(l, "198.51.100.9", "198.51.100.9", "approved.d/9-x.list", 1);
        expect_match(l, "198.51.100.10", "198.51.100.10", "approved.d/10-x.list", 1);
        expect_match(l, "198.51.100.3", NULL, NULL, 0);
        expect_match(l, "198.51.100.4", NULL, NULL, 0);
        expect_match(l, "198.51.100.5", NULL, NULL, 0);
        expect_match(l, "198.51.100.6", NULL, NULL, 0);
        struct approved_entry_info info;
        assert_true(approved_list_entry(l, 1, &info));
        assert_string_equal(info.source, path_of("approved.d/10-x.list"));
        assert_true(approved_list_entry(l, 2, &info));
        assert_string_equal(info.source, path_of("approved.d/9-x.list"));
        approved_list_free(l);

        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        struct diag_list d = {};
        assert_int_equal(approved_sources_find(path_of("approved"), path_of("approved.d"), false, &d, &sources), 0);
        assert_int_equal(sources->n_files, 5);
        assert_string_equal(sources->files[0].path, path_of("approved"));
        assert_string_equal(sources->files[1].path, path_of("approved.d/10-x.list"));
        assert_string_equal(sources->files[4].path, path_of("approved.d/b.list"));
        assert_int_equal(d.n_lines, 0);
}

static void test_missing_dir_and_file(void **state) {
        write_text("approved", "203.0.113.7\n");
        struct approved_list *l = load_ok("no-such-dir", false);
        expect_match(l, "203.0.113.7", "203.0.113.7", "approved", 1);
        approved_list_free(l);

        struct diag_list d = {};
        l = NULL;
        assert_int_equal(approved_list_load(path_of("missing"), NULL, false, false, 0, &d, &l), -ENOENT);
        assert_null(l);
        assert_int_equal(d.n_lines, 1);
        char want[512];
        snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path_of("missing"));
        assert_string_equal(d.lines[0], want);
        assert_true(diag_has_errors(&d));
        diag_free(&d);

        /* approved_dir that is a file */
        write_text("notadir", "");
        assert_int_equal(approved_list_load(path_of("approved"), path_of("notadir"), false, false, 0, &d, &l), -ENOTDIR);
        assert_int_equal(d.n_lines, 1);
        diag_free(&d);
}

static void expect_lines(const struct diag_list *d, const char *const *want, size_t n) {
        if (d->n_lines != n) {
                for (size_t i = 0; i < d->n_lines; i++)
                        print_error("got: %s\n", d->lines[i]);
        }
        assert_int_equal(d->n_lines, n);
        for (size_t i = 0; i < n; i++) {
                /* "%s" stands for the temp folder, "%%" for '%' */
                char expected[1024], *o = expected;
                for (const char *p = want[i]; *p; p++) {
                        if (p[0] == '%' && p[1] == 's') {
                                o = stpcpy(o, tmpdir);
                                p++;
                        } else if (p[0] == '%' && p[1] == '%') {
                                *o++ = '%';
                                p++;
                        } else
                                *o++ = *p;
                }
                *o = 0;
                assert_string_equal(d->lines[i], expected);
        }
}

static void test_errors(void **state) {
        mkdir(path_of("approved.d"), 0755);
        write_text("approved",
                   "203.0.113.7\n"
                   "203.0.113.5/24\n"
                   "# fine\n"
                   "10.0.0.1   # private\n"
                   "203.0.113.07\n"
                   "2001:db8::1 2001:db8::2\n");
        write_text("approved.d/x.list", "ok.example.com\n\n198.51.100.0/24\r\nfe80::1%eth0");
        struct diag_list d = {};
        struct approved_list *l = NULL;
        int r = approved_list_load(path_of("approved"), path_of("approved.d"), false, false, 0, &d, &l);
        assert_int_equal(r, -EINVAL);
        assert_null(l);
        static const char *const want[] = {
                "%s/approved:2: IP address or CIDR block is invalid.",
                "%s/approved:2: 203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)",
                "%s/approved:4: IP address or CIDR block is invalid.",
                "%s/approved:4: 10.0.0.1: lies in 10.0.0.0/8 (private-use); only global addresses may be approved",
                "%s/approved:5: IP address or CIDR block is invalid.",
                "%s/approved:5: 203.0.113.07: octet \"07\" has a leading zero",
                "%s/approved:6: IP address or CIDR block is invalid.",
                "%s/approved:6: 2001:db8::1 2001:db8::2: contains a space, control or non-ASCII byte",
                "%s/approved.d/x.list:1: IP address or CIDR block is invalid.",
                "%s/approved.d/x.list:1: ok.example.com: not an IPv4 or IPv6 address",
                "%s/approved.d/x.list:4: IP address or CIDR block is invalid.",
                "%s/approved.d/x.list:4: fe80::1%%eth0: a zone ('%%') is not allowed here",
        };
        expect_lines(&d, want, 12);
        assert_int_equal(d.n_errors, 6);
        diag_free(&d);

        /* max_errors stops early */
        r = approved_list_load(path_of("approved"), path_of("approved.d"), false, false, 2, &d, &l);
        assert_int_equal(r, -EINVAL);
        expect_lines(&d, want, 4);
        assert_int_equal(d.n_errors, 2);
        diag_free(&d);

        /* allow_private lifts the global-only rule, nothing else */
        r = approved_list_load(path_of("approved"), path_of("approved.d"), true, false, 0, &d, &l);
        assert_int_equal(r, -EINVAL);
        assert_int_equal(d.n_errors, 5);
        assert_null(strstr(d.lines[2], "10.0.0.1"));
        diag_free(&d);
}

static void test_control_bytes_and_long_lines(void **state) {
        char data[12000];
        size_t n = 0;
        n += (size_t) sprintf(data + n, "203.0.113.7\x1b[2J\n");
        memcpy(data + n, "198.51.100.1\0\n", 14);
        n += 14;
        n += (size_t) sprintf(data + n, "# \xff\xfe binary in a comment is ignored\n");
        memset(data + n, 'a', 4097);
        n += 4097;
        data[n++] = '\n';
        memset(data + n, ' ', 4000);
        n += 4000 - 20;
        n += (size_t) sprintf(data + n, "# a long comment line is fine\n");
        n += (size_t) sprintf(data + n, "\xe3\x80\x80" "203.0.113.9\n");
        write_bytes("approved", data, n);

        struct diag_list d = {};
        struct approved_list *l = NULL;
        assert_int_equal(approved_list_load(path_of("approved"), NULL, false, false, 0, &d, &l), -EINVAL);
        static const char *const want[] = {
                "%s/approved:1: IP address or CIDR block is invalid.",
                "%s/approved:1: 203.0.113.7\\x1b[2J: contains a space, control or non-ASCII byte",
                "%s/approved:2: IP address or CIDR block is invalid.",
                "%s/approved:2: 198.51.100.1\\x00: contains a space, control or non-ASCII byte",
                "%s/approved:4: IP address or CIDR block is invalid.",
                "%s/approved:4: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: the line is longer than 4096 bytes",
                "%s/approved:6: IP address or CIDR block is invalid.",
                "%s/approved:6: \\xe3\\x80\\x80203.0.113.9: contains a space, control or non-ASCII byte",
        };
        expect_lines(&d, want, 8);
        diag_free(&d);
}

/* Files larger than the 1 MiB read chunk: lines cut at chunk boundaries, and an
 * overlong line that spans several chunks. */
static void test_chunk_boundaries(void **state) {
        FILE *f = fopen(path_of("approved"), "w");
        assert_non_null(f);
        for (unsigned i = 0; i < 150000; i++)           /* ~2.3 MB, varying line lengths */
                fprintf(f, "%s%u.%u.%u.%u%s\n", i % 3 ? "" : "  ", 1 + (i >> 16), (i >> 8) & 255, i & 255, i % 7,
                        i % 5 ? "" : " # c");
        fprintf(f, "203.0.113.7");
        fclose(f);
        struct approved_list *l = load_ok(NULL, false);
        assert_int_equal(approved_list_entries(l), 150001);
        expect_match(l, "1.0.0.0", "1.0.0.0", "approved", 1);
        expect_match(l, "3.73.239.3", "3.73.239.3", "approved", 150000);
        expect_match(l, "203.0.113.7", "203.0.113.7", "approved", 150001);
        expect_match(l, "1.0.0.1", NULL, NULL, 0);
        approved_list_free(l);

        f = fopen(path_of("approved"), "w");
        assert_non_null(f);
        fprintf(f, "203.0.113.7\n");
        for (int i = 0; i < 3 * 1024 * 1024 + 17; i++)
                fputc('9', f);
        fprintf(f, "\nx\n");
        for (int i = 0; i < 5000; i++)                  /* overlong too, ends the file without newline */
                fputc('#', f);
        fclose(f);
        struct diag_list d = {};
        assert_int_equal(approved_list_load(path_of("approved"), NULL, false, false, 0, &d, &l), -EINVAL);
        static const char *const want[] = {
                "%s/approved:2: IP address or CIDR block is invalid.",
                "%s/approved:2: 99999999999999999999999999999999999999999999999999999999...: the line is longer than 4096 bytes",
                "%s/approved:3: IP address or CIDR block is invalid.",
                "%s/approved:3: x: not an IPv4 or IPv6 address",
                "%s/approved:4: IP address or CIDR block is invalid.",
                "%s/approved:4: ########################################################...: the line is longer than 4096 bytes",
        };
        expect_lines(&d, want, 6);
        diag_free(&d);
}

static void test_buffer_and_entry_parse(void **state) {
        struct diag_list d = {};
        struct approved_list *l = NULL;
        const char text[] = "203.0.113.0/24\n2001:db8::/32";
        assert_int_equal(approved_list_parse_buffer(text, sizeof text - 1, "mem", false, 0, &d, &l), 0);
        assert_int_equal(approved_list_entries(l), 2);
        approved_list_free(l);

        assert_int_equal(approved_list_parse_buffer("x\n", 2, "mem", false, 0, &d, &l), -EINVAL);
        assert_string_equal(d.lines[0], "mem:1: IP address or CIDR block is invalid.");
        assert_string_equal(d.lines[1], "mem:1: x: not an IPv4 or IPv6 address");
        diag_free(&d);

        struct ip_block b;
        assert_int_equal(approved_entry_parse("203.0.113.0/24", false, &b, &d), 0);
        assert_int_equal(b.prefix, 24);
        assert_int_equal(d.n_lines, 0);
        assert_int_equal(approved_entry_parse("192.168.1.1", false, &b, &d), -EINVAL);
        assert_int_equal(d.n_lines, 2);
        assert_string_equal(d.lines[0], "IP address or CIDR block is invalid.");
        assert_string_equal(d.lines[1], "192.168.1.1: lies in 192.168.0.0/16 (private-use); only global addresses may be approved");
        assert_int_equal(d.n_errors, 1);
        diag_free(&d);
        assert_int_equal(approved_entry_parse("192.168.1.1", true, &b, &d), 0);
        /* logonaclctl add takes the argument exactly: no comment, no blanks */
        assert_int_equal(approved_entry_parse(" 203.0.113.7", false, &b, &d), -EINVAL);
        assert_int_equal(approved_entry_parse("203.0.113.7 # x", false, &b, &d), -EINVAL);
        assert_int_equal(approved_entry_parse("", false, &b, &d), -EINVAL);
        diag_free(&d);
}

static void test_whole_ranges(void **state) {
        /* allow_private: the widest blocks IPv6 may have beside the IPv4 spaces
         * (::/96, ::ffff:0:0/96), nested blocks down to /128 at both ends */
        write_text("approved",
                   "8000::/1\n"
                   "::/128\n"
                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"
                   "ffff::/16\n"
                   "0.0.0.0/0\n"
                   "255.255.255.255\n"
                   "::1:0:0/96\n");
        struct approved_list *l = load_ok(NULL, true);
        expect_match(l, "::", "::", "approved", 2);
        expect_match(l, "::1", NULL, NULL, 0);
        expect_match(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "approved", 3);
        expect_match(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff::/16", "approved", 4);
        expect_match(l, "fffe::", "8000::/1", "approved", 1);
        expect_match(l, "1.2.3.4", "0.0.0.0/0", "approved", 5);
        expect_match(l, "255.255.255.255", "255.255.255.255", "approved", 6);
        expect_match(l, "::1:0:5", "::1:0:0/96", "approved", 7);
        expect_match(l, "::ffff:1:0:0", NULL, NULL, 0);
        approved_list_free(l);
}

/* SPEC §1: an IPv6 entry never approves an IPv4 client, even with allow_private. */
static void test_ipv4_space(void **state) {
        static const struct {
                const char *entry, *reason;
        } cases[] = {
                { "::/0", "::/0: overlaps ::ffff:0:0/96 (IPv4-mapped); an IPv6 entry never approves IPv4 clients: "
                          "write IPv4 entries (0.0.0.0/0 is all of IPv4)" },
                { "::/1", "::/1: overlaps ::ffff:0:0/96 (IPv4-mapped); an IPv6 entry never approves IPv4 clients: "
                          "write IPv4 entries (0.0.0.0/0 is all of IPv4)" },
                { "::ffff:0:0/96", "::ffff:0:0/96: lies in ::ffff:0:0/96 (IPv4-mapped); an IPv6 entry never approves "
                                   "IPv4 clients: write 0.0.0.0/0" },
                { "::ffff:203.0.113.0/120", "::ffff:203.0.113.0/120: lies in ::ffff:0:0/96 (IPv4-mapped); an IPv6 "
                                            "entry never approves IPv4 clients: write 203.0.113.0/24" },
                { "::/96", "::/96: lies in ::/96 (IPv4-compatible); an IPv6 entry never approves IPv4 clients: "
                           "write 0.0.0.0/0" },
                { "::c633:6407", "::c633:6407: lies in ::/96 (IPv4-compatible); an IPv6 entry never approves IPv4 "
                                 "clients: write 198.51.100.7" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                for (int allow_private = 0; allow_private <= 1; allow_private++) {
                        struct diag_list d = {};
                        struct approved_list *l = NULL;
                        assert_int_equal(approved_list_parse_buffer(cases[i].entry, strlen(cases[i].entry), "x",
                                                                    allow_private, 0, &d, &l), -EINVAL);
                        assert_null(l);
                        assert_int_equal(d.n_lines, 2);
                        assert_string_equal(d.lines[0], "x:1: IP address or CIDR block is invalid.");
                        char want[512];
                        snprintf(want, sizeof want, "x:1: %s", cases[i].reason);
                        assert_string_equal(d.lines[1], want);
                        diag_free(&d);
                }
}

static void test_expiry_text(void **state) {
        static const struct {
                const char *text;
                int64_t t;
        } good[] = {
                { "2027-01-31", INT64_C(1801353600) },
                { "2027-01-31T18:00Z", INT64_C(1801353600) + 18 * 3600 },
                { "2028-02-29", INT64_C(1835395200) },
                { "9999-12-31T23:59Z", INT64_C(253402300740) },
        };
        static const char *const bad[] = { "2027-02-29", "2027-1-31", "2027-01-31T18:00", "2027-01-31 18:00Z",
                                           "2027-13-01", "2027-01-00", "1969-12-31", "1970-01-01", "2027-01-31T24:00Z",
                                           "2027-01-31T18:60Z", "2027-01-31T18:00:00Z", "+027-01-31", "" };
        char buf[EXPIRY_TEXT_MAX];
        int64_t t;
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                assert_int_equal(expiry_parse(good[i].text, strlen(good[i].text), &t), 0);
                assert_int_equal(t, good[i].t);
                expiry_format(t, buf);
                assert_string_equal(buf, good[i].text);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(expiry_parse(bad[i], strlen(bad[i]), &t), -EINVAL);
}

/* An expired entry approves nothing, as if absent: the next entry of the same
 * block in the order read, else the enclosing block answers (SPEC §1). */
static void test_expiry_chain(void **state) {
        static const char text[] =
                "203.0.113.0/24 expires=2030-01-01  # the office\n"
                "203.0.113.0/25 expires=2025-01-01\n"
                "203.0.113.0/25 expires=2026-01-01 # again\n"
                "203.0.113.0/25\n"
                "203.0.113.7 expires=2024-01-01T12:00Z\n";
        struct diag_list d = {};
        struct approved_list *l = NULL;
        assert_int_equal(approved_list_parse_buffer(text, strlen(text), "x", false, 0, &d, &l), 0);
        addr128 a, b;
        int family;
        assert_int_equal(addr_parse("203.0.113.7", 11, &a, &family), 0);
        assert_int_equal(addr_parse("203.0.113.200", 13, &b, &family), 0);
        static const struct {
                const char *when;
                unsigned line_a, expired_a, line_b, expired_b;
        } steps[] = {
                { "2024-01-01T11:59Z", 5, 0, 1, 0 },
                { "2024-01-01T12:00Z", 2, 5, 1, 0 },
                { "2025-06-01",        3, 5, 1, 0 },
                { "2026-06-01",        4, 5, 1, 0 },
                { "2031-01-01",        4, 5, 0, 1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                int64_t now;
                struct approved_entry_info info, expired;
                assert_int_equal(expiry_parse(steps[i].when, strlen(steps[i].when), &now), 0);
                assert_int_equal(approved_list_match_at(l, a, now, &info, &expired), steps[i].line_a != 0);
                assert_int_equal(info.line, steps[i].line_a);
                assert_int_equal(expired.line, steps[i].expired_a);
                bool m = approved_list_match_at(l, b, now, &info, &expired);
                assert_int_equal(m, steps[i].line_b != 0);
                if (m)
                        assert_int_equal(info.line, steps[i].line_b);
                assert_int_equal(expired.line, steps[i].expired_b);
        }
        struct approved_entry_info info;
        assert_true(approved_list_entry(l, 0, &info));
        assert_int_equal(info.expires, INT64_C(1893456000));
        approved_list_free(l);
        diag_free(&d);
}

/* The module's path when the index is stale keeps only what covers the client:
 * it answers as the whole list does, for every address, at every time. */
static void test_load_for_agrees(void **state) {
        mkdir(path_of("approved.d"), 0755);
        write_text("approved",
                   "203.0.113.0/24 expires=2030-01-01\n"
                   "203.0.113.0/25\n"
                   "203.0.113.0/25 expires=2020-01-01\n"
                   "203.0.113.7 expires=2024-01-01\n"
                   "2001:db8::/32\n"
                   "2001:db8:5::/48 expires=2025-01-01 # x\n"
                   "198.51.100.0/24\n");
        write_text("approved.d/a.list", "203.0.113.7\n198.51.100.128/25 expires=2026-01-01\n");
        static const char *const probes[] = { "203.0.113.7", "203.0.113.8", "203.0.113.200", "2001:db8:5::1",
                                              "2001:db8:6::1", "198.51.100.200", "198.51.100.1", "192.0.2.1",
                                              "::ffff:203.0.113.7" };
        static const char *const times[] = { "2019-01-01", "2024-06-01", "2025-06-01", "2026-06-01", "2031-01-01" };
        struct diag_list d = {};
        struct approved_list *whole = NULL;
        char main_file[PATH_MAX], dir[PATH_MAX];
        snprintf(main_file, sizeof main_file, "%s", path_of("approved"));
        snprintf(dir, sizeof dir, "%s", path_of("approved.d"));
        assert_int_equal(approved_list_load(main_file, dir, false, false, 0, &d, &whole), 0);
        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                addr128 a;
                int family;
                struct approved_list *one = NULL;
                assert_int_equal(addr_parse(probes[i], strlen(probes[i]), &a, &family), 0);
                assert_int_equal(approved_list_load_for(main_file, dir, false, false, 0, a, &d, &one), 0);
                for (size_t t = 0; t < ELEMENTSOF(times); t++) {
                        int64_t now;
                        struct approved_entry_info x = {}, y = {}, xe, ye;
                        assert_int_equal(expiry_parse(times[t], strlen(times[t]), &now), 0);
                        bool mx = approved_list_match_at(whole, a, now, &x, &xe);
                        bool my = approved_list_match_at(one, a, now, &y, &ye);
                        assert_int_equal(mx, my);
                        if (mx) {
                                assert_string_equal(x.text, y.text);
                                assert_string_equal(x.source, y.source);
                                assert_int_equal(x.line, y.line);
                        }
                        assert_int_equal(xe.line, ye.line);
                }
                approved_list_free(one);
        }
        /* Errors are those of the whole list. */
        write_text("approved.d/b.list", "192.0.2.0/24\n10.0.0.1\n");
        struct approved_list *none = NULL;
        addr128 a;
        int family;
        assert_int_equal(addr_parse("192.0.2.1", 9, &a, &family), 0);
        diag_free(&d);
        assert_int_equal(approved_list_load_for(main_file, dir, false, false, 0, a, &d, &none), -EINVAL);
        assert_null(none);
        assert_int_equal(d.n_lines, 2);
        approved_list_free(whole);
        diag_free(&d);
}

/* SPEC §2: a *.list in approved.d that is not a regular file is an error, not skipped. */
static void test_dropin_not_regular(void **state) {
        mkdir(path_of("approved.d"), 0755);
        write_text("approved", "203.0.113.0/24\n");
        mkdir(path_of("approved.d/dir.list"), 0755);
        assert_int_equal(mkfifo(path_of("approved.d/fifo.list"), 0644), 0);
        for (int check_perms = 0; check_perms <= 1; check_perms++) {
                struct diag_list d = {};
                struct approved_list *l = NULL;
                char approved[PATH_MAX], dir[PATH_MAX], want[PATH_MAX + 64];
                snprintf(approved, sizeof approved, "%s", path_of("approved"));
                snprintf(dir, sizeof dir, "%s", path_of("approved.d"));
                assert_true(approved_list_load(approved, dir, false, check_perms, 0, &d, &l) < 0);
                assert_null(l);
                assert_int_equal(d.n_lines, 1);        /* the loader stops at the first refused file */
                snprintf(want, sizeof want, "%s: not a regular file", path_of("approved.d/dir.list"));
                assert_string_equal(d.lines[0], want);
                diag_free(&d);
        }
}

static void test_check_perms(void **state) {
        /* safe_path on every file: a group-writable drop-in is refused by name */
        mkdir(path_of("approved.d"), 0755);
        write_text("approved", "203.0.113.7\n");
        write_text("approved.d/a.list", "198.51.100.1\n");
        struct diag_list d = {};
        struct approved_list *l = NULL;
        assert_int_equal(approved_list_load(path_of("approved"), path_of("approved.d"), false, true, 0, &d, &l), 0);
        approved_list_free(l);
        l = NULL;

        assert_int_equal(chmod(path_of("approved.d/a.list"), 0664), 0);
        assert_true(approved_list_load(path_of("approved"), path_of("approved.d"), false, true, 0, &d, &l) < 0);
        assert_null(l);
        assert_int_equal(d.n_lines, 1);
        assert_non_null(strstr(d.lines[0], path_of("approved.d/a.list")));
        diag_free(&d);
        assert_int_equal(chmod(path_of("approved.d/a.list"), 0644), 0);

        assert_int_equal(chmod(path_of("approved.d"), 0777), 0);
        assert_true(approved_list_load(path_of("approved"), path_of("approved.d"), false, true, 0, &d, &l) < 0);
        assert_non_null(strstr(d.lines[0], path_of("approved.d")));
        diag_free(&d);
        assert_int_equal(chmod(path_of("approved.d"), 0755), 0);

        assert_int_equal(chmod(path_of("approved"), 0666), 0);
        assert_true(approved_list_load(path_of("approved"), path_of("approved.d"), false, true, 0, &d, &l) < 0);
        assert_non_null(strstr(d.lines[0], path_of("approved")));
        diag_free(&d);

        /* without check_perms the same files load */
        assert_int_equal(approved_list_load(path_of("approved"), path_of("approved.d"), false, false, 0, &d, &l), 0);
        approved_list_free(l);
}

/* The files are found and stamped once: each stamp is the file's stat, a
 * missing approved_dir has none and a zero stamp; with check_perms the walk
 * refuses a group-writable drop-in by name and a symlinked one. */
static void test_sources(void **state) {
        mkdir(path_of("approved.d"), 0755);
        write_text("approved", "203.0.113.7\n");
        write_text("approved.d/a.list", "198.51.100.1\n");
        struct diag_list d = {};
        struct stat st;

        _cleanup_(approved_sources_freep) struct approved_sources *s = NULL;
        assert_int_equal(approved_sources_find(path_of("approved"), path_of("approved.d"), true, &d, &s), 0);
        assert_int_equal(s->n_files, 2);
        assert_true(s->checked);
        assert_int_equal(stat(path_of("approved.d/a.list"), &st), 0);
        assert_int_equal(s->files[1].stamp.ino, (uint64_t) st.st_ino);
        assert_int_equal(s->files[1].stamp.size, (uint64_t) st.st_size);
        assert_int_equal(stat(path_of("approved.d"), &st), 0);
        assert_int_equal(s->dir_stamp.ino, (uint64_t) st.st_ino);

        _cleanup_(approved_sources_freep) struct approved_sources *none = NULL;
        assert_int_equal(approved_sources_find(path_of("approved"), path_of("no-such.d"), true, &d, &none), 0);
        assert_int_equal(none->n_files, 1);
        assert_int_equal(none->dir_stamp.mode, 0);

        struct approved_sources *refused = NULL;
        assert_int_equal(chmod(path_of("approved.d/a.list"), 0664), 0);
        assert_true(approved_sources_find(path_of("approved"), path_of("approved.d"), true, &d, &refused) < 0);
        assert_null(refused);
        assert_int_equal(d.n_errors, 1);
        assert_non_null(strstr(d.lines[0], path_of("approved.d/a.list")));
        diag_free(&d);

        assert_int_equal(chmod(path_of("approved.d/a.list"), 0644), 0);
        assert_int_equal(symlink(path_of("approved"), path_of("approved.d/b.list")), 0);
        assert_true(approved_sources_find(path_of("approved"), path_of("approved.d"), true, &d, &refused) < 0);
        assert_non_null(strstr(d.lines[0], "symbolic link"));
        diag_free(&d);

        /* Changed between the walk and the open: the loader checks again on the
         * open descriptor (mode) and opens with O_NOFOLLOW (a symlink put in). */
        _cleanup_(approved_list_freep) struct approved_list *l = NULL;
        assert_int_equal(chmod(path_of("approved"), 0666), 0);
        assert_int_equal(approved_list_load_sources(none, false, 0, &d, &l), -EPERM);
        assert_null(l);
        assert_non_null(strstr(d.lines[0], "must be owned by root and not writable by group or others"));
        diag_free(&d);
        assert_int_equal(chmod(path_of("approved"), 0644), 0);
        assert_int_equal(rename(path_of("approved"), path_of("real")), 0);
        assert_int_equal(symlink(path_of("real"), path_of("approved")), 0);
        assert_int_equal(approved_list_load_sources(none, false, 0, &d, &l), -ELOOP);
        assert_null(l);
        diag_free(&d);
}

/* Bytes this process has read with read() so far (/proc/self/io rchar). */
static uint64_t bytes_read(void) {
        char line[128];
        uint64_t v = 0;
        FILE *f = fopen("/proc/self/io", "re");
        assert_non_null(f);
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "rchar: %" SCNu64, &v) == 1)
                        break;
        fclose(f);
        return v;
}

/* At the error limit the loader stops reading: a 900 MiB list whose first line
 * is bad must not be read to its end at every logon.  Measured by progress (the
 * bytes read), not by the clock. */
static void test_stops_at_error_limit(void **state) {
        const uint64_t size = (uint64_t) 900 << 20;
        write_text("approved", "not-an-address\n");
        assert_int_equal(truncate(path_of("approved"), (off_t) size), 0);   /* sparse: the rest reads as zeros */

        struct diag_list d = {};
        _cleanup_(approved_list_freep) struct approved_list *l = NULL;
        uint64_t before = bytes_read();
        assert_int_equal(approved_list_load(path_of("approved"), NULL, false, false, 1, &d, &l), -EINVAL);
        uint64_t used = bytes_read() - before;
        assert_null(l);
        assert_int_equal(d.n_errors, 1);
        assert_true(used < (uint64_t) 8 << 20);         /* one chunk of 1 MiB, and /proc reads */
        diag_free(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_basic_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_most_specific_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dropin_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_dir_and_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_control_bytes_and_long_lines, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chunk_boundaries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_buffer_and_entry_parse, setup, teardown),
                cmocka_unit_test_setup_teardown(test_whole_ranges, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ipv4_space, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expiry_text, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expiry_chain, setup, teardown),
                cmocka_unit_test_setup_teardown(test_load_for_agrees, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dropin_not_regular, setup, teardown),
                cmocka_unit_test_setup_teardown(test_check_perms, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stops_at_error_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
