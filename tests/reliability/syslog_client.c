/* SPDX-License-Identifier: MIT */
/* A libpam client that leaves syslog(3) alone (tests/pam/pam_client replaces it):
 * what the module's pam_syslog fallback does in a real host (sshd, dovecot) when
 * journald does not take the entry.
 *
 *   syslog_client CONFDIR SERVICE RHOST...
 *   prints "RHOST RESULT SECONDS" per account decision. */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <security/pam_appl.h>

static int quiet_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data) {
        *resp = calloc((size_t) n, sizeof **resp);
        return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static double now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        struct pam_conv conv = { quiet_conversation, NULL };

        if (argc < 4) {
                fputs("usage: syslog_client CONFDIR SERVICE RHOST...\n", stderr);
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        for (int i = 3; i < argc; i++) {
                pam_handle_t *pamh = NULL;
                double t0 = now();
                int rc = pam_start_confdir(argv[2], "syslog-client", &conv, argv[1], &pamh);
                if (rc != PAM_SUCCESS)
                        return 1;
                pam_set_item(pamh, PAM_RHOST, argv[i]);
                rc = pam_acct_mgmt(pamh, 0);
                pam_end(pamh, rc);
                printf("%s %s %.2f\n", argv[i],
                       rc == PAM_SUCCESS ? "SUCCESS" : rc == PAM_PERM_DENIED ? "PERM_DENIED" : "OTHER", now() - t0);
        }
        return 0;
}
