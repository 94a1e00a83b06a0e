/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "journal_send.h"
#include "ownlog.h"

void ownlog_add(struct ownlog *l, const char *name, const void *value, size_t len) {
        if (l->n >= OWNLOG_FIELDS_MAX) {
                l->oom = true;
                return;
        }
        _cleanup_free_ char *n = strdup(name), *v = malloc(len + 1);
        if (!n || !v) {
                l->oom = true;
                return;
        }
        memcpy(v, value, len);
        v[len] = '\0';
        l->fields[l->n].name = TAKE_PTR(n);
        l->fields[l->n].value = TAKE_PTR(v);
        l->fields[l->n].len = len;
        l->n++;
}

static void ownlog_vaddf(struct ownlog *l, const char *name, const char *fmt, va_list ap) _printf_(3, 0);
static void ownlog_vaddf(struct ownlog *l, const char *name, const char *fmt, va_list ap) {
        _cleanup_free_ char *v = NULL;
        int n = vasprintf(&v, fmt, ap);
        if (n < 0) {
                v = NULL;       /* undefined after a failure */
                l->oom = true;
                return;
        }
        ownlog_add(l, name, v, (size_t) n);
}

void ownlog_addf(struct ownlog *l, const char *name, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        ownlog_vaddf(l, name, fmt, ap);
        va_end(ap);
}

void ownlog_begin(struct ownlog *l, int priority, const char *message_id, const char *event) {
        *l = (struct ownlog) {};
        ownlog_addf(l, "PRIORITY", "%d", priority);
        ownlog_addf(l, "SYSLOG_IDENTIFIER", "%s", SYSLOG_IDENTIFIER_ALERTD);
        if (message_id)
                ownlog_addf(l, "MESSAGE_ID", "%s", message_id);
        ownlog_addf(l, "LOGONACL_ALERTD_EVENT", "%s", event);
}

int ownlog_send(struct ownlog *l, bool echo, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        ownlog_vaddf(l, "MESSAGE", fmt, ap);
        va_end(ap);

        struct journal_field fields[OWNLOG_FIELDS_MAX];
        for (size_t i = 0; i < l->n; i++)
                fields[i] = (struct journal_field) { l->fields[i].name, l->fields[i].value, l->fields[i].len };
        int r = journal_send(fields, l->n);
        if (echo || r < 0) {
                /* MESSAGE is the last field; it is our own text (values in it are escaped by the caller). */
                const char *msg = l->n > 0 ? l->fields[l->n - 1].value : "";
                fprintf(stderr, "logonacl-alertd: %s\n", msg);
        }
        for (size_t i = 0; i < l->n; i++) {
                free(l->fields[i].name);
                free(l->fields[i].value);
        }
        *l = (struct ownlog) {};
        return r;
}
