/* SPDX-License-Identifier: MIT */
#pragma once

/* Delivers one message through libcurl's SMTP client (SPEC §5) and classifies
 * the outcome by the last SMTP reply: 5xx permanent, 4xx or none (connect
 * failure, timeout) transient.  It never sends a message without the TLS and
 * AUTH the configuration asks for. */

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "reason.h"

enum smtp_outcome {
        SMTP_DELIVERED,
        SMTP_TRANSIENT,
        SMTP_PERMANENT,                 /* 5xx */
        SMTP_CONFIG,                    /* configuration or server set-up: retrying cannot help (a missing
                                         * password file, STARTTLS or AUTH not offered) */
};

struct smtp_result {
        enum smtp_outcome outcome;
        long reply_code;                /* last SMTP reply, 0 if none */
        char error[REASON_MAX];         /* why it failed: curl's words or ours */
        char refused[512];              /* recipients the server refused while others were accepted ("" none) */
};

struct smtp_options {
        long timeout_ms;                /* whole transaction */
        long connect_timeout_ms;
        void (*alive)(void *userdata);  /* called during the transaction (NULL: none) */
        void *userdata;
};

#define SMTP_PASSWORD_MAX 1024

/* Frees libcurl's global state if a send set it up. */
void smtp_global_cleanup(void);
/* Reads the password file (first line, trailing newline dropped).  0 or a
 * negative errno with a reason. */
int smtp_read_password(const char *path, char **ret, char reason[REASON_MAX]);
/* Sends message (CRLF text) from cfg->from (or from) to cfg->email.  Fills *res. */
void smtp_send(const struct alert_config *cfg, const char *from, const char *message, size_t len,
               const struct smtp_options *opt, struct smtp_result *res);
