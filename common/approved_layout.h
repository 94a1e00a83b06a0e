/* SPDX-License-Identifier: MIT */
#pragma once

/* The in-memory layout of an approved list, shared by approved.c (built from the
 * text) and approved_index.c (the same arrays, mapped read-only from the index
 * file).  Other parts use the functions of approved.h only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"

/* One entry as written: 32 bytes, stored as is in the index. */
struct approved_record {
        uint64_t first_hi, first_lo;
        uint32_t line;
        uint32_t source;        /* index into approved_list.sources */
        uint8_t family;         /* 4 or 6 */
        uint8_t prefix;         /* as written: 0..32 or 0..128 */
        uint8_t reserved[6];
};

/* Buckets of the lookup accelerator: the segment range to search for an address
 * is [bucket[k], bucket[k + 1]] where k is the address's bucket key. */
#define APPROVED_BUCKET_BITS 16
#define APPROVED_BUCKETS (2u << APPROVED_BUCKET_BITS)   /* IPv4 keys, then IPv6 keys */

struct approved_list {
        /* Sorted disjoint segments [seg_first[i], seg_last[i]] -> entries[seg_entry[i]]. */
        size_t n_segments;
        const addr128 *seg_first;
        const addr128 *seg_last;
        const uint32_t *seg_entry;
        const uint32_t *bucket;         /* APPROVED_BUCKETS + 1 values */

        size_t n_entries;
        const struct approved_record *entries;

        size_t n_sources;
        const char **sources;           /* array always on the heap; strings heap or mapped */

        bool mapped;                    /* arrays live in map, else each one on the heap */
        void *map;
        size_t map_size;
};

/* Bucket key of an address: the top 16 bits of the IPv4 address for IPv4-mapped
 * values, else the top 16 bits of the IPv6 address (offset by 2^16).  Monotonic
 * in the address, so segments sorted by address have sorted keys. */
static inline uint32_t approved_bucket_key(addr128 a) {
        if (a.hi == 0 && (a.lo >> 32) == 0xffff)
                return (uint32_t) (a.lo >> 16) & 0xffff;
        if (a.hi == 0 && a.lo < (UINT64_C(0xffff) << 32))
                return 0;
        if (a.hi == 0)
                return 0xffff;
        return (1u << APPROVED_BUCKET_BITS) | (uint32_t) (a.hi >> 48);
}
