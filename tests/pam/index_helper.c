/* SPDX-License-Identifier: MIT */
/* Writes the compiled index of an approved list, as logonaclctl does after an
 * edit, so the pam suite can test the module with and without a fresh index:
 *   index_helper MAIN_FILE DROPIN_DIR ALLOW_PRIVATE(0|1)
 * Exit 0 when written, 1 with the reason lines on stderr otherwise. */

#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "approved_index.h"

int main(int argc, char **argv) {
        struct diag_list diags = {};
        struct approved_list *list = NULL;
        int r;

        if (argc != 4) {
                fprintf(stderr, "usage: index_helper MAIN_FILE DROPIN_DIR ALLOW_PRIVATE\n");
                return 2;
        }
        bool allow_private = strcmp(argv[3], "1") == 0;
        r = approved_list_load(argv[1], argv[2], allow_private, true, 0, &diags, &list);
        if (r >= 0)
                r = approved_index_write(list, argv[1], argv[2], allow_private);
        for (size_t i = 0; i < diags.n_lines; i++)
                fprintf(stderr, "%s\n", diags.lines[i]);
        if (r < 0)
                fprintf(stderr, "index_helper: %s\n", strerror(-r));
        if (list)
                approved_list_free(list);
        diag_free(&diags);
        return r < 0 ? 1 : 0;
}
