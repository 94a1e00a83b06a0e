/* SPDX-License-Identifier: MIT */
/* logonaclctl add [--comment TEXT] [--expires DATE] ADDR...: validate every
 * entry first (all or nothing), then append the new ones in canonical form
 * (with expires= and the comment) to the main file under the edit lock,
 * keeping every existing byte, and refresh the index. */

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
#include "expiry.h"

/* The line add writes: the entry, then expires= and the comment when given. */
static void write_line(FILE *f, const char *entry, const struct ctl_entry_options *o) {
        fputs(entry, f);
        if (o->expires) {
                char date[EXPIRY_TEXT_MAX];
                expiry_format(o->expires, date);
                fprintf(f, "  expires=%s", date);
        }
        if (o->comment)
                fprintf(f, "  # %s", o->comment);
        fputc('\n', f);
}

/* Says what happens to each argument, one line each (issue 14.9: one outcome
 * per entry, with what else approves it in the same line); returns the text to
 * append.  *refused: an argument that stays unapproved (its only line expired). */
static char *new_lines(const struct approved_list *list, const char *main_file, const struct ctl_entry_options *o,
                       const struct entry_hits *hits, const struct ip_block *blocks, size_t n, size_t *ret_len,
                       bool *refused) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                const struct entry_hits *h = &hits[i];
                struct approved_entry_info info;

                if (h->repeated || (h->n_main_lines > 0 && h->n_live > 0)) {
                        printf("%s: already approved, skipped\n", h->text);
                        continue;
                }
                if (h->n_main_lines > 0) {
                        char date[EXPIRY_TEXT_MAX];
                        expiry_format(h->main_expires, date);
                        fprintf(stderr, "%s: not added: %s:%u lists it with expires=%s, which has passed "
                                "(change that date, or remove the entry and add it again)\n", h->text,
                                main_file, h->main_lines[0], date);
                        *refused = true;
                        continue;
                }
                write_line(f, h->text, o);
                if (h->other_source && h->n_live > 0)
                        printf("%s: added (also approved in %s:%u)\n", h->text, h->other_source, h->other_line);
                else if (list && ctl_block_covered(list, &blocks[i], &info))
                        printf("%s: added (within %s, %s:%u)\n", h->text, info.text, info.source, info.line);
                else
                        printf("%s: added\n", h->text);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        *ret_len = len;
        return buf;
}

/* One journal entry per line added: "add 203.0.113.0/24  expires=...  # ...". */
static void record_added(const char *added, size_t len, const char *file) {
        for (const char *p = added, *end = added + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                _cleanup_free_ char *change = NULL;
                if (asprintf(&change, "add %.*s", (int) n, p) >= 0)
                        ctl_record_change(change, file);
                p += n + 1;
        }
}

static int add_locked(const struct config *config, const struct ctl_entry_options *o, struct entry_hits *hits,
                      const struct ip_block *blocks, size_t n) {
        struct approved_edit edit = APPROVED_EDIT_INIT;
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        _cleanup_free_ char *added = NULL;
        size_t added_len = 0;
        int exit_code = EXIT_INVALID;
        bool refused = false;

        if (approved_edit_begin(&edit, config->approved_file) < 0)
                goto finish;
        /* A list that does not load now would not load after the edit either:
         * refuse rather than stamp an index on a broken list. */
        if (edit.existed && ctl_load_approved(config, &list) < 0) {
                fprintf(stderr, "logonaclctl: the approved list has errors (see logonaclctl check); nothing was changed\n");
                goto finish;
        }
        if (entry_scan(list, config->approved_file, hits, n) < 0 ||
            !(added = new_lines(list, config->approved_file, o, hits, blocks, n, &added_len, &refused))) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                goto finish;
        }

        if (added_len > 0) {
                /* The old bytes as they are; a last line without '\n' gets one. */
                bool newline = edit.size > 0 && edit.data[edit.size - 1] != '\n';
                struct text_part parts[] = {
                        { edit.data, edit.size },
                        { "\n", newline },
                        { added, added_len },
                };
                if (approved_edit_replace(&edit, parts, ELEMENTSOF(parts)) < 0)
                        goto finish;
                record_added(added, added_len, config->approved_file);
        }
        exit_code = ctl_refresh_index(config, added_len > 0, NULL) < 0 || refused ? EXIT_INVALID : EXIT_OK;

finish:
        approved_edit_end(&edit);
        return exit_code;
}

int ctl_add(const struct ctl *ctl, int argc, char **argv) {
        return ctl_edit_entries(ctl, argc, argv, true, add_locked);
}
