/* SPDX-License-Identifier: MIT */
/* logonaclctl list: every approved entry, one a line, "ENTRY<TAB>FILE:LINE",
 * in the order the module reads them (main file, then drop-ins by name). */

#include <getopt.h>
#include <stdio.h>

#include "approved.h"
#include "ctl.h"

int ctl_list(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        struct approved_list *list = NULL;

        int r = ctl_parse_help_only(argc, argv, NULL);
        if (r >= 0)
                return r;

        if (ctl_load_config(ctl, &config) < 0 || ctl_load_approved(&config, &list) < 0)
                return EXIT_INVALID;

        struct approved_entry_info info;
        for (size_t i = 0; approved_list_entry(list, i, &info); i++)
                printf("%s\t%s:%u\n", info.text, info.source, info.line);
        approved_list_free(list);
        return EXIT_OK;
}
