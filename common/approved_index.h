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

/* Writes the index of l (temp file in the same folder, mode 0644, fsync, rename,
 * fsync of the folder).  l must come from approved_list_load of these very files
 * with this allow_private: the stamps recorded are those of the files it read,
 * so a change between the load and the write makes the index stale, not wrong.
 * -EINVAL for any other list. */
int approved_index_write(const struct approved_list *l, const char *main_file, const char *dir, bool allow_private);

/* 0 and a list backed by the index file when it is fresh (lookups pread() it;
 * after 32 lookups it is mapped); -ESTALE when a source or allow_private
 * changed, -ENOENT when there is no index, the error of safe_path_check_file
 * when the index file is not safe, -EBADMSG/-EPROTO when it is damaged or of
 * another version.  Never reads beyond the file, whatever its bytes. */
int approved_index_open(const char *main_file, const char *dir, bool allow_private, struct approved_list **ret);

/* approved_index_open's verdict without the list, for logonaclctl check: 0 when
 * fresh; -ESTALE with *ret_changed the first path found changed since the index
 * was written (a hand edit; NULL when only allow_private changed); the other
 * errors of approved_index_open.  *ret_changed is freed by the caller. */
int approved_index_freshness(const char *main_file, const char *dir, bool allow_private, char **ret_changed);

/* approved_index_open and approved_index_freshness against sources found once
 * (approved_sources.h): no file is listed or stat'ed again.  Sources found
 * without the ownership walk get approved_dir's walk here, as the text path
 * would. */
struct approved_sources;
int approved_index_open_sources(const struct approved_sources *s, bool allow_private, struct approved_list **ret);
int approved_index_freshness_sources(const struct approved_sources *s, bool allow_private, char **ret_changed);
