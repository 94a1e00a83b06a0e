/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the alert mail composer (alertd/mail.c) with hostile user,
 * rhost, client_ip, service, host and boot id bytes and any times.  It checks
 * what an SMTP server and a mail reader would see (SPEC §5):
 *   - every line ends in CRLF, no bare CR or LF, none longer than 998 octets;
 *   - the header block is exactly From, To, Subject, Date, Message-ID,
 *     Auto-Submitted, MIME-Version, Content-Type, Content-Transfer-Encoding,
 *     each once, in that order (continuation lines only under To and Subject);
 *   - no body line starts with "." (libcurl dot-stuffs, but a composer that
 *     relies on it would end DATA on a server that does not), so the message
 *     followed by ".\r\n" holds exactly one end of DATA;
 *   - the Message-ID is that of mail_message_id() and only safe characters;
 *   - no header, body line or label can be added by a field.
 * Keep it small: if struct alert_entry gains a field, add one more take_field. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
        const uint8_t *p;
        size_t left;
};

static uint64_t take_u64(struct input *in) {
        uint64_t v = 0;
        for (int i = 0; i < 8 && in->left > 0; i++, in->p++, in->left--)
                v = v << 8 | *in->p;
        return v;
}

/* A field: one length byte (255: two more bytes of length), then the bytes. */
static struct field_value take_field(struct input *in) {
        size_t len = 0;
        if (in->left > 0) {
                len = *in->p++;
                in->left--;
                if (len == 255 && in->left >= 2) {
                        len = (size_t) in->p[0] << 8 | in->p[1];
                        in->p += 2;
                        in->left -= 2;
                }
        }
        if (len > in->left)
                len = in->left;
        struct field_value v = { (const char *) in->p, len };
        in->p += len;
        in->left -= len;
        return v;
}

static const char *const headers[] = {
        "From: ", "To: ", "Subject: ", "Date: ", "Message-ID: ", "Auto-Submitted: ", "MIME-Version: ",
        "Content-Type: ", "Content-Transfer-Encoding: ",
};

static void check_message(const char *m, size_t len, const char *message_id) {
        size_t n_headers = 0, n_dot_ends = 0;
        bool in_body = false;

        if (len < 2 || memcmp(m + len - 2, "\r\n", 2) != 0)
                abort();
        for (size_t start = 0; start < len;) {
                const char *crlf = memmem(m + start, len - start, "\r\n", 2);
                if (!crlf)
                        abort();
                size_t end = (size_t) (crlf - m), line_len = end - start;
                const char *line = m + start;

                if (memchr(line, '\r', line_len) || memchr(line, '\n', line_len) || memchr(line, '\0', line_len))
                        abort();
                if (line_len > 998)
                        abort();
                if (!in_body) {
                        if (line_len == 0)
                                in_body = true;
                        else if (line[0] == ' ' || line[0] == '\t') {
                                /* folding only inside To and Subject */
                                if (n_headers == 0 || (strcmp(headers[n_headers - 1], "To: ") != 0 &&
                                                       strcmp(headers[n_headers - 1], "Subject: ") != 0))
                                        abort();
                        } else {
                                if (n_headers >= sizeof headers / sizeof headers[0])
                                        abort();
                                size_t hl = strlen(headers[n_headers]);
                                if (line_len < hl || memcmp(line, headers[n_headers], hl) != 0)
                                        abort();
                                if (strcmp(headers[n_headers], "Message-ID: ") == 0 &&
                                    (line_len - hl != strlen(message_id) || memcmp(line + hl, message_id, line_len - hl) != 0))
                                        abort();
                                n_headers++;
                        }
                } else if (line_len > 0 && line[0] == '.')
                        abort();
                start = end + 2;
        }
        if (!in_body || n_headers != sizeof headers / sizeof headers[0])
                abort();

        /* DATA as the server sees it: the message, then ".\r\n". */
        char *data = malloc(len + 3);
        if (!data)
                abort();
        memcpy(data, m, len);
        memcpy(data + len, ".\r\n", 3);
        for (const char *p = data; (p = memmem(p, (size_t) (data + len + 3 - p), "\r\n.\r\n", 5)); p++)
                n_dot_ends++;
        free(data);
        if (n_dot_ends != 1)
                abort();
}

static void check_message_id(const char *id) {
        size_t n = strlen(id);
        if (n < 3 || id[0] != '<' || id[n - 1] != '>')
                abort();
        for (size_t i = 1; i + 1 < n; i++) {
                char c = id[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '@'))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct input in = { data, size };
        uint64_t flags = take_u64(&in);
        struct alert_entry e = {
                .channel = (enum channel) (flags % 4) - 1,     /* CHANNEL_INVALID or a channel, as alertd reads it */
                .sso = flags >> 8 & 1,
                .action = (enum action) ((flags >> 16 & 0xff) % _ACTION_MAX),
                .realtime_usec = take_u64(&in),
                .monotonic_usec = take_u64(&in),
        };
        char *to_items[] = { "secops@example.com", "oncall@example.com" };
        struct string_list to = { to_items, 1 + (flags >> 24 & 1) };
        struct mail_params p = {
                .from = "no-reply@host.example.com",
                .to = &to,
                .timezone_name = flags >> 25 & 1 ? "Asia/Tokyo" : "UTC",
                .utc_offset = (int32_t) (flags >> 32) % (18 * 3600),
                .journal_dropped = flags >> 26 & 1 ? flags >> 40 : 0,
        };
        e.user = take_field(&in);
        e.client_ip = take_field(&in);
        e.rhost = take_field(&in);
        e.service = take_field(&in);
        e.hostname = take_field(&in);
        e.boot_id = take_field(&in);

        char *id = mail_message_id(&e), *m = NULL;
        size_t len = 0;
        if (!id)
                abort();
        check_message_id(id);
        if (mail_compose(&e, &p, &m, &len) < 0)
                abort();
        if (strlen(m) != len)
                abort();
        check_message(m, len, id);
        free(m);
        free(id);
        return 0;
}
