/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
#include "safe_path.h"
