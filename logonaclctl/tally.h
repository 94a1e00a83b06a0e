/* SPDX-License-Identifier: MIT */
#pragma once

/* Counting journal entries by a key of one or two byte strings (client address,
 * user), for what-if and suggest.  A balanced tree (tsearch), so a journal with
 * many distinct hostile user names costs n log n, not n². */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tally;

struct tally_item {
        char *a, *b;                    /* the key parts, NUL-terminated copies */
        size_t a_len, b_len;
        uint64_t count;
        uint64_t count_authenticated;   /* entries of the account stage */
        uint64_t last_usec;             /* newest entry */
        struct tally *sub;              /* a nested tally (suggest: users of an address) */
};

struct tally *tally_new(void);
/* Counts one entry under (a, b); the item, or NULL on allocation failure. */
struct tally_item *tally_add(struct tally *t, const char *a, size_t a_len, const char *b, size_t b_len,
                             uint64_t when_usec, int authenticated);
/* The same with counts given: count entries, count_authenticated of them of
 * the account stage, the newest at last_usec. */
struct tally_item *tally_add_counts(struct tally *t, const char *a, size_t a_len, const char *b, size_t b_len,
                                    uint64_t count, uint64_t count_authenticated, uint64_t last_usec);
/* Adds every item of src (and of its nested tallies) to dst.  0 or -ENOMEM. */
int tally_merge(struct tally *dst, const struct tally *src);
/* Whether (a, "") was added. */
bool tally_has(const struct tally *t, const char *a, size_t a_len);
size_t tally_size(const struct tally *t);
/* The items, most counted first, then newest, then by key; *ret freed by the caller. */
int tally_sorted(const struct tally *t, struct tally_item ***ret, size_t *ret_n);
void tally_free(struct tally *t);
/* qsort order for items of client addresses: logons after authentication first
 * (an attacker can make the others), then all logons, then newest, then key. */
int tally_order_authenticated_first(const void *p, const void *q);
