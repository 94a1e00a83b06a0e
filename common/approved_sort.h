/* SPDX-License-Identifier: MIT */
#pragma once

/* Sorting the entries of a list being built (approved_builder.c). */

#include <stddef.h>
#include <stdint.h>

#include "approved_layout.h"

/* Sort key of a block: address, then larger blocks first, then the order written. */
struct sort_item {
        uint64_t hi, lo;
        uint32_t prefix128;
        uint32_t entry;
};

/* items[0..n) = the sort items of entries[0..n), sorted.  0 or -ENOMEM. */
int approved_sort_entries(const struct approved_record *entries, size_t n, struct sort_item *items);
