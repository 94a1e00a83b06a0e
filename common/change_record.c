/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change_record.h"
#include "journal_send.h"
#include "logon_record.h"
#include "macro.h"
#include "utf8.h"

#define USER_MAX 256

/* The audit login uid, or -1 when unset (4294967295) or unreadable. */
static long login_uid(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/loginuid", "re");
        unsigned long v;

        if (!f || fscanf(f, "%lu", &v) != 1 || v >= UINT32_MAX)
                return -1;
        return (long) v;
}

static void user_of_uid(uid_t uid, char buf[USER_MAX]) {
        struct passwd pw, *found = NULL;
        char scratch[4096];

        if (getpwuid_r(uid, &pw, scratch, sizeof scratch, &found) == 0 && found)
                snprintf(buf, USER_MAX, "%s", found->pw_name);
        else
                snprintf(buf, USER_MAX, "%u", (unsigned) uid);
}

/* Who is behind this command (see the header). */
static void who(char buf[USER_MAX]) {
        const char *sudo_user = getenv("SUDO_USER");
        long luid;

        /* The kernel's login uid first: the caller cannot choose it, while anyone
         * running as root can set SUDO_USER to any name. */
        if ((luid = login_uid()) >= 0)
                user_of_uid((uid_t) luid, buf);
        else if (sudo_user && *sudo_user && strlen(sudo_user) < USER_MAX)
                snprintf(buf, USER_MAX, "%s", sudo_user);
        else
                user_of_uid(getuid(), buf);
}

/* MESSAGE is one line an administrator reads: what the environment or a file
 * name chose is escaped (the fields keep the raw bytes). */
static void append_escaped(char *out, size_t size, const char *text) {
        size_t o = strlen(out);
        escape_to_buffer(out + o, size - o, text, strlen(text), "\\");
}

#define FIELD(n, v) ((struct journal_field) { .name = (n), .value = (v), .len = strlen(v) })

int change_record_write_to(const char *socket_path, const char *change, const char *file) {
        char user[USER_MAX], uid[16], message[2048] = "logonaclctl: ";

        who(user);
        snprintf(uid, sizeof uid, "%u", (unsigned) getuid());
        append_escaped(message, sizeof message, change);
        append_escaped(message, sizeof message, " in ");
        append_escaped(message, sizeof message, file);
        append_escaped(message, sizeof message, " by ");
        append_escaped(message, sizeof message, user);

        const struct journal_field fields[] = {
                FIELD(logon_field_name(LOGON_MESSAGE), message),
                FIELD("MESSAGE_ID", CHANGE_RECORD_MESSAGE_ID),
                FIELD("PRIORITY", "5"),
                FIELD("SYSLOG_IDENTIFIER", CHANGE_RECORD_IDENTIFIER),
                FIELD(logon_field_name(LOGON_CHANGE), change),
                FIELD(logon_field_name(LOGON_FILE), file),
                FIELD(logon_field_name(LOGON_BY_UID), uid),
                FIELD(logon_field_name(LOGON_BY_USER), user),
        };
        return journal_send_to(socket_path, fields, ELEMENTSOF(fields));
}

int change_record_write(const char *change, const char *file) {
        return change_record_write_to(JOURNAL_SOCKET_PATH, change, file);
}
