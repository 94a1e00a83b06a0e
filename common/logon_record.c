/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change_record.h"
#include "logon_record.h"

static const char *const field_names[_LOGON_FIELD_MAX] = {
        [LOGON_HOSTNAME]       = "_HOSTNAME",
        [LOGON_MESSAGE]        = "MESSAGE",
        [LOGON_EVENT]          = "LOGONACL_EVENT",
        [LOGON_ACTIVITY]       = "LOGONACL_ACTIVITY",
        [LOGON_CHANNEL]        = "LOGONACL_CHANNEL",
        [LOGON_ACTION]         = "LOGONACL_ACTION",
        [LOGON_RESULT]         = "LOGONACL_RESULT",
        [LOGON_APPROVED]       = "LOGONACL_APPROVED",
        [LOGON_MATCHED]        = "LOGONACL_MATCHED",
        [LOGON_MATCHED_SOURCE] = "LOGONACL_MATCHED_SOURCE",
        [LOGON_USER]           = "LOGONACL_USER",
        [LOGON_RHOST]          = "LOGONACL_RHOST",
        [LOGON_CLIENT_IP]      = "LOGONACL_CLIENT_IP",
        [LOGON_SERVICE]        = "LOGONACL_SERVICE",
        [LOGON_STAGE]          = "LOGONACL_STAGE",
        [LOGON_INLINE]         = "LOGONACL_INLINE",
        [LOGON_SSO]            = "LOGONACL_SSO",
        [LOGON_EXPIRED_MATCH]  = "LOGONACL_EXPIRED_MATCH",
        [LOGON_EXPIRED_SOURCE] = "LOGONACL_EXPIRED_SOURCE",
        [LOGON_EXPIRED_AT]     = "LOGONACL_EXPIRED_AT",
        [LOGON_ERROR]          = "LOGONACL_ERROR",
        [LOGON_CONF]           = "LOGONACL_CONF",
        [LOGON_ON_ERROR]       = "LOGONACL_ON_ERROR",
        [LOGON_CHANGE]         = "LOGONACL_CHANGE",
        [LOGON_FILE]           = "LOGONACL_FILE",
        [LOGON_BY_UID]         = "LOGONACL_BY_UID",
        [LOGON_BY_USER]        = "LOGONACL_BY_USER",
};

const char *logon_field_name(enum logon_field f) {
        return f >= 0 && f < _LOGON_FIELD_MAX ? field_names[f] : NULL;
}

/* ---- writing ---- */

static struct journal_field field_of(const char *name, const char *value) {
        return (struct journal_field) { .name = name, .value = value, .len = strlen(value) };
}

static struct journal_field logon_field(enum logon_field f, const char *value) {
        return field_of(field_names[f], value);
}

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

/* The fields every entry of the module starts with. */
static size_t header_fields(enum event_kind e, const struct logon_texts *t, struct journal_field *fields) {
        fields[0] = logon_field(LOGON_MESSAGE, t->message);
        fields[1] = field_of("MESSAGE_ID", event_message_id(e));
        fields[2] = field_of("PRIORITY", t->priority);
        fields[3] = field_of("SYSLOG_IDENTIFIER", SYSLOG_IDENTIFIER_MODULE);
        return 4;
}

size_t logon_entry_fields(const struct decision *d, const struct logon_items *items, const struct logon_texts *t,
                          struct journal_field *fields) {
        size_t n = header_fields(d->event, t, fields);

        fields[n++] = logon_field(LOGON_EVENT, event_text(d->event, d->channel, d->sso) ?: "logonacl decision");
        fields[n++] = logon_field(LOGON_ACTIVITY, event_activity(d->event) ?: "");
        fields[n++] = logon_field(LOGON_CHANNEL, channel_to_string(d->channel));
        fields[n++] = logon_field(LOGON_ACTION, action_to_string(d->action));
        fields[n++] = logon_field(LOGON_RESULT, decision_result_to_string(d->result));
        fields[n++] = logon_field(LOGON_APPROVED, yes_no(d->approved));
        fields[n++] = logon_field(LOGON_MATCHED, d->approved ? d->matched.text : "");
        fields[n++] = logon_field(LOGON_MATCHED_SOURCE, t->matched_source);
        fields[n++] = logon_field(LOGON_USER, items->user);
        fields[n++] = logon_field(LOGON_RHOST, items->rhost);
        fields[n++] = logon_field(LOGON_CLIENT_IP, d->client.kind == RHOST_ADDRESS ? d->client.text : "");
        fields[n++] = logon_field(LOGON_SERVICE, items->service);
        fields[n++] = logon_field(LOGON_STAGE, stage_to_string(items->stage));
        fields[n++] = logon_field(LOGON_INLINE, yes_no(d->inline_service));
        fields[n++] = logon_field(LOGON_SSO, yes_no(d->sso));
        if (d->expired_match) {
                /* Why a gateway stopped working: the entry that would have let it in. */
                fields[n++] = logon_field(LOGON_EXPIRED_MATCH, d->expired.text);
                fields[n++] = logon_field(LOGON_EXPIRED_SOURCE, t->expired_source);
                fields[n++] = logon_field(LOGON_EXPIRED_AT, t->expired_at);
        }
        return n;
}

size_t logon_error_fields(const struct logon_items *items, const struct logon_texts *t, const char *error,
                          const char *conf_path, bool on_error_allow, struct journal_field *fields) {
        size_t n = header_fields(EVENT_CONFIG_ERROR, t, fields);

        fields[n++] = logon_field(LOGON_ERROR, error);
        fields[n++] = logon_field(LOGON_CONF, conf_path);
        fields[n++] = logon_field(LOGON_ON_ERROR, on_error_allow ? "allow" : "deny");
        fields[n++] = logon_field(LOGON_RESULT, decision_result_to_string(on_error_allow ? RESULT_IGNORE : RESULT_BLOCKED));
        fields[n++] = logon_field(LOGON_USER, items->user);
        fields[n++] = logon_field(LOGON_RHOST, items->rhost);
        fields[n++] = logon_field(LOGON_SERVICE, items->service);
        fields[n++] = logon_field(LOGON_STAGE, stage_to_string(items->stage));
        return n;
}

/* ---- reading ---- */

static bool name_is(const char *item, size_t name_len, const char *name) {
        return strlen(name) == name_len && memcmp(item, name, name_len) == 0;
}

static void take_message_id(struct logon_record *r, const char *value, size_t len) {
        /* The first one of 32 bytes counts; one with a NUL in it is no id (and
         * would look unset to the next). */
        if (r->message_id[0] || len != 32 || memchr(value, '\0', 32))
                return;
        memcpy(r->message_id, value, 32);
        r->message_id[32] = '\0';
        r->event = event_from_message_id(r->message_id);
        r->change = strcmp(r->message_id, CHANGE_RECORD_MESSAGE_ID) == 0;
}

static void take_uid(struct logon_record *r, const char *value, size_t len) {
        if (r->n_uid++ > 0)
                return;
        r->uid_len = len;
        len = len < sizeof r->uid ? len : sizeof r->uid - 1;
        memcpy(r->uid, value, len);
        r->uid[len] = '\0';
}

static int value_set(struct logon_value *v, const char *data, size_t len) {
        if (v->data)
                return 0;       /* a repeated field: the first one counts */
        v->data = malloc(len + 1);
        if (!v->data)
                return -ENOMEM;
        memcpy(v->data, data, len);
        v->data[len] = '\0';
        v->len = len;
        return 0;
}

int logon_record_add_item(struct logon_record *r, const void *item, size_t len, uint64_t wanted) {
        const char *data = item, *eq = memchr(data, '=', len);
        if (!eq)
                return 0;
        size_t name_len = (size_t) (eq - data), value_len = len - name_len - 1;

        if (name_is(data, name_len, "MESSAGE_ID"))
                take_message_id(r, eq + 1, value_len);
        else if (name_is(data, name_len, "_UID"))
                take_uid(r, eq + 1, value_len);
        else
                for (enum logon_field f = 0; f < _LOGON_FIELD_MAX; f++)
                        if ((wanted & LOGON_FIELD_BIT(f)) && name_is(data, name_len, field_names[f]))
                                return value_set(&r->field[f], eq + 1, value_len);
        return 0;
}

void logon_record_clear(struct logon_record *r) {
        for (size_t f = 0; f < _LOGON_FIELD_MAX; f++)
                free(r->field[f].data);
        *r = (struct logon_record) {};
}

bool logon_uid_trusted(const char *value, size_t len, const uid_t *uids, size_t n_uids) {
        unsigned long long uid = 0;

        if (len == 0 || len > 10)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (value[i] < '0' || value[i] > '9')
                        return false;
                uid = uid * 10 + (unsigned) (value[i] - '0');
        }
        /* As a number: "4294967296" is no uid, not uid 0 cut to 32 bits. */
        for (size_t i = 0; i < n_uids; i++)
                if ((unsigned long long) uids[i] == uid)
                        return true;
        return false;
}

bool logon_record_trusted(const struct logon_record *r, const uid_t *uids, size_t n_uids) {
        static const uid_t root = 0;

        if (r->n_uid != 1)
                return false;
        if (r->change)
                return logon_uid_trusted(r->uid, r->uid_len, &root, 1);
        return logon_uid_trusted(r->uid, r->uid_len, uids, n_uids);
}

/* ---- selecting ---- */

size_t logon_record_matches(unsigned select, char matches[LOGON_MATCHES_MAX][LOGON_MATCH_TEXT_MAX]) {
        size_t n = 0;

        for (enum event_kind e = EVENT_NONE + 1; e < _EVENT_MAX; e++)
                if (select & EVENT_BIT(e))
                        snprintf(matches[n++], LOGON_MATCH_TEXT_MAX, "MESSAGE_ID=%s", event_message_id(e));
        if (select & LOGON_SELECT_CHANGES)
                snprintf(matches[n++], LOGON_MATCH_TEXT_MAX, "MESSAGE_ID=%s", CHANGE_RECORD_MESSAGE_ID);
        if (select & LOGON_SELECT_JOURNAL_SUPPRESSED)
                snprintf(matches[n++], LOGON_MATCH_TEXT_MAX, "MESSAGE_ID=%s", MESSAGE_ID_JOURNAL_SUPPRESSED);
        return n;
}
