/* SPDX-License-Identifier: MIT */
/* logonaclctl test: the decision the module would make for a service, client
 * address and stage, through the same decide() the module calls; nothing is
 * logged.  One "key: value" line each, in a fixed order, for people, and an
 * exit code for scripts: 0 allowed, 4 blocked, 5 not controlled (SPEC §6 keeps
 * 1 for invalid input or a broken configuration and 2 for usage). */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "ctl.h"
#include "decide.h"
#include "escape.h"

struct test_args {
        const char *service;
        const char *rhost;      /* NULL: no PAM_RHOST */
        const char *user;
        enum stage stage;
        enum channel channel;   /* as channel=; CHANNEL_INVALID: from the file */
};

/* -1 to go on, or the exit code. */
static int parse_options(int argc, char **argv, struct test_args *a) {
        static const struct option options[] = {
                { "service", required_argument, NULL, 's' },
                { "rhost",   required_argument, NULL, 'r' },
                { "user",    required_argument, NULL, 'u' },
                { "stage",   required_argument, NULL, 'S' },
                { "channel", required_argument, NULL, 'c' },
                { "help",    no_argument,       NULL, 'h' },
                {}
        };
        int opt;

        *a = (struct test_args) { .stage = STAGE_ACCOUNT, .channel = CHANNEL_INVALID };
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 's':
                        a->service = optarg;
                        break;
                case 'r':
                        a->rhost = optarg;
                        break;
                case 'u':
                        a->user = optarg;
                        break;
                case 'S':
                        if (strcmp(optarg, "account") == 0)
                                a->stage = STAGE_ACCOUNT;
                        else if (strcmp(optarg, "auth") == 0)
                                a->stage = STAGE_AUTH;
                        else
                                return ctl_usage_error(argv[0], "--stage must be account or auth");
                        break;
                case 'c':
                        a->channel = channel_from_string(optarg);
                        if (a->channel == CHANNEL_INVALID)
                                return ctl_usage_error(argv[0], "--channel must be admin, enduser or api");
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        if (optind < argc)
                return ctl_no_arguments(argc, argv);
        if (!a->service)
                return ctl_usage_error(argv[0], "--service is required");
        return -1;
}

static void print_value(const char *key, const char *value) {
        printf("%s: ", key);
        escape_terminal(stdout, value, strlen(value));
        putchar('\n');
}

static const char *client_text(const struct client_address *c) {
        switch (c->kind) {
        case RHOST_ADDRESS:  return c->text;
        case RHOST_MISSING:  return "(none: no rhost)";
        case RHOST_HOSTNAME: return "(none: a host name, never looked up)";
        default:             return "(none: not an address)";
        }
}

static const char *pam_code_name(enum decision_result r) {
        switch (r) {
        case RESULT_ALLOWED: return "PAM_SUCCESS";
        case RESULT_BLOCKED: return "PAM_PERM_DENIED";
        default:             return "PAM_IGNORE";
        }
}

/* LOGONACL_RESULT's words; "not controlled" where the module writes no entry. */
static const char *result_name(enum decision_result r) {
        return r == RESULT_IGNORE ? "not controlled" : decision_result_to_string(r);
}

static void print_decision(const struct config *c, const struct test_args *a, const struct decision *d) {
        bool controlled = d->result != RESULT_IGNORE;

        print_value("service", a->service);
        if (a->user)
                print_value("user", a->user);
        print_value("rhost", a->rhost ?: "(none)");
        print_value("client ip", client_text(&d->client));
        print_value("stage", stage_to_string(a->stage));
        print_value("channel", d->channel != CHANNEL_INVALID ? channel_to_string(d->channel) : "(none)");
        print_value("action", d->channel != CHANNEL_INVALID ? action_to_string(d->action) : "-");
        print_value("inline", d->inline_service ? "yes" : "no");
        print_value("approved", !controlled ? "-" : d->approved ? "yes" : "no");
        if (controlled && d->approved)
                printf("matched: %s (%s:%u)\n", d->matched.text, d->matched.source, d->matched.line);
        else
                print_value("matched", "-");
        print_value("result", result_name(d->result));
        print_value("event", controlled ? event_text(d->event, d->channel, d->sso) : "-");
        print_value("activity", controlled ? event_activity(d->event) : "-");
        print_value("pam", pam_code_name(d->result));
        if (!d->alert)
                print_value("alert", "no");
        else
                print_value("alert", c->alert.email.n > 0 ? "yes" : "yes (no mail: [alert] email is empty)");
        if (d->result == RESULT_BLOCKED)
                print_value("user message", blocked_user_message(d->channel) ?: "(none: the caller refuses the request)");
}

/* A script asks "would this logon get through?": each PAM answer its own code. */
static int exit_code_of(enum decision_result r) {
        switch (r) {
        case RESULT_ALLOWED: return EXIT_OK;
        case RESULT_BLOCKED: return EXIT_BLOCKED;
        default:             return EXIT_NOT_CONTROLLED;
        }
}

int ctl_test(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        struct test_args a;
        struct decision d;
        int r = parse_options(argc, argv, &a);

        if (r >= 0)
                return r;
        if (ctl_load_config(ctl, &config) < 0) {
                fprintf(stderr, "logonaclctl: the module would answer PAM_PERM_DENIED (on_error=deny) "
                                "or PAM_IGNORE (on_error=allow) and log a config-error event\n");
                return EXIT_INVALID;
        }

        struct decision_input in = {
                .service = a.service,
                .rhost = a.rhost,
                .stage = a.stage,
                .forced_channel = a.channel,
        };
        if (decision_begin(&config, &in, &d)) {
                if (ctl_load_approved(&config, &list) < 0) {
                        fprintf(stderr, "logonaclctl: the module would answer PAM_PERM_DENIED (on_error=deny) "
                                        "or PAM_IGNORE (on_error=allow) and log a config-error event\n");
                        return EXIT_INVALID;
                }
                decision_finish(&d, list);
        }
        print_decision(&config, &a, &d);
        return exit_code_of(d.result);
}
