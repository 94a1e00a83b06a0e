/* SPDX-License-Identifier: MIT */
/* logonaclctl status, printed: a screen for people, one JSON object for the
 * Cockpit page and scripts.  Field values that came from files or the journal
 * (diagnostics, SMTP replies) are escaped: for the terminal, or as JSON ASCII. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "escape.h"
#include "status.h"
#include "timestamp.h"

#define WINDOW_USEC (UINT64_C(86400) * UINT64_C(1000000))

const char *decision_column_name(enum decision_column c) {
        static const char *const names[_DECISION_MAX] = {
                [DECISION_ALLOWED] = "allowed",
                [DECISION_LOGGED] = "logged",
                [DECISION_BLOCKED] = "blocked",
        };
        return names[c];
}

/* The window counts only while it lasts: 24 hours from its start. */
static bool window_open(const struct status_report *s) {
        return s->state_r >= 0 && s->state.window.open && s->now_usec < s->state.window.start_usec + WINDOW_USEC;
}

static const char *state_verdict(const struct status_report *s) {
        return s->state_r >= 0 ? "ok" : s->state_r == -ENOENT ? "missing" : "unreadable";
}

/* --- text --- */

static void print_time(const char *label, uint64_t usec) {
        char t[TIMESTAMP_TEXT_MAX];
        timestamp_format_local(usec, t);
        printf("%s%s", label, t);
}

static void print_escaped_line(const char *prefix, const char *text) {
        fputs(prefix, stdout);
        escape_terminal(stdout, text, strlen(text));
        putchar('\n');
}

static void print_list(const struct string_list *l) {
        for (size_t i = 0; i < l->n; i++) {
                fputs(i ? ", " : "", stdout);
                escape_terminal(stdout, l->items[i], strlen(l->items[i]));
        }
}

static void print_config_text(const struct status_report *s) {
        printf("Configuration: %s (%s)\n", s->config_r >= 0 ? "valid" : "INVALID", s->config_path);
        for (size_t i = 0; i < s->config_diags.n_lines; i++)
                print_escaped_line("  ", s->config_diags.lines[i]);
        if (s->config_r < 0) {
                if (s->config_diags.n_lines == 0)
                        printf("  %s\n", strerror(-s->config_r));
                printf("  logons of controlled services are refused (on_error=deny) until it is fixed\n");
                return;
        }
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                printf("  %-8s %-14s services: ", channel_to_string(ch), action_to_string(s->config.channel[ch].action));
                if (s->config.channel[ch].services.n == 0)
                        fputs("(none)", stdout);
                print_list(&s->config.channel[ch].services);
                putchar('\n');
        }
        if (s->list_r >= 0)
                printf("Approved list: %zu %s; index: %s\n", s->n_entries, s->n_entries == 1 ? "entry" : "entries",
                       s->index);
        else {
                printf("Approved list: INVALID; index: %s\n", s->index);
                for (size_t i = 0; i < s->list_diags.n_lines; i++)
                        print_escaped_line("  ", s->list_diags.lines[i]);
        }
        printf("Alert mail: ");
        if (s->config.alert.email.n == 0)
                fputs("off (no [alert] email)", stdout);
        print_list(&s->config.alert.email);
        printf("; at most %u alerts in 24 hours\n", s->config.alert.threshold);
}

static void print_delivery_text(const struct status_report *s) {
        const struct delivery_error *e = &s->delivery;

        if (s->delivery_r < 0) {
                printf("  last delivery error: unknown (journal: %s)\n", strerror(-s->delivery_r));
                return;
        }
        if (!e->found) {
                printf("  last delivery error: none in the journal\n");
                return;
        }
        print_time("  last delivery error: ", e->realtime_usec);
        printf(" %s", strcmp(e->event, "alert-failed") == 0 ? "alert failed (given up)" : "not delivered yet (retrying)");
        if (e->smtp_code[0] && strcmp(e->smtp_code, "0") != 0)
                printf(", SMTP %s", e->smtp_code);
        putchar('\n');
        if (e->smtp_error)
                print_escaped_line("    ", e->smtp_error);
        if (e->last_sent_usec > e->realtime_usec)
                print_time("    an alert was delivered since, at ", e->last_sent_usec), putchar('\n');
}

static void print_alertd_text(const struct status_report *s) {
        if (s->holder_r < 0)
                printf("logonacl-alertd: unknown (%s.lock: %s)\n", s->state_path, strerror(-s->holder_r));
        else if (s->holder != 0)
                printf("logonacl-alertd: running (PID %d holds %s.lock)\n", (int) s->holder, s->state_path);
        else
                printf("logonacl-alertd: not running (nothing holds %s.lock)\n", s->state_path);
        if (s->state_r == -ENOENT)
                printf("  state: none yet (%s)\n", s->state_path);
        else if (s->state_r < 0)
                print_escaped_line("  state: unreadable: ", s->state_reason);
        else {
                if (s->state.realtime_usec)
                        print_time("  position: ", s->state.realtime_usec), putchar('\n');
                else
                        printf("  position: no entry read yet\n");
                if (window_open(s)) {
                        print_time("  window: open from ", s->state.window.start_usec);
                        print_time(" to ", s->state.window.start_usec + WINDOW_USEC);
                        printf(", %u of %u alerts sent, %" PRIu64 " not sent\n", s->state.window.sent,
                               s->config.alert.threshold, s->state.window.suppressed);
                } else
                        printf("  window: none open (the next unapproved logon opens one)\n");
                printf("  pending alert: %s\n", s->state.pending ? "yes (to be resent)" : "none");
        }
        print_delivery_text(s);
}

static void print_decisions_text(const struct status_report *s) {
        if (s->decisions_r < 0) {
                printf("Decisions in the last 24 hours: unknown\n");
                return;
        }
        printf("Decisions in the last 24 hours:\n  %-8s %9s %9s %9s\n", "CHANNEL", "ALLOWED", "LOGGED", "BLOCKED");
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++)
                printf("  %-8s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n", channel_to_string(ch),
                       s->decisions[ch][DECISION_ALLOWED], s->decisions[ch][DECISION_LOGGED],
                       s->decisions[ch][DECISION_BLOCKED]);
}

void status_print_text(const struct status_report *s) {
        print_config_text(s);
        print_alertd_text(s);
        print_decisions_text(s);
}

/* --- JSON --- */

static void json_str(const char *key, const char *value, bool comma) {
        printf("%s\"%s\":", comma ? "," : "", key);
        if (value)
                json_write_value(stdout, value, strlen(value));
        else
                fputs("null", stdout);
}

static void json_time(const char *key, uint64_t usec) {
        char t[TIMESTAMP_TEXT_MAX];
        if (usec == 0) {
                printf(",\"%s\":null,\"%s_usec\":null", key, key);
                return;
        }
        timestamp_format_iso_utc(usec, t);
        printf(",\"%s\":\"%s\",\"%s_usec\":%" PRIu64, key, t, key, usec);
}

static void json_lines(const char *key, const struct diag_list *d) {
        printf(",\"%s\":[", key);
        for (size_t i = 0; i < d->n_lines; i++) {
                fputs(i ? "," : "", stdout);
                json_write_value(stdout, d->lines[i], strlen(d->lines[i]));
        }
        putchar(']');
}

static void json_string_list(const char *key, const struct string_list *l) {
        printf(",\"%s\":[", key);
        for (size_t i = 0; i < l->n; i++) {
                fputs(i ? "," : "", stdout);
                json_write_value(stdout, l->items[i], strlen(l->items[i]));
        }
        putchar(']');
}

static void print_config_json(const struct status_report *s) {
        printf("\"config\":{\"valid\":%s", s->config_r >= 0 ? "true" : "false");
        json_str("path", s->config_path, true);
        json_lines("messages", &s->config_diags);
        if (s->config_r < 0 && s->config_diags.n_lines == 0)
                json_str("error", strerror(-s->config_r), true);
        putchar('}');
        if (s->config_r < 0) {
                fputs(",\"channels\":null,\"approved\":null,\"alert\":null", stdout);
                return;
        }
        fputs(",\"channels\":{", stdout);
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                printf("%s\"%s\":{", ch ? "," : "", channel_to_string(ch));
                json_str("action", action_to_string(s->config.channel[ch].action), false);
                json_string_list("services", &s->config.channel[ch].services);
                putchar('}');
        }
        printf("},\"approved\":{\"valid\":%s,\"entries\":%zu", s->list_r >= 0 ? "true" : "false", s->n_entries);
        json_str("index", s->index, true);
        json_lines("messages", &s->list_diags);
        fputs("},\"alert\":{", stdout);
        printf("\"threshold\":%u", s->config.alert.threshold);
        json_string_list("email", &s->config.alert.email);
        putchar('}');
}

static void print_delivery_json(const struct status_report *s) {
        const struct delivery_error *e = &s->delivery;

        fputs(",\"last_delivery_error\":", stdout);
        if (s->delivery_r < 0 || !e->found)
                fputs("null", stdout);
        else {
                printf("{\"source\":\"journal\"");
                json_time("time", e->realtime_usec);
                json_str("event", e->event, true);
                json_str("smtp_code", e->smtp_code, true);
                json_str("smtp_error", e->smtp_error, true);
                json_str("message", e->message, true);
                printf(",\"delivered_since\":%s}", e->last_sent_usec > e->realtime_usec ? "true" : "false");
        }
        if (s->delivery_r < 0)
                json_str("last_delivery_error_unknown", strerror(-s->delivery_r), true);
}

static void print_alertd_json(const struct status_report *s) {
        printf(",\"alertd\":{\"running\":%s", s->holder_r >= 0 && s->holder != 0 ? "true" : "false");
        if (s->holder > 0)
                printf(",\"pid\":%d", (int) s->holder);
        else
                fputs(",\"pid\":null", stdout);
        json_str("state_file", s->state_path, true);
        json_str("state", state_verdict(s), true);
        if (s->state_r < 0 && s->state_r != -ENOENT)
                json_str("state_error", s->state_reason, true);
        if (s->state_r >= 0) {
                json_time("position", s->state.realtime_usec);
                printf(",\"window\":");
                if (window_open(s)) {
                        printf("{\"open\":true");
                        json_time("start", s->state.window.start_usec);
                        json_time("end", s->state.window.start_usec + WINDOW_USEC);
                        printf(",\"sent\":%u,\"threshold\":%u,\"suppressed\":%" PRIu64 "}", s->state.window.sent,
                               s->config.alert.threshold, s->state.window.suppressed);
                } else
                        fputs("{\"open\":false}", stdout);
                printf(",\"pending\":%s", s->state.pending ? "true" : "false");
        }
        print_delivery_json(s);
        putchar('}');
}

static void print_decisions_json(const struct status_report *s) {
        fputs(",\"decisions_24h\":", stdout);
        if (s->decisions_r < 0) {
                fputs("null", stdout);
                return;
        }
        putchar('{');
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                printf("%s\"%s\":{", ch ? "," : "", channel_to_string(ch));
                for (enum decision_column c = 0; c < _DECISION_MAX; c++)
                        printf("%s\"%s\":%" PRIu64, c ? "," : "", decision_column_name(c), s->decisions[ch][c]);
                putchar('}');
        }
        putchar('}');
}

void status_print_json(const struct status_report *s) {
        putchar('{');
        print_config_json(s);
        print_alertd_json(s);
        print_decisions_json(s);
        fputs("}\n", stdout);
}
