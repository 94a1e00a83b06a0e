/* SPDX-License-Identifier: MIT */
/* logonaclctl reindex [--if-stale]: rebuild "<approved_file>.index" after a hand
 * edit, so logons use the compiled list again instead of parsing the text.
 * --if-stale (logonacl-reindex.service): leave a fresh index alone, so an edit
 * by add/remove, which indexes itself, is not indexed and recorded twice. */

#include <getopt.h>
#include <stdio.h>

#include "approved.h"
#include "approved_edit.h"
#include "approved_index.h"
#include "ctl.h"

static int parse_options(int argc, char **argv, bool *if_stale) {
        static const struct option options[] = {
                { "help",     no_argument, NULL, 'h' },
                { "if-stale", no_argument, NULL, 's' },
                {}
        };
        int opt;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 's':
                        *if_stale = true;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        return ctl_no_arguments(argc, argv);
}

static bool index_fresh(const struct config *c) {
        _cleanup_(approved_list_freep) struct approved_list *l = NULL;
        if (approved_index_open(c->approved_file, c->approved_dir, c->allow_private, &l) < 0)
                return false;
        return true;
}

int ctl_reindex(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        _cleanup_free_ char *path = NULL;
        struct approved_edit edit = APPROVED_EDIT_INIT;
        bool if_stale = false;
        int exit_code = EXIT_INVALID;

        int r = parse_options(argc, argv, &if_stale);
        if (r >= 0)
                return r;

        if (ctl_load_config(ctl, &config) < 0)
                return EXIT_INVALID;
        /* Under the edit lock, so the index describes the file add/remove leave. */
        if (approved_edit_begin(&edit, config.approved_file) < 0)
                goto finish;
        path = approved_index_path(config.approved_file);
        if (if_stale && index_fresh(&config)) {
                printf("%s: fresh, not rewritten\n", path ?: "index");
                exit_code = EXIT_OK;
        } else if (ctl_refresh_index(&config, true, NULL) >= 0) {
                printf("%s: written\n", path ?: "index");
                ctl_record_change("reindex", path ?: config.approved_file);
                exit_code = EXIT_OK;
        }
finish:
        approved_edit_end(&edit);
        return exit_code;
}
