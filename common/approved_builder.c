/* SPDX-License-Identifier: MIT */
/* The list being built: growable arrays filled by the parser, then turned into
 * an approved_list (segments, buckets, stamps) by builder_finish. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "approved_builder.h"
#include "approved_pages.h"
#include "approved_segments.h"

#define APPROVED_ENTRIES_MAX ((size_t) UINT32_MAX - 1)
#define BUCKETS_MIN_SEGMENTS 1024                       /* below: plain binary search */

void builder_free(struct builder *b) {
        pages_free(b->entries);
        for (size_t i = 0; i < b->n_sources; i++)
                free(b->sources[i]);
        free(b->sources);
        free(b->source_stamps);
}

bool builder_full(const struct builder *b) {
        return b->max_errors > 0 && b->n_errors >= b->max_errors;
}

/* A whole-file problem (unreadable, too big, bad permissions): one line. */
int builder_fail(struct builder *b, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        diag_errorv(b->diags, NULL, fmt, ap);
        va_end(ap);
        b->n_errors++;
        return r;
}

int builder_add_source(struct builder *b, const char *name) {
        if (b->n_sources == b->cap_sources) {
                size_t cap = b->cap_sources ? b->cap_sources * 2 : 8;
                char **n = realloc(b->sources, cap * sizeof *n);
                if (!n)
                        return -ENOMEM;
                b->sources = n;
                struct approved_stamp *st = realloc(b->source_stamps, cap * sizeof *st);
                if (!st)
                        return -ENOMEM;
                b->source_stamps = st;
                b->cap_sources = cap;
        }
        char *copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        b->source_stamps[b->n_sources] = (struct approved_stamp) {};
        b->sources[b->n_sources++] = copy;
        return (int) (b->n_sources - 1);
}

/* Room for at least extra more entries. */
int builder_reserve(struct builder *b, size_t extra) {
        if (b->cap_entries - b->n_entries >= extra)
                return 0;
        if (b->probing && extra > 64)
                return 0;       /* a probe keeps a handful: no room for the whole text */
        size_t cap = b->cap_entries * 2;
        if (cap < b->n_entries + extra)
                cap = b->n_entries + extra;
        if (cap > APPROVED_ENTRIES_MAX)
                return -E2BIG;
        struct approved_record *n = pages_realloc(b->entries, cap * sizeof *n);
        if (!n)
                return -ENOMEM;
        b->entries = n;
        b->cap_entries = cap;
        return 0;
}

int builder_add_entry(struct builder *b, const struct ip_block *block, uint32_t source, unsigned line,
                      int64_t expires) {
        if (b->probing && (addr128_cmp(b->probe, block->first) < 0 || addr128_cmp(block->last, b->probe) < 0))
                return 0;       /* checked, and of no concern to this lookup */
        if (b->n_entries == b->cap_entries) {
                int r = builder_reserve(b, 64);
                if (r < 0)
                        return r;
        }
        b->entries[b->n_entries++] = (struct approved_record) {
                .first_hi = block->first.hi,
                .first_lo = block->first.lo,
                .line = line,
                .source = source,
                .family = block->family,
                .prefix = block->prefix,
                .expires_min = (uint32_t) (expires / 60),
                .parent = APPROVED_NO_PARENT,
        };
        if (expires)
                b->any_expiry = true;
        return 0;
}

int builder_finish(struct builder *b, struct approved_list **ret) {
        /* the parser reserved room for the worst case: give back the rest */
        if (b->entries && b->n_entries < b->cap_entries) {
                struct approved_record *n = pages_realloc(b->entries, (b->n_entries ?: 1) * sizeof *n);
                if (n) {
                        b->entries = n;
                        b->cap_entries = b->n_entries ?: 1;
                }
        }

        struct approved_segments s = {};
        int r = approved_segments_build(b->entries, b->n_entries, b->any_expiry, &s);
        if (r < 0)
                return r;

        struct approved_list *l = calloc(1, sizeof *l);
        uint32_t *bucket = s.n >= BUCKETS_MIN_SEGMENTS ? approved_buckets_build(s.seg, s.n) : NULL;
        struct approved_stamp *stamps = b->stamped ? malloc((b->n_sources + 1) * sizeof *stamps) : NULL;
        if (!l || (s.n >= BUCKETS_MIN_SEGMENTS && !bucket) || (b->stamped && !stamps)) {
                free(l);
                free(stamps);
                pages_free(bucket);
                pages_free(s.seg);
                pages_free(s.entry);
                return -ENOMEM;
        }

        if (stamps) {
                stamps[0] = b->source_stamps[0];
                stamps[1] = b->dir_stamp;
                for (size_t i = 1; i < b->n_sources; i++)
                        stamps[i + 1] = b->source_stamps[i];
        }

        *l = (struct approved_list) {
                .n_stamps = stamps ? b->n_sources + 1 : 0,
                .stamps = stamps,
                .allow_private = b->allow_private,
                .n_segments = s.n,
                .segs = s.seg,
                .seg_entry = s.entry,
                .bucket = bucket,
                .n_entries = b->n_entries,
                .entries = b->entries,
                .n_sources = b->n_sources,
                .sources = (const char **) b->sources,
        };
        b->entries = NULL;
        b->sources = NULL;
        b->n_entries = b->n_sources = 0;
        *ret = l;
        return 0;
}
