/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as PAM_RHOST.  A numeric result must be a clean
 * canonical address that reads back to the same value; nothing else may carry
 * text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *rhost = malloc(size + 1);
        if (!rhost)
                return 0;
        memcpy(rhost, data, size);
        rhost[size] = 0;

        struct client_address c;
        rhost_normalise(rhost, &c);
        size = strlen(rhost);           /* what PAM hands over ends at the first NUL */
        size_t len = strnlen(c.text, sizeof c.text);
        if (len >= sizeof c.text)
                abort();

        switch (c.kind) {
        case RHOST_MISSING:
                if (rhost[0] != 0 || len != 0)
                        abort();
                break;
        case RHOST_ADDRESS: {
                addr128 a;
                int family;
                if (addr_parse(c.text, len, &a, &family) < 0 || addr128_cmp(a, c.addr) != 0)
                        abort();
                if (family != c.family && !(c.family == 4 && family == 6))
                        abort();
                if (c.family == 6 && c.addr.hi == 0 && c.addr.lo >> 32 == 0xffff)
                        abort();        /* IPv4-mapped must have become IPv4 */
                for (size_t i = 0; i < size; i++)
                        if (data[i] < 0x21 || data[i] > 0x7e)
                                abort();
                break;
        }
        case RHOST_HOSTNAME:
                if (len != 0 || size > 254)
                        abort();
                for (size_t i = 0; i < size; i++)
                        if (!(data[i] == '.' || data[i] == '-' || (data[i] >= '0' && data[i] <= '9') ||
                              ((data[i] | 0x20) >= 'a' && (data[i] | 0x20) <= 'z')))
                                abort();
                break;
        case RHOST_INVALID:
                if (len != 0)
                        abort();
                break;
        default:
                abort();
        }
        free(rhost);
        return 0;
}
