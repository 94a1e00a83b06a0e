/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "alertd.h"
#include "events.h"
#include "mail.h"
#include "mbox.h"
#include "smtp.h"
#include "step.h"
#include "utf8.h"

#define SAVE_INTERVAL_USEC 1000000ULL
#define ONCE_ATTEMPTS 4                 /* --once: 1 + 2 + 4 s of backoff, then exit 1 */

/* The fields an alert uses (SPEC §5: the mail and alertd's own entries). */
#define ALERT_FIELDS                                                                                        \
        (LOGON_FIELD_BIT(LOGON_USER) | LOGON_FIELD_BIT(LOGON_CLIENT_IP) | LOGON_FIELD_BIT(LOGON_RHOST) |     \
         LOGON_FIELD_BIT(LOGON_SERVICE) | LOGON_FIELD_BIT(LOGON_HOSTNAME) | LOGON_FIELD_BIT(LOGON_CHANNEL) | \
         LOGON_FIELD_BIT(LOGON_SSO))

/* One alert's entry, copied out of the journal's mappings. */
struct entry_copy {
        struct logon_record record;
        char boot_id[SD_ID128_STRING_MAX];
        uint64_t realtime_usec, monotonic_usec;
        uint64_t counted_usec;          /* the time it counted at (SPEC §5: a clock far ahead) */
        uint64_t clock_ahead_usec;      /* 0: the host's clock is not ahead */
        enum event_kind kind;           /* logged or blocked */
};

static void entry_copy_free(struct entry_copy *e) {
        logon_record_clear(&e->record);
}

/* The value of field f ("" when absent), for ownlog_add(). */
static const char *value_of(const struct entry_copy *c, enum logon_field f, size_t *ret_len) {
        *ret_len = c->record.field[f].len;
        return logon_str(&c->record, f);
}

static struct field_value field_of(const struct entry_copy *c, enum logon_field f) {
        return (struct field_value) { c->record.field[f].data, c->record.field[f].len };
}

/* Reads the entry the follower stands on: its times and the alert's fields.
 * Free with entry_copy_free(), also after a failure. */
static int read_entry(struct alertd *d, struct entry_copy *e) {
        sd_journal *j = d->follower.journal;
        sd_id128_t boot;
        int r;

        *e = (struct entry_copy) {};
        r = sd_journal_get_realtime_usec(j, &e->realtime_usec);
        if (r < 0)
                return r;
        if (sd_journal_get_monotonic_usec(j, &e->monotonic_usec, &boot) >= 0)
                sd_id128_to_string(boot, e->boot_id);
        else
                strcpy(e->boot_id, "0");
        r = follower_read_record(&d->follower, ALERT_FIELDS, &e->record);
        if (r < 0)
                return r;       /* the caller frees what was copied */
        e->kind = e->record.event == EVENT_BLOCKED ? EVENT_BLOCKED : EVENT_LOGGED;
        return 0;
}

static struct alert_entry alert_entry_of(const struct entry_copy *c) {
        const char *channel = c->record.field[LOGON_CHANNEL].data;
        return (struct alert_entry) {
                .user = field_of(c, LOGON_USER),
                .client_ip = field_of(c, LOGON_CLIENT_IP),
                .rhost = field_of(c, LOGON_RHOST),
                .service = field_of(c, LOGON_SERVICE),
                .hostname = field_of(c, LOGON_HOSTNAME),
                .boot_id = { c->boot_id, strlen(c->boot_id) },
                .channel = channel ? channel_from_string(channel) : CHANNEL_INVALID,
                .sso = strcmp(logon_str(&c->record, LOGON_SSO), "yes") == 0 && c->record.field[LOGON_SSO].len == 3,
                .action = c->kind == EVENT_BLOCKED ? ACTION_BLOCK_AND_LOG : ACTION_ALLOW_AND_LOG,
                .realtime_usec = c->realtime_usec,
                .monotonic_usec = c->monotonic_usec,
        };
}

static void format_utc(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        if (gmtime_r(&t, &tm))
                strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
        else
                snprintf(buf, size, "?");
}

/* A field of the access in alertd's own entry (LOGONACL_HOSTNAME there: _HOSTNAME is journald's). */
static void add_entry_field(struct ownlog *l, const char *name, const struct entry_copy *c, enum logon_field f) {
        size_t len;
        const char *v = value_of(c, f, &len);
        ownlog_add(l, name, v, len);
}

/* Fields every alert entry of ours carries: which access, which window. */
static void add_alert_fields(struct alertd *d, struct ownlog *l, const struct entry_copy *c, const char *message_id) {
        char when[32];
        (void) alertd_sync_cursor(d);
        if (message_id)
                ownlog_addf(l, "LOGONACL_ALERT_MESSAGE_ID", "%s", message_id);
        ownlog_addf(l, "LOGONACL_ENTRY_CURSOR", "%s", d->state.cursor);
        ownlog_addf(l, "LOGONACL_ENTRY_REALTIME", "%" PRIu64, c->realtime_usec);
        add_entry_field(l, "LOGONACL_USER", c, LOGON_USER);
        add_entry_field(l, "LOGONACL_CLIENT_IP", c, LOGON_CLIENT_IP);
        add_entry_field(l, "LOGONACL_HOSTNAME", c, LOGON_HOSTNAME);
        ownlog_addf(l, "LOGONACL_WINDOW_START", "%" PRIu64, d->state.window.start_usec);
        format_utc(d->state.window.start_usec, when, sizeof(when));
        ownlog_addf(l, "LOGONACL_WINDOW_START_UTC", "%s", when);
        ownlog_addf(l, "LOGONACL_WINDOW_COUNT", "%u", d->state.window.sent);
        ownlog_addf(l, "LOGONACL_WINDOW_SUPPRESSED", "%" PRIu64, d->state.window.suppressed);
        ownlog_addf(l, "LOGONACL_THRESHOLD", "%u", d->config.alert.threshold);
}

int alertd_save(struct alertd *d) {
        char reason[REASON_MAX];
        int r = alertd_sync_cursor(d);
        if (r < 0)
                fprintf(stderr, "logonacl-alertd: cannot read the journal cursor: %s\n", strerror(-r));
        /* Each boot's position goes with the window (SPEC §5: every entry considered once). */
        _cleanup_free_ const char **sources = NULL;
        size_t n_sources = 0;
        r = follower_positions(&d->follower, &sources, &n_sources);
        if (r < 0)
                return r;
        struct alertd_state s = d->state;
        s.sources = (char **) sources;
        s.n_sources = n_sources;
        r = state_save(d->state_path, &s, reason);
        if (r < 0) {
                struct ownlog l;
                ownlog_begin(&l, 3, NULL, "state-save-failed");
                ownlog_send(&l, true, "cannot save the state: %s", reason);
                return r;
        }
        d->dirty = false;
        d->last_save_usec = now_monotonic_usec();
        return 0;
}

static void save_if_due(struct alertd *d) {
        if (d->dirty && now_monotonic_usec() - d->last_save_usec >= SAVE_INTERVAL_USEC)
                (void) alertd_save(d);
}

/* One alert on its way: what the delivery hooks need to say what they wait for. */
struct alert_job {
        struct alertd *d;
        const struct entry_copy *c;
        char *message_id;               /* made by job_send: most accesses of a replay are not sent */
};

static void alert_job_done(struct alert_job *j) {
        free(j->message_id);
        j->message_id = NULL;
}

static bool job_wait(void *userdata, uint64_t usec) {
        struct alert_job *j = userdata;
        return j->d->wait(j->d, usec);
}

static void job_alive(void *userdata) {
        struct alert_job *j = userdata;
        watchdog_feed(&j->d->watchdog);
}

static void job_retrying(void *userdata, unsigned attempt, uint64_t backoff, const struct smtp_result *res) {
        struct alert_job *j = userdata;
        struct alertd *d = j->d;
        d->last_status[0] = '\0';
        sd_notifyf(0, "STATUS=waiting to retry alert %s in %" PRIu64 " s (attempt %u: %s)", j->message_id,
                   backoff / 1000000, attempt, res->error);
        if (attempt > 3 && backoff != BACKOFF_MAX_USEC && !d->verbose)
                return;
        struct ownlog l;
        ownlog_begin(&l, 4, NULL, "alert-retry");
        add_alert_fields(d, &l, j->c, j->message_id);
        ownlog_addf(&l, "LOGONACL_SMTP_CODE", "%ld", res->reply_code);
        ownlog_addf(&l, "LOGONACL_SMTP_ERROR", "%s", res->error);
        ownlog_addf(&l, "LOGONACL_RETRY_IN_USEC", "%" PRIu64, backoff);
        ownlog_send(&l, d->verbose, "alert %s not delivered yet (SMTP %ld: %s); retry %u in %" PRIu64 " s",
                    j->message_id, res->reply_code, res->error, attempt, backoff / 1000000);
}

static void log_refused_recipients(struct alertd *d, const struct entry_copy *c, const char *message_id,
                                   const char *refused) {
        struct ownlog l;
        ownlog_begin(&l, 4, NULL, "recipient-refused");
        add_alert_fields(d, &l, c, message_id);
        ownlog_addf(&l, "LOGONACL_REFUSED_RECIPIENTS", "%s", refused);
        ownlog_send(&l, true, "alert %s: the SMTP server refused %s; the other recipients got it", message_id,
                    refused);
}

static void log_delivery(struct alertd *d, const struct entry_copy *c, const char *message_id, enum delivery outcome,
                         const struct smtp_result *res) {
        struct ownlog l;
        char when[32];
        format_utc(d->state.window.start_usec, when, sizeof(when));
        switch (outcome) {
        case DELIVERY_DONE:
                d->state.journal_dropped = 0;
                d->alerts_sent++;
                ownlog_begin(&l, 5, MESSAGE_ID_ALERT_SENT, "alert-sent");
                add_alert_fields(d, &l, c, message_id);
                ownlog_send(&l, d->verbose, "alert %s sent (%u of %u in the window that opened %s)", message_id,
                            d->state.window.sent, d->config.alert.threshold, when);
                if (res->refused[0])
                        log_refused_recipients(d, c, message_id, res->refused);
                return;
        case DELIVERY_FAILED:
                d->alerts_failed++;
                ownlog_begin(&l, 3, MESSAGE_ID_ALERT_FAILED, "alert-failed");
                add_alert_fields(d, &l, c, message_id);
                ownlog_addf(&l, "LOGONACL_SMTP_CODE", "%ld", res->reply_code);
                ownlog_addf(&l, "LOGONACL_SMTP_ERROR", "%s", res->error);
                if (res->outcome == SMTP_CONFIG) {
                        d->config_failures++;   /* retrying cannot help: --once exits 1 */
                        ownlog_send(&l, true, "alert %s failed: %s; its slot is used", message_id, res->error);
                } else
                        ownlog_send(&l, true, "alert %s failed: the SMTP server refused it (%ld: %s); its slot is used",
                                    message_id, res->reply_code, res->error);
                return;
        case DELIVERY_GAVE_UP:
                d->gave_up++;
                ownlog_begin(&l, 3, NULL, "alert-gave-up");
                add_alert_fields(d, &l, c, message_id);
                ownlog_addf(&l, "LOGONACL_SMTP_ERROR", "%s", res->error);
                ownlog_send(&l, true, "alert %s not delivered after %u attempts (%s): it stays pending for the next run",
                            message_id, ONCE_ATTEMPTS, res->error);
                return;
        case DELIVERY_INTERRUPTED:
                return;         /* stays pending; resent at the next start */
        }
}

/* Composes and delivers the alert of job->c (its slot is taken and saved as pending). */
static enum delivery job_send(void *userdata) {
        struct alert_job *j = userdata;
        struct alertd *d = j->d;
        struct alert_entry e = alert_entry_of(j->c);
        if (!j->message_id && !(j->message_id = mail_message_id(&e)))
                return DELIVERY_INTERRUPTED;    /* out of memory: stays pending */
        struct mail_params p = {
                .from = d->from,
                .to = &d->config.alert.email,
                .timezone_name = d->tz.name,
                .utc_offset = tz_offset(&d->tz, (int64_t) (j->c->realtime_usec / 1000000)),
                .journal_dropped = d->state.journal_dropped,
                .clock_ahead_usec = j->c->clock_ahead_usec,
        };
        _cleanup_free_ char *message = NULL;
        size_t len;
        if (mail_compose(&e, &p, &message, &len) < 0)
                return DELIVERY_INTERRUPTED;    /* out of memory: stays pending */

        if (d->print) {
                /* Not a delivery: no "alert sent" entry (SPEC §5 --print). */
                if (mbox_write(stdout, d->from, j->c->realtime_usec, message, len) < 0)
                        return DELIVERY_INTERRUPTED;
                d->state.journal_dropped = 0;
                return DELIVERY_DONE;
        }
        const struct delivery_request dl = {
                .config = &d->config.alert,
                .from = d->from,
                .message = message,
                .len = len,
                .timeout_ms = d->smtp_timeout_ms,
                .max_attempts = d->once ? ONCE_ATTEMPTS : 0,
        };
        const struct delivery_hooks hooks = {
                .wait = job_wait,
                .retrying = job_retrying,
                .alive = job_alive,
                .userdata = j,
        };
        struct smtp_result res;
        d->last_status[0] = '\0';
        sd_notifyf(0, "STATUS=sending alert %s", j->message_id);
        enum delivery outcome = deliver(&dl, &hooks, &res);
        log_delivery(d, j->c, j->message_id, outcome, &res);
        return outcome;
}

static int job_save(void *userdata) {
        struct alert_job *j = userdata;
        return alertd_save(j->d);
}

static void log_not_sent(struct alertd *d, const struct entry_copy *c) {
        uint64_t missed;
        if (!ratelimit_below(&d->not_sent_log, now_monotonic_usec(), &missed))
                return;
        struct ownlog l;
        _cleanup_free_ char *message_id = NULL;
        struct alert_entry e = alert_entry_of(c);
        message_id = mail_message_id(&e);
        ownlog_begin(&l, 5, MESSAGE_ID_ALERT_NOT_SENT, "alert-not-sent");
        add_alert_fields(d, &l, c, message_id);
        ownlog_addf(&l, "LOGONACL_UNLOGGED", "%" PRIu64, missed);
        char when[32];
        format_utc(d->state.window.start_usec, when, sizeof(when));
        ownlog_send(&l, d->verbose,
                    "alert not sent: over the threshold of %u in the window that opened %s (%" PRIu64
                    " over it so far%s)",
                    d->config.alert.threshold, when, d->state.window.suppressed,
                    missed ? "; some not logged one by one" : "");
}

/* A journal value made safe for a MESSAGE and stderr: no line breaks, no control bytes, cut at size. */
static void escape_into(const struct logon_value *v, char *out, size_t size) {
        escape_to_buffer(out, size, v->data ?: "", v->data ? v->len : 0, "\\");
}

static void warn_clock_ahead(struct alertd *d, const struct entry_copy *c) {
        uint64_t missed;
        if (!ratelimit_below(&d->clock_log, now_monotonic_usec(), &missed))
                return;
        char entry_time[32], counted[32], host[256];
        escape_into(&c->record.field[LOGON_HOSTNAME], host, sizeof(host));
        format_utc(c->realtime_usec, entry_time, sizeof(entry_time));
        format_utc(c->counted_usec, counted, sizeof(counted));
        struct ownlog l;
        (void) alertd_sync_cursor(d);
        ownlog_begin(&l, 4, NULL, "clock-ahead");
        ownlog_addf(&l, "LOGONACL_ENTRY_CURSOR", "%s", d->state.cursor);
        add_entry_field(&l, "LOGONACL_HOSTNAME", c, LOGON_HOSTNAME);
        ownlog_addf(&l, "LOGONACL_CLOCK_AHEAD_SEC", "%" PRIu64, c->clock_ahead_usec / 1000000);
        ownlog_addf(&l, "LOGONACL_ENTRY_REALTIME", "%" PRIu64, c->realtime_usec);
        ownlog_addf(&l, "LOGONACL_COUNTED_REALTIME", "%" PRIu64, c->counted_usec);
        ownlog_addf(&l, "LOGONACL_UNLOGGED", "%" PRIu64, missed);
        ownlog_send(&l, d->verbose,
                    "the clock of host %s is %" PRIu64 " s ahead of this one: its access dated %s counts as at %s",
                    host, c->clock_ahead_usec / 1000000, entry_time, counted);
}

/* The writer of an entry that does not count: its first _UID, digits only
 * ('?' for any other byte), "none" without one; "2 _UIDs" when it has more. */
static void warn_untrusted(struct alertd *d, const struct logon_record *identity) {
        uint64_t missed;
        d->entries_untrusted++;
        if (!ratelimit_below(&d->untrusted_log, now_monotonic_usec(), &missed))
                return;
        struct ownlog l;
        char shown[32] = "none";
        if (identity->n_uid > 1)
                snprintf(shown, sizeof(shown), "%u _UIDs", identity->n_uid);
        else if (identity->n_uid == 1 && identity->uid_len > 0 && identity->uid_len < sizeof(identity->uid)) {
                for (size_t i = 0; i < identity->uid_len; i++)
                        shown[i] = identity->uid[i] >= '0' && identity->uid[i] <= '9' ? identity->uid[i] : '?';
                shown[identity->uid_len] = '\0';
        }
        (void) alertd_sync_cursor(d);
        ownlog_begin(&l, 4, NULL, "untrusted-entry");
        ownlog_addf(&l, "LOGONACL_ENTRY_CURSOR", "%s", d->state.cursor);
        ownlog_addf(&l, "LOGONACL_UNTRUSTED_UID", "%s", shown);
        ownlog_addf(&l, "LOGONACL_UNLOGGED", "%" PRIu64, missed);
        ownlog_send(&l, d->verbose,
                    "skipped a logonacl entry written by uid %s, which is not in trusted_users: it counts for nothing"
                    "%s",
                    shown, missed ? " (more such entries were skipped without a warning each)" : "");
}

/* journald's "Suppressed N messages" notice: counts when the process it was
 * about belongs to a trusted user (one that may write logonacl entries), or
 * when the notice does not say whose it was. */
static void handle_dropped(struct alertd *d) {
        const char *v;
        size_t len;
        if (follower_field(&d->follower, "_TRANSPORT", &v, &len) <= 0 || len != 6 || memcmp(v, "driver", 6) != 0)
                return;
        if (follower_field(&d->follower, "OBJECT_UID", &v, &len) > 0 &&
            !logon_uid_trusted(v, len, d->trusted_uids, d->n_trusted_uids))
                return;
        uint64_t n = 1;
        if (follower_field(&d->follower, "N_DROPPED", &v, &len) > 0 && len > 0 && len < 12) {
                char buf[12];
                memcpy(buf, v, len);
                buf[len] = '\0';
                char *end;
                unsigned long long x = strtoull(buf, &end, 10);
                if (*end == '\0' && x > 0)
                        n = x;
        }
        const char *unit = NULL;
        size_t unit_len = 0;
        if (follower_field(&d->follower, "OBJECT_SYSTEMD_UNIT", &v, &len) > 0) {
                unit = v;
                unit_len = len;
        }
        d->state.journal_dropped += n;
        d->dirty = true;

        struct ownlog l;
        (void) alertd_sync_cursor(d);
        ownlog_begin(&l, 4, NULL, "journal-dropped");
        ownlog_addf(&l, "LOGONACL_ENTRY_CURSOR", "%s", d->state.cursor);
        ownlog_addf(&l, "LOGONACL_JOURNAL_DROPPED", "%" PRIu64, n);
        if (unit)
                ownlog_add(&l, "LOGONACL_DROPPED_UNIT", unit, unit_len);
        ownlog_send(&l, d->verbose,
                    "journald dropped %" PRIu64 " messages of a process that may write logonacl entries: "
                    "unapproved accesses may have gone unseen (the next alert says so)", n);
}

int alertd_remember_position(struct alertd *d) {
        /* The cursor text is made only when it is needed (a save, an entry of
         * ours): the follower stays on this entry until the next one is read. */
        d->cursor_stale = true;
        d->dirty = true;
        return sd_journal_get_realtime_usec(d->follower.journal, &d->state.realtime_usec);
}

int alertd_sync_cursor(struct alertd *d) {
        if (!d->cursor_stale)
                return 0;
        const char *cursor;
        int r = follower_last_cursor(&d->follower, &cursor);
        if (r < 0)
                return r;
        if (!cursor)
                return 0;
        if (strlen(cursor) > STATE_CURSOR_MAX)
                return -E2BIG;
        strcpy(d->state.cursor, cursor);
        d->cursor_stale = false;
        return 0;
}

int alertd_process_entry(struct alertd *d) {
        int r;

        r = alertd_remember_position(d);
        if (r < 0)
                return r;
        /* MESSAGE_ID and _UID only: an untrusted entry's fields are never copied. */
        _cleanup_(logon_record_clear) struct logon_record identity = {};
        r = follower_read_record(&d->follower, 0, &identity);
        if (r < 0)
                return r;
        if (strcmp(identity.message_id, MESSAGE_ID_JOURNAL_SUPPRESSED) == 0) {
                handle_dropped(d);
                save_if_due(d);
                return 0;
        }
        if (identity.event != EVENT_LOGGED && identity.event != EVENT_BLOCKED)
                return 0;
        if (!logon_record_trusted(&identity, d->trusted_uids, d->n_trusted_uids)) {
                warn_untrusted(d, &identity);
                save_if_due(d);
                return 0;
        }
        if (d->config.alert.email.n == 0 && !d->print) {
                save_if_due(d);         /* no alert mail configured */
                return 0;
        }

        _cleanup_(entry_copy_free) struct entry_copy c = {};
        r = read_entry(d, &c);
        if (r < 0)
                return r;
        c.counted_usec = cap_counted_time(c.realtime_usec, now_realtime_usec(), d->state.last_counted_usec,
                                          &c.clock_ahead_usec);
        d->state.last_counted_usec = c.counted_usec;
        if (c.clock_ahead_usec)
                warn_clock_ahead(d, &c);
        _cleanup_(alert_job_done) struct alert_job job = { d, &c, NULL };
        const struct step_ops ops = { job_save, job_send, &job };
        enum step_outcome outcome;
        r = step_counted_access(&d->state, c.counted_usec, d->config.alert.threshold, &ops, &outcome);
        if (r >= 0 && outcome == STEP_SUPPRESSED) {
                d->alerts_suppressed++;
                log_not_sent(d, &c);
                save_if_due(d);
        }
        return r;
}

int alertd_resend_pending(struct alertd *d) {
        _cleanup_(entry_copy_free) struct entry_copy c = {};
        int r = read_entry(d, &c);
        if (r < 0)
                return r;
        if (d->verbose)
                fprintf(stderr, "logonacl-alertd: resending the pending alert of %s\n", d->state.cursor);
        _cleanup_(alert_job_done) struct alert_job job = { d, &c, NULL };
        const struct step_ops ops = { job_save, job_send, &job };
        enum step_outcome outcome;
        return step_resend_pending(&d->state, &ops, &outcome);
}
