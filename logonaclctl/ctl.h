/* SPDX-License-Identifier: MIT */
#pragma once

/* What every logonaclctl command shares: the exit codes of SPEC §6, the global
 * options, and the small helpers that load the configuration and print
 * diagnostics.  Each command lives in a file of its own. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "config.h"
#include "diag.h"
#include "entry_scan.h"
#include "macro.h"

enum {
        EXIT_OK = 0,
        EXIT_INVALID = 1,       /* invalid input or failed check */
        EXIT_USAGE = 2,
        EXIT_LOCKOUT = 3,       /* what-if, set: someone would be locked out */
        EXIT_BLOCKED = 4,       /* test: the module would refuse (PAM_PERM_DENIED) */
        EXIT_NOT_CONTROLLED = 5, /* test: the module would not decide (PAM_IGNORE) */
};

struct ctl {
        const char *config_path;
};

struct ctl_command {
        const char *name;
        int (*run)(const struct ctl *ctl, int argc, char **argv);
        const char *usage;      /* after "logonaclctl [--config PATH] " */
        const char *summary;
};

int ctl_add(const struct ctl *ctl, int argc, char **argv);
int ctl_remove(const struct ctl *ctl, int argc, char **argv);
int ctl_list(const struct ctl *ctl, int argc, char **argv);
int ctl_check(const struct ctl *ctl, int argc, char **argv);
int ctl_reindex(const struct ctl *ctl, int argc, char **argv);
int ctl_test(const struct ctl *ctl, int argc, char **argv);
int ctl_log(const struct ctl *ctl, int argc, char **argv);
int ctl_what_if(const struct ctl *ctl, int argc, char **argv);
int ctl_suggest(const struct ctl *ctl, int argc, char **argv);
int ctl_set(const struct ctl *ctl, int argc, char **argv);
int ctl_status(const struct ctl *ctl, int argc, char **argv);
int ctl_alert(const struct ctl *ctl, int argc, char **argv);

/* Prints "logonaclctl: <message>" and the command's usage line to stderr;
 * returns EXIT_USAGE so a command can `return ctl_usage_error(...)`. */
int ctl_usage_error(const char *command, const char *fmt, ...) _printf_(2, 3);
/* The usage error for what getopt_long (optstring starting with "+:") returned:
 * ':' a missing value, anything else an unknown option. */
int ctl_option_error(const char *command, int opt, char **argv);
/* Prints the command's usage line to stdout (for --help); returns EXIT_OK. */
int ctl_command_help(const char *command);
/* What every command's getopt_long loop does with what is not its own: 'h'
 * (--help) prints the usage line, anything else is ctl_option_error. */
int ctl_option_common(char **argv, int opt);
/* After the options of a command that takes no arguments: -1 to go on, or the
 * usage error for the first one. */
int ctl_no_arguments(int argc, char **argv);
/* Options of a command that takes only --help: -1 to go on (optind at the first
 * argument), or the exit code.  missing_arguments: the usage error when no
 * argument follows, or NULL for a command that takes none. */
int ctl_parse_help_only(int argc, char **argv, const char *missing_arguments);

/* Prints every line of diags to stderr (and how many were not kept). */
void ctl_print_diags(const struct diag_list *diags);

/* Loads the configuration the way the module does (ownership checks on);
 * on failure prints every error to stderr and returns a negative errno. */
int ctl_load_config(const struct ctl *ctl, struct config *ret);

struct approved_list;
struct approved_entry_info;

/* Loads the approved list the configuration names (main file and drop-ins,
 * ownership checks on, every error); on failure prints them to stderr. */
int ctl_load_approved(const struct config *c, struct approved_list **ret);

/* Writes the journal entry of a change made (SPEC §6, common/change_record.h);
 * when journald does not take it, says so on stderr (the change stands). */
void ctl_record_change(const char *change, const char *file);

/* Rewrites "<approved_file>.index" from the files as they are now, unless it is
 * fresh already (force: always).  Prints the reason on failure.  ret_list (may
 * be NULL) receives the list it loaded, if it loaded one, for the caller to use
 * and free. */
int ctl_refresh_index(const struct config *c, bool force, struct approved_list **ret_list);
