/* SPDX-License-Identifier: MIT */
/* The sweep over the blocks sorted by address that cuts the number line into
 * disjoint segments, each labelled with the most specific entry covering it.
 * CIDR blocks are either nested or disjoint, so a stack of open blocks is all
 * the sweep needs.  Then the buckets that narrow a lookup's binary search. */

#include <errno.h>
#include <string.h>

#include "approved_pages.h"
#include "approved_segments.h"
#include "approved_sort.h"
#include "macro.h"

static addr128 addr_next(addr128 a) {
        return (addr128) { .hi = a.hi + (a.lo == UINT64_MAX), .lo = a.lo + 1 };
}

static addr128 addr_prev(addr128 a) {
        return (addr128) { .hi = a.hi - (a.lo == 0), .lo = a.lo - 1 };
}

/* Last address of the block starting at first with a 128-bit prefix length. */
static addr128 block_last(addr128 first, unsigned p128) {
        if (p128 == 0)
                return (addr128) { UINT64_MAX, UINT64_MAX };
        if (p128 < 64)
                return (addr128) { first.hi | UINT64_MAX >> p128, UINT64_MAX };
        if (p128 < 128)
                return (addr128) { first.hi, first.lo | UINT64_MAX >> (p128 - 64) };
        return first;
}

static void emit(struct approved_segments *s, addr128 first, addr128 last, uint32_t entry) {
        if (s->n > 0 && s->entry[s->n - 1] == entry && addr128_cmp(addr_next(s->seg[s->n - 1].last), first) == 0) {
                s->seg[s->n - 1].last = last;
                return;
        }
        s->seg[s->n] = (struct approved_segment) { first, last };
        s->entry[s->n] = entry;
        s->n++;
}

struct open_block {
        addr128 last;
        uint32_t entry;
};

/* Closes the open blocks that end before limit (all when limit is NULL),
 * emitting what each still covers from *cursor on. */
static void close_blocks(struct approved_segments *s, struct open_block *stack, size_t *depth,
                         addr128 *cursor, bool *cursor_done, const addr128 *limit) {
        while (*depth > 0 && (!limit || addr128_cmp(stack[*depth - 1].last, *limit) < 0)) {
                struct open_block *top = &stack[--*depth];
                if (!*cursor_done && addr128_cmp(*cursor, top->last) <= 0) {
                        emit(s, *cursor, top->last, top->entry);
                        if (top->last.hi == UINT64_MAX && top->last.lo == UINT64_MAX)
                                *cursor_done = true;
                        else
                                *cursor = addr_next(top->last);
                }
        }
}

/* With parents: also sets every entry's parent (approved_layout.h).  Only a
 * list with an expires= needs them, and the writes go to entries in the order
 * written while the sweep goes in address order: a cache miss per entry, a
 * third of the load time of a million entries, for nothing in a list without
 * expiry (no chain is ever walked there). */
int approved_segments_build(struct approved_record *entries, size_t n, bool parents, struct approved_segments *ret) {
        _cleanup_(pages_freep) struct sort_item *items = pages_alloc((n ?: 1) * sizeof *items);
        _cleanup_free_ struct open_block *stack = malloc(130 * sizeof *stack);
        struct approved_segments s = {
                .seg = pages_alloc((2 * n + 1) * sizeof(struct approved_segment)),
                .entry = pages_alloc((2 * n + 1) * sizeof(uint32_t)),
        };
        if (!items || !stack || !s.seg || !s.entry) {
                pages_free(s.seg);
                pages_free(s.entry);
                return -ENOMEM;
        }

        int r = approved_sort_entries(entries, n, items);
        if (r < 0) {
                pages_free(s.seg);
                pages_free(s.entry);
                return r;
        }

        size_t depth = 0;
        addr128 cursor = {};
        bool cursor_done = false;
        for (size_t i = 0; i < n; i++) {
                addr128 first = { items[i].hi, items[i].lo };
                addr128 last = block_last(first, items[i].prefix128);

                /* The same block again: the first one written (sorted first) wins;
                 * this one answers when those before it have expired, so it goes
                 * last in their chain, before the enclosing block. */
                if (i > 0 && items[i - 1].hi == first.hi && items[i - 1].lo == first.lo &&
                    items[i - 1].prefix128 == items[i].prefix128) {
                        if (parents) {
                                entries[items[i].entry].parent = entries[items[i - 1].entry].parent;
                                entries[items[i - 1].entry].parent = items[i].entry;
                        }
                        continue;
                }

                close_blocks(&s, stack, &depth, &cursor, &cursor_done, &first);
                if (depth > 0) {
                        /* Nested: the enclosing block covers what lies before this one. */
                        struct open_block *top = &stack[depth - 1];
                        if (addr128_cmp(cursor, first) < 0)
                                emit(&s, cursor, addr_prev(first), top->entry);
                }
                if (parents)
                        entries[items[i].entry].parent = depth > 0 ? stack[depth - 1].entry : APPROVED_NO_PARENT;
                /* Nesting depth is at most 129 (one block per prefix length). */
                stack[depth++] = (struct open_block) { last, items[i].entry };
                cursor = first;
        }
        close_blocks(&s, stack, &depth, &cursor, &cursor_done, NULL);

        *ret = s;
        return 0;
}

/* bucket[k] = first segment whose first address has a key >= k. */
uint32_t *approved_buckets_build(const struct approved_segment *seg, size_t n) {
        uint32_t *bucket = pages_alloc((APPROVED_BUCKETS + 1) * sizeof *bucket);
        if (!bucket)
                return NULL;
        size_t i = 0;
        for (uint32_t k = 0; k <= APPROVED_BUCKETS; k++) {
                while (i < n && approved_bucket_key(seg[i].first) < k)
                        i++;
                bucket[k] = (uint32_t) i;
        }
        return bucket;
}
