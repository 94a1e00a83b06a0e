/* SPDX-License-Identifier: MIT */
#pragma once

/* The list being built, shared by the parser (approved_parse.c) and the loader
 * (approved.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "approved.h"
#include "approved_layout.h"
#include "diag.h"
#include "macro.h"

#define APPROVED_FILE_MAX ((size_t) 1 << 30)            /* 1 GiB of text */

/* Growable arrays of the list being built. */
struct builder {
        struct approved_record *entries;
        size_t n_entries, cap_entries;
        char **sources;
        struct approved_stamp *source_stamps;   /* parallel to sources */
        size_t n_sources, cap_sources;
        struct approved_stamp dir_stamp;
        bool stamped;
        size_t n_errors, max_errors;
        bool allow_private;
        struct diag_list *diags;
        bool any_expiry;                /* an entry has expires=: build the parent chains */
        /* approved_list_load_for: keep only the entries covering probe. */
        bool probing;
        addr128 probe;
};

void builder_free(struct builder *b);
/* The error limit is reached: nothing more is read. */
bool builder_full(const struct builder *b);
/* A whole-file problem (unreadable, too big, bad permissions): one line in
 * diags, counted as an error; returns r. */
int builder_fail(struct builder *b, int r, const char *fmt, ...) _printf_(3, 4);
/* A new source named name: its index, or -ENOMEM. */
int builder_add_source(struct builder *b, const char *name);
/* Room for at least extra more entries (a probe keeps a handful only). */
int builder_reserve(struct builder *b, size_t extra);
/* One valid entry (a probe keeps only those covering its address). */
int builder_add_entry(struct builder *b, const struct ip_block *block, uint32_t source, unsigned line,
                      int64_t expires);
/* The list of what was added; the builder gives up its arrays. */
int builder_finish(struct builder *b, struct approved_list **ret);
