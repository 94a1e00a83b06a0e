/* SPDX-License-Identifier: MIT */
/* Counting by key with a tsearch tree. */

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

struct tally {
        void *root;
        size_t n;
};

static int bytes_cmp(const char *x, size_t x_len, const char *y, size_t y_len) {
        int c = memcmp(x, y, x_len < y_len ? x_len : y_len);
        if (c != 0)
                return c;
        return (x_len > y_len) - (x_len < y_len);
}

static int key_cmp(const void *p, const void *q) {
        const struct tally_item *x = p, *y = q;
        int c = bytes_cmp(x->a, x->a_len, y->a, y->a_len);
        return c != 0 ? c : bytes_cmp(x->b, x->b_len, y->b, y->b_len);
}

struct tally *tally_new(void) {
        return calloc(1, sizeof(struct tally));
}

static char *copy_bytes(const char *s, size_t len) {
        char *c = malloc(len + 1);
        if (c) {
                memcpy(c, s, len);
                c[len] = 0;
        }
        return c;
}

static void item_free(void *p) {
        struct tally_item *item = p;
        if (!item)
                return;
        free(item->a);
        free(item->b);
        tally_free(item->sub);
        free(item);
}

struct tally_item *tally_add(struct tally *t, const char *a, size_t a_len, const char *b, size_t b_len,
                             uint64_t when_usec, int authenticated) {
        return tally_add_counts(t, a, a_len, b, b_len, 1, authenticated != 0, when_usec);
}

struct tally_item *tally_add_counts(struct tally *t, const char *a, size_t a_len, const char *b, size_t b_len,
                                    uint64_t count, uint64_t count_authenticated, uint64_t last_usec) {
        struct tally_item key = { .a = (char *) a, .a_len = a_len, .b = (char *) b, .b_len = b_len };
        struct tally_item **found = tfind(&key, &t->root, key_cmp), *item;

        if (found)
                item = *found;
        else {
                item = calloc(1, sizeof *item);
                if (!item)
                        return NULL;
                item->a = copy_bytes(a, a_len);
                item->b = copy_bytes(b, b_len);
                item->a_len = a_len;
                item->b_len = b_len;
                if (!item->a || !item->b || !tsearch(item, &t->root, key_cmp)) {
                        item_free(item);
                        return NULL;
                }
                t->n++;
        }
        item->count += count;
        item->count_authenticated += count_authenticated;
        if (last_usec > item->last_usec)
                item->last_usec = last_usec;
        return item;
}

bool tally_has(const struct tally *t, const char *a, size_t a_len) {
        struct tally_item key = { .a = (char *) a, .a_len = a_len, .b = (char *) "", .b_len = 0 };
        return tfind(&key, &t->root, key_cmp) != NULL;
}

size_t tally_size(const struct tally *t) {
        return t ? t->n : 0;
}

static void collect(const void *node, VISIT which, void *closure) {
        struct tally_item ***next = closure;
        if (which == postorder || which == leaf)
                *(*next)++ = *(struct tally_item *const *) node;
}

static int item_order(const void *p, const void *q) {
        const struct tally_item *x = *(struct tally_item *const *) p, *y = *(struct tally_item *const *) q;

        if (x->count != y->count)
                return x->count > y->count ? -1 : 1;
        if (x->last_usec != y->last_usec)
                return x->last_usec > y->last_usec ? -1 : 1;
        return key_cmp(x, y);
}

int tally_sorted(const struct tally *t, struct tally_item ***ret, size_t *ret_n) {
        struct tally_item **items = calloc(t->n ? t->n : 1, sizeof *items);

        if (!items)
                return -ENOMEM;
        struct tally_item **next = items;
        twalk_r(t->root, collect, &next);
        qsort(items, t->n, sizeof *items, item_order);
        *ret = items;
        *ret_n = t->n;
        return 0;
}

int tally_merge(struct tally *dst, const struct tally *src) {
        struct tally_item **items = NULL;
        size_t n = 0;
        int r = tally_sorted(src, &items, &n);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                const struct tally_item *s = items[i];
                struct tally_item *d = tally_add_counts(dst, s->a, s->a_len, s->b, s->b_len, s->count,
                                                        s->count_authenticated, s->last_usec);
                if (!d || (s->sub && !d->sub && !(d->sub = tally_new())))
                        r = -ENOMEM;
                else if (s->sub)
                        r = tally_merge(d->sub, s->sub);
        }
        free(items);
        return r;
}

int tally_order_authenticated_first(const void *p, const void *q) {
        const struct tally_item *x = *(struct tally_item *const *) p, *y = *(struct tally_item *const *) q;

        if (x->count_authenticated != y->count_authenticated)
                return x->count_authenticated > y->count_authenticated ? -1 : 1;
        return item_order(p, q);
}

void tally_free(struct tally *t) {
        if (!t)
                return;
        tdestroy(t->root, item_free);
        free(t);
}
