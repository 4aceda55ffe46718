/* test_ntlm.c — unit tests of the NTLM codec (lib/ntlm/ntlm.c) behind --ntlm.
 *
 * The CHALLENGE decoder reads hostile bytes, so most tests are malformed messages: cut at every
 * length, offsets past the end or near 2^32, AV_PAIRs running past their field, no MsvAvEOL,
 * odd-length and surrogate-broken UTF-16, bad base64, wrong signature or type. Inputs are copied
 * into heap blocks of exactly their length so AddressSanitizer catches a read one byte too far.
 * The reference message is written out by hand from [MS-NLMP] 2.2.1.2, so the builder and the
 * decoder are each checked against the spec, not only against each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ntlm.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* A CHALLENGE from a Windows Server 2019 Exchange box in domain CONTOSO, by hand from the spec. */
static const char CONTOSO_HEX[] =
    "4e544c4d53535000"                 /*  0 Signature "NTLMSSP\0" */
    "02000000"                         /*  8 MessageType 2 */
    "0e000e0038000000"                 /* 12 TargetNameFields: Len 14, MaxLen 14, Offset 56 */
    "058289a2"                         /* 20 NegotiateFlags 0xa2898205 */
    "0123456789abcdef"                 /* 24 ServerChallenge */
    "0000000000000000"                 /* 32 Reserved */
    "9a009a0046000000"                 /* 40 TargetInfoFields: Len 154, MaxLen 154, Offset 70 */
    "0a0063450000000f"                 /* 48 Version 10.0 build 17763 (0x4563), revision 15 */
    "43004f004e0054004f0053004f00"     /* 56 TargetName "CONTOSO" */
    "02000e00"                         /* 70 MsvAvNbDomainName, 14 */
    "43004f004e0054004f0053004f00"     /*    "CONTOSO" */
    "01000c00"                         /* 88 MsvAvNbComputerName, 12 */
    "4d00410049004c0030003100"         /*    "MAIL01" */
    "04001a00"                         /* 104 MsvAvDnsDomainName, 26 */
    "63006f006e0074006f0073006f002e006c006f00630061006c00" /* "contoso.local" */
    "03002800"                         /* 134 MsvAvDnsComputerName, 40 */
    "6d00610069006c00300031002e00"     /*    "mail01." */
    "63006f006e0074006f0073006f002e006c006f00630061006c00" /* "contoso.local" */
    "05001a00"                         /* 178 MsvAvDnsTreeName, 26 */
    "63006f006e0074006f0073006f002e006c006f00630061006c00" /* "contoso.local" */
    "07000800"                         /* 208 MsvAvTimestamp, 8 */
    "004b7baac0d8d901"                 /*    FILETIME 0x01d9d8c0aa7b4b00 */
    "00000000";                        /* 220 MsvAvEOL; total 224 */

#define CONTOSO_LEN 224
#define CONTOSO_TS UINT64_C(0x01d9d8c0aa7b4b00)
#define OFF_TNAME 12
#define OFF_FLAGS 20
#define OFF_TINFO 40
#define OFF_PAYLOAD 56
#define OFF_AV_TIMESTAMP 208

static const struct p3ntlm_challenge_spec CONTOSO_SPEC = {
    .target_name = "CONTOSO",
    .nb_computer = "MAIL01",
    .nb_domain = "CONTOSO",
    .dns_computer = "mail01.contoso.local",
    .dns_domain = "contoso.local",
    .dns_tree = "contoso.local",
    .os_major = 10,
    .os_minor = 0,
    .os_build = 17763,
    .timestamp = CONTOSO_TS,
};

static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2) {
        unsigned v;
        assert_true(sscanf(p, "%2x", &v) == 1);
        assert_true(n < cap);
        out[n++] = (unsigned char)v;
    }
    return n;
}

static void contoso(unsigned char *m)
{
    assert_int_equal(unhex(CONTOSO_HEX, m, CONTOSO_LEN), CONTOSO_LEN);
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* Decodes a heap copy of exactly len bytes: any read past the end is an ASan error. */
static int decode_exact(const unsigned char *m, size_t len, struct p3ntlm_info *info)
{
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, m, len);
    int err = p3ntlm_decode_challenge(len ? copy : NULL, len, info);
    free(copy);
    return err;
}

static int decode_b64_exact(const char *s, size_t len, struct p3ntlm_info *info)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    int err = p3ntlm_decode_challenge_b64(copy, len, info);
    free(copy);
    return err;
}

static size_t b64(const unsigned char *m, size_t len, char *out, size_t cap)
{
    assert_true(cap >= 4 * ((len + 2) / 3) + 1);
    return (size_t)EVP_EncodeBlock((unsigned char *)out, m, (int)len);
}

/* Every decoded name must be NUL-terminated inside its buffer and valid UTF-8. */
static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                 : (*p & 0xf8) == 0xf0                 ? 4
                                                       : 0;
        if (n == 0)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void assert_names_sane(const struct p3ntlm_info *i)
{
    const char *names[] = {i->target_name, i->nb_computer, i->nb_domain,
                           i->dns_computer, i->dns_domain, i->dns_tree};
    for (size_t k = 0; k < 6; k++) {
        assert_non_null(memchr(names[k], '\0', P3NTLM_NAME_MAX));
        assert_true(valid_utf8(names[k]));
    }
}

static void assert_contoso(const struct p3ntlm_info *i)
{
    assert_int_equal(i->flags, 0xa2898205u);
    assert_string_equal(i->target_name, "CONTOSO");
    assert_string_equal(i->nb_domain, "CONTOSO");
    assert_string_equal(i->nb_computer, "MAIL01");
    assert_string_equal(i->dns_domain, "contoso.local");
    assert_string_equal(i->dns_computer, "mail01.contoso.local");
    assert_string_equal(i->dns_tree, "contoso.local");
    assert_int_equal(i->has_version, 1);
    assert_int_equal(i->os_major, 10);
    assert_int_equal(i->os_minor, 0);
    assert_int_equal(i->os_build, 17763);
    assert_int_equal(i->has_timestamp, 1);
    assert_true(i->timestamp == CONTOSO_TS);
}

/* ---- NEGOTIATE ---------------------------------------------------------------------------- */

static void test_negotiate_layout(void **state)
{
    (void)state;
    char text[64];
    unsigned char raw[64];
    int n = p3ntlm_negotiate_b64(text, sizeof text);
    assert_int_equal(n, 56);
    assert_int_equal(strlen(text), 56);
    assert_string_equal(text, "TlRMTVNTUAABAAAAB4IIogAAAAAoAAAAAAAAACgAAAAAAAAAAAAAAA==");

    assert_int_equal(EVP_DecodeBlock(raw, (const unsigned char *)text, n), 42); /* 40 + padding */
    assert_memory_equal(raw, "NTLMSSP\0", 8);
    assert_int_equal(raw[8], 1); /* MessageType NEGOTIATE */
    uint32_t flags = (uint32_t)raw[12] | (uint32_t)raw[13] << 8 | (uint32_t)raw[14] << 16 |
                     (uint32_t)raw[15] << 24;
    assert_int_equal(flags, 0xa2088207u);
    assert_true(flags & P3NTLM_NEGOTIATE_UNICODE);
    assert_true(flags & P3NTLM_NEGOTIATE_VERSION);
    /* DomainName and Workstation empty, pointing at the (empty) payload; VERSION zero. */
    static const unsigned char empty_field[8] = {0, 0, 0, 0, 40, 0, 0, 0};
    assert_memory_equal(raw + 16, empty_field, 8);
    assert_memory_equal(raw + 24, empty_field, 8);
    static const unsigned char zero[8] = {0};
    assert_memory_equal(raw + 32, zero, 8);
}

static void test_negotiate_cap(void **state)
{
    (void)state;
    char text[57];
    memset(text, 'x', sizeof text);
    assert_int_equal(p3ntlm_negotiate_b64(text, 56), -1);
    assert_int_equal(text[0], 'x'); /* nothing written when it does not fit */
    assert_int_equal(p3ntlm_negotiate_b64(text, 0), -1);
    assert_int_equal(p3ntlm_negotiate_b64(NULL, 100), -1);
    assert_int_equal(p3ntlm_negotiate_b64(text, 57), 56);
    assert_int_equal(text[56], '\0');
}

/* ---- the reference CHALLENGE -------------------------------------------------------------- */

static void test_decode_handmade(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_OK);
    assert_contoso(&info);
    assert_string_equal(p3ntlm_os_name(info.os_major, info.os_minor, info.os_build),
                        "Windows Server 2019 / Windows 10 1809");
}

static void test_build_matches_handmade(void **state)
{
    (void)state;
    unsigned char want[CONTOSO_LEN], got[512];
    contoso(want);
    int n = p3ntlm_build_challenge(&CONTOSO_SPEC, got, sizeof got);
    assert_int_equal(n, CONTOSO_LEN);
    assert_memory_equal(got, want, CONTOSO_LEN);
}

static void test_b64_handmade(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    char text[400], line[420];
    struct p3ntlm_info info;
    contoso(m);
    size_t n = b64(m, sizeof m, text, sizeof text);
    assert_int_equal(decode_b64_exact(text, n, &info), P3NTLM_OK);
    assert_contoso(&info);

    /* As the engine hands it over: the text after "+ ", with the CRLF and stray blanks. */
    snprintf(line, sizeof line, "  %s \r\n", text);
    assert_int_equal(decode_b64_exact(line, strlen(line), &info), P3NTLM_OK);
    assert_contoso(&info);

    /* 224 bytes is a multiple of 3 + 2, so the text ends in one '='; drop it. */
    assert_int_equal(text[n - 1], '=');
    assert_int_not_equal(text[n - 2], '=');
    assert_int_equal(decode_b64_exact(text, n - 1, &info), P3NTLM_OK);
    assert_contoso(&info);
}

/* ---- build -> decode round trips ---------------------------------------------------------- */

static void roundtrip(const struct p3ntlm_challenge_spec *spec, struct p3ntlm_info *info)
{
    unsigned char m[4096];
    int n = p3ntlm_build_challenge(spec, m, sizeof m);
    assert_true(n > 0);
    assert_int_equal(decode_exact(m, (size_t)n, info), P3NTLM_OK);
    assert_names_sane(info);
}

static void test_roundtrip_all_fields(void **state)
{
    (void)state;
    struct p3ntlm_challenge_spec spec = {
        .target_name = "EXAMPLE",
        .nb_computer = "EXCH-02",
        .nb_domain = "EXAMPLE",
        .dns_computer = "exch-02.corp.example.com",
        .dns_domain = "corp.example.com",
        .dns_tree = "example.com",
        .os_major = 6,
        .os_minor = 3,
        .os_build = 9600,
        .timestamp = UINT64_C(0x01d0123456789abc),
        .extra_flags = P3NTLM_NEGOTIATE_OEM,
    };
    struct p3ntlm_info info;
    roundtrip(&spec, &info);
    assert_int_equal(info.flags, 0xa2898205u | P3NTLM_NEGOTIATE_OEM);
    assert_string_equal(info.target_name, "EXAMPLE");
    assert_string_equal(info.nb_computer, "EXCH-02");
    assert_string_equal(info.nb_domain, "EXAMPLE");
    assert_string_equal(info.dns_computer, "exch-02.corp.example.com");
    assert_string_equal(info.dns_domain, "corp.example.com");
    assert_string_equal(info.dns_tree, "example.com");
    assert_int_equal(info.has_version, 1);
    assert_int_equal(info.os_major, 6);
    assert_int_equal(info.os_minor, 3);
    assert_int_equal(info.os_build, 9600);
    assert_int_equal(info.has_timestamp, 1);
    assert_true(info.timestamp == UINT64_C(0x01d0123456789abc));
    assert_string_equal(p3ntlm_os_name(6, 3, 9600), "Windows Server 2012 R2 / 8.1");
}

static void test_roundtrip_sparse(void **state)
{
    (void)state;
    /* No names, no timestamp: an empty TargetName and a TargetInfo holding only MsvAvEOL. */
    struct p3ntlm_challenge_spec spec = {.os_major = 5, .os_minor = 2, .os_build = 3790};
    unsigned char m[128];
    struct p3ntlm_info info;
    assert_int_equal(p3ntlm_build_challenge(&spec, m, sizeof m), 60);
    roundtrip(&spec, &info);
    assert_string_equal(info.target_name, "");
    assert_string_equal(info.nb_computer, "");
    assert_string_equal(info.dns_tree, "");
    assert_int_equal(info.has_timestamp, 0);
    assert_int_equal(info.has_version, 1);
    assert_int_equal(info.os_build, 3790);
}

static void test_roundtrip_non_ascii(void **state)
{
    (void)state;
    struct p3ntlm_challenge_spec spec = {
        .target_name = "MÜNCHEN",
        .nb_computer = "\xF0\x9F\x98\x80MAIL", /* U+1F600, a surrogate pair in UTF-16 */
        .dns_computer = "mail.\xE4\xBE\x8B\xE5\xAD\x90.example",
        .dns_domain = "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", /* U+10000 and U+10FFFF */
        .os_major = 10,
        .os_build = 20348,
    };
    struct p3ntlm_info info;
    roundtrip(&spec, &info);
    assert_string_equal(info.target_name, "MÜNCHEN");
    assert_string_equal(info.nb_computer, "\xF0\x9F\x98\x80MAIL");
    assert_string_equal(info.dns_computer, "mail.\xE4\xBE\x8B\xE5\xAD\x90.example");
    assert_string_equal(info.dns_domain, "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
    assert_string_equal(p3ntlm_os_name(info.os_major, info.os_minor, info.os_build),
                        "Windows Server 2022");
}

static void test_surrogate_pair_bytes(void **state)
{
    (void)state;
    /* The builder writes U+1F600 as D83D DE00, little-endian. */
    struct p3ntlm_challenge_spec spec = {.target_name = "\xF0\x9F\x98\x80"};
    unsigned char m[128];
    assert_int_equal(p3ntlm_build_challenge(&spec, m, sizeof m), 56 + 4 + 4);
    static const unsigned char want[4] = {0x3d, 0xd8, 0x00, 0xde};
    assert_int_equal(m[OFF_TNAME], 4);
    assert_memory_equal(m + OFF_PAYLOAD, want, 4);
}

/* ---- names: truncation, UTF-16 errors, OEM ------------------------------------------------ */

static void test_name_truncation(void **state)
{
    (void)state;
    char a[301], e[3 * 120 + 1], emoji[4 * 70 + 1], tail[4 * 64 + 2];
    memset(a, 'A', 300);
    a[300] = '\0';
    for (int i = 0; i < 120; i++)
        memcpy(e + 3 * i, "\xE2\x82\xAC", 3); /* U+20AC, 3 bytes */
    e[360] = '\0';
    for (int i = 0; i < 70; i++)
        memcpy(emoji + 4 * i, "\xF0\x9F\x98\x80", 4);
    emoji[280] = '\0';
    memcpy(tail, emoji, 4 * 64);
    memcpy(tail + 4 * 64, "Z", 2);

    struct p3ntlm_challenge_spec spec = {.target_name = a, .nb_computer = e, .dns_tree = emoji};
    struct p3ntlm_info info;
    roundtrip(&spec, &info);
    assert_int_equal(strlen(info.target_name), P3NTLM_NAME_MAX - 1);
    assert_memory_equal(info.target_name, a, P3NTLM_NAME_MAX - 1);
    /* 85 whole euro signs (255 bytes); the 86th would not fit and is not half-written. */
    assert_int_equal(strlen(info.nb_computer), 255);
    assert_memory_equal(info.nb_computer, e, 255);
    /* 63 emoji (252 bytes); a 64th needs 4 more than the 3 left. */
    assert_int_equal(strlen(info.dns_tree), 252);
    assert_memory_equal(info.dns_tree, emoji, 252);

    /* Once a character has not fitted, a shorter one after it is not slipped in. */
    struct p3ntlm_challenge_spec spec2 = {.dns_domain = tail};
    roundtrip(&spec2, &info);
    assert_int_equal(strlen(info.dns_domain), 252);
}

/* A CHALLENGE whose TargetName is the given raw bytes and whose TargetInfo is just MsvAvEOL. */
static size_t raw_name_msg(unsigned char *m, size_t cap, const unsigned char *name, size_t len,
                           int unicode)
{
    struct p3ntlm_challenge_spec spec = {.os_major = 10};
    int n = p3ntlm_build_challenge(&spec, m, cap);
    assert_int_equal(n, 60);
    assert_true(60 + len <= cap);
    memcpy(m + 60, name, len);
    put16(m + OFF_TNAME, (unsigned)len);
    put16(m + OFF_TNAME + 2, (unsigned)len);
    put32(m + OFF_TNAME + 4, 60);
    if (!unicode)
        m[OFF_FLAGS] &= (unsigned char)~P3NTLM_NEGOTIATE_UNICODE;
    return 60 + len;
}

static void check_raw_name(const unsigned char *name, size_t len, int unicode, const char *want)
{
    unsigned char m[512];
    struct p3ntlm_info info;
    size_t n = raw_name_msg(m, sizeof m, name, len, unicode);
    assert_int_equal(decode_exact(m, n, &info), P3NTLM_OK);
    assert_names_sane(&info);
    assert_string_equal(info.target_name, want);
}

static void test_utf16_odd_length(void **state)
{
    (void)state;
    /* "CONTOSO" cut to 13 bytes: six whole units and half of the 'O'. */
    static const unsigned char name[] = {0x43, 0, 0x4f, 0, 0x4e, 0, 0x54, 0, 0x4f, 0, 0x53, 0, 0x4f};
    check_raw_name(name, sizeof name, 1, "CONTOS\xEF\xBF\xBD");
    check_raw_name(name, 1, 1, "\xEF\xBF\xBD");
    /* With a dangling byte the NUL unit before it is not trailing: it stays visible. */
    static const unsigned char nul_then_odd[] = {0x41, 0, 0, 0, 0x42};
    check_raw_name(nul_then_odd, sizeof nul_then_odd, 1, "A\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_utf16_surrogates(void **state)
{
    (void)state;
    static const unsigned char pair[] = {0x3d, 0xd8, 0x00, 0xde};
    static const unsigned char lone_high_end[] = {0x41, 0, 0x3d, 0xd8};
    static const unsigned char lone_low[] = {0x00, 0xde, 0x41, 0};
    static const unsigned char high_high_low[] = {0x3d, 0xd8, 0x3d, 0xd8, 0x00, 0xde};
    static const unsigned char high_then_ascii[] = {0x3d, 0xd8, 0x42, 0};
    static const unsigned char reversed[] = {0x00, 0xde, 0x3d, 0xd8};
    static const unsigned char high_then_private[] = {0x3d, 0xd8, 0x00, 0xe0}; /* U+E000 */
    check_raw_name(pair, sizeof pair, 1, "\xF0\x9F\x98\x80");
    check_raw_name(lone_high_end, sizeof lone_high_end, 1, "A\xEF\xBF\xBD");
    check_raw_name(lone_low, sizeof lone_low, 1, "\xEF\xBF\xBD" "A");
    check_raw_name(high_high_low, sizeof high_high_low, 1, "\xEF\xBF\xBD\xF0\x9F\x98\x80");
    check_raw_name(high_then_ascii, sizeof high_then_ascii, 1, "\xEF\xBF\xBD" "B");
    check_raw_name(reversed, sizeof reversed, 1, "\xEF\xBF\xBD\xEF\xBF\xBD");
    check_raw_name(high_then_private, sizeof high_then_private, 1, "\xEF\xBF\xBD\xEE\x80\x80");
}

static void test_utf16_nul_and_controls(void **state)
{
    (void)state;
    /* Trailing NULs (a counted terminator) go; an inner NUL must not hide what follows. */
    static const unsigned char trailing[] = {0x41, 0, 0x42, 0, 0, 0, 0, 0};
    static const unsigned char inner[] = {0x41, 0, 0, 0, 0x42, 0};
    /* Control characters are kept as sent: ESC [ 3 1 m, CR, LF. */
    static const unsigned char controls[] = {0x1b, 0, 0x5b, 0, 0x33, 0, 0x31, 0,
                                             0x6d, 0, 0x0d, 0, 0x0a, 0};
    check_raw_name(trailing, sizeof trailing, 1, "AB");
    check_raw_name(inner, sizeof inner, 1, "A\xEF\xBF\xBD" "B");
    check_raw_name(controls, sizeof controls, 1, "\x1b[31m\r\n");
    check_raw_name(trailing, 4, 1, "AB");
    check_raw_name(trailing + 4, 4, 1, "");
}

static void test_oem_target_name(void **state)
{
    (void)state;
    /* Without NEGOTIATE_UNICODE the TargetName is OEM bytes; a byte over 0x7f keeps its value as
     * a code point, so the output stays valid UTF-8. AV_PAIRs stay UTF-16 regardless. */
    static const unsigned char name[] = {'C', 'A', 'F', 0xe9, 0};
    check_raw_name(name, sizeof name, 0, "CAF\xC3\xA9");
    static const unsigned char with_nul[] = {'A', 0, 'B'};
    check_raw_name(with_nul, sizeof with_nul, 0, "A\xEF\xBF\xBD" "B");

    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    m[OFF_FLAGS] &= (unsigned char)~P3NTLM_NEGOTIATE_UNICODE;
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_OK);
    assert_string_equal(info.target_name, "C\xEF\xBF\xBDO\xEF\xBF\xBDN\xEF\xBF\xBDT\xEF\xBF\xBD"
                                          "O\xEF\xBF\xBDS\xEF\xBF\xBDO"); /* trailing NUL trimmed */
    assert_string_equal(info.dns_computer, "mail01.contoso.local");
}

/* ---- malformed messages ------------------------------------------------------------------- */

static void test_truncated_every_length(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    for (size_t len = 0; len < CONTOSO_LEN; len++) {
        int err = decode_exact(m, len, &info);
        assert_names_sane(&info);
        if (len < 48)
            assert_int_equal(err, P3NTLM_ESHORT);
        else
            assert_int_equal(err, P3NTLM_EBOUNDS); /* TargetInfo (70..224) no longer fits */
        assert_int_equal(info.flags, len >= 24 ? 0xa2898205u : 0u);
        assert_int_equal(info.has_version, len >= 56);
        /* The TargetName (56..70) is decoded once it is all there. */
        assert_string_equal(info.target_name, len >= 70 ? "CONTOSO" : "");
        assert_string_equal(info.dns_computer, "");
        assert_int_equal(info.has_timestamp, 0);
    }
    assert_int_equal(decode_exact(m, CONTOSO_LEN, &info), P3NTLM_OK);
}

static void test_truncated_b64_every_length(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    char text[400];
    struct p3ntlm_info info;
    contoso(m);
    size_t n = b64(m, sizeof m, text, sizeof text);
    for (size_t len = 0; len < n - 1; len++) {
        int err = decode_b64_exact(text, len, &info);
        assert_names_sane(&info);
        if (len % 4 == 1)
            assert_int_equal(err, P3NTLM_EBASE64);
        else
            assert_true(err == P3NTLM_ESHORT || err == P3NTLM_EBOUNDS);
    }
}

static void test_short_and_empty(void **state)
{
    (void)state;
    struct p3ntlm_info info;
    assert_int_equal(p3ntlm_decode_challenge(NULL, 0, &info), P3NTLM_ESHORT);
    assert_int_equal(p3ntlm_decode_challenge_b64("", 0, &info), P3NTLM_ESHORT);
    assert_int_equal(p3ntlm_decode_challenge_b64(" \r\n", 3, &info), P3NTLM_ESHORT);
    assert_int_equal(decode_exact((const unsigned char *)"NTLM", 4, &info), P3NTLM_ESHORT);
}

static void test_wrong_signature(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    m[0] = 'X';
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_ESIG);
    assert_int_equal(info.flags, 0);
    contoso(m);
    m[7] = ' '; /* the NUL is part of the signature */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_ESIG);
    /* A short input that already differs says so, rather than "short". */
    assert_int_equal(decode_exact((const unsigned char *)"+OK", 3, &info), P3NTLM_ESIG);
    assert_int_equal(p3ntlm_decode_challenge_b64("K09LIGhlbGxv", 12, &info), P3NTLM_ESIG);
}

static void test_wrong_type(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    for (unsigned type = 0; type < 5; type++) {
        put32(m + 8, type);
        assert_int_equal(decode_exact(m, sizeof m, &info), type == 2 ? P3NTLM_OK : P3NTLM_ETYPE);
    }
    put32(m + 8, 0x00000102); /* type 2 in the wrong byte order */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_ETYPE);

    /* Our own NEGOTIATE, echoed back by a confused server. */
    char text[64];
    int n = p3ntlm_negotiate_b64(text, sizeof text);
    assert_int_equal(decode_b64_exact(text, (size_t)n, &info), P3NTLM_ETYPE);
}

static void test_offsets_past_end(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;

    contoso(m);
    put32(m + OFF_TNAME + 4, CONTOSO_LEN - 13); /* 14 bytes from 211: one past the end */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EBOUNDS);
    assert_string_equal(info.target_name, "");
    /* The TargetInfo is fine and still decoded. */
    assert_string_equal(info.dns_computer, "mail01.contoso.local");
    assert_int_equal(info.has_timestamp, 1);

    put32(m + OFF_TNAME + 4, CONTOSO_LEN - 14); /* exactly the last 14 bytes: inside */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_OK);

    contoso(m);
    put32(m + OFF_TINFO + 4, CONTOSO_LEN); /* 154 bytes at the very end */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EBOUNDS);
    assert_string_equal(info.target_name, "CONTOSO");
    assert_string_equal(info.nb_computer, "");

    contoso(m);
    put16(m + OFF_TINFO, CONTOSO_LEN - 70 + 1); /* one longer than what is left */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EBOUNDS);

    /* An empty field's offset is never read, wherever it points. */
    contoso(m);
    put16(m + OFF_TNAME, 0);
    put32(m + OFF_TNAME + 4, 0xffffffffu);
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_OK);
    assert_string_equal(info.target_name, "");
}

static void test_length_overflow(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    /* off + len would wrap a 32-bit sum to something small; the check never forms it. */
    static const uint32_t offsets[] = {0xffffffffu, 0xfffffff2u, 0x80000000u, 0xffff0000u};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        contoso(m);
        put32(m + OFF_TNAME + 4, offsets[i]);
        assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EBOUNDS);
        contoso(m);
        put16(m + OFF_TINFO, 0xffff);
        put32(m + OFF_TINFO + 4, offsets[i]);
        assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EBOUNDS);
        assert_string_equal(info.target_name, "CONTOSO");
    }
}

static void test_avpair_past_end(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    put16(m + 178 + 2, 0xffff); /* MsvAvDnsTreeName says 65535 bytes */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
    /* Everything before the bad pair is kept. */
    assert_string_equal(info.nb_domain, "CONTOSO");
    assert_string_equal(info.dns_computer, "mail01.contoso.local");
    assert_string_equal(info.dns_tree, "");
    assert_int_equal(info.has_timestamp, 0);
    assert_int_equal(info.has_version, 1);

    /* The pair runs past its TargetInfo field though not past the message. */
    contoso(m);
    put16(m + OFF_TINFO, 20); /* the field holds NbDomain (18) and 2 bytes of the next header */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
    assert_string_equal(info.nb_domain, "CONTOSO");
    assert_string_equal(info.nb_computer, "");

    contoso(m);
    put16(m + OFF_TINFO, 18 + 4 + 11); /* NbComputer's 12 bytes cut to 11 by the field */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
    assert_string_equal(info.nb_computer, "");

    /* MsvAvTimestamp must be 8 bytes, no fewer and no more. */
    contoso(m);
    put16(m + OFF_AV_TIMESTAMP + 2, 4);
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
    assert_int_equal(info.has_timestamp, 0);
    assert_string_equal(info.dns_tree, "contoso.local");
    put16(m + OFF_AV_TIMESTAMP + 2, 12); /* swallows the EOL, still inside the field */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
    assert_int_equal(info.has_timestamp, 0);
}

static void test_avpair_missing_eol(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    put16(m + OFF_TINFO, 154 - 4); /* the field ends right before MsvAvEOL */
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
    assert_string_equal(info.dns_tree, "contoso.local"); /* but all pairs were read */
    assert_int_equal(info.has_timestamp, 1);

    for (unsigned cut = 1; cut <= 3; cut++) { /* a partial EOL header */
        contoso(m);
        put16(m + OFF_TINFO, 154 - cut);
        assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_EAVPAIR);
        assert_int_equal(info.has_timestamp, 1);
    }

    /* The list ends at the first MsvAvEOL; what follows inside the field is ignored. */
    contoso(m);
    put16(m + OFF_AV_TIMESTAMP, 0);
    put16(m + OFF_AV_TIMESTAMP + 2, 0);
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_OK);
    assert_int_equal(info.has_timestamp, 0);
    assert_string_equal(info.dns_tree, "contoso.local");
}

static void test_empty_target_info(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;
    contoso(m);
    put16(m + OFF_TINFO, 0);
    put16(m + OFF_TINFO + 2, 0);
    assert_int_equal(decode_exact(m, 70, &info), P3NTLM_OK); /* header, version, name */
    assert_string_equal(info.target_name, "CONTOSO");
    assert_string_equal(info.nb_computer, "");
    assert_string_equal(info.dns_domain, "");
    assert_int_equal(info.has_timestamp, 0);
    assert_int_equal(info.has_version, 1);

    /* The 48-byte minimum: no VERSION, nothing in the payload. */
    put16(m + OFF_TNAME, 0);
    assert_int_equal(decode_exact(m, 48, &info), P3NTLM_OK);
    assert_int_equal(info.has_version, 0);
    assert_int_equal(info.flags, 0xa2898205u);
}

static void test_version_presence(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    struct p3ntlm_info info;

    contoso(m);
    put32(m + OFF_FLAGS, 0xa2898205u & ~P3NTLM_NEGOTIATE_VERSION);
    assert_int_equal(decode_exact(m, sizeof m, &info), P3NTLM_OK);
    assert_int_equal(info.has_version, 0);
    assert_int_equal(info.os_build, 0);

    /* Flag set but the payload starts at 48, where VERSION would be: those are name bytes. */
    contoso(m);
    memmove(m + 48, m + 56, CONTOSO_LEN - 56);
    put32(m + OFF_TNAME + 4, 48);
    put32(m + OFF_TINFO + 4, 62);
    assert_int_equal(decode_exact(m, CONTOSO_LEN - 8, &info), P3NTLM_OK);
    assert_int_equal(info.has_version, 0);
    assert_string_equal(info.target_name, "CONTOSO");
    assert_string_equal(info.dns_computer, "mail01.contoso.local");
}

/* ---- base64 ------------------------------------------------------------------------------- */

static void test_b64_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {
        "!!!!",
        "TlRM TVNT",       /* inner blank */
        "TlRMT",           /* 5 chars: a lone sextet */
        "TlRM=VNT",        /* padding in the middle */
        "TlRMTV===",       /* three pads */
        "TlRMTVNT=",       /* a pad after a whole quad */
        "TlRMTVN==",       /* two pads where one belongs */
        "TlRMTVNTUA-_",    /* base64url is not what POP3 AUTH uses */
        "+ TlRMTVNTUAAC",  /* the caller strips "+ " */
        "=",
        "====",
        "TlRM====",
    };
    struct p3ntlm_info info;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(decode_b64_exact(bad[i], strlen(bad[i]), &info), P3NTLM_EBASE64);
    /* An embedded NUL is not base64 either, even though the length covers it. */
    assert_int_equal(decode_b64_exact("TlRM\0VNT", 8, &info), P3NTLM_EBASE64);
}

static void test_b64_padding_is_not_data(void **state)
{
    (void)state;
    /* A 48-byte message is 64 base64 chars without padding; a 49-byte one ends in "==". The
     * decoder must see 49 bytes, not 51 (EVP_DecodeBlock would count the pads as zeros), else
     * a name ending at byte 49 would pass the bounds check on bytes that are not there. */
    unsigned char m[CONTOSO_LEN];
    char text[128];
    struct p3ntlm_info info;
    contoso(m);
    put32(m + OFF_FLAGS, 0xa2898205u & ~P3NTLM_NEGOTIATE_VERSION);
    put16(m + OFF_TINFO, 0);
    put16(m + OFF_TNAME, 3);
    put32(m + OFF_TNAME + 4, 48);
    m[48] = 'A';
    m[49] = 0;
    m[50] = 'B';
    size_t n = b64(m, 49, text, sizeof text);
    assert_int_equal(n, 68);
    assert_string_equal(text + 66, "==");
    assert_int_equal(decode_b64_exact(text, n, &info), P3NTLM_EBOUNDS);
    assert_int_equal(decode_b64_exact(text, n - 2, &info), P3NTLM_EBOUNDS);
    n = b64(m, 51, text, sizeof text);
    assert_int_equal(n, 68);
    assert_int_equal(decode_b64_exact(text, n, &info), P3NTLM_OK);
    assert_string_equal(info.target_name, "A\xEF\xBF\xBD"); /* U+0041, then the odd byte */
}

static void test_b64_long_input(void **state)
{
    (void)state;
    /* A hostile server's endless line: decoded from its first 4096 bytes, no overflow. */
    size_t n = 200000;
    char *text = malloc(n);
    assert_non_null(text);
    memset(text, 'A', n);
    struct p3ntlm_info info;
    assert_int_equal(decode_b64_exact(text, n, &info), P3NTLM_ESIG);

    /* A real message followed by junk payload past 4096 bytes still decodes. */
    static unsigned char m[6000];
    contoso(m);
    memset(m + CONTOSO_LEN, 0x5a, sizeof m - CONTOSO_LEN);
    char *t2 = malloc(8100);
    assert_non_null(t2);
    size_t n2 = b64(m, sizeof m, t2, 8100);
    assert_int_equal(decode_b64_exact(t2, n2, &info), P3NTLM_OK);
    assert_contoso(&info);
    free(t2);
    free(text);
}

/* ---- builder errors ----------------------------------------------------------------------- */

static void test_build_errors(void **state)
{
    (void)state;
    unsigned char m[CONTOSO_LEN];
    for (size_t cap = 0; cap < CONTOSO_LEN; cap++) {
        unsigned char *buf = malloc(cap ? cap : 1);
        assert_non_null(buf);
        assert_int_equal(p3ntlm_build_challenge(&CONTOSO_SPEC, buf, cap), -1);
        free(buf);
    }
    assert_int_equal(p3ntlm_build_challenge(&CONTOSO_SPEC, m, sizeof m), CONTOSO_LEN);
    assert_int_equal(p3ntlm_build_challenge(NULL, m, sizeof m), -1);

    static const char *bad_utf8[] = {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                     "\xE2\x82", "\x80", "\xFF"};
    unsigned char big[256];
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
        struct p3ntlm_challenge_spec spec = {.dns_tree = bad_utf8[i]};
        assert_int_equal(p3ntlm_build_challenge(&spec, big, sizeof big), -1);
    }
}

/* ---- OS names and error texts ------------------------------------------------------------- */

static void test_os_name(void **state)
{
    (void)state;
    assert_string_equal(p3ntlm_os_name(10, 0, 17763), "Windows Server 2019 / Windows 10 1809");
    assert_string_equal(p3ntlm_os_name(10, 0, 14393), "Windows Server 2016 / Windows 10 1607");
    assert_string_equal(p3ntlm_os_name(10, 0, 20348), "Windows Server 2022");
    assert_string_equal(p3ntlm_os_name(10, 0, 26100), "Windows Server 2025 / Windows 11 24H2");
    assert_string_equal(p3ntlm_os_name(6, 3, 9600), "Windows Server 2012 R2 / 8.1");
    assert_string_equal(p3ntlm_os_name(6, 2, 9200), "Windows Server 2012 / 8");
    assert_string_equal(p3ntlm_os_name(6, 1, 7601), "Windows Server 2008 R2 SP1 / 7 SP1");
    assert_string_equal(p3ntlm_os_name(6, 0, 6002), "Windows Server 2008 SP2 / Vista SP2");
    assert_string_equal(p3ntlm_os_name(5, 2, 3790), "Windows Server 2003");
    assert_null(p3ntlm_os_name(10, 0, 17764));
    assert_null(p3ntlm_os_name(6, 3, 17763));
    assert_null(p3ntlm_os_name(0, 0, 0));
    assert_null(p3ntlm_os_name(266, 0, 17763)); /* no wrap of the 8-bit major */
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = P3NTLM_OK; e <= P3NTLM_EAVPAIR; e++) {
        assert_non_null(p3ntlm_strerror(e));
        for (int f = P3NTLM_OK; f < e; f++)
            assert_string_not_equal(p3ntlm_strerror(e), p3ntlm_strerror(f));
    }
    assert_string_equal(p3ntlm_strerror(P3NTLM_EBOUNDS), "field outside the message");
    assert_non_null(p3ntlm_strerror(-1));
    assert_non_null(p3ntlm_strerror(99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate_layout),
        cmocka_unit_test(test_negotiate_cap),
        cmocka_unit_test(test_decode_handmade),
        cmocka_unit_test(test_build_matches_handmade),
        cmocka_unit_test(test_b64_handmade),
        cmocka_unit_test(test_roundtrip_all_fields),
        cmocka_unit_test(test_roundtrip_sparse),
        cmocka_unit_test(test_roundtrip_non_ascii),
        cmocka_unit_test(test_surrogate_pair_bytes),
        cmocka_unit_test(test_name_truncation),
        cmocka_unit_test(test_utf16_odd_length),
        cmocka_unit_test(test_utf16_surrogates),
        cmocka_unit_test(test_utf16_nul_and_controls),
        cmocka_unit_test(test_oem_target_name),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_truncated_b64_every_length),
        cmocka_unit_test(test_short_and_empty),
        cmocka_unit_test(test_wrong_signature),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_offsets_past_end),
        cmocka_unit_test(test_length_overflow),
        cmocka_unit_test(test_avpair_past_end),
        cmocka_unit_test(test_avpair_missing_eol),
        cmocka_unit_test(test_empty_target_info),
        cmocka_unit_test(test_version_presence),
        cmocka_unit_test(test_b64_invalid),
        cmocka_unit_test(test_b64_padding_is_not_data),
        cmocka_unit_test(test_b64_long_input),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_os_name),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
