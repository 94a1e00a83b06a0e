/* SPDX-License-Identifier: MIT */
/* logonaclctl: global options, the command table, usage and help. */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "logonacl-build.h"

static const struct ctl_command commands[] = {
        { "add",     ctl_add,     "add [--comment TEXT] [--expires DATE] ADDR...",
          "approve addresses or CIDR blocks (edits the main approved file)" },
        { "remove",  ctl_remove,  "remove ADDR...",
          "remove entries from the main approved file" },
        { "list",    ctl_list,    "list [--json]",
          "print every approved entry with the file and line it comes from" },
        { "check",   ctl_check,   "check",
          "validate the configuration, the approved files and their permissions" },
        { "reindex", ctl_reindex, "reindex [--if-stale]",
          "rebuild the approved list's index after a hand edit" },
        { "test",    ctl_test,
          "test --service S [--rhost R] [--user U] [--stage account|auth] [--channel C]",
          "print the decision the module would make; logs nothing" },
        { "log",     ctl_log,
          "log [--activity allowed|blocked-and-logged] [--channel C] [--user U] [--rhost R] [--since T] "
          "[--until T] [-n N|all] [-f] [--changes] [--json] [--no-pager] [--directory DIR]",
          "print the audit trail from the journal (the last 100 entries unless a time range or -n is given)" },
        { "what-if", ctl_what_if,
          "what-if --channel C [--action block-and-log|allow-and-log] [--since T] [--until T] [--all] [--json] "
          "[--directory DIR]",
          "replay past logons against today's list: who would have been locked out, by client address" },
        { "suggest", ctl_suggest,
          "suggest [--channel C] [--since T] [--until T] [--directory DIR]",
          "client addresses of past logons that are not approved yet" },
        { "set",     ctl_set,
          "set CHANNEL none|allow-and-log|block-and-log [--force] [--json] [--caller-address ADDR] [--directory DIR]",
          "change a channel's action in the configuration; block-and-log only past the lockout guard" },
        { "alert",   ctl_alert,
          "alert [--email LIST] [--threshold 5|20|50|100] [--json]",
          "print the alert recipients and threshold, or change them in the configuration" },
        { "status",  ctl_status,
          "status [--json] [--state PATH] [--directory DIR]",
          "whether it all works: configuration, list, alertd (window, pending, last delivery error), last 24 h" },
};

static const struct ctl_command *ctl_command_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

static void print_usage_line(FILE *f, const char *command) {
        const struct ctl_command *c = command ? ctl_command_find(command) : NULL;
        fprintf(f, "Usage: logonaclctl [--config PATH] %s\n", c ? c->usage : "COMMAND [ARGS...]");
}

int ctl_usage_error(const char *command, const char *fmt, ...) {
        va_list ap;

        fputs("logonaclctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        print_usage_line(stderr, command);
        return EXIT_USAGE;
}

int ctl_option_error(const char *command, int opt, char **argv) {
        if (opt == ':')
                return ctl_usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        return ctl_usage_error(command, "unknown option '%s'", argv[optind - 1]);
}

int ctl_command_help(const char *command) {
        print_usage_line(stdout, command);
        return EXIT_OK;
}

int ctl_option_common(char **argv, int opt) {
        return opt == 'h' ? ctl_command_help(argv[0]) : ctl_option_error(argv[0], opt, argv);
}

int ctl_no_arguments(int argc, char **argv) {
        if (optind < argc)
                return ctl_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
        return -1;
}

int ctl_parse_help_only(int argc, char **argv, const char *missing_arguments) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int opt;

        opterr = 0;
        if ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                return ctl_option_common(argv, opt);
        if (!missing_arguments)
                return ctl_no_arguments(argc, argv);
        if (optind >= argc)
                return ctl_usage_error(argv[0], "%s", missing_arguments);
        return -1;
}

static int help(void) {
        printf("Usage: logonaclctl [--config PATH] COMMAND [ARGS...]\n"
               "\n"
               "Administers logonacl: the approved IP address list, decisions, the audit trail.\n"
               "\n"
               "Options (before the command):\n"
               "  --config PATH   configuration file (default %s)\n"
               "  --help          print this help\n"
               "  --version       print the version\n"
               "\n"
               "Commands:\n", LOGONACL_CONF_PATH);
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                printf("  %s\n      %s\n", commands[i].usage, commands[i].summary);
        printf("\n"
               "Times (--since, --until), as journalctl reads them (see logonaclctl(8), TIMES):\n"
               "  \"2023-11-01\", \"2023-11-01 12:00[:00]\" (local time; add \" UTC\", \"Z\" or \"+09:00\"),\n"
               "  \"today\", \"yesterday\", \"tomorrow\", \"now\", \"@SECONDS\", \"-30min\", \"-24h\", \"-7d\",\n"
               "  \"-1y\", \"1 week ago\", \"2 hours left\".\n"
               "\n"
               "Exit status: 0 ok, 1 invalid input or failed check, 2 usage,\n"
               "3 (what-if, set) someone would be locked out,\n"
               "4 (test) the logon would be blocked, 5 (test) it would not be controlled.\n");
        return EXIT_OK;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "config",  required_argument, NULL, 'c' },
                { "help",    no_argument,       NULL, 'h' },
                { "version", no_argument,       NULL, 'V' },
                {}
        };
        struct ctl ctl = { .config_path = LOGONACL_CONF_PATH };
        int opt;

        /* "+": stop at the command; its options are its own. */
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (opt) {
                case 'c':
                        if (!*optarg)
                                return ctl_usage_error(NULL, "--config needs a path");
                        ctl.config_path = optarg;
                        break;
                case 'h':
                        return help();
                case 'V':
                        printf("logonaclctl %s\n", LOGONACL_VERSION);
                        return EXIT_OK;
                default:
                        return ctl_option_error(NULL, opt, argv);
                }

        if (optind >= argc)
                return ctl_usage_error(NULL, "no command given");

        const struct ctl_command *command = ctl_command_find(argv[optind]);
        if (!command)
                return ctl_usage_error(NULL, "unknown command '%s'", argv[optind]);

        /* The command parses its own options from argv[0] = its name. */
        argc -= optind;
        argv += optind;
        optind = 0;
        int r = command->run(&ctl, argc, argv);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "logonaclctl: cannot write the output: %s\n", strerror(errno));
                return r == EXIT_OK ? EXIT_INVALID : r;
        }
        return r;
}
