/* SPDX-License-Identifier: MIT */
#pragma once

/* The files of the approved list (SPEC §1–2): the main file, then approved_dir's
 * *.list files in strcmp order.  Found, stamped and (check_perms) walked by
 * safe_path once, then handed to the text loader (approved_list_load_sources)
 * and to the index check (approved_index_open_sources): a logon lists the
 * folder once and stats each file once, whichever form of the list answers. */

#include <stdbool.h>
#include <stddef.h>

#include "approved_layout.h"
#include "diag.h"
#include "macro.h"

struct approved_source {
        char *path;
        struct approved_stamp stamp;    /* mode 0: could not be stat'ed (the loader says why) */
};

struct approved_sources {
        struct approved_source *files;  /* [0] the main file, then the drop-ins */
        size_t n_files;
        char *dir;                      /* NULL: no approved_dir configured */
        struct approved_stamp dir_stamp;        /* mode 0: approved_dir missing */
        /* The ownership walk was made: the files are opened with O_NOFOLLOW and
         * their owner and mode re-checked on the open descriptor. */
        bool checked;
};

/* Lists dir's *.list names (no dotfiles), whatever their type: one that is not a
 * regular file is the file check's error (SPEC §2), never skipped.  A missing dir
 * has none.  check_perms: safe_path on the main file, on dir and on each drop-in,
 * stopping at the first refused one.  Without it the files are only stat'ed.  A
 * problem adds one line to diags (counted as an error) and returns a negative
 * errno. */
int approved_sources_find(const char *main_file, const char *dir, bool check_perms, struct diag_list *diags,
                          struct approved_sources **ret);

void approved_sources_free(struct approved_sources *s);
static inline void approved_sources_freep(struct approved_sources **s) {
        approved_sources_free(*s);
}
