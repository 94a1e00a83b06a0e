/* SPDX-License-Identifier: MIT */
/* approved_list_match against a brute-force reference: for random lists with
 * heavy nesting and duplicates, and random addresses near and between the
 * entries, the most specific covering entry (first written on a tie) must be
 * the one the segments give.  The seed is fixed and printed. */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "approved.h"

#define SEED 1125u

struct ref_entry {
        struct ip_block block;
        unsigned prefix128;
        unsigned line;
};

static uint64_t rng_state;

static uint64_t rnd(void) {
        /* splitmix64: the same sequence on every libc */
        uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static addr128 mask_block(addr128 a, unsigned p128, addr128 *last) {
        addr128 m = { 0, 0 };   /* host bits */
        if (p128 == 0)
                m = (addr128) { UINT64_MAX, UINT64_MAX };
        else if (p128 < 64)
                m = (addr128) { UINT64_MAX >> p128, UINT64_MAX };
        else if (p128 < 128)
                m = (addr128) { 0, UINT64_MAX >> (p128 - 64) };
        *last = (addr128) { a.hi | m.hi, a.lo | m.lo };
        return (addr128) { a.hi & ~m.hi, a.lo & ~m.lo };
}

/* Addresses that share long prefixes: groups drawn from a small pool. */
static addr128 random_ipv6(bool wide) {
        static const uint16_t pool[] = { 0, 1, 0xffff, 0x8000, 0x7fff, 0x2001, 0xdb8 };
        addr128 a = { 0, 0 };
        for (int k = 0; k < 8; k++) {
                uint16_t g = rnd() % 3 == 0 ? (uint16_t) rnd() : pool[rnd() % (sizeof pool / sizeof pool[0])];
                if (k < 4)
                        a.hi = a.hi << 16 | g;
                else
                        a.lo = a.lo << 16 | g;
        }
        if (!wide)
                a.hi = UINT64_C(0x20010db800000000) | (a.hi & 0xffffffff);
        return a;
}

static addr128 random_ipv4(bool wide) {
        static const uint32_t bases[] = { 0xcb007100, 0xc6336400, 0xc0000200 };   /* documentation /24s */
        uint32_t v = wide ? (uint32_t) rnd() : bases[rnd() % 3] | (uint32_t) (rnd() % 256);
        return (addr128) { 0, UINT64_C(0xffff00000000) | v };
}

static void random_entry_once(struct ref_entry *e, bool wide, unsigned line) {
        bool v4 = rnd() % 2;
        addr128 a = v4 ? random_ipv4(wide) : random_ipv6(wide);
        unsigned prefix;
        if (v4)
                prefix = wide ? 14 + (unsigned) (rnd() % 19) : 22 + (unsigned) (rnd() % 11);
        else
                prefix = wide ? 20 + (unsigned) (rnd() % 109) : 32 + (unsigned) (rnd() % 97);
        e->prefix128 = v4 ? prefix + 96 : prefix;
        e->block.first = mask_block(a, e->prefix128, &e->block.last);
        e->block.family = v4 ? 4 : 6;
        e->block.prefix = (uint8_t) prefix;
        e->line = line;
}

/* An IPv6 block over the IPv4 spaces is invalid (SPEC §1): draw again. */
static void random_entry(struct ref_entry *e, bool wide, unsigned line) {
        char reason[REASON_MAX];
        do
                random_entry_once(e, wide, line);
        while (ip_block_check_ipv4_space(&e->block, "x", 1, reason) < 0);
}

static const struct ref_entry *reference_match(const struct ref_entry *v, size_t n, addr128 a) {
        const struct ref_entry *best = NULL;
        for (size_t i = 0; i < n; i++) {
                if (addr128_cmp(a, v[i].block.first) < 0 || addr128_cmp(a, v[i].block.last) > 0)
                        continue;
                if (!best || v[i].prefix128 > best->prefix128)
                        best = &v[i];
        }
        return best;
}

static addr128 nudge(addr128 a, int d) {
        if (d > 0)
                return (addr128) { a.hi + (a.lo == UINT64_MAX), a.lo + 1 };
        if (d < 0)
                return (addr128) { a.hi - (a.lo == 0), a.lo - 1 };
        return a;
}

static void run(size_t n_entries, size_t n_probes, bool wide) {
        struct ref_entry *v = calloc(n_entries, sizeof *v);
        size_t cap = n_entries * 64 + 1, len = 0;
        char *text = malloc(cap);
        assert_non_null(v);
        assert_non_null(text);

        for (size_t i = 0; i < n_entries; i++) {
                /* one entry in ten repeats an earlier one (duplicates, first wins) */
                if (i > 0 && rnd() % 10 == 0) {
                        v[i] = v[rnd() % i];
                        v[i].line = (unsigned) i + 1;
                } else
                        random_entry(&v[i], wide, (unsigned) i + 1);
                char buf[IP_BLOCK_TEXT_MAX];
                ip_block_format(&v[i].block, buf);
                len += (size_t) snprintf(text + len, cap - len, "%s\n", buf);
        }

        struct diag_list d = {};
        struct approved_list *l = NULL;
        assert_int_equal(approved_list_parse_buffer(text, len, "ref", true, 0, &d, &l), 0);
        assert_int_equal(approved_list_entries(l), n_entries);

        size_t n_matched = 0;
        for (size_t k = 0; k < n_probes; k++) {
                addr128 a;
                if (k % 2 == 0 && n_entries > 0) {
                        const struct ref_entry *e = &v[rnd() % n_entries];
                        a = nudge(rnd() % 2 ? e->block.first : e->block.last, (int) (rnd() % 3) - 1);
                } else
                        a = rnd() % 2 ? random_ipv4(wide) : random_ipv6(wide);

                const struct ref_entry *want = reference_match(v, n_entries, a);
                struct approved_entry_info got;
                bool m = approved_list_match(l, a, &got);
                if (m != (want != NULL) || (want && got.line != want->line)) {
                        char abuf[IP_BLOCK_TEXT_MAX];
                        addr_format(a, 6, abuf);
                        print_error("seed %u, %zu entries: %s: got %s line %u, want line %u\n", SEED, n_entries,
                                    abuf, m ? got.text : "-", m ? got.line : 0, want ? want->line : 0);
                }
                assert_int_equal(m, want != NULL);
                if (want) {
                        char wbuf[IP_BLOCK_TEXT_MAX];
                        ip_block_format(&want->block, wbuf);
                        assert_int_equal(got.line, want->line);
                        assert_string_equal(got.text, wbuf);
                        assert_string_equal(got.source, "ref");
                        n_matched++;
                }
        }
        print_message("%zu entries (%s): %zu of %zu probes matched\n", n_entries, wide ? "wide" : "narrow",
                      n_matched, n_probes);
        /* a probe set that never matches (or always does) would test little */
        if (n_entries >= 10) {
                assert_true(n_matched > 0);
                assert_true(n_matched < n_probes);
        }

        approved_list_free(l);
        diag_free(&d);
        free(text);
        free(v);
}

static void test_small(void **state) {
        for (size_t n = 0; n <= 12; n++)
                run(n, 400, false);
}

static void test_narrow(void **state) {
        run(300, 5000, false);
        run(3000, 4000, false);
        run(6000, 3000, false);        /* crowded buckets of the bucketed sort */
}

static void test_wide(void **state) {
        run(300, 5000, true);
        run(5000, 4000, true);  /* above the bucket threshold */
}

int main(void) {
        rng_state = SEED;
        print_message("matcher reference seed %u\n", SEED);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_small),
                cmocka_unit_test(test_narrow),
                cmocka_unit_test(test_wide),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
