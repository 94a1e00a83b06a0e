/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as a compiled approved-list index, read from a
 * memfd exactly as approved_index_open reads the file (pread for the first
 * lookups, a mapping after that); every accessor runs on whatever was accepted
 * and must stay inside the file (a read past a mapping's end faults). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "approved.h"
#include "approved_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int fd = memfd_create("fuzz-index", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, data + done, size - done);
                if (n <= 0) {
                        close(fd);
                        return 0;
                }
                done += (size_t) n;
        }

        struct approved_list *l = NULL;
        if (approved_index_from_fd(fd, size, &l) < 0)
                return 0;               /* fd closed by the callee */

        /* the first lookups read with pread, later ones go through a mapping */
        for (size_t off = 0; off + 16 <= size && off < 4096; off += 8) {
                addr128 a;
                memcpy(&a, data + off, sizeof a);
                struct approved_entry_info e;
                if (approved_list_match(l, a, &e) && (strlen(e.text) >= IP_BLOCK_TEXT_MAX || !e.source))
                        abort();
                a.hi = 0;
                a.lo = UINT64_C(0xffff00000000) | (uint32_t) a.lo;
                approved_list_match(l, a, NULL);
        }
        for (size_t i = 0; i < approved_list_entries(l) && i < 64; i++) {
                struct approved_entry_info e;
                if (approved_list_entry(l, i, &e) && (strlen(e.text) >= IP_BLOCK_TEXT_MAX || !e.source))
                        abort();
        }
        approved_list_free(l);
        return 0;
}
