/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sigbus.h"

/* libsystemd maps journal files shared.  journald truncates a file it is
 * done with (seen on systemd 252: an archived file, vacuumed, cut to 0 bytes
 * at the next rotation) while we still have it mapped: touching it raises
 * SIGBUS, which kills the daemon.  journalctl survives this with a private
 * handler of libsystemd that the library does not export, so do what it
 * does: put a zero page over the lost one.  libsystemd then sees a broken
 * file (-EBADMSG and friends, handled in follow.c) and drops it once
 * sd_journal_process() reports the deletion.  Any other SIGBUS keeps its
 * default action. */

static uintptr_t page_mask;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
        (void) sig;
        (void) context;
        if (info->si_code == BUS_ADRERR && info->si_addr) {
                void *page = (void *) ((uintptr_t) info->si_addr & page_mask);
                if (mmap(page, ~page_mask + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                    != MAP_FAILED)
                        return;
        }
        /* Back to the default: the access faults again and the process dies of it. */
        signal(SIGBUS, SIG_DFL);
}

int sigbus_install(void) {
        long size = sysconf(_SC_PAGESIZE);
        page_mask = ~((uintptr_t) (size > 0 ? size : 4096) - 1);
        struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
        sigemptyset(&sa.sa_mask);
        return sigaction(SIGBUS, &sa, NULL) < 0 ? -errno : 0;
}
