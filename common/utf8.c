/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "utf8.h"

size_t utf8_decode(const unsigned char *s, size_t left, uint32_t *ret_code_point) {
        uint32_t cp, min;
        size_t len;

        if (left == 0)
                return 0;
        if (s[0] < 0x80) {
                *ret_code_point = s[0];
                return 1;
        }
        /* 0x80..0xbf are continuation bytes, 0xc0/0xc1 could only start overlong
         * forms, 0xf5.. would be past U+10FFFF. */
        if (s[0] < 0xc2 || s[0] > 0xf4)
                return 0;
        if (s[0] < 0xe0)
                len = 2, cp = s[0] & 0x1f, min = 0x80;
        else if (s[0] < 0xf0)
                len = 3, cp = s[0] & 0x0f, min = 0x800;
        else
                len = 4, cp = s[0] & 0x07, min = 0x10000;
        if (len > left)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_code_point = cp;
        return len;
}

bool utf8_is_valid(const unsigned char *s, size_t len) {
        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t n = utf8_decode(s + i, len - i, &cp);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

/* Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, 15.0):
 * drawn as nothing, so "root" and "root<U+200B>" would look alike.  Sorted. */
static const struct { uint32_t first, last; } invisible[] = {
        { 0x00ad, 0x00ad },     /* soft hyphen */
        { 0x034f, 0x034f },     /* combining grapheme joiner */
        { 0x061c, 0x061c },     /* Arabic letter mark */
        { 0x115f, 0x1160 },     /* Hangul fillers */
        { 0x17b4, 0x17b5 },     /* Khmer inherent vowels */
        { 0x180b, 0x180f },     /* Mongolian variation selectors, vowel separator */
        { 0x200b, 0x200f },     /* zero width space, (non-)joiner, LRM, RLM */
        { 0x202a, 0x202e },     /* bidi embeddings and overrides */
        { 0x2060, 0x206f },     /* word joiner, invisible operators, bidi isolates */
        { 0x3164, 0x3164 },     /* Hangul filler */
        { 0xfe00, 0xfe0f },     /* variation selectors */
        { 0xfeff, 0xfeff },     /* zero width no-break space (BOM) */
        { 0xffa0, 0xffa0 },     /* halfwidth Hangul filler */
        { 0xfff0, 0xfff8 },
        { 0x1bca0, 0x1bca3 },   /* shorthand format controls */
        { 0x1d173, 0x1d17a },   /* musical format controls */
        { 0xe0000, 0xe0fff },   /* tags, variation selectors supplement */
};

bool unichar_unsafe(uint32_t cp) {
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
                return true;
        if (cp < invisible[0].first)
                return false;   /* the common case: ASCII and Latin-1 letters */
        for (size_t i = 0; i < ELEMENTSOF(invisible) && invisible[i].first <= cp; i++)
                if (cp <= invisible[i].last)
                        return true;
        return false;
}

size_t escape_next(const unsigned char *s, size_t left, const char *backslashed, char piece[UTF8_PIECE_MAX],
                   size_t *consumed) {
        uint32_t cp;
        size_t n;

        /* s[0] != 0: strchr would find the terminating NUL of backslashed. */
        if (s[0] != 0 && backslashed && strchr(backslashed, s[0])) {
                piece[0] = '\\', piece[1] = (char) s[0], piece[2] = 0;
                *consumed = 1;
                return 2;
        }
        n = utf8_decode(s, left, &cp);
        if (n > 0 && !unichar_unsafe(cp)) {
                memcpy(piece, s, n);
                piece[n] = 0;
                *consumed = n;
                return n;
        }
        /* One byte only: the rest of an unsafe or broken sequence comes out byte
         * by byte on the next steps (continuation bytes never start a sequence). */
        *consumed = 1;
        return (size_t) snprintf(piece, UTF8_PIECE_MAX, "\\x%02x", s[0]);
}

size_t escape_to_buffer(char *out, size_t size, const void *data, size_t len, const char *backslashed) {
        const unsigned char *s = data;
        size_t o = 0;

        if (size < 4) {                 /* no room even for "..." */
                if (size > 0)
                        out[0] = 0;
                return 0;
        }
        const size_t room = size - 4;   /* keeps space for "..." and the NUL */

        while (len > 0) {
                char piece[UTF8_PIECE_MAX];
                size_t consumed, piece_len = escape_next(s, len, backslashed, piece, &consumed);
                if (o + piece_len > room) {
                        memcpy(out + o, "...", 3);
                        o += 3;
                        break;
                }
                memcpy(out + o, piece, piece_len);
                o += piece_len;
                s += consumed;
                len -= consumed;
        }
        out[o] = 0;
        return o;
}
