/* SPDX-License-Identifier: MIT */
#pragma once

/* Text into a list being built (approved_builder.h); every invalid line adds its
 * two lines to the builder's diags.  approved_line_split and
 * approved_entry_parse are declared in approved.h. */

#include <stddef.h>
#include <stdint.h>

struct builder;

/* The lines of data[0..size), as source number source. */
int approved_parse_buffer(struct builder *b, const char *data, size_t size, uint32_t source);
/* The lines read from fd (size_hint: its size), in chunks; stops reading at the
 * builder's error limit. */
int approved_parse_fd(struct builder *b, int fd, const char *path, uint64_t size_hint, uint32_t source);
