/* SPDX-License-Identifier: MIT */
#pragma once

/* The in-memory layout of an approved list, shared by the files of the list:
 * approved_builder.c builds it from the text, approved_index.c maps the same
 * arrays read-only from the index file, approved_lookup.c reads it.  Other
 * parts use the functions of approved.h only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"

#define APPROVED_NO_PARENT UINT32_MAX

/* One entry as written: 40 bytes, stored as is in the index. */
struct approved_record {
        uint64_t first_hi, first_lo;
        uint32_t line;
        uint32_t source;        /* index into approved_list.sources */
        uint8_t family;         /* 4 or 6 */
        uint8_t prefix;         /* as written: 0..32 or 0..128 */
        uint8_t reserved[2];
        uint32_t expires_min;   /* expires= in minutes since 1970 (UTC); 0: never */
        /* The entry that answers when this one has expired: the next one of the
         * same block in the order read, else the most specific block around it
         * (APPROVED_NO_PARENT: none).  Expiry is a matter of the time of the
         * lookup, not of the build, so the segments keep the expiring entry and
         * a lookup walks this chain past the expired ones. */
        uint32_t parent;
        uint32_t reserved2;
};

/* First and last address side by side: the final check of a lookup reads
 * the cache line the binary search just loaded. */
struct approved_segment {
        addr128 first, last;
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
        /* Sorted disjoint segments [segs[i].first, segs[i].last] -> entries[seg_entry[i]]. */
        size_t n_segments;
        const struct approved_segment *segs;
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

        /* An index opened for a logon: a handful of lookups, each a few pread()s
         * of the file at fd, costs less than mapping it (page-table work for a
         * 70 MB map dominated).  After APPROVED_PREAD_LOOKUPS lookups the file is
         * mapped after all (map_size = its size) and the arrays point into it. */
        bool by_pread;
        int fd;
        uint64_t segs_off, seg_entry_off, entries_off, bucket_off;      /* bucket_off 0: none */
        void *meta;                     /* heap block of stamps and source names */
        unsigned n_lookups;
};

#define APPROVED_PREAD_LOOKUPS 32

/* Bucket key of an address, monotonic in the address so that segments sorted
 * by address have sorted keys: the top 16 bits of the IPv4 address for
 * IPv4-mapped values (0..65535), bits 3..18 of the IPv6 address inside 2000::/3,
 * the only global IPv6 range (65536..131071), and the nearest edge for the
 * rest (allow_private lists). */
static inline uint32_t approved_bucket_key(addr128 a) {
        const uint32_t v6 = 1u << APPROVED_BUCKET_BITS;
        if (a.hi == 0 && (a.lo >> 32) == 0xffff)
                return (uint32_t) (a.lo >> 16) & 0xffff;
        if (a.hi == 0)
                return a.lo < (UINT64_C(0xffff) << 32) ? 0 : 0xffff;
        if (a.hi >> 61 == 0)
                return v6;                              /* below 2000:: */
        if (a.hi >> 61 == 1)
                return v6 + (uint32_t) ((a.hi >> 45) & 0xffff);
        return APPROVED_BUCKETS - 1;                    /* 4000:: and up */
}

struct stat;
void approved_stamp_from_stat(struct approved_stamp *s, const struct stat *st);

/* A list over an index file open at fd, of size bytes: the header, every
 * section's offset and count and the source names checked; lookups pread() it
 * (mapped after APPROVED_PREAD_LOOKUPS).  The list owns fd from then on (on
 * error it is closed).  No freshness check: approved_index_open does that.
 * For approved_index_open and the fuzzer. */
int approved_index_from_fd(int fd, uint64_t size, struct approved_list **ret);

/* The backend of a list read from its index file with pread (by_pread), for
 * approved_lookup.c and approved_list_free; the rest of the index lives in
 * approved_index.c too. */

/* Counts a lookup; after APPROVED_PREAD_LOOKUPS maps the file (l->mapped), so
 * that the arrays answer.  The list is logically const. */
void approved_index_count_lookup(const struct approved_list *l);
/* The entry labelling the segment of addr, read with pread; false on any failed
 * read or bound (fail closed). */
bool approved_index_segment_entry(const struct approved_list *l, addr128 addr, uint32_t *ret);
/* Entry i (< n_entries), read with pread. */
bool approved_index_read_record(const struct approved_list *l, uint32_t i, struct approved_record *ret);
/* Unmaps, closes and frees what the index part of l holds (not l itself). */
void approved_index_release(struct approved_list *l);
