/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the one reader that turns a journal entry's fields into a
 * record (common/logon_record: logon_record_add_item, logon_record_trusted),
 * as both programs drive it — logonaclctl's journal_query_run() (log, what-if,
 * suggest) and alertd's follower_read_record()/follower_field() — with hostile
 * entries: any field names and values, repeated, missing or malformed
 * MESSAGE_ID and _UID, values holding NUL, CR, LF and invalid UTF-8.
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
 *   - a record reaches logonaclctl's callback only when its entry has exactly
 *     one _UID, 1 to 10 decimal digits of value 0 (trusted_users = root), and
 *     a MESSAGE_ID of a wanted kind;
 *   - each record field is the bytes of the entry's first item of that name,
 *     NUL-terminated; absent fields are NULL;
 *   - the record's MESSAGE_ID is the first one of 32 bytes, its _UID count
 *     and first _UID are the entry's, and logon_record_trusted() agrees with
 *     the rule written out here for the uids {0, 1000}. */
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
#include "logon_record.h"

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

/* The rule, written out: exactly one _UID, 1-10 decimal digits, of value 0 or (with also_1000) 1000. */
static bool entry_trusted(const struct entry *e, bool also_1000) {
        size_t n_uid = 0;
        bool trusted = false;
        for (size_t i = 0; i < e->n; i++)
                if (e->items[i].len >= 5 && memcmp(e->items[i].data, "_UID=", 5) == 0) {
                        n_uid++;
                        size_t vl = e->items[i].len - 5;
                        const char *v = e->items[i].data + 5;
                        unsigned long long uid = 0;
                        bool digits = vl > 0 && vl <= 10;
                        for (size_t k = 0; digits && k < vl; k++) {
                                digits = v[k] >= '0' && v[k] <= '9';
                                uid = uid * 10 + (unsigned) (v[k] - '0');
                        }
                        trusted = digits && (uid == 0 || (also_1000 && uid == 1000));
                }
        return n_uid == 1 && trusted;
}

static bool entry_has_message_id(const struct entry *e, enum event_kind kind) {
        const char *id = event_message_id(kind);
        for (size_t i = 0; id && i < e->n; i++)
                if (e->items[i].len == 11 + 32 && memcmp(e->items[i].data, "MESSAGE_ID=", 11) == 0 &&
                    memcmp(e->items[i].data + 11, id, 32) == 0)
                        return true;
        return false;
}

/* Every field of the table: the entry's first item of that name, or NULL. */
static void check_fields(const struct entry *e, const struct logon_record *r) {
        for (enum logon_field f = 0; f < _LOGON_FIELD_MAX; f++) {
                const struct item *it = find_item(e, logon_field_name(f));
                const struct logon_value *v = &r->field[f];
                size_t nl = strlen(logon_field_name(f)) + 1;
                if (!it != !v->data)
                        abort();
                if (it && (v->len != it->len - nl || memcmp(v->data, it->data + nl, v->len) != 0 || v->data[v->len]))
                        abort();
        }
}

static int check_record(const struct logon_record *r, void *userdata) {
        const struct entry *e = &fake.entries[fake.current - 1];
        unsigned wanted = *(const unsigned *) userdata;

        if (!entry_trusted(e, false) || !(wanted & EVENT_BIT(r->event)) || !entry_has_message_id(e, r->event))
                abort();
        check_fields(e, r);
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

/* The first item "NAME=" of exactly len value bytes without a NUL (SIZE_MAX: any), and how many "NAME="
 * items there are. */
static const struct item *first_item_of_len(const struct entry *e, const char *prefix, size_t len, size_t *ret_n) {
        size_t pl = strlen(prefix), n = 0;
        const struct item *first = NULL;
        for (size_t i = 0; i < e->n; i++)
                if (e->items[i].len >= pl && memcmp(e->items[i].data, prefix, pl) == 0) {
                        n++;
                        if (!first && (len == SIZE_MAX || (e->items[i].len - pl == len &&
                                                           !memchr(e->items[i].data + pl, 0, len))))
                                first = &e->items[i];
                }
        if (ret_n)
                *ret_n = n;
        return first;
}

static void check_identity(const struct entry *e, const struct logon_record *r) {
        const struct item *id = first_item_of_len(e, "MESSAGE_ID=", 32, NULL);
        if (id ? memcmp(r->message_id, id->data + 11, 32) != 0 || r->message_id[32] : r->message_id[0] != 0)
                abort();
        if (r->event != event_from_message_id(r->message_id))
                abort();
        size_t n_uid;
        const struct item *uid = first_item_of_len(e, "_UID=", SIZE_MAX, &n_uid);
        size_t kept = uid && uid->len - 5 < sizeof r->uid ? uid->len - 5 : sizeof r->uid - 1;
        if (r->n_uid != n_uid || (uid && (r->uid_len != uid->len - 5 || memcmp(r->uid, uid->data + 5, kept) != 0)))
                abort();
        /* A change entry counts only when root wrote it. */
        static const uid_t uids[] = { 0, 1000 };
        if (logon_record_trusted(r, uids, ELEMENTSOF(uids)) != entry_trusted(e, !r->change))
                abort();
}

/* alertd's reader: the identity alone (no copies), then every field. */
static void check_follower(void) {
        struct follower f = { .journal = &fake };
        fake.current = 0;
        while (sd_journal_next(&fake) > 0) {
                const struct entry *e = &fake.entries[fake.current - 1];
                _cleanup_(logon_record_clear) struct logon_record identity = {}, all = {};
                if (follower_read_record(&f, 0, &identity) < 0 || follower_read_record(&f, LOGON_FIELDS_ALL, &all) < 0)
                        abort();
                for (enum logon_field k = 0; k < _LOGON_FIELD_MAX; k++)
                        if (identity.field[k].data)
                                abort();
                check_identity(e, &identity);
                check_identity(e, &all);
                check_fields(e, &all);
                /* follower_field reads the same value as the record (the first item of the name). */
                const char *v;
                size_t len;
                int r = follower_field(&f, logon_field_name(LOGON_HOSTNAME), &v, &len);
                if (r < 0 || (r > 0) != (all.field[LOGON_HOSTNAME].data != NULL))
                        abort();
                if (r > 0 && (len != all.field[LOGON_HOSTNAME].len || memcmp(v, all.field[LOGON_HOSTNAME].data, len)))
                        abort();
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
