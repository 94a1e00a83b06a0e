/* SPDX-License-Identifier: MIT */
/* Finding a key's line in a section (the action, or an [alert] key) with the grammar of common/config.c
 * (blank-trimmed lines, "[name]" headers, "key = value", '#' comments at the
 * start of a line or value or after a blank) and splicing the new value in. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "set_edit.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p, const char *end) {
        while (p < end && is_blank(*p))
                p++;
        return p;
}

/* p..end spells word, then blanks, then '=': the position after the '=', or NULL. */
static const char *key_is(const char *p, const char *end, const char *word) {
        size_t n = strlen(word);

        if ((size_t) (end - p) < n || memcmp(p, word, n) != 0)
                return NULL;
        p = skip_blanks(p + n, end);
        return p < end && *p == '=' ? p + 1 : NULL;
}

/* The section a "[name]" line opens, into buf ("" when the line is no header). */
static void section_of(const char *p, const char *end, char *buf, size_t size) {
        const char *close = memchr(p, ']', (size_t) (end - p));

        buf[0] = 0;
        if (*p != '[' || !close)
                return;
        const char *name = skip_blanks(p + 1, close), *name_end = close;
        while (name_end > name && is_blank(name_end[-1]))
                name_end--;
        snprintf(buf, size, "%.*s", (int) (name_end - name), name);
}

struct action_place {
        const char *value, *value_end;  /* a "KEY =" line of the section: its value */
        const char *insert_at;          /* else: where a new line goes (after this line) */
        bool section_found;
};

static void find_key(const char *data, size_t size, const char *section, const char *key, struct action_place *ret) {
        const char *end = data + size, *line = data;
        bool inside = false;

        *ret = (struct action_place) {};
        while (line < end) {
                const char *eol = memchr(line, '\n', (size_t) (end - line)), *next;
                eol = eol ?: end;
                next = eol < end ? eol + 1 : end;
                const char *p = skip_blanks(line, eol);
                char name[64];

                if (p < eol && *p == '[') {
                        section_of(p, eol, name, sizeof name);
                        inside = strcmp(name, section) == 0;
                        if (inside) {
                                ret->section_found = true;
                                ret->insert_at = next;
                        }
                } else if (inside && p < eol && *p == '#') {
                        if (key_is(skip_blanks(p + 1, eol), eol, key))
                                ret->insert_at = next;  /* the shipped "#action = none" */
                } else if (inside) {
                        const char *v = key_is(p, eol, key);
                        if (v) {
                                v = skip_blanks(v, eol);
                                const char *ve = v;
                                while (ve < eol && !(*ve == '#' && (ve == v || is_blank(ve[-1]))))
                                        ve++;
                                while (ve > v && is_blank(ve[-1]))
                                        ve--;
                                ret->value = v;
                                ret->value_end = ve;
                                return;
                        }
                }
                line = next;
        }
}

/* Reads the file back as the module will: the section's action must be the new one. */
static int check_result(const char *path, const char *section, const char *action, void *userdata) {
        _cleanup_(config_free) struct config c = {};
        _cleanup_(diag_free) struct diag_list diags = {};

        if (config_load(path, true, 20, &c, &diags) < 0) {
                ctl_print_diags(&diags);
                return -EINVAL;
        }
        enum channel ch = channel_from_string(section);
        if (ch == CHANNEL_INVALID || c.channel[ch].action != action_from_string(action)) {
                fprintf(stderr, "logonaclctl: %s: the edit did not take (the [%s] action reads differently)\n", path,
                        section);
                return -EINVAL;
        }
        return 0;
}

int set_edit_key(struct approved_edit *e, const char *section, const char *key, const char *value,
                 set_edit_verify_fn verify, void *userdata) {
        _cleanup_free_ char *line = NULL;
        struct action_place at;
        char header[80];
        struct text_part parts[4];
        size_t n = 0;
        int r;

        if (asprintf(&line, "%s = %s\n", key, value) < 0)
                return -ENOMEM;
        find_key(e->data, e->size, section, key, &at);
        snprintf(header, sizeof header, "%s[%s]\n", e->size > 0 && e->data[e->size - 1] != '\n' ? "\n" : "", section);
        if (at.value) {
                /* "action =" with no value: keep one blank after the '='. */
                bool pad = at.value > e->data && at.value[-1] == '=';
                parts[n++] = (struct text_part) { e->data, (size_t) (at.value - e->data) };
                parts[n++] = (struct text_part) { pad ? " " : "", pad ? 1 : 0 };
                parts[n++] = (struct text_part) { value, strlen(value) };
                parts[n++] = (struct text_part) { at.value_end, (size_t) (e->data + e->size - at.value_end) };
        } else if (at.section_found) {
                /* The section's last line may lack its newline. */
                bool newline = at.insert_at == e->data + e->size && e->size > 0 && e->data[e->size - 1] != '\n';
                parts[n++] = (struct text_part) { e->data, (size_t) (at.insert_at - e->data) };
                parts[n++] = (struct text_part) { "\n", newline ? 1 : 0 };
                parts[n++] = (struct text_part) { line, strlen(line) };
                parts[n++] = (struct text_part) { at.insert_at, (size_t) (e->data + e->size - at.insert_at) };
        } else {
                parts[n++] = (struct text_part) { e->data, e->size };
                parts[n++] = (struct text_part) { header, strlen(header) };
                parts[n++] = (struct text_part) { line, strlen(line) };
        }

        r = approved_edit_replace(e, parts, n);
        if (r < 0)
                return r;
        r = verify(e->path, section, value, userdata);
        if (r < 0) {
                struct text_part old = { e->data, e->size };
                if (approved_edit_replace(e, &old, 1) >= 0)
                        fprintf(stderr, "logonaclctl: %s: the old file is back\n", e->path);
        }
        return r;
}

int set_edit_action(struct approved_edit *e, const char *section, const char *action) {
        return set_edit_key(e, section, "action", action, check_result, NULL);
}
