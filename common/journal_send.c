/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
#include "journal_send.h"
