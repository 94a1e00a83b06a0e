/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "events.h"
#include "follow.h"
#include "macro.h"

#define PROCESS_EVERY 1024

static void release_journal_pages(void);

static int add_matches(sd_journal *j) {
        static const char *const ids[] = { MESSAGE_ID_LOGGED, MESSAGE_ID_BLOCKED, MESSAGE_ID_JOURNAL_SUPPRESSED };
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                char m[64];
                int r = snprintf(m, sizeof(m), "MESSAGE_ID=%s", ids[i]);
                r = sd_journal_add_match(j, m, (size_t) r);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int open_journal(struct follower *f) {
        sd_journal *j = NULL;
        int r = f->directory ? sd_journal_open_directory(&j, f->directory, 0)
                : f->namespace ? sd_journal_open_namespace(&j, f->namespace, SD_JOURNAL_LOCAL_ONLY)
                               : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        /* Right after open: otherwise files deleted before inotify is set up stay open (systemd #14695). */
        r = sd_journal_get_fd(j);
        if (r >= 0)
                r = add_matches(j);
        if (r < 0) {
                sd_journal_close(j);
                return r;
        }
        f->journal = j;
        return 0;
}

int follower_open(struct follower *f, const char *directory, const char *namespace) {
        *f = (struct follower) {};
        if ((directory && !(f->directory = strdup(directory))) || (namespace && !(f->namespace = strdup(namespace)))) {
                follower_close(f);
                return -ENOMEM;
        }
        int r = open_journal(f);
        if (r < 0)
                follower_close(f);
        return r;
}

void follower_close(struct follower *f) {
        if (f->journal)
                sd_journal_close(f->journal);
        free(f->directory);
        free(f->namespace);
        *f = (struct follower) {};
}

/* seek_cursor -> next -> test_cursor: 1 when the entry is still there. */
static int seek_to_cursor(sd_journal *j, const char *cursor) {
        int r = sd_journal_seek_cursor(j, cursor);
        if (r < 0)
                return r;
        r = sd_journal_next(j);
        if (r <= 0)
                return r;
        return sd_journal_test_cursor(j, cursor);
}

int follower_resume(struct follower *f, const char *cursor, bool from_start, enum resume_result *ret,
                    bool *on_entry) {
        sd_journal *j = f->journal;
        int r;

        release_journal_pages();        /* what opening every file touched */

        *on_entry = false;
        if (!cursor || !cursor[0]) {
                if (from_start) {
                        *ret = RESUME_HEAD;
                        return sd_journal_seek_head(j);
                }
                /* Tail then previous, not next (next after tail changed in v254). */
                r = sd_journal_seek_tail(j);
                if (r < 0)
                        return r;
                r = sd_journal_previous(j);
                if (r < 0)
                        return r;
                if (r == 0) {
                        *ret = RESUME_HEAD;     /* empty journal: everything from now on is new */
                        return sd_journal_seek_head(j);
                }
                *ret = RESUME_TAIL;
                *on_entry = true;
                return 0;
        }

        r = seek_to_cursor(j, cursor);
        if (r > 0) {
                *ret = RESUME_AT_CURSOR;
                *on_entry = true;
                return 0;
        }
        /* The entry is gone (vacuumed) or the cursor is not this journal's: from the head. */
        *ret = RESUME_VACUUMED;
        return sd_journal_seek_head(j);
}

/* libsystemd maps journal files read-only and shared and keeps the windows
 * it used, so a long catch-up would count whole files in our RSS.  Dropping
 * the page table entries of those mappings (MADV_DONTNEED: the pages stay in
 * the page cache, a later access faults them back in) keeps memory flat.
 * Only mappings of *.journal files that are shared and not writable. */
static void release_journal_pages(void) {
        _cleanup_fclose_ FILE *maps = fopen("/proc/self/maps", "re");
        char line[512];
        if (!maps)
                return;
        while (fgets(line, sizeof(line), maps)) {
                unsigned long start, end;
                char perms[8];
                int path_at = 0;
                if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3 || path_at == 0)
                        continue;
                const char *path = line + path_at;
                size_t len = strcspn(path, "\n");
                if (strcmp(perms, "r--s") != 0 || len < 8 ||
                    (memcmp(path + len - 8, ".journal", 8) != 0 && (len < 9 || memcmp(path + len - 9, ".journal~", 9) != 0)))
                        continue;
                (void) madvise((void *) start, end - start, MADV_DONTNEED);
                /* No fault-around either: it maps 64 KiB around every page we touch. */
                (void) madvise((void *) start, end - start, MADV_RANDOM);
        }
}

int follower_next(struct follower *f) {
        if (++f->since_process >= PROCESS_EVERY) {
                f->since_process = 0;
                (void) sd_journal_process(f->journal);
        }
        if (f->since_release >= FOLLOW_RELEASE_EVERY) {
                f->since_release = 0;
                release_journal_pages();
        }
        for (int attempt = 0; attempt < 3; attempt++) {
                int r = sd_journal_next(f->journal);
                if (r > 0)
                        f->since_release++;
                if (r >= 0)
                        return r;
                /* A file vacuumed under us: let libsystemd notice, then go on (systemd PR #43649). */
                if (r != -EBADMSG && r != -EIDRM && r != -EADDRNOTAVAIL && r != -ENODATA)
                        return r;
                (void) sd_journal_process(f->journal);
        }
        return 0;
}

int follower_field(struct follower *f, const char *name, const char **ret, size_t *ret_len) {
        const void *data;
        size_t len, nlen = strlen(name);
        int r = sd_journal_get_data(f->journal, name, &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (len < nlen + 1)
                return 0;
        *ret = (const char *) data + nlen + 1;
        *ret_len = len - nlen - 1;
        return 1;
}

int follower_identity(struct follower *f, char message_id[33], char uid[16]) {
        const void *data;
        size_t len;
        int r, found = 0;

        message_id[0] = uid[0] = '\0';
        sd_journal_restart_data(f->journal);
        while (found < 2 && (r = sd_journal_enumerate_data(f->journal, &data, &len)) > 0) {
                const char *p = data;
                if (len >= 11 && memcmp(p, "MESSAGE_ID=", 11) == 0) {
                        if (len == 11 + 32 && !message_id[0]) {
                                memcpy(message_id, p + 11, 32);
                                message_id[32] = '\0';
                        }
                        found++;
                } else if (len >= 5 && memcmp(p, "_UID=", 5) == 0) {
                        if (len > 5 && len - 5 < 16 && !uid[0]) {
                                memcpy(uid, p + 5, len - 5);
                                uid[len - 5] = '\0';
                        }
                        found++;
                }
        }
        return r < 0 && found == 0 ? r : 0;
}

int follower_cursor(struct follower *f, char **ret) {
        return sd_journal_get_cursor(f->journal, ret);
}

int follower_fd(struct follower *f) {
        return sd_journal_get_fd(f->journal);
}

int follower_events(struct follower *f) {
        return sd_journal_get_events(f->journal);
}

uint64_t follower_timeout(struct follower *f) {
        uint64_t t;
        if (sd_journal_get_timeout(f->journal, &t) < 0)
                return UINT64_MAX;
        return t;
}

int follower_process(struct follower *f) {
        int r = sd_journal_process(f->journal);
        if (r < 0)
                return r;
        return r == SD_JOURNAL_NOP ? 0 : 1;     /* INVALIDATE is APPEND for a sequential reader */
}
