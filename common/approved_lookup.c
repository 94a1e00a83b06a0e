/* SPDX-License-Identifier: MIT */
/* Lookups in an approved list, whatever backs its arrays (the heap, or the
 * index file mapped): the bucket, a binary search over the segments, then the
 * expiry chain.  An index read by pread answers through approved_index.c. */

#include <string.h>
#include <time.h>

#include "approved.h"
#include "approved_layout.h"

/* Largest i with seg[i].first <= addr in [lo, hi), or lo - 1. */
static size_t search(const struct approved_segment *seg, size_t lo, size_t hi, addr128 addr) {
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (addr128_cmp(seg[mid].first, addr) <= 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;      /* one past the answer */
}

static bool get_record(const struct approved_list *l, uint32_t i, struct approved_record *ret) {
        if (i >= l->n_entries)
                return false;
        if (l->entries) {
                *ret = l->entries[i];
                return true;
        }
        return l->by_pread && approved_index_read_record(l, i, ret);
}

static bool record_info(const struct approved_list *l, uint32_t entry, struct approved_entry_info *info) {
        struct approved_record e;
        if (!get_record(l, entry, &e))
                return false;
        struct ip_block block = {
                .first = { e.first_hi, e.first_lo },
                .family = e.family,
                .prefix = e.prefix,
        };
        ip_block_format(&block, info->text);
        info->source = e.source < l->n_sources ? l->sources[e.source] : "";
        info->line = e.line;
        info->expires = (int64_t) e.expires_min * 60;
        return true;
}

/* From the entry labelling the segment of an address, the first one in its
 * chain that has not expired at now_min; the first expired one passed over
 * goes to expired.  The chain is at most one step per entry: a longer one is a
 * damaged index (no match: fail closed). */
static bool resolve_entry(const struct approved_list *l, uint32_t entry, uint64_t now_min,
                          struct approved_entry_info *info, struct approved_entry_info *expired) {
        for (size_t steps = 0; steps <= l->n_entries && entry != APPROVED_NO_PARENT; steps++) {
                struct approved_record e;
                if (!get_record(l, entry, &e))
                        return false;
                if (e.expires_min == 0 || now_min < e.expires_min)
                        return !info || record_info(l, entry, info);
                if (expired && expired->line == 0 && !record_info(l, entry, expired))
                        return false;
                entry = e.parent;
        }
        return false;
}

/* The entry labelling the segment of addr: the most specific one covering it. */
static bool segment_entry(const struct approved_list *l, addr128 addr, uint32_t *ret) {
        if (l->by_pread) {
                approved_index_count_lookup(l);
                if (!l->mapped)
                        return approved_index_segment_entry(l, addr, ret);
        }

        size_t lo = 0, hi = l->n_segments;
        if (l->bucket) {
                uint32_t k = approved_bucket_key(addr);
                lo = l->bucket[k];
                hi = l->bucket[k + 1];
                if (lo > hi || hi > l->n_segments)
                        return false;           /* a damaged index never reads out of bounds */
        }
        size_t end = search(l->segs, lo, hi, addr);
        if (end == 0)
                return false;
        size_t i = end - 1;
        if (addr128_cmp(addr, l->segs[i].last) > 0 || l->seg_entry[i] >= l->n_entries)
                return false;
        *ret = l->seg_entry[i];
        return true;
}

bool approved_list_match_at(const struct approved_list *l, addr128 addr, int64_t now,
                            struct approved_entry_info *info, struct approved_entry_info *expired) {
        uint32_t entry;

        if (expired)
                memset(expired, 0, sizeof *expired);
        if (!l || l->n_segments == 0 || !segment_entry(l, addr, &entry))
                return false;
        return resolve_entry(l, entry, now > 0 ? (uint64_t) now / 60 : 0, info, expired);
}

bool approved_list_match(const struct approved_list *l, addr128 addr, struct approved_entry_info *info) {
        return approved_list_match_at(l, addr, (int64_t) time(NULL), info, NULL);
}

size_t approved_list_entries(const struct approved_list *l) {
        return l ? l->n_entries : 0;
}

bool approved_list_entry(const struct approved_list *l, size_t i, struct approved_entry_info *info) {
        if (!l || i >= l->n_entries)
                return false;
        if (l->by_pread)
                approved_index_count_lookup(l);
        return record_info(l, (uint32_t) i, info);
}
