/* SPDX-License-Identifier: MIT */
/* Terminal and JSON escaping of hostile bytes. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "escape.h"
#include "macro.h"

/* Length of the valid UTF-8 sequence at s (1..4) with its code point, or 0 when
 * the bytes are not valid UTF-8 (overlong forms, surrogates, > U+10FFFF). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *ret) {
        uint32_t cp, min;
        size_t n;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, cp = s[0] & 0x1f, min = 0x80;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, cp = s[0] & 0x0f, min = 0x800;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, cp = s[0] & 0x07, min = 0x10000;
        else
                return 0;
        if (n > len)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret = cp;
        return n;
}

/* Characters a terminal must not interpret: controls, and the marks that
 * reorder or break text (bidi embeddings and isolates, line separators). */
static bool terminal_unsafe(uint32_t cp) {
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
               (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

size_t escape_terminal(FILE *f, const char *data, size_t len) {
        const unsigned char *s = (const unsigned char *) data;
        size_t columns = 0;

        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t n = utf8_decode(s + i, len - i, &cp);

                if (n > 0 && cp == '\\') {
                        fputs("\\\\", f);
                        columns += 2;
                } else if (n > 0 && !terminal_unsafe(cp)) {
                        fwrite(s + i, 1, n, f);
                        columns++;
                } else {
                        /* The bytes of an unsafe character, or the one invalid byte. */
                        if (n == 0)
                                n = 1;
                        for (size_t k = 0; k < n; k++)
                                fprintf(f, "\\x%02x", s[i + k]);
                        columns += 4 * n;
                }
                i += n;
        }
        return columns;
}

char *escape_terminal_string(const char *data, size_t len) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        escape_terminal(f, data, len);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static bool json_string_ok(const char *data, size_t len) {
        const unsigned char *s = (const unsigned char *) data;
        uint32_t cp;

        for (size_t i = 0; i < len;) {
                size_t n = utf8_decode(s + i, len - i, &cp);
                if (n == 0 || cp == 0)
                        return false;
                i += n;
        }
        return true;
}

void json_write_value(FILE *f, const char *data, size_t len) {
        const unsigned char *s = (const unsigned char *) data;

        if (!json_string_ok(data, len)) {
                fputc('[', f);
                for (size_t i = 0; i < len; i++)
                        fprintf(f, "%s%u", i > 0 ? "," : "", s[i]);
                fputc(']', f);
                return;
        }

        fputc('"', f);
        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t n = utf8_decode(s + i, len - i, &cp);
                i += n;
                if (cp == '"' || cp == '\\')
                        fprintf(f, "\\%c", (char) cp);
                else if (cp >= 0x20 && cp < 0x7f)
                        fputc((int) cp, f);
                else if (cp < 0x10000)
                        fprintf(f, "\\u%04x", cp);
                else {
                        cp -= 0x10000;
                        fprintf(f, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
                }
        }
        fputc('"', f);
}
