/* SPDX-License-Identifier: MIT */
/* The event catalog against SPEC §4 and §5, word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"

static void test_message_ids(void **state) {
        /* SPEC §4 */
        assert_string_equal(event_message_id(EVENT_ALLOWED), "7798a78dc57742739e9ec866817a4c5b");
        assert_string_equal(event_message_id(EVENT_LOGGED), "53a044f2764e49b6af7a20856db4de85");
        assert_string_equal(event_message_id(EVENT_BLOCKED), "d0cf6d6fb64045fc8f4061394c06dee8");
        assert_string_equal(event_message_id(EVENT_CONFIG_ERROR), "51fa95a40f0048f68a2835ceaae7628c");
        assert_null(event_message_id(EVENT_NONE));
        assert_null(event_message_id(_EVENT_MAX));

        /* SPEC §5: alertd's own entries, and journald's "Suppressed N messages". */
        assert_string_equal(MESSAGE_ID_ALERT_SENT, "77407cb02c2144519ecf4e8fa93fdebf");
        assert_string_equal(MESSAGE_ID_ALERT_NOT_SENT, "abf5688df9cf46118401b15268efea96");
        assert_string_equal(MESSAGE_ID_ALERT_FAILED, "ef6348b86f7a47499b508f6405ed6ee2");
        assert_string_equal(MESSAGE_ID_JOURNAL_SUPPRESSED, "a596d6fe7bfa4994828e72309e95d61e");
        assert_string_equal(SYSLOG_IDENTIFIER_MODULE, "pam_logonacl");
        assert_string_equal(SYSLOG_IDENTIFIER_ALERTD, "logonacl-alertd");

        /* All distinct, 128-bit lowercase hex as journalctl MESSAGE_ID= needs. */
        const char *const ids[] = {
                MESSAGE_ID_ALLOWED, MESSAGE_ID_LOGGED, MESSAGE_ID_BLOCKED, MESSAGE_ID_CONFIG_ERROR,
                MESSAGE_ID_ALERT_SENT, MESSAGE_ID_ALERT_NOT_SENT, MESSAGE_ID_ALERT_FAILED,
                MESSAGE_ID_JOURNAL_SUPPRESSED,
        };
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                assert_int_equal(strlen(ids[i]), 32);
                assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
                for (size_t k = 0; k < i; k++)
                        assert_string_not_equal(ids[i], ids[k]);
        }
}

static void test_from_message_id(void **state) {
        assert_int_equal(event_from_message_id("7798a78dc57742739e9ec866817a4c5b"), EVENT_ALLOWED);
        assert_int_equal(event_from_message_id("53a044f2764e49b6af7a20856db4de85"), EVENT_LOGGED);
        assert_int_equal(event_from_message_id("d0cf6d6fb64045fc8f4061394c06dee8"), EVENT_BLOCKED);
        assert_int_equal(event_from_message_id("51fa95a40f0048f68a2835ceaae7628c"), EVENT_CONFIG_ERROR);
        assert_int_equal(event_from_message_id(MESSAGE_ID_ALERT_SENT), EVENT_NONE);
        assert_int_equal(event_from_message_id(MESSAGE_ID_JOURNAL_SUPPRESSED), EVENT_NONE);
        assert_int_equal(event_from_message_id("D0CF6D6FB64045FC8F4061394C06DEE8"), EVENT_NONE);
        assert_int_equal(event_from_message_id("d0cf6d6fb64045fc8f4061394c06dee"), EVENT_NONE);
        assert_int_equal(event_from_message_id("d0cf6d6fb64045fc8f4061394c06dee85"), EVENT_NONE);
        assert_int_equal(event_from_message_id(""), EVENT_NONE);
        assert_int_equal(event_from_message_id(NULL), EVENT_NONE);
}

static void test_priority_and_activity(void **state) {
        assert_int_equal(event_priority(EVENT_ALLOWED), 6);
        assert_int_equal(event_priority(EVENT_LOGGED), 5);
        assert_int_equal(event_priority(EVENT_BLOCKED), 4);
        assert_int_equal(event_priority(EVENT_CONFIG_ERROR), 3);
        assert_string_equal(event_activity(EVENT_ALLOWED), "allowed");
        assert_string_equal(event_activity(EVENT_LOGGED), "blocked-and-logged");
        assert_string_equal(event_activity(EVENT_BLOCKED), "blocked-and-logged");
        assert_null(event_activity(EVENT_CONFIG_ERROR));
        assert_null(event_activity(EVENT_NONE));
}

static void test_event_texts(void **state) {
        static const struct {
                enum channel channel;
                bool sso;
                const char *allowed, *logged, *blocked;
        } rows[] = {
                { CHANNEL_ADMIN, false, "Administrator logon", "Administrator logon logged", "Administrator logon blocked" },
                { CHANNEL_ADMIN, true, "SSO portal user logon", "SSO portal user logon logged", "SSO portal user logon blocked" },
                { CHANNEL_ENDUSER, false, "End user console user logon", "End user console user logon logged",
                  "End user console user logon blocked" },
                { CHANNEL_API, false, "API access", "Logged API access", "Blocked API access" },
                /* sso_services exist in [admin] only: the flag changes nothing elsewhere. */
                { CHANNEL_ENDUSER, true, "End user console user logon", "End user console user logon logged",
                  "End user console user logon blocked" },
                { CHANNEL_API, true, "API access", "Logged API access", "Blocked API access" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                assert_string_equal(event_text(EVENT_ALLOWED, rows[i].channel, rows[i].sso), rows[i].allowed);
                assert_string_equal(event_text(EVENT_LOGGED, rows[i].channel, rows[i].sso), rows[i].logged);
                assert_string_equal(event_text(EVENT_BLOCKED, rows[i].channel, rows[i].sso), rows[i].blocked);
                assert_null(event_text(EVENT_NONE, rows[i].channel, rows[i].sso));
                assert_null(event_text(EVENT_CONFIG_ERROR, rows[i].channel, rows[i].sso));
        }
        assert_null(event_text(EVENT_ALLOWED, CHANNEL_INVALID, false));
        assert_null(event_text(EVENT_ALLOWED, _CHANNEL_MAX, false));
}

static void test_alert_wording(void **state) {
        assert_string_equal(alert_access_activity(CHANNEL_ADMIN, false), "Logon to Administrator Console");
        assert_string_equal(alert_access_activity(CHANNEL_ADMIN, true), "Logon to SSO Portal");
        assert_string_equal(alert_access_activity(CHANNEL_ENDUSER, false), "Logon to End User Console");
        assert_string_equal(alert_access_activity(CHANNEL_API, false), "API Access");
        assert_string_equal(alert_access_activity(CHANNEL_ENDUSER, true), "Logon to End User Console");
        assert_string_equal(alert_access_activity(CHANNEL_API, true), "API Access");
        assert_null(alert_access_activity(CHANNEL_INVALID, false));

        assert_string_equal(alert_action_taken(ACTION_ALLOW_AND_LOG), "Allow and log");
        assert_string_equal(alert_action_taken(ACTION_BLOCK_AND_LOG), "Block and log");
        assert_null(alert_action_taken(ACTION_NONE));
        assert_null(alert_action_taken(ACTION_INVALID));
}

static void test_blocked_user_message(void **state) {
        assert_string_equal(blocked_user_message(CHANNEL_ADMIN),
                            "Your IP address was rejected by IP restrictions, so you cannot log on from this IP "
                            "address. Contact your administrator.");
        assert_string_equal(blocked_user_message(CHANNEL_ENDUSER),
                            "Your IP address was rejected by IP restrictions, so you cannot log on with this "
                            "account. Contact your administrator.");
        assert_null(blocked_user_message(CHANNEL_API));
        assert_null(blocked_user_message(CHANNEL_INVALID));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_message_ids),
                cmocka_unit_test(test_from_message_id),
                cmocka_unit_test(test_priority_and_activity),
                cmocka_unit_test(test_event_texts),
                cmocka_unit_test(test_alert_wording),
                cmocka_unit_test(test_blocked_user_message),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
