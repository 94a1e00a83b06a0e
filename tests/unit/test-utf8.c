/* SPDX-License-Identifier: MIT */
/* common/utf8: strict decoding, the unsafe set, and the escape step the PAM
 * module, alertd's mails and logonaclctl's terminal output are built from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "utf8.h"

#define BYTES(s) (s), sizeof(s) - 1

static bool valid(const char *s, size_t len) {
        return utf8_is_valid((const unsigned char *) s, len);
}

/* utf8_decode on a char string; *cp is poisoned first so a refusal that writes
 * it shows. */
static size_t decode(const char *s, size_t len, uint32_t *cp) {
        *cp = 0xdeadbeef;
        return utf8_decode((const unsigned char *) s, len, cp);
}

static void assert_decodes(const char *s, size_t len, uint32_t want) {
        uint32_t cp;
        assert_int_equal(decode(s, len, &cp), len);
        assert_int_equal(cp, want);
}

static void assert_refused(const char *s, size_t len) {
        uint32_t cp;
        assert_int_equal(decode(s, len, &cp), 0);
        assert_int_equal(cp, 0xdeadbeef); /* untouched */
        assert_false(utf8_is_valid((const unsigned char *) s, len));
}

static void test_valid_sequences(void **state) {
        assert_decodes("\0", 1, 0);
        assert_decodes("A", 1, 'A');
        assert_decodes("\x7f", 1, 0x7f);
        assert_decodes("\xc2\x80", 2, 0x80);            /* smallest 2-byte */
        assert_decodes("\xc3\xa9", 2, 0xe9);            /* é */
        assert_decodes("\xdf\xbf", 2, 0x7ff);           /* largest 2-byte */
        assert_decodes("\xe0\xa0\x80", 3, 0x800);       /* smallest 3-byte */
        assert_decodes("\xed\x9f\xbf", 3, 0xd7ff);      /* just below the surrogates */
        assert_decodes("\xee\x80\x80", 3, 0xe000);      /* just above them */
        assert_decodes("\xef\xbf\xbf", 3, 0xffff);
        assert_decodes("\xf0\x90\x80\x80", 4, 0x10000); /* smallest 4-byte */
        assert_decodes("\xf0\x9f\x98\x80", 4, 0x1f600); /* 😀 */
        assert_decodes("\xf4\x8f\xbf\xbf", 4, 0x10ffff);

        /* Only the first sequence counts; what follows is not looked at. */
        uint32_t cp;
        assert_int_equal(decode("\xc3\xa9\xff", 3, &cp), 2);
        assert_int_equal(decode("ab", 2, &cp), 1);

        assert_true(valid(BYTES("")));
        assert_true(valid(BYTES("plain ASCII, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80")));
        assert_false(valid(BYTES("caf\xc3\xa9 \xc3")));
}

static void test_overlong(void **state) {
        assert_refused("\xc0\x80", 2);          /* NUL */
        assert_refused("\xc0\xaf", 2);          /* '/' */
        assert_refused("\xc1\xbf", 2);          /* 0x7f */
        assert_refused("\xe0\x80\x80", 3);
        assert_refused("\xe0\x9f\xbf", 3);      /* 0x7ff */
        assert_refused("\xf0\x80\x80\x80", 4);
        assert_refused("\xf0\x8f\xbf\xbf", 4);  /* 0xffff */
}

static void test_surrogates(void **state) {
        assert_refused("\xed\xa0\x80", 3);      /* U+D800 */
        assert_refused("\xed\xad\xbf", 3);      /* U+DB7F */
        assert_refused("\xed\xb0\x80", 3);      /* U+DC00 */
        assert_refused("\xed\xbf\xbf", 3);      /* U+DFFF */
        /* A CESU-8 pair is two surrogates, not one character. */
        assert_refused("\xed\xa0\xbd\xed\xb8\x80", 6);
}

static void test_past_max(void **state) {
        assert_refused("\xf4\x90\x80\x80", 4);  /* U+110000 */
        assert_refused("\xf4\xbf\xbf\xbf", 4);
        assert_refused("\xf5\x80\x80\x80", 4);
        assert_refused("\xf7\xbf\xbf\xbf", 4);
        assert_refused("\xf8\x88\x80\x80\x80", 5); /* old 5-byte form */
        assert_refused("\xfc\x84\x80\x80\x80\x80", 6);
        assert_refused("\xfe", 1);
        assert_refused("\xff", 1);
}

static void test_truncated_and_stray(void **state) {
        assert_refused("\xc3", 1);
        assert_refused("\xe2\x82", 2);
        assert_refused("\xf0\x9f\x98", 3);
        /* Complete in memory but cut by left. */
        uint32_t cp;
        assert_int_equal(decode("\xe2\x82\xac", 2, &cp), 0);
        assert_int_equal(decode("A", 0, &cp), 0);
        /* A lead byte followed by something other than a continuation byte. */
        assert_refused("\xc3" "A", 2);
        assert_refused("\xe2\x82" "A", 3);
        assert_refused("\xe2\xc3\xa9", 3);
        assert_refused("\xf0\x9f\x98" "A", 4);
        /* Stray continuation bytes. */
        assert_refused("\x80", 1);
        assert_refused("\xbf", 1);
        assert_refused("\x80\x80", 2);
}

static void test_unsafe_set(void **state) {
        static const uint32_t unsafe[] = { 0x00, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f,
                                           0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
                                           0x2066, 0x2067, 0x2068, 0x2069, 0xfeff,
                                           /* invisible: would make "root\u200b" look like "root" */
                                           0x00ad, 0x034f, 0x061c, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180b, 0x180e,
                                           0x180f, 0x200b, 0x200c, 0x200d, 0x2060, 0x2064, 0x2065, 0x206a, 0x206f,
                                           0x3164, 0xfe00, 0xfe0f, 0xffa0, 0xfff0, 0xfff8, 0x1bca0, 0x1bca3,
                                           0x1d173, 0x1d17a, 0xe0000, 0xe0001, 0xe007f, 0xe0100, 0xe0fff };
        static const uint32_t safe[] = { 0x20, 'A', '~', '\\', '"', 0xa0, 0xac, 0xae, 0xe9, 0x034e, 0x0350,
                                         0x061b, 0x061d, 0x115e, 0x1161, 0x17b3, 0x17b6, 0x180a, 0x1810, 0x200a,
                                         0x2010, 0x2027, 0x202f, 0x205f, 0x2070, 0x3163, 0x3165, 0xfdff, 0xfe10,
                                         0xfefe, 0xff00, 0xff9f, 0xffa1, 0xffef, 0xfff9, 0xfffd, 0x1bc9f, 0x1bca4,
                                         0x1d172, 0x1d17b, 0x1f600, 0xdffff, 0xe1000, 0x10ffff };

        for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
                assert_true(unichar_unsafe(unsafe[i]));
        for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
                assert_false(unichar_unsafe(safe[i]));
        /* Every C0 and C1 control. */
        for (uint32_t cp = 0; cp < 0x20; cp++)
                assert_true(unichar_unsafe(cp));
        for (uint32_t cp = 0x7f; cp <= 0x9f; cp++)
                assert_true(unichar_unsafe(cp));
        for (uint32_t cp = 0x20; cp < 0x7f; cp++)
                assert_false(unichar_unsafe(cp));
}

/* Runs escape_next over all of s the way the callers do and returns the text,
 * with the pieces separated by '|' so each step is visible. */
static const char *escape_all(const char *s, size_t len, const char *backslashed) {
        static char out[1024];
        size_t o = 0;

        for (size_t i = 0; i < len;) {
                char piece[UTF8_PIECE_MAX];
                size_t consumed = 0, piece_len;

                memset(piece, 'X', sizeof piece);
                piece_len = escape_next((const unsigned char *) s + i, len - i, backslashed, piece, &consumed);
                assert_in_range(consumed, 1, 4);
                assert_in_range(piece_len, 1, 4);
                assert_int_equal(strlen(piece), piece_len);
                if (o > 0)
                        out[o++] = '|';
                memcpy(out + o, piece, piece_len);
                o += piece_len;
                i += consumed;
        }
        out[o] = 0;
        return out;
}

static void test_escape_step(void **state) {
        assert_string_equal(escape_all(BYTES("ab"), "\\"), "a|b");
        /* Backslashed characters are the caller's choice. */
        assert_string_equal(escape_all(BYTES("a\\\"b"), "\\"), "a|\\\\|\"|b");
        assert_string_equal(escape_all(BYTES("a\\\"b"), "\\\""), "a|\\\\|\\\"|b");
        assert_string_equal(escape_all(BYTES("a\\"), ""), "a|\\");
        assert_string_equal(escape_all(BYTES("a\\"), NULL), "a|\\");
        /* NUL is not taken as "listed" through the terminator of backslashed. */
        assert_string_equal(escape_all("a\0b", 3, "\\"), "a|\\x00|b");
        /* C0 controls and DEL as \xNN: no line break, no terminal escape. */
        assert_string_equal(escape_all(BYTES("x\r\ny\x1b[2J\x7f\t"), "\\"),
                            "x|\\x0d|\\x0a|y|\\x1b|[|2|J|\\x7f|\\x09");
        /* Well-formed, safe UTF-8 in one piece. */
        assert_string_equal(escape_all(BYTES("caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80"), "\\"),
                            "c|a|f|\xc3\xa9| |\xe2\x82\xac|\xf0\x9f\x98\x80");
        assert_string_equal(escape_all(BYTES("\xe2\x80\x8e"), "\\"), "\\xe2|\\x80|\\x8e");        /* LRM */
        /* Unsafe characters: every byte shown, one step per byte. */
        assert_string_equal(escape_all(BYTES("\xc2\x85"), "\\"), "\\xc2|\\x85");                  /* NEL */
        assert_string_equal(escape_all(BYTES("\xe2\x80\xa8"), "\\"), "\\xe2|\\x80|\\xa8");        /* U+2028 */
        assert_string_equal(escape_all(BYTES("\xe2\x80\xae" "abc"), "\\"), "\\xe2|\\x80|\\xae|a|b|c"); /* RLO */
        assert_string_equal(escape_all(BYTES("\xe2\x81\xa6"), "\\"), "\\xe2|\\x81|\\xa6");        /* LRI */
        assert_string_equal(escape_all(BYTES("\xef\xbb\xbf"), "\\"), "\\xef|\\xbb|\\xbf");        /* BOM */
        /* Broken UTF-8: the bad byte escaped, what follows decoded afresh. */
        assert_string_equal(escape_all(BYTES("\xc3" "A"), "\\"), "\\xc3|A");
        assert_string_equal(escape_all(BYTES("\xe2\x82"), "\\"), "\\xe2|\\x82");
        assert_string_equal(escape_all(BYTES("\xc0\xaf"), "\\"), "\\xc0|\\xaf");
        assert_string_equal(escape_all(BYTES("\xed\xa0\x80"), "\\"), "\\xed|\\xa0|\\x80");
        assert_string_equal(escape_all(BYTES("\xf4\x90\x80\x80"), "\\"), "\\xf4|\\x90|\\x80|\\x80");
        assert_string_equal(escape_all(BYTES("\x80\xc3\xa9\xff"), "\\"), "\\x80|\xc3\xa9|\\xff");
        /* A character cut by left comes out byte by byte. */
        assert_string_equal(escape_all("\xe2\x82\xac", 2, "\\"), "\\xe2|\\x82");
}

static void test_escape_to_buffer(void **state) {
        char out[16];

        assert_int_equal(escape_to_buffer(out, sizeof out, "a\"b\n\xc3\xa9", 6, "\\\""), 10);
        assert_string_equal(out, "a\\\"b\\x0a\xc3\xa9");
        /* 12 characters of room: the rest becomes "..." */
        assert_int_equal(escape_to_buffer(out, sizeof out, "0123456789abcdef", 16, NULL), 15);
        assert_string_equal(out, "0123456789ab...");
        assert_int_equal(escape_to_buffer(out, 3, "abc", 3, NULL), 0);
        assert_string_equal(out, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_sequences),
                cmocka_unit_test(test_overlong),
                cmocka_unit_test(test_surrogates),
                cmocka_unit_test(test_past_max),
                cmocka_unit_test(test_truncated_and_stray),
                cmocka_unit_test(test_unsafe_set),
                cmocka_unit_test(test_escape_step),
                cmocka_unit_test(test_escape_to_buffer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
