/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lock.h"
#include "macro.h"

int state_lock(const char *state_path, pid_t *ret_holder) {
        _cleanup_free_ char *path = NULL;
        *ret_holder = 0;
        if (asprintf(&path, "%s.lock", state_path) < 0)
                return -ENOMEM;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        /* A process-owned lock (not OFD): F_GETLK then names the process holding it. */
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (fcntl(fd, F_SETLK, &fl) == 0)
                return fd;
        int e = errno;
        if (e == EACCES || e == EAGAIN) {
                struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
                if (fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
                        *ret_holder = q.l_pid;
                e = EBUSY;
        }
        close(fd);
        return -e;
}

int state_lock_holder(const char *state_path, pid_t *ret_holder) {
        _cleanup_free_ char *path = NULL;
        *ret_holder = 0;
        if (asprintf(&path, "%s.lock", state_path) < 0)
                return -ENOMEM;
        /* Read-only and never created: asking must not change what it asks about. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (fcntl(fd, F_GETLK, &q) < 0)
                return -errno;
        if (q.l_type != F_UNLCK)
                *ret_holder = q.l_pid > 0 ? q.l_pid : -1;
        return 0;
}
