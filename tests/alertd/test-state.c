/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static const char good[] =
        "# comment\n"
        "version=1\n"
        "cursor=s=4fc8;i=3;b=0123;m=60;t=60;x=73\n"
        "realtime=1698809326000000\n"
        "window_open=yes\n"
        "window_start=1698809206000000\n"
        "window_sent=3\n"
        "window_suppressed=7\n"
        "pending=yes\n"
        "journal_dropped=2\n";

static void test_parse_good(void **state) {
        struct alertd_state s;
        char reason[REASON_MAX];
        assert_int_equal(state_parse(good, strlen(good), "f", &s, reason), 0);
        assert_string_equal(s.cursor, "s=4fc8;i=3;b=0123;m=60;t=60;x=73");
        assert_true(s.realtime_usec == 1698809326000000ULL);
        assert_true(s.window.open);
        assert_true(s.window.start_usec == 1698809206000000ULL);
        assert_int_equal(s.window.sent, 3);
        assert_int_equal(s.window.suppressed, 7);
        assert_true(s.pending);
        assert_int_equal(s.journal_dropped, 2);
        /* Version 1 (before positions per boot) still loads: no sources. */
        assert_int_equal(s.version, 1);
        assert_int_equal(s.n_sources, 0);
}

static void test_round_trip_on_disk(void **state) {
        char dir[] = "/tmp/test-state-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[128];
        snprintf(path, sizeof(path), "%s/alertd.state", dir);
        char reason[REASON_MAX];
        char *sources[] = { "s=abc;i=1;b=0123", "s=def;i=9;b=4567" };
        struct alertd_state s = { .realtime_usec = 42, .window = { true, 1000, 5, 99 }, .pending = false,
                                  .journal_dropped = 0, .sources = sources, .n_sources = 2, .version = 2 };
        strcpy(s.cursor, "s=abc;i=1");
        assert_int_equal(state_save(path, &s, reason), 0);
        struct alertd_state t;
        assert_int_equal(state_load(path, &t, reason), 0);
        /* One position per boot comes back, in order. */
        assert_int_equal(t.n_sources, 2);
        assert_string_equal(t.sources[0], sources[0]);
        assert_string_equal(t.sources[1], sources[1]);
        state_free_sources(&t);
        s.sources = NULL;
        s.n_sources = 0;
        assert_memory_equal(&s, &t, sizeof(s));
        /* No temp file left behind; the file is private. */
        char tmp[160];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        assert_int_equal(access(tmp, F_OK), -1);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        unlink(path);
        assert_int_equal(state_load(path, &t, reason), -ENOENT);
        rmdir(dir);
}

static void expect_bad(const char *text, size_t len, const char *reason_part) {
        struct alertd_state s;
        char reason[REASON_MAX] = "";
        assert_true(state_parse(text, len, "alertd.state", &s, reason) < 0);
        if (!strstr(reason, reason_part))
                fail_msg("reason \"%s\" lacks \"%s\"", reason, reason_part);
}

static char *replace_line(const char *key, const char *line) {
        static char out[2048];
        const char *p = strstr(good, key);
        const char *e = strchr(p, '\n') + 1;
        snprintf(out, sizeof(out), "%.*s%s%s", (int) (p - good), good, line, e);
        return out;
}

static void test_corrupt(void **state) {
        char *t;
        expect_bad("", 0, "version is missing");
        expect_bad("version=1", 9, "alertd.state:1: truncated line");
        t = replace_line("window_sent=", "window_sent=101\n");
        expect_bad(t, strlen(t), "alertd.state:7: invalid value");
        t = replace_line("window_sent=", "window_sent=-1\n");
        expect_bad(t, strlen(t), "alertd.state:7: invalid value");
        t = replace_line("realtime=", "realtime=99999999999999999999999\n");
        expect_bad(t, strlen(t), "alertd.state:4: invalid value");
        t = replace_line("pending=", "pending=maybe\n");
        expect_bad(t, strlen(t), "alertd.state:9: invalid value");
        t = replace_line("version=", "version=3\n");
        expect_bad(t, strlen(t), "alertd.state:2: unsupported version");
        t = replace_line("journal_dropped=", "journal_dropped=2\nsource=s=1;b=2\n");
        expect_bad(t, strlen(t), "source lines need version 2");
        t = replace_line("journal_dropped=", "journal_dropped=2\nsource=\n");
        expect_bad(t, strlen(t), "alertd.state:11: invalid value");
        t = replace_line("cursor=", "cursor=has space\n");
        expect_bad(t, strlen(t), "alertd.state:3: invalid value");
        t = replace_line("cursor=", "cursor=\n");       /* pending without a cursor */
        expect_bad(t, strlen(t), "pending alert needs a cursor");
        t = replace_line("pending=", "bogus=1\n");
        expect_bad(t, strlen(t), "alertd.state:9: unknown key");
        t = replace_line("pending=", "window_sent=1\n");
        expect_bad(t, strlen(t), "alertd.state:9: window_sent given twice");
        t = replace_line("pending=", "no equals sign\n");
        expect_bad(t, strlen(t), "alertd.state:9: expected key=value");

        char nul[sizeof(good)];
        memcpy(nul, good, sizeof(good));
        nul[20] = '\0';
        expect_bad(nul, sizeof(good) - 1, "NUL byte");

        char long_line[2048];
        memset(long_line, 'a', sizeof(long_line));
        long_line[sizeof(long_line) - 1] = '\n';
        expect_bad(long_line, sizeof(long_line), "alertd.state:1: line too long");

        /* Random bytes never crash it. */
        srand(1);
        for (int i = 0; i < 20000; i++) {
                char buf[300];
                size_t len = (size_t) (rand() % (int) sizeof(buf));
                memcpy(buf, good, len < sizeof(good) ? len : sizeof(good) - 1);
                for (int k = 0; k < 4; k++)
                        buf[rand() % (int) sizeof(buf)] = (char) rand();
                struct alertd_state s;
                char reason[REASON_MAX];
                if (state_parse(buf, len, "fuzz", &s, reason) == 0)
                        state_free_sources(&s);
        }
}

static void test_load_refuses_odd_files(void **state) {
        struct alertd_state s;
        char reason[REASON_MAX] = "";
        assert_true(state_load("/tmp", &s, reason) < 0);
        assert_non_null(strstr(reason, "/tmp"));
        char dir[] = "/tmp/test-state-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[128];
        snprintf(path, sizeof(path), "%s/big", dir);
        FILE *f = fopen(path, "w");
        for (int i = 0; i < (STATE_FILE_MAX / 10) + 1; i++)
                fputs("# padding\n", f);
        fclose(f);
        assert_true(state_load(path, &s, reason) < 0);
        assert_non_null(strstr(reason, "too large"));
        char link[160];
        snprintf(link, sizeof(link), "%s/link", dir);
        assert_int_equal(symlink(path, link), 0);
        assert_true(state_load(link, &s, reason) < 0);
        unlink(link);
        unlink(path);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_good),
                cmocka_unit_test(test_round_trip_on_disk),
                cmocka_unit_test(test_corrupt),
                cmocka_unit_test(test_load_refuses_odd_files),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
