/* SPDX-License-Identifier: MIT */
/* A small libpam client for the pam suite: the real libpam, service files read
 * from a folder of ours (pam_start_confdir), exact bytes for PAM_USER and
 * PAM_RHOST, and a conversation that records every message it is shown.
 *
 *   pam_client                  reads cases from stdin, one a line, tab-separated:
 *                                 CONFDIR SERVICE STAGE USER RHOST FLAGS
 *                               STAGE auth|account|both (pam_authenticate, then
 *                               pam_acct_mgmt on the same handle: RESULT is
 *                               "AUTH,ACCOUNT"); USER, RHOST hex bytes or "-" (unset,
 *                               "" is written as an empty hex string via "=");
 *                               FLAGS "-" or comma list of silent (PAM_SILENT), noconv
 *                               (a conversation without a function).
 *                               Prints one line a case: RESULT N [STYLE:HEX]...
 *   pam_client --cycles N CONFDIR SERVICE RHOST
 *                               N account decisions in this process, then prints
 *                               "fds BEFORE AFTER rss_kib BEFORE AFTER" (after a warm-up).
 *
 * RESULT is SUCCESS, PERM_DENIED, IGNORE (the stack's pam_debug line after the
 * module answered PAM_AUTHINFO_UNAVAIL: the module returned PAM_IGNORE) or
 * CODE<n>.
 *
 * syslog: this program defines (and exports) glibc's __syslog_chk, which
 * libpam's pam_syslog calls, so what the module logs through pam_syslog is
 * appended to the file named by $PAM_CLIENT_SYSLOG ("PRIORITY TEXT" lines)
 * instead of going to a /dev/log this machine does not have. */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

void __syslog_chk(int priority, int flag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void __syslog_chk(int priority, int flag, const char *fmt, ...) {
        const char *path = getenv("PAM_CLIENT_SYSLOG");
        FILE *f;
        va_list ap;

        if (!path || !(f = fopen(path, "ae")))
                return;
        fprintf(f, "%d ", priority & 7);
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fclose(f);
}

struct recorded {
        char lines[8][8192];
        int n;
};

static void hex_encode(const char *s, char *out) {
        static const char digits[] = "0123456789abcdef";
        for (; *s; s++) {
                *out++ = digits[(unsigned char) *s >> 4];
                *out++ = digits[(unsigned char) *s & 15];
        }
        *out = 0;
}

/* "-": NULL; "=": ""; else hex bytes. */
static char *hex_decode(const char *hex) {
        if (strcmp(hex, "-") == 0)
                return NULL;
        if (strcmp(hex, "=") == 0)
                return strdup("");
        size_t n = strlen(hex) / 2;
        char *out = calloc(1, n + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        break;
                out[i] = (char) v;
        }
        return out;
}

static int record_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data) {
        struct recorded *rec = data;
        struct pam_response *r = calloc((size_t) n, sizeof *r);
        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++) {
                if (rec->n < 8 && strlen(msg[i]->msg) < 4000) {
                        char hex[8001];
                        hex_encode(msg[i]->msg, hex);
                        snprintf(rec->lines[rec->n++], sizeof rec->lines[0], "%d:%s", msg[i]->msg_style, hex);
                }
        }
        *resp = r;
        return PAM_SUCCESS;
}

static const char *result_name(int rc, char buf[32]) {
        switch (rc) {
        case PAM_SUCCESS:          return "SUCCESS";
        case PAM_PERM_DENIED:      return "PERM_DENIED";
        case PAM_AUTHINFO_UNAVAIL: return "IGNORE";
        default:
                snprintf(buf, 32, "CODE%d", rc);
                return buf;
        }
}

enum stages { ONLY_AUTH, ONLY_ACCOUNT, AUTH_THEN_ACCOUNT };

/* Returns the last stage's result; rc_auth (may be NULL) receives the first's. */
static int run_case(const char *confdir, const char *service, enum stages stages, const char *user,
                    const char *rhost, int flags, bool noconv, struct recorded *rec, int *rc_auth) {
        struct pam_conv conv = { noconv ? NULL : record_conversation, rec };
        pam_handle_t *pamh = NULL;
        int rc;

        rc = pam_start_confdir(service, NULL, &conv, confdir, &pamh);
        if (rc != PAM_SUCCESS)
                return rc;
        if (user)
                pam_set_item(pamh, PAM_USER, user);
        if (rhost)
                pam_set_item(pamh, PAM_RHOST, rhost);
        if (stages == ONLY_ACCOUNT)
                rc = pam_acct_mgmt(pamh, flags);
        else
                rc = pam_authenticate(pamh, flags);
        if (rc_auth)
                *rc_auth = rc;
        if (stages == AUTH_THEN_ACCOUNT)
                rc = pam_acct_mgmt(pamh, flags);
        pam_end(pamh, rc);
        return rc;
}

static int batch(void) {
        char *line = NULL;
        size_t cap = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        while (getline(&line, &cap, stdin) > 0) {
                char *fields[6] = {}, *save = NULL, *p = line;
                line[strcspn(line, "\n")] = 0;
                for (int i = 0; i < 6; i++, p = NULL)
                        fields[i] = strtok_r(p, "\t", &save);
                if (!fields[5]) {
                        printf("BADCASE 0\n");
                        continue;
                }
                char *user = hex_decode(fields[3]), *rhost = hex_decode(fields[4]);
                int flags = strstr(fields[5], "silent") ? PAM_SILENT : 0;
                struct recorded rec = {};
                char buf[32], buf_auth[32];
                enum stages stages = strcmp(fields[2], "auth") == 0 ? ONLY_AUTH :
                                     strcmp(fields[2], "both") == 0 ? AUTH_THEN_ACCOUNT : ONLY_ACCOUNT;
                int rc_auth = 0;
                int rc = run_case(fields[0], fields[1], stages, user, rhost, flags,
                                  strstr(fields[5], "noconv") != NULL, &rec, &rc_auth);
                if (stages == AUTH_THEN_ACCOUNT)
                        printf("%s,", result_name(rc_auth, buf_auth));
                printf("%s %d", result_name(rc, buf), rec.n);
                for (int i = 0; i < rec.n; i++)
                        printf(" %s", rec.lines[i]);
                printf("\n");
                free(user);
                free(rhost);
        }
        free(line);
        return 0;
}

static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;
        if (!d)
                return -1;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static long rss_kib(void) {
        long pages = 0, resident = 0;
        FILE *f = fopen("/proc/self/statm", "re");
        if (!f)
                return -1;
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
                resident = -1;
        fclose(f);
        return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cycles(int n, const char *confdir, const char *service, const char *rhost) {
        struct recorded rec = {};
        int fds_before, warmup = n / 10 + 1;
        long rss_before;

        for (int i = 0; i < warmup; i++)
                run_case(confdir, service, ONLY_ACCOUNT, "cycler", rhost, 0, false, &rec, NULL), rec.n = 0;
        fds_before = count_fds();
        rss_before = rss_kib();
        for (int i = 0; i < n; i++)
                run_case(confdir, service, ONLY_ACCOUNT, "cycler", rhost, 0, false, &rec, NULL), rec.n = 0;
        printf("fds %d %d rss_kib %ld %ld\n", fds_before, count_fds(), rss_before, rss_kib());
        return 0;
}

int main(int argc, char **argv) {
        if (argc == 6 && strcmp(argv[1], "--cycles") == 0)
                return cycles(atoi(argv[2]), argv[3], argv[4], argv[5]);
        if (argc != 1) {
                fprintf(stderr, "usage: pam_client < cases | pam_client --cycles N CONFDIR SERVICE RHOST\n");
                return 2;
        }
        return batch();
}
