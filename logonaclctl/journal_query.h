/* SPDX-License-Identifier: MIT */
#pragma once

/* Reading the module's decisions back from the journal (log, what-if, suggest).
 * Entries are selected by MESSAGE_ID, never by SYSLOG_IDENTIFIER or text, and
 * only entries of a trusted writer count (logon_record_trusted(): exactly one
 * _UID, of a user of [alert] trusted_users), the same rule as logonacl-alertd.
 * Any local user can write a field called MESSAGE_ID; such entries are
 * counted and left out. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "change_record.h"
#include "events.h"
#include "logon_record.h"

struct journal_query {
        const char *directory;          /* NULL: this machine's journal */
        uint64_t since_usec;            /* entries at or after; 0: from the start */
        uint64_t until_usec;            /* entries before; 0: no end */
        unsigned events;                /* EVENT_BIT()s of the kinds wanted */
        enum channel channel;           /* only this channel's entries; CHANNEL_INVALID: all */
        const struct config *config;    /* its trusted_users */
        bool changes;                   /* also change entries (written by root: only root edits the files) */
        bool follow;                    /* at the end, wait for new entries until killed */
        void (*caught_up)(void *userdata);      /* called once the entries there are are read */
};

struct journal_stats {
        size_t n_matched;               /* entries passed to the callback */
        size_t n_untrusted;             /* entries left out: _UID not trusted */
        bool no_files;                  /* no journal file could be opened (nothing to read) */
};

/* Calls fn for every wanted entry in journal order; fn returns 0 to go on or a
 * negative errno to stop.  Prints the reason and returns a negative errno when
 * the journal cannot be read. */
int journal_query_run(const struct journal_query *q, int (*fn)(const struct logon_record *r, void *userdata),
                      void *userdata, struct journal_stats *stats);

/* Prints the note about left-out entries to stderr, when there were any. */
void journal_stats_print(const struct journal_stats *stats);

/* The options log, what-if and suggest share: --since (getopt value 'S'),
 * --until ('U'), --directory ('D'), and for the commands that list it in their
 * table, --channel ('c').  Returns -1 when opt was handled (or is not one of
 * them: *handled false), or the usage exit code for a bad value. */
#define JOURNAL_QUERY_OPTIONS \
        { "since",     required_argument, NULL, 'S' }, \
        { "until",     required_argument, NULL, 'U' }, \
        { "directory", required_argument, NULL, 'D' }

int journal_query_option(struct journal_query *q, const char *command, int opt, const char *value, bool *handled);
