/* SPDX-License-Identifier: MIT */
/* The approved list: strict line parser (file:line errors), then a sweep over
 * the blocks sorted by address that cuts the number line into disjoint segments,
 * each labelled with the most specific entry covering it.  CIDR blocks are
 * either nested or disjoint, so a stack of open blocks is all the sweep needs. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "approved.h"
#include "approved_layout.h"
#include "approved_sources.h"
#include "expiry.h"

#define APPROVED_LINE_MAX 4096                          /* longer lines are an error */
#define APPROVED_FILE_MAX ((size_t) 1 << 30)            /* 1 GiB of text */
#define APPROVED_ENTRIES_MAX ((size_t) UINT32_MAX - 1)
#define BUCKETS_MIN_SEGMENTS 1024                       /* below: plain binary search */

static const char invalid_line[] = "IP address or CIDR block is invalid.";

/* Large arrays (a million entries is ~100 MB of them) come from their own
 * mapping with transparent huge pages: page faults were a quarter of the load
 * time with 4 KiB pages.  A header before the data remembers how to free it. */
#define BIG_MAP_MIN ((size_t) 1 << 21)

struct big_header {
        size_t size;            /* bytes usable after the header */
        size_t map_len;         /* 0: from malloc */
        uint64_t pad[6];        /* keeps the data 64-byte aligned */
};

static void *big_alloc(size_t size) {
        struct big_header *h;
        if (size > SIZE_MAX / 2)
                return NULL;
        size_t total = size + sizeof *h;
        if (total < BIG_MAP_MIN) {
                h = malloc(total);
                if (!h)
                        return NULL;
                h->map_len = 0;
        } else {
                /* Whole, aligned 2 MiB ranges, so that every one can be a huge page. */
                total = (total + BIG_MAP_MIN - 1) & ~(BIG_MAP_MIN - 1);
                char *map = mmap(NULL, total + BIG_MAP_MIN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (map == MAP_FAILED)
                        return NULL;
                char *aligned = (char *) (((uintptr_t) map + BIG_MAP_MIN - 1) & ~(uintptr_t) (BIG_MAP_MIN - 1));
                if (aligned > map)
                        munmap(map, (size_t) (aligned - map));
                if (aligned + total < map + total + BIG_MAP_MIN)
                        munmap(aligned + total, (size_t) (map + total + BIG_MAP_MIN - (aligned + total)));
                (void) madvise(aligned, total, MADV_HUGEPAGE);
                h = (struct big_header *) aligned;
                h->map_len = total;
        }
        h->size = size;
        return h + 1;
}

static void big_free(const void *p) {
        if (!p)
                return;
        struct big_header *h = (struct big_header *) p - 1;
        if (h->map_len)
                munmap(h, h->map_len);
        else
                free(h);
}

/* Keeps the data; shrinking a mapping keeps it (untouched pages cost nothing). */
static void *big_realloc(void *p, size_t size) {
        if (!p)
                return big_alloc(size);
        struct big_header *h = (struct big_header *) p - 1;
        if (size > SIZE_MAX / 2)
                return NULL;
        if (h->map_len && size + sizeof *h <= h->map_len) {
                h->size = size;
                return p;
        }
        if (!h->map_len && size + sizeof *h < BIG_MAP_MIN) {
                struct big_header *n = realloc(h, size + sizeof *h);
                if (!n)
                        return NULL;
                n->size = size;
                return n + 1;
        }
        void *n = big_alloc(size);
        if (!n)
                return NULL;
        memcpy(n, p, h->size < size ? h->size : size);
        big_free(p);
        return n;
}

static void big_freep(void *p) {
        big_free(*(void **) p);
}

/* Growable arrays of the list being built. */
struct builder {
        struct approved_record *entries;
        size_t n_entries, cap_entries;
        char **sources;
        struct approved_stamp *source_stamps;   /* parallel to sources */
        size_t n_sources, cap_sources;
        struct approved_stamp dir_stamp;
        bool stamped;
        size_t n_errors, max_errors;
        bool allow_private;
        struct diag_list *diags;
        bool any_expiry;                /* an entry has expires=: build the parent chains */
        /* approved_list_load_for: keep only the entries covering probe. */
        bool probing;
        addr128 probe;
};

static void builder_free(struct builder *b) {
        big_free(b->entries);
        for (size_t i = 0; i < b->n_sources; i++)
                free(b->sources[i]);
        free(b->sources);
        free(b->source_stamps);
}

static bool builder_full(const struct builder *b) {
        return b->max_errors > 0 && b->n_errors >= b->max_errors;
}

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

/* A whole-file problem (unreadable, too big, bad permissions): one line. */
static int report_file(struct builder *b, int r, const char *fmt, ...) _printf_(3, 4);
static int report_file(struct builder *b, int r, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        diag_add(b->diags, NULL, "%s", msg);
        diag_count_error(b->diags);
        b->n_errors++;
        return r;
}

static int parse_entry(const char *text, size_t len, bool allow_private, struct ip_block *ret,
                       char reason[ADDR_REASON_MAX]) {
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
        char reason[ADDR_REASON_MAX];
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

static int builder_add_source(struct builder *b, const char *name) {
        if (b->n_sources == b->cap_sources) {
                size_t cap = b->cap_sources ? b->cap_sources * 2 : 8;
                char **n = realloc(b->sources, cap * sizeof *n);
                if (!n)
                        return -ENOMEM;
                b->sources = n;
                struct approved_stamp *st = realloc(b->source_stamps, cap * sizeof *st);
                if (!st)
                        return -ENOMEM;
                b->source_stamps = st;
                b->cap_sources = cap;
        }
        char *copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        b->source_stamps[b->n_sources] = (struct approved_stamp) {};
        b->sources[b->n_sources++] = copy;
        return (int) (b->n_sources - 1);
}

/* Room for at least extra more entries. */
static int builder_reserve(struct builder *b, size_t extra) {
        if (b->cap_entries - b->n_entries >= extra)
                return 0;
        if (b->probing && extra > 64)
                return 0;       /* a probe keeps a handful: no room for the whole text */
        size_t cap = b->cap_entries * 2;
        if (cap < b->n_entries + extra)
                cap = b->n_entries + extra;
        if (cap > APPROVED_ENTRIES_MAX)
                return -E2BIG;
        struct approved_record *n = big_realloc(b->entries, cap * sizeof *n);
        if (!n)
                return -ENOMEM;
        b->entries = n;
        b->cap_entries = cap;
        return 0;
}

static int builder_add_entry(struct builder *b, const struct ip_block *block, uint32_t source, unsigned line,
                             int64_t expires) {
        if (b->probing && (addr128_cmp(b->probe, block->first) < 0 || addr128_cmp(block->last, b->probe) < 0))
                return 0;       /* checked, and of no concern to this lookup */
        if (b->n_entries == b->cap_entries) {
                int r = builder_reserve(b, 64);
                if (r < 0)
                        return r;
        }
        b->entries[b->n_entries++] = (struct approved_record) {
                .first_hi = block->first.hi,
                .first_lo = block->first.lo,
                .line = line,
                .source = source,
                .family = block->family,
                .prefix = block->prefix,
                .expires_min = (uint32_t) (expires / 60),
                .parent = APPROVED_NO_PARENT,
        };
        if (expires)
                b->any_expiry = true;
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

int approved_line_split(const char *line, size_t len, struct approved_line *ret, char reason[ADDR_REASON_MAX]) {
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
        char reason[ADDR_REASON_MAX];
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
                char reason[ADDR_REASON_MAX];
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
        char reason[ADDR_REASON_MAX];

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

static int parse_buffer(struct builder *b, const char *data, size_t size, uint32_t source) {
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
static int parse_fd(struct builder *b, int fd, const char *path, uint64_t size_hint, uint32_t source) {
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
                        return report_file(b, -errno, "%s: cannot read: %s", path, strerror(errno));
                }
                total += (uint64_t) k;
                if (total > APPROVED_FILE_MAX)
                        return report_file(b, -EFBIG, "%s: larger than %zu bytes", path, APPROVED_FILE_MAX);
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

/* One file of the sources: opened as the config reader opens its file, and
 * stamped from the open descriptor (what is read is what the index records). */
static int load_file(struct builder *b, const struct approved_source *src, bool checked) {
        const char *path = src->path;
        int source = builder_add_source(b, path);
        if (source < 0)
                return source;

        /* O_NONBLOCK: a FIFO named x.list must not hang a logon or check. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (checked ? O_NOFOLLOW : 0));
        if (fd < 0)
                return report_file(b, -errno, "%s: cannot open: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return report_file(b, -errno, "%s: cannot stat: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return report_file(b, -EINVAL, "%s: not a regular file", path);
        /* Checked again on the open file: the path may have changed since the walk. */
        if (checked && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
                return report_file(b, -EPERM, "%s: must be owned by root and not writable by group or others", path);
        if ((uint64_t) st.st_size > APPROVED_FILE_MAX)
                return report_file(b, -EFBIG, "%s: larger than %zu bytes", path, APPROVED_FILE_MAX);
        approved_stamp_from_stat(&b->source_stamps[source], &st);

        return parse_fd(b, fd, path, (uint64_t) st.st_size, (uint32_t) source);
}

/* Sort key of a block: address, then larger blocks first, then the order written. */
struct sort_item {
        uint64_t hi, lo;
        uint32_t prefix128;
        uint32_t entry;
};

static inline bool item_less(const struct sort_item *a, const struct sort_item *b) {
        if (a->hi != b->hi) return a->hi < b->hi;
        if (a->lo != b->lo) return a->lo < b->lo;
        if (a->prefix128 != b->prefix128) return a->prefix128 < b->prefix128;
        return a->entry < b->entry;
}

static inline void item_swap(struct sort_item *a, struct sort_item *b) {
        struct sort_item t = *a;
        *a = *b;
        *b = t;
}

static void heap_sift(struct sort_item *v, size_t n, size_t i) {
        for (;;) {
                size_t m = i, l = 2 * i + 1, r = l + 1;
                if (l < n && item_less(&v[m], &v[l])) m = l;
                if (r < n && item_less(&v[m], &v[r])) m = r;
                if (m == i)
                        return;
                item_swap(&v[i], &v[m]);
                i = m;
        }
}

static void heap_sort(struct sort_item *v, size_t n) {
        for (size_t i = n / 2; i-- > 0;)
                heap_sift(v, n, i);
        for (size_t i = n; i-- > 1;) {
                item_swap(&v[0], &v[i]);
                heap_sift(v, i, 0);
        }
}

/* Introsort with an inlined comparison: qsort's callback costs twice as much
 * on a million entries.  Keys are unique (entry index), so no equal runs. */
static void sort_items(struct sort_item *v, size_t n, unsigned depth) {
        while (n > 16) {
                if (depth-- == 0) {
                        heap_sort(v, n);
                        return;
                }
                size_t mid = n / 2;
                if (item_less(&v[mid], &v[0])) item_swap(&v[mid], &v[0]);
                if (item_less(&v[n - 1], &v[0])) item_swap(&v[n - 1], &v[0]);
                if (item_less(&v[n - 1], &v[mid])) item_swap(&v[n - 1], &v[mid]);
                struct sort_item pivot = v[mid];
                size_t i = 0, j = n - 1;
                for (;;) {
                        while (item_less(&v[i], &pivot)) i++;
                        while (item_less(&pivot, &v[j])) j--;
                        if (i >= j)
                                break;
                        item_swap(&v[i], &v[j]);
                        i++;
                        j--;
                }
                /* [0, j] <= pivot <= [j + 1, n) */
                if (j + 1 < n - j - 1) {
                        sort_items(v, j + 1, depth);
                        v += j + 1;
                        n -= j + 1;
                } else {
                        sort_items(v + j + 1, n - j - 1, depth);
                        n = j + 1;
                }
        }
        for (size_t i = 1; i < n; i++) {
                struct sort_item t = v[i];
                size_t k = i;
                while (k > 0 && item_less(&t, &v[k - 1])) {
                        v[k] = v[k - 1];
                        k--;
                }
                v[k] = t;
        }
}

static struct sort_item sort_item_of(const struct approved_record *e, size_t i) {
        return (struct sort_item) {
                .hi = e->first_hi,
                .lo = e->first_lo,
                .prefix128 = e->family == 4 ? e->prefix + 96u : e->prefix,
                .entry = (uint32_t) i,
        };
}

/* Sorted sort items of all entries into items.  A counting pass by bucket key
 * (monotonic in the address) first, then each bucket sorted on its own: a
 * random list spreads over tens of thousands of buckets of a few entries, which
 * is several times faster than one sort of the whole.  Crowded lists (all in one
 * /16) fall back to the plain sort of one large bucket. */
static int sort_entries(const struct approved_record *entries, size_t n, struct sort_item *items) {
        if (n < 4096) {
                for (size_t i = 0; i < n; i++)
                        items[i] = sort_item_of(&entries[i], i);
                sort_items(items, n, 64);
                return 0;
        }

        _cleanup_(big_freep) uint32_t *end = big_alloc((APPROVED_BUCKETS + 1) * sizeof *end);
        if (!end)
                return -ENOMEM;
        memset(end, 0, (APPROVED_BUCKETS + 1) * sizeof *end);
        for (size_t i = 0; i < n; i++)
                end[approved_bucket_key((addr128) { entries[i].first_hi, entries[i].first_lo }) + 1]++;
        for (size_t k = 1; k <= APPROVED_BUCKETS; k++)
                end[k] += end[k - 1];
        /* end[k] is now where bucket k starts; after the scatter, where it ends */
        for (size_t i = 0; i < n; i++) {
                uint32_t k = approved_bucket_key((addr128) { entries[i].first_hi, entries[i].first_lo });
                items[end[k]++] = sort_item_of(&entries[i], i);
        }
        for (size_t k = 0, start = 0; k < APPROVED_BUCKETS; start = end[k], k++)
                if (end[k] - start > 1)
                        sort_items(items + start, end[k] - start, 64);
        return 0;
}

static addr128 addr_next(addr128 a) {
        return (addr128) { .hi = a.hi + (a.lo == UINT64_MAX), .lo = a.lo + 1 };
}

static addr128 addr_prev(addr128 a) {
        return (addr128) { .hi = a.hi - (a.lo == 0), .lo = a.lo - 1 };
}

/* Last address of the block starting at first with a 128-bit prefix length. */
static addr128 block_last(addr128 first, unsigned p128) {
        if (p128 == 0)
                return (addr128) { UINT64_MAX, UINT64_MAX };
        if (p128 < 64)
                return (addr128) { first.hi | UINT64_MAX >> p128, UINT64_MAX };
        if (p128 < 128)
                return (addr128) { first.hi, first.lo | UINT64_MAX >> (p128 - 64) };
        return first;
}

struct segments {
        struct approved_segment *seg;
        uint32_t *entry;
        size_t n;
};

static void emit(struct segments *s, addr128 first, addr128 last, uint32_t entry) {
        if (s->n > 0 && s->entry[s->n - 1] == entry && addr128_cmp(addr_next(s->seg[s->n - 1].last), first) == 0) {
                s->seg[s->n - 1].last = last;
                return;
        }
        s->seg[s->n] = (struct approved_segment) { first, last };
        s->entry[s->n] = entry;
        s->n++;
}

struct open_block {
        addr128 last;
        uint32_t entry;
};

/* Closes the open blocks that end before limit (all when limit is NULL),
 * emitting what each still covers from *cursor on. */
static void close_blocks(struct segments *s, struct open_block *stack, size_t *depth,
                         addr128 *cursor, bool *cursor_done, const addr128 *limit) {
        while (*depth > 0 && (!limit || addr128_cmp(stack[*depth - 1].last, *limit) < 0)) {
                struct open_block *top = &stack[--*depth];
                if (!*cursor_done && addr128_cmp(*cursor, top->last) <= 0) {
                        emit(s, *cursor, top->last, top->entry);
                        if (top->last.hi == UINT64_MAX && top->last.lo == UINT64_MAX)
                                *cursor_done = true;
                        else
                                *cursor = addr_next(top->last);
                }
        }
}

/* With parents: also sets every entry's parent (approved_layout.h).  Only a
 * list with an expires= needs them, and the writes go to entries in the order
 * written while the sweep goes in address order: a cache miss per entry, a
 * third of the load time of a million entries, for nothing in a list without
 * expiry (no chain is ever walked there). */
static int build_segments(struct approved_record *entries, size_t n, bool parents, struct segments *ret) {
        _cleanup_(big_freep) struct sort_item *items = big_alloc((n ?: 1) * sizeof *items);
        _cleanup_free_ struct open_block *stack = malloc(130 * sizeof *stack);
        struct segments s = {
                .seg = big_alloc((2 * n + 1) * sizeof(struct approved_segment)),
                .entry = big_alloc((2 * n + 1) * sizeof(uint32_t)),
        };
        if (!items || !stack || !s.seg || !s.entry) {
                big_free(s.seg);
                big_free(s.entry);
                return -ENOMEM;
        }

        int r = sort_entries(entries, n, items);
        if (r < 0) {
                big_free(s.seg);
                big_free(s.entry);
                return r;
        }

        size_t depth = 0;
        addr128 cursor = {};
        bool cursor_done = false;
        for (size_t i = 0; i < n; i++) {
                addr128 first = { items[i].hi, items[i].lo };
                addr128 last = block_last(first, items[i].prefix128);

                /* The same block again: the first one written (sorted first) wins;
                 * this one answers when those before it have expired, so it goes
                 * last in their chain, before the enclosing block. */
                if (i > 0 && items[i - 1].hi == first.hi && items[i - 1].lo == first.lo &&
                    items[i - 1].prefix128 == items[i].prefix128) {
                        if (parents) {
                                entries[items[i].entry].parent = entries[items[i - 1].entry].parent;
                                entries[items[i - 1].entry].parent = items[i].entry;
                        }
                        continue;
                }

                close_blocks(&s, stack, &depth, &cursor, &cursor_done, &first);
                if (depth > 0) {
                        /* Nested: the enclosing block covers what lies before this one. */
                        struct open_block *top = &stack[depth - 1];
                        if (addr128_cmp(cursor, first) < 0)
                                emit(&s, cursor, addr_prev(first), top->entry);
                }
                if (parents)
                        entries[items[i].entry].parent = depth > 0 ? stack[depth - 1].entry : APPROVED_NO_PARENT;
                /* Nesting depth is at most 129 (one block per prefix length). */
                stack[depth++] = (struct open_block) { last, items[i].entry };
                cursor = first;
        }
        close_blocks(&s, stack, &depth, &cursor, &cursor_done, NULL);

        *ret = s;
        return 0;
}

/* bucket[k] = first segment whose first address has a key >= k. */
static uint32_t *build_buckets(const struct approved_segment *seg, size_t n) {
        uint32_t *bucket = big_alloc((APPROVED_BUCKETS + 1) * sizeof *bucket);
        if (!bucket)
                return NULL;
        size_t i = 0;
        for (uint32_t k = 0; k <= APPROVED_BUCKETS; k++) {
                while (i < n && approved_bucket_key(seg[i].first) < k)
                        i++;
                bucket[k] = (uint32_t) i;
        }
        return bucket;
}

static int builder_finish(struct builder *b, struct approved_list **ret) {
        /* parse_buffer reserved room for the worst case: give back the rest */
        if (b->entries && b->n_entries < b->cap_entries) {
                struct approved_record *n = big_realloc(b->entries, (b->n_entries ?: 1) * sizeof *n);
                if (n) {
                        b->entries = n;
                        b->cap_entries = b->n_entries ?: 1;
                }
        }

        struct segments s = {};
        int r = build_segments(b->entries, b->n_entries, b->any_expiry, &s);
        if (r < 0)
                return r;

        struct approved_list *l = calloc(1, sizeof *l);
        uint32_t *bucket = s.n >= BUCKETS_MIN_SEGMENTS ? build_buckets(s.seg, s.n) : NULL;
        struct approved_stamp *stamps = b->stamped ? malloc((b->n_sources + 1) * sizeof *stamps) : NULL;
        if (!l || (s.n >= BUCKETS_MIN_SEGMENTS && !bucket) || (b->stamped && !stamps)) {
                free(l);
                free(stamps);
                big_free(bucket);
                big_free(s.seg);
                big_free(s.entry);
                return -ENOMEM;
        }

        if (stamps) {
                stamps[0] = b->source_stamps[0];
                stamps[1] = b->dir_stamp;
                for (size_t i = 1; i < b->n_sources; i++)
                        stamps[i + 1] = b->source_stamps[i];
        }

        *l = (struct approved_list) {
                .n_stamps = stamps ? b->n_sources + 1 : 0,
                .stamps = stamps,
                .allow_private = b->allow_private,
                .n_segments = s.n,
                .segs = s.seg,
                .seg_entry = s.entry,
                .bucket = bucket,
                .n_entries = b->n_entries,
                .entries = b->entries,
                .n_sources = b->n_sources,
                .sources = (const char **) b->sources,
        };
        b->entries = NULL;
        b->sources = NULL;
        b->n_entries = b->n_sources = 0;
        *ret = l;
        return 0;
}

int approved_list_parse_buffer(const char *data, size_t size, const char *source, bool allow_private,
                               size_t max_errors, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(builder_free) struct builder b = {
                .allow_private = allow_private,
                .max_errors = max_errors,
                .diags = diags,
        };

        int r = builder_add_source(&b, source);
        if (r < 0)
                return r;
        r = parse_buffer(&b, data, size, 0);
        if (r < 0)
                return r;
        if (b.n_errors > 0)
                return -EINVAL;
        return builder_finish(&b, ret);
}

static int load_all(struct builder *b, const struct approved_sources *sources, struct approved_list **ret) {
        int r = 0;
        for (size_t i = 0; i < sources->n_files && r >= 0 && !builder_full(b); i++)
                r = load_file(b, &sources->files[i], sources->checked);
        if (r < 0)
                return r;
        if (b->n_errors > 0)
                return -EINVAL;
        b->dir_stamp = sources->dir_stamp;
        b->stamped = !b->probing;       /* a probe's list is no index's source */
        return builder_finish(b, ret);
}

int approved_list_load_sources(const struct approved_sources *sources, bool allow_private, size_t max_errors,
                               struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(builder_free) struct builder b = {
                .allow_private = allow_private,
                .max_errors = max_errors,
                .diags = diags,
        };
        return load_all(&b, sources, ret);
}

int approved_list_load_sources_for(const struct approved_sources *sources, bool allow_private, size_t max_errors,
                                   addr128 addr, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(builder_free) struct builder b = {
                .allow_private = allow_private,
                .max_errors = max_errors,
                .diags = diags,
                .probing = true,
                .probe = addr,
        };
        return load_all(&b, sources, ret);
}

int approved_list_load(const char *main_file, const char *dir, bool allow_private, bool check_perms,
                       size_t max_errors, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        int r = approved_sources_find(main_file, dir, check_perms, diags, &sources);
        if (r < 0)
                return r;
        return approved_list_load_sources(sources, allow_private, max_errors, diags, ret);
}

int approved_list_load_for(const char *main_file, const char *dir, bool allow_private, bool check_perms,
                           size_t max_errors, addr128 addr, struct diag_list *diags, struct approved_list **ret) {
        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        int r = approved_sources_find(main_file, dir, check_perms, diags, &sources);
        if (r < 0)
                return r;
        return approved_list_load_sources_for(sources, allow_private, max_errors, addr, diags, ret);
}

/* Largest i with seg[i].first <= addr in [lo, hi), or lo - 1. */
static size_t search(const struct approved_segment *seg, size_t lo, size_t hi, addr128 addr) {
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (addr128_cmp(seg[mid].first, addr) <= 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;      /* one past the answer */
}

static bool read_at(const struct approved_list *l, uint64_t off, void *buf, size_t len) {
        for (size_t done = 0; done < len;) {
                ssize_t k = pread(l->fd, (char *) buf + done, len - done, (off_t) (off + done));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return false;
                done += (size_t) k;
        }
        return true;
}

/* Enough lookups to pay for a mapping: map the index file and use its arrays.
 * The list is logically const; only how it reaches its bytes changes. */
static void maybe_map(const struct approved_list *l) {
        struct approved_list *w = (struct approved_list *) l;
        if (w->mapped || ++w->n_lookups <= APPROVED_PREAD_LOOKUPS)
                return;
        void *map = mmap(NULL, w->map_size, PROT_READ, MAP_PRIVATE, w->fd, 0);
        if (map == MAP_FAILED)
                return;         /* stay with pread */
        const char *base = map;
        w->map = map;
        w->mapped = true;
        w->segs = (const void *) (base + w->segs_off);
        w->seg_entry = (const void *) (base + w->seg_entry_off);
        w->entries = (const void *) (base + w->entries_off);
        w->bucket = w->bucket_off ? (const void *) (base + w->bucket_off) : NULL;
}

static bool get_record(const struct approved_list *l, uint32_t i, struct approved_record *ret) {
        if (i >= l->n_entries)
                return false;
        if (l->entries) {
                *ret = l->entries[i];
                return true;
        }
        return l->by_pread && read_at(l, l->entries_off + (uint64_t) i * sizeof *ret, ret, sizeof *ret);
}

static bool record_info(const struct approved_list *l, uint32_t entry, struct approved_entry_info *info) {
        struct approved_record e;
        if (!get_record(l, entry, &e))
                return false;
        struct ip_block block = {
                .first = { e.first_hi, e.first_lo },
                .family = e.family,
                .prefix = e.prefix,
        };
        ip_block_format(&block, info->text);
        info->source = e.source < l->n_sources ? l->sources[e.source] : "";
        info->line = e.line;
        info->expires = (int64_t) e.expires_min * 60;
        return true;
}

/* From the entry labelling the segment of an address, the first one in its
 * chain that has not expired at now_min; the first expired one passed over
 * goes to expired.  The chain is at most one step per entry: a longer one is a
 * damaged index (no match: fail closed). */
static bool resolve_entry(const struct approved_list *l, uint32_t entry, uint64_t now_min,
                          struct approved_entry_info *info, struct approved_entry_info *expired) {
        for (size_t steps = 0; steps <= l->n_entries && entry != APPROVED_NO_PARENT; steps++) {
                struct approved_record e;
                if (!get_record(l, entry, &e))
                        return false;
                if (e.expires_min == 0 || now_min < e.expires_min)
                        return !info || record_info(l, entry, info);
                if (expired && expired->line == 0 && !record_info(l, entry, expired))
                        return false;
                entry = e.parent;
        }
        return false;
}

/* The lookup with pread: bucket bounds, then a binary search reading one
 * segment per step; the entry labelling the segment of addr.  Any failed
 * read: no match (fail closed). */
static bool segment_entry_pread(const struct approved_list *l, addr128 addr, uint32_t *ret) {
        uint64_t lo = 0, hi = l->n_segments;
        if (l->bucket_off) {
                uint32_t k = approved_bucket_key(addr), bounds[2];
                if (!read_at(l, l->bucket_off + (uint64_t) k * sizeof(uint32_t), bounds, sizeof bounds))
                        return false;
                lo = bounds[0];
                hi = bounds[1];
                if (lo > hi || hi > l->n_segments)
                        return false;
        }
        struct approved_segment seg;
        uint64_t base_lo = lo;
        bool have = false;      /* seg holds segment lo - 1 */
        while (lo < hi) {
                uint64_t mid = lo + (hi - lo) / 2;
                struct approved_segment m;
                if (!read_at(l, l->segs_off + mid * sizeof m, &m, sizeof m))
                        return false;
                if (addr128_cmp(m.first, addr) <= 0) {
                        lo = mid + 1;
                        seg = m;
                        have = true;
                } else
                        hi = mid;
        }
        if (lo == 0)
                return false;
        if (!have) {
                /* the answer lies before this bucket: segment base_lo - 1 */
                if (lo != base_lo || !read_at(l, l->segs_off + (lo - 1) * sizeof seg, &seg, sizeof seg))
                        return false;
        }
        uint32_t entry;
        if (addr128_cmp(addr, seg.last) > 0 ||
            !read_at(l, l->seg_entry_off + (lo - 1) * sizeof entry, &entry, sizeof entry) || entry >= l->n_entries)
                return false;
        *ret = entry;
        return true;
}

/* The entry labelling the segment of addr: the most specific one covering it. */
static bool segment_entry(const struct approved_list *l, addr128 addr, uint32_t *ret) {
        if (l->by_pread) {
                maybe_map(l);
                if (!l->mapped)
                        return segment_entry_pread(l, addr, ret);
        }

        size_t lo = 0, hi = l->n_segments;
        if (l->bucket) {
                uint32_t k = approved_bucket_key(addr);
                lo = l->bucket[k];
                hi = l->bucket[k + 1];
                if (lo > hi || hi > l->n_segments)
                        return false;           /* a damaged index never reads out of bounds */
        }
        size_t end = search(l->segs, lo, hi, addr);
        if (end == 0)
                return false;
        size_t i = end - 1;
        if (addr128_cmp(addr, l->segs[i].last) > 0 || l->seg_entry[i] >= l->n_entries)
                return false;
        *ret = l->seg_entry[i];
        return true;
}

bool approved_list_match_at(const struct approved_list *l, addr128 addr, int64_t now,
                            struct approved_entry_info *info, struct approved_entry_info *expired) {
        uint32_t entry;

        if (expired)
                memset(expired, 0, sizeof *expired);
        if (!l || l->n_segments == 0 || !segment_entry(l, addr, &entry))
                return false;
        return resolve_entry(l, entry, now > 0 ? (uint64_t) now / 60 : 0, info, expired);
}

bool approved_list_match(const struct approved_list *l, addr128 addr, struct approved_entry_info *info) {
        return approved_list_match_at(l, addr, (int64_t) time(NULL), info, NULL);
}

size_t approved_list_entries(const struct approved_list *l) {
        return l ? l->n_entries : 0;
}

bool approved_list_entry(const struct approved_list *l, size_t i, struct approved_entry_info *info) {
        if (!l || i >= l->n_entries)
                return false;
        if (l->by_pread)
                maybe_map(l);
        return record_info(l, (uint32_t) i, info);
}

void approved_list_free(struct approved_list *l) {
        if (!l)
                return;
        if (l->mapped)
                munmap(l->map, l->map_size);
        if (l->by_pread) {
                close(l->fd);
                free(l->meta);
        } else if (!l->mapped) {
                big_free(l->segs);
                big_free(l->seg_entry);
                big_free(l->bucket);
                big_free(l->entries);
                free((void *) l->stamps);
                for (size_t i = 0; i < l->n_sources; i++)
                        free((void *) l->sources[i]);
        }
        free(l->sources);
        free(l);
}
