/* SPDX-License-Identifier: MIT */
/* The strict line parser of the list (SPEC §1): the grammar of a line, the
 * check of an entry and the file:line errors, reading a buffer or a file
 * descriptor into a builder. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "approved_builder.h"
#include "approved_parse.h"
#include "expiry.h"

#define APPROVED_LINE_MAX 4096                          /* longer lines are an error */

static const char invalid_line[] = "IP address or CIDR block is invalid.";

static void report(struct builder *b, const char *source, unsigned line, const char *reason) {
        char where[PATH_MAX + 32];

        if (source) {
                snprintf(where, sizeof where, "%s:%u", source, line);
                diag_add(b->diags, where, "%s", invalid_line);
                diag_add(b->diags, where, "%s", reason);
        } else {
                diag_add(b->diags, NULL, "%s", invalid_line);
                diag_add(b->diags, NULL, "%s", reason);
        }
        diag_count_error(b->diags);
        b->n_errors++;
}

static int parse_entry(const char *text, size_t len, bool allow_private, struct ip_block *ret,
                       char reason[REASON_MAX]) {
        int r = ip_block_parse(text, len, ret, reason);
        if (r < 0)
                return r;
        r = ip_block_check_ipv4_space(ret, text, len, reason);
        if (r < 0)
                return r;
        if (!allow_private)
                return ip_block_check_global_as(ret, text, len, reason);
        return 0;
}

int approved_entry_parse(const char *text, bool allow_private, struct ip_block *ret, struct diag_list *diags) {
        char reason[REASON_MAX];
        struct ip_block block;

        int r = parse_entry(text ?: "", text ? strlen(text) : 0, allow_private, &block, reason);
        if (r < 0) {
                diag_add(diags, NULL, "%s", invalid_line);
                diag_add(diags, NULL, "%s", reason);
                diag_count_error(diags);
                return r;
        }
        if (ret)
                *ret = block;
        return 0;
}


static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

static size_t skip_blanks(const char *s, size_t pos, size_t end) {
        while (pos < end && is_blank(s[pos]))
                pos++;
        return pos;
}

/* To the next blank or '#': one pass, no call per line (a million lines). */
static size_t skip_word(const char *s, size_t pos, size_t end) {
        while (pos < end && !is_blank(s[pos]) && s[pos] != '#')
                pos++;
        return pos;
}

static void set_comment(const char *line, size_t hash, size_t len, struct approved_line *ret) {
        size_t c = skip_blanks(line, hash + 1, len), c_end = len;
        while (c_end > c && is_blank(line[c_end - 1]))
                c_end--;
        ret->comment = line + c;
        ret->comment_len = c_end - c;
}

int approved_line_split(const char *line, size_t len, struct approved_line *ret, char reason[REASON_MAX]) {
        static const char expires_key[] = "expires=";
        const size_t key_len = sizeof expires_key - 1;

        *ret = (struct approved_line) {};
        size_t start = skip_blanks(line, 0, len);
        if (start < len && line[start] == '#')
                set_comment(line, start, len, ret);
        if (start == len || line[start] == '#')
                return 0;

        size_t word_end = skip_word(line, start, len);
        ret->entry = line + start;
        ret->entry_len = word_end - start;
        size_t next = skip_blanks(line, word_end, len);
        if (next < len && line[next] == '#')
                set_comment(line, next, len, ret);
        if (next == len || line[next] == '#')
                return 0;

        /* Something follows the entry: only expires=DATE may. */
        size_t next_end = skip_word(line, next, len), after = skip_blanks(line, next_end, len);
        if (next_end - next < key_len || memcmp(line + next, expires_key, key_len) != 0) {
                /* Not an expiry: the text up to the comment is the entry (its own
                 * error: "contains a space ..."). */
                const char *hash = memchr(line + next, '#', len - next);
                size_t text_end = hash ? (size_t) (hash - line) : len;
                while (text_end > start && is_blank(line[text_end - 1]))
                        text_end--;
                ret->entry_len = text_end - start;
                if (hash)
                        set_comment(line, (size_t) (hash - line), len, ret);
                return 0;
        }
        if (expiry_parse(line + next + key_len, next_end - next - key_len, &ret->expires) < 0)
                return addr_reason_format(reason, line + next, next_end - next,
                                          "not a date: write expires=YYYY-MM-DD or expires=YYYY-MM-DDTHH:MMZ (UTC)");
        if (after < len && line[after] == '#')
                set_comment(line, after, len, ret);
        else if (after < len) {
                const char *hash = memchr(line + after, '#', len - after);
                size_t text_end = hash ? (size_t) (hash - line) : len;
                while (text_end > start && is_blank(line[text_end - 1]))
                        text_end--;
                return addr_reason_format(reason, line + start, text_end - start,
                                          "only expires=DATE and a # comment may follow the entry");
        }
        return 0;
}

/* One line: an optional entry, an optional expires=, an optional '#' comment, blanks around. */
static int parse_line(struct builder *b, const char *line, size_t len, uint32_t source, unsigned line_no) {
        char reason[REASON_MAX];
        struct approved_line parts;
        struct ip_block block;

        if (approved_line_split(line, len, &parts, reason) < 0 ||
            (parts.entry_len > 0 && parse_entry(parts.entry, parts.entry_len, b->allow_private, &block, reason) < 0)) {
                report(b, b->sources[source], line_no, reason);
                return 0;
        }
        if (parts.entry_len == 0)
                return 0;
        return builder_add_entry(b, &block, source, line_no, parts.expires);
}

/* Where a file's lines stand: the line number and whether the rest of an
 * overlong line (already reported) is being skipped. */
struct line_state {
        unsigned line_no;
        bool skipping;
};

/* One complete line (without its '\n'). */
static int handle_line(struct builder *b, struct line_state *st, const char *line, size_t len, uint32_t source) {
        if (st->skipping) {
                st->skipping = false;   /* the end of a line reported before */
                return 0;
        }
        if (st->line_no == UINT32_MAX)
                return -E2BIG;
        st->line_no++;
        if (len > APPROVED_LINE_MAX) {
                char reason[REASON_MAX];
                addr_reason_format(reason, line, len, "the line is longer than %u bytes", APPROVED_LINE_MAX);
                report(b, b->sources[source], st->line_no, reason);
                return 0;
        }
        return parse_line(b, line, len, source, st->line_no);
}

/* A line that is a plain IPv4 entry ("a.b.c.d[/p]\n"), the whole of a
 * machine-made list, in one pass: the length used (with its '\n'), or 0 for
 * any other line (handle_line then reads it). */
static size_t plain_ipv4_line(struct builder *b, struct line_state *st, const char *data, size_t size,
                              uint32_t source, int *r) {
        struct ip_block block;
        char reason[REASON_MAX];

        size_t n = st->skipping || st->line_no == UINT32_MAX ? 0 : ip_block_scan_ipv4(data, size, &block);
        if (n == 0 || n == size || data[n] != '\n')
                return 0;
        st->line_no++;
        if (!b->allow_private && ip_block_check_global_as(&block, data, n, reason) < 0) {
                report(b, b->sources[source], st->line_no, reason);
                *r = 0;
        } else
                *r = builder_add_entry(b, &block, source, st->line_no, 0);
        return n + 1;
}

/* Every complete line of data[0..size); returns how many bytes were used (the
 * rest is a line still missing its end). */
static int handle_lines(struct builder *b, struct line_state *st, const char *data, size_t size, uint32_t source,
                        size_t *used) {
        size_t pos = 0;
        while (pos < size && !builder_full(b)) {
                int r = 0;
                size_t n = plain_ipv4_line(b, st, data + pos, size - pos, source, &r);
                if (r < 0)
                        return r;
                if (n > 0) {
                        pos += n;
                        continue;
                }
                const char *nl = memchr(data + pos, '\n', size - pos);
                if (!nl)
                        break;
                size_t len = (size_t) (nl - (data + pos));
                r = handle_line(b, st, data + pos, len, source);
                if (r < 0)
                        return r;
                pos += len + 1;
        }
        *used = builder_full(b) ? size : pos;
        return 0;
}

int approved_parse_buffer(struct builder *b, const char *data, size_t size, uint32_t source) {
        struct line_state st = {};
        size_t used;

        /* The shortest entry line, "1.2.3.4\n", is 8 bytes: one growth at most
         * (only the pages written are ever touched). */
        int r = builder_reserve(b, size / 8 + 1);
        if (r >= 0)
                r = handle_lines(b, &st, data, size, source, &used);
        if (r >= 0 && used < size)
                r = handle_line(b, &st, data + used, size - used, source);      /* no final newline */
        return r;
}

#define READ_CHUNK_MAX ((size_t) 1 << 20)
#define READ_CHUNK_MIN ((size_t) 2 * APPROVED_LINE_MAX + 2)   /* holds an overlong line's start */

/* Reads fd in chunks of up to 1 MiB, line by line: the text is never held whole (a
 * 20 MB list would cost 20 MB of fresh pages), and no mmap (a file truncated
 * under a mapping would kill the PAM host with SIGBUS). */
int approved_parse_fd(struct builder *b, int fd, const char *path, uint64_t size_hint, uint32_t source) {
        /* a small list needs a small buffer (the module reads it at every logon) */
        size_t chunk = size_hint + 1 < READ_CHUNK_MIN ? READ_CHUNK_MIN :
                       size_hint + 1 > READ_CHUNK_MAX ? READ_CHUNK_MAX : (size_t) size_hint + 1;
        _cleanup_free_ char *buf = malloc(chunk);
        struct line_state st = {};
        size_t have = 0;
        uint64_t total = 0;

        if (!buf)
                return -ENOMEM;
        int r = builder_reserve(b, (size_t) (size_hint / 8 + 1));
        if (r < 0)
                return r;

        for (;;) {
                ssize_t k = read(fd, buf + have, chunk - have);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return builder_fail(b, -errno, "%s: cannot read: %s", path, strerror(errno));
                }
                total += (uint64_t) k;
                if (total > APPROVED_FILE_MAX)
                        return builder_fail(b, -EFBIG, "%s: larger than %zu bytes", path, APPROVED_FILE_MAX);
                if (k == 0) {
                        if (have > 0 && !builder_full(b))
                                r = handle_line(b, &st, buf, have, source);     /* no final newline */
                        return r;
                }
                have += (size_t) k;

                size_t used;
                r = handle_lines(b, &st, buf, have, source, &used);
                if (r < 0 || builder_full(b))
                        return r;       /* at the error limit: the rest is not read (a 900 MiB list, every logon) */
                have -= used;
                memmove(buf, buf + used, have);

                if (have > APPROVED_LINE_MAX && !st.skipping) {
                        /* Too long whatever follows: report it now, skip to its end. */
                        r = handle_line(b, &st, buf, have, source);
                        if (r < 0)
                                return r;
                        st.skipping = true;
                        have = 0;
                } else if (st.skipping && have == chunk)
                        have = 0;
        }
}
