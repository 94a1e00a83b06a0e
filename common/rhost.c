/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
#include "rhost.h"
