/* SPDX-License-Identifier: MIT */
/* The sort of a list's entries by address (larger blocks first, then the order
 * written), for the sweep of approved_segments.c. */

#include <errno.h>
#include <string.h>

#include "approved_pages.h"
#include "approved_sort.h"
#include "macro.h"


static inline bool item_less(const struct sort_item *a, const struct sort_item *b) {
        if (a->hi != b->hi) return a->hi < b->hi;
        if (a->lo != b->lo) return a->lo < b->lo;
        if (a->prefix128 != b->prefix128) return a->prefix128 < b->prefix128;
        return a->entry < b->entry;
}

static inline void item_swap(struct sort_item *a, struct sort_item *b) {
        struct sort_item t = *a;
        *a = *b;
        *b = t;
}

static void heap_sift(struct sort_item *v, size_t n, size_t i) {
        for (;;) {
                size_t m = i, l = 2 * i + 1, r = l + 1;
                if (l < n && item_less(&v[m], &v[l])) m = l;
                if (r < n && item_less(&v[m], &v[r])) m = r;
                if (m == i)
                        return;
                item_swap(&v[i], &v[m]);
                i = m;
        }
}

static void heap_sort(struct sort_item *v, size_t n) {
        for (size_t i = n / 2; i-- > 0;)
                heap_sift(v, n, i);
        for (size_t i = n; i-- > 1;) {
                item_swap(&v[0], &v[i]);
                heap_sift(v, i, 0);
        }
}

/* Introsort with an inlined comparison: qsort's callback costs twice as much
 * on a million entries.  Keys are unique (entry index), so no equal runs. */
static void sort_items(struct sort_item *v, size_t n, unsigned depth) {
        while (n > 16) {
                if (depth-- == 0) {
                        heap_sort(v, n);
                        return;
                }
                size_t mid = n / 2;
                if (item_less(&v[mid], &v[0])) item_swap(&v[mid], &v[0]);
                if (item_less(&v[n - 1], &v[0])) item_swap(&v[n - 1], &v[0]);
                if (item_less(&v[n - 1], &v[mid])) item_swap(&v[n - 1], &v[mid]);
                struct sort_item pivot = v[mid];
                size_t i = 0, j = n - 1;
                for (;;) {
                        while (item_less(&v[i], &pivot)) i++;
                        while (item_less(&pivot, &v[j])) j--;
                        if (i >= j)
                                break;
                        item_swap(&v[i], &v[j]);
                        i++;
                        j--;
                }
                /* [0, j] <= pivot <= [j + 1, n) */
                if (j + 1 < n - j - 1) {
                        sort_items(v, j + 1, depth);
                        v += j + 1;
                        n -= j + 1;
                } else {
                        sort_items(v + j + 1, n - j - 1, depth);
                        n = j + 1;
                }
        }
        for (size_t i = 1; i < n; i++) {
                struct sort_item t = v[i];
                size_t k = i;
                while (k > 0 && item_less(&t, &v[k - 1])) {
                        v[k] = v[k - 1];
                        k--;
                }
                v[k] = t;
        }
}

static struct sort_item sort_item_of(const struct approved_record *e, size_t i) {
        return (struct sort_item) {
                .hi = e->first_hi,
                .lo = e->first_lo,
                .prefix128 = e->family == 4 ? e->prefix + 96u : e->prefix,
                .entry = (uint32_t) i,
        };
}

/* Sorted sort items of all entries into items.  A counting pass by bucket key
 * (monotonic in the address) first, then each bucket sorted on its own: a
 * random list spreads over tens of thousands of buckets of a few entries, which
 * is several times faster than one sort of the whole.  Crowded lists (all in one
 * /16) fall back to the plain sort of one large bucket. */
int approved_sort_entries(const struct approved_record *entries, size_t n, struct sort_item *items) {
        if (n < 4096) {
                for (size_t i = 0; i < n; i++)
                        items[i] = sort_item_of(&entries[i], i);
                sort_items(items, n, 64);
                return 0;
        }

        _cleanup_(pages_freep) uint32_t *end = pages_alloc((APPROVED_BUCKETS + 1) * sizeof *end);
        if (!end)
                return -ENOMEM;
        memset(end, 0, (APPROVED_BUCKETS + 1) * sizeof *end);
        for (size_t i = 0; i < n; i++)
                end[approved_bucket_key((addr128) { entries[i].first_hi, entries[i].first_lo }) + 1]++;
        for (size_t k = 1; k <= APPROVED_BUCKETS; k++)
                end[k] += end[k - 1];
        /* end[k] is now where bucket k starts; after the scatter, where it ends */
        for (size_t i = 0; i < n; i++) {
                uint32_t k = approved_bucket_key((addr128) { entries[i].first_hi, entries[i].first_lo });
                items[end[k]++] = sort_item_of(&entries[i], i);
        }
        for (size_t k = 0, start = 0; k < APPROVED_BUCKETS; start = end[k], k++)
                if (end[k] - start > 1)
                        sort_items(items + start, end[k] - start, 64);
        return 0;
}
