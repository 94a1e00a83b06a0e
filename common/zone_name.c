/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "zone_name.h"

static bool is_zone_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("/_+-.", c));
}

bool zone_name_is_valid(const char *name) {
        if (!name)
                return false;
        size_t len = strnlen(name, ZONE_NAME_MAX + 1);
        if (len == 0 || len > ZONE_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_zone_char(name[i]))
                        return false;
        /* Each segment starts at the beginning or after a '/'. */
        for (size_t i = 0; i < len; i++)
                if ((i == 0 || name[i - 1] == '/') && (name[i] == '/' || name[i] == '.'))
                        return false;
        return name[len - 1] != '/';
}
