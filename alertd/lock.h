/* SPDX-License-Identifier: MIT */
#pragma once

/* One alertd per state file (SPEC §5): a POSIX record lock on "STATE.lock",
 * held while alertd runs (released by the kernel when it exits, also on a
 * crash).  Two instances on one state file would each send the full cap. */

#include <sys/types.h>

/* Takes the lock: an fd to keep open, -EBUSY with *ret_holder (the PID that
 * holds it, 0 if unknown), or another negative errno. */
int state_lock(const char *state_path, pid_t *ret_holder);
/* Who holds the lock, without taking it (F_GETLK, for logonaclctl status):
 * 0 with *ret_holder the PID (-1: held by a process of another PID namespace,
 * 0: nobody; also when the lock file does not exist), or a negative errno. */
int state_lock_holder(const char *state_path, pid_t *ret_holder);
