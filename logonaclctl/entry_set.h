/* SPDX-License-Identifier: MIT */
#pragma once

/* The entries of a loaded approved list, sorted by canonical text, so add and
 * remove find every line holding a given block in O(log n) even in a list of a
 * million entries.  Two entries are the same block exactly when their canonical
 * texts (ip_block_format) are equal. */

#include <stdbool.h>
#include <stddef.h>
#include "approved.h"

struct entry_ref {
        char text[IP_BLOCK_TEXT_MAX];   /* canonical */
        const char *source;             /* owned by the list */
        unsigned line;
        bool in_main;                   /* source is the main approved file */
        size_t order;                   /* position in the list: file order */
};

struct entry_set {
        struct entry_ref *refs;
        size_t n;
};

/* Builds the set of every entry of l; main_file tells which source is the main file. */
int entry_set_build(const struct approved_list *l, const char *main_file, struct entry_set *ret);

/* The range [*first, *end) of entries with canonical text text, main file first,
 * then in file order; *first == *end when there is none. */
void entry_set_find(const struct entry_set *s, const char *text, size_t *first, size_t *end);

void entry_set_free(struct entry_set *s);
