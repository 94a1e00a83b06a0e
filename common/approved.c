/* SPDX-License-Identifier: MIT */
/* The approved list's entry points: loaded from its files (approved_sources.h)
 * or from a buffer, and freed.  The parts: approved_parse.c (text),
 * approved_builder.c (arrays), approved_sort.c and approved_segments.c (the
 * lookup arrays), approved_lookup.c (match), approved_index.c (the compiled
 * file), approved_pages.c (memory). */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "approved.h"
#include "approved_builder.h"
#include "approved_pages.h"
#include "approved_parse.h"
#include "approved_sources.h"

/* One file of the sources: opened as the config reader opens its file, and
 * stamped from the open descriptor (what is read is what the index records). */
static int load_file(struct builder *b, const struct approved_source *src, bool checked) {
        const char *path = src->path;
        int source = builder_add_source(b, path);
        if (source < 0)
                return source;

        /* O_NONBLOCK: a FIFO named x.list must not hang a logon or check. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (checked ? O_NOFOLLOW : 0));
        if (fd < 0)
                return builder_fail(b, -errno, "%s: cannot open: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return builder_fail(b, -errno, "%s: cannot stat: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return builder_fail(b, -EINVAL, "%s: not a regular file", path);
        /* Checked again on the open file: the path may have changed since the walk. */
        if (checked && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
                return builder_fail(b, -EPERM, "%s: must be owned by root and not writable by group or others", path);
        if ((uint64_t) st.st_size > APPROVED_FILE_MAX)
                return builder_fail(b, -EFBIG, "%s: larger than %zu bytes", path, APPROVED_FILE_MAX);
        approved_stamp_from_stat(&b->source_stamps[source], &st);

        return approved_parse_fd(b, fd, path, (uint64_t) st.st_size, (uint32_t) source);
}

int approved_list_parse_buffer(const char *data, size_t size, const char *source, bool allow_private,
                               size_t max_errors, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(builder_free) struct builder b = {
                .allow_private = allow_private,
                .max_errors = max_errors,
                .diags = diags,
        };

        int r = builder_add_source(&b, source);
        if (r < 0)
                return r;
        r = approved_parse_buffer(&b, data, size, 0);
        if (r < 0)
                return r;
        if (b.n_errors > 0)
                return -EINVAL;
        return builder_finish(&b, ret);
}

static int load_all(struct builder *b, const struct approved_sources *sources, struct approved_list **ret) {
        int r = 0;
        for (size_t i = 0; i < sources->n_files && r >= 0 && !builder_full(b); i++)
                r = load_file(b, &sources->files[i], sources->checked);
        if (r < 0)
                return r;
        if (b->n_errors > 0)
                return -EINVAL;
        b->dir_stamp = sources->dir_stamp;
        b->stamped = !b->probing;       /* a probe's list is no index's source */
        return builder_finish(b, ret);
}

int approved_list_load_sources(const struct approved_sources *sources, bool allow_private, size_t max_errors,
                               struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(builder_free) struct builder b = {
                .allow_private = allow_private,
                .max_errors = max_errors,
                .diags = diags,
        };
        return load_all(&b, sources, ret);
}

int approved_list_load_sources_for(const struct approved_sources *sources, bool allow_private, size_t max_errors,
                                   addr128 addr, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(builder_free) struct builder b = {
                .allow_private = allow_private,
                .max_errors = max_errors,
                .diags = diags,
                .probing = true,
                .probe = addr,
        };
        return load_all(&b, sources, ret);
}

int approved_list_load(const char *main_file, const char *dir, bool allow_private, bool check_perms,
                       size_t max_errors, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        int r = approved_sources_find(main_file, dir, check_perms, diags, &sources);
        if (r < 0)
                return r;
        return approved_list_load_sources(sources, allow_private, max_errors, diags, ret);
}

int approved_list_load_for(const char *main_file, const char *dir, bool allow_private, bool check_perms,
                           size_t max_errors, addr128 addr, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        int r = approved_sources_find(main_file, dir, check_perms, diags, &sources);
        if (r < 0)
                return r;
        return approved_list_load_sources_for(sources, allow_private, max_errors, addr, diags, ret);
}

void approved_list_free(struct approved_list *l) {
        if (!l)
                return;
        if (l->by_pread)
                approved_index_release(l);
        else {
                pages_free(l->segs);
                pages_free(l->seg_entry);
                pages_free(l->bucket);
                pages_free(l->entries);
                free((void *) l->stamps);
                for (size_t i = 0; i < l->n_sources; i++)
                        free((void *) l->sources[i]);
        }
        free(l->sources);
        free(l);
}
