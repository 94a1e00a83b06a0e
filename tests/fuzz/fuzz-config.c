/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as logonacl.conf.  The file is a memfd read
 * through /proc/self/fd/N (check_perms off: a memfd has no folder to walk). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int fd = memfd_create("fuzz-config", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, data + done, size - done);
                if (n <= 0) {
                        close(fd);
                        return 0;
                }
                done += (size_t) n;
        }

        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        struct config c;
        struct diag_list d = {};
        int r = config_load(path, false, size % 4 == 0 ? 0 : size % 7, &c, &d);

        /* What callers rely on: success has no errors, failure says why, and every
         * line names the file. */
        if ((r == 0) != !diag_has_errors(&d))
                abort();
        if (r < 0 && d.n_lines == 0)
                abort();
        for (size_t i = 0; i < d.n_lines; i++)
                if (strncmp(d.lines[i], path, strlen(path)) != 0 || strchr(d.lines[i], '\n'))
                        abort();

        /* A loaded configuration answers queries without surprises. */
        static const char *const services[] = { "sshd", "dovecot", "restapi", "portal", "webmail-inline", "" };
        for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
                bool sso, inline_service;
                enum channel ch = config_channel_of(&c, services[i], &sso, &inline_service);
                if (ch != CHANNEL_INVALID && !channel_to_string(ch))
                        abort();
                if ((sso && ch != CHANNEL_ADMIN) || (inline_service && ch != CHANNEL_ENDUSER))
                        abort();
        }
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++)
                if (!action_to_string(c.channel[ch].action))
                        abort();

        config_free(&c);
        diag_free(&d);
        close(fd);
        return 0;
}
