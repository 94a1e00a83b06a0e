/* SPDX-License-Identifier: MIT */
#pragma once

/* The one edit `set` makes to logonacl.conf: the value of "action" in one
 * section, every other byte kept.  An existing "action = X" line gets the new
 * value in place (its comment stays); otherwise "action = X" goes below the
 * section's commented "#action = ..." line (the shipped file's form) or its
 * header; a missing section is appended. */

#include "approved_edit.h"

/* Replaces the file e holds (locked and read by approved_edit_begin) and checks
 * that it now reads as intended; prints the reason and returns a negative
 * errno on failure (the old bytes are then put back). */
int set_edit_action(struct approved_edit *e, const char *section, const char *action);

/* The same for any key of a section (logonaclctl alert: [alert] email and
 * threshold); verify reads the new file back (0, or a negative errno with the
 * reason printed: the old bytes are then put back). */
typedef int (*set_edit_verify_fn)(const char *path, const char *section, const char *value, void *userdata);
int set_edit_key(struct approved_edit *e, const char *section, const char *key, const char *value,
                 set_edit_verify_fn verify, void *userdata);
