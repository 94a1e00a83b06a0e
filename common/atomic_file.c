/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "macro.h"

int atomic_file_begin(struct atomic_file *f, const char *path, mode_t mode, uid_t uid, gid_t gid) {
        *f = (struct atomic_file) ATOMIC_FILE_INIT;
        f->path = strdup(path);
        if (!f->path || asprintf(&f->temp_path, "%s.XXXXXX", path) < 0) {
                f->temp_path = NULL;
                atomic_file_abort(f);
                return -ENOMEM;
        }

        f->fd = mkostemp(f->temp_path, O_CLOEXEC);
        if (f->fd < 0) {
                int r = -errno;
                free(f->temp_path);
                f->temp_path = NULL;    /* nothing to unlink */
                atomic_file_abort(f);
                return r;
        }
        if ((uid != (uid_t) -1 && fchown(f->fd, uid, gid) < 0) || fchmod(f->fd, mode) < 0) {
                int r = -errno;
                atomic_file_abort(f);
                return r;
        }
        return 0;
}

int atomic_file_write(struct atomic_file *f, const void *data, size_t len) {
        const char *p = data;

        while (len > 0) {
                ssize_t k = write(f->fd, p, len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                len -= (size_t) k;
        }
        return 0;
}

static int fsync_folder_of(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        _cleanup_close_ int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return fsync(dfd) < 0 ? -errno : 0;
}

int atomic_file_commit(struct atomic_file *f) {
        int r = fsync(f->fd) < 0 ? -errno : 0;

        if (close(f->fd) < 0 && r >= 0)
                r = -errno;
        f->fd = -1;
        if (r >= 0 && rename(f->temp_path, f->path) < 0)
                r = -errno;
        if (r < 0) {
                atomic_file_abort(f);
                return r;
        }

        /* Renamed: nothing left to remove. */
        free(f->temp_path);
        f->temp_path = NULL;
        r = fsync_folder_of(f->path);
        atomic_file_abort(f);
        return r;
}

void atomic_file_abort(struct atomic_file *f) {
        if (f->fd >= 0)
                close(f->fd);
        if (f->temp_path)
                unlink(f->temp_path);
        free(f->temp_path);
        free(f->path);
        *f = (struct atomic_file) ATOMIC_FILE_INIT;
}

/* mkostemp's six characters after "<base>.". */
static bool is_temp_name(const char *name, const char *base) {
        size_t n = strlen(base);
        if (strncmp(name, base, n) != 0 || name[n] != '.' || strlen(name + n + 1) != 6)
                return false;
        for (const char *c = name + n + 1; *c; c++)
                if (!isalnum((unsigned char) *c))
                        return false;
        return true;
}

int atomic_file_remove_stale(const char *path) {
        _cleanup_free_ char *copy_dir = strdup(path), *copy_base = strdup(path);
        if (!copy_dir || !copy_base)
                return -ENOMEM;
        const char *base = basename(copy_base);
        DIR *d = opendir(dirname(copy_dir));
        if (!d)
                return -errno;

        int removed = 0;
        for (struct dirent *de; (de = readdir(d)); )
                if ((de->d_type == DT_REG || de->d_type == DT_UNKNOWN) && is_temp_name(de->d_name, base) && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        removed++;
        closedir(d);
        return removed;
}
