/* SPDX-License-Identifier: MIT */
#pragma once

/* The one decision function of SPEC §3, used by the module, `logonaclctl test`
 * and `logonaclctl what-if`.  Two steps so that the caller loads the approved
 * list only when it is needed:
 *
 *     struct decision d;
 *     if (decision_begin(config, &input, &d))
 *             decision_finish(&d, list);
 */

#include <stdbool.h>
#include "approved.h"
#include "config.h"
#include "events.h"
#include "rhost.h"

enum stage {
        STAGE_AUTH,
        STAGE_ACCOUNT,
};

struct decision_input {
        const char *service;            /* PAM_SERVICE; may be NULL */
        const char *rhost;              /* PAM_RHOST, raw; may be NULL */
        enum stage stage;
        enum channel forced_channel;    /* channel= argument, or CHANNEL_INVALID */
};

enum decision_result {
        RESULT_IGNORE,                  /* not controlled: PAM_IGNORE, no event */
        RESULT_ALLOWED,                 /* PAM_SUCCESS */
        RESULT_BLOCKED,                 /* PAM_PERM_DENIED */
};

struct decision {
        enum decision_result result;
        enum event_kind event;          /* EVENT_NONE when result is RESULT_IGNORE */
        enum channel channel;
        enum action action;             /* effective: none for an inline service unless apply_to_inline */
        bool sso;
        bool inline_service;
        bool approved;
        bool alert;                     /* logged or blocked: alertd mails it */
        struct client_address client;
        struct approved_entry_info matched;     /* valid when approved */
        /* Not approved, but an expired entry covers the client: it would have
         * allowed the logon (SPEC §1), and the journal entry says so. */
        bool expired_match;
        struct approved_entry_info expired;     /* valid when expired_match */
};

/* Fills channel, action, client; returns true when the approved list must be
 * consulted (then call decision_finish), false when the decision is complete. */
bool decision_begin(const struct config *c, const struct decision_input *in, struct decision *d);
void decision_finish(struct decision *d, const struct approved_list *list);

const char *stage_to_string(enum stage s);      /* "auth", "account" */
/* LOGONACL_RESULT: "allowed", "blocked", "ignored" (a config error with on_error=allow). */
const char *decision_result_to_string(enum decision_result r);
