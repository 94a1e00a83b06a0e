/* SPDX-License-Identifier: MIT */
/* logonaclctl reindex: rebuild "<approved_file>.index" after a hand edit, so
 * logons use the compiled list again instead of parsing the text. */

#include <getopt.h>
#include <stdio.h>

#include "approved_edit.h"
#include "approved_index.h"
#include "ctl.h"

int ctl_reindex(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        struct approved_edit edit = APPROVED_EDIT_INIT;
        int exit_code = EXIT_INVALID;

        int r = ctl_parse_help_only(argc, argv, NULL);
        if (r >= 0)
                return r;

        if (ctl_load_config(ctl, &config) < 0)
                return EXIT_INVALID;
        /* Under the edit lock, so the index describes the file add/remove leave. */
        if (approved_edit_begin(&edit, config.approved_file) >= 0 && ctl_refresh_index(&config, true, NULL) >= 0) {
                _cleanup_free_ char *path = approved_index_path(config.approved_file);
                printf("%s: written\n", path ?: "index");
                ctl_record_change("reindex", path ?: config.approved_file);
                exit_code = EXIT_OK;
        }
        approved_edit_end(&edit);
        return exit_code;
}
