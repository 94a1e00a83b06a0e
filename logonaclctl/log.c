/* SPDX-License-Identifier: MIT */
/* logonaclctl log: the audit trail (the module's journal entries) as a table,
 * or one JSON object a line.  User names and rhosts are attacker-chosen: the
 * table escapes them for the terminal, the JSON is pure ASCII. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "escape.h"
#include "journal_query.h"
#include "timestamp.h"

struct column {
        const char *title;
        int width;              /* minimum; a longer value widens its row only */
        bool is_time;           /* the entry's time, else field */
        enum logon_field field;
};

static const struct column columns[] = {
        { "TIME",      19, true, 0 },
        { "HOST",      12, false, LOGON_HOSTNAME },
        { "CHANNEL",    7, false, LOGON_CHANNEL },
        { "EVENT",     35, false, LOGON_EVENT },
        { "USER",      12, false, LOGON_USER },
        { "CLIENT IP", 15, false, LOGON_CLIENT_IP },
        { "SERVICE",    8, false, LOGON_SERVICE },
        { "RESULT",     0, false, LOGON_RESULT },
};

static void pad(size_t written, int width, bool last) {
        if (last)
                return;
        for (size_t i = written; i < (size_t) width; i++)
                putchar(' ');
        fputs("  ", stdout);
}

static void print_header(void) {
        for (size_t i = 0; i < ELEMENTSOF(columns); i++) {
                fputs(columns[i].title, stdout);
                pad(strlen(columns[i].title), columns[i].width, i + 1 == ELEMENTSOF(columns));
        }
        putchar('\n');
}

static int print_row(const struct logon_record *r, void *userdata) {
        bool *header_done = userdata;

        if (!*header_done)
                print_header();
        *header_done = true;
        for (size_t i = 0; i < ELEMENTSOF(columns); i++) {
                size_t written;
                if (columns[i].is_time) {
                        char time[TIMESTAMP_TEXT_MAX];
                        timestamp_format_local(r->realtime_usec, time);
                        written = (size_t) printf("%s", time);
                } else {
                        const struct logon_value *v = &r->field[columns[i].field];
                        if (v->data && v->len > 0)
                                written = escape_terminal(stdout, v->data, v->len);
                        else if (columns[i].field == LOGON_EVENT && r->event == EVENT_CONFIG_ERROR)
                                written = (size_t) printf("config-error");
                        else
                                written = (size_t) printf("-");
                }
                pad(written, columns[i].width, i + 1 == ELEMENTSOF(columns));
        }
        putchar('\n');
        return 0;
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

static int print_json(const struct logon_record *r, void *userdata) {
        char time[TIMESTAMP_TEXT_MAX];

        timestamp_format_iso_utc(r->realtime_usec, time);
        printf("{\"time\":\"%s\",\"realtime_usec\":%llu,\"message_id\":\"%s\",\"kind\":\"%s\"", time,
               (unsigned long long) r->realtime_usec, event_message_id(r->event), event_kind_name(r->event));
        for (size_t i = 0; i < ELEMENTSOF(json_keys); i++) {
                const struct logon_value *v = &r->field[json_keys[i].field];
                printf(",\"%s\":", json_keys[i].key);
                if (v->data)
                        json_write_value(stdout, v->data, v->len);
                else
                        fputs("null", stdout);
        }
        fputs("}\n", stdout);
        return 0;
}

int ctl_log(const struct ctl *ctl, int argc, char **argv) {
        static const struct option options[] = {
                { "activity", required_argument, NULL, 'a' },
                { "json",     no_argument,       NULL, 'j' },
                { "help",     no_argument,       NULL, 'h' },
                JOURNAL_QUERY_OPTIONS,
                {}
        };
        _cleanup_(config_free) struct config config = {};
        struct journal_query q = {
                .events = EVENT_BIT(EVENT_ALLOWED) | EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED) |
                          EVENT_BIT(EVENT_CONFIG_ERROR),
                .channel = CHANNEL_INVALID,
        };
        struct journal_stats stats;
        bool json = false, handled;
        int opt, r;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                r = journal_query_option(&q, argv[0], opt, optarg, &handled);
                if (r >= 0)
                        return r;
                if (handled)
                        continue;
                switch (opt) {
                case 'a':
                        if (strcmp(optarg, "allowed") == 0)
                                q.events = EVENT_BIT(EVENT_ALLOWED);
                        else if (strcmp(optarg, "blocked-and-logged") == 0)
                                q.events = EVENT_BIT(EVENT_LOGGED) | EVENT_BIT(EVENT_BLOCKED);
                        else
                                return ctl_usage_error(argv[0], "--activity must be allowed or blocked-and-logged");
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        return ctl_command_help(argv[0]);
                default:
                        return ctl_option_error(argv[0], opt, argv);
                }
        }
        if (optind < argc)
                return ctl_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);

        if (ctl_load_config(ctl, &config) < 0)
                return EXIT_INVALID;
        q.config = &config;

        /* The header comes with the first row, or after an empty but readable
         * journal: never above an error. */
        bool header_done = false;
        r = journal_query_run(&q, json ? print_json : print_row, &header_done, &stats);
        if (r >= 0 && !json && !header_done)
                print_header();
        journal_stats_print(&stats);
        return r < 0 ? EXIT_INVALID : EXIT_OK;
}
