/* SPDX-License-Identifier: MIT */
/* Seed corpus for fuzz-approved-index: writes the index of a list of five
 * entries, or with "large" of 1,205 entries (enough for the bucket table).
 * Usage: make-index-seed DIR [large]   (DIR: a root-owned folder; writes
 * DIR/approved and DIR/approved.index) */
#include <stdio.h>
#include <stdlib.h>

#include "approved_index.h"

int main(int argc, char **argv) {
        if (argc < 2)
                return 2;
        int extra = argc > 2 ? 1200 : 0;
        char path[4096];
        snprintf(path, sizeof path, "%s/approved", argv[1]);
        FILE *f = fopen(path, "w");
        if (!f)
                return 1;
        fputs("203.0.113.0/24\n203.0.113.128/25\n2001:db8::/32\n2001:db8:1::/48\n198.51.100.7\n", f);
        for (int i = 0; i < extra; i++)          /* enough for the bucket table */
                fprintf(f, "%d.%d.%d.0/24\n", 1 + i % 9, i % 256, (i * 7) % 256);
        fclose(f);
        struct diag_list d = {};
        struct approved_list *l = NULL;
        if (approved_list_load(path, NULL, false, false, 0, &d, &l) < 0)
                return 1;
        int r = approved_index_write(l, path, NULL, false);
        approved_list_free(l);
        return r < 0;
}
