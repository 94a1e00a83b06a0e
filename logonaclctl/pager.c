/* SPDX-License-Identifier: MIT */
/* Paging the output of log, as journalctl pages its own. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pager.h"

static const char *pager_command(void) {
        const char *p = getenv("SYSTEMD_PAGER");

        if (!p)
                p = getenv("PAGER");
        if (!p)
                p = "less";
        if (!*p || strcmp(p, "cat") == 0)
                return NULL;
        return p;
}

pid_t pager_open(void) {
        const char *command = pager_command();
        int fds[2];

        if (!command || !isatty(STDOUT_FILENO))
                return 0;
        fflush(stdout);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return 0;
        pid_t pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return 0;
        }
        if (pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(127);
                setenv("LESS", "FRSXMK", 0);
                execl("/bin/sh", "sh", "-c", command, (char *) NULL);
                _exit(127);
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                close(fds[0]);
                close(fds[1]);
                kill(pid, SIGTERM);
                waitpid(pid, NULL, 0);
                return 0;
        }
        close(fds[0]);
        close(fds[1]);
        /* The reader may quit early (q in less): writes then fail with EPIPE. */
        signal(SIGPIPE, SIG_IGN);
        return pid;
}

void pager_close(pid_t pid) {
        if (pid <= 0)
                return;
        fflush(stdout);
        clearerr(stdout);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDOUT_FILENO);      /* closes the pipe: the pager sees the end */
                close(null);
        } else
                close(STDOUT_FILENO);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}
