/* SPDX-License-Identifier: MIT */
/* logonaclctl check: the configuration, the approved file and drop-ins and all
 * their permissions, every error with file:line on stderr (exit 1 on any), or
 * one summary line on stdout, with whether the index is fresh. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_check.h"
#include "approved.h"
#include "approved_index.h"
#include "ctl.h"
#include "safe_path.h"

/* How many files the list is read from: the main file and the drop-ins. */
static size_t count_files(const struct config *c) {
        char reason[1024];
        char **names = NULL;
        size_t n = 0;

        if (approved_dropins(c->approved_dir, false, &names, &n, reason) < 0)
                return 1;
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return 1 + n;
}

static const char *index_state(const struct config *c) {
        struct approved_list *indexed = NULL;
        int r = approved_index_open(c->approved_file, c->approved_dir, c->allow_private, &indexed);

        if (r >= 0) {
                approved_list_free(indexed);
                return "fresh";
        }
        switch (r) {
        case -ENOENT:
                return "missing (logonaclctl reindex writes it)";
        case -ESTALE:
                return "stale (logonaclctl reindex rewrites it)";
        default:
                return "unreadable (logonaclctl reindex rewrites it)";
        }
}

static void print_summary(const struct config *c, const struct approved_list *list) {
        size_t n_entries = approved_list_entries(list), n_files = count_files(c);

        printf("OK: %zu %s in %zu %s;", n_entries, n_entries == 1 ? "entry" : "entries", n_files,
               n_files == 1 ? "file" : "files");
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++)
                printf("%s %s: %s", ch == 0 ? "" : ",", channel_to_string(ch),
                       action_to_string(c->channel[ch].action));
        printf("; index: %s\n", index_state(c));
}

/* Ownership and mode of one file or folder (safe_path), as one error line. */
static void check_path(const char *path, bool folder, struct diag_list *diags) {
        char reason[SAFE_PATH_REASON_MAX];

        if ((folder ? safe_path_check_dir(path, reason) : safe_path_check_file(path, reason)) < 0) {
                diag_add(diags, NULL, "%s", reason);
                diag_count_error(diags);
        }
}

/* The loaders stop at the first file they refuse, as a logon must; check wants
 * every error at once.  So it runs the same checks one by one: the ownership
 * walk of every file and folder, then the contents without it. */
static void check_config(const char *path, struct config *config, struct diag_list *diags) {
        check_path(path, false, diags);
        int r = config_load(path, false, 0, config, diags);
        if (r < 0 && !diag_has_errors(diags)) {
                diag_add(diags, path, "%s", strerror(-r));
                diag_count_error(diags);
        }
}

static int check_approved(const struct config *c, struct diag_list *diags, struct approved_list **ret) {
        char reason[1024];
        char **dropins = NULL;
        size_t n_dropins = 0, before = diags->n_errors;

        check_path(c->approved_file, false, diags);
        if (access(c->approved_dir, F_OK) == 0)
                check_path(c->approved_dir, true, diags);
        if (approved_dropins(c->approved_dir, false, &dropins, &n_dropins, reason) >= 0) {
                for (size_t i = 0; i < n_dropins; i++) {
                        check_path(dropins[i], false, diags);
                        free(dropins[i]);
                }
                free(dropins);
        }

        int r = approved_list_load(c->approved_file, c->approved_dir, c->allow_private, false, 0, diags, ret);
        if (r < 0 && diags->n_errors == before) {
                diag_add(diags, c->approved_file, "%s", strerror(-r));
                diag_count_error(diags);
        }
        return diags->n_errors > before ? -EINVAL : r;
}

int ctl_check(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        _cleanup_(diag_free) struct diag_list diags = {};
        struct approved_list *list = NULL;

        int r = ctl_parse_help_only(argc, argv, NULL);
        if (r >= 0)
                return r;

        /* Even with a broken configuration, check the list it names (or the
         * default one): every error at once, not one round per fix. */
        check_config(ctl->config_path, &config, &diags);
        bool failed = diag_has_errors(&diags);
        /* [alert]: the very checks logonacl-alertd makes at start. */
        _cleanup_(diag_free) struct diag_list alert_warnings = {};
        if (!failed && alert_check(&config, &diags, &alert_warnings) < 0)
                failed = true;
        for (size_t i = 0; i < alert_warnings.n_lines; i++)
                fprintf(stderr, "logonaclctl: warning: %s\n", alert_warnings.lines[i]);
        if (config.approved_file && check_approved(&config, &diags, &list) < 0)
                failed = true;

        ctl_print_diags(&diags);
        if (failed || !list) {
                fprintf(stderr, "logonaclctl: check failed: %zu %s\n", diags.n_errors,
                        diags.n_errors == 1 ? "error" : "errors");
                if (list)
                        approved_list_free(list);
                return EXIT_INVALID;
        }
        print_summary(&config, list);
        approved_list_free(list);
        return EXIT_OK;
}
