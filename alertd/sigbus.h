/* SPDX-License-Identifier: MIT */
#pragma once

/* Survives a journal file truncated under our mapping (see sigbus.c). */
int sigbus_install(void);
