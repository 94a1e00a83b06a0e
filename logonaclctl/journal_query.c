/* SPDX-License-Identifier: MIT */
/* sd_journal reading of the module's entries, with the trusted-writer rule. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <systemd/sd-journal.h>

#include "ctl.h"
#include "journal_query.h"
#include "timestamp.h"
#include "macro.h"

static const char *const field_names[_LOGON_FIELD_MAX] = {
        [LOGON_HOSTNAME]  = "_HOSTNAME",
        [LOGON_EVENT]     = "LOGONACL_EVENT",
        [LOGON_ACTIVITY]  = "LOGONACL_ACTIVITY",
        [LOGON_CHANNEL]   = "LOGONACL_CHANNEL",
        [LOGON_ACTION]    = "LOGONACL_ACTION",
        [LOGON_RESULT]    = "LOGONACL_RESULT",
        [LOGON_APPROVED]  = "LOGONACL_APPROVED",
        [LOGON_MATCHED]   = "LOGONACL_MATCHED",
        [LOGON_MATCHED_SOURCE] = "LOGONACL_MATCHED_SOURCE",
        [LOGON_USER]      = "LOGONACL_USER",
        [LOGON_RHOST]     = "LOGONACL_RHOST",
        [LOGON_CLIENT_IP] = "LOGONACL_CLIENT_IP",
        [LOGON_SERVICE]   = "LOGONACL_SERVICE",
        [LOGON_STAGE]     = "LOGONACL_STAGE",
        [LOGON_INLINE]    = "LOGONACL_INLINE",
        [LOGON_SSO]       = "LOGONACL_SSO",
        [LOGON_MESSAGE]   = "MESSAGE",
        [LOGON_ERROR]     = "LOGONACL_ERROR",
        [LOGON_ON_ERROR]  = "LOGONACL_ON_ERROR",
        [LOGON_CHANGE]    = "LOGONACL_CHANGE",
        [LOGON_FILE]      = "LOGONACL_FILE",
        [LOGON_BY_UID]    = "LOGONACL_BY_UID",
        [LOGON_BY_USER]   = "LOGONACL_BY_USER",
};

struct trusted_uids {
        uid_t *uids;
        size_t n;
};

/* The uids of trusted_users (config_trusted_uids: the rule alertd applies). */
static int trusted_uids_resolve(const struct config *c, struct trusted_uids *ret) {
        _cleanup_(diag_free) struct diag_list warnings = {};

        int r = config_trusted_uids(c, &ret->uids, &ret->n, &warnings);
        for (size_t i = 0; i < warnings.n_lines; i++)
                fprintf(stderr, "logonaclctl: warning: %s\n", warnings.lines[i]);
        if (r < 0)
                fprintf(stderr, "logonaclctl: cannot resolve trusted_users: %s\n", strerror(-r));
        return r;
}

/* "_UID=0": trusted when the value is a plain decimal uid of the list. */
static bool uid_trusted(const struct trusted_uids *t, const char *value, size_t len) {
        unsigned long long uid = 0;

        if (len == 0 || len > 10)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (value[i] < '0' || value[i] > '9')
                        return false;
                uid = uid * 10 + (unsigned) (value[i] - '0');
        }
        for (size_t i = 0; i < t->n; i++)
                if ((unsigned long long) t->uids[i] == uid)
                        return true;
        return false;
}

static void record_clear(struct logon_record *r) {
        for (size_t f = 0; f < _LOGON_FIELD_MAX; f++)
                free(r->field[f].data);
        *r = (struct logon_record) {};
}

static int value_set(struct logon_value *v, const char *data, size_t len) {
        if (v->data)
                return 0;       /* a repeated field: the first one counts */
        v->data = malloc(len + 1);
        if (!v->data)
                return -ENOMEM;
        memcpy(v->data, data, len);
        v->data[len] = 0;
        v->len = len;
        return 0;
}

/* Fills r from the current entry.  Returns 1 when the entry counts, 0 when its
 * writer is not trusted (no _UID, a foreign one, or _UID given twice; for a
 * change entry anyone but root, as only root can edit the files). */
static int record_read(sd_journal *j, const struct trusted_uids *trusted, struct logon_record *r) {
        const void *d;
        size_t l;
        int n_uid = 0;
        bool trusted_writer = false, root_writer = false;
        int r2;

        sd_journal_restart_data(j);
        while ((r2 = sd_journal_enumerate_data(j, &d, &l)) > 0) {
                const char *data = d, *eq = memchr(data, '=', l);
                if (!eq)
                        continue;
                size_t name_len = (size_t) (eq - data), value_len = l - name_len - 1;

                if (name_len == 4 && memcmp(data, "_UID", 4) == 0) {
                        n_uid++;
                        trusted_writer = uid_trusted(trusted, eq + 1, value_len);
                        root_writer = value_len == 1 && eq[1] == '0';
                        continue;
                }
                if (name_len == 10 && memcmp(data, "MESSAGE_ID", 10) == 0) {
                        char id[33];
                        if (value_len == 32) {
                                memcpy(id, eq + 1, 32);
                                id[32] = 0;
                                r->event = event_from_message_id(id);
                                r->change = strcmp(id, MESSAGE_ID_CHANGE) == 0;
                        }
                        continue;
                }
                for (size_t f = 0; f < _LOGON_FIELD_MAX; f++)
                        if (strlen(field_names[f]) == name_len && memcmp(data, field_names[f], name_len) == 0) {
                                int k = value_set(&r->field[f], eq + 1, value_len);
                                if (k < 0)
                                        return k;
                                break;
                        }
        }
        if (r2 < 0)
                return r2;
        return n_uid == 1 && (r->change ? root_writer : trusted_writer);
}

static int add_matches(sd_journal *j, unsigned events, bool changes) {
        for (enum event_kind e = EVENT_NONE + 1; e < _EVENT_MAX; e++) {
                if (!(events & EVENT_BIT(e)))
                        continue;
                char match[64];
                snprintf(match, sizeof match, "MESSAGE_ID=%s", event_message_id(e));
                int r = sd_journal_add_match(j, match, 0);
                if (r < 0)
                        return r;
        }
        return changes ? sd_journal_add_match(j, "MESSAGE_ID=" MESSAGE_ID_CHANGE, 0) : 0;
}

static int journal_open(const struct journal_query *q, sd_journal **ret, bool *no_files) {
        int r;

        if (q->directory) {
                _cleanup_free_ char *path = realpath(q->directory, NULL);
                if (!path) {
                        r = -errno;
                        fprintf(stderr, "logonaclctl: %s: %s\n", q->directory, strerror(errno));
                        return r;
                }
                r = sd_journal_open_directory(ret, path, 0);
        } else
                r = sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "logonaclctl: cannot open the journal%s%s: %s\n", q->directory ? " in " : "",
                        q->directory ?: "", strerror(-r));
                return r;
        }
        /* Like journalctl: an empty result because nothing could be read
         * must not look like an empty audit trail. */
        uint64_t bytes = 0;
        *no_files = sd_journal_get_usage(*ret, &bytes) < 0 || bytes == 0;
        if (*no_files)
                fprintf(stderr, "logonaclctl: warning: no journal files could be opened%s%s%s\n",
                        q->directory ? " in " : "", q->directory ?: "",
                        q->directory ? "" : " (reading them needs root or the group systemd-journal or adm)");
        return 0;
}

/* One entry: read, filtered, passed to fn.  0 or fn's result. */
static int entry_process(sd_journal *j, const struct journal_query *q, const struct trusted_uids *trusted,
                         int (*fn)(const struct logon_record *r, void *userdata), void *userdata,
                         struct journal_stats *stats) {
        struct logon_record record = {};
        uint64_t t;
        int r;

        if (sd_journal_get_realtime_usec(j, &t) < 0)
                return 0;
        /* Merged files need not be in time order: filter each entry, do not stop early. */
        if (t < q->since_usec || (q->until_usec > 0 && t >= q->until_usec))
                return 0;
        record.realtime_usec = t;
        r = record_read(j, trusted, &record);
        bool decision = record.event != EVENT_NONE && (q->events & EVENT_BIT(record.event)) &&
                        (q->channel == CHANNEL_INVALID ||
                         strcmp(logon_str(&record, LOGON_CHANNEL), channel_to_string(q->channel)) == 0);
        if (r > 0 && (decision || (q->changes && record.change))) {
                stats->n_matched++;
                r = fn(&record, userdata);
        } else if (r == 0)
                stats->n_untrusted++;
        record_clear(&record);
        return r < 0 ? r : 0;
}

int journal_query_run(const struct journal_query *q, int (*fn)(const struct logon_record *r, void *userdata),
                      void *userdata, struct journal_stats *stats) {
        struct trusted_uids trusted = {};
        sd_journal *j = NULL;
        int r;

        *stats = (struct journal_stats) {};
        r = trusted_uids_resolve(q->config, &trusted);
        if (r < 0)
                goto finish;
        r = journal_open(q, &j, &stats->no_files);
        if (r < 0)
                goto finish;
        r = add_matches(j, q->events, q->changes);
        if (r >= 0)
                r = q->since_usec > 0 ? sd_journal_seek_realtime_usec(j, q->since_usec) : sd_journal_seek_head(j);
        if (r < 0) {
                fprintf(stderr, "logonaclctl: cannot search the journal: %s\n", strerror(-r));
                goto finish;
        }

        bool caught_up = false;
        for (;;) {
                while ((r = sd_journal_next(j)) > 0) {
                        r = entry_process(j, q, &trusted, fn, userdata, stats);
                        if (r < 0)
                                break;
                }
                if (r < 0)
                        break;
                if (!caught_up && q->caught_up)
                        q->caught_up(userdata);
                caught_up = true;
                if (!q->follow)
                        break;
                /* Until killed, as journalctl -f; new files in a folder are seen too. */
                r = sd_journal_wait(j, UINT64_MAX);
                if (r < 0)
                        break;
        }
        if (r < 0 && r != -ECANCELED)
                fprintf(stderr, "logonaclctl: cannot read the journal: %s\n", strerror(-r));
        if (r == -ECANCELED)
                r = 0;

finish:
        if (j)
                sd_journal_close(j);
        free(trusted.uids);
        return r < 0 ? r : 0;
}

void journal_stats_print(const struct journal_stats *stats) {
        if (stats->n_untrusted > 0)
                fprintf(stderr,
                        "logonaclctl: %zu %s with a logonacl MESSAGE_ID left out: "
                        "not written by a user of [alert] trusted_users\n",
                        stats->n_untrusted, stats->n_untrusted == 1 ? "entry" : "entries");
}

int journal_query_option(struct journal_query *q, const char *command, int opt, const char *value, bool *handled) {
        *handled = true;
        switch (opt) {
        case 'S':
                if (timestamp_parse(value, timestamp_now(), &q->since_usec) < 0)
                        return ctl_usage_error(command, "--since: cannot read the time '%s'", value);
                return -1;
        case 'U':
                if (timestamp_parse(value, timestamp_now(), &q->until_usec) < 0)
                        return ctl_usage_error(command, "--until: cannot read the time '%s'", value);
                return -1;
        case 'D':
                if (!*value)
                        return ctl_usage_error(command, "--directory needs a folder");
                q->directory = value;
                return -1;
        case 'c':
                q->channel = channel_from_string(value);
                if (q->channel == CHANNEL_INVALID)
                        return ctl_usage_error(command, "--channel must be admin, enduser or api");
                return -1;
        default:
                *handled = false;
                return -1;
        }
}
