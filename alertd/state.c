/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "atomic_file.h"
#include "macro.h"
#include "state.h"

enum state_key {
        KEY_VERSION,
        KEY_CURSOR,
        KEY_REALTIME,
        KEY_WINDOW_OPEN,
        KEY_WINDOW_START,
        KEY_WINDOW_SENT,
        KEY_WINDOW_SUPPRESSED,
        KEY_PENDING,
        KEY_JOURNAL_DROPPED,
        KEY_LAST_COUNTED,               /* optional (not in version 1) */
        KEY_SOURCE,                     /* repeated: one a boot */
        _KEY_MAX,
};

static const char *const key_names[_KEY_MAX] = {
        [KEY_VERSION] = "version",
        [KEY_CURSOR] = "cursor",
        [KEY_REALTIME] = "realtime",
        [KEY_WINDOW_OPEN] = "window_open",
        [KEY_WINDOW_START] = "window_start",
        [KEY_WINDOW_SENT] = "window_sent",
        [KEY_WINDOW_SUPPRESSED] = "window_suppressed",
        [KEY_PENDING] = "pending",
        [KEY_JOURNAL_DROPPED] = "journal_dropped",
        [KEY_LAST_COUNTED] = "last_counted",
        [KEY_SOURCE] = "source",
};

void state_free_sources(struct alertd_state *s) {
        for (size_t i = 0; i < s->n_sources; i++)
                free(s->sources[i]);
        free(s->sources);
        s->sources = NULL;
        s->n_sources = 0;
}

char *state_format(const struct alertd_state *s) {
        struct buf b = {};
        buf_printf(&b,
                   "# logonacl-alertd state: journal position and alert window (do not edit while it runs)\n"
                   "version=2\n"
                   "cursor=%s\n"
                   "realtime=%" PRIu64 "\n"
                   "window_open=%s\n"
                   "window_start=%" PRIu64 "\n"
                   "window_sent=%u\n"
                   "window_suppressed=%" PRIu64 "\n"
                   "pending=%s\n"
                   "journal_dropped=%" PRIu64 "\n"
                   "last_counted=%" PRIu64 "\n",
                   s->cursor, s->realtime_usec, s->window.open ? "yes" : "no", s->window.start_usec, s->window.sent,
                   s->window.suppressed, s->pending ? "yes" : "no", s->journal_dropped,
                   s->last_counted_usec);
        for (size_t i = 0; i < s->n_sources; i++)
                buf_printf(&b, "source=%s\n", s->sources[i]);
        return buf_steal(&b, NULL);
}

static int parse_u64(const char *v, uint64_t *ret) {
        if (*v < '0' || *v > '9' || strlen(v) > 20)
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = n;
        return 0;
}

static int parse_bool(const char *v, bool *ret) {
        if (strcmp(v, "yes") == 0)
                *ret = true;
        else if (strcmp(v, "no") == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* A cursor is printable ASCII without spaces; libsystemd checks the rest. */
static int parse_cursor(const char *v, char ret[STATE_CURSOR_MAX + 1]) {
        size_t len = strlen(v);
        if (len > STATE_CURSOR_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (v[i] <= 0x20 || v[i] >= 0x7f)
                        return -EINVAL;
        memcpy(ret, v, len + 1);
        return 0;
}

static int parse_value(enum state_key k, const char *v, struct alertd_state *s) {
        uint64_t n;
        int r;

        switch (k) {
        case KEY_VERSION:
                if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
                        return -EPROTONOSUPPORT;
                s->version = (unsigned) (v[0] - '0');
                return 0;
        case KEY_CURSOR:
                return parse_cursor(v, s->cursor);
        case KEY_REALTIME:
                return parse_u64(v, &s->realtime_usec);
        case KEY_WINDOW_OPEN:
                return parse_bool(v, &s->window.open);
        case KEY_WINDOW_START:
                return parse_u64(v, &s->window.start_usec);
        case KEY_WINDOW_SENT:
                r = parse_u64(v, &n);
                if (r < 0 || n > 100)
                        return -EINVAL;
                s->window.sent = (unsigned) n;
                return 0;
        case KEY_WINDOW_SUPPRESSED:
                return parse_u64(v, &s->window.suppressed);
        case KEY_PENDING:
                return parse_bool(v, &s->pending);
        case KEY_JOURNAL_DROPPED:
                return parse_u64(v, &s->journal_dropped);
        case KEY_LAST_COUNTED:
                return parse_u64(v, &s->last_counted_usec);
        case KEY_SOURCE: {
                char c[STATE_CURSOR_MAX + 1];
                if (v[0] == '\0' || s->n_sources >= STATE_SOURCES_MAX || parse_cursor(v, c) < 0)
                        return -EINVAL;
                char **a = realloc(s->sources, (s->n_sources + 1) * sizeof(char *));
                if (!a)
                        return -ENOMEM;
                s->sources = a;
                if (!(a[s->n_sources] = strdup(c)))
                        return -ENOMEM;
                s->n_sources++;
                return 0;
        }
        default:
                return -EINVAL;
        }
}

/* Parses into *s, which owns what it holds even on failure. */
static int state_parse_into(const char *text, size_t len, const char *where, struct alertd_state *sp,
                            char reason[REASON_MAX]) {
        bool seen[_KEY_MAX] = {};
        unsigned line = 0;

        if (memchr(text, '\0', len))
                return reason_set(reason, EBADMSG, "%s: holds a NUL byte, not a state file", where);
        for (size_t start = 0; start < len;) {
                const char *nl = memchr(text + start, '\n', len - start);
                if (!nl)
                        return reason_set(reason, EBADMSG, "%s:%u: truncated line (no newline at the end)", where,
                                          line + 1);
                size_t l = (size_t) (nl - (text + start));
                char buf[STATE_CURSOR_MAX + 64];
                line++;
                if (l >= sizeof(buf))
                        return reason_set(reason, EBADMSG, "%s:%u: line too long", where, line);
                memcpy(buf, text + start, l);
                buf[l] = '\0';
                start += l + 1;
                if (buf[0] == '#' || buf[0] == '\0')
                        continue;
                char *eq = strchr(buf, '=');
                if (!eq)
                        return reason_set(reason, EBADMSG, "%s:%u: expected key=value", where, line);
                *eq = '\0';
                enum state_key k = _KEY_MAX;
                for (int i = 0; i < _KEY_MAX; i++)
                        if (strcmp(buf, key_names[i]) == 0)
                                k = i;
                if (k == _KEY_MAX)
                        return reason_set(reason, EBADMSG, "%s:%u: unknown key \"%.64s\"", where, line, buf);
                if (seen[k] && k != KEY_SOURCE)
                        return reason_set(reason, EBADMSG, "%s:%u: %s given twice", where, line, key_names[k]);
                seen[k] = true;
                int r = parse_value(k, eq + 1, sp);
                if (r < 0)
                        return reason_set(reason, EBADMSG, "%s:%u: %s", where, line,
                                 r == -EPROTONOSUPPORT ? "unsupported version" : "invalid value");
        }
        for (int i = 0; i < _KEY_MAX; i++)
                if (!seen[i] && i != KEY_SOURCE && i != KEY_LAST_COUNTED)
                        return reason_set(reason, EBADMSG, "%s: %s is missing", where, key_names[i]);
        if (sp->pending && sp->cursor[0] == '\0')
                return reason_set(reason, EBADMSG, "%s: a pending alert needs a cursor", where);
        if (sp->n_sources > 0 && sp->version < 2)
                return reason_set(reason, EBADMSG, "%s: source lines need version 2", where);
        return 0;
}

int state_parse(const char *text, size_t len, const char *where, struct alertd_state *ret, char reason[REASON_MAX]) {
        struct alertd_state s = {};
        int r = state_parse_into(text, len, where, &s, reason);
        if (r < 0) {
                state_free_sources(&s);
                return r;
        }
        *ret = s;
        return 0;
}

int state_load(const char *path, struct alertd_state *ret, char reason[REASON_MAX]) {
        *ret = (struct alertd_state) {};
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT)
                return -ENOENT;         /* no state yet: not an error to report */
        if (fd < 0)
                return reason_set(reason, errno, "%s: %m", path);
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return reason_set(reason, EBADMSG, "%s: not a regular file", path);
        if (st.st_size > STATE_FILE_MAX)
                return reason_set(reason, EBADMSG, "%s: too large for a state file (%lld bytes)", path,
                                  (long long) st.st_size);
        _cleanup_free_ char *text = malloc((size_t) st.st_size + 1);
        if (!text)
                return reason_set(reason, ENOMEM, "%s: out of memory", path);
        size_t n = 0;
        for (;;) {
                ssize_t k = read(fd, text + n, (size_t) st.st_size + 1 - n);
                if (k < 0)
                        return reason_set(reason, errno, "%s: %m", path);
                if (k == 0 || (n += (size_t) k) == (size_t) st.st_size + 1)
                        break;
        }
        if (n > (size_t) st.st_size)
                return reason_set(reason, EBADMSG, "%s: grew while read", path);
        return state_parse(text, n, path, ret, reason);
}

int state_save(const char *path, const struct alertd_state *s, char reason[REASON_MAX]) {
        _cleanup_free_ char *text = state_format(s);
        struct atomic_file f;

        if (!text)
                return reason_set(reason, ENOMEM, "%s: out of memory", path);
        int r = atomic_file_begin(&f, path, 0600, (uid_t) -1, (gid_t) -1);
        if (r >= 0) {
                r = atomic_file_write(&f, text, strlen(text));
                if (r < 0)
                        atomic_file_abort(&f);
                else
                        r = atomic_file_commit(&f);
        }
        if (r < 0)
                return reason_set(reason, -r, "%s: %s", path, strerror(-r));
        return r;
}
