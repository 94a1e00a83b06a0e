/* SPDX-License-Identifier: MIT */
#pragma once

/* The event catalog of SPEC §4 and §5, as data: MESSAGE_IDs, LOGONACL_EVENT texts,
 * activity names, priorities, the blocked user's message and the alert wording.
 * Every program takes these strings from here and nowhere else. */

#include <stdbool.h>
#include "config.h"

enum event_kind {
        EVENT_NONE,
        EVENT_ALLOWED,
        EVENT_LOGGED,
        EVENT_BLOCKED,
        EVENT_CONFIG_ERROR,
        _EVENT_MAX,
};

#define MESSAGE_ID_ALLOWED              "7798a78dc57742739e9ec866817a4c5b"
#define MESSAGE_ID_LOGGED               "53a044f2764e49b6af7a20856db4de85"
#define MESSAGE_ID_BLOCKED              "d0cf6d6fb64045fc8f4061394c06dee8"
#define MESSAGE_ID_CONFIG_ERROR         "51fa95a40f0048f68a2835ceaae7628c"
#define MESSAGE_ID_ALERT_SENT           "77407cb02c2144519ecf4e8fa93fdebf"
#define MESSAGE_ID_ALERT_NOT_SENT       "abf5688df9cf46118401b15268efea96"
#define MESSAGE_ID_ALERT_FAILED         "ef6348b86f7a47499b508f6405ed6ee2"
#define MESSAGE_ID_JOURNAL_SUPPRESSED   "a596d6fe7bfa4994828e72309e95d61e"

#define SYSLOG_IDENTIFIER_MODULE        "pam_logonacl"
#define SYSLOG_IDENTIFIER_ALERTD        "logonacl-alertd"

const char *event_message_id(enum event_kind e);
int event_priority(enum event_kind e);                          /* 6, 5, 4, 3 */
const char *event_activity(enum event_kind e);                  /* "allowed", "blocked-and-logged", NULL */
enum event_kind event_from_message_id(const char *id);          /* EVENT_NONE if not ours */

/* LOGONACL_EVENT text, e.g. "SSO portal user logon logged". */
const char *event_text(enum event_kind e, enum channel c, bool sso);
/* "Access Activity:" line of the mail, e.g. "Logon to SSO Portal". */
const char *alert_access_activity(enum channel c, bool sso);
/* "Action Taken:" line: "Allow and log", "Block and log". */
const char *alert_action_taken(enum action a);
/* The message a blocked user sees; NULL for api. */
const char *blocked_user_message(enum channel c);
