/* SPDX-License-Identifier: MIT */
/* One pass over the approved entries, looking up each among the arguments. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entry_scan.h"
#include "macro.h"

static int hit_cmp(const void *a, const void *b, void *userdata) {
        const struct entry_hits *hits = userdata;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        int c = strcmp(hits[x].text, hits[y].text);
        return c != 0 ? c : (x > y) - (x < y);
}

/* The argument with this text among the sorted unique ones, or NULL. */
static struct entry_hits *find(struct entry_hits *hits, const size_t *order, size_t n, const char *text) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(hits[order[mid]].text, text);
                if (c == 0)
                        return &hits[order[mid]];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static int add_line(struct entry_hits *h, unsigned line) {
        unsigned *grown = realloc(h->main_lines, (h->n_main_lines + 1) * sizeof *grown);
        if (!grown)
                return -ENOMEM;
        h->main_lines = grown;
        h->main_lines[h->n_main_lines++] = line;
        return 0;
}

int entry_scan(const struct approved_list *l, const char *main_file, struct entry_hits *hits, size_t n) {
        _cleanup_free_ size_t *order = calloc(n ? n : 1, sizeof *order);
        size_t n_unique = 0;

        if (!order)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                order[i] = i;
        qsort_r(order, n, sizeof *order, hit_cmp, hits);
        /* Keep the first of equal arguments; mark the others. */
        for (size_t i = 0; i < n; i++) {
                hits[order[i]].repeated = n_unique > 0 && strcmp(hits[order[i]].text, hits[order[n_unique - 1]].text) == 0;
                if (!hits[order[i]].repeated)
                        order[n_unique++] = order[i];
        }

        struct approved_entry_info info;
        int64_t now = (int64_t) time(NULL);
        for (size_t i = 0; l && approved_list_entry(l, i, &info); i++) {
                struct entry_hits *h = find(hits, order, n_unique, info.text);
                if (!h)
                        continue;
                if (info.expires == 0 || info.expires > now)
                        h->n_live++;
                if (info.source && strcmp(info.source, main_file) == 0) {
                        if (h->n_main_lines == 0)
                                h->main_expires = info.expires;
                        if (add_line(h, info.line) < 0)
                                return -ENOMEM;
                } else if (!h->other_source) {
                        h->other_source = info.source;
                        h->other_line = info.line;
                }
        }
        return 0;
}

void entry_hits_free(struct entry_hits *hits, size_t n) {
        for (size_t i = 0; hits && i < n; i++)
                free(hits[i].main_lines);
        free(hits);
}
