/* SPDX-License-Identifier: MIT */
/* logonaclctl what-if: replays the past allowed and logged logons of a channel
 * through decide() with the channel's action replaced and today's approved
 * list, and prints who would have been locked out, one row per client address
 * (users and counts beside it; the top 20 unless --all; --json: everything).
 * Exit 3 when anyone would have been, so a script can gate the switch to
 * block-and-log on it. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "ctl.h"
#include "journal_query.h"
#include "lockout.h"

int ctl_what_if(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "channel", required_argument, NULL, 'c' },
                { "action",  required_argument, NULL, 'a' },
                { "all",     no_argument,       NULL, 'A' },
                { "json",    no_argument,       NULL, 'j' },
                { "help",    no_argument,       NULL, 'h' },
                JOURNAL_QUERY_OPTIONS,
                {}
        };
        _cleanup_(config_free) struct config config = {};
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        struct journal_query q = { .channel = CHANNEL_INVALID };
        struct lockout l = {};
        enum action action = ACTION_BLOCK_AND_LOG;
        bool handled, all = false, json = false;
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
                case 'A':
                        all = true;
                        break;
                case 'j':
                        json = true;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        }
        if (optind < argc)
                return ctl_no_arguments(argc, argv);
        if (q.channel == CHANNEL_INVALID)
                return ctl_usage_error(argv[0], "--channel is required");
        enum channel channel = q.channel;

        if (ctl_load_config(ctl, &config) < 0 || ctl_load_approved(&config, &list) < 0)
                return EXIT_INVALID;

        const char *verb = action == ACTION_BLOCK_AND_LOG ? "blocked" : "logged with an alert";
        r = lockout_replay(&l, &config, channel, action, list, false, &q);
        if (r < 0)
                goto finish;
        r = json ? lockout_print_json(&l) : lockout_print_table(&l, all);
        if (r < 0)
                goto finish;
        if (tally_size(l.clients) > 0) {
                char summary[128];
                lockout_summary(&l, summary, sizeof summary);
                fprintf(stderr, "%s would have been %s\n", summary, verb);
        } else if (!json)
                printf("nobody: %llu past %s %s replayed, none would have been %s\n",
                       (unsigned long long) l.n_replayed, channel_to_string(channel),
                       l.n_replayed == 1 ? "logon" : "logons", verb);
        exit_code = action == ACTION_BLOCK_AND_LOG && tally_size(l.clients) > 0 ? EXIT_LOCKOUT : EXIT_OK;

finish:
        lockout_done(&l);
        return exit_code;
}
