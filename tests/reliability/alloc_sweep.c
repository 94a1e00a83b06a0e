/* SPDX-License-Identifier: MIT */
/* The failing-allocation sweep (issue 11): a libpam client that makes the Nth
 * allocation inside pam_acct_mgmt fail, for every N from 1 until a run makes no
 * more allocations than N-1, and prints the result of each run.
 *
 *   alloc_sweep CONFDIR SERVICE RHOST MODE
 *     MODE once: only the Nth allocation fails; sticky: the Nth and all after it.
 *   Output: "baseline RESULT ALLOCS" then one line per N:
 *     "N RESULT LEAKED" — LEAKED: blocks allocated inside pam_acct_mgmt and still
 *     not freed after pam_end.  glibc keeps one such block by design (getaddrinfo's
 *     interface cache, reached from libpam's audit record of the rhost), so the
 *     baseline's count is the floor.  ALLOC_SWEEP_SHOW=1 prints each block's caller.
 *
 * This program defines malloc, calloc, realloc and free itself (glibc's own are
 * reached as __libc_*): the executable's definitions take precedence for libpam,
 * the module and libc's internal allocations (strdup, asprintf, fopen ...) alike.
 * Not for sanitizer builds (ASan owns malloc there). */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

/* ---- the failing allocator ---- */

static bool armed, sticky;
static unsigned long fail_at, n_allocs;

/* Blocks allocated while armed (an open-addressing set): what is left after
 * pam_end leaked. */
#define TRACK_SLOTS 65536
static void *tracked[TRACK_SLOTS];
static void *tracked_caller[TRACK_SLOTS];
static unsigned long n_tracked;
static bool track_overflow;

static size_t slot_of(void *p) {
        return (size_t) (((uintptr_t) p >> 4) * 2654435761u) % TRACK_SLOTS;
}

static void track_from(void *p, void *caller) {
        if (!armed || !p)
                return;
        for (size_t i = slot_of(p), k = 0; k < TRACK_SLOTS; i = (i + 1) % TRACK_SLOTS, k++)
                if (!tracked[i] || tracked[i] == (void *) 1) {
                        tracked[i] = p;
                        tracked_caller[i] = caller;
                        n_tracked++;
                        return;
                }
        track_overflow = true;
}

static void untrack(void *p) {
        if (!p || n_tracked == 0)
                return;
        for (size_t i = slot_of(p), k = 0; k < TRACK_SLOTS && tracked[i]; i = (i + 1) % TRACK_SLOTS, k++)
                if (tracked[i] == p) {
                        tracked[i] = (void *) 1;        /* tombstone */
                        n_tracked--;
                        return;
                }
}

#define track(p) track_from((p), __builtin_return_address(0))

static bool should_fail(void) {
        if (!armed)
                return false;
        n_allocs++;
        return n_allocs == fail_at || (sticky && fail_at > 0 && n_allocs > fail_at);
}

void *malloc(size_t size) {
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        void *p = __libc_malloc(size);
        track(p);
        return p;
}

void *calloc(size_t n, size_t size) {
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        void *p = __libc_calloc(n, size);
        track(p);
        return p;
}

void *realloc(void *old, size_t size) {
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        void *p = __libc_realloc(old, size);
        if (p || size == 0)
                untrack(old);
        track(p);
        return p;
}

void free(void *p) {
        untrack(p);
        __libc_free(p);
}

/* ---- the client ---- */

static int quiet_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data) {
        *resp = __libc_calloc((size_t) n, sizeof **resp);       /* never made to fail */
        return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static const char *result_name(int rc, char buf[32]) {
        switch (rc) {
        case PAM_SUCCESS:          return "SUCCESS";
        case PAM_PERM_DENIED:      return "PERM_DENIED";
        case PAM_BUF_ERR:          return "BUF_ERR";
        case PAM_SYSTEM_ERR:       return "SYSTEM_ERR";
        case PAM_AUTHINFO_UNAVAIL: return "IGNORE";     /* the pam_debug line after the module */
        default:
                snprintf(buf, 32, "CODE%d", rc);
                return buf;
        }
}

/* One decision with allocation number at failing (0: none); returns the result. */
static int run(const char *confdir, const char *service, const char *rhost, unsigned long at, unsigned long *allocs,
               unsigned long *leaked) {
        struct pam_conv conv = { quiet_conversation, NULL };
        pam_handle_t *pamh = NULL;
        int rc = pam_start_confdir(service, "sweep", &conv, confdir, &pamh);
        if (rc != PAM_SUCCESS)
                return -1;
        pam_set_item(pamh, PAM_RHOST, rhost);

        n_allocs = 0;
        fail_at = at;
        armed = true;
        rc = pam_acct_mgmt(pamh, 0);
        armed = false;
        *allocs = n_allocs;
        pam_end(pamh, rc);
        *leaked = n_tracked;
        if (getenv("ALLOC_SWEEP_SHOW"))         /* where a leaked block came from: gdb's "info symbol" */
                for (size_t i = 0; i < TRACK_SLOTS; i++)
                        if (tracked[i] && tracked[i] != (void *) 1)
                                fprintf(stderr, "left: %p allocated from %p\n", tracked[i], tracked_caller[i]);
        /* leaks of one run must not count against the next */
        memset(tracked, 0, sizeof tracked);
        n_tracked = 0;
        return rc;
}

int main(int argc, char **argv) {
        unsigned long allocs, leaked;
        char buf[32];

        if (argc != 5 || (strcmp(argv[4], "once") != 0 && strcmp(argv[4], "sticky") != 0)) {
                fputs("usage: alloc_sweep CONFDIR SERVICE RHOST once|sticky\n", stderr);
                return 2;
        }
        sticky = strcmp(argv[4], "sticky") == 0;
        setvbuf(stdout, NULL, _IOLBF, 0);

        /* libpam loads the module at the first pam_start: warm up outside the sweep */
        int rc = run(argv[1], argv[2], argv[3], 0, &allocs, &leaked);
        if (rc < 0)
                return 1;
        rc = run(argv[1], argv[2], argv[3], 0, &allocs, &leaked);
        printf("baseline %s %lu %lu\n", result_name(rc, buf), allocs, leaked);

        unsigned long total = allocs;
        for (unsigned long n = 1; n <= total + 1; n++) {
                rc = run(argv[1], argv[2], argv[3], n, &allocs, &leaked);
                if (rc < 0)
                        return 1;
                printf("%lu %s %lu\n", n, result_name(rc, buf), leaked);
                /* a path with more allocations than the baseline (an error path) extends the sweep */
                if (allocs > total)
                        total = allocs;
        }
        return track_overflow ? 3 : 0;
}
