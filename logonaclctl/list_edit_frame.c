/* SPDX-License-Identifier: MIT */
/* add and remove: options, all-or-nothing ADDR parsing, then the command's edit. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approved.h"
#include "escape.h"
#include "expiry.h"
#include "list_edit_frame.h"
#include "utf8.h"

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
        char reason[REASON_MAX];

        /* The most specific entry covering the first address covers the whole
         * block if any single entry does not; checking it is enough for a note. */
        return approved_list_match(l, block->first, info) &&
               ip_block_parse(info->text, strlen(info->text), &covering, reason) >= 0 &&
               addr128_cmp(covering.first, block->first) <= 0 && addr128_cmp(block->last, covering.last) <= 0;
}

#define COMMENT_MAX 1024

/* A comment goes into the file as one line's tail: valid UTF-8 with nothing a
 * terminal or a line break could act on (a '\n' would add an entry). */
static int check_comment(const char *comment) {
        const unsigned char *p = (const unsigned char *) comment;
        size_t left = strlen(comment);

        if (left > COMMENT_MAX) {
                fprintf(stderr, "logonaclctl: --comment: longer than %d bytes; nothing was changed\n", COMMENT_MAX);
                return -EINVAL;
        }
        while (left > 0) {
                uint32_t c;
                size_t k = utf8_decode(p, left, &c);
                if (k == 0 || unichar_unsafe(c)) {
                        fprintf(stderr, "logonaclctl: --comment: contains a control character, a line break or "
                                "invalid UTF-8; nothing was changed\n");
                        return -EINVAL;
                }
                p += k;
                left -= k;
        }
        return 0;
}

static int check_expires(const char *text, int64_t *ret) {
        if (expiry_parse(text, strlen(text), ret) < 0) {
                _cleanup_free_ char *shown = escape_terminal_string(text, strlen(text));
                fprintf(stderr, "logonaclctl: --expires: \"%s\" is not a date: write YYYY-MM-DD or "
                        "YYYY-MM-DDTHH:MMZ (UTC); nothing was changed\n", shown ?: "");
                return -EINVAL;
        }
        if (*ret <= (int64_t) time(NULL)) {
                fprintf(stderr, "logonaclctl: --expires: %s has passed, the entry would approve nothing; "
                        "nothing was changed\n", text);
                return -EINVAL;
        }
        return 0;
}

/* Options of add and remove: -1 to go on (optind at the first address), or the exit code. */
static int parse_edit_options(int argc, char **argv, bool with_line_options, struct ctl_entry_options *o) {
        static const struct option options[] = {
                { "help",    no_argument,       NULL, 'h' },
                { "comment", required_argument, NULL, 'C' },
                { "expires", required_argument, NULL, 'E' },
                {}
        };
        const char *expires = NULL;
        int opt;

        *o = (struct ctl_entry_options) {};
        opterr = 0;
        /* Options may follow the addresses too (SPEC §6: add ADDR... --comment TEXT):
         * no address starts with '-', so getopt's reordering is safe here. */
        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                case 'C':
                case 'E':
                        if (!with_line_options)
                                return ctl_usage_error(argv[0], "unknown option '%s'",
                                                       opt == 'C' ? "--comment" : "--expires");
                        if (opt == 'C')
                                o->comment = optarg;
                        else
                                expires = optarg;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        if (optind >= argc)
                return ctl_usage_error(argv[0], "no address given");
        if ((o->comment && check_comment(o->comment) < 0) || (expires && check_expires(expires, &o->expires) < 0))
                return EXIT_INVALID;
        if (o->comment && !*o->comment)
                o->comment = NULL;
        return -1;
}

/* The hits of the n ADDR arguments, freed with their count at scope end. */
struct hit_array {
        struct entry_hits *hits;
        size_t n;
};

static void hit_array_done(struct hit_array *a) {
        entry_hits_free(a->hits, a->n);
}

int ctl_edit_entries(const struct ctl *ctl, int argc, char **argv, bool with_line_options, ctl_entry_edit_fn edit) {
        _cleanup_(config_free) struct config config = {};
        struct ctl_entry_options o;
        int r = parse_edit_options(argc, argv, with_line_options, &o);

        if (r >= 0)
                return r;

        size_t n = (size_t) (argc - optind);
        _cleanup_(hit_array_done) struct hit_array hits = { calloc(n, sizeof(struct entry_hits)), n };
        _cleanup_free_ struct ip_block *blocks = calloc(n, sizeof *blocks);
        if (!hits.hits || !blocks) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                return EXIT_INVALID;
        }

        /* All or nothing: an invalid argument changes nothing. */
        if (ctl_load_config(ctl, &config) < 0 ||
            ctl_parse_entries(argv + optind, n, config.allow_private, blocks, hits.hits) < 0)
                return EXIT_INVALID;
        return edit(&config, &o, hits.hits, blocks, n);
}
