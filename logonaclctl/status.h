/* SPDX-License-Identifier: MIT */
#pragma once

/* logonaclctl status (SPEC §6): the facts gathered once, then printed as a
 * screen or as one JSON object.  Gathering never changes anything: alertd's
 * lock is asked with F_GETLK, its state file is read with alertd's own parser. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"
#include "state.h"

/* alertd's last delivery error, from its own journal entries (the state file
 * does not record it): "alert failed" (5xx, given up) or "alert-retry" (a
 * failure it keeps retrying). */
struct delivery_error {
        bool found;
        uint64_t realtime_usec;
        char event[32];                 /* LOGONACL_ALERTD_EVENT: alert-failed, alert-retry */
        char smtp_code[16];
        char *smtp_error;               /* raw bytes of LOGONACL_SMTP_ERROR (NUL-free copy) */
        char *message;
        uint64_t last_sent_usec;        /* newest "alert sent"; 0: none seen */
};

enum decision_column { DECISION_ALLOWED, DECISION_LOGGED, DECISION_BLOCKED, _DECISION_MAX };

struct status_report {
        const char *config_path;
        int config_r;                   /* < 0: the configuration is unusable */
        struct diag_list config_diags;
        struct config config;

        int list_r;
        struct diag_list list_diags;
        size_t n_entries;
        const char *index;              /* fresh, stale, missing, unreadable */

        const char *state_path;
        int holder_r;
        pid_t holder;                   /* 0: alertd not running */
        int state_r;                    /* -ENOENT: no state yet */
        char state_reason[REASON_MAX];
        struct alertd_state state;

        int delivery_r;
        struct delivery_error delivery;

        int decisions_r;                /* < 0: not read (configuration unusable, journal unreadable) */
        uint64_t decisions[_CHANNEL_MAX][_DECISION_MAX];
        uint64_t now_usec;
};

/* Reads the journal for alertd's last delivery error (0 or a negative errno). */
int status_read_delivery_error(struct delivery_error *ret);
void delivery_error_done(struct delivery_error *e);

/* Printing, human and JSON (status_print.c). */
void status_print_text(const struct status_report *s);
void status_print_json(const struct status_report *s);
const char *decision_column_name(enum decision_column c);
