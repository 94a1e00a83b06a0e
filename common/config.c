/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "addr.h"
#include "config.h"
#include "hostname.h"
#include "logonacl-build.h"
#include "reason.h"
#include "safe_path.h"
#include "utf8.h"
#include "zone_name.h"

/* A line longer than this is an error: no sane value needs more, and it bounds
 * the work hostile input can cause.  The whole file is bounded too. */
#define CONFIG_LINE_MAX 4096
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_VALUE_SHOWN 80           /* bytes of a bad value quoted in a message */

#define SERVICE_NAME_MAX 64
#define USER_NAME_MAX 32
#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define SMTP_URL_MAX 1024

enum section {
        SECTION_GENERAL,
        SECTION_ADMIN,
        SECTION_ENDUSER,
        SECTION_API,
        SECTION_ALERT,
        _SECTION_MAX,
        SECTION_NONE = -1,              /* before the first [section] */
        SECTION_UNKNOWN = -2,           /* inside an unknown section: its keys are skipped */
};

static const char *const section_names[_SECTION_MAX] = {
        [SECTION_GENERAL] = "general",
        [SECTION_ADMIN]   = "admin",
        [SECTION_ENDUSER] = "enduser",
        [SECTION_API]     = "api",
        [SECTION_ALERT]   = "alert",
};

static const char *const channel_names[_CHANNEL_MAX] = {
        [CHANNEL_ADMIN]   = "admin",
        [CHANNEL_ENDUSER] = "enduser",
        [CHANNEL_API]     = "api",
};

static const char *const action_names[_ACTION_MAX] = {
        [ACTION_NONE]          = "none",
        [ACTION_ALLOW_AND_LOG] = "allow-and-log",
        [ACTION_BLOCK_AND_LOG] = "block-and-log",
};

/* ---- small helpers ---------------------------------------------------- */

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_ascii_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Quotes at most CONFIG_VALUE_SHOWN bytes of value, marking a cut with "...".
 * Values reaching here are valid UTF-8 without control bytes; a cut may split a
 * UTF-8 sequence, so it falls back to the last whole character. */
static const char *shown(const char *value, char buf[CONFIG_VALUE_SHOWN + 8]) {
        size_t len = strlen(value);
        if (len <= CONFIG_VALUE_SHOWN) {
                snprintf(buf, CONFIG_VALUE_SHOWN + 8, "\"%s\"", value);
                return buf;
        }
        len = CONFIG_VALUE_SHOWN;
        while (len > 0 && ((unsigned char) value[len] & 0xC0) == 0x80)
                len--;
        snprintf(buf, CONFIG_VALUE_SHOWN + 8, "\"%.*s...\"", (int) len, value);
        return buf;
}
#define SHOWN(v) shown((v), (char[CONFIG_VALUE_SHOWN + 8]) {})

static void string_list_free(struct string_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
        *l = (struct string_list) {};
}

static int string_list_append(struct string_list *l, const char *s, size_t len) {
        char **n = realloc(l->items, (l->n + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n] = strndup(s, len);
        if (!l->items[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

/* Service names are lower-case in the file; a name asked about is compared as
 * libpam would hold it (logonaclctl test --service SSHD is sshd). */
static bool service_list_contains(const struct string_list *l, const char *s) {
        for (size_t i = 0; s && i < l->n; i++)
                if (strcasecmp(l->items[i], s) == 0)
                        return true;
        return false;
}

static int string_replace(char **field, const char *value) {
        char *copy = NULL;
        if (value) {
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

/* ---- value checks ----------------------------------------------------- */

/* RFC 5322 atext: the characters of an unquoted local part. */
static bool is_atext(char c) {
        return is_ascii_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A plain address local@domain for the SMTP envelope: dot-atom local part,
 * host-name domain, ASCII only, no quotes, brackets, comments or display names. */
static int email_check(const char *s, size_t len, char reason[REASON_MAX]) {
        char quoted[CONFIG_VALUE_SHOWN + 8];
        _cleanup_free_ char *copy = strndup(s, len);
        if (!copy)
                return -ENOMEM;
        shown(copy, quoted);

        if (len > EMAIL_MAX)
                return reason_set(reason, EINVAL,
                                  "%s is not a valid e-mail address: longer than %d bytes", quoted, EMAIL_MAX);
        const char *at = memrchr(s, '@', len);
        if (!at)
                return reason_set(reason, EINVAL, "%s is not a valid e-mail address: no '@'", quoted);
        size_t local_len = at - s, domain_len = len - local_len - 1;
        if (local_len == 0 || local_len > EMAIL_LOCAL_MAX)
                return reason_set(reason, EINVAL,
                                  "%s is not a valid e-mail address: the part before '@' must be 1 to %d bytes",
                                  quoted, EMAIL_LOCAL_MAX);
        for (size_t i = 0; i < local_len; i++) {
                if (s[i] == '.') {
                        if (i == 0 || i == local_len - 1 || s[i - 1] == '.')
                                return reason_set(reason, EINVAL,
                                                  "%s is not a valid e-mail address: misplaced '.'", quoted);
                } else if (!is_atext(s[i]))
                        return reason_set(reason, EINVAL,
                                          "%s is not a valid e-mail address: character '%c' not allowed",
                                          quoted, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
        }
        if (!hostname_is_valid(at + 1, domain_len, 0))
                return reason_set(reason, EINVAL, "%s is not a valid e-mail address: bad domain after '@'", quoted);
        return 0;
}

static bool service_name_valid(const char *s, size_t len) {
        if (len == 0 || len > SERVICE_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_ascii_alnum(s[i]) && !strchr("._+@-", s[i]))
                        return false;
        return true;
}

/* Like useradd and systemd: [A-Za-z_][A-Za-z0-9_.-]*, an optional final '$'. */
static bool user_name_valid(const char *s, size_t len) {
        if (len == 0 || len > USER_NAME_MAX)
                return false;
        if (!(s[0] == '_' || (is_ascii_alnum(s[0]) && !(s[0] >= '0' && s[0] <= '9'))))
                return false;
        for (size_t i = 1; i < len; i++) {
                if (s[i] == '$' && i == len - 1)
                        break;
                if (!is_ascii_alnum(s[i]) && !strchr("_.-", s[i]))
                        return false;
        }
        return true;
}

/* ---- value parsers: one per kind of value, all of the same shape -------- */

typedef int (*value_parser)(const char *value, void *field, char reason[REASON_MAX]);

static int parse_path(const char *value, void *field, char reason[REASON_MAX]) {
        if (value[0] != '/')
                return reason_set(reason, EINVAL, "%s is not an absolute path", SHOWN(value));
        if (strlen(value) >= PATH_MAX)
                return reason_set(reason, EINVAL, "path longer than %d bytes", PATH_MAX - 1);
        return string_replace(field, value);
}

/* An empty value keeps the built-in behaviour (NULL). */
static int parse_optional_path(const char *value, void *field, char reason[REASON_MAX]) {
        if (!*value)
                return string_replace(field, NULL);
        return parse_path(value, field, reason);
}

static int parse_yes_no(const char *value, void *field, char reason[REASON_MAX]) {
        bool *b = field;
        if (strcmp(value, "yes") == 0)
                *b = true;
        else if (strcmp(value, "no") == 0)
                *b = false;
        else
                return reason_set(reason, EINVAL, "%s is not yes or no", SHOWN(value));
        return 0;
}

static int parse_action(const char *value, void *field, char reason[REASON_MAX]) {
        enum action a = action_from_string(value);
        if (a == ACTION_INVALID)
                return reason_set(reason, EINVAL, "%s is not one of none, allow-and-log, block-and-log", SHOWN(value));
        *(enum action *) field = a;
        return 0;
}

static int parse_missing_rhost(const char *value, void *field, char reason[REASON_MAX]) {
        enum missing_rhost *m = field;
        if (strcmp(value, "local") == 0)
                *m = MISSING_RHOST_LOCAL;
        else if (strcmp(value, "unapproved") == 0)
                *m = MISSING_RHOST_UNAPPROVED;
        else
                return reason_set(reason, EINVAL, "%s is not local or unapproved", SHOWN(value));
        return 0;
}

static int parse_threshold(const char *value, void *field, char reason[REASON_MAX]) {
        static const char *const allowed[] = { "5", "20", "50", "100" };
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                if (strcmp(value, allowed[i]) == 0) {
                        *(unsigned *) field = (unsigned) atoi(allowed[i]);
                        return 0;
                }
        return reason_set(reason, EINVAL, "%s is not one of 5, 20, 50, 100", SHOWN(value));
}

static int parse_starttls(const char *value, void *field, char reason[REASON_MAX]) {
        enum smtp_starttls *s = field;
        if (strcmp(value, "try") == 0)
                *s = SMTP_STARTTLS_TRY;
        else if (strcmp(value, "required") == 0)
                *s = SMTP_STARTTLS_REQUIRED;
        else if (strcmp(value, "no") == 0)
                *s = SMTP_STARTTLS_NO;
        else
                return reason_set(reason, EINVAL, "%s is not one of required, try, no", SHOWN(value));
        return 0;
}

/* Lists are separated by commas, blanks or both: "sshd cockpit", "a@x, b@y". */
typedef int (*item_check)(const char *item, size_t len, char reason[REASON_MAX]);

static int parse_list(const char *value, struct string_list *l, item_check check, char reason[REASON_MAX]) {
        struct string_list parsed = {};
        const char *p = value;
        int r = 0;

        for (;;) {
                p += strspn(p, ", \t");
                if (!*p)
                        break;
                size_t len = strcspn(p, ", \t");
                r = check(p, len, reason);
                if (r < 0)
                        break;
                r = string_list_append(&parsed, p, len);
                if (r < 0)
                        break;
                p += len;
        }
        if (r < 0) {
                string_list_free(&parsed);
                return r;
        }
        string_list_free(l);
        *l = parsed;
        return 0;
}

static bool has_upper(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

static int check_service(const char *s, size_t len, char reason[REASON_MAX]) {
        bool valid = service_name_valid(s, len);
        if (valid && !has_upper(s, len))
                return 0;
        _cleanup_free_ char *copy = strndup(s, len);
        if (!copy)
                return -ENOMEM;
        if (!valid)
                return reason_set(reason, EINVAL,
                                  "%s is not a valid PAM service name (letters, digits, \"._+@-\", at most %d)",
                                  SHOWN(copy), SERVICE_NAME_MAX);
        /* libpam lower-cases PAM_SERVICE: "SSHD" would never match, silently. */
        char quoted_buf[CONFIG_VALUE_SHOWN + 8];
        const char *quoted = shown(copy, quoted_buf);
        for (char *p = copy; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char) (*p - 'A' + 'a');
        return reason_set(reason, EINVAL, "%s: PAM service names are lower-case (libpam lower-cases them), write %s",
                          quoted, SHOWN(copy));
}

static int check_user(const char *s, size_t len, char reason[REASON_MAX]) {
        if (user_name_valid(s, len))
                return 0;
        _cleanup_free_ char *copy = strndup(s, len);
        if (!copy)
                return -ENOMEM;
        return reason_set(reason, EINVAL, "%s is not a valid user name", SHOWN(copy));
}

static int parse_services(const char *value, void *field, char reason[REASON_MAX]) {
        return parse_list(value, field, check_service, reason);
}

static int parse_email_list(const char *value, void *field, char reason[REASON_MAX]) {
        return parse_list(value, field, email_check, reason);
}

static int parse_user_list(const char *value, void *field, char reason[REASON_MAX]) {
        if (!value[strspn(value, ", \t")])
                return reason_set(reason, EINVAL, "must name at least one user (root)");
        return parse_list(value, field, check_user, reason);
}

/* from: one plain address; empty keeps the default no-reply@<hostname>. */
static int parse_from(const char *value, void *field, char reason[REASON_MAX]) {
        if (!*value)
                return string_replace(field, NULL);
        int r = email_check(value, strlen(value), reason);
        if (r < 0)
                return r;
        return string_replace(field, value);
}

/* smtp_user: a login name, no blanks; empty means no AUTH. */
static int parse_smtp_user(const char *value, void *field, char reason[REASON_MAX]) {
        if (!*value)
                return string_replace(field, NULL);
        if (strlen(value) > 255)
                return reason_set(reason, EINVAL, "longer than 255 bytes");
        for (const char *p = value; *p; p++)
                if (is_blank(*p) || (unsigned char) *p >= 0x80)
                        return reason_set(reason, EINVAL,
                                          "%s: blanks and non-ASCII characters are not allowed", SHOWN(value));
        return string_replace(field, value);
}

/* The SMTP server: a host name, or an IPv4 address (smtp://127.0.0.1:25). */
static bool smtp_host_valid(const char *host, size_t len) {
        addr128 a;
        int family;
        return hostname_is_valid(host, len, 0) || (addr_parse(host, len, &a, &family) >= 0 && family == 4);
}

/* smtp://host[:port][/ehlo-name] or smtps://...  No user info: credentials
 * belong in smtp_user and smtp_password_file, not in this world-readable file. */
static int parse_smtp_url(const char *value, void *field, char reason[REASON_MAX]) {
        const char *p;
        if (strncmp(value, "smtp://", 7) == 0)
                p = value + 7;
        else if (strncmp(value, "smtps://", 8) == 0)
                p = value + 8;
        else
                return reason_set(reason, EINVAL, "%s must start with smtp:// or smtps://", SHOWN(value));
        if (strlen(value) > SMTP_URL_MAX)
                return reason_set(reason, EINVAL, "longer than %d bytes", SMTP_URL_MAX);

        size_t authority_len = strcspn(p, "/");
        if (memchr(p, '@', authority_len))
                return reason_set(reason, EINVAL, "%s must not contain a user name or password "
                                  "(use smtp_user and smtp_password_file)", SHOWN(value));

        const char *host = p, *host_end;
        if (*p == '[') {
                host_end = memchr(p, ']', authority_len);
                if (!host_end || host_end == p + 1)
                        return reason_set(reason, EINVAL, "%s: bad [IPv6] host", SHOWN(value));
                for (const char *q = p + 1; q < host_end; q++)
                        if (!strchr("0123456789abcdefABCDEF:.", *q))
                                return reason_set(reason, EINVAL, "%s: bad [IPv6] host", SHOWN(value));
                host_end++;
        } else {
                host_end = p + strcspn(p, ":/");
                if (!smtp_host_valid(host, host_end - host))
                        return reason_set(reason, EINVAL, "%s: bad host name", SHOWN(value));
        }

        p = host_end;
        if (*p == ':') {
                p++;
                size_t digits = strspn(p, "0123456789");
                unsigned long port = digits > 0 && digits <= 5 ? strtoul(p, NULL, 10) : 0;
                if (port == 0 || port > 65535 || (p[digits] && p[digits] != '/'))
                        return reason_set(reason, EINVAL, "%s: port must be 1 to 65535", SHOWN(value));
                p += digits;
        }
        if (*p == '/' && p[1] && !hostname_is_valid(p + 1, strlen(p + 1), 0))
                return reason_set(reason, EINVAL, "%s: after the host only a /name for EHLO may follow", SHOWN(value));
        if (*p && *p != '/')
                return reason_set(reason, EINVAL, "%s: bad host", SHOWN(value));
        return string_replace(field, value);
}

/* An IANA name that names a TZif file under /usr/share/zoneinfo, with no way out
 * of that folder.  "UTC" is always valid (the C library knows it without a file). */
static int parse_timezone(const char *value, void *field, char reason[REASON_MAX]) {
        if (value[0] == '\0' || strlen(value) > ZONE_NAME_MAX)
                return reason_set(reason, EINVAL, "%s is not a time zone name", SHOWN(value));
        if (strcmp(value, "UTC") == 0)
                return string_replace(field, value);

        if (!zone_name_is_valid(value))
                return reason_set(reason, EINVAL, "%s is not a time zone name (like Asia/Tokyo)", SHOWN(value));

        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, ZONEINFO_DIR "/%s", value) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        char magic[4];
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            read(fd, magic, sizeof magic) != sizeof magic || memcmp(magic, "TZif", 4) != 0)
                return reason_set(reason, EINVAL, "%s is not a time zone in " ZONEINFO_DIR, SHOWN(value));
        return string_replace(field, value);
}

/* ---- the table ---------------------------------------------------------- */

struct config_item {
        enum section section;
        const char *key;
        value_parser parse;
        size_t offset;
};

#define GENERAL(f) offsetof(struct config, f)
#define CHANNEL(ch, f) offsetof(struct config, channel[ch].f)
#define ALERT(f) offsetof(struct config, alert.f)

static const struct config_item config_table[] = {
        { SECTION_GENERAL, "approved_file",      parse_path,          GENERAL(approved_file) },
        { SECTION_GENERAL, "approved_dir",       parse_path,          GENERAL(approved_dir) },
        { SECTION_GENERAL, "allow_private",      parse_yes_no,        GENERAL(allow_private) },

        { SECTION_ADMIN,   "action",             parse_action,        CHANNEL(CHANNEL_ADMIN, action) },
        { SECTION_ADMIN,   "services",           parse_services,      CHANNEL(CHANNEL_ADMIN, services) },
        { SECTION_ADMIN,   "sso_services",       parse_services,      CHANNEL(CHANNEL_ADMIN, sso_services) },
        { SECTION_ADMIN,   "missing_rhost",      parse_missing_rhost, CHANNEL(CHANNEL_ADMIN, missing_rhost) },

        { SECTION_ENDUSER, "action",             parse_action,        CHANNEL(CHANNEL_ENDUSER, action) },
        { SECTION_ENDUSER, "services",           parse_services,      CHANNEL(CHANNEL_ENDUSER, services) },
        { SECTION_ENDUSER, "inline_services",    parse_services,      CHANNEL(CHANNEL_ENDUSER, inline_services) },
        { SECTION_ENDUSER, "apply_to_inline",    parse_yes_no,        CHANNEL(CHANNEL_ENDUSER, apply_to_inline) },
        { SECTION_ENDUSER, "missing_rhost",      parse_missing_rhost, CHANNEL(CHANNEL_ENDUSER, missing_rhost) },

        { SECTION_API,     "action",             parse_action,        CHANNEL(CHANNEL_API, action) },
        { SECTION_API,     "services",           parse_services,      CHANNEL(CHANNEL_API, services) },
        { SECTION_API,     "missing_rhost",      parse_missing_rhost, CHANNEL(CHANNEL_API, missing_rhost) },

        { SECTION_ALERT,   "email",              parse_email_list,    ALERT(email) },
        { SECTION_ALERT,   "threshold",          parse_threshold,     ALERT(threshold) },
        { SECTION_ALERT,   "from",               parse_from,          ALERT(from) },
        { SECTION_ALERT,   "smtp_url",           parse_smtp_url,      ALERT(smtp_url) },
        { SECTION_ALERT,   "smtp_starttls",      parse_starttls,      ALERT(smtp_starttls) },
        { SECTION_ALERT,   "smtp_user",          parse_smtp_user,     ALERT(smtp_user) },
        { SECTION_ALERT,   "smtp_password_file", parse_optional_path, ALERT(smtp_password_file) },
        { SECTION_ALERT,   "smtp_ca_file",       parse_optional_path, ALERT(smtp_ca_file) },
        { SECTION_ALERT,   "timezone",           parse_timezone,      ALERT(timezone) },
        { SECTION_ALERT,   "trusted_users",      parse_user_list,     ALERT(trusted_users) },
};

#define N_ITEMS ELEMENTSOF(config_table)

/* ---- defaults ----------------------------------------------------------- */

void config_init_defaults(struct config *c) {
        *c = (struct config) {
                .approved_file = strdup(LOGONACL_APPROVED_PATH),       /* from the build's sysconfdir */
                .approved_dir = strdup(LOGONACL_APPROVED_DIR),
                .allow_private = false,
                .alert = {
                        .threshold = 5,
                        .from = NULL,
                        .smtp_url = strdup("smtp://localhost:25"),
                        .smtp_starttls = SMTP_STARTTLS_TRY,
                        .timezone = strdup("UTC"),
                },
        };
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                c->channel[ch].action = ACTION_NONE;
                c->channel[ch].missing_rhost = ch == CHANNEL_API ? MISSING_RHOST_UNAPPROVED : MISSING_RHOST_LOCAL;
                c->channel[ch].apply_to_inline = false;
        }
        (void) string_list_append(&c->alert.trusted_users, "root", 4);
}

/* A failed allocation in config_init_defaults leaves a NULL where a value must be. */
static bool config_defaults_complete(const struct config *c) {
        return c->approved_file && c->approved_dir && c->alert.smtp_url && c->alert.timezone &&
               c->alert.trusted_users.n > 0;
}

void config_free(struct config *c) {
        free(c->path);
        free(c->approved_file);
        free(c->approved_dir);
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                string_list_free(&c->channel[ch].services);
                string_list_free(&c->channel[ch].sso_services);
                string_list_free(&c->channel[ch].inline_services);
        }
        string_list_free(&c->alert.email);
        free(c->alert.from);
        free(c->alert.smtp_url);
        free(c->alert.smtp_user);
        free(c->alert.smtp_password_file);
        free(c->alert.smtp_ca_file);
        free(c->alert.timezone);
        string_list_free(&c->alert.trusted_users);
        *c = (struct config) {};
}

/* ---- the line parser ---------------------------------------------------- */

struct parser {
        struct config *config;
        struct diag_list *diags;
        size_t max_errors;
        size_t n_errors;
        bool out_of_memory;
        enum section section;
        unsigned section_line[_SECTION_MAX];
        unsigned item_line[N_ITEMS];
};

static bool parser_full(const struct parser *p) {
        return p->max_errors > 0 && p->n_errors >= p->max_errors;
}

/* "file:line" of a key, or "file" for a key left at its default (line 0). */
static const char *key_where(const struct config *c, unsigned line, char buf[PATH_MAX + 16]) {
        if (line > 0)
                snprintf(buf, PATH_MAX + 16, "%s:%u", c->path, line);
        else
                snprintf(buf, PATH_MAX + 16, "%s", c->path);
        return buf;
}

void config_errorv(const struct config *c, unsigned line, struct diag_list *diags, const char *fmt, va_list ap) {
        char where[PATH_MAX + 16];

        diag_errorv(diags, key_where(c, line, where), fmt, ap);
}

void config_error(const struct config *c, unsigned line, struct diag_list *diags, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        config_errorv(c, line, diags, fmt, ap);
        va_end(ap);
}

_printf_(3, 4) static void parser_error(struct parser *p, unsigned line, const char *fmt, ...) {
        va_list ap;

        if (parser_full(p))
                return;
        va_start(ap, fmt);
        config_errorv(p->config, line, p->diags, fmt, ap);
        va_end(ap);
        p->n_errors++;
}

static char *trim(char *s) {
        while (is_blank(*s))
                s++;
        size_t len = strlen(s);
        while (len > 0 && is_blank(s[len - 1]))
                s[--len] = 0;
        return s;
}

/* A '#' starts a comment at the start of a value or after a blank; a '#' glued
 * to a preceding character is part of the value ("smtp://h/#" is then refused
 * by its parser, "a#b@example.com" is a valid address). */
static void strip_comment(char *value) {
        for (char *p = value; *p; p++)
                if (*p == '#' && (p == value || is_blank(p[-1]))) {
                        *p = 0;
                        return;
                }
}

static int find_section(const char *name) {
        for (int s = 0; s < _SECTION_MAX; s++)
                if (strcmp(name, section_names[s]) == 0)
                        return s;
        return -1;
}

static void parse_section_line(struct parser *p, unsigned line, char *text) {
        char *end = strchr(text, ']');
        if (!end || (end[1] && !is_blank(end[1]) && end[1] != '#') ||
            (trim(end + 1)[0] && trim(end + 1)[0] != '#')) {
                parser_error(p, line, "expected \"[section]\"");
                p->section = SECTION_UNKNOWN;
                return;
        }
        *end = 0;
        char *name = trim(text + 1);

        int s = find_section(name);
        if (s < 0) {
                parser_error(p, line, "unknown section [%.*s] (expected general, admin, enduser, api or alert)",
                             CONFIG_VALUE_SHOWN, name);
                p->section = SECTION_UNKNOWN;
                return;
        }
        if (p->section_line[s] > 0)
                parser_error(p, line, "section [%s] repeated (first at line %u)", name, p->section_line[s]);
        else
                p->section_line[s] = line;
        p->section = s;
}

static int find_item(enum section s, const char *key) {
        for (size_t i = 0; i < N_ITEMS; i++)
                if (config_table[i].section == s && strcmp(config_table[i].key, key) == 0)
                        return (int) i;
        return -1;
}

static void unknown_key(struct parser *p, unsigned line, const char *key) {
        /* Say where a key of another section belongs: sso_services in [enduser] is a slip. */
        for (size_t i = 0; i < N_ITEMS; i++)
                if (strcmp(config_table[i].key, key) == 0) {
                        parser_error(p, line, "unknown key \"%s\" in section [%s] (it belongs in [%s])", key,
                                     section_names[p->section], section_names[config_table[i].section]);
                        return;
                }
        parser_error(p, line, "unknown key %s in section [%s]", SHOWN(key), section_names[p->section]);
}

static void note_alert_line(struct alert_config *a, const char *key, unsigned line) {
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                { "email", offsetof(struct alert_config, line.email) },
                { "smtp_url", offsetof(struct alert_config, line.smtp_url) },
                { "smtp_starttls", offsetof(struct alert_config, line.smtp_starttls) },
                { "smtp_user", offsetof(struct alert_config, line.smtp_user) },
                { "smtp_password_file", offsetof(struct alert_config, line.smtp_password_file) },
                { "smtp_ca_file", offsetof(struct alert_config, line.smtp_ca_file) },
                { "trusted_users", offsetof(struct alert_config, line.trusted_users) },
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(key, keys[i].key) == 0)
                        *(unsigned *) ((uint8_t *) a + keys[i].offset) = line;
}

static void parse_key_line(struct parser *p, unsigned line, char *text) {
        char *eq = strchr(text, '=');
        if (!eq) {
                parser_error(p, line, "expected \"key = value\" or \"[section]\"");
                return;
        }
        *eq = 0;
        char *key = trim(text), *value = eq + 1;
        strip_comment(value);
        value = trim(value);

        if (!*key) {
                parser_error(p, line, "expected \"key = value\" or \"[section]\"");
                return;
        }
        if (p->section == SECTION_NONE) {
                parser_error(p, line, "key %s outside of a section", SHOWN(key));
                return;
        }
        if (p->section == SECTION_UNKNOWN)
                return;         /* reported once, at the section header */

        int i = find_item(p->section, key);
        if (i < 0) {
                unknown_key(p, line, key);
                return;
        }
        if (p->item_line[i] > 0) {
                parser_error(p, line, "key \"%s\" repeated in section [%s] (first at line %u)", key,
                             section_names[p->section], p->item_line[i]);
                return;
        }
        p->item_line[i] = line;
        if (p->section == SECTION_ALERT)
                note_alert_line(&p->config->alert, key, line);

        char reason[REASON_MAX] = "";
        int r = config_table[i].parse(value, (uint8_t *) p->config + config_table[i].offset, reason);
        if (r == -ENOMEM) {
                p->out_of_memory = true;
                parser_error(p, line, "%s: out of memory", key);
        } else if (r < 0)
                parser_error(p, line, "%s: %s", key, reason);
}

static void parse_line(struct parser *p, unsigned line, const char *start, size_t len) {
        char buf[CONFIG_LINE_MAX + 1];

        if (len > CONFIG_LINE_MAX) {
                parser_error(p, line, "line longer than %d bytes", CONFIG_LINE_MAX);
                return;
        }
        if (memchr(start, 0, len)) {
                parser_error(p, line, "contains a NUL byte");
                return;
        }
        if (!utf8_is_valid((const unsigned char *) start, len)) {
                parser_error(p, line, "not valid UTF-8");
                return;
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char c = start[i];
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        parser_error(p, line, "contains a control character (0x%02x)%s", c,
                                     c == '\r' ? ": use Unix line ends" : "");
                        return;
                }
        }
        /* Editors that write a byte order mark would otherwise get a puzzling syntax error. */
        if (line == 1 && len >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
                parser_error(p, line, "starts with a UTF-8 byte order mark: save the file without one");
                return;
        }
        memcpy(buf, start, len);
        buf[len] = 0;

        char *text = trim(buf);
        if (!*text || *text == '#')
                return;
        if (*text == '[')
                parse_section_line(p, line, text);
        else
                parse_key_line(p, line, text);
}

/* ---- checks across keys ---------------------------------------------- */

struct service_place {
        const char *name;
        enum channel channel;
        unsigned line;
};

static int service_place_cmp(const void *a, const void *b) {
        const struct service_place *x = a, *y = b;
        int r = strcmp(x->name, y->name);
        if (r != 0)
                return r;
        return x->line < y->line ? -1 : x->line > y->line;
}

/* SPEC §2: a service may stand in one channel only. */
static void check_one_channel_per_service(struct parser *p) {
        static const struct { enum channel channel; size_t offset; const char *key; } lists[] = {
                { CHANNEL_ADMIN,   CHANNEL(CHANNEL_ADMIN, services),          "services" },
                { CHANNEL_ADMIN,   CHANNEL(CHANNEL_ADMIN, sso_services),      "sso_services" },
                { CHANNEL_ENDUSER, CHANNEL(CHANNEL_ENDUSER, services),        "services" },
                { CHANNEL_ENDUSER, CHANNEL(CHANNEL_ENDUSER, inline_services), "inline_services" },
                { CHANNEL_API,     CHANNEL(CHANNEL_API, services),            "services" },
        };
        size_t n = 0;
        for (size_t l = 0; l < ELEMENTSOF(lists); l++)
                n += ((struct string_list *) ((uint8_t *) p->config + lists[l].offset))->n;
        if (n < 2)
                return;

        _cleanup_free_ struct service_place *places = calloc(n, sizeof *places);
        if (!places) {
                p->out_of_memory = true;
                parser_error(p, 0, "out of memory");
                return;
        }
        n = 0;
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                const struct string_list *sl = (const void *) ((uint8_t *) p->config + lists[l].offset);
                int item = find_item((enum section) (SECTION_ADMIN + lists[l].channel), lists[l].key);
                for (size_t i = 0; i < sl->n; i++)
                        places[n++] = (struct service_place) { sl->items[i], lists[l].channel,
                                                               item >= 0 ? p->item_line[item] : 0 };
        }
        qsort(places, n, sizeof *places, service_place_cmp);

        for (size_t first = 0; first < n;) {
                size_t end = first + 1;
                while (end < n && strcmp(places[end].name, places[first].name) == 0)
                        end++;
                bool reported[_CHANNEL_MAX] = {};
                for (size_t k = first + 1; k < end; k++) {
                        enum channel ch = places[k].channel;
                        if (ch == places[first].channel || reported[ch])
                                continue;
                        reported[ch] = true;
                        parser_error(p, places[k].line,
                                     "service \"%s\" is in [%s] and already in [%s] (line %u): "
                                     "a service may stand in one channel only",
                                     places[k].name, channel_names[ch], channel_names[places[first].channel],
                                     places[first].line);
                }
                first = end;
        }
}

/* ---- loading ---------------------------------------------------------- */

static int read_config_file(struct parser *p, bool check_perms, char **ret_data, size_t *ret_size) {
        const char *path = p->config->path;
        char reason[REASON_MAX];
        int r;

        if (check_perms) {
                r = safe_path_check_file(path, reason);
                if (r < 0) {
                        diag_error(p->diags, NULL, "%s", reason);
                        return r;
                }
        }

        /* O_NONBLOCK: a FIFO put in place of the file must not hang a logon. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                                      (check_perms ? O_NOFOLLOW : 0));
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                parser_error(p, 0, "%s", strerror(-r));
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                parser_error(p, 0, "not a regular file");
                return -EINVAL;
        }
        /* Checked again on the open file: the path may have changed since the walk. */
        if (check_perms && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
                parser_error(p, 0, "must be owned by root and not writable by group or others");
                return -EPERM;
        }
        if (st.st_size > CONFIG_FILE_MAX) {
                parser_error(p, 0, "file larger than %d bytes", CONFIG_FILE_MAX);
                return -EFBIG;
        }

        size_t cap = (size_t) st.st_size + 1, size = 0;
        _cleanup_free_ char *data = malloc(cap);
        if (!data)
                return -ENOMEM;
        for (;;) {
                if (size == cap) {
                        if (cap > CONFIG_FILE_MAX) {
                                parser_error(p, 0, "file larger than %d bytes", CONFIG_FILE_MAX);
                                return -EFBIG;
                        }
                        char *bigger = realloc(data, cap * 2);
                        if (!bigger)
                                return -ENOMEM;
                        data = bigger;
                        cap *= 2;
                }
                ssize_t n = read(fd, data + size, cap - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        parser_error(p, 0, "read failed: %s", strerror(-r));
                        return r;
                }
                if (n == 0)
                        break;
                size += n;
        }
        if (size > CONFIG_FILE_MAX) {
                parser_error(p, 0, "file larger than %d bytes", CONFIG_FILE_MAX);
                return -EFBIG;
        }
        *ret_data = data;
        data = NULL;
        *ret_size = size;
        return 0;
}

int config_load(const char *path, bool check_perms, size_t max_errors, struct config *ret, struct diag_list *diags) {
        struct parser p = {
                .config = ret,
                .diags = diags,
                .max_errors = max_errors,
                .section = SECTION_NONE,
        };
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        config_init_defaults(ret);
        ret->path = strdup(path ?: "");
        if (!ret->path || !config_defaults_complete(ret)) {
                diag_error(diags, NULL, "%s: out of memory", path ?: "");
                return -ENOMEM;
        }

        r = read_config_file(&p, check_perms, &data, &size);
        if (r < 0)
                return r;

        unsigned line = 0;
        for (size_t pos = 0; pos < size && !parser_full(&p);) {
                const char *nl = memchr(data + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - (data + pos)) : size - pos;
                parse_line(&p, ++line, data + pos, len);
                pos += len + 1;
        }
        if (!parser_full(&p))
                check_one_channel_per_service(&p);

        if (p.out_of_memory)
                return -ENOMEM;
        return p.n_errors > 0 ? -EINVAL : 0;
}

/* ---- queries -------------------------------------------------------- */

enum channel config_channel_of(const struct config *c, const char *service, bool *sso, bool *inline_service) {
        bool is_sso = false, is_inline = false;
        enum channel found = CHANNEL_INVALID;

        if (service) {
                for (enum channel ch = 0; ch < _CHANNEL_MAX && found == CHANNEL_INVALID; ch++) {
                        const struct channel_config *cc = &c->channel[ch];
                        is_sso = ch == CHANNEL_ADMIN && service_list_contains(&cc->sso_services, service);
                        is_inline = ch == CHANNEL_ENDUSER && service_list_contains(&cc->inline_services, service);
                        if (is_sso || is_inline || service_list_contains(&cc->services, service))
                                found = ch;
                }
        }
        if (found == CHANNEL_INVALID)
                is_sso = is_inline = false;
        if (sso)
                *sso = is_sso;
        if (inline_service)
                *inline_service = is_inline;
        return found;
}

const char *channel_to_string(enum channel c) {
        return c >= 0 && c < _CHANNEL_MAX ? channel_names[c] : NULL;
}

enum channel channel_from_string(const char *s) {
        for (enum channel c = 0; s && c < _CHANNEL_MAX; c++)
                if (strcmp(s, channel_names[c]) == 0)
                        return c;
        return CHANNEL_INVALID;
}

const char *action_to_string(enum action a) {
        return a >= 0 && a < _ACTION_MAX ? action_names[a] : NULL;
}

enum action action_from_string(const char *s) {
        for (enum action a = 0; s && a < _ACTION_MAX; a++)
                if (strcmp(s, action_names[a]) == 0)
                        return a;
        return ACTION_INVALID;
}

int config_alert_from(const struct config *c, char **ret) {
        if (c->alert.from) {
                *ret = strdup(c->alert.from);
                return *ret ? 0 : -ENOMEM;
        }
        char host[HOSTNAME_MAX + 1];
        hostname_or_localhost(host, sizeof host);
        return asprintf(ret, "no-reply@%s", host) < 0 ? -ENOMEM : 0;
}

int config_trusted_uids(const struct config *c, uid_t **ret, size_t *ret_n, struct diag_list *warnings) {
        const struct string_list *users = &c->alert.trusted_users;
        _cleanup_free_ uid_t *uids = calloc(users->n + 1, sizeof *uids);
        size_t n = 0;

        if (!uids)
                return -ENOMEM;
        for (size_t i = 0; i < users->n; i++) {
                struct passwd pw, *found = NULL;
                char buf[4096], where[PATH_MAX + 16];
                int r = getpwnam_r(users->items[i], &pw, buf, sizeof buf, &found);
                if (r != 0 || !found) {
                        if (warnings)
                                diag_add(warnings, key_where(c, c->alert.line.trusted_users, where),
                                         "trusted_users: unknown user \"%s\", ignored", users->items[i]);
                        continue;
                }
                uids[n++] = found->pw_uid;
        }
        *ret = uids;
        uids = NULL;
        *ret_n = n;
        return 0;
}
