/* SPDX-License-Identifier: MIT */
#pragma once

/* Printing journal values that an attacker chose (user names, PAM_RHOST) so they
 * cannot move the cursor, recolour, reorder (bidi) or fake lines on a terminal,
 * and cannot break the JSON of `log --json`. */

#include <stddef.h>
#include <stdio.h>

/* Writes data for a terminal: valid printable UTF-8 as is, backslash as "\\",
 * every other byte (C0 and C1 controls, DEL, bidi and line-separator marks,
 * invalid UTF-8) as "\xNN".  Returns the number of terminal columns written:
 * two for a wide (CJK) character, none for a combining mark, one for any other
 * character, so that a caller can pad it into a table column. */
size_t escape_terminal(FILE *f, const char *data, size_t len);

/* The same into a new string (NULL on allocation failure). */
char *escape_terminal_string(const char *data, size_t len);

/* Writes data as one JSON value, ASCII only: a string with \uXXXX escapes when
 * it is valid UTF-8 without NUL, otherwise an array of its byte values (the
 * convention of journalctl -o json), so no byte is lost or invented. */
void json_write_value(FILE *f, const char *data, size_t len);
