/* SPDX-License-Identifier: MIT */
/* logonaclctl what-if: replays the past allowed and logged logons of a channel
 * through decide() with the channel's action replaced and today's approved
 * list, and prints who would have been locked out (user, client, count, last
 * seen).  Exit 3 when anyone would have been, so a script can gate the switch
 * to block-and-log on it. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "ctl.h"
#include "decide.h"
#include "escape.h"
#include "journal_query.h"
#include "tally.h"
#include "timestamp.h"

struct replay {
        struct config config;           /* shallow copy with the action replaced; not freed */
        enum channel channel;
        const struct approved_list *list;
        struct tally *hits;             /* (user, client) -> count, last seen */
        uint64_t n_replayed;
};

static int replay_one(const struct logon_record *r, void *userdata) {
        struct replay *rp = userdata;
        struct decision d;

        rp->n_replayed++;

        /* The logon as the module saw it; its channel was this one (by the file
         * or by channel=), so it is replayed in this channel. */
        bool auth = strcmp(logon_str(r, LOGON_STAGE), "auth") == 0;
        struct decision_input in = {
                .service = logon_str(r, LOGON_SERVICE),
                .rhost = r->field[LOGON_RHOST].data,
                .stage = auth ? STAGE_AUTH : STAGE_ACCOUNT,
                .forced_channel = rp->channel,
        };
        if (decision_begin(&rp->config, &in, &d))
                decision_finish(&d, rp->list);
        if (!(d.result == RESULT_BLOCKED || (d.action == ACTION_ALLOW_AND_LOG && d.event == EVENT_LOGGED)))
                return 0;

        /* The client as the module normalised it; the raw rhost when it is no address. */
        const struct logon_value *user = &r->field[LOGON_USER];
        const char *client = d.client.kind == RHOST_ADDRESS ? d.client.text : logon_str(r, LOGON_RHOST);
        size_t client_len = d.client.kind == RHOST_ADDRESS ? strlen(client) : r->field[LOGON_RHOST].len;
        if (!tally_add(rp->hits, user->data ?: "", user->len, client, client_len, r->realtime_usec, !auth))
                return -ENOMEM;
        return 0;
}

static int print_hits(const struct tally *hits, enum action action) {
        _cleanup_free_ struct tally_item **items = NULL;
        size_t n = 0;
        uint64_t total = 0;

        if (tally_sorted(hits, &items, &n) < 0)
                return -ENOMEM;
        if (n == 0)
                return 0;

        printf("%-16s  %-39s  %6s  %s\n", "USER", "CLIENT", "LOGONS", "LAST SEEN");
        for (size_t i = 0; i < n; i++) {
                char last[TIMESTAMP_TEXT_MAX];
                size_t w;

                w = items[i]->a_len > 0 ? escape_terminal(stdout, items[i]->a, items[i]->a_len)
                                        : (size_t) printf("-");
                printf("%*s  ", w < 16 ? (int) (16 - w) : 0, "");
                w = items[i]->b_len > 0 ? escape_terminal(stdout, items[i]->b, items[i]->b_len)
                                        : (size_t) printf("(no rhost)");
                timestamp_format_local(items[i]->last_usec, last);
                printf("%*s  %6llu  %s\n", w < 39 ? (int) (39 - w) : 0, "", (unsigned long long) items[i]->count,
                       last);
                total += items[i]->count;
        }
        fprintf(stderr, "%llu %s of %zu user/client %s would have been %s\n", (unsigned long long) total,
                total == 1 ? "logon" : "logons", n, n == 1 ? "pair" : "pairs",
                action == ACTION_BLOCK_AND_LOG ? "blocked" : "logged with an alert");
        return 0;
}

int ctl_what_if(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "channel", required_argument, NULL, 'c' },
                { "action",  required_argument, NULL, 'a' },
                { "help",    no_argument,       NULL, 'h' },
                JOURNAL_QUERY_OPTIONS,
                {}
        };
        _cleanup_(config_free) struct config config = {};
        struct approved_list *list = NULL;
        struct journal_query q = {
                .events = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED),
                .channel = CHANNEL_INVALID,
        };
        struct journal_stats stats;
        enum action action = ACTION_BLOCK_AND_LOG;
        bool handled;
        int opt, r, exit_code = EXIT_INVALID;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                r = journal_query_option(&q, argv[0], opt, optarg, &handled);
                if (r >= 0)
                        return r;
                if (handled)
                        continue;
                switch (opt) {
                case 'a':
                        action = action_from_string(optarg);
                        if (action != ACTION_BLOCK_AND_LOG && action != ACTION_ALLOW_AND_LOG)
                                return ctl_usage_error(argv[0], "--action must be block-and-log or allow-and-log");
                        break;
                case 'h':
                        return ctl_command_help(argv[0]);
                default:
                        return ctl_option_error(argv[0], opt, argv);
                }
        }
        if (optind < argc)
                return ctl_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
        if (q.channel == CHANNEL_INVALID)
                return ctl_usage_error(argv[0], "--channel is required");
        enum channel channel = q.channel;

        if (ctl_load_config(ctl, &config) < 0 || ctl_load_approved(&config, &list) < 0)
                return EXIT_INVALID;

        struct replay rp = { .config = config, .channel = channel, .list = list, .hits = tally_new() };
        rp.config.channel[channel].action = action;
        q.config = &config;
        if (!rp.hits) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }

        r = journal_query_run(&q, replay_one, &rp, &stats);
        journal_stats_print(&stats);
        if (r < 0)
                goto finish;
        if (print_hits(rp.hits, action) < 0) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }
        if (tally_size(rp.hits) == 0)
                printf("nobody: %llu past %s %s replayed, none would have been %s\n",
                       (unsigned long long) rp.n_replayed, channel_to_string(channel),
                       rp.n_replayed == 1 ? "logon" : "logons",
                       action == ACTION_BLOCK_AND_LOG ? "blocked" : "logged with an alert");
        exit_code = action == ACTION_BLOCK_AND_LOG && tally_size(rp.hits) > 0 ? EXIT_LOCKOUT : EXIT_OK;

finish:
        tally_free(rp.hits);
        approved_list_free(list);
        return exit_code;
}
