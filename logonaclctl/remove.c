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
#include "entry_scan.h"
#include "list_edit_frame.h"

static int line_cmp(const void *a, const void *b) {
        unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;
        return (x > y) - (x < y);
}

/* The spans of text that remain without the given lines (sorted, 1-based; the
 * '\n' goes with its line): at most n_lines + 1 parts, pointing into text. */
static size_t parts_without_lines(const char *text, size_t size, const unsigned *lines, size_t n_lines,
                                  struct text_part *parts) {
        size_t pos = 0, kept_from = 0, n_parts = 0;
        unsigned line = 1;

        for (size_t k = 0; k < n_lines && pos < size; k++) {
                if (lines[k] < line)
                        continue;       /* a repeated line number */
                /* Skip to the start of line lines[k]. */
                while (line < lines[k] && pos < size) {
                        const char *nl = memchr(text + pos, '\n', size - pos);
                        pos = nl ? (size_t) (nl - text) + 1 : size;
                        line++;
                }
                if (pos >= size)
                        break;
                const char *nl = memchr(text + pos, '\n', size - pos);
                size_t end = nl ? (size_t) (nl - text) + 1 : size;
                if (pos > kept_from)
                        parts[n_parts++] = (struct text_part) { text + kept_from, pos - kept_from };
                kept_from = pos = end;
                line++;
        }
        if (size > kept_from)
                parts[n_parts++] = (struct text_part) { text + kept_from, size - kept_from };
        return n_parts;
}

/* Says what happens to each argument; collects the main-file lines to drop. */
static int lines_to_remove(const struct approved_list *list, const char *main_file, const struct entry_hits *hits,
                           const struct ip_block *blocks, size_t n, unsigned **ret, size_t *ret_n, bool *ret_missing) {
        size_t total = 0, k = 0;

        for (size_t i = 0; i < n; i++)
                total += hits[i].n_main_lines;
        unsigned *lines = calloc(total ? total : 1, sizeof *lines);
        if (!lines)
                return -ENOMEM;

        *ret_missing = false;
        for (size_t i = 0; i < n; i++) {
                const struct entry_hits *h = &hits[i];
                struct approved_entry_info info;

                if (h->repeated)
                        continue;       /* said once */
                if (h->n_main_lines > 0) {
                        memcpy(lines + k, h->main_lines, h->n_main_lines * sizeof *lines);
                        k += h->n_main_lines;
                        printf("%s: removed\n", h->text);
                        continue;
                }
                *ret_missing = true;
                if (h->other_source)
                        fprintf(stderr, "%s: not in %s; it is listed in %s:%u, which remove does not edit\n",
                                h->text, main_file, h->other_source, h->other_line);
                else if (ctl_block_covered(list, &blocks[i], &info))
                        fprintf(stderr, "%s: not in %s, nothing to remove (it is approved by %s at %s:%u)\n",
                                h->text, main_file, info.text, info.source, info.line);
                else
                        fprintf(stderr, "%s: not in %s, nothing to remove\n", h->text, main_file);
        }
        qsort(lines, k, sizeof *lines, line_cmp);
        *ret = lines;
        *ret_n = k;
        return 0;
}

/* After the edit: a block may still be approved through a broader entry. */
static void note_still_covered(const struct approved_list *list, const struct entry_hits *hits,
                               const struct ip_block *blocks, size_t n) {
        for (size_t i = 0; list && i < n; i++) {
                struct approved_entry_info info;
                if (!hits[i].repeated && hits[i].n_main_lines > 0 && ctl_block_covered(list, &blocks[i], &info))
                        printf("%s: still approved by %s (%s:%u)\n", hits[i].text, info.text, info.source, info.line);
        }
}

/* One journal entry per entry removed. */
static void record_removed(const struct entry_hits *hits, size_t n, const char *file) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *change = NULL;
                if (!hits[i].repeated && hits[i].n_main_lines > 0 && asprintf(&change, "remove %s", hits[i].text) >= 0)
                        ctl_record_change(change, file);
        }
}

static int remove_locked(const struct config *config, const struct ctl_entry_options *o, struct entry_hits *hits,
                         const struct ip_block *blocks, size_t n) {
        struct approved_edit edit = APPROVED_EDIT_INIT;
        _cleanup_(approved_list_freep) struct approved_list *list = NULL, *after = NULL;
        _cleanup_free_ unsigned *lines = NULL;
        _cleanup_free_ struct text_part *parts = NULL;
        size_t n_lines = 0;
        bool missing = false;
        int exit_code = EXIT_INVALID;

        if (approved_edit_begin(&edit, config->approved_file) < 0)
                goto finish;
        if (ctl_load_approved(config, &list) < 0) {
                fprintf(stderr, "logonaclctl: the approved list has errors (see logonaclctl check); nothing was changed\n");
                goto finish;
        }
        if (entry_scan(list, config->approved_file, hits, n) < 0 ||
            lines_to_remove(list, config->approved_file, hits, blocks, n, &lines, &n_lines, &missing) < 0 ||
            !(parts = calloc(n_lines + 1, sizeof *parts))) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }

        if (n_lines > 0) {
                size_t n_parts = parts_without_lines(edit.data, edit.size, lines, n_lines, parts);
                if (approved_edit_replace(&edit, parts, n_parts) < 0)
                        goto finish;
                record_removed(hits, n, config->approved_file);
        }
        int r = ctl_refresh_index(config, n_lines > 0, &after);
        note_still_covered(after, hits, blocks, n);
        if (r < 0)
                goto finish;
        exit_code = missing ? EXIT_INVALID : EXIT_OK;

finish:
        approved_edit_end(&edit);
        return exit_code;
}

int ctl_remove(const struct ctl *ctl, int argc, char **argv) {
        return ctl_edit_entries(ctl, argc, argv, false, remove_locked);
}
