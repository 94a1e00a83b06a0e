/* SPDX-License-Identifier: MIT */
#pragma once

/* journalctl's pager habit: on a terminal, stdout goes through $SYSTEMD_PAGER,
 * else $PAGER, else "less" (LESS=FRSXMK unless set: quit if one screen, raw
 * colours, chop long lines, no init, ...); no pager when stdout is no terminal,
 * or the variable is empty or "cat". */

#include <sys/types.h>

/* Starts the pager if there should be one; returns its pid, 0 for none. */
pid_t pager_open(void);
/* Flushes stdout into the pager, waits for the pager to end, and points stdout
 * at /dev/null (a pager quit early is not a write error). */
void pager_close(pid_t pid);
