/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
#include "decide.h"
