/* SPDX-License-Identifier: MIT */
#pragma once

/* Follows the journal for the entries alertd acts on (SPEC §5): the module's
 * "logged" and "blocked" entries and journald's "Suppressed N messages"
 * notices, so that every entry that reaches the files is read exactly once.
 *
 * libsystemd's merged view orders entries of different boots by their
 * realtime, so a reader standing at host A's 03:00 never sees host B's 02:00
 * when B's file gets it later (late upload to a collector).  So each boot
 * (_BOOT_ID) is a source with a position of its own, read in its own order
 * (within a boot, sd-journal orders by seqnum or monotonic time: the order it
 * was written and uploaded in).  When several sources have entries waiting,
 * the one with the oldest next entry goes first, so a replay interleaves hosts
 * by time as the merged view would. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

#include "logon_record.h"

/* What alertd acts on: the logged and blocked decisions and journald's
 * "Suppressed N messages" notices. */
#define FOLLOW_SELECT (EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED) | LOGON_SELECT_JOURNAL_SUPPRESSED)

struct follow_source {
        sd_id128_t boot_id;
        char *cursor;                   /* last entry read of this boot; NULL: none */
        bool cursor_stale;              /* the reader stands on that entry; cursor not made yet */
        enum { SOURCE_UNKNOWN, SOURCE_WAITING, SOURCE_DRAINED } status;
        uint64_t next_usec;             /* SOURCE_WAITING: realtime of its next entry */
        bool present;                   /* found in the files at the last look */
        bool lost;                      /* its saved entry is no longer in the files */
        uint64_t last_monotonic_usec;   /* of the entry last read (0: not known yet) */
        uint64_t last_realtime_usec;
};

struct follower {
        sd_journal *journal;
        char *directory;                /* NULL: the system journal */
        char *namespace;                /* a journal namespace instead (journald@NS) */
        struct follow_source *sources;
        size_t n_sources;
        size_t n_boots;                 /* boots in the files at the last look, ours or not */
        size_t current;                 /* the source the reader is set to; SIZE_MAX: none */
        bool current_matched;           /* with a _BOOT_ID match (more than one source) */
        bool on_unread;                 /* the reader stands on the current source's next entry */
        bool waiting_here;              /* ...on its SOURCE_WAITING entry, looked at by source_peek */
        size_t last;                    /* source of the entry last returned; SIZE_MAX: none */
        bool changed;                   /* look for new boots and new entries of drained ones */
        uint64_t since_process;         /* entries read since the last sd_journal_process() */
        uint64_t since_release;         /* entries read since the last release of mapped pages */
        char *lost_cursor;              /* a saved position no longer in the files (to report) */
        uint64_t boots_ignored;         /* boots past FOLLOW_SOURCES_MAX, not read (to report) */
};

/* Sources kept at most (a state file holds as many): a host that uploads
 * entries of ever new boot IDs must not make alertd's memory and state file
 * grow without end.  Boots past it are not read, and alertd says so. */
#define FOLLOW_SOURCES_MAX 16384

enum resume_result {
        RESUME_AT_CURSOR,               /* positions restored */
        RESUME_TAIL,                    /* first start: after the newest entry */
        RESUME_HEAD,                    /* --from-start, or nothing to go back to */
};

/* Opens the journal files in directory, or of a journal namespace, or the
 * system journal (both NULL), adds the matches, takes the inotify fd at once
 * (so files deleted later are not held open). */
int follower_open(struct follower *f, const char *directory, const char *namespace);
void follower_close(struct follower *f);

/* Positions every source.  sources: the saved cursors, one per boot (state
 * version 2).  Without them, cursor (state version 1: the last entry read of
 * the merged view) stands for each boot's last entry at or before it.  Neither:
 * tail, or head with from_start. */
int follower_resume(struct follower *f, char *const *sources, size_t n_sources, const char *cursor,
                    bool from_start, enum resume_result *ret);

/* Stands on the entry of cursor again (a pending alert): 1 on it, 0 gone. */
int follower_goto(struct follower *f, const char *cursor);

/* Moves to the next entry: 1 on one, 0 none waiting, negative errno.  Calls
 * sd_journal_process() every 1024 entries, recovers from entries that went
 * away under it, and every FOLLOW_RELEASE_EVERY entries drops the page
 * mappings of what was read (bounded memory). */
int follower_next(struct follower *f);

/* Reads field "NAME" of the current entry: 1 and *ret, *ret_len (not NUL-terminated), 0 if absent. */
int follower_field(struct follower *f, const char *name, const char **ret, size_t *ret_len);
/* Reads the current entry into r (common/logon_record: its MESSAGE_ID, its
 * _UIDs, and the fields of wanted).  0 or negative errno. */
int follower_read_record(struct follower *f, uint64_t wanted, struct logon_record *r);
/* The cursor of the entry last returned (borrowed; NULL when none). */
int follower_last_cursor(struct follower *f, const char **ret);
/* The sources' positions to save: *ret is an array of borrowed cursors (free the array only). */
int follower_positions(struct follower *f, const char ***ret, size_t *ret_n);
/* How many boots were found past FOLLOW_SOURCES_MAX since the last call. */
uint64_t follower_take_ignored(struct follower *f);
/* A saved position found missing since the last call (a new string, or NULL). */
char *follower_take_lost(struct follower *f);

/* The fd to poll and the timeout (usec, UINT64_MAX: none) before processing. */
int follower_fd(struct follower *f);
int follower_events(struct follower *f);
uint64_t follower_timeout(struct follower *f);
/* After a wake-up: 0 nothing new, 1 something (append or invalidate, same for us). */
int follower_process(struct follower *f);

#define FOLLOW_RELEASE_EVERY 4096
/* A caught-up follower waits for inotify and otherwise wakes this seldom, in
 * case a change went unannounced.  journald 252 announces appends late (a
 * 250 ms timer with 250 ms accuracy: 250..500 ms), but the entries are in the
 * shared mapping at once: for FOLLOW_BURST_USEC after an entry of ours, when
 * more tend to follow (an attack, a replay), it looks every FOLLOW_BURST_POLL_USEC. */
#define FOLLOW_IDLE_WAKE_USEC 5000000ULL
#define FOLLOW_BURST_USEC 2000000ULL
#define FOLLOW_BURST_POLL_USEC 20000ULL
