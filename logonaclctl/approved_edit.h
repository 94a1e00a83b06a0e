/* SPDX-License-Identifier: MIT */
#pragma once

/* Editing the main approved file safely (SPEC §6): an exclusive lock on
 * "<approved_file>.lock" (the file itself cannot be locked: rename replaces its
 * inode), the bytes as they are, and an atomic replacement that keeps owner and
 * mode, so a logon reading the file concurrently sees the old or the new list,
 * never half of one. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct approved_edit {
        const char *path;
        int lock_fd;
        bool existed;           /* false: the file is created by the first replace */
        struct stat st;         /* of the file as read, when existed */
        char *data;             /* its bytes, NUL-terminated */
        size_t size;
};

#define APPROVED_EDIT_INIT { .lock_fd = -1 }

/* Waits for the edit lock, then reads the file.  Prints the reason and returns a
 * negative errno on failure. */
int approved_edit_begin(struct approved_edit *e, const char *path);

/* A piece of the new file's bytes (the old bytes are reused, not copied). */
struct text_part {
        const char *data;
        size_t len;
};

/* Replaces the file with the parts, in order: a temp file in the same folder with the old
 * owner and mode (new file: root, 0644), fsync, rename, fsync of the folder.
 * Prints the reason and returns a negative errno on failure (file unchanged). */
int approved_edit_replace(struct approved_edit *e, const struct text_part *parts, size_t n_parts);

/* Releases the lock and the bytes. */
void approved_edit_end(struct approved_edit *e);
