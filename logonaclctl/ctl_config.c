/* SPDX-License-Identifier: MIT */
/* What every command loads the same way: the configuration, the approved list and
 * its index, with diagnostics on stderr; and the journal record of a change made. */

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "approved_index.h"
#include "change_record.h"
#include "ctl.h"

void ctl_print_diags(const struct diag_list *diags) {
        for (size_t i = 0; i < diags->n_lines; i++)
                fprintf(stderr, "%s\n", diags->lines[i]);
        if (diags->n_dropped > 0)
                fprintf(stderr, "(%zu more lines not shown)\n", diags->n_dropped);
}

int ctl_load_config(const struct ctl *ctl, struct config *ret) {
        _cleanup_(diag_free) struct diag_list diags = {};

        int r = config_load(ctl->config_path, true, 0, ret, &diags);
        ctl_print_diags(&diags);
        if (r >= 0 && diag_has_errors(&diags))
                r = -EINVAL;
        if (r < 0 && diags.n_lines == 0)
                fprintf(stderr, "%s: %s\n", ctl->config_path, strerror(-r));
        return r;
}

int ctl_load_approved(const struct config *c, struct approved_list **ret) {
        _cleanup_(diag_free) struct diag_list diags = {};

        int r = approved_list_load(c->approved_file, c->approved_dir, c->allow_private, true, 0, &diags, ret);
        ctl_print_diags(&diags);
        if (r < 0 && diags.n_lines == 0)
                fprintf(stderr, "%s: %s\n", c->approved_file, strerror(-r));
        return r;
}

void ctl_record_change(const char *change, const char *file) {
        int r = change_record_write(change, file);
        if (r < 0)
                fprintf(stderr, "logonaclctl: warning: the change \"%s\" was made but not recorded in the journal: %s\n",
                        change, strerror(-r));
}

int ctl_refresh_index(const struct config *c, bool force, struct approved_list **ret_list) {
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        int r;

        if (ret_list)
                *ret_list = NULL;
        if (!force && approved_index_open(c->approved_file, c->approved_dir, c->allow_private, &list) >= 0)
                return 0;
        r = ctl_load_approved(c, &list);
        if (r < 0)
                return r;
        r = approved_index_write(list, c->approved_file, c->approved_dir, c->allow_private);
        if (r < 0) {
                _cleanup_free_ char *path = approved_index_path(c->approved_file);
                fprintf(stderr, "logonaclctl: cannot write %s: %s\n", path ?: "the index", strerror(-r));
        }
        if (ret_list)
                *ret_list = TAKE_PTR(list);
        return r;
}
