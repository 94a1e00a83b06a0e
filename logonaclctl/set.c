/* SPDX-License-Identifier: MIT */
/* logonaclctl set CHANNEL ACTION: changes one channel's action in
 * logonacl.conf, atomically and keeping every other byte (comments, layout).
 * The switch to block-and-log passes the lockout guard first (SPEC §6): it is
 * refused, with exit 3 and the what-if table, when someone who logged on in
 * that channel in the last 30 days — after authentication — or, for admin, the
 * caller's own address would be blocked.  --force overrides and says what.
 * --json (for the Cockpit page): the guard's rows as what-if --json prints
 * them, {"self": ADDR} when the caller's own address would be blocked, and
 * one {"result": ...} object at the end; the messages stay on stderr. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utmpx.h>

#include "approved.h"
#include "approved_edit.h"
#include "ctl.h"
#include "decide.h"
#include "escape.h"
#include "journal_query.h"
#include "lockout.h"
#include "set_edit.h"
#include "timestamp.h"

#define GUARD_DAYS 30
#define USEC_PER_DAY (UINT64_C(86400) * UINT64_C(1000000))

struct set_args {
        enum channel channel;
        enum action action;
        bool force;
        bool json;
        const char *caller;     /* --caller-address: where the administrator works from (a web console) */
        const char *directory;  /* journal files (a collector); NULL: this machine's journal */
};

/* -1 to go on, or the exit code. */
static int parse_options(int argc, char **argv, struct set_args *a) {
        static const struct option options[] = {
                { "force",     no_argument,       NULL, 'f' },
                { "directory", required_argument, NULL, 'D' },
                { "json",      no_argument,       NULL, 'j' },
                { "caller-address", required_argument, NULL, 'C' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        int opt;

        *a = (struct set_args) {};
        opterr = 0;
        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                case 'f':
                        a->force = true;
                        break;
                case 'D':
                        if (!*optarg)
                                return ctl_usage_error(argv[0], "--directory needs a folder");
                        a->directory = optarg;
                        break;
                case 'j':
                        a->json = true;
                        break;
                case 'C':
                        if (!*optarg)
                                return ctl_usage_error(argv[0], "--caller-address needs an address");
                        a->caller = optarg;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        if (argc - optind != 2)
                return ctl_usage_error(argv[0], argc - optind < 2 ? "CHANNEL and ACTION are required"
                                                                  : "unexpected argument '%s'", argv[optind + 2]);
        a->channel = channel_from_string(argv[optind]);
        if (a->channel == CHANNEL_INVALID)
                return ctl_usage_error(argv[0], "CHANNEL must be admin, enduser or api");
        a->action = action_from_string(argv[optind + 1]);
        if (a->action == ACTION_INVALID)
                return ctl_usage_error(argv[0], "ACTION must be none, allow-and-log or block-and-log");
        return -1;
}

/* The caller's client address: SSH_CONNECTION ("client port server port"), or,
 * as sudo drops that variable, the remote host utmp records for the terminal. */
static bool caller_address(const struct set_args *a, char *buf, size_t size, const char **how) {
        if (a->caller) {
                snprintf(buf, size, "%s", a->caller);
                *how = "--caller-address";
                return true;
        }
        const char *ssh = getenv("SSH_CONNECTION");
        if (ssh && *ssh) {
                size_t len = strcspn(ssh, " ");
                if (len > 0 && len < size) {
                        memcpy(buf, ssh, len);
                        buf[len] = 0;
                        *how = "SSH_CONNECTION";
                        return true;
                }
        }
        const char *tty = ttyname(STDIN_FILENO);
        if (!tty || strncmp(tty, "/dev/", 5) != 0)
                return false;
        bool found = false;
        setutxent();
        for (struct utmpx *u; !found && (u = getutxent());)
                if (u->ut_type == USER_PROCESS && strncmp(u->ut_line, tty + 5, sizeof u->ut_line) == 0 &&
                    u->ut_host[0]) {
                        snprintf(buf, size, "%.*s", (int) sizeof u->ut_host, u->ut_host);
                        found = true;
                }
        endutxent();
        *how = "the terminal's utmp entry";
        return found;
}

/* True when the module would block the caller's address in channel c with action. */
static bool caller_blocked(const struct config *c, enum channel channel, enum action action,
                           const struct approved_list *list, const char *address) {
        struct config changed = *c;
        struct decision d;
        struct decision_input in = { .rhost = address, .stage = STAGE_ACCOUNT, .forced_channel = channel };

        changed.channel[channel].action = action;
        if (decision_begin(&changed, &in, &d))
                decision_finish(&d, list);
        return d.result == RESULT_BLOCKED;
}

/* The lockout guard: EXIT_OK to go on (also when --force overrode it, which it
 * says), EXIT_LOCKOUT with the table shown, or EXIT_INVALID. */
static int lockout_guard(const struct config *c, const struct set_args *a) {
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        struct lockout l = {};
        _cleanup_free_ char *shown = NULL;
        char address[256], summary[128];
        const char *how = NULL;
        bool self_blocked = false;
        int exit_code = EXIT_INVALID;

        if (ctl_load_approved(c, &list) < 0)
                return EXIT_INVALID;

        uint64_t now = timestamp_now();
        struct journal_query q = {
                .directory = a->directory,
                .since_usec = now > GUARD_DAYS * USEC_PER_DAY ? now - GUARD_DAYS * USEC_PER_DAY : 1,
        };
        if (lockout_replay(&l, c, a->channel, a->action, list, true, &q) < 0)
                goto finish;
        /* A guard that sees nothing must not wave the switch through. */
        if (l.no_journal && !a->force) {
                fprintf(stderr, "logonaclctl: not switching: with no journal to read, the lockout guard cannot tell "
                                "who would be locked out (--force switches anyway)\n");
                goto finish;
        }
        if (l.no_journal)
                fprintf(stderr, "logonaclctl: --force: switching anyway, although no journal could be read\n");

        if (a->channel == CHANNEL_ADMIN && caller_address(a, address, sizeof address, &how))
                self_blocked = caller_blocked(c, a->channel, a->action, list, address);

        bool others = tally_size(l.clients) > 0;
        /* Entries of a service whose user is missing from trusted_users (dovecot, www-data) are
         * left out of the replay: the guard cannot vouch for those logons. */
        bool uncounted = l.n_untrusted > 0;
        if (!others && !self_blocked && !uncounted) {
                exit_code = EXIT_OK;
                goto finish;
        }
        if (others && (a->json ? lockout_print_json(&l) : lockout_print_table(&l, false)) < 0)
                goto finish;
        if (self_blocked && a->json) {
                fputs("{\"self\":", stdout);
                json_write_value(stdout, address, strlen(address));
                printf(",\"from\":\"%s\"}\n", how);
        }
        lockout_summary(&l, summary, sizeof summary);
        if (self_blocked)
                shown = escape_terminal_string(address, strlen(address));
        const char *lead = a->force ? "logonaclctl: --force: switching anyway, although"
                                    : "logonaclctl: not switching, because";
        if (others)
                fprintf(stderr, "%s %s in the last %d days would have been blocked\n", lead, summary, GUARD_DAYS);
        if (self_blocked)
                fprintf(stderr, "%s your own address %s (from %s) would be blocked\n",
                        others ? "logonaclctl: and" : lead, shown ?: "?", how);
        if (uncounted)
                fprintf(stderr, "%s the guard could not count %zu logonacl entr%s written by users not in "
                                "[alert] trusted_users (add those services' users there)\n",
                        others || self_blocked ? "logonaclctl: and" : lead, l.n_untrusted,
                        l.n_untrusted == 1 ? "y" : "ies");
        if (!a->force)
                fprintf(stderr, "logonaclctl: approve them first (logonaclctl add ADDR), or use --force\n");
        exit_code = a->force ? EXIT_OK : EXIT_LOCKOUT;

finish:
        lockout_done(&l);
        return exit_code;
}

/* The last line of --json: what happened, as the exit code says it. */
static void print_result_json(const struct set_args *a, int exit_code, enum action was) {
        const char *result = exit_code == EXIT_LOCKOUT ? "refused" : exit_code != EXIT_OK ? "error"
                             : was == a->action ? "unchanged" : "changed";
        printf("{\"result\":\"%s\",\"channel\":\"%s\",\"action\":\"%s\",\"was\":\"%s\",\"forced\":%s}\n", result,
               channel_to_string(a->channel), action_to_string(a->action),
               was == ACTION_INVALID ? "" : action_to_string(was), a->force ? "true" : "false");
}

int ctl_set(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        struct approved_edit e;
        struct set_args a;
        enum action was = ACTION_INVALID;
        int r = parse_options(argc, argv, &a);

        if (r >= 0)
                return r;

        /* The lock first: the file read, guarded and rewritten is one version. */
        if (approved_edit_begin(&e, ctl->config_path) < 0) {
                approved_edit_end(&e);
                return EXIT_INVALID;
        }
        if (ctl_load_config(ctl, &config) < 0) {
                fprintf(stderr, "logonaclctl: fix the configuration first (logonaclctl check)\n");
                r = EXIT_INVALID;
                goto finish;
        }

        const char *channel = channel_to_string(a.channel), *action = action_to_string(a.action);
        was = config.channel[a.channel].action;
        /* With --json, stdout holds JSON only; the sentences go to stderr. */
        FILE *out = a.json ? stderr : stdout;
        if (was == a.action) {
                fprintf(out, "[%s] action is %s already: nothing changed\n", channel, action);
                r = EXIT_OK;
                goto finish;
        }
        if (a.action == ACTION_BLOCK_AND_LOG) {
                r = lockout_guard(&config, &a);
                if (r != EXIT_OK)
                        goto finish;
        }

        r = set_edit_action(&e, channel, action) < 0 ? EXIT_INVALID : EXIT_OK;
        if (r == EXIT_OK) {
                fprintf(out, "[%s] action = %s (was %s): %s\n", channel, action, action_to_string(was),
                        ctl->config_path);
                _cleanup_free_ char *change = NULL;
                if (asprintf(&change, "set %s %s%s", channel, action, a.force ? " --force" : "") >= 0)
                        ctl_record_change(change, ctl->config_path);
        }

finish:
        approved_edit_end(&e);
        if (a.json)
                print_result_json(&a, r, was);
        return r;
}
