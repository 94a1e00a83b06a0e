/* SPDX-License-Identifier: MIT */
#include "ratelimit.h"

bool ratelimit_below(struct ratelimit *rl, uint64_t now_usec, uint64_t *ret_missed) {
        *ret_missed = 0;
        if (rl->begin == 0 || now_usec - rl->begin >= rl->interval_usec) {
                rl->begin = now_usec;
                rl->num = 0;
        }
        if (rl->num < rl->burst) {
                rl->num++;
                *ret_missed = rl->missed;
                rl->missed = 0;
                return true;
        }
        rl->missed++;
        return false;
}
