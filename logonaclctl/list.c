/* SPDX-License-Identifier: MIT */
/* logonaclctl list: every approved entry, one a line, in the order the module
 * reads them (main file, then drop-ins by name):
 *
 *     ENTRY<TAB>FILE:LINE[<TAB>expires=DATE[ (expired)]][<TAB># COMMENT]
 *
 * The list says where each entry is; the comment is read back from that line
 * of its file (the loaded list keeps no comments: a logon never needs them).
 * --json: one object a line (entry, file, line, main, expires, expired,
 * comment), for the Cockpit page; the comment is JSON ASCII (escape.h). */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "approved.h"
#include "ctl.h"
#include "escape.h"
#include "expiry.h"

/* Reads one file's lines in order, as entries ask for them. */
struct line_reader {
        const char *source;
        FILE *f;
        unsigned line_no;
        char *line;
        size_t cap;
        ssize_t len;
};

static void line_reader_close(struct line_reader *r) {
        if (r->f)
                fclose(r->f);
        r->f = NULL;
        r->source = NULL;
}

/* At the end of list: the file and the line buffer. */
static void line_reader_done(struct line_reader *r) {
        line_reader_close(r);
        free(r->line);
        r->line = NULL;
}

/* The text of line line_no of source, or NULL (a file changed since it was loaded). */
static const char *line_reader_get(struct line_reader *r, const char *source, unsigned line_no, size_t *ret_len) {
        if (r->source != source || line_no < r->line_no) {
                line_reader_close(r);
                r->source = source;
                r->f = fopen(source, "re");
                r->line_no = 0;
        }
        while (r->f && r->line_no < line_no) {
                r->len = getline(&r->line, &r->cap, r->f);
                if (r->len < 0) {
                        line_reader_close(r);
                        return NULL;
                }
                r->line_no++;
        }
        if (!r->f)
                return NULL;
        size_t len = (size_t) r->len;
        if (len > 0 && r->line[len - 1] == '\n')
                len--;
        *ret_len = len;
        return r->line;
}

static void print_entry(const struct approved_entry_info *info, struct line_reader *reader, int64_t now) {
        char reason[REASON_MAX];
        struct approved_line parts = {};
        size_t len;

        printf("%s\t%s:%u", info->text, info->source, info->line);
        if (info->expires) {
                char date[EXPIRY_TEXT_MAX];
                expiry_format(info->expires, date);
                printf("\texpires=%s%s", date, info->expires <= now ? " (expired)" : "");
        }
        const char *line = line_reader_get(reader, info->source, info->line, &len);
        if (line && approved_line_split(line, len, &parts, reason) >= 0 && parts.comment_len > 0) {
                fputs("\t# ", stdout);
                escape_terminal(stdout, parts.comment, parts.comment_len);
        }
        putchar('\n');
}

static void print_entry_json(const struct approved_entry_info *info, const struct config *c,
                             struct line_reader *reader, int64_t now) {
        char reason[REASON_MAX];
        struct approved_line parts = {};
        size_t len;

        printf("{\"entry\":\"%s\",\"file\":", info->text);
        json_write_value(stdout, info->source, strlen(info->source));
        /* Only the main file is edited by add and remove; drop-ins belong to whoever made them. */
        printf(",\"line\":%u,\"main\":%s,\"expires\":", info->line,
               strcmp(info->source, c->approved_file) == 0 ? "true" : "false");
        if (info->expires) {
                char date[EXPIRY_TEXT_MAX];
                expiry_format(info->expires, date);
                printf("\"%s\",\"expired\":%s", date, info->expires <= now ? "true" : "false");
        } else
                fputs("null,\"expired\":false", stdout);
        fputs(",\"comment\":", stdout);
        const char *line = line_reader_get(reader, info->source, info->line, &len);
        if (line && approved_line_split(line, len, &parts, reason) >= 0 && parts.comment_len > 0)
                json_write_value(stdout, parts.comment, parts.comment_len);
        else
                fputs("null", stdout);
        fputs("}\n", stdout);
}

/* -1 to go on, or the exit code. */
static int parse_list_options(int argc, char **argv, bool *json) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int opt;

        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 'j':
                        *json = true;
                        break;
                default:
                        return ctl_option_common(argv, opt);
                }
        return ctl_no_arguments(argc, argv);
}

int ctl_list(const struct ctl *ctl, int argc, char **argv) {
        _cleanup_(config_free) struct config config = {};
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        _cleanup_(line_reader_done) struct line_reader reader = {};

        bool json = false;
        int r = parse_list_options(argc, argv, &json);
        if (r >= 0)
                return r;

        if (ctl_load_config(ctl, &config) < 0 || ctl_load_approved(&config, &list) < 0)
                return EXIT_INVALID;

        int64_t now = (int64_t) time(NULL);
        struct approved_entry_info info;
        for (size_t i = 0; approved_list_entry(list, i, &info); i++)
                if (json)
                        print_entry_json(&info, &config, &reader, now);
                else
                        print_entry(&info, &reader, now);
        return EXIT_OK;
}
