/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "mbox.h"

static bool needs_quote(const char *line, size_t len) {
        size_t i = 0;
        while (i < len && line[i] == '>')
                i++;
        return len - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

int mbox_write(FILE *f, const char *sender, uint64_t usec, const char *message, size_t len) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        char date[64] = "Thu Jan  1 00:00:00 1970";
        if (gmtime_r(&t, &tm))
                strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
        /* The sender is a mail address alertd checked (no blank, no line break). */
        fprintf(f, "From %s %s\n", sender && sender[0] ? sender : "MAILER-DAEMON", date);
        for (size_t start = 0; start < len;) {
                const char *nl = memchr(message + start, '\n', len - start);
                size_t end = nl ? (size_t) (nl - message) : len;
                size_t line_len = end - start;
                if (line_len > 0 && message[start + line_len - 1] == '\r')
                        line_len--;
                if (needs_quote(message + start, line_len))
                        fputc('>', f);
                fwrite(message + start, 1, line_len, f);
                fputc('\n', f);
                start = nl ? end + 1 : len;
        }
        fputc('\n', f);
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}
