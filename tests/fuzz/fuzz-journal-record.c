/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the readers that turn a journal entry's fields into a
 * record — logonaclctl's journal_query_run() (log, what-if, suggest) and
 * alertd's follower_identity()/follower_field() — with hostile entries: any
 * field names and values, repeated, missing or malformed MESSAGE_ID and _UID,
 * values holding NUL, CR, LF and invalid UTF-8.
 *
 * The journal is served from the input by this file's own sd_journal_open*,
 * _next, _enumerate_data, _get_data ... (they take precedence over
 * libsystemd's for the code linked here): a journal file cannot be made fast
 * enough per input, and it is the readers' logic that is under test.  Every
 * entry a real journald writes is one of these inputs (journald adds _UID
 * itself; a writer chooses every other field).
 *
 * Input: data items, each a length byte (255: two more bytes of length) and
 * the bytes ("NAME=value"); a zero-length item ends an entry.
 *
 * Checks (SPEC §5, §6: only entries of a trusted writer count):
 *   - a record reaches the callback only when its entry has exactly one _UID,
 *     a decimal 0 (trusted_users = root), and a MESSAGE_ID of a wanted kind;
 *   - each record field is the bytes of the entry's first item of that name,
 *     NUL-terminated; absent fields are NULL;
 *   - alertd reads a MESSAGE_ID and a _UID only from items that hold them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "config.h"
#include "events.h"
#include "follow.h"
#include "journal_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ITEMS 64
#define MAX_ENTRIES 32

struct item {
        const char *data;
        size_t len;
};

struct entry {
        struct item items[MAX_ITEMS];
        size_t n;
};

struct sd_journal {
        struct entry entries[MAX_ENTRIES];
        size_t n_entries;
        size_t current;                 /* index + 1; 0 before the first */
        size_t next_item;
};

static struct sd_journal fake;

/* ---- the journal, served from the input ---- */

int sd_journal_open(sd_journal **ret, int flags) {
        fake.current = 0;
        *ret = &fake;
        return 0;
}

int sd_journal_open_directory(sd_journal **ret, const char *path, int flags) {
        return sd_journal_open(ret, flags);
}

void sd_journal_close(sd_journal *j) {
}

int sd_journal_get_usage(sd_journal *j, uint64_t *bytes) {
        *bytes = 4096;
        return 0;
}

int sd_journal_add_match(sd_journal *j, const void *d, size_t size) {
        return 0;       /* every entry is served: the readers must filter themselves */
}

int sd_journal_seek_head(sd_journal *j) {
        j->current = 0;
        return 0;
}

int sd_journal_seek_realtime_usec(sd_journal *j, uint64_t usec) {
        return sd_journal_seek_head(j);
}

int sd_journal_next(sd_journal *j) {
        if (j->current >= j->n_entries)
                return 0;
        j->current++;
        j->next_item = 0;
        return 1;
}

int sd_journal_get_realtime_usec(sd_journal *j, uint64_t *ret) {
        if (j->current == 0)
                return -EADDRNOTAVAIL;
        *ret = 1700000000000000ULL + j->current;
        return 0;
}

void sd_journal_restart_data(sd_journal *j) {
        j->next_item = 0;
}

int sd_journal_enumerate_data(sd_journal *j, const void **d, size_t *l) {
        if (j->current == 0)
                return -EADDRNOTAVAIL;
        const struct entry *e = &j->entries[j->current - 1];
        if (j->next_item >= e->n)
                return 0;
        *d = e->items[j->next_item].data;
        *l = e->items[j->next_item].len;
        j->next_item++;
        return 1;
}

/* The first item "NAME=..." (libsystemd returns one of them). */
static const struct item *find_item(const struct entry *e, const char *name) {
        size_t n = strlen(name);
        for (size_t i = 0; i < e->n; i++)
                if (e->items[i].len > n && memcmp(e->items[i].data, name, n) == 0 && e->items[i].data[n] == '=')
                        return &e->items[i];
        return NULL;
}

int sd_journal_get_data(sd_journal *j, const char *field, const void **d, size_t *l) {
        if (j->current == 0)
                return -EADDRNOTAVAIL;
        const struct item *it = find_item(&j->entries[j->current - 1], field);
        if (!it)
                return -ENOENT;
        *d = it->data;
        *l = it->len;
        return 0;
}

static void load_input(const uint8_t *p, size_t left) {
        fake = (struct sd_journal) {};
        fake.n_entries = 1;
        while (left > 0 && fake.n_entries <= MAX_ENTRIES) {
                size_t len = *p++;
                left--;
                if (len == 255 && left >= 2) {
                        len = (size_t) p[0] << 8 | p[1];
                        p += 2;
                        left -= 2;
                }
                if (len > left)
                        len = left;
                struct entry *e = &fake.entries[fake.n_entries - 1];
                if (len == 0) {
                        if (fake.n_entries < MAX_ENTRIES)
                                fake.n_entries++;
                        else
                                break;
                } else if (e->n < MAX_ITEMS)
                        e->items[e->n++] = (struct item) { (const char *) p, len };
                p += len;
                left -= len;
        }
}

/* ---- what the readers must do ---- */

static const char *const logon_field_names[_LOGON_FIELD_MAX] = {
        [LOGON_HOSTNAME] = "_HOSTNAME",         [LOGON_EVENT] = "LOGONACL_EVENT",
        [LOGON_ACTIVITY] = "LOGONACL_ACTIVITY", [LOGON_CHANNEL] = "LOGONACL_CHANNEL",
        [LOGON_ACTION] = "LOGONACL_ACTION",     [LOGON_RESULT] = "LOGONACL_RESULT",
        [LOGON_APPROVED] = "LOGONACL_APPROVED", [LOGON_MATCHED] = "LOGONACL_MATCHED",
        [LOGON_MATCHED_SOURCE] = "LOGONACL_MATCHED_SOURCE",
        [LOGON_USER] = "LOGONACL_USER",         [LOGON_RHOST] = "LOGONACL_RHOST",
        [LOGON_CLIENT_IP] = "LOGONACL_CLIENT_IP", [LOGON_SERVICE] = "LOGONACL_SERVICE",
        [LOGON_STAGE] = "LOGONACL_STAGE",       [LOGON_INLINE] = "LOGONACL_INLINE",
        [LOGON_SSO] = "LOGONACL_SSO",           [LOGON_MESSAGE] = "MESSAGE",
        [LOGON_ERROR] = "LOGONACL_ERROR",       [LOGON_ON_ERROR] = "LOGONACL_ON_ERROR",
        [LOGON_CHANGE] = "LOGONACL_CHANGE",     [LOGON_FILE] = "LOGONACL_FILE",
        [LOGON_BY_UID] = "LOGONACL_BY_UID",     [LOGON_BY_USER] = "LOGONACL_BY_USER",
};

static bool entry_trusted(const struct entry *e) {
        size_t n_uid = 0;
        bool zero = false;
        for (size_t i = 0; i < e->n; i++)
                if (e->items[i].len >= 5 && memcmp(e->items[i].data, "_UID=", 5) == 0) {
                        n_uid++;
                        size_t vl = e->items[i].len - 5;
                        const char *v = e->items[i].data + 5;
                        zero = vl > 0;
                        for (size_t k = 0; k < vl; k++)
                                zero = zero && v[k] == '0';
                }
        return n_uid == 1 && zero;
}

static bool entry_has_message_id(const struct entry *e, enum event_kind kind) {
        const char *id = event_message_id(kind);
        for (size_t i = 0; id && i < e->n; i++)
                if (e->items[i].len == 11 + 32 && memcmp(e->items[i].data, "MESSAGE_ID=", 11) == 0 &&
                    memcmp(e->items[i].data + 11, id, 32) == 0)
                        return true;
        return false;
}

static int check_record(const struct logon_record *r, void *userdata) {
        const struct entry *e = &fake.entries[fake.current - 1];
        unsigned wanted = *(const unsigned *) userdata;

        if (!entry_trusted(e) || !(wanted & EVENT_BIT(r->event)) || !entry_has_message_id(e, r->event))
                abort();
        for (size_t f = 0; f < _LOGON_FIELD_MAX; f++) {
                const struct item *it = find_item(e, logon_field_names[f]);
                const struct logon_value *v = &r->field[f];
                size_t nl = strlen(logon_field_names[f]) + 1;
                if (!it != !v->data)
                        abort();
                if (it && (v->len != it->len - nl || memcmp(v->data, it->data + nl, v->len) != 0 || v->data[v->len]))
                        abort();
        }
        return 0;
}

static void check_query(void) {
        char *root_items[] = { "root" };
        struct config c = { .alert.trusted_users = { root_items, 1 } };
        unsigned wanted = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED);
        struct journal_query q = {
                .directory = "/",
                .events = wanted,
                .channel = CHANNEL_INVALID,
                .config = &c,
        };
        struct journal_stats stats;

        if (journal_query_run(&q, check_record, &wanted, &stats) < 0)
                abort();
        if (stats.n_matched + stats.n_untrusted > fake.n_entries)
                abort();
}

/* An item "PREFIXvalue", or "PREFIXvalue\0..." (a C string reads up to the NUL). */
static bool has_item(const struct entry *e, const char *prefix, const char *value) {
        size_t pl = strlen(prefix), vl = strlen(value);
        for (size_t i = 0; i < e->n; i++)
                if (e->items[i].len >= pl + vl && memcmp(e->items[i].data, prefix, pl) == 0 &&
                    memcmp(e->items[i].data + pl, value, vl) == 0 &&
                    (e->items[i].len == pl + vl || e->items[i].data[pl + vl] == 0))
                        return true;
        return false;
}

/* A "MESSAGE_ID=" item of 32 bytes that starts with id and holds a NUL right after it. */
static bool has_prefix_item(const struct entry *e, const char *id) {
        size_t n = strlen(id);
        for (size_t i = 0; i < e->n; i++)
                if (e->items[i].len == 11 + 32 && memcmp(e->items[i].data, "MESSAGE_ID=", 11) == 0 && n < 32 &&
                    memcmp(e->items[i].data + 11, id, n) == 0 && e->items[i].data[11 + n] == 0)
                        return true;
        return false;
}

static void check_follower(void) {
        struct follower f = { .journal = &fake };
        fake.current = 0;
        while (sd_journal_next(&fake) > 0) {
                const struct entry *e = &fake.entries[fake.current - 1];
                char message_id[33], uid[16];
                if (follower_identity(&f, message_id, uid) < 0)
                        abort();
                /* 32 bytes of an item's value (a C string: up to a NUL in them) */
                if (message_id[0] && !has_item(e, "MESSAGE_ID=", message_id) && !has_prefix_item(e, message_id))
                        abort();
                if (uid[0] && !has_item(e, "_UID=", uid))
                        abort();
                for (size_t k = 0; k < _LOGON_FIELD_MAX; k++) {
                        if (!logon_field_names[k])
                                abort();        /* a field the reader gained and this table lacks */
                        const char *v;
                        size_t len;
                        const struct item *it = find_item(e, logon_field_names[k]);
                        int r = follower_field(&f, logon_field_names[k], &v, &len);
                        if (r < 0 || (r > 0) != (it != NULL))
                                abort();
                        if (r > 0 && (v != it->data + strlen(logon_field_names[k]) + 1 ||
                                      len != it->len - strlen(logon_field_names[k]) - 1))
                                abort();
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        load_input(data, size);
        check_query();
        check_follower();
        return 0;
}

/* journal_query.c's option parser reports usage errors through main.c's helper. */
int ctl_usage_error(const char *command, const char *fmt, ...);
int ctl_usage_error(const char *command, const char *fmt, ...) {
        return 2;
}
