/* SPDX-License-Identifier: MIT */
/* logonacl-alertd: follows the journal for unapproved accesses and mails alerts,
 * at most `threshold` per 24-hour window (SPEC §5). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>

#include "alert_check.h"
#include "alertd.h"
#include "atomic_file.h"
#include "diag.h"
#include "hostname.h"
#include "lock.h"
#include "logonacl-build.h"
#include "mail.h"
#include "sigbus.h"
#include "smtp.h"

#define DEFAULT_SMTP_TIMEOUT_MS 30000L

static void help(void) {
        printf("Usage: logonacl-alertd [OPTION]...\n"
               "Follows the journal for logonacl's unapproved accesses and mails alerts (at most\n"
               "`threshold` in 24 hours).\n\n"
               "  --config PATH        configuration (default %s)\n"
               "  --state PATH         position and alert window (default %s)\n"
               "  --directory DIR      read the journal files in DIR instead of the system journal\n"
               "  --namespace NS       read the journal namespace NS (systemd-journald@NS)\n"
               "  --once               process what is there, then exit\n"
               "  --from-start         without state, start at the journal's head, not its tail\n"
               "  --print              write each mail to stdout (an mbox) instead of sending it\n"
               "  --test-mail          send one test mail through the configured server now, then exit\n"
               "  --smtp-timeout SEC   time limit of one SMTP transaction (default %ld)\n"
               "  --verbose            say what is done on stderr\n"
               "  --help, --version\n",
               LOGONACL_CONF_PATH, LOGONACL_STATE_PATH, DEFAULT_SMTP_TIMEOUT_MS / 1000);
}

static int parse_options(struct alertd *d, int argc, char **argv) {
        enum { OPT_CONFIG = 256, OPT_STATE, OPT_DIRECTORY, OPT_ONCE, OPT_FROM_START, OPT_PRINT, OPT_VERBOSE,
               OPT_SMTP_TIMEOUT, OPT_HELP, OPT_VERSION, OPT_NAMESPACE, OPT_TEST_MAIL };
        static const struct option options[] = {
                { "config", required_argument, NULL, OPT_CONFIG },
                { "state", required_argument, NULL, OPT_STATE },
                { "directory", required_argument, NULL, OPT_DIRECTORY },
                { "namespace", required_argument, NULL, OPT_NAMESPACE },
                { "once", no_argument, NULL, OPT_ONCE },
                { "from-start", no_argument, NULL, OPT_FROM_START },
                { "print", no_argument, NULL, OPT_PRINT },
                { "test-mail", no_argument, NULL, OPT_TEST_MAIL },
                { "verbose", no_argument, NULL, OPT_VERBOSE },
                { "smtp-timeout", required_argument, NULL, OPT_SMTP_TIMEOUT },
                { "help", no_argument, NULL, OPT_HELP },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        int c;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case OPT_CONFIG: d->config_path = optarg; break;
                case OPT_STATE: d->state_path = optarg; break;
                case OPT_DIRECTORY: d->directory = optarg; break;
                case OPT_NAMESPACE: d->namespace = optarg; break;
                case OPT_ONCE: d->once = true; break;
                case OPT_FROM_START: d->from_start = true; break;
                case OPT_PRINT: d->print = true; break;
                case OPT_TEST_MAIL: d->test_mail = true; break;
                case OPT_VERBOSE: d->verbose = true; break;
                case OPT_SMTP_TIMEOUT: {
                        char *end;
                        long s = strtol(optarg, &end, 10);
                        if (*end || s < 1 || s > 3600) {
                                fprintf(stderr, "logonacl-alertd: --smtp-timeout: expected 1..3600 seconds\n");
                                return 2;
                        }
                        d->smtp_timeout_ms = s * 1000;
                        break;
                }
                case OPT_HELP: help(); return 0;
                case OPT_VERSION: printf("logonacl-alertd %s\n", LOGONACL_VERSION); return 0;
                default: return 2;
                }
        }
        if (d->directory && d->namespace) {
                fprintf(stderr, "logonacl-alertd: --directory and --namespace exclude each other\n");
                return 2;
        }
        if (optind < argc) {
                fprintf(stderr, "logonacl-alertd: unexpected argument \"%s\"\n", argv[optind]);
                return 2;
        }
        return -1;
}

void alertd_free_config(struct alertd *d) {
        config_free(&d->config);
        free(d->trusted_uids);
        d->trusted_uids = NULL;
        d->n_trusted_uids = 0;
        tz_free(&d->tz);
        free(d->from);
        d->from = NULL;
}

static void print_lines(const struct diag_list *diags) {
        for (size_t i = 0; i < diags->n_lines; i++)
                fprintf(stderr, "%s\n", diags->lines[i]);
}

/* Warnings go to the journal (and stderr): a daemon's start is not watched. */
static void log_warnings(const struct alertd *d, const struct config *c, const struct diag_list *warnings) {
        struct ownlog l;

        for (size_t i = 0; i < warnings->n_lines; i++) {
                ownlog_begin(&l, 4, NULL, "config-warning");
                ownlog_send(&l, true, "warning: %s", warnings->lines[i]);
        }
        if (c->alert.email.n == 0 && !d->print) {
                /* Valid (the installed default), but an administrator starting alertd expects mail. */
                ownlog_begin(&l, 4, NULL, "no-email");
                ownlog_send(&l, d->verbose, "%s: [alert] email is empty: no alert mail will be sent", d->config_path);
        }
}

int alertd_load_config(struct alertd *d) {
        _cleanup_(config_free) struct config c = {};
        _cleanup_(diag_free) struct diag_list diags = {}, warnings = {}, errors = {};
        _cleanup_(tz_free) struct time_zone tz = {};
        _cleanup_free_ uid_t *uids = NULL;
        _cleanup_free_ char *from = NULL;
        size_t n_uids = 0;
        char reason[REASON_MAX];

        int r = config_load(d->config_path, true, 0, &c, &diags);
        if (r < 0) {
                print_lines(&diags);
                if (diags.n_lines == 0)
                        fprintf(stderr, "%s: %s\n", d->config_path, strerror(-r));
                return r;
        }

        /* Every error is said before giving up, as logonaclctl check would. */
        bool ok = alert_check(&c, &errors, &warnings) >= 0;
        print_lines(&errors);
        if (config_alert_from(&c, &from) < 0)
                ok = false;
        if (tz_load(NULL, c.alert.timezone ? c.alert.timezone : "UTC", &tz, reason) < 0) {
                fprintf(stderr, "%s: [alert] %s\n", d->config_path, reason);
                ok = false;
        }
        if (!ok || config_trusted_uids(&c, &uids, &n_uids, NULL) < 0)
                return -EINVAL;
        log_warnings(d, &c, &warnings);

        alertd_free_config(d);
        d->config = TAKE_STRUCT(c);
        d->tz = TAKE_STRUCT(tz);
        d->trusted_uids = TAKE_PTR(uids);
        d->n_trusted_uids = n_uids;
        d->from = TAKE_PTR(from);
        return 0;
}

/* Reads pending signals without blocking: marks terminate or reload (done between entries). */
static void read_signals(struct alertd *d) {
        struct signalfd_siginfo si;
        while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                if (si.ssi_signo == SIGHUP)
                        d->reload = true;
                else
                        d->terminate = true;
        }
}

static void reload(struct alertd *d) {
        d->reload = false;
        sd_notify(0, "RELOADING=1");
        struct ownlog l;
        if (alertd_load_config(d) < 0) {
                ownlog_begin(&l, 3, NULL, "reload-failed");
                ownlog_send(&l, true, "reloading %s failed; the previous configuration stays", d->config_path);
        } else {
                ownlog_begin(&l, 6, NULL, "reloaded");
                ownlog_send(&l, d->verbose, "reloaded %s", d->config_path);
        }
        sd_notify(0, "READY=1");
}

/* The wait hook of struct alertd (delivery backoff): signals and the watchdog, no reload. */
static bool wait_for_signal(struct alertd *d, uint64_t usec) {
        uint64_t end = now_monotonic_usec() + usec;
        for (;;) {
                read_signals(d);
                if (d->terminate)
                        return false;
                watchdog_feed(&d->watchdog);
                uint64_t now = now_monotonic_usec();
                if (now >= end)
                        return true;
                uint64_t wait = end - now, due = watchdog_due_in(&d->watchdog);
                if (due < wait)
                        wait = due;
                struct pollfd p = { d->signal_fd, POLLIN, 0 };
                (void) poll(&p, 1, (int) ((wait + 999) / 1000));
        }
}

static void notify_status(struct alertd *d) {
        char status[256], when[32] = "";
        if (d->state.window.open) {
                time_t t = (time_t) (d->state.window.start_usec / 1000000);
                struct tm tm;
                if (gmtime_r(&t, &tm))
                        strftime(when, sizeof(when), " since %Y-%m-%d %H:%M:%S UTC", &tm);
        }
        snprintf(status, sizeof(status),
                 "STATUS=waiting for journal entries; window %s%s %u/%u; sent %" PRIu64 ", over threshold %" PRIu64
                 ", failed %" PRIu64 ", untrusted %" PRIu64,
                 d->state.window.open ? "open" : "closed", when, d->state.window.sent, d->config.alert.threshold,
                 d->alerts_sent, d->alerts_suppressed, d->alerts_failed, d->entries_untrusted);
        /* Caught up every 20 ms in a burst: tell systemd what changed only. */
        if (strcmp(status, d->last_status) == 0)
                return;
        snprintf(d->last_status, sizeof(d->last_status), "%s", status);
        sd_notify(0, status);
}

/* Waits for the journal, a signal or the watchdog: when nothing comes, at most
 * one wake-up a second (SPEC §5: an idle host is not a 20 ms business). */
static void wait_for_journal(struct alertd *d) {
        struct pollfd p[2] = {
                { follower_fd(&d->follower), (short) follower_events(&d->follower), 0 },
                { d->signal_fd, POLLIN, 0 },
        };
        uint64_t t = follower_timeout(&d->follower), wait = FOLLOW_IDLE_WAKE_USEC;
        if (now_monotonic_usec() - d->last_entry_usec < FOLLOW_BURST_USEC)
                wait = FOLLOW_BURST_POLL_USEC;
        if (t != UINT64_MAX) {
                uint64_t now = now_monotonic_usec();
                if (t < now + wait)
                        wait = t > now ? t - now : 0;
        }
        uint64_t due = watchdog_due_in(&d->watchdog);
        if (due < wait)
                wait = due;
        (void) poll(p, 2, (int) ((wait + 999) / 1000));
        (void) follower_process(&d->follower);
        watchdog_feed(&d->watchdog);
}

static int setup_signals(struct alertd *d) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        signal(SIGPIPE, SIG_IGN);
        int r = sigbus_install();
        if (r < 0)
                return r;
        d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        return d->signal_fd < 0 ? -errno : 0;
}

/* A saved position that the journal no longer holds (vacuumed): say so once. */
static void report_lost_position(struct alertd *d, bool pending) {
        uint64_t ignored = follower_take_ignored(&d->follower);
        if (ignored > 0 && !d->boots_ignored_told) {
                struct ownlog l;
                d->boots_ignored_told = true;
                ownlog_begin(&l, 3, NULL, "too-many-boots");
                ownlog_addf(&l, "LOGONACL_BOOTS_IGNORED", "%" PRIu64, ignored);
                ownlog_send(&l, true, "the journal files hold more than %d boots: the entries of %" PRIu64
                            " more are not read (vacuum old journal files)", FOLLOW_SOURCES_MAX, ignored);
        }
        _cleanup_free_ char *cursor = follower_take_lost(&d->follower);
        if (!cursor && !pending)
                return;
        struct ownlog l;
        ownlog_begin(&l, 4, NULL, "position-lost");
        ownlog_addf(&l, "LOGONACL_ENTRY_CURSOR", "%s", cursor ? cursor : d->state.cursor);
        ownlog_send(&l, true,
                    "the journal no longer holds the saved position (vacuumed?): starting at its head%s",
                    pending ? "; the pending alert of that entry is lost" : "");
}

/* --test-mail: one clearly marked mail through the configured server, one
 * attempt, the outcome on stderr and in the exit code (issue 14.14). */
static int send_test_mail(struct alertd *d) {
        char host[HOSTNAME_MAX + 1];
        hostname_or_localhost(host, sizeof(host));
        if (d->config.alert.email.n == 0) {
                fprintf(stderr, "logonacl-alertd: test mail not sent: [alert] email in %s is empty\n", d->config_path);
                return 1;
        }
        const struct mail_params p = { .from = d->from, .to = &d->config.alert.email };
        _cleanup_free_ char *message = NULL;
        size_t len;
        if (mail_compose_test(&p, host, now_realtime_usec(), &message, &len) < 0) {
                fprintf(stderr, "logonacl-alertd: out of memory\n");
                return 1;
        }
        const struct smtp_options opt = {
                .timeout_ms = d->smtp_timeout_ms,
                .connect_timeout_ms = d->smtp_timeout_ms < 10000 ? d->smtp_timeout_ms : 10000,
        };
        struct smtp_result res;
        smtp_send(&d->config.alert, d->from, message, len, &opt, &res);
        smtp_global_cleanup();
        if (res.outcome != SMTP_DELIVERED) {
                char code[32] = "";
                if (res.reply_code)
                        snprintf(code, sizeof(code), " (SMTP %ld)", res.reply_code);
                fprintf(stderr, "logonacl-alertd: test mail not sent through %s: %s%s\n", d->config.alert.smtp_url,
                        res.error, code);
                return 1;
        }
        printf("test mail sent to");
        for (size_t i = 0; i < d->config.alert.email.n; i++)
                printf("%s %s", i ? "," : "", d->config.alert.email.items[i]);
        printf(" through %s%s%s\n", d->config.alert.smtp_url, res.refused[0] ? "; refused: " : "", res.refused);
        return 0;
}

/* libsystemd opens a namespace that does not exist as an empty journal, and
 * alertd would wait for ever: a namespace exists when journald made its folder. */
static int check_namespace(const char *ns) {
        sd_id128_t machine;
        char id[SD_ID128_STRING_MAX], path[PATH_MAX];
        if (!ns)
                return 0;
        if (sd_id128_get_machine(&machine) < 0)
                return 0;       /* cannot tell: let libsystemd decide */
        sd_id128_to_string(machine, id);
        for (size_t i = 0; i < 2; i++) {
                snprintf(path, sizeof(path), "%s/%s.%s", i == 0 ? "/var/log/journal" : "/run/log/journal", id, ns);
                if (access(path, F_OK) == 0)
                        return 0;
        }
        fprintf(stderr,
                "logonacl-alertd: the journal namespace \"%s\" does not exist (neither /var/log/journal/%s.%s nor "
                "/run/log/journal/%s.%s): is systemd-journald@%s running?\n", ns, id, ns, id, ns, ns);
        return -ENOENT;
}

static int start(struct alertd *d) {
        char reason[REASON_MAX];
        int r = state_load(d->state_path, &d->state, reason);
        bool have_state = r >= 0;
        if (r < 0 && r != -ENOENT) {
                fprintf(stderr, "logonacl-alertd: %s\n"
                                "logonacl-alertd: refusing to guess the position and the alert window; move the file "
                                "away to start afresh\n", reason);
                return r;
        }
        r = check_namespace(d->namespace);
        if (r < 0)
                return r;
        r = follower_open(&d->follower, d->directory, d->namespace);
        if (r < 0) {
                fprintf(stderr, "logonacl-alertd: cannot open the journal%s%s: %s\n", d->directory ? " in " : "",
                        d->directory ? d->directory : "", strerror(-r));
                return r;
        }
        enum resume_result where;
        /* A state file without a position was written when the journal held no entry of
         * ours: everything since is new, so start at the head, not the tail. */
        r = follower_resume(&d->follower, d->state.sources, d->state.n_sources, d->state.cursor,
                            d->from_start || have_state, &where);
        state_free_sources(&d->state);
        if (r < 0) {
                if (r == -EINVAL)
                        fprintf(stderr, "logonacl-alertd: %s: a saved position names no boot (b=): not a cursor of "
                                        "this program; move the file away to start afresh\n", d->state_path);
                else
                        fprintf(stderr, "logonacl-alertd: cannot position the journal reader: %s\n", strerror(-r));
                return r;
        }
        d->dirty = true;        /* the state file exists once alertd has started */
        report_lost_position(d, false);
        return 0;
}

/* A pending alert of the last run goes out first (after READY=1: a start must
 * not wait for an SMTP server that is down). */
static int resend_pending(struct alertd *d) {
        if (!d->state.pending)
                return 0;
        int r = follower_goto(&d->follower, d->state.cursor);
        if (r < 0)
                return r;
        if (r == 0) {
                report_lost_position(d, true);
                d->state.pending = false;
                return 0;
        }
        d->cursor_stale = false;
        sd_notifyf(0, "STATUS=resending the alert pending since the last run (%s)", d->state.cursor);
        return alertd_resend_pending(d);
}

int main(int argc, char **argv) {
        struct alertd d = {
                .config_path = LOGONACL_CONF_PATH,
                .state_path = LOGONACL_STATE_PATH,
                .smtp_timeout_ms = DEFAULT_SMTP_TIMEOUT_MS,
                .signal_fd = -1,
                .untrusted_log = { .interval_usec = 60 * 1000000ULL, .burst = 10 },
                .not_sent_log = { .interval_usec = 60 * 1000000ULL, .burst = 100 },
                .clock_log = { .interval_usec = 60 * 1000000ULL, .burst = 10 },
        };
        int r = parse_options(&d, argc, argv);
        if (r >= 0)
                return r;
        if (setup_signals(&d) < 0) {
                fprintf(stderr, "logonacl-alertd: cannot set up signals\n");
                return 1;
        }
        if (alertd_load_config(&d) < 0)
                return 1;
        if (d.test_mail) {
                r = send_test_mail(&d);
                alertd_free_config(&d);
                return r;
        }
        watchdog_init(&d.watchdog);
        d.wait = wait_for_signal;

        int exit_code = 0;
        pid_t holder;
        _cleanup_close_ int lock_fd = state_lock(d.state_path, &holder);
        if (lock_fd < 0) {
                if (lock_fd == -EBUSY && holder > 0)
                        fprintf(stderr, "logonacl-alertd: %s is in use by another logonacl-alertd (PID %ld)\n",
                                d.state_path, (long) holder);
                else if (lock_fd == -EBUSY)
                        fprintf(stderr, "logonacl-alertd: %s is in use by another logonacl-alertd\n", d.state_path);
                else
                        fprintf(stderr, "logonacl-alertd: cannot lock %s.lock: %s\n", d.state_path, strerror(-lock_fd));
                alertd_free_config(&d);
                return 1;
        }
        /* A state write cut short by a crash left its temporary file; under the lock
         * no live writer can own one. */
        (void) atomic_file_remove_stale(d.state_path);
        r = start(&d);
        if (r < 0) {
                exit_code = 1;
                goto finish;
        }
        sd_notify(0, "READY=1");
        r = resend_pending(&d);
        if (r < 0) {
                fprintf(stderr, "logonacl-alertd: %s\n", strerror(-r));
                exit_code = 1;
                goto finish;
        }

        bool read_some = false;
        for (uint64_t n = 0; !d.terminate; n++) {
                /* Reloads happen here, between entries, never during one. */
                if (n % 1024 == 0)      /* a read(2) per entry would cost more than the entry */
                        read_signals(&d);
                if (d.reload)           /* also one a delivery's wait saw */
                        reload(&d);
                if (d.terminate || d.state.pending) {
                        if (d.gave_up > 0)
                                exit_code = 1;  /* --once: not delivered after bounded retries */
                        break;          /* interrupted while retrying a pending alert */
                }
                r = follower_next(&d.follower);
                report_lost_position(&d, false);
                if (r < 0) {
                        fprintf(stderr, "logonacl-alertd: reading the journal failed: %s\n", strerror(-r));
                        exit_code = 1;
                        break;
                }
                if (r > 0) {
                        read_some = true;
                        r = alertd_process_entry(&d);
                        if (r < 0) {
                                fprintf(stderr, "logonacl-alertd: %s\n", strerror(-r));
                                exit_code = 1;
                                break;
                        }
                        watchdog_feed(&d.watchdog);
                        continue;
                }
                /* Caught up. */
                if (read_some) {
                        d.last_entry_usec = now_monotonic_usec();
                        read_some = false;
                }
                if (d.dirty)
                        (void) alertd_save(&d);
                notify_status(&d);
                if (d.once) {
                        if (d.config_failures > 0 || d.gave_up > 0)
                                exit_code = 1;
                        break;
                }
                wait_for_journal(&d);
                n = 1023;               /* look at signals first after a wake-up */
        }

finish:
        if (d.dirty && exit_code == 0)
                (void) alertd_save(&d);
        sd_notify(0, "STOPPING=1");
        if (d.follower.journal)
                follower_close(&d.follower);
        alertd_free_config(&d);
        smtp_global_cleanup();
        if (d.signal_fd >= 0)
                close(d.signal_fd);
        return exit_code;
}
