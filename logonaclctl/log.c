/* SPDX-License-Identifier: MIT */
/* logonaclctl log: the audit trail (the module's journal entries, and with
 * --changes logonaclctl's change entries) as a table, or one JSON object a
 * line, with journalctl's habits: the last N entries (-n; 100 when no time
 * range is given, 10 with -f), --follow, and a pager on a terminal.  User names
 * and rhosts are attacker-chosen: the table escapes them for the terminal, the
 * JSON is pure ASCII. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "escape.h"
#include "journal_query.h"
#include "pager.h"
#include "timestamp.h"

#define LINES_DEFAULT 100
#define LINES_DEFAULT_FOLLOW 10

struct column {
        const char *title;
        int width;              /* minimum; a longer value widens its row only */
        bool is_time;           /* the entry's time, else field */
        enum logon_field field;
        enum logon_field change_field;  /* for a change entry; _LOGON_FIELD_MAX: "-" */
};

static const struct column columns[] = {
        { "TIME",      19, true,  0,                _LOGON_FIELD_MAX },
        { "HOST",      12, false, LOGON_HOSTNAME,   LOGON_HOSTNAME },
        { "CHANNEL",    7, false, LOGON_CHANNEL,    _LOGON_FIELD_MAX },
        { "EVENT",     35, false, LOGON_EVENT,      LOGON_CHANGE },
        { "USER",      12, false, LOGON_USER,       LOGON_BY_USER },
        { "CLIENT IP", 15, false, LOGON_CLIENT_IP,  _LOGON_FIELD_MAX },
        { "SERVICE",    8, false, LOGON_SERVICE,    _LOGON_FIELD_MAX },
        { "RESULT",     0, false, LOGON_RESULT,     _LOGON_FIELD_MAX },
};

struct log_state {
        bool json, follow;
        size_t lines;                   /* show the last this many; 0: all */
        bool lines_by_default;          /* say so when entries were left out */
        const char *user;               /* --user: LOGONACL_USER (a change: LOGONACL_BY_USER) */
        const char *rhost;              /* --rhost: an address or block, or the raw PAM_RHOST */
        bool rhost_is_block;
        struct ip_block block;
        char **ring;                    /* the last `lines` rows, formatted */
        size_t n_seen;
        bool flushed, header_done;
};

static void log_state_done(struct log_state *st) {
        for (size_t i = 0; st->ring && i < st->lines; i++)
                free(st->ring[i]);
        free(st->ring);
        st->ring = NULL;
}

static void pad(FILE *f, size_t written, int width, bool last) {
        if (last)
                return;
        for (size_t i = written; i < (size_t) width; i++)
                fputc(' ', f);
        fputs("  ", f);
}

static void print_header(FILE *f) {
        for (size_t i = 0; i < ELEMENTSOF(columns); i++) {
                fputs(columns[i].title, f);
                pad(f, strlen(columns[i].title), columns[i].width, i + 1 == ELEMENTSOF(columns));
        }
        fputc('\n', f);
}

static size_t print_cell(FILE *f, const struct logon_record *r, const struct column *c) {
        if (c->is_time) {
                char time[TIMESTAMP_TEXT_MAX];
                timestamp_format_local(r->realtime_usec, time);
                return (size_t) fprintf(f, "%s", time);
        }
        if (r->change && c->field == LOGON_SERVICE)
                return (size_t) fprintf(f, "logonaclctl");
        enum logon_field field = r->change ? c->change_field : c->field;
        const struct logon_value *v = field < _LOGON_FIELD_MAX ? &r->field[field] : NULL;
        size_t w = 0;
        if (r->change && field == LOGON_CHANGE)
                w = (size_t) fprintf(f, "change: ");
        if (v && v->data && v->len > 0)
                return w + escape_terminal(f, v->data, v->len);
        if (field == LOGON_EVENT && r->event == EVENT_CONFIG_ERROR)
                return (size_t) fprintf(f, "config-error");
        if (r->change && field == LOGON_BY_USER && r->field[LOGON_BY_UID].data)
                return (size_t) fprintf(f, "uid %s", r->field[LOGON_BY_UID].data);
        return w + (size_t) fprintf(f, "-");
}

static void print_row(FILE *f, const struct logon_record *r) {
        for (size_t i = 0; i < ELEMENTSOF(columns); i++)
                pad(f, print_cell(f, r, &columns[i]), columns[i].width, i + 1 == ELEMENTSOF(columns));
        fputc('\n', f);
}

static const struct {
        const char *key;
        enum logon_field field;
} json_keys[] = {
        { "host",      LOGON_HOSTNAME },
        { "event",     LOGON_EVENT },
        { "activity",  LOGON_ACTIVITY },
        { "channel",   LOGON_CHANNEL },
        { "action",    LOGON_ACTION },
        { "result",    LOGON_RESULT },
        { "approved",  LOGON_APPROVED },
        { "matched",   LOGON_MATCHED },
        { "matched_source", LOGON_MATCHED_SOURCE },
        { "user",      LOGON_USER },
        { "rhost",     LOGON_RHOST },
        { "client_ip", LOGON_CLIENT_IP },
        { "service",   LOGON_SERVICE },
        { "stage",     LOGON_STAGE },
        { "inline",    LOGON_INLINE },
        { "sso",       LOGON_SSO },
        { "error",     LOGON_ERROR },
        { "on_error",  LOGON_ON_ERROR },
};

static const struct {
        const char *key;
        enum logon_field field;
} json_change_keys[] = {
        { "host",    LOGON_HOSTNAME },
        { "change",  LOGON_CHANGE },
        { "file",    LOGON_FILE },
        { "by_uid",  LOGON_BY_UID },
        { "by_user", LOGON_BY_USER },
};

/* The kind of entry, from its MESSAGE_ID: the event names of SPEC §4. */
static const char *event_kind_name(enum event_kind e) {
        switch (e) {
        case EVENT_ALLOWED:      return "allowed";
        case EVENT_LOGGED:       return "logged";
        case EVENT_BLOCKED:      return "blocked";
        case EVENT_CONFIG_ERROR: return "config-error";
        default:                 return "";
        }
}

static void json_field(FILE *f, const char *key, const struct logon_value *v) {
        fprintf(f, ",\"%s\":", key);
        if (v->data)
                json_write_value(f, v->data, v->len);
        else
                fputs("null", f);
}

static void print_json(FILE *f, const struct logon_record *r) {
        char time[TIMESTAMP_TEXT_MAX];

        timestamp_format_iso_utc(r->realtime_usec, time);
        fprintf(f, "{\"time\":\"%s\",\"realtime_usec\":%llu,\"message_id\":\"%s\",\"kind\":\"%s\"", time,
                (unsigned long long) r->realtime_usec, r->change ? CHANGE_RECORD_MESSAGE_ID : event_message_id(r->event),
                r->change ? "change" : event_kind_name(r->event));
        if (r->change)
                for (size_t i = 0; i < ELEMENTSOF(json_change_keys); i++)
                        json_field(f, json_change_keys[i].key, &r->field[json_change_keys[i].field]);
        else
                for (size_t i = 0; i < ELEMENTSOF(json_keys); i++)
                        json_field(f, json_keys[i].key, &r->field[json_keys[i].field]);
        fputs("}\n", f);
}

static bool value_is(const struct logon_value *v, const char *s) {
        return v->data && v->len == strlen(s) && memcmp(v->data, s, v->len) == 0;
}

static bool wanted(const struct log_state *st, const struct logon_record *r) {
        if (st->user && !value_is(&r->field[r->change ? LOGON_BY_USER : LOGON_USER], st->user))
                return false;
        if (!st->rhost)
                return true;
        if (r->change)
                return false;
        if (!st->rhost_is_block)
                return value_is(&r->field[LOGON_RHOST], st->rhost);
        const struct logon_value *ip = &r->field[LOGON_CLIENT_IP];
        addr128 a;
        int family;
        return ip->data && addr_parse(ip->data, ip->len, &a, &family) >= 0 && family == st->block.family &&
               addr128_cmp(a, st->block.first) >= 0 && addr128_cmp(a, st->block.last) <= 0;
}

static void print_entry(struct log_state *st, FILE *f, const struct logon_record *r) {
        if (st->json)
                print_json(f, r);
        else
                print_row(f, r);
}

static int on_entry(const struct logon_record *r, void *userdata) {
        struct log_state *st = userdata;

        if (!wanted(st, r))
                return 0;
        if (st->lines == 0 || st->flushed) {
                if (!st->json && !st->header_done)
                        print_header(stdout);
                st->header_done = true;
                print_entry(st, stdout, r);
                if (st->follow)
                        fflush(stdout);
                /* The reader is gone (a pager quit): stop reading. */
                return ferror(stdout) ? -ECANCELED : 0;
        }

        char *row = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&row, &size);
        if (!f)
                return -ENOMEM;
        print_entry(st, f, r);
        if (fclose(f) != 0) {
                free(row);
                return -ENOMEM;
        }
        size_t slot = st->n_seen++ % st->lines;
        free(st->ring[slot]);
        st->ring[slot] = row;
        return 0;
}

/* Everything there was is read: print the rows kept (and the header). */
static void on_caught_up(void *userdata) {
        struct log_state *st = userdata;

        if (!st->json && !st->header_done)
                print_header(stdout);
        st->header_done = true;
        if (st->flushed || st->lines == 0)
                return;
        size_t kept = st->n_seen < st->lines ? st->n_seen : st->lines;
        for (size_t i = st->n_seen - kept; i < st->n_seen; i++)
                fputs(st->ring[i % st->lines], stdout);
        if (st->lines_by_default && st->n_seen > st->lines)
                fprintf(stderr, "logonaclctl: the last %zu of %zu entries (-n all, -n N or --since for more)\n",
                        st->lines, st->n_seen);
        fflush(stdout);
        st->flushed = true;
}

static int parse_lines(const char *value, size_t *ret) {
        char *end;

        if (strcmp(value, "all") == 0) {
                *ret = 0;
                return 0;
        }
        if (*value < '0' || *value > '9')
                return -EINVAL;
        errno = 0;
        unsigned long long n = strtoull(value, &end, 10);
        if (errno || *end || n == 0 || n > 10000000)
                return -EINVAL;
        *ret = (size_t) n;
        return 0;
}

/* -1 to go on, or the exit code. */
static int parse_options(int argc, char **argv, struct journal_query *q, struct log_state *st, bool *no_pager) {
        static const struct option options[] = {
                { "activity", required_argument, NULL, 'a' },
                { "json",     no_argument,       NULL, 'j' },
                { "channel",  required_argument, NULL, 'c' },
                { "user",     required_argument, NULL, 'u' },
                { "rhost",    required_argument, NULL, 'r' },
                { "lines",    required_argument, NULL, 'n' },
                { "follow",   no_argument,       NULL, 'f' },
                { "no-pager", no_argument,       NULL, 'P' },
                { "changes",  no_argument,       NULL, 'C' },
                { "help",     no_argument,       NULL, 'h' },
                JOURNAL_QUERY_OPTIONS,
                {}
        };
        bool handled, lines_given = false;
        int opt, r;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:hn:f", options, NULL)) >= 0) {
                r = journal_query_option(q, argv[0], opt, optarg, &handled);
                if (r >= 0)
                        return r;
                if (handled)
                        continue;
                switch (opt) {
                case 'a':
                        if (strcmp(optarg, "allowed") == 0)
                                q->events = EVENT_BIT(EVENT_ALLOWED);
                        else if (strcmp(optarg, "blocked-and-logged") == 0)
                                q->events = EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED);
                        else
                                return ctl_usage_error(argv[0], "--activity must be allowed or blocked-and-logged");
                        break;
                case 'j':
                        st->json = true;
                        break;
                case 'u':
                        st->user = optarg;
                        break;
                case 'r': {
                        char reason[REASON_MAX];
                        st->rhost = optarg;
                        st->rhost_is_block = ip_block_parse(optarg, strlen(optarg), &st->block, reason) >= 0;
                        break;
                }
                case 'n':
                        if (parse_lines(optarg, &st->lines) < 0)
                                return ctl_usage_error(argv[0], "--lines must be a number above 0 or \"all\"");
                        lines_given = true;
                        break;
                case 'f':
                        st->follow = q->follow = true;
                        break;
                case 'P':
                        *no_pager = true;
                        break;
                case 'C':
                        q->changes = true;
                        break;
                case 'h':
                        return ctl_command_help(argv[0]);
                default:
                        return ctl_option_error(argv[0], opt, argv);
                }
        }
        if (optind < argc)
                return ctl_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
        /* journalctl's habit: -f starts with the last 10; with no time range,
         * the newest 100 rather than a whole year of logons. */
        if (!lines_given && (st->follow || (q->since_usec == 0 && q->until_usec == 0))) {
                st->lines = st->follow ? LINES_DEFAULT_FOLLOW : LINES_DEFAULT;
                st->lines_by_default = !st->follow;
        }
        return -1;
}

int ctl_log(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        struct journal_query q = {
                .events = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED) |
                          EVENT_BIT(EVENT_CONFIG_ERROR),
                .channel = CHANNEL_INVALID,
                .caught_up = on_caught_up,
        };
        _cleanup_(log_state_done) struct log_state st = {};
        struct journal_stats stats;
        bool no_pager = false;
        int r = parse_options(argc, argv, &q, &st, &no_pager);

        if (r >= 0)
                return r;
        if (ctl_load_config(ctl, &config) < 0)
                return EXIT_INVALID;
        q.config = &config;
        if (st.lines > 0 && !(st.ring = calloc(st.lines, sizeof *st.ring))) {
                fprintf(stderr, "logonaclctl: %s\n", strerror(ENOMEM));
                return EXIT_INVALID;
        }

        pid_t pager = no_pager || st.follow ? 0 : pager_open();
        r = journal_query_run(&q, on_entry, &st, &stats);
        journal_stats_print(&stats);
        pager_close(pager);
        return r < 0 ? EXIT_INVALID : EXIT_OK;
}
