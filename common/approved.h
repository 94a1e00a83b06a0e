/* SPDX-License-Identifier: MIT */
#pragma once

/* The approved list (SPEC §1): the main file plus approved_dir/ *.list in name
 * order.  Parsed strictly (file:line errors, the two-line message), turned into
 * sorted disjoint segments, each labelled with the most specific entry that
 * covers it, so a lookup is one binary search.  Overlapping and adjacent blocks
 * collapse into the segments.  The same structure can be backed by the heap
 * (parsed text) or by a compiled index file (approved_index.h), read with
 * pread for the few lookups of a logon and mapped read-only for more. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "diag.h"

struct approved_list;

struct approved_entry_info {
        char text[IP_BLOCK_TEXT_MAX];   /* canonical form of the entry as written */
        const char *source;             /* file it came from */
        unsigned line;
        int64_t expires;                /* expires= as Unix seconds; 0: never (expiry.h) */
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

/* approved_list_load for one lookup (the module's path when the index is
 * stale): every file is read, parsed and checked whole, with the same errors,
 * but only the entries that cover addr are kept, so there is no sort or sweep
 * of the whole list.  The list answers approved_list_match(_at) for addr as the
 * full list would (most specific entry, expiry); approved_list_entries counts
 * the kept entries only, and it cannot be written as an index. */
int approved_list_load_for(const char *main_file, const char *dir, bool allow_private, bool check_perms,
                           size_t max_errors, addr128 addr, struct diag_list *diags, struct approved_list **ret);

/* approved_list_load and approved_list_load_for over the files found and checked
 * once (approved_sources.h): each is opened with O_NONBLOCK (and, when the
 * sources were checked, O_NOFOLLOW and its owner and mode re-checked on the
 * open descriptor), read and parsed. */
struct approved_sources;
int approved_list_load_sources(const struct approved_sources *sources, bool allow_private, size_t max_errors,
                               struct diag_list *diags, struct approved_list **ret);
int approved_list_load_sources_for(const struct approved_sources *sources, bool allow_private, size_t max_errors,
                                   addr128 addr, struct diag_list *diags, struct approved_list **ret);

/* Parses one entry the way the files are parsed (logonaclctl add): 0 or -EINVAL
 * with the two lines added to diags (where = NULL: no prefix). */
int approved_entry_parse(const char *text, bool allow_private, struct ip_block *ret, struct diag_list *diags);

/* O(log n).  On a match returns true and, when info is not NULL, the most
 * specific entry that covers addr (of equal blocks, the first one read: main
 * file first, then the drop-ins in name order, each top to bottom).  info->source
 * points into the list: valid until approved_list_free. */
bool approved_list_match(const struct approved_list *l, addr128 addr, struct approved_entry_info *info);

/* approved_list_match at the time now (Unix seconds; approved_list_match uses
 * the clock).  An entry with expires <= now approves nothing, as if absent: the
 * next most specific live entry answers.  expired (may be NULL) receives the
 * most specific expired entry that covers addr, expired->line 0 when none, so
 * a caller can say what an expired entry would have allowed. */
bool approved_list_match_at(const struct approved_list *l, addr128 addr, int64_t now,
                            struct approved_entry_info *info, struct approved_entry_info *expired);

/* One line of a list file split by the grammar of SPEC §1:
 *     ENTRY [expires=DATE] [# comment]
 * Blanks are spaces, tabs and CR.  Pieces point into the line; lengths 0 when
 * absent.  -EINVAL with the reason (an entry that is not one is not checked
 * here: approved_entry_parse does that). */
struct approved_line {
        const char *entry;
        size_t entry_len;
        int64_t expires;                /* 0: none */
        const char *comment;            /* after '#' and the blanks that follow it */
        size_t comment_len;
};
int approved_line_split(const char *line, size_t len, struct approved_line *ret, char reason[REASON_MAX]);

/* Number of valid entries as written (duplicates included). */
size_t approved_list_entries(const struct approved_list *l);
/* Entry i (0 <= i < approved_list_entries) in the order written; false past the end. */
bool approved_list_entry(const struct approved_list *l, size_t i, struct approved_entry_info *info);

/* Like approved_list_load for one in-memory text named source (no drop-ins, no
 * permission checks): for tests and fuzzing. */
int approved_list_parse_buffer(const char *data, size_t size, const char *source, bool allow_private,
                               size_t max_errors, struct diag_list *diags, struct approved_list **ret);

void approved_list_free(struct approved_list *l);
static inline void approved_list_freep(struct approved_list **l) {
        approved_list_free(*l);
}
