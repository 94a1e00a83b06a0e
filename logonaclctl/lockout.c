/* SPDX-License-Identifier: MIT */
/* The replay behind what-if and set's lockout guard, and its table.  One row
 * per client address, not per user/client pair: a large journal has a million
 * pairs, and the address is what gets approved. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "decide.h"
#include "escape.h"
#include "lockout.h"
#include "timestamp.h"

#define CLIENTS_SHOWN 20
#define CLIENT_WIDTH_MIN 15
#define CLIENT_WIDTH_MAX 39

/* Where an entry's counts go: 1 with the tally in *ret, 0 when it does not
 * count, or -ENOMEM.  Before authentication anyone can make an entry: an
 * attacker's failed attempts must not hold the switch back.  But a service
 * whose stack has the module in auth as well writes auth-stage entries only
 * (the account stage reuses that decision, SPEC §4): its logons count as they
 * are.  Which kind a service is shows only once an account-stage entry of it
 * is read, so in one pass its auth-stage counts wait aside (*ret_deferred:
 * ->count the entries replayed, ->sub the clients) until that entry, which
 * drops them, or the end, which adds them (lockout_add_deferred). */
static int counts_for(struct lockout *l, const struct logon_record *r, struct tally **ret,
                      struct tally_item **ret_deferred) {
        const char *service = r->field[LOGON_SERVICE].data ?: "";
        size_t service_len = r->field[LOGON_SERVICE].len;

        *ret = l->clients;
        *ret_deferred = NULL;
        if (!l->authenticated_only)
                return 1;
        bool known = tally_has(l->account_services, service, service_len);
        if (strcmp(logon_str(r, LOGON_STAGE), "account") == 0) {
                if (known)
                        return 1;
                struct tally_item *waited = tally_add_counts(l->deferred, service, service_len, "", 0, 0, 0, 0);
                if (!waited || !tally_add(l->account_services, service, service_len, "", 0, 0, 0))
                        return -ENOMEM;
                tally_free(TAKE_PTR(waited->sub));
                return 1;
        }
        if (known)
                return 0;
        struct tally_item *d = tally_add(l->deferred, service, service_len, "", 0, r->realtime_usec, 0);
        if (!d || (!d->sub && !(d->sub = tally_new())))
                return -ENOMEM;
        *ret = d->sub;
        *ret_deferred = d;
        return 1;
}

static int replay_one(const struct logon_record *r, void *userdata) {
        struct lockout *l = userdata;
        struct tally_item *deferred;
        struct tally *into;
        struct decision d;

        int k = counts_for(l, r, &into, &deferred);
        if (k <= 0)
                return k;
        bool auth = strcmp(logon_str(r, LOGON_STAGE), "auth") == 0;
        if (!deferred)
                l->n_replayed++;

        /* The logon as the module saw it; its channel was this one (by the file
         * or by channel=), so it is replayed in this channel. */
        struct decision_input in = {
                .service = logon_str(r, LOGON_SERVICE),
                .rhost = r->field[LOGON_RHOST].data,
                .stage = auth ? STAGE_AUTH : STAGE_ACCOUNT,
                .forced_channel = l->channel,
        };
        if (decision_begin(&l->config, &in, &d))
                decision_finish(&d, l->list);
        if (!(d.result == RESULT_BLOCKED || (d.action == ACTION_ALLOW_AND_LOG && d.event == EVENT_LOGGED)))
                return 0;

        /* The client as the module normalised it; the raw rhost when it is no address. */
        const struct logon_value *user = &r->field[LOGON_USER];
        const char *client = d.client.kind == RHOST_ADDRESS ? d.client.text : logon_str(r, LOGON_RHOST);
        size_t client_len = d.client.kind == RHOST_ADDRESS ? strlen(client) : r->field[LOGON_RHOST].len;
        struct tally_item *item = tally_add(into, client, client_len, "", 0, r->realtime_usec, !auth);
        if (!item || (!item->sub && !(item->sub = tally_new())) ||
            !tally_add(item->sub, user->data ?: "", user->len, "", 0, r->realtime_usec, !auth))
                return -ENOMEM;
        if (!deferred) {
                l->n_logons++;
                l->n_authenticated += !auth;
        }
        return 0;
}

/* The end of the pass: the auth-stage counts of services that wrote no
 * account-stage entry count as they are. */
static int lockout_add_deferred(struct lockout *l) {
        _cleanup_free_ struct tally_item **services = NULL;
        size_t n = 0;
        int r = tally_sorted(l->deferred, &services, &n);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                const struct tally_item *s = services[i];
                if (!s->sub)
                        continue;       /* dropped: the service writes account-stage entries */
                l->n_replayed += s->count;
                _cleanup_free_ struct tally_item **clients = NULL;
                size_t n_clients = 0;
                r = tally_sorted(s->sub, &clients, &n_clients);
                for (size_t c = 0; r >= 0 && c < n_clients; c++)
                        l->n_logons += clients[c]->count;
                if (r >= 0)
                        r = tally_merge(l->clients, s->sub);
        }
        return r;
}

int lockout_replay(struct lockout *l, const struct config *c, enum channel channel, enum action action,
                   const struct approved_list *list, bool authenticated_only, struct journal_query *q) {
        struct journal_stats stats;
        int r;

        *l = (struct lockout) {
                .config = *c,
                .channel = channel,
                .list = list,
                .authenticated_only = authenticated_only,
                .clients = tally_new(),
                .account_services = tally_new(),
                .deferred = tally_new(),
        };
        if (!l->clients || !l->account_services || !l->deferred) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                return -ENOMEM;
        }
        l->config.channel[channel].action = action;
        q->events = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED);
        q->channel = channel;
        q->config = c;

        r = journal_query_run(q, replay_one, l, &stats);
        if (r >= 0 && (r = lockout_add_deferred(l)) < 0)
                fprintf(stderr, "logonaclctl: %s\n", strerror(-r));
        journal_stats_print(&stats);
        l->no_journal = stats.no_files;
        l->n_untrusted = stats.n_untrusted;
        return r;
}

void lockout_done(struct lockout *l) {
        tally_free(l->clients);
        tally_free(l->account_services);
        tally_free(l->deferred);
        l->clients = l->account_services = l->deferred = NULL;
}

static int sorted_clients(const struct lockout *l, struct tally_item ***ret, size_t *ret_n) {
        int r = tally_sorted(l->clients, ret, ret_n);
        if (r < 0) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(-r));
                return r;
        }
        qsort(*ret, *ret_n, sizeof **ret, tally_order_authenticated_first);
        return 0;
}

void user_counts_print(const struct tally *users, size_t shown) {
        _cleanup_free_ struct tally_item **items = NULL;
        size_t n = 0;

        if (tally_sorted(users, &items, &n) < 0)
                return;
        for (size_t i = 0; i < n && i < shown; i++) {
                if (i > 0)
                        fputs(", ", stdout);
                if (items[i]->a_len > 0)
                        escape_terminal(stdout, items[i]->a, items[i]->a_len);
                else
                        fputs("(no user)", stdout);
                printf(" (%llu)", (unsigned long long) items[i]->count);
        }
        if (n > shown)
                printf(", and %zu more", n - shown);
}

/* The CLIENT column: as wide as the widest shown address (an IPv6 one is
 * 39), a longer host name or hostile rhost widens its own row only. */
static int client_width(struct tally_item **items, size_t n) {
        size_t width = CLIENT_WIDTH_MIN;

        for (size_t i = 0; i < n; i++) {
                addr128 a;
                int family;
                if (items[i]->a_len > width && items[i]->a_len <= CLIENT_WIDTH_MAX &&
                    addr_parse(items[i]->a, items[i]->a_len, &a, &family) >= 0)
                        width = items[i]->a_len;
        }
        return (int) width;
}

int lockout_print_table(const struct lockout *l, bool all) {
        _cleanup_free_ struct tally_item **items = NULL;
        size_t n = 0;

        if (sorted_clients(l, &items, &n) < 0)
                return -ENOMEM;
        if (n == 0)
                return 0;

        size_t shown = all || n < CLIENTS_SHOWN ? n : CLIENTS_SHOWN;
        int width = client_width(items, shown);
        printf("%-*s  %6s  %10s  %-19s  %s\n", width, "CLIENT", "LOGONS", "AFTER AUTH", "LAST SEEN", "USERS");
        for (size_t i = 0; i < shown; i++) {
                char last[TIMESTAMP_TEXT_MAX];
                size_t w = items[i]->a_len > 0 ? escape_terminal(stdout, items[i]->a, items[i]->a_len)
                                               : (size_t) printf("(no rhost)");
                timestamp_format_local(items[i]->last_usec, last);
                printf("%*s  %6llu  %10llu  %-19s  ", w < (size_t) width ? (int) (width - w) : 0, "",
                       (unsigned long long) items[i]->count, (unsigned long long) items[i]->count_authenticated,
                       last);
                user_counts_print(items[i]->sub, USERS_SHOWN);
                putchar('\n');
        }
        if (!all && n > CLIENTS_SHOWN)
                printf("and %zu more client %s (--all or --json shows every one)\n", n - CLIENTS_SHOWN,
                       n - CLIENTS_SHOWN == 1 ? "address" : "addresses");
        return 0;
}

static void json_users(const struct tally *users) {
        _cleanup_free_ struct tally_item **items = NULL;
        size_t n = 0;

        if (tally_sorted(users, &items, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                fputs(i == 0 ? "{\"user\":" : ",{\"user\":", stdout);
                json_write_value(stdout, items[i]->a, items[i]->a_len);
                printf(",\"logons\":%llu,\"after_auth\":%llu}", (unsigned long long) items[i]->count,
                       (unsigned long long) items[i]->count_authenticated);
        }
}

int lockout_print_json(const struct lockout *l) {
        _cleanup_free_ struct tally_item **items = NULL;
        size_t n = 0;

        if (sorted_clients(l, &items, &n) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char last[TIMESTAMP_TEXT_MAX];
                timestamp_format_iso_utc(items[i]->last_usec, last);
                fputs("{\"client\":", stdout);
                json_write_value(stdout, items[i]->a, items[i]->a_len);
                printf(",\"logons\":%llu,\"after_auth\":%llu,\"last_seen\":\"%s\",\"last_seen_usec\":%llu,"
                       "\"users\":[", (unsigned long long) items[i]->count,
                       (unsigned long long) items[i]->count_authenticated, last,
                       (unsigned long long) items[i]->last_usec);
                json_users(items[i]->sub);
                fputs("]}\n", stdout);
        }
        return 0;
}

void lockout_summary(const struct lockout *l, char *buf, size_t size) {
        size_t n = tally_size(l->clients);

        snprintf(buf, size, "%llu %s (%llu after authentication) from %zu client %s",
                 (unsigned long long) l->n_logons, l->n_logons == 1 ? "logon" : "logons",
                 (unsigned long long) l->n_authenticated, n, n == 1 ? "address" : "addresses");
}
