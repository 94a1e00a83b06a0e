/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
#include "approved_index.h"
