/* SPDX-License-Identifier: MIT */
#pragma once

/* Where the blocks named on the command line (add, remove) already stand in a
 * loaded approved list.  One pass over the list with a binary search among the
 * few arguments: no copy or sort of a million entries.  Two entries are the
 * same block exactly when their canonical texts (ip_block_format) are equal. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "approved.h"

struct entry_hits {
        char text[IP_BLOCK_TEXT_MAX];   /* the argument, canonical (filled by the caller) */
        bool repeated;                  /* the same block as an earlier argument */
        unsigned *main_lines;           /* lines of the main file holding it, in order */
        size_t n_main_lines;
        const char *other_source;       /* first other file holding it (owned by the list), or NULL */
        unsigned other_line;
        size_t n_live;                  /* lines anywhere holding it that have not expired */
        int64_t main_expires;           /* expires= of its first line in the main file (0: never) */
};

/* Fills repeated, main_lines and other_* of hits[0..n) from l (NULL: an empty list). */
int entry_scan(const struct approved_list *l, const char *main_file, struct entry_hits *hits, size_t n);

void entry_hits_free(struct entry_hits *hits, size_t n);
