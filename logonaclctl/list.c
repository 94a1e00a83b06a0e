/* SPDX-License-Identifier: MIT */
/* logonaclctl list: every approved entry, one a line, "ENTRY<TAB>FILE:LINE",
 * in the order the module reads them (main file, then drop-ins by name). */

#include <getopt.h>
#include <stdio.h>

#include "approved.h"
#include "ctl.h"

int ctl_list(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(config_free) struct config config = {};
        struct approved_list *list = NULL;
        int opt;

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

        if (ctl_load_config(ctl, &config) < 0 || ctl_load_approved(&config, &list) < 0)
                return EXIT_INVALID;

        struct approved_entry_info info;
        for (size_t i = 0; approved_list_entry(list, i, &info); i++)
                printf("%s\t%s:%u\n", info.text, info.source, info.line);
        approved_list_free(list);
        return EXIT_OK;
}
