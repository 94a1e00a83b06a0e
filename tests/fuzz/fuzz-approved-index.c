/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as a compiled approved-list index.  The bytes are
 * mapped read-only exactly as approved_index_open maps the file, then every
 * accessor runs on whatever was accepted: nothing may read outside the map
 * (ASan guards the heap; the mapping's end is followed by an unmapped page). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "approved.h"
#include "approved_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        size_t len = (size + page - 1) / page * page;
        /* map len + one guard page, copy, then make it read-only and drop the guard */
        char *map = mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED)
                return 0;
        munmap(map + len, page);
        /* the data ends where the mapping ends when size is a page multiple; else pad with zeros */
        memcpy(map, data, size);
        mprotect(map, len, PROT_READ);

        struct approved_list *l = NULL;
        if (approved_index_from_map(map, size, &l) < 0) {
                munmap(map, len);
                return 0;
        }
        l->map_size = len;      /* approved_list_free unmaps what was mapped */

        for (size_t i = 0; i < approved_list_entries(l) && i < 64; i++) {
                struct approved_entry_info e;
                if (!approved_list_entry(l, i, &e) || strlen(e.text) >= IP_BLOCK_TEXT_MAX || !e.source)
                        abort();
        }
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
        approved_list_free(l);
        return 0;
}
