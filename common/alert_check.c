/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert_check.h"
#include "macro.h"

static void check_credentials(const struct config *c, struct diag_list *errors) {
        const struct alert_config *a = &c->alert;
        if (!a->smtp_user)
                return;
        /* try would log in over plain text with a server (or a man in the middle)
         * that does not offer STARTTLS; no never starts TLS at all. */
        if (a->smtp_url && strncmp(a->smtp_url, "smtp://", 7) == 0 && a->smtp_starttls != SMTP_STARTTLS_REQUIRED)
                config_error(c, a->line.smtp_starttls ? a->line.smtp_starttls : a->line.smtp_user, errors,
                             "smtp_user is set and smtp_url is smtp://, so smtp_starttls must be \"required\" "
                             "(\"%s\" could send the password in clear); or use smtps://",
                             a->smtp_starttls == SMTP_STARTTLS_NO ? "no" : "try");
        if (!a->smtp_password_file)
                config_error(c, a->line.smtp_user, errors, "smtp_user is set but smtp_password_file is not");
}

static void check_password_file(const struct config *c, struct diag_list *errors) {
        const struct alert_config *a = &c->alert;
        struct stat st;
        if (!a->smtp_password_file)
                return;
        if (stat(a->smtp_password_file, &st) < 0) {
                config_error(c, a->line.smtp_password_file, errors, "smtp_password_file %s: %s",
                             a->smtp_password_file, strerror(errno));
                return;
        }
        if (!S_ISREG(st.st_mode))
                config_error(c, a->line.smtp_password_file, errors, "smtp_password_file %s: not a regular file",
                             a->smtp_password_file);
        else if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP))
                config_error(c, a->line.smtp_password_file, errors,
                             "smtp_password_file %s: mode %04o lets others read or change the password "
                             "(make it root:logonacl 0640)", a->smtp_password_file, (unsigned) (st.st_mode & 07777));
}

static void check_ca_file(const struct config *c, struct diag_list *errors) {
        const struct alert_config *a = &c->alert;
        if (a->smtp_ca_file && access(a->smtp_ca_file, R_OK) < 0)
                config_error(c, a->line.smtp_ca_file, errors, "smtp_ca_file %s: %s", a->smtp_ca_file,
                             strerror(errno));
}

static void check_trusted_users(const struct config *c, struct diag_list *errors, struct diag_list *warnings) {
        _cleanup_free_ uid_t *uids = NULL;
        size_t n = 0;
        _cleanup_(diag_free) struct diag_list unknown = {};
        if (config_trusted_uids(c, &uids, &n, &unknown) < 0) {
                config_error(c, 0, errors, "out of memory");
                return;
        }
        if (n == 0)
                /* Nobody's entries would count: alertd would run and alert nothing. */
                config_error(c, c->alert.line.trusted_users, errors,
                             "trusted_users: no user in it exists, so no logonacl entry would count");
        else
                for (size_t i = 0; i < unknown.n_lines; i++)
                        diag_add(warnings, NULL, "%s", unknown.lines[i]);
}

int alert_check(const struct config *c, struct diag_list *errors, struct diag_list *warnings) {
        size_t before = errors->n_errors;
        check_credentials(c, errors);
        check_password_file(c, errors);
        check_ca_file(c, errors);
        check_trusted_users(c, errors, warnings);
        return errors->n_errors > before ? -EINVAL : 0;
}
