/* SPDX-License-Identifier: MIT */
/* The decision table of SPEC §3, exhaustively: every channel x action x kind of
 * address x (plain, sso, inline with apply_to_inline yes/no), against a real
 * approved list loaded from a file. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "decide.h"

static char tmpdir[] = "/tmp/test-decide-XXXXXX";
static char approved_path[256], conf_path[256], dropin_dir[256];
static struct approved_list *approved;

static void write_text(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static int setup(void **state) {
        struct diag_list d = {};

        assert_non_null(mkdtemp(tmpdir));
        snprintf(approved_path, sizeof approved_path, "%s/approved", tmpdir);
        snprintf(conf_path, sizeof conf_path, "%s/logonacl.conf", tmpdir);
        snprintf(dropin_dir, sizeof dropin_dir, "%s/approved.d", tmpdir);
        write_text(approved_path,
                   "# the gateway of the Tokyo office\n"
                   "203.0.113.0/24\n"
                   "198.51.100.7\n"
                   "2001:db8:5::/48\n");
        int r = approved_list_load(approved_path, dropin_dir, false, true, 0, &d, &approved);
        for (size_t i = 0; i < d.n_lines; i++)
                print_error("%s\n", d.lines[i]);
        diag_free(&d);
        assert_int_equal(r, 0);
        assert_non_null(approved);
        return 0;
}

static int teardown(void **state) {
        approved_list_free(approved);
        unlink(approved_path);
        unlink(conf_path);
        rmdir(tmpdir);
        return 0;
}

/* Every channel with the same action; admin has an SSO service, enduser an inline one. */
static void load_config(struct config *c, const char *action, const char *apply_to_inline, const char *missing_rhost) {
        char text[1024];
        struct diag_list d = {};
        snprintf(text, sizeof text,
                 "[admin]\naction = %s\nservices = sshd su\nsso_services = portal\nmissing_rhost = %s\n"
                 "[enduser]\naction = %s\nservices = dovecot\ninline_services = webmail-inline\n"
                 "apply_to_inline = %s\nmissing_rhost = %s\n"
                 "[api]\naction = %s\nservices = restapi\nmissing_rhost = %s\n",
                 action, missing_rhost, action, apply_to_inline, missing_rhost, action, missing_rhost);
        write_text(conf_path, text);
        int r = config_load(conf_path, true, 0, c, &d);
        for (size_t i = 0; i < d.n_lines; i++)
                print_error("%s\n", d.lines[i]);
        assert_int_equal(r, 0);
        diag_free(&d);
}

/* begin, and finish when begin asks for the list (as the module does). */
static bool run(const struct config *c, const char *service, const char *rhost, enum channel forced,
                const struct approved_list *list, struct decision *d) {
        struct decision_input in = {
                .service = service,
                .rhost = rhost,
                .stage = STAGE_ACCOUNT,
                .forced_channel = forced,
        };
        bool needed = decision_begin(c, &in, d);
        if (needed)
                decision_finish(d, list);
        return needed;
}

struct address_case {
        const char *rhost;
        bool numeric;           /* the list is consulted */
        bool approved;
        const char *client_ip;  /* LOGONACL_CLIENT_IP */
        const char *matched;
};

static const struct address_case address_cases[] = {
        { "203.0.113.7",             true,  true,  "203.0.113.7",   "203.0.113.0/24" },
        { "203.0.113.255",           true,  true,  "203.0.113.255", "203.0.113.0/24" },
        { "198.51.100.7",            true,  true,  "198.51.100.7",  "198.51.100.7" },
        { "::ffff:198.51.100.7",     true,  true,  "198.51.100.7",  "198.51.100.7" },
        { "2001:db8:5::1",           true,  true,  "2001:db8:5::1", "2001:db8:5::/48" },
        { "2001:db8:5:ffff::9%eth0", true,  true,  "2001:db8:5:ffff::9", "2001:db8:5::/48" },
        { "198.51.100.8",            true,  false, "198.51.100.8",  NULL },
        { "203.0.112.255",           true,  false, "203.0.112.255", NULL },
        { "192.0.2.1",               true,  false, "192.0.2.1",     NULL },
        { "127.0.0.1",               true,  false, "127.0.0.1",     NULL },
        { "::1",                     true,  false, "::1",           NULL },
        { "2001:db8:6::1",           true,  false, "2001:db8:6::1", NULL },
        { "host.example.com",        false, false, "",              NULL },
        { "203.0.113.7.example.com", false, false, "",              NULL },
        { "203.0.113.07",            false, false, "",              NULL },
        { "203.0.113.7 ",            false, false, "",              NULL },
        { "203.0.113.7\nMESSAGE=x",  false, false, "",              NULL },
        { "\xff\xfe",                false, false, "",              NULL },
};

struct service_case {
        const char *service;
        enum channel channel;
        bool sso, inline_service;
};

static const struct service_case service_cases[] = {
        { "sshd",           CHANNEL_ADMIN,   false, false },
        { "su",             CHANNEL_ADMIN,   false, false },
        { "portal",         CHANNEL_ADMIN,   true,  false },
        { "dovecot",        CHANNEL_ENDUSER, false, false },
        { "webmail-inline", CHANNEL_ENDUSER, false, true },
        { "restapi",        CHANNEL_API,     false, false },
};

/* SPEC §3's table, written out. */
struct expected {
        enum decision_result result;
        enum event_kind event;
        bool alert;
};

static struct expected expected_outcome(enum action effective, bool is_approved) {
        if (is_approved || effective == ACTION_NONE)
                return (struct expected) { RESULT_ALLOWED, EVENT_ALLOWED, false };
        if (effective == ACTION_ALLOW_AND_LOG)
                return (struct expected) { RESULT_ALLOWED, EVENT_LOGGED, true };
        return (struct expected) { RESULT_BLOCKED, EVENT_BLOCKED, true };
}

static void test_matrix(void **state) {
        static const char *const inline_settings[] = { "no", "yes" };
        size_t checked = 0;

        for (enum action a = 0; a < _ACTION_MAX; a++)
                for (size_t ai = 0; ai < ELEMENTSOF(inline_settings); ai++) {
                        struct config c;
                        load_config(&c, action_to_string(a), inline_settings[ai], "local");
                        bool apply_to_inline = ai == 1;

                        for (size_t s = 0; s < ELEMENTSOF(service_cases); s++)
                                for (size_t k = 0; k < ELEMENTSOF(address_cases); k++) {
                                        const struct service_case *sc = &service_cases[s];
                                        const struct address_case *ac = &address_cases[k];
                                        struct decision d;
                                        enum action effective =
                                                sc->inline_service && !apply_to_inline ? ACTION_NONE : a;
                                        struct expected want = expected_outcome(effective, ac->approved);

                                        bool needed = run(&c, sc->service, ac->rhost, CHANNEL_INVALID, approved, &d);
                                        if (d.result != want.result || d.event != want.event)
                                                print_error("action %s apply %s service %s rhost %s\n",
                                                            action_to_string(a), inline_settings[ai], sc->service,
                                                            ac->rhost);
                                        assert_int_equal(needed, ac->numeric);
                                        assert_int_equal(d.result, want.result);
                                        assert_int_equal(d.event, want.event);
                                        assert_int_equal(d.alert, want.alert);
                                        assert_int_equal(d.channel, sc->channel);
                                        assert_int_equal(d.action, effective);
                                        assert_int_equal(d.sso, sc->sso);
                                        assert_int_equal(d.inline_service, sc->inline_service);
                                        assert_int_equal(d.approved, ac->approved);
                                        assert_string_equal(d.client.text, ac->client_ip);
                                        if (ac->approved)
                                                assert_string_equal(d.matched.text, ac->matched);
                                        if (ac->approved) {
                                                assert_string_equal(d.matched.source, approved_path);
                                                assert_true(d.matched.line >= 2 && d.matched.line <= 4);
                                        }
                                        assert_non_null(event_text(d.event, d.channel, d.sso));
                                        checked++;
                                }
                        config_free(&c);
                }
        assert_int_equal(checked, 3 * 2 * ELEMENTSOF(service_cases) * ELEMENTSOF(address_cases));
}

/* Spot checks of the table in plain words, so a wrong oracle above cannot hide a bug. */
static void test_table_rows(void **state) {
        struct config c;
        struct decision d;

        load_config(&c, "block-and-log", "no", "local");
        run(&c, "sshd", "198.51.100.99", CHANNEL_INVALID, approved, &d);
        assert_int_equal(d.result, RESULT_BLOCKED);
        assert_int_equal(d.event, EVENT_BLOCKED);
        assert_true(d.alert);
        assert_string_equal(event_text(d.event, d.channel, d.sso), "Administrator logon blocked");
        run(&c, "portal", "198.51.100.99", CHANNEL_INVALID, approved, &d);
        assert_string_equal(event_text(d.event, d.channel, d.sso), "SSO portal user logon blocked");
        run(&c, "restapi", "198.51.100.99", CHANNEL_INVALID, approved, &d);
        assert_string_equal(event_text(d.event, d.channel, d.sso), "Blocked API access");
        run(&c, "dovecot", "203.0.113.1", CHANNEL_INVALID, approved, &d);
        assert_int_equal(d.result, RESULT_ALLOWED);
        assert_int_equal(d.event, EVENT_ALLOWED);
        assert_false(d.alert);
        assert_string_equal(d.matched.text, "203.0.113.0/24");
        assert_int_equal(d.matched.line, 2);
        assert_string_equal(event_text(d.event, d.channel, d.sso), "End user console user logon");
        /* inline, apply_to_inline = no: control is off */
        run(&c, "webmail-inline", "198.51.100.99", CHANNEL_INVALID, approved, &d);
        assert_int_equal(d.result, RESULT_ALLOWED);
        assert_int_equal(d.event, EVENT_ALLOWED);
        assert_int_equal(d.action, ACTION_NONE);
        assert_false(d.alert);
        config_free(&c);

        load_config(&c, "allow-and-log", "yes", "local");
        run(&c, "webmail-inline", "198.51.100.99", CHANNEL_INVALID, approved, &d);
        assert_int_equal(d.result, RESULT_ALLOWED);
        assert_int_equal(d.event, EVENT_LOGGED);
        assert_int_equal(d.action, ACTION_ALLOW_AND_LOG);
        assert_true(d.alert);
        assert_string_equal(event_text(d.event, d.channel, d.sso), "End user console user logon logged");
        config_free(&c);

        load_config(&c, "none", "yes", "local");
        run(&c, "sshd", "host.example.com", CHANNEL_INVALID, approved, &d);
        assert_int_equal(d.result, RESULT_ALLOWED);
        assert_int_equal(d.event, EVENT_ALLOWED);
        assert_false(d.approved);
        assert_false(d.alert);
        config_free(&c);
}

static void test_missing_rhost(void **state) {
        static const char *const missing[] = { NULL, "" };

        for (enum action a = 0; a < _ACTION_MAX; a++) {
                struct config c;
                struct decision d;

                load_config(&c, action_to_string(a), "yes", "local");
                for (size_t s = 0; s < ELEMENTSOF(service_cases); s++)
                        for (size_t m = 0; m < ELEMENTSOF(missing); m++) {
                                assert_false(run(&c, service_cases[s].service, missing[m], CHANNEL_INVALID, approved, &d));
                                assert_int_equal(d.result, RESULT_IGNORE);
                                assert_int_equal(d.event, EVENT_NONE);
                                assert_false(d.alert);
                                assert_string_equal(d.client.text, "");
                        }
                config_free(&c);

                load_config(&c, action_to_string(a), "yes", "unapproved");
                for (size_t s = 0; s < ELEMENTSOF(service_cases); s++)
                        for (size_t m = 0; m < ELEMENTSOF(missing); m++) {
                                struct expected want = expected_outcome(a, false);
                                assert_false(run(&c, service_cases[s].service, missing[m], CHANNEL_INVALID, approved, &d));
                                assert_int_equal(d.result, want.result);
                                assert_int_equal(d.event, want.event);
                                assert_int_equal(d.alert, want.alert);
                                assert_false(d.approved);
                                assert_int_equal(d.channel, service_cases[s].channel);
                        }
                config_free(&c);
        }

        /* Defaults: local for admin and enduser, unapproved for api. */
        struct config c;
        struct decision d;
        config_init_defaults(&c);
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++)
                c.channel[ch].action = ACTION_BLOCK_AND_LOG;
        run(&c, "anything", NULL, CHANNEL_ADMIN, approved, &d);
        assert_int_equal(d.result, RESULT_IGNORE);
        run(&c, "anything", NULL, CHANNEL_ENDUSER, approved, &d);
        assert_int_equal(d.result, RESULT_IGNORE);
        run(&c, "anything", NULL, CHANNEL_API, approved, &d);
        assert_int_equal(d.result, RESULT_BLOCKED);
        assert_int_equal(d.event, EVENT_BLOCKED);
        config_free(&c);
}

static void test_uncontrolled_service(void **state) {
        struct config c;
        struct decision d;

        load_config(&c, "block-and-log", "yes", "unapproved");
        static const char *const services[] = { "login", "", NULL, "sshd ", "ssh" };
        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                assert_false(run(&c, services[i], "198.51.100.99", CHANNEL_INVALID, approved, &d));
                assert_int_equal(d.result, RESULT_IGNORE);
                assert_int_equal(d.event, EVENT_NONE);
                assert_int_equal(d.channel, CHANNEL_INVALID);
                assert_false(d.alert);
                assert_false(run(&c, services[i], NULL, CHANNEL_INVALID, approved, &d));
                assert_int_equal(d.result, RESULT_IGNORE);
        }
        config_free(&c);
}

static void test_forced_channel(void **state) {
        struct config c;
        struct decision d;

        load_config(&c, "block-and-log", "no", "local");
        c.channel[CHANNEL_API].action = ACTION_ALLOW_AND_LOG;

        /* channel= puts an unlisted service in a channel. */
        assert_true(run(&c, "nginx", "198.51.100.99", CHANNEL_API, approved, &d));
        assert_int_equal(d.channel, CHANNEL_API);
        assert_int_equal(d.action, ACTION_ALLOW_AND_LOG);
        assert_int_equal(d.result, RESULT_ALLOWED);
        assert_int_equal(d.event, EVENT_LOGGED);
        assert_true(run(&c, NULL, "198.51.100.99", CHANNEL_ADMIN, approved, &d));
        assert_int_equal(d.result, RESULT_BLOCKED);

        /* ... and overrides the file. */
        assert_true(run(&c, "sshd", "198.51.100.99", CHANNEL_API, approved, &d));
        assert_int_equal(d.channel, CHANNEL_API);
        assert_int_equal(d.event, EVENT_LOGGED);

        /* sso / inline follow the service only inside its own channel. */
        run(&c, "portal", "198.51.100.99", CHANNEL_ADMIN, approved, &d);
        assert_true(d.sso);
        run(&c, "portal", "198.51.100.99", CHANNEL_ENDUSER, approved, &d);
        assert_false(d.sso);
        assert_int_equal(d.channel, CHANNEL_ENDUSER);
        assert_int_equal(d.result, RESULT_BLOCKED);
        run(&c, "webmail-inline", "198.51.100.99", CHANNEL_ENDUSER, approved, &d);
        assert_true(d.inline_service);
        assert_int_equal(d.action, ACTION_NONE);
        assert_int_equal(d.result, RESULT_ALLOWED);
        run(&c, "webmail-inline", "198.51.100.99", CHANNEL_ADMIN, approved, &d);
        assert_false(d.inline_service);
        assert_int_equal(d.action, ACTION_BLOCK_AND_LOG);
        assert_int_equal(d.result, RESULT_BLOCKED);
        config_free(&c);
}

static void test_without_list(void **state) {
        struct config c;
        struct decision d;

        load_config(&c, "block-and-log", "no", "local");
        /* No list (nothing approved): every numeric address is unapproved. */
        assert_true(run(&c, "sshd", "203.0.113.7", CHANNEL_INVALID, NULL, &d));
        assert_false(d.approved);
        assert_int_equal(d.result, RESULT_BLOCKED);
        assert_string_equal(d.matched.text, "");

        /* finish after a complete begin changes nothing. */
        struct decision_input in = { .service = "sshd", .rhost = NULL, .forced_channel = CHANNEL_INVALID };
        assert_false(decision_begin(&c, &in, &d));
        decision_finish(&d, approved);
        assert_int_equal(d.result, RESULT_IGNORE);
        assert_int_equal(d.event, EVENT_NONE);
        in.rhost = "host.example.com";
        assert_false(decision_begin(&c, &in, &d));
        decision_finish(&d, approved);
        assert_int_equal(d.result, RESULT_BLOCKED);
        in.service = "login";
        in.rhost = "203.0.113.7";
        assert_false(decision_begin(&c, &in, &d));
        decision_finish(&d, approved);
        assert_int_equal(d.result, RESULT_IGNORE);

        /* A begin without finish for a numeric address has decided nothing yet. */
        in.service = "sshd";
        assert_true(decision_begin(&c, &in, &d));
        assert_int_equal(d.result, RESULT_IGNORE);
        assert_int_equal(d.event, EVENT_NONE);
        config_free(&c);
}

static void test_stage_strings(void **state) {
        assert_string_equal(stage_to_string(STAGE_AUTH), "auth");
        assert_string_equal(stage_to_string(STAGE_ACCOUNT), "account");
        assert_null(stage_to_string((enum stage) 7));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_matrix),
                cmocka_unit_test(test_table_rows),
                cmocka_unit_test(test_missing_rhost),
                cmocka_unit_test(test_uncontrolled_service),
                cmocka_unit_test(test_forced_channel),
                cmocka_unit_test(test_without_list),
                cmocka_unit_test(test_stage_strings),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
