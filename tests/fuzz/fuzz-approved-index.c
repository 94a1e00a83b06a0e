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
        /* Half the inputs get the header's file_size set to the real size, so that
         * mutations reach the sections instead of stopping at that check. */
        uint8_t *bytes = malloc(size ?: 1);
        if (!bytes)
                return 0;
        memcpy(bytes, data, size);
        if (size >= 32 && (size & 1)) {
                uint64_t file_size = size;
                memcpy(bytes + 24, &file_size, sizeof file_size);
        }
        int fd = memfd_create("fuzz-index", MFD_CLOEXEC);
        if (fd < 0) {
                free(bytes);
                return 0;
        }
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, bytes + done, size - done);
                if (n <= 0) {
                        close(fd);
                        free(bytes);
                        return 0;
                }
                done += (size_t) n;
        }

        struct approved_list *l = NULL;
        if (approved_index_from_fd(fd, size, &l) < 0) {
                free(bytes);
                return 0;               /* fd closed by the callee */
        }
        data = bytes;

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
        free(bytes);
        return 0;
}
