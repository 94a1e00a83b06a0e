/* SPDX-License-Identifier: MIT */
/* pam_logonacl.so: PAM glue only (SPEC §3, §4).  Reads the PAM items, asks
 * common/decide for the decision, tells a blocked user, and writes one journal
 * entry per decision.
 *
 * Everything is loaded per call and freed before returning: no global state, so
 * nothing outlives pam_end and a long-lived host (sshd, nginx, dovecot) sees the
 * files as they are at each logon.  The journal entry goes out through
 * common/journal_send (socket opened and closed per entry), not libsystemd, so
 * the module needs no library but libpam and libc and holds no descriptor
 * between calls.  It is linked -z nodelete (see meson.build): libpam's dlclose
 * at pam_end leaves the code mapped, which is safe because there is no state. */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "approved.h"
#include "approved_index.h"
#include "approved_sources.h"
#include "config.h"
#include "decide.h"
#include "diag.h"
#include "events.h"
#include "expiry.h"
#include "journal_send.h"
#include "logon_record.h"
#include "logonacl-build.h"
#include "utf8.h"

#define PAM_SM_EXPORT __attribute__((visibility("default")))

/* A config-error entry lists at most this many lines: bounded work per logon. */
#define CONFIG_MAX_ERRORS 20
/* Longest escaped user or host in MESSAGE and in debug lines (bytes of output). */
#define ESCAPED_MAX 256
#define MESSAGE_MAX 1024

struct module_args {
        const char *conf_path;
        enum channel forced_channel;
        bool on_error_allow;
        bool silent;
        bool debug;
};

/* ---- module arguments ---- */

/* Fills args from argv; every bad argument adds a line to diags.  on_error=allow
 * takes effect even when another argument is bad, so it keeps its promise for a
 * typo elsewhere on the line; a bad on_error= value anywhere means deny. */
static void parse_args(int argc, const char **argv, struct module_args *args, struct diag_list *diags) {
        bool bad_on_error = false;

        *args = (struct module_args) {
                .conf_path = LOGONACL_CONF_PATH,
                .forced_channel = CHANNEL_INVALID,
        };

        for (int i = 0; i < argc; i++) {
                const char *arg = argv[i], *problem = NULL;

                if (strncmp(arg, "conf=", 5) == 0) {
                        args->conf_path = arg + 5;
                        if (arg[5] != '/')
                                problem = "conf= needs an absolute path";
                } else if (strncmp(arg, "channel=", 8) == 0) {
                        args->forced_channel = channel_from_string(arg + 8);
                        if (args->forced_channel == CHANNEL_INVALID)
                                problem = "channel= must be admin, enduser or api";
                } else if (strcmp(arg, "on_error=deny") == 0)
                        args->on_error_allow = false;
                else if (strcmp(arg, "on_error=allow") == 0)
                        args->on_error_allow = true;
                else if (strncmp(arg, "on_error=", 9) == 0) {
                        bad_on_error = true;
                        problem = "on_error= must be deny or allow";
                } else if (strcmp(arg, "silent") == 0)
                        args->silent = true;
                else if (strcmp(arg, "debug") == 0)
                        args->debug = true;
                else
                        problem = "unknown argument";

                if (problem)
                        diag_error(diags, "module arguments", "\"%s\": %s", arg, problem);
        }
        if (bad_on_error)
                args->on_error_allow = false;
}

/* ---- escaping for MESSAGE and syslog lines ---- */

/* Writes text to out (size ESCAPED_MAX) as one safe line: printable ASCII and
 * well-formed UTF-8 as is, '\\' and '"' backslashed, every other byte as \xNN.
 * Output that would not fit ends with "..." instead. */
static void escape_for_message(const char *text, char out[ESCAPED_MAX]) {
        escape_to_buffer(out, ESCAPED_MAX, text ?: "", text ? strlen(text) : 0, "\\\"");
}

/* ---- PAM items and conversation ---- */

static const char *pam_item_string(pam_handle_t *pamh, int item, bool *set) {
        const void *value = NULL;

        if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || !value) {
                if (set)
                        *set = false;
                return "";
        }
        if (set)
                *set = true;
        return value;
}

static void read_items(pam_handle_t *pamh, enum stage stage, struct logon_items *items) {
        *items = (struct logon_items) { .stage = stage };
        items->service = pam_item_string(pamh, PAM_SERVICE, NULL);
        /* PAM_USER as the host set it: never prompt for it from here. */
        items->user = pam_item_string(pamh, PAM_USER, NULL);
        items->rhost = pam_item_string(pamh, PAM_RHOST, &items->rhost_set);
}

/* Shows text as a PAM_ERROR_MSG.  A host without a conversation function, or one
 * whose conversation fails, just does not show it: the decision stands. */
static void tell_user(pam_handle_t *pamh, const char *text) {
        const struct pam_conv *conv = NULL;
        struct pam_message message = { .msg_style = PAM_ERROR_MSG, .msg = text };
        const struct pam_message *messages[1] = { &message };
        struct pam_response *responses = NULL;

        if (pam_get_item(pamh, PAM_CONV, (const void **) &conv) != PAM_SUCCESS || !conv || !conv->conv)
                return;
        if (conv->conv(1, messages, &responses, conv->appdata_ptr) == PAM_SUCCESS && responses) {
                free(responses[0].resp);
                free(responses);
        }
}

/* ---- journal entries ---- */

/* Sends the entry.  When no journald takes it (no socket, nobody listening), the
 * summary goes to syslog so the event is not silently lost (never to the host's
 * stderr).  Not when journald is there but stalled (the send timed out): on a
 * systemd host /dev/log is that same journald, and syslog(3) would block the
 * logon without bound. */
static void write_entry(pam_handle_t *pamh, const struct journal_field *fields, size_t n_fields, int priority,
                        const char *message) {
        int r = journal_send(fields, n_fields);
        if (r < 0 && r != -EAGAIN)
                pam_syslog(pamh, priority, "%s (journal unavailable: %s)", message, strerror(-r));
}

/* "from 198.51.100.7", "from host name \"gw.example\"", "without an address". */
static void describe_origin(const struct logon_items *items, const struct decision *d, char *buf, size_t size) {
        char escaped[ESCAPED_MAX];

        switch (d->client.kind) {
        case RHOST_ADDRESS:
                snprintf(buf, size, "from %s", d->client.text);
                break;
        case RHOST_HOSTNAME:
                escape_for_message(items->rhost, escaped);
                snprintf(buf, size, "from host name \"%s\"", escaped);
                break;
        case RHOST_INVALID:
                escape_for_message(items->rhost, escaped);
                snprintf(buf, size, "from unusable address \"%s\"", escaped);
                break;
        default:
                snprintf(buf, size, "without a remote address");
                break;
        }
}

/* The "file:line" of the matched and of the expired entry: the list is gone by
 * the time the entry is written (its names are freed with it). */
struct entry_sources {
        char matched[PATH_MAX + 16];
        char expired[PATH_MAX + 16];
};

static void log_decision(pam_handle_t *pamh, const struct logon_items *items, const struct decision *d,
                         const struct entry_sources *sources) {
        char user[ESCAPED_MAX], service[ESCAPED_MAX], origin[ESCAPED_MAX + 64], message[MESSAGE_MAX];
        char priority[8], approved_by[IP_BLOCK_TEXT_MAX + EXPIRY_TEXT_MAX + 32] = "";
        char expired_at[EXPIRY_TEXT_MAX] = "";
        const char *event = event_text(d->event, d->channel, d->sso) ?: "logonacl decision";

        escape_for_message(items->user, user);
        escape_for_message(items->service, service);
        describe_origin(items, d, origin, sizeof origin);
        if (d->approved)
                snprintf(approved_by, sizeof approved_by, ", approved by %s", d->matched.text);
        else if (d->expired_match) {
                /* Why a gateway stopped working: the entry that would have let it in. */
                expiry_format(d->expired.expires, expired_at);
                snprintf(approved_by, sizeof approved_by, ", entry %s expired %s", d->expired.text, expired_at);
        }
        snprintf(message, sizeof message, "%s: user \"%s\" %s (service %s, %s stage%s)", event, user, origin, service,
                 stage_to_string(items->stage), approved_by);
        snprintf(priority, sizeof priority, "%d", event_priority(d->event));

        const struct logon_texts texts = {
                .message = message,
                .priority = priority,
                .matched_source = sources->matched,
                .expired_source = sources->expired,
                .expired_at = expired_at,
        };
        struct journal_field fields[LOGON_ENTRY_FIELDS_MAX];
        size_t n = logon_entry_fields(d, items, &texts, fields);
        write_entry(pamh, fields, n, event_priority(d->event), message);
}

static void log_config_error(pam_handle_t *pamh, const struct logon_items *items, const struct module_args *args,
                             const struct diag_list *diags) {
        _cleanup_free_ char *all_lines = diag_join(diags);
        char first_line[ESCAPED_MAX], service[ESCAPED_MAX], message[MESSAGE_MAX], priority[8], more[48] = "";

        escape_for_message(diags->n_lines > 0 ? diags->lines[0] : "unknown error", first_line);
        escape_for_message(items->service, service);
        if (diags->n_lines + diags->n_dropped > 1)
                snprintf(more, sizeof more, " (and %zu more lines)", diags->n_lines + diags->n_dropped - 1);
        snprintf(message, sizeof message, "logonacl configuration error, logon %s (service %s, %s stage): %s%s",
                 args->on_error_allow ? "not controlled" : "denied", service, stage_to_string(items->stage),
                 first_line, more);
        snprintf(priority, sizeof priority, "%d", event_priority(EVENT_CONFIG_ERROR));

        const struct logon_texts texts = { .message = message, .priority = priority };
        struct journal_field fields[LOGON_ENTRY_FIELDS_MAX];
        size_t n = logon_error_fields(items, &texts, all_lines ?: first_line, args->conf_path, args->on_error_allow,
                                      fields);
        write_entry(pamh, fields, n, event_priority(EVENT_CONFIG_ERROR), message);
}

static void debug_decision(pam_handle_t *pamh, const struct logon_items *items, const struct decision *d,
                           const char *list_origin) {
        char rhost[ESCAPED_MAX], service[ESCAPED_MAX];

        escape_for_message(items->rhost, rhost);
        escape_for_message(items->service, service);
        pam_syslog(pamh, LOG_DEBUG,
                   "service \"%s\" rhost \"%s\" (client %s): channel %s, action %s, approved %s%s%s, result %s, list %s",
                   service, rhost, d->client.text[0] ? d->client.text : "-",
                   d->channel == CHANNEL_INVALID ? "-" : channel_to_string(d->channel),
                   d->channel == CHANNEL_INVALID ? "-" : action_to_string(d->action), d->approved ? "yes" : "no",
                   d->approved ? " by " : "", d->approved ? d->matched.text : "",
                   d->result == RESULT_IGNORE ? "ignore" : decision_result_to_string(d->result),
                   list_origin);
}

/* ---- the approved list ---- */

/* The list for this logon: the compiled index when it is fresh (O(log n) reads,
 * no parse: ~30 µs at any size), else the text files.  The files are found and
 * walked (SPEC §2) once, whatever form answers: a group-writable list file is an
 * error even when the index is fresh.  Any index problem falls back to the text,
 * which is the truth; only an invalid text list is an error.  *origin says which
 * form answered (for debug). */
static int open_approved_list(const struct config *c, addr128 client, struct diag_list *diags,
                              struct approved_list **ret, const char **origin) {
        _cleanup_(approved_sources_freep) struct approved_sources *sources = NULL;
        int r = approved_sources_find(c->approved_file, c->approved_dir, true, diags, &sources);
        if (r < 0)
                return r;

        r = approved_index_open_sources(sources, c->allow_private, ret);
        if (r >= 0) {
                *origin = "index";
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        *origin = r == -ESTALE || r == -ENOENT ? "text (no fresh index)" : "text (index unusable)";
        /* One lookup: keep only what covers the client, no sort of the whole list. */
        return approved_list_load_sources_for(sources, c->allow_private, 1, client, diags, ret);
}

/* ---- the decision ---- */

/* Loads the configuration and, when needed, the list, and decides.  On an error
 * the reason lines are in diags.  sources receives "file:line" of the matched
 * and the expired entry (the list is freed before returning). */
static int decide_logon(pam_handle_t *pamh, const struct module_args *args, const struct logon_items *items,
                        struct decision *d, struct entry_sources *sources, struct diag_list *diags) {
        _cleanup_(config_free) struct config config = {};
        _cleanup_(approved_list_freep) struct approved_list *list = NULL;
        const char *list_origin = "not needed";
        const struct decision_input input = {
                .service = items->service,
                .rhost = items->rhost_set ? items->rhost : NULL,
                .stage = items->stage,
                .forced_channel = args->forced_channel,
        };
        int r;

        r = config_load(args->conf_path, true, CONFIG_MAX_ERRORS, &config, diags);
        if (r < 0)
                goto finish;

        if (decision_begin(&config, &input, d)) {
                r = open_approved_list(&config, d->client.addr, diags, &list, &list_origin);
                if (r < 0)
                        goto finish;
                decision_finish(d, list);
                if (d->approved && d->matched.source)
                        snprintf(sources->matched, sizeof sources->matched, "%s:%u", d->matched.source,
                                 d->matched.line);
                if (d->expired_match && d->expired.source)
                        snprintf(sources->expired, sizeof sources->expired, "%s:%u", d->expired.source,
                                 d->expired.line);
                d->matched.source = d->expired.source = NULL;   /* freed with the list */
        }
        if (args->debug)
                debug_decision(pamh, items, d, list_origin);
        r = 0;
finish:
        if (r < 0 && !diag_has_errors(diags)) {
                /* Out of memory or an I/O error without a line of its own. */
                diag_error(diags, args->conf_path, "%s", strerror(-r));
        }
        return r;
}

static int pam_result(enum decision_result result) {
        switch (result) {
        case RESULT_ALLOWED: return PAM_SUCCESS;
        case RESULT_BLOCKED: return PAM_PERM_DENIED;
        default:             return PAM_IGNORE;
        }
}

/* ---- one logon, one decision (SPEC §4) ---- */

/* The auth stage's answer, kept on the PAM handle (pam_set_data) so that the
 * account stage of the same logon answers the same without a second journal
 * entry: one logon never counts twice against the alert cap.  It remembers the
 * service, user and host it was made for: a handle whose items changed in
 * between (a user name prompted for later) gets a decision of its own.  libpam
 * frees it at pam_end: nothing outlives the handle. */
#define SAVED_DECISION_KEY "pam_logonacl_decision"

struct saved_decision {
        int pam_rc;
        bool rhost_set;
        size_t service_len, user_len;
        char items[];           /* service NUL user NUL rhost NUL */
};

static void saved_decision_cleanup(pam_handle_t *pamh, void *data, int error_status) {
        free(data);
}

static bool saved_decision_matches(const struct saved_decision *s, const struct logon_items *items) {
        const char *service = s->items, *user = service + s->service_len + 1, *rhost = user + s->user_len + 1;
        return s->rhost_set == items->rhost_set && strcmp(service, items->service) == 0 &&
               strcmp(user, items->user) == 0 && strcmp(rhost, items->rhost) == 0;
}

/* Remembers an auth-stage answer.  Failing to (out of memory) only means the
 * account stage decides again. */
static void save_decision(pam_handle_t *pamh, const struct logon_items *items, int pam_rc) {
        size_t service_len = strlen(items->service), user_len = strlen(items->user), rhost_len = strlen(items->rhost);
        struct saved_decision *s = malloc(sizeof *s + service_len + user_len + rhost_len + 3);

        if (!s)
                return;
        *s = (struct saved_decision) {
                .pam_rc = pam_rc,
                .rhost_set = items->rhost_set,
                .service_len = service_len,
                .user_len = user_len,
        };
        memcpy(s->items, items->service, service_len + 1);
        memcpy(s->items + service_len + 1, items->user, user_len + 1);
        memcpy(s->items + service_len + user_len + 2, items->rhost, rhost_len + 1);
        if (pam_set_data(pamh, SAVED_DECISION_KEY, s, saved_decision_cleanup) != PAM_SUCCESS)
                free(s);
}

/* The auth stage's answer for this very logon, if there is one. */
static bool reuse_decision(pam_handle_t *pamh, const struct logon_items *items, int *ret) {
        const void *data = NULL;

        if (items->stage != STAGE_ACCOUNT || pam_get_data(pamh, SAVED_DECISION_KEY, &data) != PAM_SUCCESS || !data)
                return false;
        const struct saved_decision *s = data;
        if (!saved_decision_matches(s, items))
                return false;
        *ret = s->pam_rc;
        return true;
}

static int decide_and_log(pam_handle_t *pamh, int flags, const struct module_args *args,
                          const struct logon_items *items, struct diag_list *diags) {
        struct decision decision = { .result = RESULT_IGNORE, .channel = CHANNEL_INVALID };
        struct entry_sources sources = {};
        int r;

        if (diag_has_errors(diags))
                r = -EINVAL;
        else
                r = decide_logon(pamh, args, items, &decision, &sources, diags);

        if (r < 0) {
                log_config_error(pamh, items, args, diags);
                return args->on_error_allow ? PAM_IGNORE : PAM_PERM_DENIED;
        }
        if (decision.result == RESULT_IGNORE)
                return PAM_IGNORE;
        log_decision(pamh, items, &decision, &sources);

        const char *user_message = blocked_user_message(decision.channel);
        if (decision.result == RESULT_BLOCKED && user_message && !args->silent && !(flags & PAM_SILENT))
                tell_user(pamh, user_message);
        return pam_result(decision.result);
}

static int logonacl_check(pam_handle_t *pamh, int flags, int argc, const char **argv, enum stage stage) {
        struct module_args args;
        struct logon_items items;
        _cleanup_(diag_free) struct diag_list diags = {};
        int rc;

        read_items(pamh, stage, &items);
        parse_args(argc, argv, &args, &diags);
        if (reuse_decision(pamh, &items, &rc)) {
                if (args.debug)
                        pam_syslog(pamh, LOG_DEBUG, "account stage: the auth stage's decision stands (%s)",
                                   pam_strerror(pamh, rc));
                return rc;
        }
        rc = decide_and_log(pamh, flags, &args, &items, &diags);
        if (stage == STAGE_AUTH)
                save_decision(pamh, &items, rc);
        return rc;
}

/* ---- the PAM entry points: the only symbols the module exports ---- */

PAM_SM_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return logonacl_check(pamh, flags, argc, argv, STAGE_ACCOUNT);
}

PAM_SM_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return logonacl_check(pamh, flags, argc, argv, STAGE_AUTH);
}

PAM_SM_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return PAM_IGNORE;
}

PAM_SM_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return PAM_IGNORE;
}

PAM_SM_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return PAM_IGNORE;
}

PAM_SM_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return PAM_IGNORE;
}
