/* SPDX-License-Identifier: MIT */
/* journal_send: the exact bytes on the wire (a socket of our own), the sealed
 * memfd for big entries, the send timeout, no descriptor left behind, and the
 * real journald reading back exactly what was sent. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <endian.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>

#include "journal_send.h"
#include "macro.h"

static char tmpdir[] = "/tmp/test-journal-send-XXXXXX";
static char sock_path[200];

#define STR(n, s) { (n), (s), sizeof(s) - 1 }

static int setup(void **state) {
        assert_non_null(mkdtemp(tmpdir));
        snprintf(sock_path, sizeof sock_path, "%s/socket", tmpdir);
        return 0;
}

static int teardown(void **state) {
        unlink(sock_path);
        rmdir(tmpdir);
        return 0;
}

/* A stand-in journald: a datagram socket bound at sock_path. */
static int listen_socket(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        unlink(sock_path);
        strcpy(sa.sun_path, sock_path);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        return fd;
}

/* Receives one datagram: its bytes, or the bytes of the memfd it carries. */
static size_t receive(int sock, uint8_t *buf, size_t cap, bool *via_memfd, int *seals) {
        union {
                struct cmsghdr h;
                uint8_t space[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { buf, cap };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        assert_true(n >= 0);
        assert_false(mh.msg_flags & MSG_TRUNC);

        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        *via_memfd = c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS;
        if (!*via_memfd)
                return (size_t) n;

        int memfd;
        memcpy(&memfd, CMSG_DATA(c), sizeof memfd);
        assert_int_equal(n, 0);
        *seals = fcntl(memfd, F_GET_SEALS);
        struct stat st;
        assert_int_equal(fstat(memfd, &st), 0);
        assert_true((size_t) st.st_size <= cap);
        assert_int_equal(pread(memfd, buf, st.st_size, 0), st.st_size);
        close(memfd);
        return (size_t) st.st_size;
}

static size_t count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        size_t n = 0;
        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* The wire form, built by hand: NAME '\n' le64 bytes '\n'. */
static size_t expected_wire(const struct journal_field *f, size_t n, uint8_t *out) {
        uint8_t *p = out;
        for (size_t i = 0; i < n; i++) {
                uint64_t len = htole64(f[i].len);
                p = mempcpy(p, f[i].name, strlen(f[i].name));
                *p++ = '\n';
                p = mempcpy(p, &len, 8);
                p = mempcpy(p, f[i].value, f[i].len);
                *p++ = '\n';
        }
        return p - out;
}

static void test_wire_format(void **state) {
        static uint8_t got[4096], want[4096];
        int sock = listen_socket();
        bool via_memfd;
        int seals;
        const struct journal_field fields[] = {
                STR("MESSAGE", "two\nlines\r\nand a NUL \0 here"),
                STR("LOGONACL_USER", "eve\nPRIORITY=0\nMESSAGE_ID=d0cf6d6fb64045fc8f4061394c06dee8"),
                STR("LOGONACL_RHOST", ""),
                STR("LOGONACL_CHANNEL", "admin"),
        };

        assert_int_equal(journal_send_to(sock_path, fields, ELEMENTSOF(fields)), 0);
        size_t n = receive(sock, got, sizeof got, &via_memfd, &seals);
        assert_false(via_memfd);
        size_t wn = expected_wire(fields, ELEMENTSOF(fields), want);
        assert_int_equal(n, wn);
        assert_memory_equal(got, want, wn);
        /* One byte at the start: "MESSAGE\n" then the length 29 as le64. */
        assert_memory_equal(got, "MESSAGE\n\x1b\0\0\0\0\0\0\0two\nlines", 8 + 8 + 9);
        close(sock);
}

static void test_field_names(void **state) {
        int sock = listen_socket();
        static const char *const bad[] = {
                "", "_UID", "_SYSTEMD_UNIT", "lower", "MIXED_case", "A-B", "A B", "A=B", "A\nB", "1ABC", "9",
                "ÄÖ", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 65 */,
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct journal_field f[] = { STR("MESSAGE", "x"), { bad[i], "v", 1 } };
                assert_int_equal(journal_send_to(sock_path, f, 2), -EINVAL);
        }
        struct journal_field null_name[] = { { NULL, "v", 1 } };
        assert_int_equal(journal_send_to(sock_path, null_name, 1), -EINVAL);
        struct journal_field null_value[] = { { "MESSAGE", NULL, 3 } };
        assert_int_equal(journal_send_to(sock_path, null_value, 1), -EINVAL);
        assert_int_equal(journal_send_to(sock_path, null_value, 0), -EINVAL);

        /* Nothing was sent for any of them. */
        uint8_t buf[16];
        assert_int_equal(recv(sock, buf, sizeof buf, MSG_DONTWAIT), -1);
        assert_int_equal(errno, EAGAIN);

        static const char *const good[] = { "A", "MESSAGE_ID", "A1_", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ0" /* 64 */ };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct journal_field f[] = { { good[i], "v", 1 }, { "EMPTY", NULL, 0 } };
                assert_int_equal(journal_send_to(sock_path, f, 2), 0);
                bool via_memfd;
                int seals;
                uint8_t got[256];
                size_t n = receive(sock, got, sizeof got, &via_memfd, &seals);
                assert_int_equal(n, strlen(good[i]) + 1 + 8 + 1 + 1 + 5 + 1 + 8 + 1);
        }
        close(sock);
}

/* Bigger than the default send buffer: the datagram cannot carry it. */
static size_t big_size(void) {
        size_t size = 300 * 1024;
        FILE *f = fopen("/proc/sys/net/core/wmem_default", "re");
        unsigned long wmem = 0;
        if (f) {
                if (fscanf(f, "%lu", &wmem) != 1)
                        wmem = 0;
                fclose(f);
        }
        return wmem + 64 * 1024 > size ? wmem + 64 * 1024 : size;
}

static void test_memfd(void **state) {
        size_t size = big_size();
        uint8_t *value = malloc(size), *got = malloc(size + 1024), *want = malloc(size + 1024);
        assert_non_null(value);
        assert_non_null(got);
        assert_non_null(want);
        for (size_t i = 0; i < size; i++)
                value[i] = (uint8_t) (i * 7 + (i >> 8));
        int sock = listen_socket();
        int rcvbuf = 8 * 1024 * 1024;
        assert_int_equal(setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf), 0);

        const struct journal_field fields[] = { STR("MESSAGE", "big"), { "LOGONACL_BIG", value, size } };
        assert_int_equal(journal_send_to(sock_path, fields, 2), 0);
        bool via_memfd;
        int seals = 0;
        size_t n = receive(sock, got, size + 1024, &via_memfd, &seals);
        assert_true(via_memfd);
        assert_int_equal(seals, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
        size_t wn = expected_wire(fields, 2, want);
        assert_int_equal(n, wn);
        assert_memory_equal(got, want, wn);

        close(sock);
        free(value);
        free(got);
        free(want);
}

static void test_nobody_listening(void **state) {
        const struct journal_field f[] = { STR("MESSAGE", "x") };
        char missing[300];
        snprintf(missing, sizeof missing, "%s/missing", tmpdir);
        assert_int_equal(journal_send_to(missing, f, 1), -ENOENT);

        /* A socket file left behind by a dead journald. */
        int sock = listen_socket();
        close(sock);
        assert_int_equal(journal_send_to(sock_path, f, 1), -ECONNREFUSED);
        unlink(sock_path);

        char too_long[200];
        memset(too_long, 'x', sizeof too_long - 1);
        too_long[sizeof too_long - 1] = 0;
        too_long[0] = '/';
        assert_int_equal(journal_send_to(too_long, f, 1), -EINVAL);
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A journald that does not read: a call gives up after about a second. */
static void test_send_timeout(void **state) {
        int sock = listen_socket();
        const struct journal_field f[] = { STR("MESSAGE", "x") };
        int r = 0;
        uint64_t took = 0;

        for (int i = 0; i < 5000 && r == 0; i++) {
                uint64_t start = now_usec();
                r = journal_send_to(sock_path, f, 1);
                took = now_usec() - start;
        }
        assert_int_equal(r, -EAGAIN);
        assert_true(took >= 900000);
        assert_true(took < 3000000);
        close(sock);
}

static void test_no_descriptor_left(void **state) {
        int sock = listen_socket();
        int rcvbuf = 8 * 1024 * 1024;
        assert_int_equal(setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf), 0);
        size_t size = big_size();
        uint8_t *value = calloc(1, size), *got = malloc(size + 1024);
        assert_non_null(value);
        assert_non_null(got);

        size_t before = count_fds();
        for (int i = 0; i < 1000; i++) {
                struct journal_field f[] = { STR("MESSAGE", "x"), { "LOGONACL_DATA", value, i % 100 == 0 ? size : 16 } };
                assert_int_equal(journal_send_to(sock_path, f, 2), 0);
                bool via_memfd;
                int seals;
                receive(sock, got, size + 1024, &via_memfd, &seals);
                assert_int_equal(via_memfd, i % 100 == 0);
        }
        /* Failures close their socket too. */
        for (int i = 0; i < 100; i++) {
                struct journal_field f[] = { STR("MESSAGE", "x") };
                char missing[300];
                snprintf(missing, sizeof missing, "%s/missing", tmpdir);
                assert_int_equal(journal_send_to(missing, f, 1), -ENOENT);
        }
        assert_int_equal(count_fds(), before);
        close(sock);
        free(value);
        free(got);
}

/* ---- the real journald ---- */

static const char reader[] =
        "import json, subprocess, sys\n"
        "out = subprocess.run(['journalctl', '-o', 'json', '--all', '--no-pager', 'LOGONACL_TEST_ID=' + sys.argv[1]],\n"
        "                     capture_output=True, check=True).stdout\n"
        "entries = [json.loads(l) for l in out.splitlines() if l.strip()]\n"
        "print('COUNT', len(entries))\n"
        "for e in entries[:1]:\n"
        "    for k in sorted(e):\n"
        "        if k.startswith('_'):\n"
        "            continue\n"
        "        v = e[k]\n"
        "        if isinstance(v, list) and not all(isinstance(x, int) for x in v):\n"
        "            print(k, 'REPEATED')\n"
        "        elif isinstance(v, list):\n"
        "            print(k, bytes(v).hex())\n"
        "        elif v is None:\n"
        "            print(k, 'NULL')\n"
        "        else:\n"
        "            print(k, v.encode('utf-8', 'surrogateescape').hex())\n";

struct read_back {
        size_t count;
        size_t n_fields;
        char *names[16];
        char *hex[16];
};

static void read_back_free(struct read_back *rb) {
        for (size_t i = 0; i < rb->n_fields; i++) {
                free(rb->names[i]);
                free(rb->hex[i]);
        }
        *rb = (struct read_back) {};
}

static void read_journal(const char *test_id, struct read_back *rb) {
        char script[300], cmd[700];
        snprintf(script, sizeof script, "%s/reader.py", tmpdir);
        FILE *f = fopen(script, "we");
        assert_non_null(f);
        fputs(reader, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", script, test_id);

        *rb = (struct read_back) {};
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, p)) > 0) {
                if (line[n - 1] == '\n')
                        line[n - 1] = 0;
                if (strncmp(line, "COUNT ", 6) == 0) {
                        rb->count = strtoul(line + 6, NULL, 10);
                        continue;
                }
                char *space = strchr(line, ' ');
                assert_non_null(space);
                assert_true(rb->n_fields < ELEMENTSOF(rb->names));
                rb->names[rb->n_fields] = strndup(line, space - line);
                rb->hex[rb->n_fields] = strdup(space + 1);
                rb->n_fields++;
        }
        free(line);
        assert_int_equal(pclose(p), 0);
        unlink(script);
}

static char *hex_of(const void *data, size_t len) {
        char *s = malloc(len * 2 + 1);
        assert_non_null(s);
        for (size_t i = 0; i < len; i++)
                sprintf(s + 2 * i, "%02x", ((const uint8_t *) data)[i]);
        s[len * 2] = 0;
        return s;
}

static void ensure_journald(void) {
        char cmd[600];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import sys; sys.path.insert(0, \"%s/../lib\"); "
                 "import logonacl_test; logonacl_test.ensure_journald()'", TEST_SRCDIR);
        assert_int_equal(system(cmd), 0);
}

/* Sends fields plus a unique LOGONACL_TEST_ID, then checks journald holds exactly
 * one such entry with exactly these fields and bytes. */
static void round_trip(const struct journal_field *fields, size_t n) {
        char test_id[64];
        struct journal_field all[16];
        struct read_back rb;

        assert_true(n < ELEMENTSOF(all));
        snprintf(test_id, sizeof test_id, "t%ld%d%ld", (long) getpid(), rand(), (long) now_usec());
        memcpy(all, fields, n * sizeof *fields);
        all[n] = (struct journal_field) { "LOGONACL_TEST_ID", test_id, strlen(test_id) };

        assert_int_equal(journal_send(all, n + 1), 0);
        for (int tries = 0; tries < 100; tries++) {
                read_journal(test_id, &rb);
                if (rb.count > 0)
                        break;
                read_back_free(&rb);
                usleep(50000);
        }
        assert_int_equal(rb.count, 1);
        assert_int_equal(rb.n_fields, n + 1);
        for (size_t i = 0; i < n + 1; i++) {
                size_t k = 0;
                while (k < rb.n_fields && strcmp(rb.names[k], all[i].name) != 0)
                        k++;
                if (k == rb.n_fields)
                        print_error("field %s missing\n", all[i].name);
                assert_true(k < rb.n_fields);
                char *want = hex_of(all[i].value, all[i].len);
                if (strcmp(rb.hex[k], want) != 0)
                        print_error("field %s differs\n", all[i].name);
                assert_string_equal(rb.hex[k], want);
                free(want);
        }
        read_back_free(&rb);
}

static void test_journald_small(void **state) {
        ensure_journald();
        const struct journal_field fields[] = {
                STR("MESSAGE", "logonacl journal_send test: CR\r LF\n NUL\0 end"),
                STR("SYSLOG_IDENTIFIER", "test-journal-send"),
                STR("PRIORITY", "6"),
                STR("LOGONACL_USER", "eve\nMESSAGE_ID=d0cf6d6fb64045fc8f4061394c06dee8\n_UID=0"),
                STR("LOGONACL_RHOST", "\xff\xfe not UTF-8"),
                STR("LOGONACL_EVENT", "管理者ログオン — Ünïcödé"),
                STR("LOGONACL_CLIENT_IP", ""),
        };
        round_trip(fields, ELEMENTSOF(fields));
}

static void test_journald_4k(void **state) {
        static char value[4096];
        for (size_t i = 0; i < sizeof value; i++)
                value[i] = "abc\n\r\t=x"[i % 9];
        const struct journal_field fields[] = {
                STR("MESSAGE", "logonacl journal_send test: 4 KiB"),
                { "LOGONACL_LONG", value, sizeof value },
        };
        round_trip(fields, ELEMENTSOF(fields));
}

static void test_journald_memfd(void **state) {
        size_t size = big_size();
        char *value = malloc(size);
        assert_non_null(value);
        for (size_t i = 0; i < size; i++)
                value[i] = (char) ('a' + i % 26);
        value[size / 2] = '\n';
        const struct journal_field fields[] = {
                STR("MESSAGE", "logonacl journal_send test: memfd"),
                { "LOGONACL_BIG", value, size },
        };
        round_trip(fields, ELEMENTSOF(fields));
        free(value);
}

static void test_journald_descriptors(void **state) {
        const struct journal_field f[] = {
                STR("MESSAGE", "logonacl journal_send test: descriptors"),
                STR("SYSLOG_IDENTIFIER", "test-journal-send"),
                STR("PRIORITY", "7"),
        };
        size_t before = count_fds();
        for (int i = 0; i < 200; i++)
                assert_int_equal(journal_send(f, ELEMENTSOF(f)), 0);
        assert_int_equal(count_fds(), before);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_wire_format),
                cmocka_unit_test(test_field_names),
                cmocka_unit_test(test_memfd),
                cmocka_unit_test(test_nobody_listening),
                cmocka_unit_test(test_send_timeout),
                cmocka_unit_test(test_no_descriptor_left),
                cmocka_unit_test(test_journald_small),
                cmocka_unit_test(test_journald_4k),
                cmocka_unit_test(test_journald_memfd),
                cmocka_unit_test(test_journald_descriptors),
        };
        srand((unsigned) now_usec());
        return cmocka_run_group_tests(tests, setup, teardown);
}
