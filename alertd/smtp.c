/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "buf.h"
#include "hostname.h"
#include "macro.h"
#include "smtp.h"

static bool curl_ready;

/* libcurl (and OpenSSL under it) is set up at the first send, not at start:
 * --print and a quiet host never pay for it.  alertd is single-threaded, so
 * curl_global_init's lack of thread safety does not matter here. */
static int smtp_global_init(void) {
        if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
                curl_ready = true;
        return curl_ready ? 0 : -EIO;
}

void smtp_global_cleanup(void) {
        if (curl_ready)
                curl_global_cleanup();
        curl_ready = false;
}

struct upload {
        const char *data;
        size_t len, off;
        bool auth_required;             /* smtp_user is set */
        bool auth_sent;                 /* an AUTH command went out */
        bool refused;                   /* DATA aborted: no AUTH */
        char rcpt[320];                 /* the RCPT TO command last sent */
        struct smtp_result *res;
        const struct smtp_options *opt;
};

static void note_refused(struct upload *u, const char *reply, size_t size) {
        /* A 4xx/5xx right after RCPT TO: that recipient is refused (libcurl goes on with the others). */
        if (!u->rcpt[0] || size < 3 || (reply[0] != '4' && reply[0] != '5'))
                return;
        char *r = u->res->refused;
        size_t used = strlen(r), addr_len = strcspn(u->rcpt, ">");
        if (used + addr_len + 3 < sizeof(u->res->refused))
                snprintf(r + used, sizeof(u->res->refused) - used, "%s%.*s", used ? ", " : "", (int) addr_len,
                         u->rcpt);
}

/* libcurl skips AUTH silently when the server offers none; watch for the command. */
static int watch_commands(CURL *h, curl_infotype type, char *data, size_t size, void *userdata) {
        struct upload *u = userdata;
        (void) h;
        if (type == CURLINFO_HEADER_OUT) {
                if (size >= 5 && memcmp(data, "AUTH ", 5) == 0)
                        u->auth_sent = true;
                u->rcpt[0] = '\0';
                if (size > 9 && memcmp(data, "RCPT TO:<", 9) == 0)
                        snprintf(u->rcpt, sizeof(u->rcpt), "%.*s", (int) (size - 9 < 300 ? size - 9 : 300), data + 9);
        } else if (type == CURLINFO_HEADER_IN)
                note_refused(u, data, size);
        return 0;
}

/* libcurl calls it about once a second, and more often while bytes move. */
static int progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        struct upload *u = userdata;
        (void) dltotal, (void) dlnow, (void) ultotal, (void) ulnow;
        if (u->opt->alive)
                u->opt->alive(u->opt->userdata);
        return 0;
}

static size_t read_message(char *out, size_t size, size_t nmemb, void *userdata) {
        struct upload *u = userdata;
        /* Told to log in but did not: not one byte of the message goes out. */
        if (u->auth_required && !u->auth_sent) {
                u->refused = true;
                return CURL_READFUNC_ABORT;
        }
        size_t room = size * nmemb, left = u->len - u->off;
        size_t n = left < room ? left : room;
        memcpy(out, u->data + u->off, n);
        u->off += n;
        return n;
}

int smtp_read_password(const char *path, char **ret, char reason[REASON_MAX]) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return reason_set(reason, errno, "%s: %m", path);
        if (!S_ISREG(st.st_mode) || st.st_size > SMTP_PASSWORD_MAX)
                return reason_set(reason, EINVAL, "%s: not a password file (a regular file of at most %d bytes)", path,
                         SMTP_PASSWORD_MAX);
        char text[SMTP_PASSWORD_MAX + 1];
        ssize_t n = read(fd, text, SMTP_PASSWORD_MAX);
        if (n < 0)
                return reason_set(reason, errno, "%s: %m", path);
        text[n] = '\0';
        text[strcspn(text, "\r\n")] = '\0';
        *ret = strdup(text);
        explicit_bzero(text, sizeof(text));
        return *ret ? 0 : -ENOMEM;
}

/* smtp_url with the EHLO name as its path: libcurl sends the path as the EHLO
 * domain and would otherwise make one up. */
static char *url_with_ehlo(const char *smtp_url) {
        const char *scheme_end = strstr(smtp_url, "://");
        const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
        char ehlo[HOSTNAME_MAX + 1];
        struct buf b = {};

        hostname_or_localhost(ehlo, sizeof(ehlo));
        if (path && path[1] != '\0')
                buf_puts(&b, smtp_url);         /* the administrator chose one */
        else {
                buf_append(&b, smtp_url, path ? (size_t) (path - smtp_url) : strlen(smtp_url));
                buf_printf(&b, "/%s", ehlo);
        }
        return buf_steal(&b, NULL);
}

static void classify(CURLcode rc, long code, struct smtp_result *res) {
        res->reply_code = code;
        if (rc == CURLE_OK)
                res->outcome = SMTP_DELIVERED;
        else if (code >= 500 && code <= 599)
                res->outcome = SMTP_PERMANENT;
        else
                res->outcome = SMTP_TRANSIENT;  /* 4xx, no reply, connect failure, timeout, TLS failure */
}

void smtp_send(const struct alert_config *cfg, const char *from, const char *message, size_t len,
               const struct smtp_options *opt, struct smtp_result *res) {
        char errbuf[CURL_ERROR_SIZE] = "";
        struct upload up = { .data = message, .len = len, .auth_required = cfg->smtp_user != NULL, .res = res,
                             .opt = opt };
        struct curl_slist *rcpt = NULL;
        _cleanup_free_ char *url = url_with_ehlo(cfg->smtp_url ? cfg->smtp_url : "smtp://localhost:25");
        _cleanup_free_ char *password = NULL;
        _cleanup_free_ char *mail_from = NULL;
        CURL *h = NULL;

        *res = (struct smtp_result) { .outcome = SMTP_TRANSIENT };
        if (cfg->smtp_user && cfg->smtp_password_file) {
                /* Read at each send so a rotated password needs no reload. */
                if (smtp_read_password(cfg->smtp_password_file, &password, res->error) < 0) {
                        res->outcome = SMTP_CONFIG;
                        return;
                }
        }
        if (!url || asprintf(&mail_from, "<%s>", from) < 0) {
                snprintf(res->error, sizeof(res->error), "out of memory");
                return;
        }
        for (size_t i = 0; i < cfg->email.n; i++) {
                _cleanup_free_ char *a = NULL;
                struct curl_slist *n;
                if (asprintf(&a, "<%s>", cfg->email.items[i]) < 0 || !(n = curl_slist_append(rcpt, a))) {
                        snprintf(res->error, sizeof(res->error), "out of memory");
                        curl_slist_free_all(rcpt);
                        return;
                }
                rcpt = n;
        }
        h = smtp_global_init() >= 0 ? curl_easy_init() : NULL;
        if (!h) {
                snprintf(res->error, sizeof(res->error), "curl_easy_init failed");
                curl_slist_free_all(rcpt);
                return;
        }

        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
        curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) ((opt->timeout_ms + 999) / 1000));
        if (strncmp(url, "smtps://", 8) != 0)
                curl_easy_setopt(h, CURLOPT_USE_SSL,
                                 cfg->smtp_starttls == SMTP_STARTTLS_REQUIRED ? (long) CURLUSESSL_ALL :
                                 cfg->smtp_starttls == SMTP_STARTTLS_TRY      ? (long) CURLUSESSL_TRY :
                                                                                (long) CURLUSESSL_NONE);
        /* Peer verification is never turned off (SPEC §2). */
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (cfg->smtp_ca_file)
                curl_easy_setopt(h, CURLOPT_CAINFO, cfg->smtp_ca_file);
        if (cfg->smtp_user) {
                curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
                curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
        }
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        /* One refused recipient must not keep the others from their alert. */
#if LIBCURL_VERSION_NUM >= 0x080200
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) len);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
        curl_easy_setopt(h, CURLOPT_READDATA, &up);
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, watch_commands);
        curl_easy_setopt(h, CURLOPT_DEBUGDATA, &up);
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);      /* for the debug function only: it prints nothing */
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &up);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);

        CURLcode rc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        classify(rc, code, res);
        if (rc != CURLE_OK)
                snprintf(res->error, sizeof(res->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (up.refused) {
                res->outcome = SMTP_CONFIG;
                snprintf(res->error, sizeof(res->error),
                         "the server offered no AUTH, and smtp_user is set: not sent without logging in");
        } else if (rc == CURLE_USE_SSL_FAILED) {
                res->outcome = SMTP_CONFIG;
                snprintf(res->error, sizeof(res->error),
                         "the server offered no STARTTLS, and smtp_starttls = required: not sent in clear");
        }

        if (password)
                explicit_bzero(password, strlen(password));
        if (rc != CURLE_OK) {
                /* Cleanup would say QUIT and wait for a reply a stalled server never
                 * sends: the transaction is over at its deadline, so is the connection. */
                curl_socket_t fd;
                if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD)
                        (void) shutdown(fd, SHUT_RDWR);
        }
        curl_easy_cleanup(h);
        curl_slist_free_all(rcpt);
}
