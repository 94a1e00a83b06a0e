/* SPDX-License-Identifier: MIT */
#pragma once

/* Follows the journal for the entries alertd acts on (SPEC §5): the module's
 * "logged" and "blocked" entries and journald's "Suppressed N messages"
 * notices, in journal order, resuming exactly after the last processed entry. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

struct follower {
        sd_journal *journal;
        char *directory;                /* NULL: the system journal */
        char *namespace;                /* a journal namespace instead (journald@NS) */
        uint64_t since_process;         /* entries read since the last sd_journal_process() */
        uint64_t since_release;         /* entries read since the last release of mapped pages */
};

enum resume_result {
        RESUME_AT_CURSOR,               /* on the saved entry: the next one is new */
        RESUME_TAIL,                    /* first start: after the newest entry */
        RESUME_HEAD,                    /* --from-start, or nothing to go back to */
        RESUME_VACUUMED,                /* the saved entry is gone: from the head */
};

/* Opens the journal files in directory, or of a journal namespace, or the
 * system journal (both NULL), adds the matches, takes the inotify fd at once
 * (so files deleted later are not held open). */
int follower_open(struct follower *f, const char *directory, const char *namespace);
void follower_close(struct follower *f);

/* Positions the reader.  cursor NULL/"" means no state: tail, or head with
 * from_start.  With a cursor, the reader stands on that entry when it is still
 * there (RESUME_AT_CURSOR, *on_entry true: the caller may re-read it) or before the head. */
int follower_resume(struct follower *f, const char *cursor, bool from_start, enum resume_result *ret,
                    bool *on_entry);

/* Moves to the next matching entry: 1 on one, 0 at the end, negative errno.
 * Calls sd_journal_process() every 1024 entries, recovers from entries that
 * went away under it, and every FOLLOW_RELEASE_EVERY entries drops the page
 * mappings of what was read (bounded memory). */
int follower_next(struct follower *f);

/* Reads field "NAME" of the current entry: 1 and *ret, *ret_len (not NUL-terminated), 0 if absent. */
int follower_field(struct follower *f, const char *name, const char **ret, size_t *ret_len);
/* MESSAGE_ID and _UID of the current entry in one pass over its fields (the
 * hot path: every entry); "" for a field that is absent or malformed. */
int follower_identity(struct follower *f, char message_id[33], char uid[16]);
/* The current entry's cursor (new string). */
int follower_cursor(struct follower *f, char **ret);

/* The fd to poll and the timeout (usec, UINT64_MAX: none) before processing. */
int follower_fd(struct follower *f);
int follower_events(struct follower *f);
uint64_t follower_timeout(struct follower *f);
/* After a wake-up: 0 nothing new, 1 something (append or invalidate, same for us). */
int follower_process(struct follower *f);

#define FOLLOW_RELEASE_EVERY 4096
/* How often a caught-up follower looks for entries journald has not announced yet. */
#define FOLLOW_POLL_MS 20
