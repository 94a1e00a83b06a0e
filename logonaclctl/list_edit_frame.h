/* SPDX-License-Identifier: MIT */
#pragma once

/* The frame that add and remove share: their options, the ADDR arguments parsed
 * all or nothing, and the covering-entry question both ask. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "config.h"
#include "ctl.h"
#include "entry_scan.h"

/* Parses the ADDR arguments of add and remove with approved_entry_parse: all of
 * them, printing the two lines of SPEC §1 for each invalid one; hits[i].text
 * receives the canonical form.  -EINVAL when any was invalid. */
int ctl_parse_entries(char **args, size_t n, bool allow_private, struct ip_block *blocks, struct entry_hits *hits);

/* What add writes after each new entry: --expires and --comment. */
struct ctl_entry_options {
        int64_t expires;                /* 0: none */
        const char *comment;            /* NULL: none; one safe line (checked) */
};

/* The frame of add and remove: options (with_line_options: --comment and
 * --expires, for add), configuration, every ADDR argument parsed (all or
 * nothing: an invalid one changes nothing), then edit() runs with the parsed
 * blocks; returns the exit code. */
typedef int (*ctl_entry_edit_fn)(const struct config *c, const struct ctl_entry_options *o, struct entry_hits *hits,
                                 const struct ip_block *blocks, size_t n);
int ctl_edit_entries(const struct ctl *ctl, int argc, char **argv, bool with_line_options, ctl_entry_edit_fn edit);

/* True when one entry of l covers the whole block; info tells which. */
bool ctl_block_covered(const struct approved_list *l, const struct ip_block *block, struct approved_entry_info *info);
