/* SPDX-License-Identifier: MIT */
#pragma once

/* The ownership and permission walk of SPEC §2, like sshd's StrictModes: the file
 * must be a regular file owned by root and not writable by group or others; every
 * folder above it must be owned by root and not group/other-writable, or be
 * sticky (like /tmp) with the entry below it owned by root.  lstat throughout:
 * a symlink anywhere is refused. */

#include <stddef.h>

#include "reason.h"

struct stat;

/* 0, or a negative errno with reason "PATH: <what is wrong>" naming the offending path. */
int safe_path_check_file(const char *path, char reason[REASON_MAX]);
/* Same for a folder (approved_dir) and the folders above it. */
int safe_path_check_dir(const char *path, char reason[REASON_MAX]);

/* safe_path_check_file, also giving the file's lstat (no second stat for its stamp). */
int safe_path_check_file_stat(const char *path, struct stat *ret, char reason[REASON_MAX]);
/* The file alone, for an entry of a folder that safe_path_check_dir accepted (a
 * drop-in): the folders above were walked once for all of its entries. */
int safe_path_check_file_in_checked_dir(const char *path, struct stat *ret, char reason[REASON_MAX]);
