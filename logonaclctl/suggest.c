/* SPDX-License-Identifier: MIT */
/* logonaclctl suggest: the seed's "find your gateway address" step done for
 * you.  Client addresses of past allowed and logged logons that today's list
 * does not approve, most frequent first, with their users and the add command.
 * Logons of the auth stage happen before the password is checked, so an
 * attacker can make them: the count after authentication (account stage) is
 * shown beside the total, and orders the list first. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approved.h"
#include "ctl.h"
#include "escape.h"
#include "journal_query.h"
#include "lockout.h"
#include "logonacl-build.h"
#include "tally.h"
#include "timestamp.h"

struct suggestion_scan {
        const struct approved_list *list;
        struct tally *addresses;        /* client ip -> count, users */
};

static int scan_one(const struct logon_record *r, void *userdata) {
        struct suggestion_scan *s = userdata;
        const struct logon_value *ip = &r->field[LOGON_CLIENT_IP], *user = &r->field[LOGON_USER];
        addr128 addr;
        int family;

        /* Only what the module wrote as a normalised address can be approved. */
        if (!ip->data || ip->len == 0 || addr_parse(ip->data, ip->len, &addr, &family) < 0)
                return 0;
        if (approved_list_match(s->list, addr, NULL))
                return 0;

        bool authenticated = strcmp(logon_str(r, LOGON_STAGE), "account") == 0;
        struct tally_item *item = tally_add(s->addresses, ip->data, ip->len, "", 0, r->realtime_usec, authenticated);
        if (!item)
                return -ENOMEM;
        if (!item->sub && !(item->sub = tally_new()))
                return -ENOMEM;
        if (!tally_add(item->sub, user->data ?: "", user->len, "", 0, r->realtime_usec, authenticated))
                return -ENOMEM;
        return 0;
}

static void print_users(const struct tally *users) {
        fputs("  users: ", stdout);
        user_counts_print(users, USERS_SHOWN);
        putchar('\n');
}

static void print_shell_word(const char *word) {
        size_t len = strlen(word);

        if (strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+,:@") == len) {
                fputs(word, stdout);
                return;
        }
        /* Single-quoted, a quote as '\'', and still nothing a terminal acts on. */
        putchar('\'');
        for (const char *p = word, *q; *p; p = q) {
                q = strchrnul(p, '\'');
                escape_terminal(stdout, p, (size_t) (q - p));
                if (*q) {
                        fputs("'\\''", stdout);
                        q++;
                }
        }
        putchar('\'');
}

/* The command to run, with --config when it is not the default. */
static void print_add_line(const struct ctl *ctl, const struct config *c, const char *address) {
        _cleanup_(diag_free) struct diag_list diags = {};

        if (approved_entry_parse(address, c->allow_private, NULL, &diags) < 0) {
                const char *reason = diags.n_lines > 1 ? diags.lines[1] : "invalid";
                fputs("  cannot be approved: ", stdout);
                escape_terminal(stdout, reason, strlen(reason));
                putchar('\n');
                return;
        }
        fputs("  logonaclctl ", stdout);
        if (strcmp(ctl->config_path, LOGONACL_CONF_PATH) != 0) {
                fputs("--config ", stdout);
                print_shell_word(ctl->config_path);
                putchar(' ');
        }
        printf("add %s\n", address);
}

static int print_suggestions(const struct ctl *ctl, const struct config *c, const struct tally *addresses) {
        _cleanup_free_ struct tally_item **items = NULL;
        size_t n = 0;

        if (tally_sorted(addresses, &items, &n) < 0)
                return -ENOMEM;
        qsort(items, n, sizeof *items, tally_order_authenticated_first);
        for (size_t i = 0; i < n; i++) {
                char last[TIMESTAMP_TEXT_MAX];
                timestamp_format_local(items[i]->last_usec, last);
                printf("%s: %llu %s (%llu after authentication), last %s\n", items[i]->a,
                       (unsigned long long) items[i]->count, items[i]->count == 1 ? "logon" : "logons",
                       (unsigned long long) items[i]->count_authenticated, last);
                print_users(items[i]->sub);
                print_add_line(ctl, c, items[i]->a);
        }
        return 0;
}

int ctl_suggest(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "channel", required_argument, NULL, 'c' },
                { "help",    no_argument,       NULL, 'h' },
                JOURNAL_QUERY_OPTIONS,
                {}
        };
        _cleanup_(config_free) struct config config = {};
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        struct journal_query q = {
                .events = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED),
                .channel = CHANNEL_INVALID,
        };
        struct suggestion_scan scan = {};
        struct journal_stats stats;
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
                default:
                        return ctl_option_common(argv, opt);
                }
        }
        if (optind < argc)
                return ctl_no_arguments(argc, argv);

        if (ctl_load_config(ctl, &config) < 0 || ctl_load_approved(&config, &list) < 0)
                return EXIT_INVALID;
        scan.list = list;
        scan.addresses = tally_new();
        q.config = &config;
        if (!scan.addresses) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }

        r = journal_query_run(&q, scan_one, &scan, &stats);
        journal_stats_print(&stats);
        if (r < 0)
                goto finish;
        if (print_suggestions(ctl, &config, scan.addresses) < 0) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }
        if (tally_size(scan.addresses) == 0)
                printf("nothing to suggest: every client address of the past logons is approved\n");
        exit_code = EXIT_OK;

finish:
        tally_free(scan.addresses);
        return exit_code;
}
