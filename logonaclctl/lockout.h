/* SPDX-License-Identifier: MIT */
#pragma once

/* Who a channel's new action would refuse: past allowed and logged logons of
 * the channel replayed through decide() with the action replaced and today's
 * approved list, grouped by client address (the thing an administrator
 * approves) with the users and counts of each.  Used by what-if, and by set's
 * lockout guard. */

#include <stdbool.h>
#include <stdint.h>
#include "approved.h"
#include "config.h"
#include "journal_query.h"
#include "tally.h"

struct lockout {
        struct config config;           /* shallow copy with the action replaced; not freed */
        enum channel channel;
        const struct approved_list *list;
        bool authenticated_only;        /* account-stage entries only, where a service writes
                                         * them (set's guard) */
        struct tally *clients;          /* client -> count, last seen; ->sub: user -> count */
        struct tally *account_services; /* services with account-stage entries (authenticated_only) */
        struct tally *deferred;         /* service -> its auth-stage counts, until the pass tells */
        uint64_t n_replayed;
        uint64_t n_logons;              /* of the clients */
        uint64_t n_authenticated;       /* of them, account stage */
        bool no_journal;                /* no journal file could be read: nobody is known */
        size_t n_untrusted;             /* logonacl entries left out: writer not in trusted_users */
};

/* Replays the entries q selects (its events are set here: allowed and logged)
 * with channel's action replaced by action.  0, or a negative errno (the reason
 * printed).  Free with lockout_done(). */
int lockout_replay(struct lockout *l, const struct config *c, enum channel channel, enum action action,
                   const struct approved_list *list, bool authenticated_only, struct journal_query *q);
void lockout_done(struct lockout *l);

/* The table: the top rows (all of them with all) and "and N more ...". */
int lockout_print_table(const struct lockout *l, bool all);
/* One JSON object a line, every client and every user. */
int lockout_print_json(const struct lockout *l);
/* The users of a client, most frequent first: "alice (2), bob (1), and 3 more"
 * (to stdout, escaped for the terminal). */
#define USERS_SHOWN 5
void user_counts_print(const struct tally *users, size_t shown);
/* "4 logons (3 after authentication) from 2 client addresses" into buf. */
void lockout_summary(const struct lockout *l, char *buf, size_t size);
