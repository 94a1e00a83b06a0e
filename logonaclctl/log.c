/* SPDX-License-Identifier: MIT */
/* logonaclctl log: the audit trail (the module's journal entries, and with
 * --changes logonaclctl's change entries) as a table, or one JSON object a
 * line, with journalctl's habits: the last N entries (-n; 100 when no time
 * range is given, 10 with -f), --follow, and a pager on a terminal.  User names
 * and rhosts are attacker-chosen: the table escapes them for the terminal, the
 * JSON is pure ASCII.
 *
 * The table lines up as ss or systemctl list-units do: the rows are kept until
 * everything there is has been read (the first ROWS_FOR_WIDTHS, or KEPT_BYTES_MAX
 * of text, when every entry is wanted), and each column is as wide as its widest value among those rows,
 * within the bounds below.  A value wider than its
 * column's maximum (a hostile 10,000-byte user name must not pad every row
 * with 10,000 blanks), or with --follow one that arrives after the widths were
 * set, widens its own row only.  No value is ever cut. */

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
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
/* With every entry wanted (-n all, a time range) the widths come from the first
 * rows this many and the rest stream with them: memory stays bounded however
 * long the range (a year of a busy host's logons). */
#define ROWS_FOR_WIDTHS 1000
#define KEPT_BYTES_MAX (4 * 1024 * 1024)       /* or fewer rows, when their values are long */
#define N_COLUMNS 8

struct column {
        const char *title;
        size_t min, max;        /* the column's width lies between */
        bool is_time;           /* the entry's time, else field */
        enum logon_field field;
        enum logon_field change_field;  /* for a change entry; _LOGON_FIELD_MAX: "-" */
};

/* Minimums: the common values (a longest event text, an IPv4 address), so that
 * everyday tables look the same from one run to the next.  Maximums: the
 * longest legitimate value (a host name of HOST_NAME_MAX, an RFC 5321 local
 * part or longer e-mail login, a full IPv6 address). */
static const struct column columns[] = {
        { "TIME",      19, 19, true,  0,                _LOGON_FIELD_MAX },
        { "HOST",      12, 64, false, LOGON_HOSTNAME,   LOGON_HOSTNAME },
        { "CHANNEL",    7, 16, false, LOGON_CHANNEL,    _LOGON_FIELD_MAX },
        { "EVENT",     35, 64, false, LOGON_EVENT,      LOGON_CHANGE },
        { "USER",      12, 64, false, LOGON_USER,       LOGON_BY_USER },
        { "CLIENT IP", 15, 39, false, LOGON_CLIENT_IP,  _LOGON_FIELD_MAX },
        { "SERVICE",    8, 32, false, LOGON_SERVICE,    _LOGON_FIELD_MAX },
        { "RESULT",     0,  0, false, LOGON_RESULT,     _LOGON_FIELD_MAX },     /* last: never padded */
};
_Static_assert(ELEMENTSOF(columns) == N_COLUMNS, "N_COLUMNS");

/* One entry, formatted and kept until the column widths are known. */
struct row {
        char *text;                     /* --json: the line; else the cells, each ending in NUL */
        size_t size;                    /* of text */
        uint32_t width[N_COLUMNS];      /* the terminal columns of each cell (saturated) */
};

struct log_state {
        bool json, follow;
        size_t lines;                   /* show the last this many; 0: all */
        bool lines_by_default;          /* say so when entries were left out */
        const char *user;               /* --user: LOGONACL_USER (a change: LOGONACL_BY_USER) */
        const char *rhost;              /* --rhost: an address or block, or the raw PAM_RHOST */
        bool rhost_is_block;
        struct ip_block block;
        struct row *rows;               /* kept rows: every one, or (lines > 0) a ring of the last `lines` */
        size_t n_rows_allocated;
        size_t kept_bytes;              /* the kept rows' text */
        size_t n_seen;
        size_t width[N_COLUMNS];        /* the table's column widths, set when the kept rows are printed */
        bool flushed;                   /* the kept rows are printed: print each new one as it comes */
};

static void log_state_done(struct log_state *st) {
        size_t n = st->lines > 0 && st->n_seen > st->lines ? st->lines : st->n_seen;

        for (size_t i = 0; st->rows && i < n; i++)
                free(st->rows[i].text);
        free(st->rows);
        st->rows = NULL;
}

static void pad(FILE *f, size_t written, size_t width, bool last) {
        if (last)
                return;
        for (size_t i = written; i < width; i++)
                fputc(' ', f);
        fputs("  ", f);
}

static void print_header(FILE *f, const size_t width[N_COLUMNS]) {
        for (size_t i = 0; i < N_COLUMNS; i++) {
                fputs(columns[i].title, f);
                pad(f, strlen(columns[i].title), width[i], i + 1 == N_COLUMNS);
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

/* A row with the table's widths; a cell wider than its column pushes the rest
 * of its own row along, and nothing else. */
static void print_row(FILE *f, const struct row *row, const size_t width[N_COLUMNS]) {
        const char *cell = row->text;

        for (size_t i = 0; i < N_COLUMNS; i++) {
                fputs(cell, f);
                pad(f, row->width[i], width[i], i + 1 == N_COLUMNS);
                cell += strlen(cell) + 1;
        }
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

/* An entry into row: the JSON line, or the table row's cells, each ending in
 * NUL, and their widths. */
static int format_row(const struct logon_record *r, bool json, struct row *row) {
        FILE *f = open_memstream(&row->text, &row->size);

        if (!f)
                return -ENOMEM;
        if (json)
                print_json(f, r);
        else
                for (size_t i = 0; i < N_COLUMNS; i++) {
                        size_t w = print_cell(f, r, &columns[i]);
                        row->width[i] = w < UINT32_MAX ? (uint32_t) w : UINT32_MAX;
                        fputc(0, f);
                }
        if (fclose(f) != 0) {
                free(row->text);
                row->text = NULL;
                return -ENOMEM;
        }
        return 0;
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

static void print_kept(const struct log_state *st, const struct row *row) {
        if (!row->text)                 /* its formatting ran out of memory */
                return;
        if (st->json)
                fputs(row->text, stdout);
        else
                print_row(stdout, row, st->width);
}

/* Where the row of the i-th entry seen is kept. */
static struct row *kept_row(const struct log_state *st, size_t i) {
        return &st->rows[st->lines > 0 ? i % st->lines : i];
}

/* A place for the next row: a new slot, or (the ring full) the oldest row's. */
static struct row *next_slot(struct log_state *st) {
        if (st->lines > 0 && st->n_seen >= st->lines) {
                struct row *row = kept_row(st, st->n_seen);
                free(row->text);
                *row = (struct row) {};
                return row;
        }
        if (st->n_seen == st->n_rows_allocated) {
                size_t n = st->n_rows_allocated ? st->n_rows_allocated * 2 : 64;
                if (st->lines > 0 && n > st->lines)
                        n = st->lines;
                struct row *rows = reallocarray(st->rows, n, sizeof *rows);
                if (!rows)
                        return NULL;
                st->rows = rows;
                st->n_rows_allocated = n;
        }
        st->rows[st->n_seen] = (struct row) {};
        return &st->rows[st->n_seen];
}

static void on_caught_up(void *userdata);

static int on_entry(const struct logon_record *r, void *userdata) {
        struct log_state *st = userdata;
        int k;

        if (!wanted(st, r))
                return 0;
        /* Printed as it comes: after the kept rows (-f), or JSON, which has no
         * widths to wait for, when every entry is wanted anyway. */
        if (st->flushed || (st->json && st->lines == 0)) {
                if (st->json)
                        print_json(stdout, r);
                else {
                        struct row row = {};
                        k = format_row(r, false, &row);
                        if (k < 0)
                                return k;
                        print_row(stdout, &row, st->width);
                        free(row.text);
                }
                if (st->follow)
                        fflush(stdout);
                /* The reader is gone (a pager quit): stop reading. */
                return ferror(stdout) ? -ECANCELED : 0;
        }

        struct row *row = next_slot(st);
        if (!row)
                return -ENOMEM;
        k = format_row(r, st->json, row);
        if (k < 0)
                return k;
        st->n_seen++;
        st->kept_bytes += row->size;
        if (st->lines == 0 && (st->n_seen == ROWS_FOR_WIDTHS || st->kept_bytes >= KEPT_BYTES_MAX))
                on_caught_up(st);
        return 0;
}

/* Everything there was is read (or reading failed): the widths from the rows
 * kept, then the header and those rows.  Once only. */
static void on_caught_up(void *userdata) {
        struct log_state *st = userdata;

        if (st->flushed)
                return;
        st->flushed = true;
        size_t kept = st->lines > 0 && st->n_seen > st->lines ? st->lines : st->n_seen;
        if (!st->json) {
                for (size_t c = 0; c < N_COLUMNS; c++) {
                        size_t title = strlen(columns[c].title);
                        st->width[c] = columns[c].min > title ? columns[c].min : title;
                }
                for (size_t i = st->n_seen - kept; i < st->n_seen; i++)
                        for (size_t c = 0; c < N_COLUMNS; c++) {
                                size_t w = kept_row(st, i)->width[c];
                                if (w > st->width[c] && w <= columns[c].max)
                                        st->width[c] = w;
                        }
                print_header(stdout, st->width);
        }
        for (size_t i = st->n_seen - kept; i < st->n_seen; i++)
                print_kept(st, kept_row(st, i));
        if (st->lines_by_default && st->n_seen > st->lines)
                fprintf(stderr, "logonaclctl: the last %zu of %zu entries (-n all, -n N or --since for more)\n",
                        st->lines, st->n_seen);
        fflush(stdout);
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
                default:
                        return ctl_option_common(argv, opt);
                }
        }
        if (optind < argc)
                return ctl_no_arguments(argc, argv);
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

        pid_t pager = no_pager || st.follow ? 0 : pager_open();
        r = journal_query_run(&q, on_entry, &st, &stats);
        /* Reading failed part-way: what was read is still shown (journalctl does too). */
        if (r < 0 && st.n_seen > 0)
                on_caught_up(&st);
        journal_stats_print(&stats);
        pager_close(pager);
        return r < 0 ? EXIT_INVALID : EXIT_OK;
}
