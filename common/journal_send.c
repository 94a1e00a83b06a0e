/* SPDX-License-Identifier: MIT */
/* The native journald protocol without libsystemd: libsystemd keeps its socket
 * in a static variable, which leaks one descriptor per logon when the module is
 * unloaded at pam_end.  Here everything lives for one call. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "journal_send.h"
#include "macro.h"

#define JOURNAL_FIELD_NAME_MAX 64
#define JOURNAL_SEND_TIMEOUT_USEC 1000000       /* a stalled journald may delay a logon this long, no more */

/* journald's rule: A-Z, 0-9, '_'; not starting with '_' (trusted fields) or a digit. */
static bool field_name_valid(const char *name) {
        size_t len = name ? strlen(name) : 0;
        if (len == 0 || len > JOURNAL_FIELD_NAME_MAX || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
                        return false;
        return true;
}

/* Every field as NAME '\n' <le64 length> <bytes> '\n': the binary-safe form, so a
 * value with newlines, NULs or "OTHER=..." stays one value. */
static int build_entry(const struct journal_field *fields, size_t n_fields, uint8_t **ret, size_t *ret_size) {
        size_t size = 0;

        for (size_t i = 0; i < n_fields; i++) {
                if (!field_name_valid(fields[i].name) || (!fields[i].value && fields[i].len > 0))
                        return -EINVAL;
                size_t one = strlen(fields[i].name) + 1 + sizeof(uint64_t) + 1;
                if (fields[i].len > SIZE_MAX - one || size > SIZE_MAX - one - fields[i].len)
                        return -E2BIG;
                size += one + fields[i].len;
        }

        uint8_t *entry = malloc(size), *p = entry;
        if (!entry)
                return -ENOMEM;
        for (size_t i = 0; i < n_fields; i++) {
                size_t name_len = strlen(fields[i].name);
                uint64_t le_len = htole64((uint64_t) fields[i].len);
                memcpy(p, fields[i].name, name_len);
                p += name_len;
                *p++ = '\n';
                memcpy(p, &le_len, sizeof le_len);
                p += sizeof le_len;
                if (fields[i].len > 0)
                        memcpy(p, fields[i].value, fields[i].len);
                p += fields[i].len;
                *p++ = '\n';
        }
        *ret = entry;
        *ret_size = size;
        return 0;
}

static int send_with_retry(int fd, const struct msghdr *mh) {
        for (;;) {
                if (sendmsg(fd, mh, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

/* An entry too big for one datagram goes as a sealed memfd, as libsystemd does:
 * journald accepts a file descriptor only when nobody can change it any more. */
static int send_as_memfd(int fd, struct sockaddr_un *sa, socklen_t sa_len, const uint8_t *entry, size_t size) {
        _cleanup_close_ int memfd = memfd_create("logonacl-journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0)
                return -errno;

        for (size_t done = 0; done < size;) {
                ssize_t n = write(memfd, entry + done, size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                done += (size_t) n;
        }
        if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;

        union {
                struct cmsghdr header;
                uint8_t space[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {
                .msg_name = sa,
                .msg_namelen = sa_len,
                .msg_control = &control,
                .msg_controllen = sizeof control,
        };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &memfd, sizeof(int));

        return send_with_retry(fd, &mh);
}

int journal_send_to(const char *socket_path, const struct journal_field *fields, size_t n_fields) {
        _cleanup_free_ uint8_t *entry = NULL;
        size_t size = 0;
        int r;

        if (!socket_path || !fields || n_fields == 0)
                return -EINVAL;

        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t path_len = strlen(socket_path);
        if (path_len == 0 || path_len >= sizeof sa.sun_path)
                return -EINVAL;
        memcpy(sa.sun_path, socket_path, path_len);
        socklen_t sa_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + path_len + 1);

        r = build_entry(fields, n_fields, &entry, &size);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* A full journald queue blocks sendmsg: bound the wait. */
        struct timeval timeout = {
                .tv_sec = JOURNAL_SEND_TIMEOUT_USEC / 1000000,
                .tv_usec = JOURNAL_SEND_TIMEOUT_USEC % 1000000,
        };
        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) < 0)
                return -errno;

        struct iovec iov = { .iov_base = entry, .iov_len = size };
        struct msghdr mh = {
                .msg_name = &sa,
                .msg_namelen = sa_len,
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };
        r = send_with_retry(fd, &mh);
        if (r != -EMSGSIZE && r != -ENOBUFS)
                return r;
        return send_as_memfd(fd, &sa, sa_len, entry, size);
}

int journal_send(const struct journal_field *fields, size_t n_fields) {
        return journal_send_to(JOURNAL_SOCKET_PATH, fields, n_fields);
}
