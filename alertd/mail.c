/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "events.h"
#include "hostname.h"
#include "mail.h"
#include "utf8.h"

#define QP_LINE_MAX 76                  /* RFC 2045 §6.7 (5), with the soft-break "=" */
#define PLAIN_LINE_MAX 998              /* RFC 5322 §2.1.1, without CRLF */
#define HEADER_LINE_GOAL 78
#define ENCODED_WORD_BYTES 45           /* 60 base64 characters + 12 = 72 <= 75 */

static const char *const day_names[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Appends a journal value as printable UTF-8 text: control bytes, invalid UTF-8
 * and the backslash itself are written as \xNN / \\, so the text holds no CR or
 * LF and shows the reader exactly which bytes came in. */
static void append_escaped(struct buf *b, struct field_value v) {
        const unsigned char *s = (const unsigned char *) v.data;
        size_t len = v.len > MAIL_FIELD_MAX ? MAIL_FIELD_MAX : v.len;

        if (v.len == 0) {
                buf_puts(b, "(none)");
                return;
        }
        for (size_t i = 0; i < len;) {
                char piece[UTF8_PIECE_MAX];
                size_t consumed, piece_len = escape_next(s + i, len - i, "\\", piece, &consumed);
                buf_append(b, piece, piece_len);
                i += consumed;
        }
        if (v.len > len)
                buf_printf(b, " [cut: %zu bytes in all]", v.len);
}

/* Message-ID: <logonacl.BOOT.MONO.REAL@HOST>, every part from the entry and
 * reduced to safe characters (the host to its letters, digits, hyphens and
 * dots, whatever it is), so a resend carries the same id. */
char *mail_message_id(const struct alert_entry *e) {
        struct buf b = {};
        buf_puts(&b, "<logonacl.");
        size_t hex = 0;
        for (size_t i = 0; i < e->boot_id.len && i < 32; i++)
                if ((e->boot_id.data[i] >= '0' && e->boot_id.data[i] <= '9') ||
                    (e->boot_id.data[i] >= 'a' && e->boot_id.data[i] <= 'f')) {
                        buf_append(&b, e->boot_id.data + i, 1);
                        hex++;
                }
        if (hex == 0)
                buf_puts(&b, "0");
        buf_printf(&b, ".%" PRIx64 ".%" PRIx64 "@", e->monotonic_usec, e->realtime_usec);
        size_t host = 0;
        for (size_t i = 0; i < e->hostname.len && host < 64; i++)
                if (hostname_char_is_ldh(e->hostname.data[i]) || e->hostname.data[i] == '.') {
                        buf_append(&b, e->hostname.data + i, 1);
                        host++;
                }
        if (host == 0)
                buf_puts(&b, "localhost");
        buf_puts(&b, ">");
        return buf_steal(&b, NULL);
}

void mail_format_utc_offset(int32_t offset, char *buf, size_t size) {
        char sign = offset < 0 ? '-' : '+';
        int32_t a = offset < 0 ? -offset : offset;
        int h = a / 3600, m = a % 3600 / 60;
        if (m)
                snprintf(buf, size, "(UTC %c%d:%02d)", sign, h, m);
        else
                snprintf(buf, size, "(UTC %c%d)", sign, h);
}

static void append_time(struct buf *b, uint64_t usec, int32_t offset) {
        time_t t = (time_t) (usec / 1000000) + offset;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) {
                buf_puts(b, "(invalid time)");
                return;
        }
        buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec);
}

static void append_rfc5322_date(struct buf *b, uint64_t usec) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        if (!gmtime_r(&t, &tm))
                t = 0, gmtime_r(&t, &tm);
        buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", day_names[tm.tm_wday], tm.tm_mday,
                   month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void append_base64(struct buf *b, const unsigned char *s, size_t len) {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) s[i] << 16 | (i + 1 < len ? (uint32_t) s[i + 1] << 8 : 0) |
                             (i + 2 < len ? s[i + 2] : 0);
                char out[4] = { alphabet[v >> 18 & 63], alphabet[v >> 12 & 63],
                                i + 1 < len ? alphabet[v >> 6 & 63] : '=', i + 2 < len ? alphabet[v & 63] : '=' };
                buf_append(b, out, 4);
        }
}

/* The Subject: the host is alertd-checked text when it is a valid host name,
 * otherwise RFC 2047 encoded-words of its escaped form, folded one word a line. */
static void append_subject(struct buf *b, struct field_value host) {
        buf_puts(b, "Subject: ");
        if (hostname_is_valid(host.data, host.len, 0))
                buf_append(b, host.data, host.len);
        else {
                struct buf text = {};
                append_escaped(&text, host);
                const unsigned char *s = (const unsigned char *) (text.data ? text.data : "");
                size_t len = text.len;
                for (size_t i = 0; i < len;) {
                        size_t n = 0;
                        /* Whole UTF-8 characters per word (RFC 2047 §5). */
                        while (i + n < len) {
                                size_t c = 1;
                                while (i + n + c < len && (s[i + n + c] & 0xc0) == 0x80)
                                        c++;
                                if (n + c > ENCODED_WORD_BYTES)
                                        break;
                                n += c;
                        }
                        if (i > 0)
                                buf_puts(b, "\r\n ");
                        buf_puts(b, "=?UTF-8?B?");
                        append_base64(b, s + i, n);
                        buf_puts(b, "?=");
                        i += n;
                }
                b->oom |= text.oom;
                buf_free(&text);
                buf_puts(b, "\r\n");
        }
        buf_puts(b, " detected access from an unapproved IP address\r\n");
}

static void append_to(struct buf *b, const struct string_list *to) {
        size_t col = strlen("To: ");
        buf_puts(b, "To: ");
        for (size_t i = 0; to && i < to->n; i++) {
                size_t len = strlen(to->items[i]);
                if (i > 0) {
                        buf_puts(b, ",");
                        col++;
                        if (col + 1 + len > HEADER_LINE_GOAL) {
                                buf_puts(b, "\r\n");
                                col = 0;
                        }
                        buf_puts(b, " ");
                        col++;
                }
                buf_puts(b, to->items[i]);
                col += len;
        }
        buf_puts(b, "\r\n");
}

/* Quoted-printable (RFC 2045 §6.7) of one body line, ending with CRLF.  Only
 * printable ASCII other than "=" passes literally; a leading "." and trailing
 * white space are encoded too, so no line can look like the end of DATA. */
static void append_qp_line(struct buf *b, const char *line, size_t len) {
        size_t col = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) line[i];
                char token[4];
                size_t tlen;
                bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && i + 1 < len);
                if (c == '.' && col == 0)
                        literal = false;
                if (literal) {
                        token[0] = (char) c;
                        tlen = 1;
                } else {
                        snprintf(token, sizeof(token), "=%02X", c);
                        tlen = 3;
                }
                if (col + tlen > QP_LINE_MAX - 1) {
                        buf_puts(b, "=\r\n");
                        col = 0;
                        if (c == '.') {
                                snprintf(token, sizeof(token), "=%02X", c);
                                tlen = 3;
                        }
                }
                buf_append(b, token, tlen);
                col += tlen;
        }
        buf_puts(b, "\r\n");
}

/* True when every line of the body text is printable ASCII, at most
 * PLAIN_LINE_MAX octets, neither starting with "." nor ending in a blank: the
 * usual alert, which then goes as 7bit and reads exactly as SPEC §5 shows it.
 * Anything else (a UTF-8 user name, a long value) goes quoted-printable. */
static bool body_is_7bit(const struct buf *t) {
        size_t col = 0;
        for (size_t i = 0; i < t->len; i++) {
                unsigned char c = (unsigned char) t->data[i];
                if (c == '\n') {
                        col = 0;
                        continue;
                }
                if (c < 32 || c > 126 || (col == 0 && c == '.') || ++col > PLAIN_LINE_MAX ||
                    (c == ' ' && (i + 1 == t->len || t->data[i + 1] == '\n')))
                        return false;
        }
        return true;
}

/* The body as text lines separated by '\n' (the values in it are escaped and hold none). */
static void append_body_text(struct buf *t, const struct alert_entry *e, const struct mail_params *p) {
        char offset[32];
        char ip[IP_BLOCK_TEXT_MAX] = "";
        addr128 a;
        int family;

        if (e->client_ip.len > 0 && addr_parse(e->client_ip.data, e->client_ip.len, &a, &family) >= 0)
                addr_format(a, family, ip);

        buf_puts(t, "This alert is triggered because of the following access activity from an unapproved IP address:\n\n");
        buf_puts(t, "Account: ");
        append_escaped(t, e->user);
        buf_puts(t, "\nTime: ");
        append_time(t, e->realtime_usec, p->utc_offset);
        mail_format_utc_offset(p->utc_offset, offset, sizeof(offset));
        buf_printf(t, " %s\nClient IP: ", offset);
        if (ip[0])
                buf_puts(t, ip);
        else
                append_escaped(t, e->rhost);
        const char *activity = alert_access_activity(e->channel, e->sso);
        buf_printf(t, "\nAccess Activity: %s\n", activity ? activity : "Unknown");
        const char *taken = alert_action_taken(e->action);
        buf_printf(t, "Action Taken: %s\nHost: ", taken ? taken : "Unknown");
        append_escaped(t, e->hostname);
        buf_puts(t, "\nService: ");
        append_escaped(t, e->service);
        buf_puts(t, "\n");
        if (p->timezone_name && strcmp(p->timezone_name, "UTC") != 0) {
                buf_puts(t, "Time (UTC): ");
                append_time(t, e->realtime_usec, 0);
                buf_puts(t, " (UTC +0)\n");
        }
        if (p->clock_ahead_usec > 0) {
                uint64_t s = p->clock_ahead_usec / 1000000;
                buf_printf(t, "\nWarning: the clock of this host is ahead of logonacl-alertd's by %" PRIu64
                           " days %02u:%02u:%02u; the time above is the host's, and the access counted against "
                           "the alert limit at the time of the access read before it.\n",
                           s / 86400, (unsigned) (s % 86400 / 3600), (unsigned) (s % 3600 / 60), (unsigned) (s % 60));
        }
        if (p->journal_dropped > 0)
                buf_printf(t, "\nWarning: journald dropped %" PRIu64 " message(s) from processes that write "
                           "logonacl entries; accesses may have gone unseen.\n", p->journal_dropped);
        if (ip[0])
                buf_printf(t, "\nIf you want to allow the access from this IP address, add it to the approved IP "
                           "address list:\nlogonaclctl add %s\n", ip);
        else
                buf_puts(t, "\nThe client address is not an IP address (the client sent a host name), so it cannot "
                            "be added to the approved IP address list.\n");
}

int mail_compose(const struct alert_entry *e, const struct mail_params *p, char **ret, size_t *ret_len) {
        struct buf b = {}, text = {};
        _cleanup_free_ char *message_id = mail_message_id(e);
        if (!message_id)
                return -ENOMEM;

        buf_printf(&b, "From: %s\r\n", p->from);
        append_to(&b, p->to);
        append_subject(&b, e->hostname);
        buf_puts(&b, "Date: ");
        append_rfc5322_date(&b, e->realtime_usec);
        buf_printf(&b, "\r\nMessage-ID: %s\r\n", message_id);
        buf_puts(&b, "Auto-Submitted: auto-generated\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n");

        append_body_text(&text, e, p);
        if (text.oom) {
                buf_free(&b);
                buf_free(&text);
                return -ENOMEM;
        }
        bool plain = body_is_7bit(&text);
        buf_printf(&b, "Content-Transfer-Encoding: %s\r\n\r\n", plain ? "7bit" : "quoted-printable");
        for (size_t start = 0; start < text.len;) {
                const char *nl = memchr(text.data + start, '\n', text.len - start);
                size_t end = nl ? (size_t) (nl - text.data) : text.len;
                if (plain) {
                        buf_append(&b, text.data + start, end - start);
                        buf_puts(&b, "\r\n");
                } else
                        append_qp_line(&b, text.data + start, end - start);
                start = end + 1;
        }
        buf_free(&text);

        *ret = buf_steal(&b, ret_len);
        return *ret ? 0 : -ENOMEM;
}

int mail_compose_test(const struct mail_params *p, const char *host, uint64_t now_usec, char **ret, size_t *ret_len) {
        struct buf b = {};
        buf_printf(&b, "From: %s\r\n", p->from);
        append_to(&b, p->to);
        buf_printf(&b, "Subject: [TEST] logonacl-alertd on %s: test mail, no access\r\n", host);
        buf_puts(&b, "Date: ");
        append_rfc5322_date(&b, now_usec);
        buf_printf(&b, "\r\nMessage-ID: <logonacl-test.%" PRIx64 ".%ld@%s>\r\n", now_usec, (long) getpid(), host);
        buf_puts(&b, "Auto-Submitted: auto-generated\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=US-ASCII\r\n"
                     "Content-Transfer-Encoding: 7bit\r\n\r\n");
        buf_printf(&b, "This is a test mail from logonacl-alertd on %s (logonacl-alertd --test-mail).\r\n"
                       "No access happened. It shows that alert mail from this host reaches you,\r\n"
                       "through the SMTP server the [alert] section names.\r\n", host);
        if (b.oom) {
                buf_free(&b);
                return -ENOMEM;
        }
        *ret = buf_steal(&b, ret_len);
        return 0;
}
