/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as an approved-list file.  The same bytes go
 * through the in-memory parser and through the file reader (a memfd through
 * /proc/self/fd/N), which must agree; a loaded list answers lookups for
 * addresses taken from the input and from its own entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "approved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int load_memfd(const uint8_t *data, size_t size, struct diag_list *d, struct approved_list **l, char *path) {
        int fd = memfd_create("fuzz-approved", MFD_CLOEXEC);
        if (fd < 0)
                return -1;
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, data + done, size - done);
                if (n <= 0) {
                        close(fd);
                        return -1;
                }
                done += (size_t) n;
        }
        snprintf(path, 64, "/proc/self/fd/%d", fd);
        int r = approved_list_load(path, NULL, size % 3 == 0, false, 0, d, l);
        close(fd);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct diag_list d1 = {}, d2 = {};
        struct approved_list *l1 = NULL, *l2 = NULL;
        char path[64];

        int r1 = approved_list_parse_buffer((const char *) data, size, "mem", size % 3 == 0, 0, &d1, &l1);
        int r2 = load_memfd(data, size, &d2, &l2, path);
        if (r2 == -1 && !l2)
                goto out;               /* no memfd: nothing to compare */

        if ((r1 == 0) != (r2 == 0) || (r1 == 0) != !diag_has_errors(&d1) || d1.n_lines != d2.n_lines ||
            d1.n_errors != d2.n_errors)
                abort();
        for (size_t i = 0; i < d1.n_lines; i++) {
                /* "mem:LINE: ..." and "PATH:LINE: ..." say the same after the name */
                if (strncmp(d1.lines[i], "mem:", 4) != 0 || strncmp(d2.lines[i], path, strlen(path)) != 0 ||
                    strcmp(d1.lines[i] + 3, d2.lines[i] + strlen(path)) != 0 || strchr(d1.lines[i], '\n'))
                        abort();
        }
        if (r1 < 0)
                goto out;

        if (approved_list_entries(l1) != approved_list_entries(l2))
                abort();
        for (size_t i = 0; i < approved_list_entries(l1); i++) {
                struct approved_entry_info e;
                if (!approved_list_entry(l1, i, &e))
                        abort();
                /* an entry covers its own first address, through a match of some entry */
                struct ip_block b;
                char reason[REASON_MAX];
                if (ip_block_parse(e.text, strlen(e.text), &b, reason) < 0)
                        abort();
                struct approved_entry_info m1, m2;
                if (!approved_list_match(l1, b.first, &m1) || !approved_list_match(l2, b.last, &m2))
                        abort();
                if (e.line == 0 || strcmp(e.source, "mem") != 0)
                        abort();
        }
        /* addresses made of the input's bytes */
        for (size_t off = 0; off + 16 <= size; off += 16) {
                addr128 a;
                memcpy(&a, data + off, sizeof a);
                struct approved_entry_info m1, m2;
                bool x = approved_list_match(l1, a, &m1), y = approved_list_match(l2, a, &m2);
                if (x != y || (x && (strcmp(m1.text, m2.text) != 0 || m1.line != m2.line)))
                        abort();
        }
out:
        approved_list_free(l1);
        approved_list_free(l2);
        diag_free(&d1);
        diag_free(&d2);
        return 0;
}
