/* SPDX-License-Identifier: MIT */
#pragma once

/* From the entries of a list being built to its lookup arrays (approved_builder.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "approved_layout.h"

struct approved_segments {
        struct approved_segment *seg;   /* pages_alloc'ed, like entry */
        uint32_t *entry;
        size_t n;
};

/* The sorted disjoint segments of entries[0..n), each with the entry that
 * answers there.  parents: also sets every entry's parent (approved_layout.h).
 * 0 or -ENOMEM. */
int approved_segments_build(struct approved_record *entries, size_t n, bool parents, struct approved_segments *ret);

/* bucket[k] = first segment whose first address has a key >= k
 * (APPROVED_BUCKETS + 1 values, pages_alloc'ed); NULL when out of memory. */
uint32_t *approved_buckets_build(const struct approved_segment *seg, size_t n);
