/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "reason.h"

int reason_set(char reason[REASON_MAX], int error, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, REASON_MAX, fmt, ap);
        va_end(ap);
        return -error;
}
