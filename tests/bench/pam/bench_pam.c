/* SPDX-License-Identifier: MIT */
/* Cost of one PAM account decision as a host pays it:
 *   pam_start_confdir + pam_set_item(PAM_RHOST) + pam_acct_mgmt + pam_end
 * in a loop in one process (libpam loads and unloads the stack's modules each
 * time, as in a long-lived host).
 *
 *   bench_pam CONFDIR SERVICE RHOST MAX_ITERATIONS SECONDS
 *
 * Runs a warm-up, then until MAX_ITERATIONS or SECONDS (at least 5 iterations);
 * prints "mean_us p50_us p99_us iterations last_result cpu_us": cpu_us is this
 * process's user+system CPU time per decision, which the load of other
 * processes on the machine disturbs much less than the wall-clock figures.
 *
 * BENCH_KEEP_LOADED=PATH: dlopen PATH once before the loop, so libpam's
 * dlopen/dlclose of that module per decision only counts references (as for a
 * module linked -z nodelete, like pam_logonacl.so). */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <security/pam_appl.h>

static int quiet_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data) {
        *resp = calloc((size_t) n, sizeof **resp);
        return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static double now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int decide(const char *confdir, const char *service, const char *rhost) {
        struct pam_conv conv = { quiet_conversation, NULL };
        pam_handle_t *pamh = NULL;
        int rc = pam_start_confdir(service, "root", &conv, confdir, &pamh);
        if (rc != PAM_SUCCESS)
                return rc;
        pam_set_item(pamh, PAM_RHOST, rhost);
        rc = pam_acct_mgmt(pamh, 0);
        pam_end(pamh, rc);
        return rc;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
        if (argc != 6) {
                fprintf(stderr, "usage: bench_pam CONFDIR SERVICE RHOST MAX_ITERATIONS SECONDS\n");
                return 2;
        }
        const char *confdir = argv[1], *service = argv[2], *rhost = argv[3];
        long max_iterations = atol(argv[4]);
        double budget_us = atof(argv[5]) * 1e6;
        double *samples = calloc((size_t) max_iterations, sizeof *samples);
        int rc = 0;
        long n = 0;

        if (!samples || max_iterations < 5)
                return 2;
        const char *keep = getenv("BENCH_KEEP_LOADED");
        if (keep && !dlopen(keep, RTLD_NOW)) {
                fprintf(stderr, "bench_pam: %s\n", dlerror());
                return 2;
        }
        for (int i = 0; i < 3; i++)
                rc = decide(confdir, service, rhost);

        double start = now_us(), cpu_start = cpu_us();
        while (n < max_iterations && (n < 5 || now_us() - start < budget_us)) {
                double t0 = now_us();
                rc = decide(confdir, service, rhost);
                samples[n++] = now_us() - t0;
        }
        double cpu_per_decision = (cpu_us() - cpu_start) / n;
        double total = 0;
        for (long i = 0; i < n; i++)
                total += samples[i];
        qsort(samples, (size_t) n, sizeof *samples, cmp_double);
        printf("%.1f %.1f %.1f %ld %s %.1f\n", total / n, samples[n / 2], samples[(n * 99) / 100], n,
               rc == PAM_SUCCESS ? "SUCCESS" : rc == PAM_PERM_DENIED ? "PERM_DENIED" : pam_strerror(NULL, rc),
               cpu_per_decision);
        free(samples);
        return 0;
}
