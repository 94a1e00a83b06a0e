/* SPDX-License-Identifier: MIT */
/* Lock, read and atomically replace the main approved file. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "approved_edit.h"
#include "atomic_file.h"
#include "macro.h"
#include "safe_path.h"

#define APPROVED_FILE_MAX (1024UL * 1024 * 1024)   /* 1 GiB: far above a million entries */

static int fail(const char *what, const char *path, int r) {
        fprintf(stderr, "logonaclctl: %s %s: %s\n", what, path, strerror(-r));
        return r;
}

static int read_all(int fd, const struct stat *st, char **ret, size_t *ret_size) {
        if ((unsigned long long) st->st_size > APPROVED_FILE_MAX)
                return -EFBIG;

        /* Room for one more read past the size, so EOF costs no growth. */
        size_t size = (size_t) st->st_size + 4096, used = 0;
        _cleanup_free_ char *data = malloc(size + 1);
        if (!data)
                return -ENOMEM;

        /* Read to the end even if the file grew since fstat (a hand edit). */
        for (;;) {
                if (used == size) {
                        if (size >= APPROVED_FILE_MAX)
                                return -EFBIG;
                        size_t grown = size * 2 + 4096;
                        char *n = realloc(data, grown + 1);
                        if (!n)
                                return -ENOMEM;
                        data = n;
                        size = grown;
                }
                ssize_t k = read(fd, data + used, size - used);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                used += (size_t) k;
        }
        data[used] = 0;
        *ret = data;
        data = NULL;
        *ret_size = used;
        return 0;
}

/* The lock file and the temp files are made in the main file's folder: only
 * in one the ownership walk accepts, where nobody else can plant them. */
static int check_folder(const char *path) {
        char reason[REASON_MAX];
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return fail("cannot edit", path, -ENOMEM);
        int r = safe_path_check_dir(dirname(copy), reason);
        if (r < 0)
                fprintf(stderr, "%s\n", reason);
        return r;
}

int approved_edit_begin(struct approved_edit *e, const char *path) {
        _cleanup_free_ char *lock_path = NULL;

        *e = (struct approved_edit) APPROVED_EDIT_INIT;
        e->path = path;

        int r = check_folder(path);
        if (r < 0)
                return r;

        if (asprintf(&lock_path, "%s.lock", path) < 0)
                return fail("cannot lock", path, -ENOMEM);
        e->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (e->lock_fd < 0)
                return fail("cannot open the lock file", lock_path, -errno);
        while (flock(e->lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return fail("cannot lock", lock_path, -errno);

        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno != ENOENT)
                        return fail("cannot open", path, -errno);
                /* A missing main file is created by the first add. */
                e->data = strdup("");
                return e->data ? 0 : fail("cannot read", path, -ENOMEM);
        }
        if (fstat(fd, &e->st) < 0)
                return fail("cannot stat", path, -errno);
        if (!S_ISREG(e->st.st_mode))
                return fail("cannot edit", path, -EBADFD);
        e->existed = true;

        r = read_all(fd, &e->st, &e->data, &e->size);
        if (r < 0)
                return fail("cannot read", path, r);
        return 0;
}

int approved_edit_replace(struct approved_edit *e, const struct text_part *parts, size_t n_parts) {
        uid_t uid = e->existed ? e->st.st_uid : 0;
        gid_t gid = e->existed ? e->st.st_gid : 0;
        mode_t mode = e->existed ? (e->st.st_mode & 07777) : 0644;
        struct atomic_file f;

        int r = atomic_file_begin(&f, e->path, mode, uid, gid);
        if (r < 0)
                return fail("cannot create a temporary file beside", e->path, r);
        for (size_t i = 0; r >= 0 && i < n_parts; i++)
                r = atomic_file_write(&f, parts[i].data, parts[i].len);
        if (r < 0) {
                atomic_file_abort(&f);
                return fail("cannot write", e->path, r);
        }
        r = atomic_file_commit(&f);
        if (r < 0)
                return fail("cannot write", e->path, r);
        return 0;
}

void approved_edit_end(struct approved_edit *e) {
        free(e->data);
        e->data = NULL;
        if (e->lock_fd >= 0)
                close(e->lock_fd);      /* releases the lock */
        e->lock_fd = -1;
}
