/* SPDX-License-Identifier: MIT */
#pragma once

/* Strict UTF-8 decoding and the one list of code points that must not reach a
 * terminal, a log line or a mail as is.  Shared by the config parser (validity),
 * the PAM module's MESSAGE, alertd's mail text and logonaclctl's output, so all
 * of them agree on what is well-formed and what is shown escaped. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest piece escape_next() writes: 4 bytes of UTF-8 or "\xNN", plus a NUL. */
#define UTF8_PIECE_MAX 8

/* Length (1..4) of the well-formed UTF-8 sequence at s, its code point in
 * *ret_code_point; 0 when the bytes at s are not one (overlong form, surrogate,
 * past U+10FFFF, truncated within left, stray continuation byte) or left is 0.
 * An ASCII byte, NUL included, is a sequence of length 1. */
size_t utf8_decode(const unsigned char *s, size_t left, uint32_t *ret_code_point);

/* Whether all len bytes at s are well-formed UTF-8. */
bool utf8_is_valid(const unsigned char *s, size_t len);

/* Code points that could move the cursor, break a line, reorder text or not be
 * seen at all when shown: C0 controls, DEL, C1 controls, U+2028/U+2029, and
 * Unicode's default-ignorable code points (the bidi marks, embeddings,
 * overrides and isolates, zero-width spaces and joiners, variation selectors,
 * Hangul fillers, tags, U+FEFF ...), so that no two values that differ look
 * the same. */
bool unichar_unsafe(uint32_t code_point);

/* One step of escaping hostile bytes into printable text: writes to piece the
 * text for the character at s and returns its length (NUL-terminated too);
 * *consumed is the number of bytes of s it stands for (left must be > 0).
 * A byte listed in backslashed comes out as '\\' and the byte; a well-formed,
 * safe character (printable ASCII or UTF-8) as is; anything else as "\xNN" of
 * one byte, so an unsafe or broken sequence shows every byte it holds. */
size_t escape_next(const unsigned char *s, size_t left, const char *backslashed, char piece[UTF8_PIECE_MAX],
                   size_t *consumed);

/* Writes len bytes of data to out (size bytes) as one safe line, each
 * character as escape_next() gives it; when the rest would not fit, out ends
 * with "..." instead (size < 4: empty).  Returns the length written. */
size_t escape_to_buffer(char *out, size_t size, const void *data, size_t len, const char *backslashed);
