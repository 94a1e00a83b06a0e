/* SPDX-License-Identifier: MIT */
/* Terminal and JSON escaping of hostile bytes. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "escape.h"
#include "macro.h"
#include "utf8.h"

size_t escape_terminal(FILE *f, const char *data, size_t len) {
        const unsigned char *s = (const unsigned char *) data;
        size_t columns = 0;

        for (size_t i = 0; i < len;) {
                char piece[UTF8_PIECE_MAX];
                size_t consumed, piece_len;

                piece_len = escape_next(s + i, len - i, "\\", piece, &consumed);
                fwrite(piece, 1, piece_len, f);
                /* A character shown as is takes one column whatever its length in
                 * bytes; an escape takes one column per byte written. */
                columns += piece_len == consumed ? 1 : piece_len;
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
