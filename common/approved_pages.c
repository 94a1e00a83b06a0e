/* SPDX-License-Identifier: MIT */
/* The page allocator of the list's large arrays (entries, segments, sort
 * items, buckets). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "approved_pages.h"

/* Large arrays (a million entries is ~100 MB of them) come from their own
 * mapping with transparent huge pages: page faults were a quarter of the load
 * time with 4 KiB pages.  A header before the data remembers how to free it. */
#define BIG_MAP_MIN ((size_t) 1 << 21)

struct big_header {
        size_t size;            /* bytes usable after the header */
        size_t map_len;         /* 0: from malloc */
        uint64_t pad[6];        /* keeps the data 64-byte aligned */
};

void *pages_alloc(size_t size) {
        struct big_header *h;
        if (size > SIZE_MAX / 2)
                return NULL;
        size_t total = size + sizeof *h;
        if (total < BIG_MAP_MIN) {
                h = malloc(total);
                if (!h)
                        return NULL;
                h->map_len = 0;
        } else {
                /* Whole, aligned 2 MiB ranges, so that every one can be a huge page. */
                total = (total + BIG_MAP_MIN - 1) & ~(BIG_MAP_MIN - 1);
                char *map = mmap(NULL, total + BIG_MAP_MIN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (map == MAP_FAILED)
                        return NULL;
                char *aligned = (char *) (((uintptr_t) map + BIG_MAP_MIN - 1) & ~(uintptr_t) (BIG_MAP_MIN - 1));
                if (aligned > map)
                        munmap(map, (size_t) (aligned - map));
                if (aligned + total < map + total + BIG_MAP_MIN)
                        munmap(aligned + total, (size_t) (map + total + BIG_MAP_MIN - (aligned + total)));
                (void) madvise(aligned, total, MADV_HUGEPAGE);
                h = (struct big_header *) aligned;
                h->map_len = total;
        }
        h->size = size;
        return h + 1;
}

void pages_free(const void *p) {
        if (!p)
                return;
        struct big_header *h = (struct big_header *) p - 1;
        if (h->map_len)
                munmap(h, h->map_len);
        else
                free(h);
}

/* Keeps the data; shrinking a mapping keeps it (untouched pages cost nothing). */
void *pages_realloc(void *p, size_t size) {
        if (!p)
                return pages_alloc(size);
        struct big_header *h = (struct big_header *) p - 1;
        if (size > SIZE_MAX / 2)
                return NULL;
        if (h->map_len && size + sizeof *h <= h->map_len) {
                h->size = size;
                return p;
        }
        if (!h->map_len && size + sizeof *h < BIG_MAP_MIN) {
                struct big_header *n = realloc(h, size + sizeof *h);
                if (!n)
                        return NULL;
                n->size = size;
                return n + 1;
        }
        void *n = pages_alloc(size);
        if (!n)
                return NULL;
        memcpy(n, p, h->size < size ? h->size : size);
        pages_free(p);
        return n;
}

void pages_freep(void *p) {
        pages_free(*(void **) p);
}
