/* SPDX-License-Identifier: MIT */
/* ip_block_parse, the global-only rule and the canonical text, case by case:
 * every invalid class of SPEC §1 with its exact reason. */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"

struct valid_case {
        const char *text;
        const char *canonical;
        const char *first, *last;       /* addresses, canonical text */
};

static const struct valid_case valid_cases[] = {
        { "203.0.113.7", "203.0.113.7", "203.0.113.7", "203.0.113.7" },
        { "203.0.113.0/24", "203.0.113.0/24", "203.0.113.0", "203.0.113.255" },
        { "198.51.100.0/25", "198.51.100.0/25", "198.51.100.0", "198.51.100.127" },
        { "198.51.100.128/25", "198.51.100.128/25", "198.51.100.128", "198.51.100.255" },
        { "192.0.2.1/32", "192.0.2.1", "192.0.2.1", "192.0.2.1" },
        { "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0", "255.255.255.255" },
        { "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0" },
        { "255.255.255.255", "255.255.255.255", "255.255.255.255", "255.255.255.255" },
        { "128.0.0.0/1", "128.0.0.0/1", "128.0.0.0", "255.255.255.255" },
        { "8.8.8.0/24", "8.8.8.0/24", "8.8.8.0", "8.8.8.255" },
        { "1.0.0.0/8", "1.0.0.0/8", "1.0.0.0", "1.255.255.255" },
        { "10.0.0.0/8", "10.0.0.0/8", "10.0.0.0", "10.255.255.255" },
        { "100.64.0.0/10", "100.64.0.0/10", "100.64.0.0", "100.127.255.255" },
        { "203.0.113.6/31", "203.0.113.6/31", "203.0.113.6", "203.0.113.7" },
        { "203.0.113.4/30", "203.0.113.4/30", "203.0.113.4", "203.0.113.7" },
        { "9.9.9.9", "9.9.9.9", "9.9.9.9", "9.9.9.9" },
        { "1.2.3.4", "1.2.3.4", "1.2.3.4", "1.2.3.4" },
        { "100.0.0.0/16", "100.0.0.0/16", "100.0.0.0", "100.0.255.255" },
        { "2001:db8::1", "2001:db8::1", "2001:db8::1", "2001:db8::1" },
        { "2001:db8::/32", "2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "2001:db8:5::/48", "2001:db8:5::/48", "2001:db8:5::", "2001:db8:5:ffff:ffff:ffff:ffff:ffff" },
        { "2001:DB8::1", "2001:db8::1", "2001:db8::1", "2001:db8::1" },
        { "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "2001:db8::1", "2001:db8::1" },
        { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "2001:db8::1:0:0:1", "2001:db8::1:0:0:1" },
        { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
        { "2001:db8::1:0:0:0:1", "2001:db8:0:1::1", "2001:db8:0:1::1", "2001:db8:0:1::1" },
        { "::", "::", "::", "::" },
        { "::/0", "::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "::1", "::1", "::1", "::1" },
        { "1::", "1::", "1::", "1::" },
        { "2001:db8::/128", "2001:db8::", "2001:db8::", "2001:db8::" },
        { "2000::/3", "2000::/3", "2000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "2001:db8::/127", "2001:db8::/127", "2001:db8::", "2001:db8::1" },
        { "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6" },
        { "2001:db8:1:2:3:4:5::", "2001:db8:1:2:3:4:5:0", "2001:db8:1:2:3:4:5:0", "2001:db8:1:2:3:4:5:0" },
        { "::2001:db8:1:2:3:4:5", "0:2001:db8:1:2:3:4:5", "0:2001:db8:1:2:3:4:5", "0:2001:db8:1:2:3:4:5" },
        { "2001:db8::1.2.3.4", "2001:db8::102:304", "2001:db8::102:304", "2001:db8::102:304" },
        { "2001:db8:1:2:3:4:203.0.113.5", "2001:db8:1:2:3:4:cb00:7105", "2001:db8:1:2:3:4:cb00:7105", "2001:db8:1:2:3:4:cb00:7105" },
        { "::ffff:203.0.113.5", "::ffff:203.0.113.5", "::ffff:203.0.113.5", "::ffff:203.0.113.5" },
        { "::ffff:cb00:7105", "::ffff:203.0.113.5", "::ffff:203.0.113.5", "::ffff:203.0.113.5" },
        { "fe80::1", "fe80::1", "fe80::1", "fe80::1" },
        { "2001:db8:0:0:1::", "2001:db8:0:0:1::", "2001:db8:0:0:1::", "2001:db8:0:0:1::" },
        { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1", "2001:0:0:1::1", "2001:0:0:1::1" },
        { "2001:db8:a:b:c:d:e:f/64", NULL, NULL, NULL },
        { "2001:db8:abcd:ef01::/64", "2001:db8:abcd:ef01::/64", "2001:db8:abcd:ef01::", "2001:db8:abcd:ef01:ffff:ffff:ffff:ffff" },
        { "2001:db8::8000:0/97", "2001:db8::8000:0/97", "2001:db8::8000:0", "2001:db8::ffff:ffff" },
        { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "2001:db8::0:1", "2001:db8::1", "2001:db8::1", "2001:db8::1" },
        { "2001:db8:0:0:0:0:2:1", "2001:db8::2:1", "2001:db8::2:1", "2001:db8::2:1" },
};

/* Invalid entries and their exact reasons (ip_block_parse, no global rule). */
static const struct { const char *text; const char *reason; } invalid_cases[] = {
        /* host bits */
        { "203.0.113.5/24", "203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)" },
        { "203.0.113.1/31", "203.0.113.1/31: host bits are set below /31 (did you mean 203.0.113.0/31?)" },
        { "198.51.100.200/25", "198.51.100.200/25: host bits are set below /25 (did you mean 198.51.100.128/25?)" },
        { "1.1.1.1/0", "1.1.1.1/0: host bits are set below /0 (did you mean 0.0.0.0/0?)" },
        { "2001:db8::1/32", "2001:db8::1/32: host bits are set below /32 (did you mean 2001:db8::/32?)" },
        { "2001:db8:5:1::/48", "2001:db8:5:1::/48: host bits are set below /48 (did you mean 2001:db8:5::/48?)" },
        { "2001:db8::1/127", "2001:db8::1/127: host bits are set below /127 (did you mean 2001:db8::/127?)" },
        { "::1/0", "::1/0: host bits are set below /0 (did you mean ::/0?)" },
        { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/64", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/64: host bits are set below /64 (did you mean 2001:db8:ffff:ffff::/64?)" },
        /* leading zeros, range */
        { "203.0.113.07", "203.0.113.07: octet \"07\" has a leading zero" },
        { "010.0.0.1", "010.0.0.1: octet \"010\" has a leading zero" },
        { "203.00.113.7", "203.00.113.7: octet \"00\" has a leading zero" },
        { "0203.0.113.7", "0203.0.113.7: octet \"0203\" has a leading zero" },
        { "203.0.113.256", "203.0.113.256: octet 256 is out of range (0-255)" },
        { "256.0.0.0", "256.0.0.0: octet 256 is out of range (0-255)" },
        { "203.0.113.999", "203.0.113.999: octet 999 is out of range (0-255)" },
        { "203.0.113.1000", "203.0.113.1000: octet 1000 is out of range (0-255)" },
        { "203.0.113.99999999999", "203.0.113.99999999999: an octet is out of range (0-255)" },
        { "4294967295", "4294967295: an octet is out of range (0-255)" },
        /* octet counts */
        { "203.0.113", "203.0.113: has 3 octets, an IPv4 address has 4" },
        { "203.0", "203.0: has 2 octets, an IPv4 address has 4" },
        { "203", "203: has 1 octet, an IPv4 address has 4" },
        { "203/8", "203/8: has 1 octet, an IPv4 address has 4" },
        { "203.0.113.7.1", "203.0.113.7.1: has more than 4 octets" },
        { "1.2.3.4.5.6", "1.2.3.4.5.6: has more than 4 octets" },
        { "203.0..7", "203.0..7: has an empty octet" },
        { "203.0.113.", "203.0.113.: has an empty octet" },
        { "203..113.7", "203..113.7: has an empty octet" },
        { ".203.0.113.7", ".203.0.113.7: not an IPv4 or IPv6 address" },
        { "203.0.113.7.", "203.0.113.7.: trailing garbage after the address" },
        /* trailing garbage, odd characters */
        { "203.0.113.7x", "203.0.113.7x: trailing garbage after the address" },
        { "203.0.113.7,", "203.0.113.7,: trailing garbage after the address" },
        { "203.0.113.7;1.2.3.4", "203.0.113.7;1.2.3.4: trailing garbage after the address" },
        { "203.0.x.7", "203.0.x.7: unexpected character 'x'" },
        { "203.0.113.0x7", "203.0.113.0x7: trailing garbage after the address" },
        { "0x7f.0.0.1", "0x7f.0.0.1: unexpected character 'x'" },
        { "203.0.113-7", "203.0.113-7: unexpected character '-'" },
        { "203.0.113.7-203.0.113.9", "203.0.113.7-203.0.113.9: trailing garbage after the address" },
        { "-1.0.0.0", "-1.0.0.0: not an IPv4 or IPv6 address" },
        { "+1.0.0.0", "+1.0.0.0: not an IPv4 or IPv6 address" },
        { "localhost", "localhost: not an IPv4 or IPv6 address" },
        { "example.com", "example.com: not an IPv4 or IPv6 address" },
        { "x", "x: not an IPv4 or IPv6 address" },
        { "*", "*: not an IPv4 or IPv6 address" },
        { "203.0.113.*", "203.0.113.*: unexpected character '*'" },
        { "/24", "/24: no address before '/'" },
        { "\"203.0.113.7\"", "\"203.0.113.7\": not an IPv4 or IPv6 address" },
        { "[2001:db8::1]", "[2001:db8::1]: unexpected character '['" },
        { "\\", "\\\\: not an IPv4 or IPv6 address" },
        /* prefixes */
        { "203.0.113.0/33", "203.0.113.0/33: prefix /33 is out of range (0-32)" },
        { "203.0.113.0/99", "203.0.113.0/99: prefix /99 is out of range (0-32)" },
        { "203.0.113.0/024", "203.0.113.0/024: prefix /024 has a leading zero" },
        { "203.0.113.0/00", "203.0.113.0/00: prefix /00 has a leading zero" },
        { "203.0.113.7/032", "203.0.113.7/032: prefix /032 has a leading zero" },
        { "203.0.113.0/", "203.0.113.0/: the prefix after '/' is empty" },
        { "203.0.113.0/+24", "203.0.113.0/+24: the prefix after '/' is not a decimal number" },
        { "203.0.113.0/-1", "203.0.113.0/-1: the prefix after '/' is not a decimal number" },
        { "203.0.113.0/24x", "203.0.113.0/24x: the prefix after '/' is not a decimal number" },
        { "203.0.113.0/24/24", "203.0.113.0/24/24: the prefix after '/' is not a decimal number" },
        { "203.0.113.0/0x18", "203.0.113.0/0x18: the prefix after '/' is not a decimal number" },
        { "203.0.113.0/255.255.255.0", "203.0.113.0/255.255.255.0: the prefix after '/' is not a decimal number" },
        { "203.0.113.0/1000", "203.0.113.0/1000: prefix is out of range (0-32)" },
        { "203.0.113.0/4294967320", "203.0.113.0/4294967320: prefix is out of range (0-32)" },
        { "2001:db8::/129", "2001:db8::/129: prefix /129 is out of range (0-128)" },
        { "2001:db8::/200", "2001:db8::/200: prefix /200 is out of range (0-128)" },
        { "2001:db8::/032", "2001:db8::/032: prefix /032 has a leading zero" },
        { "2001:db8::/", "2001:db8::/: the prefix after '/' is empty" },
        { "2001:db8::/ 32", "2001:db8::/ 32: contains a space, control or non-ASCII byte" },
        /* IPv6 grammar */
        { "2001:db8::1::", "2001:db8::1::: \"::\" appears more than once" },
        { "2001::db8::1", "2001::db8::1: \"::\" appears more than once" },
        { "2001:db8:::1", "2001:db8:::1: has an empty IPv6 group" },
        { ":::", ":::: has an empty IPv6 group" },
        { ":2001:db8::1", ":2001:db8::1: starts with a single ':'" },
        { "2001:db8::1:", "2001:db8::1:: ends with a single ':'" },
        { "2001:db8:1:2:3:4:5:", "2001:db8:1:2:3:4:5:: ends with a single ':'" },
        { "2001:db8:1:2:3:4:5", "2001:db8:1:2:3:4:5: has 7 IPv6 groups, expected 8 (or \"::\")" },
        { "2001:db8", "2001:db8: has 2 IPv6 groups, expected 8 (or \"::\")" },
        { "2001:db8:1:2:3:4:5:6:7", "2001:db8:1:2:3:4:5:6:7: has more than 8 IPv6 groups" },
        { "2001:db8:1:2:3:4:5::6", "2001:db8:1:2:3:4:5::6: \"::\" stands for no group in a full address" },
        { "2001:db8::1:2:3:4:5:6", "2001:db8::1:2:3:4:5:6: \"::\" stands for no group in a full address" },
        { "12345::", "12345::: an IPv6 group has more than 4 hex digits" },
        { "2001:0db80::", "2001:0db80::: an IPv6 group has more than 4 hex digits" },
        { "2001:db8::g", "2001:db8::g: unexpected character 'g'" },
        { "2001:db8::1g", "2001:db8::1g: unexpected character 'g'" },
        { "2001:db8::1%eth0", "2001:db8::1%eth0: a zone ('%') is not allowed here" },
        { "fe80::%eth0", "fe80::%eth0: a zone ('%') is not allowed here" },
        { "2001:db8::-1", "2001:db8::-1: unexpected character '-'" },
        { "2001:db8::1.2.3", "2001:db8::1.2.3: has 3 octets, an IPv4 address has 4" },
        { "2001:db8::1.2.3.256", "2001:db8::1.2.3.256: octet 256 is out of range (0-255)" },
        { "2001:db8::01.2.3.4", "2001:db8::01.2.3.4: octet \"01\" has a leading zero" },
        { "2001:db8::1.2.3.4:1", "2001:db8::1.2.3.4:1: trailing garbage after the address" },
        { "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4: too many groups before the embedded IPv4 address" },
        { "::ffff:a.b.c.d", "::ffff:a.b.c.d: unexpected character 'a'" },
        { "2001:db8::1 ", "2001:db8::1 : contains a space, control or non-ASCII byte" },
        /* non-ASCII, control bytes, empty */
        { "", "\"\": empty entry" },
        { " ", " : contains a space, control or non-ASCII byte" },
        { "203.0.113.7\t", "203.0.113.7\\x09: contains a space, control or non-ASCII byte" },
        { "203.0.113.7\n", "203.0.113.7\\x0a: contains a space, control or non-ASCII byte" },
        { "203.0.113.7\r", "203.0.113.7\\x0d: contains a space, control or non-ASCII byte" },
        { "203.0.113.7\x7f", "203.0.113.7\\x7f: contains a space, control or non-ASCII byte" },
        { "203.0.113.7\x1b[31m", "203.0.113.7\\x1b[31m: contains a space, control or non-ASCII byte" },
        { "２０３.0.113.7", "\\xef\\xbc\\x92\\xef\\xbc\\x90\\xef\\xbc\\x93.0.113.7: contains a space, control or non-ASCII byte" },
        { "203.0.113.7\xc2\xa0", "203.0.113.7\\xc2\\xa0: contains a space, control or non-ASCII byte" },
        { "\xff\xfe", "\\xff\\xfe: contains a space, control or non-ASCII byte" },
        { "203.0.113.0 /24", "203.0.113.0 /24: contains a space, control or non-ASCII byte" },
        /* capped: the entry is shown up to 56 bytes, then "..." */
        { "203.0.113.7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "203.0.113.7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: trailing garbage after the address" },
        { "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
          "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01...: contains a space, control or non-ASCII byte" },
};

/* Entries valid as text but not global, and their reasons (ip_block_check_global_as). */
static const struct { const char *text; const char *reason; } non_global_cases[] = {
        { "0.0.0.0", "0.0.0.0: lies in 0.0.0.0/8 (this network); only global addresses may be approved" },
        { "0.255.255.255", "0.255.255.255: lies in 0.0.0.0/8 (this network); only global addresses may be approved" },
        { "10.0.0.1", "10.0.0.1: lies in 10.0.0.0/8 (private-use); only global addresses may be approved" },
        { "10.0.0.0/8", "10.0.0.0/8: lies in 10.0.0.0/8 (private-use); only global addresses may be approved" },
        { "10.255.255.255", "10.255.255.255: lies in 10.0.0.0/8 (private-use); only global addresses may be approved" },
        { "100.64.0.0", "100.64.0.0: lies in 100.64.0.0/10 (shared address space); only global addresses may be approved" },
        { "100.127.255.255", "100.127.255.255: lies in 100.64.0.0/10 (shared address space); only global addresses may be approved" },
        { "127.0.0.1", "127.0.0.1: lies in 127.0.0.0/8 (loopback); only global addresses may be approved" },
        { "169.254.1.1", "169.254.1.1: lies in 169.254.0.0/16 (link-local); only global addresses may be approved" },
        { "172.16.0.1", "172.16.0.1: lies in 172.16.0.0/12 (private-use); only global addresses may be approved" },
        { "172.31.255.255", "172.31.255.255: lies in 172.16.0.0/12 (private-use); only global addresses may be approved" },
        { "192.0.0.1", "192.0.0.1: lies in 192.0.0.0/24 (IETF protocol assignments); only global addresses may be approved" },
        { "192.168.1.0/24", "192.168.1.0/24: lies in 192.168.0.0/16 (private-use); only global addresses may be approved" },
        { "198.18.0.1", "198.18.0.1: lies in 198.18.0.0/15 (benchmarking); only global addresses may be approved" },
        { "198.19.255.255", "198.19.255.255: lies in 198.18.0.0/15 (benchmarking); only global addresses may be approved" },
        { "224.0.0.1", "224.0.0.1: lies in 224.0.0.0/4 (multicast); only global addresses may be approved" },
        { "239.255.255.255", "239.255.255.255: lies in 224.0.0.0/4 (multicast); only global addresses may be approved" },
        { "240.0.0.1", "240.0.0.1: lies in 240.0.0.0/4 (reserved); only global addresses may be approved" },
        { "255.255.255.255", "255.255.255.255: lies in 240.0.0.0/4 (reserved); only global addresses may be approved" },
        { "0.0.0.0/0", "0.0.0.0/0: overlaps 0.0.0.0/8 (this network); only global addresses may be approved" },
        { "8.0.0.0/6", "8.0.0.0/6: overlaps 10.0.0.0/8 (private-use); only global addresses may be approved" },
        { "100.0.0.0/8", "100.0.0.0/8: overlaps 100.64.0.0/10 (shared address space); only global addresses may be approved" },
        { "172.0.0.0/8", "172.0.0.0/8: overlaps 172.16.0.0/12 (private-use); only global addresses may be approved" },
        { "192.0.0.0/16", "192.0.0.0/16: overlaps 192.0.0.0/24 (IETF protocol assignments); only global addresses may be approved" },
        { "198.16.0.0/12", "198.16.0.0/12: overlaps 198.18.0.0/15 (benchmarking); only global addresses may be approved" },
        { "192.0.0.0/23", "192.0.0.0/23: overlaps 192.0.0.0/24 (IETF protocol assignments); only global addresses may be approved" },
        { "128.0.0.0/1", "128.0.0.0/1: overlaps 169.254.0.0/16 (link-local); only global addresses may be approved" },
        { "::1", "::1: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "::", "::: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "fe80::1", "fe80::1: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "fc00::/7", "fc00::/7: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "fd12:3456::1", "fd12:3456::1: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "ff02::1", "ff02::1: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "::ffff:203.0.113.5", "::ffff:203.0.113.5: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "4000::", "4000::: lies outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "::/0", "::/0: reaches outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "::/2", "::/2: reaches outside 2000::/3 (global unicast); only global addresses may be approved" },
        { "0.0.0.0/1", "0.0.0.0/1: overlaps 0.0.0.0/8 (this network); only global addresses may be approved" },
};

/* Global, and so accepted: documentation blocks and ordinary unicast. */
static const char *const global_cases[] = {
        "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "203.0.113.7", "192.0.2.255",
        "2001:db8::/32", "2001:db8:5::/48", "2001:db8::1", "2000::/3", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "1.0.0.0/8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
        "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "191.255.255.255", "192.0.1.0/24",
        "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255", "8.8.8.0/24",
        "64.0.0.0/3", "2001:db8::/64",
};

static void test_valid(void **state) {
        for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
                const struct valid_case *c = &valid_cases[i];
                struct ip_block b;
                char reason[REASON_MAX] = "";
                char buf[IP_BLOCK_TEXT_MAX];

                int r = ip_block_parse(c->text, strlen(c->text), &b, reason);
                if (!c->canonical) {
                        /* host bits set: listed here to keep the table honest */
                        assert_int_equal(r, -EINVAL);
                        continue;
                }
                if (r != 0)
                        print_error("%s: %s\n", c->text, reason);
                assert_int_equal(r, 0);
                ip_block_format(&b, buf);
                assert_string_equal(buf, c->canonical);
                addr_format(b.first, b.family, buf);
                assert_string_equal(buf, c->first);
                addr_format(b.last, b.family, buf);
                assert_string_equal(buf, c->last);
                assert_int_equal(b.family, strchr(c->text, ':') ? 6 : 4);

                /* the canonical text parses back to the same block */
                struct ip_block again;
                ip_block_format(&b, buf);
                assert_int_equal(ip_block_parse(buf, strlen(buf), &again, reason), 0);
                assert_true(addr128_cmp(again.first, b.first) == 0 && addr128_cmp(again.last, b.last) == 0);
                assert_int_equal(again.prefix, b.prefix);
        }
}

static void test_invalid(void **state) {
        for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
                char reason[REASON_MAX] = "";
                struct ip_block b;
                int r = ip_block_parse(invalid_cases[i].text, strlen(invalid_cases[i].text), &b, reason);
                if (r != -EINVAL || strcmp(reason, invalid_cases[i].reason) != 0)
                        print_error("case %zu: \"%s\" -> %d \"%s\"\n", i, invalid_cases[i].text, r, reason);
                assert_int_equal(r, -EINVAL);
                assert_string_equal(reason, invalid_cases[i].reason);
                /* addr_parse is at least as strict */
                addr128 a;
                int family;
                if (!strchr(invalid_cases[i].text, '/'))
                        assert_int_equal(addr_parse(invalid_cases[i].text, strlen(invalid_cases[i].text), &a, &family), -EINVAL);
        }
}

static void test_not_nul_terminated(void **state) {
        /* The length is what counts: "203.0.113.7" followed by junk that is not passed. */
        const char text[] = "203.0.113.7garbage";
        struct ip_block b;
        char reason[REASON_MAX];
        assert_int_equal(ip_block_parse(text, 11, &b, reason), 0);
        assert_int_equal(ip_block_parse(text, 12, &b, reason), -EINVAL);
        assert_string_equal(reason, "203.0.113.7g: trailing garbage after the address");
        /* an embedded NUL is a control byte */
        assert_int_equal(ip_block_parse("203.0.113.7\0", 12, &b, reason), -EINVAL);
        assert_string_equal(reason, "203.0.113.7\\x00: contains a space, control or non-ASCII byte");
        assert_int_equal(ip_block_parse(NULL, 0, &b, reason), -EINVAL);
        assert_string_equal(reason, "\"\": empty entry");
}

static void test_non_global(void **state) {
        for (size_t i = 0; i < sizeof non_global_cases / sizeof non_global_cases[0]; i++) {
                const char *text = non_global_cases[i].text;
                char reason[REASON_MAX] = "";
                struct ip_block b;
                assert_int_equal(ip_block_parse(text, strlen(text), &b, reason), 0);
                int r = ip_block_check_global_as(&b, text, strlen(text), reason);
                if (r != -EINVAL || strcmp(reason, non_global_cases[i].reason) != 0)
                        print_error("case %zu: \"%s\" -> %d \"%s\"\n", i, text, r, reason);
                assert_int_equal(r, -EINVAL);
                assert_string_equal(reason, non_global_cases[i].reason);
        }
        /* the canonical form when no text is given */
        struct ip_block b;
        char reason[REASON_MAX];
        assert_int_equal(ip_block_parse("2001:0db8::ffff:10.0.0.1", 24, &b, reason), 0);
        assert_int_equal(ip_block_check_global(&b, reason), 0);
        assert_int_equal(ip_block_parse("10.000", 6, &b, reason), -EINVAL);
        assert_int_equal(ip_block_parse("FE80::1", 7, &b, reason), 0);
        assert_int_equal(ip_block_check_global(&b, reason), -EINVAL);
        assert_string_equal(reason, "fe80::1: lies outside 2000::/3 (global unicast); only global addresses may be approved");
}

static void test_global(void **state) {
        for (size_t i = 0; i < sizeof global_cases / sizeof global_cases[0]; i++) {
                char reason[REASON_MAX] = "";
                struct ip_block b;
                assert_int_equal(ip_block_parse(global_cases[i], strlen(global_cases[i]), &b, reason), 0);
                int r = ip_block_check_global(&b, reason);
                if (r != 0)
                        print_error("%s: %s\n", global_cases[i], reason);
                assert_int_equal(r, 0);
        }
}

static void test_addr_parse(void **state) {
        addr128 a;
        int family;
        char buf[IP_BLOCK_TEXT_MAX];

        assert_int_equal(addr_parse("203.0.113.7", 11, &a, &family), 0);
        assert_int_equal(family, 4);
        assert_true(a.hi == 0 && a.lo == UINT64_C(0x0000ffffcb007107));
        assert_int_equal(addr_parse("2001:db8::7", 11, &a, &family), 0);
        assert_int_equal(family, 6);
        assert_true(a.hi == UINT64_C(0x20010db800000000) && a.lo == 7);
        addr_format(a, 6, buf);
        assert_string_equal(buf, "2001:db8::7");
        assert_int_equal(addr_parse("203.0.113.0/24", 14, &a, &family), -EINVAL);
        assert_int_equal(addr_parse("", 0, &a, &family), -EINVAL);
        assert_int_equal(addr_parse("2001:db8::7%1", 13, &a, &family), -EINVAL);
}

/* Random addresses: our parser and format against inet_pton on the same text,
 * in several spellings (full, canonical, upper case). */
static void test_against_inet_pton(void **state) {
        unsigned seed = 20261125;
        print_message("seed %u\n", seed);
        srandom(seed);
        for (int n = 0; n < 20000; n++) {
                unsigned char raw[16];
                for (int k = 0; k < 16; k++)
                        raw[k] = (random() % 3 == 0) ? 0 : (unsigned char) random();
                addr128 a = { 0, 0 };
                for (int k = 0; k < 8; k++) {
                        a.hi = a.hi << 8 | raw[k];
                        a.lo = a.lo << 8 | raw[k + 8];
                }
                char canonical[IP_BLOCK_TEXT_MAX], full[64];
                addr_format(a, 6, canonical);
                snprintf(full, sizeof full, "%X:%X:%X:%X:%X:%X:%X:%X",
                         raw[0] << 8 | raw[1], raw[2] << 8 | raw[3], raw[4] << 8 | raw[5], raw[6] << 8 | raw[7],
                         raw[8] << 8 | raw[9], raw[10] << 8 | raw[11], raw[12] << 8 | raw[13], raw[14] << 8 | raw[15]);
                const char *spellings[] = { canonical, full };
                for (int s = 0; s < 2; s++) {
                        unsigned char ref[16];
                        addr128 got;
                        int family;
                        assert_int_equal(inet_pton(AF_INET6, spellings[s], ref), 1);
                        assert_memory_equal(ref, raw, 16);
                        assert_int_equal(addr_parse(spellings[s], strlen(spellings[s]), &got, &family), 0);
                        assert_true(addr128_cmp(got, a) == 0);
                }
                /* glibc agrees on the canonical text except for IPv4-compatible forms */
                char ntop[INET6_ADDRSTRLEN];
                inet_ntop(AF_INET6, raw, ntop, sizeof ntop);
                if (a.hi != 0)
                        assert_string_equal(ntop, canonical);

                uint32_t v4 = (uint32_t) random();
                char dotted[16];
                snprintf(dotted, sizeof dotted, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255, v4 & 255);
                struct in_addr ref4;
                assert_int_equal(inet_pton(AF_INET, dotted, &ref4), 1);
                addr128 got;
                int family;
                assert_int_equal(addr_parse(dotted, strlen(dotted), &got, &family), 0);
                assert_int_equal(family, 4);
                assert_true(got.hi == 0 && got.lo == (UINT64_C(0xffff00000000) | ntohl(ref4.s_addr)));
                addr_format(got, 4, canonical);
                assert_string_equal(canonical, dotted);
        }
}

/* ip_block_scan_ipv4 (the one-pass path of long lists) accepts exactly the
 * canonical spellings of valid IPv4 blocks, which are the only ones the strict
 * grammar has (no leading zeros; "/32" may be written or not), with the block
 * ip_block_parse gives. */
static void test_scan_ipv4(void **state) {
        static const char alphabet[] = "0123456789./0125.:x \n";
        uint64_t rng = 12345;
        char text[32], canon[IP_BLOCK_TEXT_MAX], with32[IP_BLOCK_TEXT_MAX + 4];
        size_t accepted = 0;

        for (unsigned n = 0; n < 400000; n++) {
                rng = rng * 6364136223846793005u + 1442695040888963407u;
                size_t len = 1 + (size_t) ((rng >> 33) % 20);
                for (size_t i = 0; i < len; i++) {
                        rng = rng * 6364136223846793005u + 1442695040888963407u;
                        text[i] = alphabet[(rng >> 33) % (sizeof alphabet - 1)];
                }
                if (n % 4 == 0) {       /* plenty of well-formed ones too */
                        rng = rng * 6364136223846793005u + 1442695040888963407u;
                        unsigned p = (unsigned) ((rng >> 40) % 34);
                        uint32_t v = (uint32_t) (rng >> 8);
                        if (p < 33)
                                v &= p == 0 ? 0 : UINT32_MAX << (32 - p);
                        len = (size_t) snprintf(text, sizeof text, "%u.%u.%u.%u/%u", v >> 24, (v >> 16) & 255,
                                                (v >> 8) & 255, v & 255, p);
                }
                struct ip_block a, b;
                char reason[REASON_MAX];
                size_t k = ip_block_scan_ipv4(text, len, &a);
                if (k == 0)
                        continue;
                /* What it took is a whole entry, ip_block_parse agrees, and it is canonical. */
                assert_int_equal(ip_block_parse(text, k, &b, reason), 0);
                assert_true(addr128_cmp(a.first, b.first) == 0 && addr128_cmp(a.last, b.last) == 0 &&
                            a.family == b.family && a.prefix == b.prefix);
                ip_block_format(&a, canon);
                snprintf(with32, sizeof with32, "%s/32", canon);
                assert_true((strlen(canon) == k && memcmp(canon, text, k) == 0) ||
                            (a.prefix == 32 && strlen(with32) == k && memcmp(with32, text, k) == 0));
                /* It stopped where no address can go on. */
                assert_true(k == len || !strchr("0123456789./", text[k]));
                accepted++;
        }
        assert_true(accepted > 50000);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_not_nul_terminated),
                cmocka_unit_test(test_non_global),
                cmocka_unit_test(test_global),
                cmocka_unit_test(test_addr_parse),
                cmocka_unit_test(test_against_inet_pton),
                cmocka_unit_test(test_scan_ipv4),
        };
        print_message("%zu valid, %zu invalid, %zu non-global, %zu global cases\n",
                      sizeof valid_cases / sizeof valid_cases[0], sizeof invalid_cases / sizeof invalid_cases[0],
                      sizeof non_global_cases / sizeof non_global_cases[0], sizeof global_cases / sizeof global_cases[0]);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
