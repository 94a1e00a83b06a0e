/* SPDX-License-Identifier: MIT */
/* logonaclctl reindex: rebuild "<approved_file>.index" after a hand edit, so
 * logons use the compiled list again instead of parsing the text. */

#include <getopt.h>
#include <stdio.h>

#include "approved_edit.h"
#include "approved_index.h"
#include "ctl.h"

int ctl_reindex(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(config_free) struct config config = {};
        struct approved_edit edit = APPROVED_EDIT_INIT;
        int opt, exit_code = EXIT_INVALID;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        return ctl_command_help(argv[0]);
                default:
                        return ctl_option_error(argv[0], opt, argv);
                }
        if (optind < argc)
                return ctl_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);

        if (ctl_load_config(ctl, &config) < 0)
                return EXIT_INVALID;
        /* Under the edit lock, so the index describes the file add/remove leave. */
        if (approved_edit_begin(&edit, config.approved_file) >= 0 && ctl_refresh_index(&config, true, NULL) >= 0) {
                _cleanup_free_ char *path = approved_index_path(config.approved_file);
                printf("%s: written\n", path ?: "index");
                exit_code = EXIT_OK;
        }
        approved_edit_end(&edit);
        return exit_code;
}
