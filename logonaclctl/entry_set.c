/* SPDX-License-Identifier: MIT */
/* A sorted view of the approved entries, for duplicate and removal lookups. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "entry_set.h"

static int ref_cmp(const void *a, const void *b) {
        const struct entry_ref *x = a, *y = b;
        int c = strcmp(x->text, y->text);

        if (c != 0)
                return c;
        if (x->in_main != y->in_main)
                return x->in_main ? -1 : 1;
        return x->order < y->order ? -1 : x->order > y->order;
}

int entry_set_build(const struct approved_list *l, const char *main_file, struct entry_set *ret) {
        size_t n = approved_list_entries(l);

        *ret = (struct entry_set) {};
        ret->refs = calloc(n ? n : 1, sizeof *ret->refs);
        if (!ret->refs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct approved_entry_info info;
                if (!approved_list_entry(l, i, &info))
                        break;
                struct entry_ref *r = &ret->refs[ret->n++];
                memcpy(r->text, info.text, sizeof r->text);
                r->text[sizeof r->text - 1] = 0;
                r->source = info.source;
                r->line = info.line;
                r->in_main = info.source && strcmp(info.source, main_file) == 0;
                r->order = i;
        }
        qsort(ret->refs, ret->n, sizeof *ret->refs, ref_cmp);
        return 0;
}

void entry_set_find(const struct entry_set *s, const char *text, size_t *first, size_t *end) {
        size_t lo = 0, hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(s->refs[mid].text, text) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *first = *end = lo;
        while (*end < s->n && strcmp(s->refs[*end].text, text) == 0)
                (*end)++;
}

void entry_set_free(struct entry_set *s) {
        free(s->refs);
        *s = (struct entry_set) {};
}
