/* SPDX-License-Identifier: MIT */
/* The set of files the approved list is read from, found and checked once per
 * reader: the module used to list approved_dir and walk every file up to three
 * times per logon (its own check, the index's freshness check, the loader). */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "approved_sources.h"
#include "safe_path.h"


void approved_stamp_from_stat(struct approved_stamp *s, const struct stat *st) {
        *s = (struct approved_stamp) {
                .dev = (uint64_t) st->st_dev,
                .ino = (uint64_t) st->st_ino,
                .size = (uint64_t) st->st_size,
                .mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                .ctime_ns = (int64_t) st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
                .mode = (uint32_t) st->st_mode,
                .uid = (uint32_t) st->st_uid,
        };
}

void approved_sources_free(struct approved_sources *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_files; i++)
                free(s->files[i].path);
        free(s->files);
        free(s->dir);
        free(s);
}

static int fail(struct diag_list *diags, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct diag_list *diags, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        diag_errorv(diags, NULL, fmt, ap);
        va_end(ap);
        return r;
}

/* Takes path (allocated) as the next file, unstamped. */
static int add_file(struct approved_sources *s, char *path, size_t *cap) {
        if (!path)
                return -ENOMEM;
        if (s->n_files == *cap) {
                size_t n = *cap ? *cap * 2 : 8;
                struct approved_source *f = realloc(s->files, n * sizeof *f);
                if (!f) {
                        free(path);
                        return -ENOMEM;
                }
                s->files = f;
                *cap = n;
        }
        s->files[s->n_files++] = (struct approved_source) { .path = path };
        return 0;
}

static bool is_list_name(const char *name) {
        size_t n = strlen(name);
        return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".list") == 0;
}

static int cmp_sources(const void *a, const void *b) {
        return strcmp(((const struct approved_source *) a)->path, ((const struct approved_source *) b)->path);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* approved_dir's stamp and its *.list entries as "dir/name", sorted. */
static int list_dropins(struct approved_sources *s, bool check_perms, struct diag_list *diags, size_t *cap) {
        _cleanup_(closedirp) DIR *d = opendir(s->dir);
        if (!d)
                return errno == ENOENT ? 0 :
                       fail(diags, -errno, "%s: cannot open folder: %s", s->dir, strerror(errno));
        struct stat st;
        if (fstat(dirfd(d), &st) < 0)
                return fail(diags, -errno, "%s: cannot stat folder: %s", s->dir, strerror(errno));
        approved_stamp_from_stat(&s->dir_stamp, &st);
        if (check_perms) {
                char why[REASON_MAX];
                int r = safe_path_check_dir(s->dir, why);
                if (r < 0)
                        return fail(diags, r, "%s", why);
        }

        size_t first = s->n_files;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (!is_list_name(de->d_name))
                        continue;
                char *path;
                if (asprintf(&path, "%s/%s", s->dir, de->d_name) < 0)
                        return -ENOMEM;
                int r = add_file(s, path, cap);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return fail(diags, -errno, "%s: cannot read folder: %s", s->dir, strerror(errno));
        qsort(s->files + first, s->n_files - first, sizeof *s->files, cmp_sources);
        return 0;
}

/* Each file's stamp; with check_perms, its safe_path check, whose lstat is the
 * stamp (a symlink is refused there, so lstat and stat agree). */
static int stamp_files(struct approved_sources *s, size_t from, size_t to, bool check_perms,
                       struct diag_list *diags) {
        for (size_t i = from; i < to; i++) {
                char why[REASON_MAX];
                struct stat st;
                int r;

                if (!check_perms)
                        r = stat(s->files[i].path, &st) < 0 ? -errno : 0;
                else if (i == 0)
                        r = safe_path_check_file_stat(s->files[i].path, &st, why);
                else    /* approved_dir and the folders above it were walked once */
                        r = safe_path_check_file_in_checked_dir(s->files[i].path, &st, why);
                if (r < 0 && check_perms)
                        return fail(diags, r, "%s", why);
                if (r >= 0)
                        approved_stamp_from_stat(&s->files[i].stamp, &st);
        }
        return 0;
}

int approved_sources_find(const char *main_file, const char *dir, bool check_perms, struct diag_list *diags,
                          struct approved_sources **ret) {
        _cleanup_(approved_sources_freep) struct approved_sources *s = calloc(1, sizeof *s);
        size_t cap = 0;
        if (!s)
                return -ENOMEM;
        s->checked = check_perms;

        /* The main file is walked first: a logon refuses an unsafe list before
         * looking further, and the loader names that file first. */
        int r = add_file(s, strdup(main_file), &cap);
        if (r >= 0)
                r = stamp_files(s, 0, 1, check_perms, diags);
        if (r >= 0 && dir && *dir) {
                s->dir = strdup(dir);
                r = s->dir ? list_dropins(s, check_perms, diags, &cap) : -ENOMEM;
        }
        if (r >= 0)
                r = stamp_files(s, 1, s->n_files, check_perms, diags);
        if (r < 0)
                return r;
        *ret = s;
        s = NULL;
        return 0;
}
