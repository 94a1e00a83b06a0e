/* SPDX-License-Identifier: MIT */
/* logonaclctl status: one screen that says whether the whole thing works
 * (SPEC §6): the configuration's verdict and each channel's action, the
 * approved list's size and index, alertd (running: the PID holding its state
 * lock; its position, open window, pending alert, last delivery error) and the
 * decisions of the last 24 hours per channel.  --json: the same as one object.
 * Exit 1 when the configuration or the list is unusable (the module then fails
 * closed), else 0: alertd's condition is reported, not judged. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approved.h"
#include "approved_index.h"
#include "ctl.h"
#include "journal_query.h"
#include "lock.h"
#include "logonacl-build.h"
#include "status.h"
#include "timestamp.h"

#define USEC_PER_DAY (UINT64_C(86400) * UINT64_C(1000000))

static const char *index_freshness(const struct config *c) {
        _cleanup_free_ char *changed = NULL;

        switch (approved_index_freshness(c->approved_file, c->approved_dir, c->allow_private, &changed)) {
        case 0:       return "fresh";
        case -ENOENT: return "missing";
        case -ESTALE: return "stale";
        default:      return "unreadable";
        }
}

static void gather_list(struct status_report *s) {
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;

        s->list_r = approved_list_load(s->config.approved_file, s->config.approved_dir, s->config.allow_private, true,
                                       0, &s->list_diags, &list);
        if (s->list_r >= 0 && diag_has_errors(&s->list_diags))
                s->list_r = -EINVAL;
        if (s->list_r >= 0)
                s->n_entries = approved_list_entries(list);
        s->index = index_freshness(&s->config);
}

static int count_decision(const struct logon_record *r, void *userdata) {
        struct status_report *s = userdata;
        enum channel ch = channel_from_string(logon_str(r, LOGON_CHANNEL));

        if (ch == CHANNEL_INVALID)
                return 0;
        if (r->event == EVENT_ALLOWED)
                s->decisions[ch][DECISION_ALLOWED]++;
        else if (r->event == EVENT_LOGGED)
                s->decisions[ch][DECISION_LOGGED]++;
        else if (r->event == EVENT_BLOCKED)
                s->decisions[ch][DECISION_BLOCKED]++;
        return 0;
}

static void gather_decisions(struct status_report *s, const char *directory) {
        struct journal_query q = {
                .directory = directory,
                .since_usec = s->now_usec > USEC_PER_DAY ? s->now_usec - USEC_PER_DAY : 1,
                .events = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED),
                .channel = CHANNEL_INVALID,
                .config = &s->config,
        };
        struct journal_stats stats;

        s->decisions_r = journal_query_run(&q, count_decision, s, &stats);
        journal_stats_print(&stats);
}

static void gather_alertd(struct status_report *s) {
        s->holder_r = state_lock_holder(s->state_path, &s->holder);
        s->state_r = state_load(s->state_path, &s->state, s->state_reason);
        s->delivery_r = status_read_delivery_error(&s->delivery);
}

static void status_report_done(struct status_report *s) {
        diag_free(&s->config_diags);
        diag_free(&s->list_diags);
        config_free(&s->config);
        state_free_sources(&s->state);
        delivery_error_done(&s->delivery);
}

int ctl_status(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "json",      no_argument,       NULL, 'j' },
                { "state",     required_argument, NULL, 's' },
                { "directory", required_argument, NULL, 'D' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        struct status_report s = {
                .config_path = ctl->config_path,
                .state_path = LOGONACL_STATE_PATH,
                .decisions_r = -ENODATA,
                .list_r = -ENODATA,
                .now_usec = timestamp_now(),
        };
        const char *directory = NULL;
        bool json = false;
        int opt;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 'j':
                        json = true;
                        break;
                case 's':
                        if (!*optarg)
                                return ctl_usage_error(argv[0], "--state needs a path");
                        s.state_path = optarg;
                        break;
                case 'D':
                        if (!*optarg)
                                return ctl_usage_error(argv[0], "--directory needs a folder");
                        directory = optarg;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        if (optind < argc)
                return ctl_no_arguments(argc, argv);

        s.config_r = config_load(ctl->config_path, true, 0, &s.config, &s.config_diags);
        if (s.config_r >= 0 && diag_has_errors(&s.config_diags))
                s.config_r = -EINVAL;
        if (s.config_r >= 0) {
                gather_list(&s);
                gather_decisions(&s, directory);
        }
        gather_alertd(&s);

        if (json)
                status_print_json(&s);
        else
                status_print_text(&s);
        int exit_code = s.config_r < 0 || s.list_r < 0 ? EXIT_INVALID : EXIT_OK;
        status_report_done(&s);
        return exit_code;
}
