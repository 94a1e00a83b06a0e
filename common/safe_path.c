/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "reason.h"
#include "safe_path.h"

static int lstat_or_fail(const char *path, struct stat *st, char reason[REASON_MAX]) {
        if (lstat(path, st) < 0)
                return reason_set(reason, errno, "%s: %m", path);
        if (S_ISLNK(st->st_mode))
                return reason_set(reason, EPERM, "%s: is a symbolic link, must be the real path", path);
        return 0;
}

/* Makes path absolute (relative to the working folder) in buf, without resolving
 * anything: every folder named on the way is then checked as written. */
static int make_absolute(const char *path, char buf[PATH_MAX], char reason[REASON_MAX]) {
        if (!path || !*path)
                return reason_set(reason, EINVAL, "empty path");

        if (path[0] == '/') {
                if (strlen(path) >= PATH_MAX)
                        return reason_set(reason, ENAMETOOLONG, "%.64s...: path too long", path);
                strcpy(buf, path);
                return 0;
        }

        if (!getcwd(buf, PATH_MAX))
                return reason_set(reason, errno, "%s: cannot get the working folder: %m", path);
        size_t len = strlen(buf);
        if (len + 1 + strlen(path) >= PATH_MAX)
                return reason_set(reason, ENAMETOOLONG, "%.64s...: path too long", path);
        if (len > 1)
                buf[len++] = '/';
        strcpy(buf + len, path);
        return 0;
}

/* Cuts the last component off an absolute path: "/a/b//c/" -> "/a/b", "/a" -> "/".
 * Returns false when path is "/" already. */
static bool cut_last_component(char *path) {
        size_t len = strlen(path);
        while (len > 1 && path[len - 1] == '/')
                len--;
        if (len == 1)
                return false;
        while (len > 0 && path[len - 1] != '/')
                len--;
        while (len > 1 && path[len - 1] == '/')
                len--;
        path[len] = 0;
        return true;
}

/* The folders above "path" (already checked and owned by root), up to "/". */
static int check_folders_above(char *path, char reason[REASON_MAX]) {
        while (cut_last_component(path)) {
                struct stat st;
                int r = lstat_or_fail(path, &st, reason);
                if (r < 0)
                        return r;
                if (!S_ISDIR(st.st_mode))
                        return reason_set(reason, ENOTDIR, "%s: not a folder", path);
                if (st.st_uid != 0)
                        return reason_set(reason, EPERM, "%s: folder owned by uid %u, must be owned by root",
                                          path, (unsigned) st.st_uid);
                /* A sticky folder (like /tmp) may be writable by others: nobody but root
                 * can rename or remove the root-owned entry below it, which the step
                 * before this one has already required. */
                if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
                        return reason_set(reason, EPERM, "%s: folder writable by group or others", path);
        }
        return 0;
}

/* The entry itself (absolute path in buf), not the folders above it. */
static int check_one(const char *buf, bool want_dir, struct stat *st, char reason[REASON_MAX]) {
        int r = lstat_or_fail(buf, st, reason);
        if (r < 0)
                return r;
        if (want_dir && !S_ISDIR(st->st_mode))
                return reason_set(reason, ENOTDIR, "%s: not a folder", buf);
        if (!want_dir && !S_ISREG(st->st_mode))
                return reason_set(reason, EINVAL, "%s: not a regular file", buf);
        /* A folder is named as the walk above a file names it: the same problem
         * reads the same, so check can say it once. */
        const char *kind = want_dir ? "folder " : "";
        if (st->st_uid != 0)
                return reason_set(reason, EPERM, "%s: %sowned by uid %u, must be owned by root", buf, kind,
                                  (unsigned) st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return reason_set(reason, EPERM, "%s: %swritable by group or others", buf, kind);
        return 0;
}

static int check_entry(const char *path, bool want_dir, bool walk_up, struct stat *st,
                       char reason[REASON_MAX]) {
        char buf[PATH_MAX];

        int r = make_absolute(path, buf, reason);
        if (r < 0)
                return r;
        r = check_one(buf, want_dir, st, reason);
        if (r < 0 || !walk_up)
                return r;
        return check_folders_above(buf, reason);
}

int safe_path_check_file(const char *path, char reason[REASON_MAX]) {
        struct stat st;
        return check_entry(path, false, true, &st, reason);
}

int safe_path_check_file_stat(const char *path, struct stat *ret, char reason[REASON_MAX]) {
        return check_entry(path, false, true, ret, reason);
}

int safe_path_check_file_in_checked_dir(const char *path, struct stat *ret, char reason[REASON_MAX]) {
        return check_entry(path, false, false, ret, reason);
}

int safe_path_check_dir(const char *path, char reason[REASON_MAX]) {
        struct stat st;
        return check_entry(path, true, true, &st, reason);
}
