/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as one approved-list entry (ip_block_parse and the
 * global-only rule).  Checks what callers rely on: a reason is one printable
 * line that starts with the entry, an accepted block is consistent, and its
 * canonical text parses back to the same block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(const char *reason) {
        size_t n = strnlen(reason, REASON_MAX);
        if (n == 0 || n >= REASON_MAX || !strstr(reason, ": "))
                abort();
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) reason[i] < 0x20 || (unsigned char) reason[i] > 0x7e)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        struct ip_block b;
        char reason[REASON_MAX];

        memset(reason, 0, sizeof reason);
        if (ip_block_parse(text, size, &b, reason) < 0) {
                check_reason(reason);
                return 0;
        }

        unsigned max = b.family == 4 ? 32 : 128;
        if ((b.family != 4 && b.family != 6) || b.prefix > max || addr128_cmp(b.first, b.last) > 0)
                abort();
        if (b.family == 4 && (b.first.hi != 0 || b.first.lo >> 32 != 0xffff || b.last.lo >> 32 != 0xffff))
                abort();

        char canonical[IP_BLOCK_TEXT_MAX];
        ip_block_format(&b, canonical);
        struct ip_block again;
        if (ip_block_parse(canonical, strlen(canonical), &again, reason) < 0)
                abort();
        if (addr128_cmp(again.first, b.first) != 0 || addr128_cmp(again.last, b.last) != 0 || again.prefix != b.prefix)
                abort();

        /* the accepted text holds no byte outside printable ASCII */
        for (size_t i = 0; i < size; i++)
                if (data[i] < 0x21 || data[i] > 0x7e)
                        abort();

        if (ip_block_check_global_as(&b, text, size, reason) < 0)
                check_reason(reason);

        addr128 a;
        int family;
        if (!memchr(text, '/', size) && (addr_parse(text, size, &a, &family) < 0 || addr128_cmp(a, b.first) != 0))
                abort();
        return 0;
}
