/* SPDX-License-Identifier: MIT */
#pragma once

/* The approved list (SPEC §1): the main file plus approved_dir/ *.list in name
 * order.  Parsed strictly (file:line errors, the two-line message), turned into
 * sorted disjoint segments, each labelled with the most specific entry that
 * covers it, so a lookup is one binary search.  Overlapping and adjacent blocks
 * collapse into the segments.  The same structure can be backed by the heap
 * (parsed text) or by a read-only mmap of a compiled index (approved_index.h). */

#include <stdbool.h>
#include <stddef.h>
#include "addr.h"
#include "diag.h"

struct approved_list;

struct approved_entry_info {
        char text[IP_BLOCK_TEXT_MAX];   /* canonical form of the entry as written */
        const char *source;             /* file it came from */
        unsigned line;
};

/* Reads the main file (missing = error) and every *.list file of dir (missing dir
 * = none).  check_perms applies safe_path to every file.  Every invalid entry
 * adds the two lines
 *   "FILE:LINE: IP address or CIDR block is invalid."
 *   "FILE:LINE: <entry>: <reason>"
 * to diags; stops after max_errors errors (0 = no limit).  Returns 0 and a list,
 * or a negative errno (-EINVAL when any entry was invalid: no list then). */
int approved_list_load(const char *main_file, const char *dir, bool allow_private, bool check_perms,
                       size_t max_errors, struct diag_list *diags, struct approved_list **ret);

/* Parses one entry the way the files are parsed (logonaclctl add): 0 or -EINVAL
 * with the two lines added to diags (where = NULL: no prefix). */
int approved_entry_parse(const char *text, bool allow_private, struct ip_block *ret, struct diag_list *diags);

/* O(log n).  On a match returns true and, when info is not NULL, the most
 * specific entry that covers addr. */
bool approved_list_match(const struct approved_list *l, addr128 addr, struct approved_entry_info *info);

size_t approved_list_entries(const struct approved_list *l);
void approved_list_free(struct approved_list *l);
