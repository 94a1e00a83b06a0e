/* SPDX-License-Identifier: MIT */
#pragma once

/* The module's journal entry (SPEC §4) as one table of fields: the module
 * writes it from a decision, logonacl-alertd and logonaclctl read it back, and
 * both readers apply the one trusted-writer rule and select entries by the one
 * MESSAGE_ID list.  Pure: no journal library here (the module links this file
 * and must not need libsystemd); the readers feed it the entry's "NAME=value"
 * items one by one from sd_journal_enumerate_data(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decide.h"
#include "events.h"
#include "journal_send.h"
#include "macro.h"

enum logon_field {
        LOGON_HOSTNAME,                 /* _HOSTNAME, set by journald: the host of the logon */
        LOGON_MESSAGE,
        LOGON_EVENT,
        LOGON_ACTIVITY,
        LOGON_CHANNEL,
        LOGON_ACTION,
        LOGON_RESULT,
        LOGON_APPROVED,
        LOGON_MATCHED,
        LOGON_MATCHED_SOURCE,
        LOGON_USER,
        LOGON_RHOST,
        LOGON_CLIENT_IP,
        LOGON_SERVICE,
        LOGON_STAGE,
        LOGON_INLINE,
        LOGON_SSO,
        LOGON_EXPIRED_MATCH,            /* only when an expired entry covers the client */
        LOGON_EXPIRED_SOURCE,
        LOGON_EXPIRED_AT,
        LOGON_ERROR,                    /* config-error entries */
        LOGON_CONF,
        LOGON_ON_ERROR,
        LOGON_CHANGE,                   /* change entries of logonaclctl (SPEC §6) */
        LOGON_FILE,
        LOGON_BY_UID,
        LOGON_BY_USER,
        _LOGON_FIELD_MAX,
};

#define LOGON_FIELD_BIT(f) (UINT64_C(1) << (f))
#define LOGON_FIELDS_ALL (LOGON_FIELD_BIT(_LOGON_FIELD_MAX) - 1)
_Static_assert(_LOGON_FIELD_MAX < 64, "a reader's field mask is 64 bits");

/* "LOGONACL_USER", "_HOSTNAME", ...: the journal's name of field f. */
const char *logon_field_name(enum logon_field f);

/* ---- writing (the module) ---- */

/* The PAM items of one call, raw ("" when unset). */
struct logon_items {
        const char *service;
        const char *user;
        const char *rhost;
        bool rhost_set;
        enum stage stage;
};

/* What the module makes of a decision beside its fields: the readable MESSAGE,
 * the PRIORITY text, the "file:line" of the matched and expired entries (the
 * list is freed by then) and the expiry time as text. */
struct logon_texts {
        const char *message;
        const char *priority;
        const char *matched_source;
        const char *expired_source;
        const char *expired_at;
};

#define LOGON_ENTRY_FIELDS_MAX 24

/* Fills fields (LOGON_ENTRY_FIELDS_MAX) with the decision entry of SPEC §4;
 * returns how many.  The values point into d, items and texts. */
size_t logon_entry_fields(const struct decision *d, const struct logon_items *items, const struct logon_texts *texts,
                          struct journal_field *fields);

/* The same for a config-error entry: error holds every reason line. */
size_t logon_error_fields(const struct logon_items *items, const struct logon_texts *texts, const char *error,
                          const char *conf_path, bool on_error_allow, struct journal_field *fields);

/* ---- reading (alertd, logonaclctl) ---- */

/* One field value as the journal holds it: raw bytes, with a NUL after them
 * for convenience (the value itself may hold NUL).  data is NULL when absent. */
struct logon_value {
        char *data;
        size_t len;
};

struct logon_record {
        uint64_t realtime_usec;         /* __REALTIME_TIMESTAMP (the caller sets it) */
        char message_id[33];            /* the first MESSAGE_ID of 32 bytes (no NUL); else "" */
        enum event_kind event;          /* from message_id; EVENT_NONE for anything else */
        bool change;                    /* a change entry of logonaclctl */
        unsigned n_uid;                 /* how many _UID items the entry has */
        char uid[16];                   /* the first one's bytes, cut at 15 */
        size_t uid_len;                 /* ... and its whole length */
        struct logon_value field[_LOGON_FIELD_MAX];
};

/* Takes one "NAME=value" item of the entry (in the journal's order): MESSAGE_ID
 * and _UID always, the fields of wanted (LOGON_FIELD_BIT()s) as copies; of a
 * repeated field the first counts.  0 or -ENOMEM. */
int logon_record_add_item(struct logon_record *r, const void *item, size_t len, uint64_t wanted);
/* Frees the copies; the record is empty again. */
void logon_record_clear(struct logon_record *r);

/* The value as a C string ("" when absent); a value with a NUL reads up to it. */
static inline const char *logon_str(const struct logon_record *r, enum logon_field f) {
        return r->field[f].data ? r->field[f].data : "";
}

/* A _UID (or OBJECT_UID) value names one of uids: 1 to 10 decimal digits and
 * nothing else (no sign, space or NUL), compared as a number. */
bool logon_uid_trusted(const char *value, size_t len, const uid_t *uids, size_t n_uids);

/* The trusted-writer rule (SPEC §5, §6), the same for alertd and logonaclctl:
 * an entry counts when it has exactly one _UID (journald sets it from the
 * socket credentials, so a local writer cannot forge it; two of them mean an
 * entry journald did not make, e.g. a forged upload to a collector) and that
 * _UID is trusted; a change entry only when it is root's (only root edits the
 * files). */
bool logon_record_trusted(const struct logon_record *r, const uid_t *uids, size_t n_uids);

/* ---- selecting ---- */

#define EVENT_BIT(e) (1u << (e))
/* Beside the EVENT_BIT()s of the decision kinds, a reader may select these. */
#define LOGON_SELECT_CHANGES            (1u << _EVENT_MAX)
#define LOGON_SELECT_JOURNAL_SUPPRESSED (1u << (_EVENT_MAX + 1))

#define LOGON_MATCHES_MAX (_EVENT_MAX + 2)
#define LOGON_MATCH_TEXT_MAX 48                 /* "MESSAGE_ID=" + 32 + NUL */

/* The journal matches ("MESSAGE_ID=...", one per kind, to OR) that select the
 * kinds of select; returns how many.  Entries are selected by MESSAGE_ID, never
 * by SYSLOG_IDENTIFIER or text. */
size_t logon_record_matches(unsigned select, char matches[LOGON_MATCHES_MAX][LOGON_MATCH_TEXT_MAX]);
