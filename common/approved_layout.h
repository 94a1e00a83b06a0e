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

/* Identity of a source file (or of approved_dir) when it was read: any change
 * of content, replacement, chmod or chown changes one of these. */
struct approved_stamp {
        uint64_t dev, ino, size;
        int64_t mtime_ns, ctime_ns;
        uint32_t mode, uid;             /* mode 0: absent (a missing approved_dir) */
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

        /* stamps[0] main file, stamps[1] approved_dir, stamps[1 + i] sources[i] for i >= 1;
         * n_stamps 0 when the list was not read from files (approved_list_parse_buffer). */
        size_t n_stamps;
        const struct approved_stamp *stamps;
        bool allow_private;

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

struct stat;
void approved_stamp_from_stat(struct approved_stamp *s, const struct stat *st);

/* approved_dropins(), also giving approved_dir's stamp (all zero when missing). */
int approved_dropins_stamped(const char *dir, bool check_perms, char ***ret, size_t *ret_n, char reason[1024],
                             struct approved_stamp *dir_stamp);
