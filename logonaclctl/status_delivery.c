/* SPDX-License-Identifier: MIT */
/* alertd's last delivery error for logonaclctl status.  alertd's state file
 * holds the position and the window, not delivery results, so they are read
 * from alertd's own journal entries (SYSLOG_IDENTIFIER=logonacl-alertd):
 * "alert failed" (MESSAGE_ID ef6348b8..., a 5xx: given up) and "alert-retry"
 * (a connection failure, timeout or 4xx it keeps retrying), newest first; an
 * "alert sent" after it says delivery works again.  Only entries written by
 * root or alertd's own user count: anyone can write SYSLOG_IDENTIFIER. */

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "events.h"
#include "logon_record.h"
#include "macro.h"
#include "status.h"

#define ALERTD_USER "logonacl"          /* packaging/sysusers.d/logonacl.conf */

void delivery_error_done(struct delivery_error *e) {
        free(e->smtp_error);
        free(e->message);
        *e = (struct delivery_error) {};
}

/* The value of field name in the current entry, copied into buf (cut at a NUL); false if absent. */
static bool field_copy(sd_journal *j, const char *name, char *buf, size_t size) {
        const void *d;
        size_t l, n = strlen(name);

        if (sd_journal_get_data(j, name, &d, &l) < 0 || l <= n)
                return false;
        l -= n + 1;
        if (l >= size)
                l = size - 1;
        memcpy(buf, (const char *) d + n + 1, l);
        buf[l] = 0;
        buf[strnlen(buf, l)] = 0;
        return true;
}

static char *field_dup(sd_journal *j, const char *name) {
        char buf[1024];
        return field_copy(j, name, buf, sizeof buf) ? strdup(buf) : NULL;
}

/* The records' trusted-writer rule (logon_record.h), for root and alertd's
 * user: exactly one _UID, and that one theirs. */
static bool writer_trusted(sd_journal *j, uid_t alertd_uid) {
        const uid_t uids[] = { 0, alertd_uid };
        size_t n_uids = alertd_uid != (uid_t) -1 ? 2 : 1;
        const void *d;
        size_t l;
        unsigned n = 0;
        bool trusted = false;

        SD_JOURNAL_FOREACH_DATA(j, d, l)
                if (l >= 5 && memcmp(d, "_UID=", 5) == 0 && n++ == 0)
                        trusted = logon_uid_trusted((const char *) d + 5, l - 5, uids, n_uids);
        return n == 1 && trusted;
}

int status_read_delivery_error(struct delivery_error *ret) {
        static const char *const matches[] = {
                ("SYSLOG_IDENTIFIER=" SYSLOG_IDENTIFIER_ALERTD),     /* () for clang -Wstring-concatenation */
                "LOGONACL_ALERTD_EVENT=alert-failed",
                "LOGONACL_ALERTD_EVENT=alert-retry",
                "LOGONACL_ALERTD_EVENT=alert-sent",
        };
        struct passwd *pw = getpwnam(ALERTD_USER);
        uid_t alertd_uid = pw ? pw->pw_uid : (uid_t) -1;
        sd_journal *j = NULL;
        int r;

        *ret = (struct delivery_error) {};
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(matches); i++)
                r = sd_journal_add_match(j, matches[i], 0);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        while (r >= 0 && (r = sd_journal_previous(j)) > 0) {
                char event[32];
                uint64_t t;
                if (!writer_trusted(j, alertd_uid) || !field_copy(j, "LOGONACL_ALERTD_EVENT", event, sizeof event) ||
                    sd_journal_get_realtime_usec(j, &t) < 0)
                        continue;
                if (strcmp(event, "alert-sent") == 0) {
                        if (ret->last_sent_usec == 0)
                                ret->last_sent_usec = t;
                        continue;
                }
                ret->found = true;
                ret->realtime_usec = t;
                snprintf(ret->event, sizeof ret->event, "%s", event);
                field_copy(j, "LOGONACL_SMTP_CODE", ret->smtp_code, sizeof ret->smtp_code);
                ret->smtp_error = field_dup(j, "LOGONACL_SMTP_ERROR");
                ret->message = field_dup(j, "MESSAGE");
                break;
        }
        if (j)
                sd_journal_close(j);
        return r < 0 ? r : 0;
}
