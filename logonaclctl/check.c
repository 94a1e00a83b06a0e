/* SPDX-License-Identifier: MIT */
/* logonaclctl check: the configuration, the approved file and drop-ins and all
 * their permissions, every error with file:line on stderr (exit 1 on any), or
 * one summary line on stdout, with whether the index is fresh. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert_check.h"
#include "approved.h"
#include "approved_index.h"
#include "approved_sources.h"
#include "ctl.h"
#include "expiry.h"
#include "safe_path.h"

static const char *index_state(const struct config *c, const struct approved_sources *sources) {
        _cleanup_free_ char *changed = NULL;
        int r = approved_index_freshness_sources(sources, c->allow_private, &changed);

        switch (r) {
        case 0:
                return "fresh";
        case -ENOENT:
                return "missing (logonaclctl reindex writes it)";
        case -ESTALE:
                /* Said apart from the summary: someone edited the list by hand. */
                if (changed)
                        fprintf(stderr, "%s: changed since the index was written (a hand edit?): logons read the "
                                "text until logonaclctl reindex (or logonacl-reindex.path) rewrites the index\n",
                                changed);
                return "stale (logonaclctl reindex rewrites it)";
        default:
                return "unreadable (logonaclctl reindex rewrites it)";
        }
}

static void print_summary(const struct config *c, const struct approved_sources *sources,
                          const struct approved_list *list) {
        size_t n_entries = approved_list_entries(list), n_files = sources->n_files;

        printf("OK: %zu %s in %zu %s;", n_entries, n_entries == 1 ? "entry" : "entries", n_files,
               n_files == 1 ? "file" : "files");
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++)
                printf("%s %s: %s", ch == 0 ? "" : ",", channel_to_string(ch),
                       action_to_string(c->channel[ch].action));
        printf("; index: %s\n", index_state(c, sources));
}

/* What check has reported so far: every problem once (issue 14.8).  A folder
 * above several files is named once; a file the ownership walk refused (missing,
 * not a regular file) is not named again by the loader that cannot open it. */
struct check_state {
        struct diag_list diags;
        char **refused;                 /* files the walk refused */
        size_t n_refused;
};

static void check_state_free(struct check_state *s) {
        diag_free(&s->diags);
        for (size_t i = 0; i < s->n_refused; i++)
                free(s->refused[i]);
        free(s->refused);
}

static bool already_said(const struct diag_list *d, const char *line) {
        for (size_t i = 0; i < d->n_lines; i++)
                if (strcmp(d->lines[i], line) == 0)
                        return true;
        return false;
}

/* A whole-file line ("PATH: reason", not "PATH:LINE: ...") about a refused file. */
static bool about_refused(const struct check_state *s, const char *line) {
        for (size_t i = 0; i < s->n_refused; i++) {
                size_t n = strlen(s->refused[i]);
                if (strncmp(line, s->refused[i], n) == 0 && line[n] == ':' && line[n + 1] == ' ')
                        return true;
        }
        return false;
}

/* Ownership and mode of one file or folder (safe_path), as one error line. */
static void check_path(struct check_state *s, const char *path, bool folder) {
        char reason[REASON_MAX];

        if ((folder ? safe_path_check_dir(path, reason) : safe_path_check_file(path, reason)) >= 0)
                return;
        if (!folder) {
                char **n = realloc(s->refused, (s->n_refused + 1) * sizeof *n);
                if (n) {
                        s->refused = n;
                        if ((n[s->n_refused] = strdup(path)))
                                s->n_refused++;
                }
        }
        if (already_said(&s->diags, reason))
                return;
        diag_error(&s->diags, NULL, "%s", reason);
}

/* Moves a loader's lines into the state, leaving out whole-file lines about a
 * file the walk refused already: one line is one error there. */
static void take_diags(struct check_state *s, struct diag_list *from) {
        size_t skipped = 0;

        for (size_t i = 0; i < from->n_lines; i++) {
                if (about_refused(s, from->lines[i]) || already_said(&s->diags, from->lines[i]))
                        skipped++;
                else
                        diag_add(&s->diags, NULL, "%s", from->lines[i]);
        }
        s->diags.n_dropped += from->n_dropped;
        for (size_t i = skipped; i < from->n_errors; i++)
                diag_count_error(&s->diags);
        diag_free(from);
}

/* The loaders stop at the first file they refuse, as a logon must; check wants
 * every error at once.  So it runs the same checks one by one: the ownership
 * walk of every file and folder, then the contents without it. */
static void check_config(struct check_state *s, const char *path, struct config *config) {
        _cleanup_(diag_free) struct diag_list diags = {};

        check_path(s, path, false);
        int r = config_load(path, false, 0, config, &diags);
        if (r < 0 && !diag_has_errors(&diags))
                diag_error(&diags, path, "%s", strerror(-r));
        take_diags(s, &diags);
}

/* The files are found once (without the walk: check walks each one itself to
 * name every problem), then each is walked and the list read from them. */
static int check_approved(struct check_state *s, const struct config *c, struct approved_sources **ret_sources,
                          struct approved_list **ret) {
        _cleanup_(diag_free) struct diag_list diags = {};
        size_t before = s->diags.n_errors;

        check_path(s, c->approved_file, false);
        if (access(c->approved_dir, F_OK) == 0)
                check_path(s, c->approved_dir, true);
        int r = approved_sources_find(c->approved_file, c->approved_dir, false, &diags, ret_sources);
        if (r >= 0) {
                for (size_t i = 1; i < (*ret_sources)->n_files; i++)
                        check_path(s, (*ret_sources)->files[i].path, false);
                r = approved_list_load_sources(*ret_sources, c->allow_private, 0, &diags, ret);
        }
        if (r < 0 && !diag_has_errors(&diags))
                diag_error(&diags, c->approved_file, "%s", strerror(-r));
        take_diags(s, &diags);
        return s->diags.n_errors > before ? -EINVAL : r;
}

/* Entries that approve nothing any more, or soon will not (SPEC §1). */
static void warn_expiry(const struct approved_list *list) {
        int64_t now = (int64_t) time(NULL);
        struct approved_entry_info info;
        char date[EXPIRY_TEXT_MAX];

        for (size_t i = 0; approved_list_entry(list, i, &info); i++) {
                if (info.expires == 0 || info.expires - now > (int64_t) EXPIRY_WARN_DAYS * 86400)
                        continue;
                expiry_format(info.expires, date);
                if (info.expires <= now)
                        fprintf(stderr, "%s:%u: warning: %s expired on %s and approves nothing "
                                "(remove the entry or change its date)\n", info.source, info.line, info.text, date);
                else
                        fprintf(stderr, "%s:%u: warning: %s expires on %s, within %d days\n", info.source,
                                info.line, info.text, date, EXPIRY_WARN_DAYS);
        }
}

/* Valid, but probably not what was meant: said on stderr, exit 0. */
static void print_warnings(const struct ctl *ctl, const struct config *c, const struct approved_list *list) {
        bool any_service = false;

        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                const struct channel_config *cc = &c->channel[ch];
                if (cc->services.n + cc->sso_services.n + cc->inline_services.n > 0)
                        any_service = true;
        }
        if (!any_service)
                fprintf(stderr, "%s: warning: no service stands in any channel, so the module controls no logon "
                        "(name PAM services in services = of [admin], [enduser] or [api])\n", ctl->config_path);
        warn_expiry(list);
}

int ctl_check(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        _cleanup_(check_state_free) struct check_state state = {};
        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;

        int r = ctl_parse_help_only(argc, argv, NULL);
        if (r >= 0)
                return r;

        /* Even with a broken configuration, check the list it names (or the
         * default one): every error at once, not one round per fix. */
        check_config(&state, ctl->config_path, &config);
        bool failed = diag_has_errors(&state.diags);
        /* [alert]: the very checks logonacl-alertd makes at start. */
        _cleanup_(diag_free) struct diag_list alert_warnings = {};
        if (!failed && alert_check(&config, &state.diags, &alert_warnings) < 0)
                failed = true;
        for (size_t i = 0; i < alert_warnings.n_lines; i++)
                fprintf(stderr, "logonaclctl: warning: %s\n", alert_warnings.lines[i]);
        if (config.approved_file && check_approved(&state, &config, &sources, &list) < 0)
                failed = true;

        ctl_print_diags(&state.diags);
        if (failed || !list) {
                fprintf(stderr, "logonaclctl: check failed: %zu %s\n", state.diags.n_errors,
                        state.diags.n_errors == 1 ? "error" : "errors");
                return EXIT_INVALID;
        }
        print_warnings(ctl, &config, list);
        print_summary(&config, sources, list);
        return EXIT_OK;
}
