/* SPDX-License-Identifier: MIT */
#pragma once

/* Composes the alert mail of SPEC §5 — pure, no I/O.  The result is a complete
 * RFC 5322 message with CRLF line endings only, every line at most 998 octets
 * (in practice 76), headers built from alertd-controlled data or encoded, the
 * body quoted-printable: no byte of a journal field can end or start a header
 * line or end the DATA phase. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A journal value: raw bytes, not NUL-terminated, may hold anything. */
struct field_value {
        const char *data;
        size_t len;
};

struct alert_entry {
        struct field_value user;
        struct field_value client_ip;   /* LOGONACL_CLIENT_IP (normalised; may be empty) */
        struct field_value rhost;       /* LOGONACL_RHOST (raw) */
        struct field_value service;
        struct field_value hostname;    /* _HOSTNAME */
        struct field_value boot_id;     /* _BOOT_ID */
        enum channel channel;           /* CHANNEL_INVALID when missing or unknown */
        bool sso;
        enum action action;             /* from the MESSAGE_ID: logged or blocked */
        uint64_t realtime_usec;
        uint64_t monotonic_usec;
};

struct mail_params {
        const char *from;
        const struct string_list *to;
        const char *timezone_name;      /* "UTC", "Asia/Tokyo" */
        int32_t utc_offset;             /* seconds east of UTC at the entry time */
        uint64_t journal_dropped;       /* messages journald dropped since the last mail */
        uint64_t clock_ahead_usec;      /* the host's clock is this far ahead of alertd's (0: not) */
};

#define MAIL_FIELD_MAX 2048             /* longer journal values are cut (and say so) */

/* The Message-ID (with <>) derived from the entry, the same on every retry and
 * resend.  Returns a new string or NULL on allocation failure. */
char *mail_message_id(const struct alert_entry *e);
/* "(UTC +9)", "(UTC +5:30)", "(UTC -3)", "(UTC +0)" into buf. */
void mail_format_utc_offset(int32_t offset, char *buf, size_t size);
/* The --test-mail message: clearly marked as a test in Subject and body,
 * from host (host-name characters only), dated now.  0 or -ENOMEM. */
int mail_compose_test(const struct mail_params *p, const char *host, uint64_t now_usec, char **ret, size_t *ret_len);
/* Composes the message; 0 or -ENOMEM. */
int mail_compose(const struct alert_entry *e, const struct mail_params *p, char **ret, size_t *ret_len);
