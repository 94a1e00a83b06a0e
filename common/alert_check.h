/* SPDX-License-Identifier: MIT */
#pragma once

/* The checks of [alert] that need more than one key or the file system (SPEC
 * §2, §5): credentials never in clear, the files it names there and private,
 * trusted_users resolvable.  logonacl-alertd runs them at start and at each
 * reload, `logonaclctl check` runs the very same, so the two never disagree. */

#include "config.h"
#include "diag.h"

/* Adds "file:line: reason" errors to errors (counted) and warnings to
 * warnings.  Returns 0, or -EINVAL when there was an error. */
int alert_check(const struct config *c, struct diag_list *errors, struct diag_list *warnings);
