/* SPDX-License-Identifier: MIT */
/* logonaclctl alert [--email LIST] [--threshold N] [--json]: the [alert]
 * settings an administrator changes most (the Cockpit page's Alerts tab).
 * Without an option it prints them; with one it rewrites that key in
 * logonacl.conf the way set rewrites an action (set_edit: atomically, every
 * other byte kept, under the configuration's lock) and reads the file back
 * with the configuration parser, which alone decides what is valid (threshold
 * 5, 20, 50 or 100; addresses): an edit it refuses is undone.  Each change
 * writes the journal entry of SPEC §6.  logonacl-alertd takes it on SIGHUP or
 * restart. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approved_edit.h"
#include "ctl.h"
#include "escape.h"
#include "set_edit.h"

struct alert_args {
        const char *email;
        const char *threshold;
        bool json;
};

/* -1 to go on, or the exit code. */
static int parse_options(int argc, char **argv, struct alert_args *a) {
        static const struct option options[] = {
                { "email",     required_argument, NULL, 'e' },
                { "threshold", required_argument, NULL, 't' },
                { "json",      no_argument,       NULL, 'j' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        int opt;

        *a = (struct alert_args) {};
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 'e':
                        a->email = optarg;
                        break;
                case 't':
                        a->threshold = optarg;
                        break;
                case 'j':
                        a->json = true;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        return ctl_no_arguments(argc, argv);
}

/* A value becomes the rest of one line: a line break would add a key, a '#'
 * would cut it short. */
static bool one_value(const char *option, const char *v) {
        for (const unsigned char *p = (const unsigned char *) v; *p; p++)
                if (*p < 0x20 || *p == 0x7f || *p == '#') {
                        fprintf(stderr, "logonaclctl: %s: a control character or '#' cannot be in the value; "
                                "nothing was changed\n", option);
                        return false;
                }
        return true;
}

/* Reads the new file back: it must load without an error (the parser's reason is printed). */
static int verify_loads(const char *path, const char *section, const char *value, void *userdata) {
        _cleanup_(config_free) struct config c = {};
        _cleanup_(diag_free) struct diag_list diags = {};

        if (config_load(path, true, 20, &c, &diags) < 0 || diag_has_errors(&diags)) {
                ctl_print_diags(&diags);
                return -1;
        }
        return 0;
}

static void print_settings(const struct config *c, bool json) {
        const struct string_list *l = &c->alert.email;

        if (json) {
                fputs("{\"email\":[", stdout);
                for (size_t i = 0; i < l->n; i++) {
                        fputs(i ? "," : "", stdout);
                        json_write_value(stdout, l->items[i], strlen(l->items[i]));
                }
                printf("],\"threshold\":%u}\n", c->alert.threshold);
                return;
        }
        fputs("email =", stdout);
        for (size_t i = 0; i < l->n; i++) {
                fputs(i ? ", " : " ", stdout);
                escape_terminal(stdout, l->items[i], strlen(l->items[i]));
        }
        printf("\nthreshold = %u\n", c->alert.threshold);
}

/* One key; the file is read again (under the lock) for the next. */
static int change_key(struct approved_edit *e, const char *path, const char *key, const char *value) {
        if (set_edit_key(e, "alert", key, value, verify_loads, NULL) < 0)
                return -1;
        approved_edit_end(e);
        return approved_edit_begin(e, path);
}

static void record(const char *path, const char *key, const char *value) {
        _cleanup_free_ char *change = NULL;
        if (asprintf(&change, "alert %s %s", key, value) >= 0)
                ctl_record_change(change, path);
}

int ctl_alert(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        struct approved_edit e = APPROVED_EDIT_INIT;
        _cleanup_free_ char *before = NULL;
        size_t before_size = 0;
        struct alert_args a;
        int r = parse_options(argc, argv, &a);

        if (r >= 0)
                return r;
        if ((a.email && !one_value("--email", a.email)) || (a.threshold && !one_value("--threshold", a.threshold)))
                return EXIT_INVALID;

        r = EXIT_INVALID;
        if (a.email || a.threshold) {
                if (approved_edit_begin(&e, ctl->config_path) < 0)
                        goto finish;
                /* Both or neither: the bytes to put back if the second key is refused. */
                before_size = e.size;
                if (!(before = malloc(before_size + 1)))
                        goto finish;
                memcpy(before, e.data, before_size);
        }
        if (ctl_load_config(ctl, &config) < 0) {
                fprintf(stderr, "logonaclctl: fix the configuration first (logonaclctl check)\n");
                goto finish;
        }
        if (a.threshold && change_key(&e, ctl->config_path, "threshold", a.threshold) < 0)
                goto finish;
        if (a.email && change_key(&e, ctl->config_path, "email", a.email) < 0) {
                struct text_part old = { before, before_size };
                if (a.threshold && e.lock_fd >= 0 && approved_edit_replace(&e, &old, 1) >= 0)
                        fprintf(stderr, "logonaclctl: threshold not changed either\n");
                goto finish;
        }
        if (a.threshold)
                record(ctl->config_path, "threshold", a.threshold);
        if (a.email)
                record(ctl->config_path, "email", a.email);
        if (a.email || a.threshold) {
                config_free(&config);
                if (ctl_load_config(ctl, &config) < 0)
                        goto finish;
        }
        print_settings(&config, a.json);
        r = EXIT_OK;

finish:
        approved_edit_end(&e);
        return r;
}
