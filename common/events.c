/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "events.h"

static const struct {
        const char *message_id;
        int priority;
        const char *activity;
} event_table[_EVENT_MAX] = {
        [EVENT_ALLOWED]      = { MESSAGE_ID_ALLOWED,      6, "allowed" },
        [EVENT_LOGGED]       = { MESSAGE_ID_LOGGED,       5, "blocked-and-logged" },
        [EVENT_BLOCKED]      = { MESSAGE_ID_BLOCKED,      4, "blocked-and-logged" },
        [EVENT_CONFIG_ERROR] = { MESSAGE_ID_CONFIG_ERROR, 3, NULL },
};

/* The seed's audit-log event types: [channel or SSO][allowed, logged, blocked]. */
enum { ROW_ADMIN, ROW_SSO, ROW_ENDUSER, ROW_API, _ROW_MAX };

static const char *const event_texts[_ROW_MAX][3] = {
        [ROW_ADMIN]   = { "Administrator logon", "Administrator logon logged", "Administrator logon blocked" },
        [ROW_SSO]     = { "SSO portal user logon", "SSO portal user logon logged", "SSO portal user logon blocked" },
        [ROW_ENDUSER] = { "End user console user logon", "End user console user logon logged",
                          "End user console user logon blocked" },
        [ROW_API]     = { "API access", "Logged API access", "Blocked API access" },
};

static const char *const access_activities[_ROW_MAX] = {
        [ROW_ADMIN]   = "Logon to Administrator Console",
        [ROW_SSO]     = "Logon to SSO Portal",
        [ROW_ENDUSER] = "Logon to End User Console",
        [ROW_API]     = "API Access",
};

static int row_of(enum channel c, bool sso) {
        switch (c) {
        case CHANNEL_ADMIN:   return sso ? ROW_SSO : ROW_ADMIN;
        case CHANNEL_ENDUSER: return ROW_ENDUSER;
        case CHANNEL_API:     return ROW_API;
        default:              return -1;
        }
}

const char *event_message_id(enum event_kind e) {
        return e > EVENT_NONE && e < _EVENT_MAX ? event_table[e].message_id : NULL;
}

int event_priority(enum event_kind e) {
        return e > EVENT_NONE && e < _EVENT_MAX ? event_table[e].priority : 6;
}

const char *event_activity(enum event_kind e) {
        return e > EVENT_NONE && e < _EVENT_MAX ? event_table[e].activity : NULL;
}

enum event_kind event_from_message_id(const char *id) {
        for (enum event_kind e = EVENT_NONE + 1; e < _EVENT_MAX; e++)
                if (id && strcmp(id, event_table[e].message_id) == 0)
                        return e;
        return EVENT_NONE;
}

const char *event_text(enum event_kind e, enum channel c, bool sso) {
        int row = row_of(c, sso);
        if (row < 0)
                return NULL;
        switch (e) {
        case EVENT_ALLOWED: return event_texts[row][0];
        case EVENT_LOGGED:  return event_texts[row][1];
        case EVENT_BLOCKED: return event_texts[row][2];
        default:            return NULL;
        }
}

const char *alert_access_activity(enum channel c, bool sso) {
        int row = row_of(c, sso);
        return row < 0 ? NULL : access_activities[row];
}

const char *alert_action_taken(enum action a) {
        switch (a) {
        case ACTION_ALLOW_AND_LOG: return "Allow and log";
        case ACTION_BLOCK_AND_LOG: return "Block and log";
        default:                   return NULL;
        }
}

const char *blocked_user_message(enum channel c) {
        switch (c) {
        case CHANNEL_ADMIN:
                return "Your IP address was rejected by IP restrictions, so you cannot log on from this IP address. "
                       "Contact your administrator.";
        case CHANNEL_ENDUSER:
                return "Your IP address was rejected by IP restrictions, so you cannot log on with this account. "
                       "Contact your administrator.";
        default:
                return NULL;
        }
}
