/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
#include "addr.h"
