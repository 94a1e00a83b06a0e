/* SPDX-License-Identifier: MIT */
/* logonaclctl add ADDR...: validate every entry first (all or nothing), then
 * append the new ones in canonical form to the main file under the edit lock,
 * keeping every existing byte, and refresh the index. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approved.h"
#include "approved_edit.h"
#include "ctl.h"
#include "entry_set.h"

/* -1 to go on, or the exit code (--help, usage error). */
static int parse_options(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int opt;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        return ctl_command_help(argv[0]);
                default:
                        return ctl_option_error(argv[0], opt, argv);
                }
        if (optind >= argc)
                return ctl_usage_error(argv[0], "no address given");
        return -1;
}

/* Notes where an entry being added already stands outside the main file. */
static void note_elsewhere(const struct approved_list *list, const struct entry_set *set, const char *text,
                           const struct ip_block *block) {
        size_t first, end;

        entry_set_find(set, text, &first, &end);
        if (first < end) {
                printf("%s: also approved in %s:%u\n", text, set->refs[first].source, set->refs[first].line);
                return;
        }

        struct approved_entry_info info;
        if (list && ctl_block_covered(list, block, &info))
                printf("%s: already covered by %s (%s:%u)\n", text, info.text, info.source, info.line);
}

/* Appends the new entries to e's bytes; says what happens to each. */
static int build_text(const struct approved_edit *e, const struct approved_list *list, const struct entry_set *set,
                      char (*texts)[IP_BLOCK_TEXT_MAX], const struct ip_block *blocks, size_t n,
                      char **ret, size_t *ret_size, size_t *ret_added) {
        char *buf = NULL;
        size_t size = 0, added = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        fwrite(e->data, 1, e->size, f);
        if (e->size > 0 && e->data[e->size - 1] != '\n')
                fputc('\n', f);

        _cleanup_free_ bool *repeated = ctl_repeated_entries(texts, n);
        if (!repeated) {
                fclose(f);
                free(buf);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                size_t first, end;

                entry_set_find(set, texts[i], &first, &end);
                if (repeated[i] || (first < end && set->refs[first].in_main)) {
                        printf("%s: already approved, skipped\n", texts[i]);
                        continue;
                }
                fprintf(f, "%s\n", texts[i]);
                printf("%s: added\n", texts[i]);
                note_elsewhere(list, set, texts[i], &blocks[i]);
                added++;
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        *ret_added = added;
        return 0;
}

static int add_locked(const struct config *config, char (*texts)[IP_BLOCK_TEXT_MAX], const struct ip_block *blocks,
                      size_t n) {
        struct approved_edit edit = APPROVED_EDIT_INIT;
        struct approved_list *list = NULL;
        struct entry_set set = {};
        _cleanup_free_ char *text = NULL;
        size_t size = 0, added = 0;
        int r, exit_code = EXIT_INVALID;

        if (approved_edit_begin(&edit, config->approved_file) < 0)
                goto finish;
        /* A list that does not load now would not load after the edit either:
         * refuse rather than stamp an index on a broken list. */
        if (edit.existed && ctl_load_approved(config, &list) < 0) {
                fprintf(stderr, "logonaclctl: the approved list has errors (see logonaclctl check); nothing was changed\n");
                goto finish;
        }
        if (list && entry_set_build(list, config->approved_file, &set) < 0) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }

        r = build_text(&edit, list, &set, texts, blocks, n, &text, &size, &added);
        if (r < 0) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(-r));
                goto finish;
        }
        if (added > 0 && approved_edit_replace(&edit, text, size) < 0)
                goto finish;
        exit_code = ctl_refresh_index(config, added > 0) < 0 ? EXIT_INVALID : EXIT_OK;

finish:
        entry_set_free(&set);
        if (list)
                approved_list_free(list);
        approved_edit_end(&edit);
        return exit_code;
}

int ctl_add(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        int r = parse_options(argc, argv);

        if (r >= 0)
                return r;

        size_t n = (size_t) (argc - optind);
        _cleanup_free_ char (*texts)[IP_BLOCK_TEXT_MAX] = calloc(n, sizeof *texts);
        _cleanup_free_ struct ip_block *blocks = calloc(n, sizeof *blocks);
        if (!texts || !blocks) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                return EXIT_INVALID;
        }

        if (ctl_load_config(ctl, &config) < 0)
                return EXIT_INVALID;
        if (ctl_parse_entries(argv + optind, n, config.allow_private, blocks, texts) < 0)
                return EXIT_INVALID;
        return add_locked(&config, texts, blocks, n);
}
