/* SPDX-License-Identifier: MIT */
/* The compiled approved list: the arrays of struct approved_list written to one
 * file and mapped back read-only, so a logon with a million entries costs a few
 * stat calls and page faults instead of a 20 MB parse.  The file is trusted only
 * as far as its bounds are checked: every offset and count is validated before
 * use, and the matcher itself never indexes beyond the arrays. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "approved_index.h"
#include "atomic_file.h"
#include "approved_layout.h"
#include "approved_sources.h"
#include "safe_path.h"

#define INDEX_MAGIC "LACLIDX\n"
#define INDEX_VERSION 2         /* 2: records of 40 bytes with expiry and parent */
#define INDEX_BYTE_ORDER UINT32_C(0x01020304)
#define INDEX_ALIGN 64
#define INDEX_SOURCES_MAX 100000

/* All offsets are from the start of the file and INDEX_ALIGN-aligned. */
struct index_header {
        char magic[8];
        uint32_t version;
        uint32_t byte_order;
        uint32_t header_size;
        uint32_t allow_private;
        uint64_t file_size;
        uint64_t n_sources;             /* stamps: n_sources + 1 */
        uint64_t stamps_off;
        uint64_t source_names_off;      /* n_sources x {offset, length} into the file */
        uint64_t n_entries, entries_off;
        uint64_t n_segments, segs_off, seg_entry_off;
        uint64_t bucket_off;            /* 0: no buckets */
        uint64_t reserved[5];
};

struct index_name {
        uint64_t off, len;              /* the name, then a NUL */
};

char *approved_index_path(const char *approved_file) {
        char *p = NULL;
        if (asprintf(&p, "%s.index", approved_file) < 0)
                return NULL;
        return p;
}

static uint64_t align_up(uint64_t v) {
        return (v + INDEX_ALIGN - 1) & ~(uint64_t) (INDEX_ALIGN - 1);
}

/* One section: its offset in the layout being planned. */
static uint64_t plan(uint64_t *cursor, uint64_t size) {
        uint64_t off = align_up(*cursor);
        *cursor = off + size;
        return off;
}

/* Writes data at off, padding with zeros from the current position *pos. */
static int write_at(struct atomic_file *f, uint64_t *pos, uint64_t off, const void *data, size_t len) {
        static const char zeros[INDEX_ALIGN];
        if (off > *pos) {
                int r = atomic_file_write(f, zeros, (size_t) (off - *pos));
                if (r < 0)
                        return r;
        }
        int r = atomic_file_write(f, data, len);
        if (r < 0)
                return r;
        *pos = off + len;
        return 0;
}

static int write_index(struct atomic_file *f, const struct approved_list *l) {
        struct index_header h = {
                .magic = INDEX_MAGIC,
                .version = INDEX_VERSION,
                .byte_order = INDEX_BYTE_ORDER,
                .header_size = sizeof(struct index_header),
                .allow_private = l->allow_private,
                .n_sources = l->n_sources,
                .n_entries = l->n_entries,
                .n_segments = l->n_segments,
        };

        uint64_t cursor = sizeof h;
        h.stamps_off = plan(&cursor, l->n_stamps * sizeof(struct approved_stamp));
        h.source_names_off = plan(&cursor, l->n_sources * sizeof(struct index_name));
        _cleanup_free_ struct index_name *names = calloc(l->n_sources ?: 1, sizeof *names);
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_sources; i++) {
                names[i].len = strlen(l->sources[i]);
                names[i].off = cursor;
                cursor += names[i].len + 1;
        }
        h.entries_off = plan(&cursor, l->n_entries * sizeof(struct approved_record));
        h.segs_off = plan(&cursor, l->n_segments * sizeof(struct approved_segment));
        h.seg_entry_off = plan(&cursor, l->n_segments * sizeof(uint32_t));
        if (l->bucket)
                h.bucket_off = plan(&cursor, (APPROVED_BUCKETS + 1) * sizeof(uint32_t));
        h.file_size = cursor;

        uint64_t pos = 0;
        int r = write_at(f, &pos, 0, &h, sizeof h);
        if (r >= 0)
                r = write_at(f, &pos, h.stamps_off, l->stamps, l->n_stamps * sizeof(struct approved_stamp));
        if (r >= 0)
                r = write_at(f, &pos, h.source_names_off, names, l->n_sources * sizeof *names);
        for (size_t i = 0; r >= 0 && i < l->n_sources; i++)
                r = write_at(f, &pos, names[i].off, l->sources[i], names[i].len + 1);
        if (r >= 0)
                r = write_at(f, &pos, h.entries_off, l->entries, l->n_entries * sizeof(struct approved_record));
        if (r >= 0)
                r = write_at(f, &pos, h.segs_off, l->segs, l->n_segments * sizeof(struct approved_segment));
        if (r >= 0)
                r = write_at(f, &pos, h.seg_entry_off, l->seg_entry, l->n_segments * sizeof(uint32_t));
        if (r >= 0 && l->bucket)
                r = write_at(f, &pos, h.bucket_off, l->bucket, (APPROVED_BUCKETS + 1) * sizeof(uint32_t));
        return r;
}

int approved_index_write(const struct approved_list *l, const char *main_file, const char *dir, bool allow_private) {
        /* Only a list read from these very files has stamps that describe them. */
        if (!l || l->n_stamps != l->n_sources + 1 || l->n_sources == 0 || strcmp(l->sources[0], main_file) != 0 ||
            l->allow_private != allow_private)
                return -EINVAL;

        _cleanup_free_ char *path = approved_index_path(main_file);
        if (!path)
                return -ENOMEM;

        struct atomic_file f;
        int r = atomic_file_begin(&f, path, 0644, (uid_t) -1, (gid_t) -1);
        if (r < 0)
                return r;
        r = write_index(&f, l);
        if (r < 0) {
                atomic_file_abort(&f);
                return r;
        }
        return atomic_file_commit(&f);
}

/* A section of count items of size bytes at off lies inside the file. */
static bool section_ok(const struct index_header *h, uint64_t off, uint64_t count, uint64_t size) {
        if (off % INDEX_ALIGN != 0 || off < sizeof *h || off > h->file_size)
                return false;
        if (count > (h->file_size - off) / size)
                return false;
        return true;
}

static bool stamp_equal(const struct approved_stamp *a, const struct approved_stamp *b) {
        return memcmp(a, b, sizeof *a) == 0;
}

/* Every source as found now against the stamps in the index.  which (may be
 * NULL) receives the first path found changed: the main file, the folder (a
 * drop-in added or removed) or a drop-in. */
static int check_fresh(const struct approved_list *l, const struct approved_sources *s, const char **which) {
        const char *changed = NULL;

        if (strcmp(l->sources[0], s->files[0].path) != 0 || !stamp_equal(&s->files[0].stamp, &l->stamps[0]))
                changed = s->files[0].path;
        else if (!stamp_equal(&s->dir_stamp, &l->stamps[1]) || s->n_files != l->n_sources)
                changed = s->dir;
        for (size_t i = 1; !changed && i < s->n_files; i++)
                if (strcmp(s->files[i].path, l->sources[i]) != 0 || !stamp_equal(&s->files[i].stamp, &l->stamps[i + 1]))
                        changed = l->sources[i];        /* lives as long as l */
        if (which)
                *which = changed;
        if (changed)
                return -ESTALE;

        /* The text path checks approved_dir's folders; so does this one (the
         * index's own check covers the main file's folders).  Sources found
         * with the ownership walk had theirs checked already. */
        if (!s->checked && s->dir && s->dir_stamp.mode != 0) {
                char why[REASON_MAX];
                return safe_path_check_dir(s->dir, why);
        }
        return 0;
}

/* The header and every section against the file size. */
static int validate_header(const struct index_header *h, uint64_t size) {
        if (size < sizeof *h || memcmp(h->magic, INDEX_MAGIC, 8) != 0)
                return -EBADMSG;
        if (h->version != INDEX_VERSION || h->byte_order != INDEX_BYTE_ORDER || h->header_size != sizeof *h)
                return -EPROTO;
        if (h->file_size != size || h->allow_private > 1)
                return -EBADMSG;
        if (h->n_sources == 0 || h->n_sources > INDEX_SOURCES_MAX || h->n_entries > UINT32_MAX ||
            h->n_segments > 2 * h->n_entries + 1)
                return -EBADMSG;
        if (!section_ok(h, h->stamps_off, h->n_sources + 1, sizeof(struct approved_stamp)) ||
            !section_ok(h, h->source_names_off, h->n_sources, sizeof(struct index_name)) ||
            !section_ok(h, h->entries_off, h->n_entries, sizeof(struct approved_record)) ||
            !section_ok(h, h->segs_off, h->n_segments, sizeof(struct approved_segment)) ||
            !section_ok(h, h->seg_entry_off, h->n_segments, sizeof(uint32_t)) ||
            (h->bucket_off != 0 && !section_ok(h, h->bucket_off, APPROVED_BUCKETS + 1, sizeof(uint32_t))))
                return -EBADMSG;
        return 0;
}

/* A source name lies inside the file and is not absurdly long. */
static bool name_ok(const struct index_name *n, uint64_t size) {
        return n->off < size && n->len < size - n->off && n->len < PATH_MAX;
}

/* The index file, checked like every configuration file, open for reading. */
static int open_index(const char *path, int *ret_fd, uint64_t *ret_size) {
        char reason[REASON_MAX];
        int r = safe_path_check_file(path, reason);
        if (r < 0)
                return r;

        /* O_NONBLOCK: a FIFO put in place of the index must not hang a logon. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size > SIZE_MAX / 2) {
                close(fd);
                return -EBADMSG;
        }
        /* Checked again on the open file: the path may have changed since the walk. */
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                close(fd);
                return -EPERM;
        }
        *ret_fd = fd;
        *ret_size = (uint64_t) st.st_size;
        return 0;
}

static bool pread_all(int fd, void *buf, size_t len, uint64_t off) {
        for (size_t done = 0; done < len;) {
                ssize_t k = pread(fd, (char *) buf + done, len - done, (off_t) (off + done));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return false;
                done += (size_t) k;
        }
        return true;
}

#define INDEX_NAMES_MAX ((size_t) 1 << 24)      /* bytes of source names read at open */

/* Stamps and source names into one heap block: [stamps][names, NUL-terminated]. */
static int read_meta(int fd, const struct index_header *h, uint64_t size, void **ret_meta, const char ***ret_sources) {
        size_t stamps_len = (size_t) (h->n_sources + 1) * sizeof(struct approved_stamp);
        _cleanup_free_ struct index_name *names = calloc(h->n_sources, sizeof *names);
        if (!names)
                return -ENOMEM;
        if (!pread_all(fd, names, h->n_sources * sizeof *names, h->source_names_off))
                return -EBADMSG;
        size_t names_len = 0;
        for (size_t i = 0; i < h->n_sources; i++) {
                if (!name_ok(&names[i], size))
                        return -EBADMSG;
                names_len += names[i].len + 1;
                if (names_len > INDEX_NAMES_MAX)
                        return -EBADMSG;
        }

        _cleanup_free_ char *meta = malloc(stamps_len + names_len);
        _cleanup_free_ const char **sources = calloc(h->n_sources, sizeof *sources);
        if (!meta || !sources)
                return -ENOMEM;
        if (!pread_all(fd, meta, stamps_len, h->stamps_off))
                return -EBADMSG;
        char *p = meta + stamps_len;
        for (size_t i = 0; i < h->n_sources; i++) {
                if (!pread_all(fd, p, names[i].len + 1, names[i].off) || p[names[i].len] != 0 ||
                    strlen(p) != names[i].len)
                        return -EBADMSG;
                sources[i] = p;
                p += names[i].len + 1;
        }
        *ret_meta = meta;
        *ret_sources = sources;
        meta = NULL;
        sources = NULL;
        return 0;
}

/* ---- the lookup backend of an index read with pread (approved_layout.h) ---- */

static bool read_at(const struct approved_list *l, uint64_t off, void *buf, size_t len) {
        return pread_all(l->fd, buf, len, off);
}

/* Enough lookups to pay for a mapping: map the index file and use its arrays.
 * The list is logically const; only how it reaches its bytes changes. */
void approved_index_count_lookup(const struct approved_list *l) {
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

/* The lookup with pread: bucket bounds, then a binary search reading one
 * segment per step; the entry labelling the segment of addr.  Any failed
 * read: no match (fail closed). */
bool approved_index_segment_entry(const struct approved_list *l, addr128 addr, uint32_t *ret) {
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

bool approved_index_read_record(const struct approved_list *l, uint32_t i, struct approved_record *ret) {
        return read_at(l, l->entries_off + (uint64_t) i * sizeof *ret, ret, sizeof *ret);
}

void approved_index_release(struct approved_list *l) {
        if (l->mapped)
                munmap(l->map, l->map_size);
        close(l->fd);
        free(l->meta);
}

int approved_index_from_fd(int fd, uint64_t size, struct approved_list **ret) {
        struct index_header h;
        void *meta = NULL;
        const char **sources = NULL;

        int r = size >= sizeof h && pread_all(fd, &h, sizeof h, 0) ? validate_header(&h, size) : -EBADMSG;
        if (r >= 0)
                r = read_meta(fd, &h, size, &meta, &sources);
        struct approved_list *l = r >= 0 ? calloc(1, sizeof *l) : NULL;
        if (r >= 0 && !l)
                r = -ENOMEM;
        if (r < 0) {
                free(meta);
                free(sources);
                close(fd);
                return r;
        }

        *l = (struct approved_list) {
                .n_segments = h.n_segments,
                .n_entries = h.n_entries,
                .n_sources = h.n_sources,
                .sources = sources,
                .n_stamps = h.n_sources + 1,
                .stamps = meta,
                .allow_private = h.allow_private,
                .map_size = (size_t) size,
                .by_pread = true,
                .fd = fd,
                .segs_off = h.segs_off,
                .seg_entry_off = h.seg_entry_off,
                .entries_off = h.entries_off,
                .bucket_off = h.bucket_off,
                .meta = meta,
        };
        *ret = l;
        return 0;
}

static int index_open(const struct approved_sources *s, bool allow_private, struct approved_list **ret,
                      char **ret_changed) {
        _cleanup_free_ char *path = approved_index_path(s->files[0].path);
        if (!path)
                return -ENOMEM;

        int fd;
        uint64_t size;
        int r = open_index(path, &fd, &size);
        if (r < 0)
                return r;

        _cleanup_(approved_list_freep) struct approved_list *l = NULL;
        r = approved_index_from_fd(fd, size, &l);
        if (r < 0)
                return r;
        const char *changed = NULL;
        r = l->allow_private != allow_private ? -ESTALE : check_fresh(l, s, &changed);
        if (r == -ESTALE && ret_changed && changed && !(*ret_changed = strdup(changed)))
                r = -ENOMEM;
        if (r < 0)
                return r;
        if (ret) {
                *ret = l;
                l = NULL;
        }
        return 0;
}

int approved_index_open_sources(const struct approved_sources *s, bool allow_private, struct approved_list **ret) {
        return index_open(s, allow_private, ret, NULL);
}

int approved_index_freshness_sources(const struct approved_sources *s, bool allow_private, char **ret_changed) {
        *ret_changed = NULL;
        return index_open(s, allow_private, NULL, ret_changed);
}

/* The sources as the index check sees them without the ownership walk; a folder
 * that cannot be listed makes the index stale (the text path reports why). */
static int find_unchecked(const char *main_file, const char *dir, struct approved_sources **ret,
                          char **ret_changed) {
        _cleanup_(diag_free) struct diag_list diags = {};
        int r = approved_sources_find(main_file, dir, false, &diags, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (ret_changed && dir && !(*ret_changed = strdup(dir)))
                        return -ENOMEM;
                return -ESTALE;
        }
        return 0;
}

int approved_index_open(const char *main_file, const char *dir, bool allow_private, struct approved_list **ret) {
        _cleanup_(approved_sources_freep) struct approved_sources *s = NULL;
        int r = find_unchecked(main_file, dir, &s, NULL);
        if (r < 0)
                return r;
        return approved_index_open_sources(s, allow_private, ret);
}

int approved_index_freshness(const char *main_file, const char *dir, bool allow_private, char **ret_changed) {
        _cleanup_(approved_sources_freep) struct approved_sources *s = NULL;
        *ret_changed = NULL;
        int r = find_unchecked(main_file, dir, &s, ret_changed);
        if (r < 0)
                return r;
        return approved_index_freshness_sources(s, allow_private, ret_changed);
}
