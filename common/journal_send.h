/* SPDX-License-Identifier: MIT */
#pragma once

/* Writes one entry to journald with the native protocol
 * (https://systemd.io/JOURNAL_NATIVE_PROTOCOL), every field in the binary-safe
 * length-prefixed form, so no value can add a field or an entry.  No global
 * state: a socket is opened per entry and closed, with a bounded send time, so a
 * module unloaded at pam_end leaks no descriptor and a stalled journald cannot
 * hang a logon for long.  Large entries go through a sealed memfd as libsystemd
 * does. */

#include <stddef.h>

struct journal_field {
        const char *name;       /* "LOGONACL_USER": A-Z, 0-9, '_', not starting with '_' */
        const void *value;
        size_t len;
};

#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"

/* 0 or a negative errno (-ENOENT/-ECONNREFUSED when no journald listens). */
int journal_send(const struct journal_field *fields, size_t n_fields);
/* The same to another socket (tests, a private journald).  -EINVAL for a bad
 * field name; -EAGAIN when the socket stayed full for the send timeout (1 s). */
int journal_send_to(const char *socket_path, const struct journal_field *fields, size_t n_fields);
