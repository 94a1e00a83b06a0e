/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "events.h"
#include "follow.h"
#include "logon_record.h"
#include "macro.h"
#include "state.h"

/* Every position kept must fit in the state file. */
_Static_assert(FOLLOW_SOURCES_MAX <= STATE_SOURCES_MAX, "more sources than a state file holds");

#define PROCESS_EVERY 1024
#define NO_SOURCE SIZE_MAX

static void release_journal_pages(void);
static int sync_cursor(struct follower *f);

/* Our MESSAGE_IDs, and with boot the entries of that boot only. */
static int add_matches(sd_journal *j, const sd_id128_t *boot) {
        char matches[LOGON_MATCHES_MAX][LOGON_MATCH_TEXT_MAX], m[64];
        size_t n = logon_record_matches(FOLLOW_SELECT, matches);
        int r;

        sd_journal_flush_matches(j);
        for (size_t i = 0; i < n; i++) {
                r = sd_journal_add_match(j, matches[i], 0);
                if (r < 0)
                        return r;
        }
        if (!boot)
                return 0;
        r = sd_journal_add_conjunction(j);
        if (r < 0)
                return r;
        char id[SD_ID128_STRING_MAX];
        r = snprintf(m, sizeof(m), "_BOOT_ID=%s", sd_id128_to_string(*boot, id));
        return sd_journal_add_match(j, m, (size_t) r);
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
                r = add_matches(j, NULL);
        if (r < 0) {
                sd_journal_close(j);
                return r;
        }
        f->journal = j;
        return 0;
}

int follower_open(struct follower *f, const char *directory, const char *namespace) {
        *f = (struct follower) { .current = NO_SOURCE, .last = NO_SOURCE };
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
        for (size_t i = 0; i < f->n_sources; i++)
                free(f->sources[i].cursor);
        free(f->sources);
        free(f->lost_cursor);
        *f = (struct follower) {};
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

/* The value of word "key=" of a cursor ("s=...;i=...;b=...;m=...;t=...;x=..."). */
static const char *cursor_word(const char *cursor, const char *key, size_t *ret_len) {
        size_t klen = strlen(key);
        for (const char *p = cursor; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
                if (strncmp(p, key, klen) == 0) {
                        *ret_len = strcspn(p + klen, ";");
                        return p + klen;
                }
        return NULL;
}

static int cursor_boot(const char *cursor, sd_id128_t *ret) {
        size_t len;
        const char *v = cursor_word(cursor, "b=", &len);
        char id[SD_ID128_STRING_MAX];
        if (!v || len != 32)
                return -EINVAL;
        memcpy(id, v, 32);
        id[32] = '\0';
        return sd_id128_from_string(id, ret);
}

/* A hexadecimal word of a cursor: "t=" realtime, "m=" monotonic. */
static int cursor_hex(const char *cursor, const char *key, uint64_t *ret) {
        size_t len;
        const char *v = cursor_word(cursor, key, &len);
        char buf[17], *end;
        if (!v || len == 0 || len > 16)
                return -EINVAL;
        memcpy(buf, v, len);
        buf[len] = '\0';
        *ret = strtoull(buf, &end, 16);
        return *end ? -EINVAL : 0;
}

static struct follow_source *source_of(struct follower *f, sd_id128_t boot) {
        for (size_t i = 0; i < f->n_sources; i++)
                if (sd_id128_equal(f->sources[i].boot_id, boot))
                        return &f->sources[i];
        return NULL;
}

static struct follow_source *source_add(struct follower *f, sd_id128_t boot) {
        struct follow_source *a = realloc(f->sources, (f->n_sources + 1) * sizeof(*a));
        if (!a)
                return NULL;
        f->sources = a;
        a[f->n_sources] = (struct follow_source) { .boot_id = boot };
        return &a[f->n_sources++];
}

/* Whether boot holds an entry of ours.  Moves the reader (the caller made the
 * current source's cursor first and has the reader set again). */
static int boot_has_ours(struct follower *f, sd_id128_t boot) {
        int r = add_matches(f->journal, &boot);
        if (r < 0)
                return r;
        r = sd_journal_seek_head(f->journal);
        return r < 0 ? r : sd_journal_next(f->journal);
}

/* Adds a source for every boot in the files that has an entry of ours and no
 * source yet (its entries are all new: read from its head), and marks which
 * sources are still there.  Boots without one take no source, so a host
 * uploading boot after boot of other entries cannot use up FOLLOW_SOURCES_MAX;
 * they are looked at again when the files change. */
static int discover(struct follower *f) {
        _cleanup_free_ sd_id128_t *candidates = NULL;
        size_t n_candidates = 0;
        const void *data;
        size_t len;
        int r = sd_journal_query_unique(f->journal, "_BOOT_ID");
        if (r < 0)
                return r;
        for (size_t i = 0; i < f->n_sources; i++)
                f->sources[i].present = false;
        f->n_boots = 0;
        while ((r = sd_journal_enumerate_unique(f->journal, &data, &len)) != 0) {
                char id[SD_ID128_STRING_MAX];
                sd_id128_t boot;
                if (r < 0)
                        continue;       /* a damaged value in one file */
                if (len != 9 + 32)
                        continue;
                memcpy(id, (const char *) data + 9, 32);
                id[32] = '\0';
                if (sd_id128_from_string(id, &boot) < 0)
                        continue;
                f->n_boots++;
                struct follow_source *s = source_of(f, boot);
                if (s) {
                        s->present = true;
                        continue;
                }
                sd_id128_t *c = realloc(candidates, (n_candidates + 1) * sizeof(*c));
                if (!c)
                        return -ENOMEM;
                candidates = c;
                candidates[n_candidates++] = boot;
        }
        if (n_candidates == 0)
                return 0;

        r = sync_cursor(f);
        if (r < 0)
                return r;
        f->current = NO_SOURCE;
        for (size_t i = 0; i < n_candidates; i++) {
                r = boot_has_ours(f, candidates[i]);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                if (f->n_sources >= FOLLOW_SOURCES_MAX) {
                        f->boots_ignored++;
                        continue;
                }
                struct follow_source *s = source_add(f, candidates[i]);
                if (!s)
                        return -ENOMEM;
                s->present = true;
        }
        return 0;
}

/* sd_journal_next, going on past entries that went away under it. */
static int journal_next(struct follower *f) {
        if (++f->since_process >= PROCESS_EVERY) {
                f->since_process = 0;
                if (sd_journal_process(f->journal) > SD_JOURNAL_NOP)
                        f->changed = true;
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

/* Makes the cursor text of the entry last read of the source the reader
 * stands on (made only when needed: a cursor per entry would cost more than the entry). */
static int sync_cursor(struct follower *f) {
        if (f->current == NO_SOURCE || !f->sources[f->current].cursor_stale)
                return 0;
        struct follow_source *s = &f->sources[f->current];
        char *c;
        int r = sd_journal_get_cursor(f->journal, &c);
        if (r < 0)
                return r;
        free(s->cursor);
        s->cursor = c;
        s->cursor_stale = false;
        return 0;
}

static void note_lost(struct follower *f, struct follow_source *s) {
        if (s->lost)
                return;
        s->lost = true;
        if (!f->lost_cursor)
                f->lost_cursor = strdup(s->cursor);
}

/* Sets the reader to source i, standing on its last entry read (the next
 * sd_journal_next gives the first new one) or, when that entry is gone, on
 * the first new one (on_unread). */
static int reader_select(struct follower *f, size_t i) {
        /* One boot in the files: no boot match (a replay's hot path).  Otherwise the
         * match keeps another boot's first entry of ours out of this source. */
        bool matched = f->n_boots > 1;
        if (f->current == i && f->current_matched == matched)
                return 0;
        int r = sync_cursor(f);
        if (r < 0)
                return r;
        struct follow_source *s = &f->sources[i];
        f->current = NO_SOURCE;
        r = add_matches(f->journal, matched ? &s->boot_id : NULL);
        if (r < 0)
                return r;
        f->current = i;
        f->current_matched = matched;
        f->on_unread = false;
        if (!s->cursor)
                return sd_journal_seek_head(f->journal);
        r = sd_journal_seek_cursor(f->journal, s->cursor);
        if (r < 0)
                return r;
        r = journal_next(f);
        if (r < 0)
                return r;
        if (r > 0 && sd_journal_test_cursor(f->journal, s->cursor) > 0)
                return 0;
        /* Vacuumed: what follows its place in this boot is new. */
        note_lost(f, s);
        f->on_unread = r > 0;
        return 0;
}

/* Looks at source i's next entry: SOURCE_WAITING (the reader stands on it) or SOURCE_DRAINED. */
static int source_peek(struct follower *f, size_t i) {
        struct follow_source *s = &f->sources[i];
        int r = reader_select(f, i);
        if (r < 0)
                return r;
        /* Leaving the last entry read: its cursor is the source's position.  With
         * one source the reader never leaves it unread, so that waits for a save. */
        if (f->n_sources > 1 && (r = sync_cursor(f)) < 0)
                return r;
        if (f->on_unread) {
                f->on_unread = false;
                r = 1;
        } else
                r = journal_next(f);
        if (r < 0)
                return r;
        if (r == 0) {
                s->status = SOURCE_DRAINED;
                return 0;
        }
        s->status = SOURCE_WAITING;
        /* The time decides between sources only: one source needs none (a replay's hot path). */
        return f->n_sources > 1 ? sd_journal_get_realtime_usec(f->journal, &s->next_usec) : 0;
}

/* A restarted systemd-journal-upload (252) sends its last entry again, so a
 * collector's file can hold one entry twice in a row: same boot, monotonic and
 * realtime, which journald never gives two entries of one boot.  Compares the
 * entry under the reader with the source's last one (from the saved cursor
 * after a restart) and remembers it. */
static bool entry_is_resent(struct follower *f, struct follow_source *s) {
        uint64_t monotonic, realtime;
        sd_id128_t boot;
        if (sd_journal_get_monotonic_usec(f->journal, &monotonic, &boot) < 0 ||
            sd_journal_get_realtime_usec(f->journal, &realtime) < 0)
                return false;
        if (s->last_monotonic_usec == 0 && s->cursor && !s->cursor_stale &&
            (cursor_hex(s->cursor, "m=", &s->last_monotonic_usec) < 0 ||
             cursor_hex(s->cursor, "t=", &s->last_realtime_usec) < 0))
                s->last_monotonic_usec = s->last_realtime_usec = 0;
        bool resent = monotonic == s->last_monotonic_usec && realtime == s->last_realtime_usec;
        s->last_monotonic_usec = monotonic;
        s->last_realtime_usec = realtime;
        return resent;
}

static bool reader_on_waiting(struct follower *f, size_t i) {
        return f->current == i && f->sources[i].status == SOURCE_WAITING && f->waiting_here;
}

int follower_next(struct follower *f) {
        int r;

        if (f->changed) {
                f->changed = false;
                r = discover(f);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < f->n_sources; i++)
                        if (f->sources[i].status == SOURCE_DRAINED)
                                f->sources[i].status = SOURCE_UNKNOWN;
        }
        /* journald announces appends late (up to 250 ms); the current file shows them at once. */
        if (f->current != NO_SOURCE && f->sources[f->current].status == SOURCE_DRAINED)
                f->sources[f->current].status = SOURCE_UNKNOWN;

        for (;;) {
                /* The others first, so that the reader ends on the current source (one source: no seeks). */
                for (size_t i = 0; i < f->n_sources; i++)
                        if (i != f->current && f->sources[i].status == SOURCE_UNKNOWN) {
                                r = source_peek(f, i);
                                if (r < 0)
                                        return r;
                                f->waiting_here = true;
                        }
                if (f->current != NO_SOURCE && f->sources[f->current].status == SOURCE_UNKNOWN) {
                        r = source_peek(f, f->current);
                        if (r < 0)
                                return r;
                        f->waiting_here = true;
                }
                size_t best = NO_SOURCE;
                for (size_t i = 0; i < f->n_sources; i++)
                        if (f->sources[i].status == SOURCE_WAITING &&
                            (best == NO_SOURCE || f->sources[i].next_usec < f->sources[best].next_usec))
                                best = i;
                if (best == NO_SOURCE)
                        return 0;
                if (!reader_on_waiting(f, best)) {
                        /* Another source was looked at since: go back to this one's next entry. */
                        f->sources[best].status = SOURCE_UNKNOWN;
                        r = source_peek(f, best);
                        if (r < 0)
                                return r;
                        if (f->sources[best].status != SOURCE_WAITING)
                                continue;
                }
                f->waiting_here = false;
                f->sources[best].status = SOURCE_UNKNOWN;
                bool resent = entry_is_resent(f, &f->sources[best]);
                f->sources[best].cursor_stale = true;
                if (resent)
                        continue;       /* considered already: read past it */
                f->last = best;
                return 1;
        }
}

/* The last entry of boot at or before realtime until (UINT64_MAX: the newest): a new cursor or NULL. */
static int last_entry_of(struct follower *f, sd_id128_t boot, uint64_t until, char **ret) {
        *ret = NULL;
        f->current = NO_SOURCE;
        int r = add_matches(f->journal, &boot);
        if (r < 0)
                return r;
        /* Tail then previous, not next (next after tail changed in v254). */
        r = until == UINT64_MAX ? sd_journal_seek_tail(f->journal) : sd_journal_seek_realtime_usec(f->journal, until + 1);
        if (r < 0)
                return r;
        r = sd_journal_previous(f->journal);
        if (r <= 0)
                return r;
        return sd_journal_get_cursor(f->journal, ret);
}

int follower_resume(struct follower *f, char *const *sources, size_t n_sources, const char *cursor,
                    bool from_start, enum resume_result *ret) {
        int r;

        release_journal_pages();        /* what opening every file touched */
        r = discover(f);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_sources; i++) {
                sd_id128_t boot;
                if (cursor_boot(sources[i], &boot) < 0)
                        return -EINVAL;
                struct follow_source *s = source_of(f, boot);
                if (!s && !(s = source_add(f, boot)))
                        return -ENOMEM;
                free(s->cursor);
                if (!(s->cursor = strdup(sources[i])))
                        return -ENOMEM;
        }
        if (n_sources > 0)
                *ret = RESUME_AT_CURSOR;
        else if (cursor && cursor[0]) {
                /* State version 1: the merged view had read everything up to cursor,
                 * which for the other boots is what their clocks put before it. */
                sd_id128_t boot;
                uint64_t t;
                if (cursor_boot(cursor, &boot) < 0 || cursor_hex(cursor, "t=", &t) < 0)
                        return -EINVAL;
                struct follow_source *s = source_of(f, boot);
                if (!s && !(s = source_add(f, boot)))
                        return -ENOMEM;
                if (!(s->cursor = strdup(cursor)))
                        return -ENOMEM;
                for (size_t i = 0; i < f->n_sources; i++)
                        if (!f->sources[i].cursor && (r = last_entry_of(f, f->sources[i].boot_id, t, &f->sources[i].cursor)) < 0)
                                return r;
                *ret = RESUME_AT_CURSOR;
        } else if (from_start)
                *ret = RESUME_HEAD;
        else {
                *ret = RESUME_HEAD;     /* empty journal: everything from now on is new */
                for (size_t i = 0; i < f->n_sources; i++) {
                        r = last_entry_of(f, f->sources[i].boot_id, UINT64_MAX, &f->sources[i].cursor);
                        if (r < 0)
                                return r;
                        if (f->sources[i].cursor)
                                *ret = RESUME_TAIL;
                }
        }
        f->current = NO_SOURCE;
        return 0;
}

int follower_goto(struct follower *f, const char *cursor) {
        sd_id128_t boot;
        if (cursor_boot(cursor, &boot) < 0)
                return 0;
        struct follow_source *s = source_of(f, boot);
        if (!s)
                return 0;
        size_t i = (size_t) (s - f->sources);
        if (!s->cursor || strcmp(s->cursor, cursor) != 0) {
                free(s->cursor);
                if (!(s->cursor = strdup(cursor)))
                        return -ENOMEM;
        }
        f->current = NO_SOURCE;
        s->status = SOURCE_UNKNOWN;
        int r = reader_select(f, i);
        if (r < 0)
                return r;
        if (s->lost || f->on_unread) {
                /* Gone: the reader goes on from the next one. */
                f->current = NO_SOURCE;
                return 0;
        }
        f->last = i;
        return 1;
}

int follower_last_cursor(struct follower *f, const char **ret) {
        *ret = NULL;
        if (f->last == NO_SOURCE)
                return 0;
        if (f->last == f->current) {
                int r = sync_cursor(f);
                if (r < 0)
                        return r;
        }
        *ret = f->sources[f->last].cursor;
        return 0;
}

int follower_positions(struct follower *f, const char ***ret, size_t *ret_n) {
        int r = sync_cursor(f);
        if (r < 0)
                return r;
        const char **a = calloc(f->n_sources ? f->n_sources : 1, sizeof(char *));
        if (!a)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < f->n_sources; i++)
                /* A boot no longer in the files has nothing left to read. */
                if (f->sources[i].cursor && f->sources[i].present)
                        a[n++] = f->sources[i].cursor;
        *ret = a;
        *ret_n = n;
        return 0;
}

uint64_t follower_take_ignored(struct follower *f) {
        uint64_t n = f->boots_ignored;
        f->boots_ignored = 0;
        return n;
}

char *follower_take_lost(struct follower *f) {
        char *c = f->lost_cursor;
        f->lost_cursor = NULL;
        return c;
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

int follower_read_record(struct follower *f, uint64_t wanted, struct logon_record *r) {
        const void *data;
        size_t len;
        int k;

        sd_journal_restart_data(f->journal);
        while ((k = sd_journal_enumerate_data(f->journal, &data, &len)) > 0)
                if ((k = logon_record_add_item(r, data, len, wanted)) < 0)
                        return k;
        return k;
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
        if (r == SD_JOURNAL_NOP)
                return 0;
        f->changed = true;      /* INVALIDATE is APPEND for us: look at every source again */
        return 1;
}
