/* SPDX-License-Identifier: MIT */
/* logonaclctl remove ADDR...: drop every line of the main file whose entry is
 * the given block (canonical comparison), keeping every other byte, under the
 * edit lock; refresh the index.  An entry that is not in the main file is
 * reported and makes the exit status 1; the others are still removed. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approved.h"
#include "approved_edit.h"
#include "ctl.h"
#include "entry_set.h"

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

static int line_cmp(const void *a, const void *b) {
        unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;
        return (x > y) - (x < y);
}

/* The text without the given lines (sorted, 1-based; the '\n' goes with its line). */
static char *text_without_lines(const char *text, size_t size, const unsigned *lines, size_t n_lines,
                                size_t *ret_size) {
        char *out = malloc(size + 1);
        size_t pos = 0, used = 0, k = 0;
        unsigned line = 1;

        if (!out)
                return NULL;
        while (pos < size) {
                const char *nl = memchr(text + pos, '\n', size - pos);
                size_t end = nl ? (size_t) (nl - text) + 1 : size;

                while (k < n_lines && lines[k] < line)
                        k++;
                if (k == n_lines || lines[k] != line) {
                        memcpy(out + used, text + pos, end - pos);
                        used += end - pos;
                }
                pos = end;
                line++;
        }
        out[used] = 0;
        *ret_size = used;
        return out;
}

/* Collects the main-file lines of each block; says which blocks are not there. */
static int collect_lines(const struct approved_list *list, const struct entry_set *set, const char *main_file,
                         char (*texts)[IP_BLOCK_TEXT_MAX], const struct ip_block *blocks, size_t n, bool *removed,
                         unsigned **ret, size_t *ret_n, bool *ret_missing) {
        unsigned *lines = NULL;
        size_t n_lines = 0;

        _cleanup_free_ bool *repeated = ctl_repeated_entries(texts, n);
        if (!repeated)
                return -ENOMEM;
        *ret_missing = false;
        for (size_t i = 0; i < n; i++) {
                size_t first, end, here = 0;

                if (repeated[i])
                        continue;       /* said once */

                entry_set_find(set, texts[i], &first, &end);
                for (size_t k = first; k < end && set->refs[k].in_main; k++) {
                        unsigned *grown = realloc(lines, (n_lines + 1) * sizeof *lines);
                        if (!grown) {
                                free(lines);
                                return -ENOMEM;
                        }
                        lines = grown;
                        lines[n_lines++] = set->refs[k].line;
                        here++;
                }
                removed[i] = here > 0;
                if (here > 0)
                        printf("%s: removed\n", texts[i]);
                else if (first < end) {
                        fprintf(stderr, "%s: not in %s; it is listed in %s:%u, which remove does not edit\n",
                                texts[i], main_file, set->refs[first].source, set->refs[first].line);
                        *ret_missing = true;
                } else {
                        struct approved_entry_info info;
                        fprintf(stderr, "%s: not in %s, nothing to remove", texts[i], main_file);
                        if (ctl_block_covered(list, &blocks[i], &info))
                                fprintf(stderr, " (it is approved by %s at %s:%u)", info.text, info.source, info.line);
                        fputc('\n', stderr);
                        *ret_missing = true;
                }
        }
        qsort(lines, n_lines, sizeof *lines, line_cmp);
        *ret = lines;
        *ret_n = n_lines;
        return 0;
}

/* After the edit: a block may still be approved through a broader entry. */
static void note_still_covered(const struct config *config, char (*texts)[IP_BLOCK_TEXT_MAX],
                               const struct ip_block *blocks, const bool *removed, size_t n) {
        _cleanup_(diag_free) struct diag_list diags = {};
        struct approved_list *list = NULL;

        if (approved_list_load(config->approved_file, config->approved_dir, config->allow_private, false, 0, &diags,
                               &list) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                struct approved_entry_info info;
                if (removed[i] && ctl_block_covered(list, &blocks[i], &info))
                        printf("%s: still approved by %s (%s:%u)\n", texts[i], info.text, info.source, info.line);
        }
        approved_list_free(list);
}

static int remove_locked(const struct config *config, char (*texts)[IP_BLOCK_TEXT_MAX],
                         const struct ip_block *blocks, size_t n) {
        struct approved_edit edit = APPROVED_EDIT_INIT;
        struct approved_list *list = NULL;
        struct entry_set set = {};
        _cleanup_free_ unsigned *lines = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ bool *removed = calloc(n, sizeof *removed);
        size_t n_lines = 0, size = 0;
        bool missing = false;
        int exit_code = EXIT_INVALID;

        if (approved_edit_begin(&edit, config->approved_file) < 0)
                goto finish;
        if (ctl_load_approved(config, &list) < 0) {
                fprintf(stderr, "logonaclctl: the approved list has errors (see logonaclctl check); nothing was changed\n");
                goto finish;
        }
        if (!removed || entry_set_build(list, config->approved_file, &set) < 0 ||
            collect_lines(list, &set, config->approved_file, texts, blocks, n, removed, &lines, &n_lines,
                          &missing) < 0) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }

        if (n_lines > 0) {
                text = text_without_lines(edit.data, edit.size, lines, n_lines, &size);
                if (!text) {
                        fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                        goto finish;
                }
                if (approved_edit_replace(&edit, text, size) < 0)
                        goto finish;
                note_still_covered(config, texts, blocks, removed, n);
        }
        if (ctl_refresh_index(config, n_lines > 0) < 0)
                goto finish;
        exit_code = missing ? EXIT_INVALID : EXIT_OK;

finish:
        entry_set_free(&set);
        if (list)
                approved_list_free(list);
        approved_edit_end(&edit);
        return exit_code;
}

int ctl_remove(const struct ctl *ctl, int argc, char **argv) {
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

        /* All or nothing, as add: an invalid argument changes nothing. */
        if (ctl_parse_entries(argv + optind, n, config.allow_private, blocks, texts) < 0)
                return EXIT_INVALID;
        return remove_locked(&config, texts, blocks, n);
}
