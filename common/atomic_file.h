/* SPDX-License-Identifier: MIT */
#pragma once

/* Replacing a file so that a reader sees the old bytes or the new ones, never a
 * mix, and a crash leaves one of the two: a temporary file in the same folder,
 * fsync, rename over the target, fsync of the folder.  Used for the approved
 * list (logonaclctl), its index and alertd's state file. */

#include <stddef.h>
#include <sys/types.h>

struct atomic_file {
        char *path;
        char *temp_path;
        int fd;                 /* the temporary file, for writers that need it */
};

#define ATOMIC_FILE_INIT { .fd = -1 }

/* Creates "<path>.XXXXXX" beside path with mode and owner uid:gid
 * ((uid_t) -1 keeps the creator's).  0 or a negative errno. */
int atomic_file_begin(struct atomic_file *f, const char *path, mode_t mode, uid_t uid, gid_t gid);
/* Appends len bytes (short writes and EINTR handled). */
int atomic_file_write(struct atomic_file *f, const void *data, size_t len);
/* fsync, close, rename over path, fsync the folder.  On failure the temporary
 * file is removed; either way f is released.  0 or a negative errno. */
int atomic_file_commit(struct atomic_file *f);
/* Removes the temporary file and releases f; harmless after commit. */
void atomic_file_abort(struct atomic_file *f);

/* Removes the "<path>.XXXXXX" files of writers killed between begin and commit,
 * which nothing else would ever remove.  Only while holding the writers' lock:
 * a live writer's temporary file has the same name.  The number removed, or a
 * negative errno. */
int atomic_file_remove_stale(const char *path);
