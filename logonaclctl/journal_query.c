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

/* Fills r from the current entry: every field of the record's table. */
static int record_read(sd_journal *j, struct logon_record *r) {
        const void *d;
        size_t l;
        int k;

        sd_journal_restart_data(j);
        while ((k = sd_journal_enumerate_data(j, &d, &l)) > 0)
                if ((k = logon_record_add_item(r, d, l, LOGON_FIELDS_ALL)) < 0)
                        return k;
        return k;
}

static int add_matches(sd_journal *j, unsigned events, bool changes) {
        char matches[LOGON_MATCHES_MAX][LOGON_MATCH_TEXT_MAX];
        size_t n = logon_record_matches(events | (changes ? LOGON_SELECT_CHANGES : 0), matches);

        for (size_t i = 0; i < n; i++) {
                int r = sd_journal_add_match(j, matches[i], 0);
                if (r < 0)
                        return r;
        }
        return 0;
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
        _cleanup_(logon_record_clear) struct logon_record record = {};
        uint64_t t;
        int r;

        if (sd_journal_get_realtime_usec(j, &t) < 0)
                return 0;
        /* Merged files need not be in time order: filter each entry, do not stop early. */
        if (t < q->since_usec || (q->until_usec > 0 && t >= q->until_usec))
                return 0;
        record.realtime_usec = t;
        r = record_read(j, &record);
        if (r < 0)
                return r;
        r = logon_record_trusted(&record, trusted->uids, trusted->n);
        bool decision = record.event != EVENT_NONE && (q->events & EVENT_BIT(record.event)) &&
                        (q->channel == CHANNEL_INVALID ||
                         strcmp(logon_str(&record, LOGON_CHANNEL), channel_to_string(q->channel)) == 0);
        if (r > 0 && (decision || (q->changes && record.change))) {
                stats->n_matched++;
                r = fn(&record, userdata);
        } else if (r == 0)
                stats->n_untrusted++;
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
