/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "decide.h"

/* The table of SPEC §3, once d->approved is known. */
static void apply_action(struct decision *d) {
        d->alert = false;
        if (d->approved || d->action == ACTION_NONE) {
                /* Control off or address approved: let in, record it. */
                d->result = RESULT_ALLOWED;
                d->event = EVENT_ALLOWED;
        } else if (d->action == ACTION_ALLOW_AND_LOG) {
                d->result = RESULT_ALLOWED;
                d->event = EVENT_LOGGED;
                d->alert = true;
        } else {
                d->result = RESULT_BLOCKED;
                d->event = EVENT_BLOCKED;
                d->alert = true;
        }
}

bool decision_begin(const struct config *c, const struct decision_input *in, struct decision *d) {
        bool sso = false, inline_service = false;

        *d = (struct decision) {
                .result = RESULT_IGNORE,
                .event = EVENT_NONE,
                .channel = CHANNEL_INVALID,
                .action = ACTION_NONE,
        };
        rhost_normalise(in->rhost, &d->client);

        enum channel listed = config_channel_of(c, in->service, &sso, &inline_service);
        enum channel channel = in->forced_channel >= 0 && in->forced_channel < _CHANNEL_MAX ? in->forced_channel : listed;
        if (channel == CHANNEL_INVALID)
                return false;           /* a service in no channel is not controlled */
        if (channel != listed)
                sso = inline_service = false;   /* channel= moved the stack: plain member of that channel */

        const struct channel_config *cc = &c->channel[channel];
        d->channel = channel;
        d->sso = sso;
        d->inline_service = inline_service;
        d->action = inline_service && !cc->apply_to_inline ? ACTION_NONE : cc->action;

        switch (d->client.kind) {
        case RHOST_ADDRESS:
                return true;            /* the approved list decides */
        case RHOST_MISSING:
                if (cc->missing_rhost == MISSING_RHOST_LOCAL)
                        return false;   /* local logon: not controlled */
                break;
        case RHOST_HOSTNAME:
        case RHOST_INVALID:
        default:
                break;                  /* never looked up: unapproved */
        }
        d->approved = false;
        apply_action(d);
        return false;
}

void decision_finish(struct decision *d, const struct approved_list *list) {
        /* Only a numeric address waits for the list; anything else was decided in begin. */
        if (d->channel == CHANNEL_INVALID || d->client.kind != RHOST_ADDRESS)
                return;
        d->approved = d->expired_match = false;
        memset(&d->matched, 0, sizeof d->matched);
        memset(&d->expired, 0, sizeof d->expired);
        if (list) {
                d->approved = approved_list_match_at(list, d->client.addr, (int64_t) time(NULL), &d->matched,
                                                     &d->expired);
                d->expired_match = !d->approved && d->expired.line > 0;
        }
        apply_action(d);
}

const char *stage_to_string(enum stage s) {
        switch (s) {
        case STAGE_AUTH:    return "auth";
        case STAGE_ACCOUNT: return "account";
        default:            return NULL;
        }
}

const char *decision_result_to_string(enum decision_result r) {
        switch (r) {
        case RESULT_ALLOWED: return "allowed";
        case RESULT_BLOCKED: return "blocked";
        default:             return "ignored";
        }
}
