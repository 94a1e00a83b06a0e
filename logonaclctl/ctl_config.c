/* SPDX-License-Identifier: MIT */
/* Loading the configuration and printing diagnostics, the same way for every command. */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "approved_index.h"
#include "ctl.h"

void ctl_print_diags(const struct diag_list *diags) {
        for (size_t i = 0; i < diags->n_lines; i++)
                fprintf(stderr, "%s\n", diags->lines[i]);
        if (diags->n_dropped > 0)
                fprintf(stderr, "(%zu more lines not shown)\n", diags->n_dropped);
}

int ctl_load_config(const struct ctl *ctl, struct config *ret) {
        _cleanup_(diag_free) struct diag_list diags = {};

        int r = config_load(ctl->config_path, true, 0, ret, &diags);
        ctl_print_diags(&diags);
        if (r >= 0 && diag_has_errors(&diags))
                r = -EINVAL;
        if (r < 0 && diags.n_lines == 0)
                fprintf(stderr, "%s: %s\n", ctl->config_path, strerror(-r));
        return r;
}

int ctl_load_approved(const struct config *c, struct approved_list **ret) {
        _cleanup_(diag_free) struct diag_list diags = {};

        int r = approved_list_load(c->approved_file, c->approved_dir, c->allow_private, true, 0, &diags, ret);
        ctl_print_diags(&diags);
        if (r < 0 && diags.n_lines == 0)
                fprintf(stderr, "%s: %s\n", c->approved_file, strerror(-r));
        return r;
}

int ctl_refresh_index(const struct config *c, bool force, struct approved_list **ret_list) {
        struct approved_list *list = NULL;
        int r;

        if (ret_list)
                *ret_list = NULL;
        if (!force && approved_index_open(c->approved_file, c->approved_dir, c->allow_private, &list) >= 0) {
                approved_list_free(list);
                return 0;
        }
        r = ctl_load_approved(c, &list);
        if (r < 0)
                return r;
        r = approved_index_write(list, c->approved_file, c->approved_dir, c->allow_private);
        if (r < 0) {
                _cleanup_free_ char *path = approved_index_path(c->approved_file);
                fprintf(stderr, "logonaclctl: cannot write %s: %s\n", path ?: "the index", strerror(-r));
        }
        if (ret_list)
                *ret_list = list;
        else
                approved_list_free(list);
        return r;
}

int ctl_parse_entries(char **args, size_t n, bool allow_private, struct ip_block *blocks, struct entry_hits *hits) {
        _cleanup_(diag_free) struct diag_list diags = {};

        for (size_t i = 0; i < n; i++) {
                if (approved_entry_parse(args[i], allow_private, &blocks[i], &diags) < 0)
                        continue;
                ip_block_format(&blocks[i], hits[i].text);
        }
        ctl_print_diags(&diags);
        return diag_has_errors(&diags) ? -EINVAL : 0;
}

bool ctl_block_covered(const struct approved_list *l, const struct ip_block *block, struct approved_entry_info *info) {
        struct ip_block covering;
        char reason[ADDR_REASON_MAX];

        /* The most specific entry covering the first address covers the whole
         * block if any single entry does not; checking it is enough for a note. */
        return approved_list_match(l, block->first, info) &&
               ip_block_parse(info->text, strlen(info->text), &covering, reason) >= 0 &&
               addr128_cmp(covering.first, block->first) <= 0 && addr128_cmp(block->last, covering.last) <= 0;
}

int ctl_edit_entries(const struct ctl *ctl, int argc, char **argv, ctl_entry_edit_fn edit) {
        _cleanup_(config_free) struct config config = {};
        int r = ctl_parse_help_only(argc, argv, "no address given");

        if (r >= 0)
                return r;

        size_t n = (size_t) (argc - optind);
        struct entry_hits *hits = calloc(n, sizeof *hits);
        _cleanup_free_ struct ip_block *blocks = calloc(n, sizeof *blocks);
        if (!hits || !blocks) {
                free(hits);
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                return EXIT_INVALID;
        }

        /* All or nothing: an invalid argument changes nothing. */
        if (ctl_load_config(ctl, &config) < 0 ||
            ctl_parse_entries(argv + optind, n, config.allow_private, blocks, hits) < 0)
                r = EXIT_INVALID;
        else
                r = edit(&config, hits, blocks, n);
        entry_hits_free(hits, n);
        return r;
}
