/* SPDX-License-Identifier: MIT */
/* Terminal and JSON escaping of hostile bytes. */

#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <wchar.h>

#include "escape.h"
#include "macro.h"
#include "utf8.h"

/* Columns a terminal gives a safe (printable) character: two for East Asian
 * wide and full-width ones, none for combining marks, by glibc's Unicode
 * tables.  Those live in a UTF-8 locale: C.UTF-8 (in Debian's libc-bin), not
 * the caller's LANG, so a table lines up the same in every locale; where
 * C.UTF-8 is missing, every character counts one, as before. */
static size_t char_columns(uint32_t cp) {
        static locale_t utf8 = (locale_t) 0;
        static bool tried = false;

        if (cp < 0x80)
                return 1;
        if (!tried) {
                utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
                tried = true;
        }
        if (utf8 == (locale_t) 0)
                return 1;
        locale_t old = uselocale(utf8);
        int w = wcwidth((wchar_t) cp);
        uselocale(old);
        /* -1: unassigned, or a format character the unsafe list lets through;
         * terminals show those in one column. */
        return w < 0 ? 1 : (size_t) w;
}

size_t escape_terminal(FILE *f, const char *data, size_t len) {
        const unsigned char *s = (const unsigned char *) data;
        size_t columns = 0;

        for (size_t i = 0; i < len;) {
                char piece[UTF8_PIECE_MAX];
                size_t consumed, piece_len;

                piece_len = escape_next(s + i, len - i, "\\", piece, &consumed);
                fwrite(piece, 1, piece_len, f);
                /* A character shown as is takes the columns the terminal gives it
                 * (char_columns); an escape ("\\", "\xNN") one per byte written. */
                if (piece_len == consumed) {
                        uint32_t cp;
                        columns += utf8_decode(s + i, consumed, &cp) > 0 ? char_columns(cp) : piece_len;
                } else
                        columns += piece_len;
                i += consumed;
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
