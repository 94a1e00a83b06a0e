/* SPDX-License-Identifier: MIT */
#pragma once

/* logonacl.conf (SPEC §2).  One table {section, key, parser, field} drives the
 * parser; defaults live in config_init_defaults() only.  Unknown sections or
 * keys, repeated keys or sections, bad values and a service in two channels are
 * "file:line: reason" errors.  '#' starts a comment at the start of a line or
 * value or after a blank; glued to a character it belongs to the value.  Lists
 * (services, email, trusted_users) are separated by commas, blanks or both.
 * Lines: at most 4096 bytes, UTF-8, no control bytes but TAB; file: 1 MiB. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "diag.h"

enum channel {
        CHANNEL_ADMIN,
        CHANNEL_ENDUSER,
        CHANNEL_API,
        _CHANNEL_MAX,
        CHANNEL_INVALID = -1,
};

enum action {
        ACTION_NONE,
        ACTION_ALLOW_AND_LOG,
        ACTION_BLOCK_AND_LOG,
        _ACTION_MAX,
        ACTION_INVALID = -1,
};

enum missing_rhost {
        MISSING_RHOST_LOCAL,
        MISSING_RHOST_UNAPPROVED,
};

enum smtp_starttls {
        SMTP_STARTTLS_TRY,
        SMTP_STARTTLS_REQUIRED,
        SMTP_STARTTLS_NO,
};

struct string_list {
        char **items;
        size_t n;
};

struct channel_config {
        enum action action;
        struct string_list services;
        struct string_list sso_services;        /* admin only */
        struct string_list inline_services;     /* enduser only */
        bool apply_to_inline;                   /* enduser only */
        enum missing_rhost missing_rhost;
};

struct alert_config {
        struct string_list email;               /* empty: no alert mail */
        unsigned threshold;                     /* 5, 20, 50 or 100 */
        char *from;                             /* NULL: no-reply@<hostname> */
        char *smtp_url;
        enum smtp_starttls smtp_starttls;
        char *smtp_user;                        /* NULL: no AUTH */
        char *smtp_password_file;
        char *smtp_ca_file;                     /* NULL: system CAs */
        char *timezone;                         /* IANA name */
        struct string_list trusted_users;
        /* The line that set each key (0: default), for alert_check's file:line. */
        struct {
                unsigned email, smtp_url, smtp_starttls, smtp_user, smtp_password_file, smtp_ca_file, trusted_users;
        } line;
};

struct config {
        char *path;
        char *approved_file;
        char *approved_dir;
        bool allow_private;
        struct channel_config channel[_CHANNEL_MAX];
        struct alert_config alert;
};

/* Reads and checks path (check_perms: safe_path on the file and its folders).
 * Returns 0, or a negative errno with "file:line: reason" lines in diags
 * (all of them, up to max_errors; 0 = no limit).  *ret is initialised either way
 * and must be freed with config_free(). */
int config_load(const char *path, bool check_perms, size_t max_errors, struct config *ret, struct diag_list *diags);
void config_init_defaults(struct config *c);
void config_free(struct config *c);

/* Reports an error about the key on line (0: a key left at its default) as
 * "file:line: what" ("file: what") in diags, counted as one error. */
void config_error(const struct config *c, unsigned line, struct diag_list *diags, const char *fmt, ...)
        _printf_(4, 5);
void config_errorv(const struct config *c, unsigned line, struct diag_list *diags, const char *fmt, va_list ap)
        _printf_(4, 0);

/* Which channel a PAM service stands in (services, sso_services, inline_services
 * of each section); CHANNEL_INVALID when none.  *sso and *inline_service tell how. */
enum channel config_channel_of(const struct config *c, const char *service, bool *sso, bool *inline_service);

/* The envelope and header sender: [alert] from, or no-reply@<hostname>. */
int config_alert_from(const struct config *c, char **ret);
/* The uids of trusted_users that exist; an unknown user is skipped with a
 * "file:line: " warning line in warnings (may be NULL): trusting fewer is the safe side. */
int config_trusted_uids(const struct config *c, uid_t **ret, size_t *ret_n, struct diag_list *warnings);

const char *channel_to_string(enum channel c);          /* "admin", "enduser", "api" */
enum channel channel_from_string(const char *s);
const char *action_to_string(enum action a);            /* "none", "allow-and-log", "block-and-log" */
enum action action_from_string(const char *s);
