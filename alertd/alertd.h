/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon's state while it runs, shared by main.c (options, signals, the
 * loop) and process.c (what one journal entry does).  The pipeline flows one
 * way: main.c -> process.c -> step.c / deliver.c -> smtp.c; process.c waits
 * only through the wait hook main.c sets, which never reloads anything. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "config.h"
#include "follow.h"
#include "ownlog.h"
#include "ratelimit.h"
#include "state.h"
#include "tz.h"
#include "watchdog.h"

struct alertd {
        /* options */
        const char *config_path;
        const char *state_path;
        const char *directory;
        const char *namespace;
        bool once, from_start, print, verbose, test_mail;
        long smtp_timeout_ms;

        /* configuration */
        struct config config;
        uid_t *trusted_uids;
        size_t n_trusted_uids;
        struct time_zone tz;
        char *from;                     /* effective From address */

        /* running */
        struct alertd_state state;
        struct follower follower;
        int signal_fd;
        bool terminate, reload;
        bool dirty;                     /* state differs from the saved file */
        bool cursor_stale;              /* state.cursor is not yet the current entry's */
        uint64_t last_save_usec;
        uint64_t last_entry_usec;       /* monotonic: when an entry of ours was last read */
        bool boots_ignored_told;        /* the too-many-boots error was logged */
        char last_status[256];          /* the idle STATUS= last sent ("" after another one) */
        struct watchdog watchdog;
        /* Waits up to usec (signals, watchdog); false: stop (SIGTERM).  A SIGHUP
         * only marks reload: main.c reloads between entries. */
        bool (*wait)(struct alertd *d, uint64_t usec);
        uint64_t alerts_sent, alerts_suppressed, alerts_failed, entries_untrusted;
        uint64_t config_failures;       /* alerts given up for a configuration error */
        uint64_t gave_up;               /* --once: alerts left pending after bounded retries */
        struct ratelimit untrusted_log, not_sent_log, clock_log;
};

/* Loads (or reloads) the configuration; on failure the old one stays. */
int alertd_load_config(struct alertd *d);
void alertd_free_config(struct alertd *d);
/* Handles the entry the follower stands on. 0, or negative errno (fatal). */
int alertd_process_entry(struct alertd *d);
/* Stores the entry the follower stands on as the last processed one. */
int alertd_remember_position(struct alertd *d);
/* Makes state.cursor the current entry's, when it is behind. */
int alertd_sync_cursor(struct alertd *d);
/* Resends the alert of the entry the follower stands on (pending after a crash). */
int alertd_resend_pending(struct alertd *d);
/* Saves the state now (errors are logged); 0 or negative errno. */
int alertd_save(struct alertd *d);

