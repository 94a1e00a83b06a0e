/* SPDX-License-Identifier: MIT */
#pragma once

/* A compiled, mmap-able form of the approved list, so a logon never parses a
 * large text list.  It lives beside the main file as "<approved_file>.index",
 * is written by logonaclctl (root) atomically, and records the identity of every
 * source file (dev, ino, size, mtime, ctime, mode, uid of the main file, the
 * folder and each *.list) and allow_private.  A reader uses it only when every
 * stamp still matches; otherwise the text is parsed, so a hand edit is never
 * ignored, only slower until the index is rebuilt. */

#include <stdbool.h>
#include "approved.h"

/* "<approved_file>.index", newly allocated. */
char *approved_index_path(const char *approved_file);

/* Writes the index of l for the files as they are now (temp file, fsync, rename). */
int approved_index_write(const struct approved_list *l, const char *main_file, const char *dir, bool allow_private);

/* 0 and a list backed by the mapped index when it is fresh; -ESTALE when a source
 * changed or the index is missing (-ENOENT); other negative errno on a bad index. */
int approved_index_open(const char *main_file, const char *dir, bool allow_private, struct approved_list **ret);
