/* SPDX-License-Identifier: MIT */
#pragma once

/* alertd's own journal entries (SYSLOG_IDENTIFIER=logonacl-alertd), built field
 * by field and sent with common/journal_send (binary-safe: a field value copied
 * from a hostile entry stays one field).  Callers that log what others send
 * put a ratelimit.h in front so that a forger cannot flood the journal through us. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define OWNLOG_FIELDS_MAX 32

struct ownlog {
        struct {
                char *name;
                char *value;
                size_t len;
        } fields[OWNLOG_FIELDS_MAX];
        size_t n;
        bool oom;
};

/* Starts an entry: PRIORITY, SYSLOG_IDENTIFIER, LOGONACL_ALERTD_EVENT and MESSAGE_ID (if not NULL). */
void ownlog_begin(struct ownlog *l, int priority, const char *message_id, const char *event);
void ownlog_add(struct ownlog *l, const char *name, const void *value, size_t len);
void ownlog_addf(struct ownlog *l, const char *name, const char *fmt, ...) _printf_(3, 4);
/* Adds MESSAGE, sends, frees.  Also prints MESSAGE on stderr when echo is set.
 * Returns journal_send's result. */
int ownlog_send(struct ownlog *l, bool echo, const char *fmt, ...) _printf_(3, 4);
