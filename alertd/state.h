/* SPDX-License-Identifier: MIT */
#pragma once

/* alertd's state file (SPEC §5): the journal position and the alert window
 * together, so they never disagree.  Text, one "key=value" a line:
 *
 *   # logonacl-alertd state
 *   version=2
 *   cursor=s=...;i=...            (last processed entry; empty: none yet)
 *   source=s=...;b=...            (one a line: the last processed entry of each
 *                                  boot, each boot read in its own order)
 *   realtime=1698809206000000     (its __REALTIME_TIMESTAMP)
 *   window_open=yes
 *   window_start=1698809206000000
 *   window_sent=3
 *   window_suppressed=0
 *   pending=no                    (yes: the alert for the cursor's entry is not yet accepted)
 *   journal_dropped=0             (journald drops not yet told in a mail)
 *   last_counted=1698809206000000 (the time the last counted access counted at;
 *                                  stands in for a clock far ahead; optional)
 *
 * Written atomically: temp file, fsync, rename, fsync of the folder.
 * Version 1 (no source lines) still loads: the follower derives the sources'
 * positions from the one cursor. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"
#include "reason.h"

#define STATE_CURSOR_MAX 512
#define STATE_FILE_MAX (4 * 1024 * 1024)
#define STATE_SOURCES_MAX 16384        /* boots in the files (a fleet's, over the journal's lifetime) */

struct alertd_state {
        char cursor[STATE_CURSOR_MAX + 1];
        uint64_t realtime_usec;
        struct alert_window window;
        bool pending;
        uint64_t journal_dropped;
        uint64_t last_counted_usec;     /* 0: none yet */
        char **sources;                 /* cursors, one per boot; owned */
        size_t n_sources;
        unsigned version;               /* of the file loaded (1 or 2) */
};

void state_free_sources(struct alertd_state *s);

/* Loads path.  0 on success; -ENOENT when there is no state yet (*ret zeroed);
 * another negative errno with "path:line: reason" in reason for an unreadable
 * or corrupt file. */
int state_load(const char *path, struct alertd_state *ret, char reason[REASON_MAX]);
/* Writes path atomically; 0 or a negative errno with a reason. */
int state_save(const char *path, const struct alertd_state *s, char reason[REASON_MAX]);
/* The text form (for tests and state_save); a new string or NULL. */
char *state_format(const struct alertd_state *s);
/* Parses the text form; "where" prefixes reasons ("path"). */
int state_parse(const char *text, size_t len, const char *where, struct alertd_state *ret, char reason[REASON_MAX]);
