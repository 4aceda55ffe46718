/* test_escape.c — unit tests of the escapers for untrusted server bytes (lib/util/escape.c):
 * p3s_utf8_len's validity rules, p3s_escape_lossless (valid UTF-8 kept, everything else \xHH,
 * backslash doubled, proved lossless by decoding random byte strings back), and p3s_escape_term /
 * p3s_fputs_term (no control byte ever reaches a terminal; the buffer cap is respected).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (uint32_t)(x >> 16);
}

/* Random bytes biased towards the interesting ones: ASCII, backslash, 'x', hex digits, controls,
 * UTF-8 lead and continuation bytes, whole valid sequences and near-miss ones. */
static size_t random_bytes(unsigned char *buf, size_t max)
{
    size_t len = rnd() % (max + 1), n = 0;
    static const char *const pieces[] = {
        "\\",           "\\x41",        "x",            "\\\\",         "\xc3\xa9",
        "\xe2\x9c\x93", "\xf0\x9f\x98\x80", "\xc2\x85", "\xe2\x80\xae", "\xed\xa0\x80",
        "\xc0\xaf",     "\xe0\x80\xaf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x1b[31m",
    };
    while (n < len) {
        uint32_t r = rnd() % 8;
        if (r == 0) {
            const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(p);
            if (n + pl > len)
                break;
            memcpy(buf + n, p, pl);
            n += pl;
        } else if (r < 4) {
            buf[n++] = (unsigned char)(rnd() & 0xff);
        } else if (r < 6) {
            buf[n++] = (unsigned char)(0x80 | (rnd() & 0x7f));
        } else {
            buf[n++] = (unsigned char)(0x20 + rnd() % 0x5f);
        }
    }
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The inverse of p3s_escape_lossless (docs/output.md): "\\" is a backslash, "\xHH" a raw byte,
 * everything else stands for itself. Returns the decoded length, or (size_t)-1 on bad input. */
static size_t unescape(const char *s, size_t len, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] != '\\') {
            out[o++] = (unsigned char)s[i++];
            continue;
        }
        if (i + 1 < len && s[i + 1] == '\\') {
            out[o++] = '\\';
            i += 2;
        } else if (i + 3 < len && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
                   hexval(s[i + 3]) >= 0) {
            out[o++] = (unsigned char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
            i += 4;
        } else {
            return (size_t)-1;
        }
    }
    return o;
}

/* Whether s is entirely valid UTF-8 by the library's own rules. */
static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = p3s_utf8_len((const unsigned char *)s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

static char *lossless(const char *in, size_t len, size_t *out_len)
{
    char *out = p3s_escape_lossless(in, len, out_len);
    assert_non_null(out);
    assert_int_equal(out[*out_len], '\0');
    return out;
}

#define ASSERT_LOSSLESS(in_lit, out_lit)                                                        \
    do {                                                                                        \
        size_t on_;                                                                             \
        char *o_ = lossless(in_lit, sizeof(in_lit) - 1, &on_);                                  \
        assert_int_equal(on_, sizeof(out_lit) - 1);                                             \
        assert_memory_equal(o_, out_lit, on_);                                                  \
        free(o_);                                                                               \
    } while (0)

static size_t term(const char *in, size_t len, char *out, size_t cap)
{
    size_t n = p3s_escape_term(in, len, out, cap);
    if (cap > 0) {
        assert_true(n < cap);
        assert_int_equal(out[n], '\0');
        assert_int_equal(strlen(out), n);
    }
    return n;
}

#define ASSERT_TERM(in_lit, out_lit)                                                            \
    do {                                                                                        \
        char b_[256];                                                                           \
        size_t n_ = term(in_lit, sizeof(in_lit) - 1, b_, sizeof b_);                            \
        assert_string_equal(b_, out_lit);                                                       \
        assert_int_equal(n_, sizeof(out_lit) - 1);                                              \
    } while (0)

/* ---- p3s_utf8_len ----------------------------------------------------------------------- */

static void test_utf8_len(void **state)
{
    (void)state;
#define U(lit) p3s_utf8_len((const unsigned char *)(lit), sizeof(lit) - 1)
    assert_int_equal(U("a"), 1);
    assert_int_equal(U("\x00"), 1);
    assert_int_equal(U("\x7f"), 1);
    assert_int_equal(U("\xc3\xa9"), 2);
    assert_int_equal(U("\xe2\x9c\x93"), 3);
    assert_int_equal(U("\xf0\x9f\x98\x80"), 4);
    assert_int_equal(U("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
    assert_int_equal(U("\xef\xbf\xbf"), 3);     /* U+FFFF */
    assert_int_equal(U("\xed\x9f\xbf"), 3);     /* U+D7FF */
    assert_int_equal(U("\xee\x80\x80"), 3);     /* U+E000 */
    assert_int_equal(U("\x80"), 0);             /* lone continuation */
    assert_int_equal(U("\xbf"), 0);
    assert_int_equal(U("\xc0\xaf"), 0);         /* overlong '/' */
    assert_int_equal(U("\xc1\xbf"), 0);
    assert_int_equal(U("\xe0\x80\xaf"), 0);     /* overlong, 3 bytes */
    assert_int_equal(U("\xe0\x9f\xbf"), 0);
    assert_int_equal(U("\xf0\x80\x80\xaf"), 0); /* overlong, 4 bytes */
    assert_int_equal(U("\xf0\x8f\xbf\xbf"), 0);
    assert_int_equal(U("\xed\xa0\x80"), 0);     /* surrogate U+D800 */
    assert_int_equal(U("\xed\xbf\xbf"), 0);     /* surrogate U+DFFF */
    assert_int_equal(U("\xf4\x90\x80\x80"), 0); /* U+110000 */
    assert_int_equal(U("\xf5\x80\x80\x80"), 0);
    assert_int_equal(U("\xf8\x88\x80\x80\x80"), 0);
    assert_int_equal(U("\xfe"), 0);
    assert_int_equal(U("\xff"), 0);
    assert_int_equal(U("\xc3"), 0);             /* cut short */
    assert_int_equal(U("\xe2\x9c"), 0);
    assert_int_equal(U("\xc3\x41"), 0);         /* not a continuation */
    assert_int_equal(U("\xe2\x9c\xc3"), 0);
#undef U
}

/* ---- p3s_escape_lossless ---------------------------------------------------------------- */

static void test_lossless_basics(void **state)
{
    (void)state;
    ASSERT_LOSSLESS("", "");
    ASSERT_LOSSLESS("+OK Dovecot ready.", "+OK Dovecot ready.");
    /* valid UTF-8 is kept byte for byte */
    ASSERT_LOSSLESS("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80");
    /* controls too (the JSON encoder escapes those), C1 and bidi included */
    ASSERT_LOSSLESS("\x1b[31m\r\n\t\x7f", "\x1b[31m\r\n\t\x7f");
    ASSERT_LOSSLESS("\xc2\x85\xe2\x80\xae", "\xc2\x85\xe2\x80\xae");
    /* NUL is kept */
    ASSERT_LOSSLESS("a\0b", "a\0b");
    /* backslash doubled, so a literal "\x41" cannot pass for an escape */
    ASSERT_LOSSLESS("a\\b", "a\\\\b");
    ASSERT_LOSSLESS("\\x41", "\\\\x41");
    ASSERT_LOSSLESS("\\", "\\\\");
    /* invalid bytes become \xHH, lower-case hex */
    ASSERT_LOSSLESS("\xff", "\\xff");
    ASSERT_LOSSLESS("a\x80z", "a\\x80z");
    ASSERT_LOSSLESS("\xc3", "\\xc3");
    ASSERT_LOSSLESS("\xc3\x41", "\\xc3A");
    ASSERT_LOSSLESS("\xe2\x9c", "\\xe2\\x9c");
    /* overlong forms, surrogates and code points past U+10FFFF */
    ASSERT_LOSSLESS("\xc0\xaf", "\\xc0\\xaf");
    ASSERT_LOSSLESS("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
    ASSERT_LOSSLESS("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
    ASSERT_LOSSLESS("\xed\xa0\x80", "\\xed\\xa0\\x80");
    ASSERT_LOSSLESS("\xed\xb0\x80", "\\xed\\xb0\\x80");
    ASSERT_LOSSLESS("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
    ASSERT_LOSSLESS("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80");
    /* an invalid lead byte does not swallow the valid character after it */
    ASSERT_LOSSLESS("\xe2\xc3\xa9", "\\xe2\xc3\xa9");

    /* out_len may be NULL */
    char *o = p3s_escape_lossless("ab", 2, NULL);
    assert_non_null(o);
    assert_string_equal(o, "ab");
    free(o);

    /* the worst case: every byte escaped, four characters each */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    size_t on;
    o = lossless((const char *)all, sizeof all, &on);
    assert_true(on <= 4 * sizeof all);
    assert_true(valid_utf8(o, on));
    unsigned char back[256];
    assert_int_equal(unescape(o, on, back), sizeof all);
    assert_memory_equal(back, all, sizeof all);
    free(o);
    char *ff = malloc(1000);
    assert_non_null(ff);
    memset(ff, 0xff, 1000);
    o = lossless(ff, 1000, &on);
    assert_int_equal(on, 4000);
    free(o);
    free(ff);
}

static void test_lossless_roundtrip_random(void **state)
{
    (void)state;
    unsigned char in[300], back[300];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = random_bytes(in, sizeof in);
        size_t on;
        char *o = lossless((const char *)in, len, &on);
        /* the escaped form is valid UTF-8 (a JSON string can carry it) ... */
        assert_true(valid_utf8(o, on));
        assert_true(on <= 4 * len);
        /* ... and decodes back to exactly the input */
        size_t bn = unescape(o, on, back);
        assert_int_equal(bn, len);
        assert_memory_equal(back, in, len);
        free(o);
    }
}

static void test_lossless_injective(void **state)
{
    (void)state;
    /* inputs that a naive escaper would confuse map to different outputs */
    static const struct {
        const char *a;
        size_t an;
        const char *b;
        size_t bn;
    } pairs[] = {
        {"\xff", 1, "\\xff", 4},
        {"\\", 1, "\\\\", 2},
        {"\x00", 1, "\\x00", 4},
        {"\xc3\xa9", 2, "\\xc3\\xa9", 8},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t an, bn;
        char *a = lossless(pairs[i].a, pairs[i].an, &an);
        char *b = lossless(pairs[i].b, pairs[i].bn, &bn);
        assert_false(an == bn && memcmp(a, b, an) == 0);
        free(a);
        free(b);
    }
}

/* ---- p3s_escape_term -------------------------------------------------------------------- */

static void test_term_escapes(void **state)
{
    (void)state;
    ASSERT_TERM("", "");
    ASSERT_TERM("+OK ready", "+OK ready");
    ASSERT_TERM("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
    ASSERT_TERM("a\0b", "a\\x00b");
    ASSERT_TERM("line\r\n", "line\\x0d\\x0a");
    ASSERT_TERM("tab\there", "tab\\x09here");
    ASSERT_TERM("\x07\x08\x7f", "\\x07\\x08\\x7f");
    ASSERT_TERM("a\\b", "a\\\\b");
    /* C1 controls: U+0085 (NEL), U+009B (CSI), U+0080 */
    ASSERT_TERM("x\xc2\x85y", "x\\u{0085}y");
    ASSERT_TERM("\xc2\x9b" "2J", "\\u{009b}2J");
    ASSERT_TERM("\xc2\x80", "\\u{0080}");
    /* bidirectional controls (Trojan Source) */
    ASSERT_TERM("abc\xe2\x80\xae" "cba", "abc\\u{202e}cba");
    ASSERT_TERM("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}");
    ASSERT_TERM("\xe2\x81\xa6\xe2\x81\xa9", "\\u{2066}\\u{2069}");
    ASSERT_TERM("\xe2\x80\x8e\xe2\x80\x8f", "\\u{200e}\\u{200f}");
    /* printable non-ASCII stays */
    ASSERT_TERM("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    ASSERT_TERM("\xc2\xa0", "\xc2\xa0"); /* U+00A0, just past C1 */
    /* invalid bytes */
    ASSERT_TERM("\xff\xfe", "\\xff\\xfe");
    ASSERT_TERM("\xc0\x9b", "\\xc0\\x9b"); /* overlong CSI is not smuggled through */
    ASSERT_TERM("\xed\xa0\x80", "\\xed\\xa0\\x80");
    ASSERT_TERM("\xc2", "\\xc2");
}

static void assert_terminal_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        assert_true(c >= 0x20 && c != 0x7f);
    }
    assert_true(valid_utf8(s, n));
    /* no C1 or bidi control survives as a character */
    for (size_t i = 0; i < n;) {
        size_t k = p3s_utf8_len((const unsigned char *)s + i, n - i);
        if (k == 2) {
            unsigned cp = ((unsigned)(s[i] & 0x1f) << 6) | (s[i + 1] & 0x3f);
            assert_false(cp >= 0x80 && cp <= 0x9f);
        } else if (k == 3) {
            unsigned cp = ((unsigned)(s[i] & 0x0f) << 12) | ((unsigned)(s[i + 1] & 0x3f) << 6) |
                          (s[i + 2] & 0x3f);
            assert_false(cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
                         (cp >= 0x2066 && cp <= 0x2069));
        }
        i += k;
    }
}

static void test_term_random_safe(void **state)
{
    (void)state;
    unsigned char in[300];
    char out[300 * 8 + 1];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = random_bytes(in, sizeof in);
        size_t n = term((const char *)in, len, out, sizeof out);
        assert_terminal_safe(out, n);
        /* the buffer is large enough: nothing was cut, and escaping only grows */
        assert_true(n >= len);
    }
    /* every single byte and every two-byte sequence */
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++) {
            char two[2] = {(char)a, (char)b};
            size_t n = term(two, 2, out, sizeof out);
            assert_terminal_safe(out, n);
            assert_true(n >= 2);
        }
}

static void test_term_cap(void **state)
{
    (void)state;
    char out[64];

    /* cap 0: nothing written at all */
    memset(out, 'Z', sizeof out);
    assert_int_equal(p3s_escape_term("abc", 3, out, 0), 0);
    assert_int_equal(out[0], 'Z');

    /* cap 1: just the terminator */
    memset(out, 'Z', sizeof out);
    assert_int_equal(term("abc", 3, out, 1), 0);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], 'Z');

    memset(out, 'Z', sizeof out);
    assert_int_equal(term("abcdef", 6, out, 4), 3);
    assert_string_equal(out, "abc");
    assert_int_equal(out[4], 'Z');

    /* an escape is never cut in half */
    memset(out, 'Z', sizeof out);
    assert_int_equal(term("a\x1b", 2, out, 5), 1);
    assert_string_equal(out, "a");
    assert_int_equal(term("a\x1b", 2, out, 6), 5);
    assert_string_equal(out, "a\\x1b");
    assert_int_equal(term("\xe2\x80\xae", 3, out, 8), 0);
    assert_int_equal(term("\xe2\x80\xae", 3, out, 9), 8);
    assert_string_equal(out, "\\u{202e}");

    /* nor is a UTF-8 character */
    memset(out, 'Z', sizeof out);
    assert_int_equal(term("a\xe2\x9c\x93", 4, out, 4), 1);
    assert_string_equal(out, "a");
    assert_int_equal(out[4], 'Z');
    assert_int_equal(term("a\xe2\x9c\x93", 4, out, 5), 4);
    assert_string_equal(out, "a\xe2\x9c\x93");

    /* random inputs and caps: never a byte written past cap, always terminated */
    unsigned char in[200];
    char big[2000];
    for (int iter = 0; iter < 5000; iter++) {
        size_t len = random_bytes(in, sizeof in);
        size_t cap = 1 + rnd() % 60;
        memset(out, 'Z', sizeof out);
        size_t n = term((const char *)in, len, out, cap);
        for (size_t i = cap; i < sizeof out; i++)
            assert_int_equal(out[i], 'Z');
        assert_terminal_safe(out, n);
        /* what was written is a prefix of the uncut result */
        size_t full = term((const char *)in, len, big, sizeof big);
        assert_true(n <= full);
        assert_memory_equal(out, big, n);
    }
}

static void test_fputs_term(void **state)
{
    (void)state;
    unsigned char in[1200];
    char expect[1200 * 8 + 1];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = random_bytes(in, sizeof in);
        if (iter % 3 == 0) { /* long runs of continuation bytes straddle the chunk boundaries */
            for (size_t i = 0; i < len; i++)
                if (rnd() % 4)
                    in[i] = (unsigned char)(0x80 | (rnd() & 0x3f));
        }
        char *mem = NULL;
        size_t memlen = 0;
        FILE *fp = open_memstream(&mem, &memlen);
        assert_non_null(fp);
        p3s_fputs_term(fp, (const char *)in, len);
        assert_int_equal(fclose(fp), 0);
        size_t n = term((const char *)in, len, expect, sizeof expect);
        assert_terminal_safe(mem, memlen);
        assert_int_equal(memlen, n);
        assert_memory_equal(mem, expect, n);
        free(mem);
    }
    /* a valid character at a chunk boundary followed by continuation bytes is kept whole */
    char tricky[400];
    memset(tricky, 'a', 119);
    memcpy(tricky + 119, "\xe2\x80\x80", 3); /* U+2000 */
    memset(tricky + 122, 0x80, 200);
    char *mem = NULL;
    size_t memlen = 0;
    FILE *fp = open_memstream(&mem, &memlen);
    assert_non_null(fp);
    p3s_fputs_term(fp, tricky, 322);
    assert_int_equal(fclose(fp), 0);
    size_t n = term(tricky, 322, expect, sizeof expect);
    assert_int_equal(memlen, n);
    assert_memory_equal(mem, expect, n);
    free(mem);
    /* and starting with one */
    memcpy(tricky, "\xe2\x80\x80", 3);
    memset(tricky + 3, 0x80, 300);
    mem = NULL;
    fp = open_memstream(&mem, &memlen);
    assert_non_null(fp);
    p3s_fputs_term(fp, tricky, 303);
    assert_int_equal(fclose(fp), 0);
    n = term(tricky, 303, expect, sizeof expect);
    assert_int_equal(memlen, n);
    assert_memory_equal(mem, expect, n);
    assert_memory_equal(mem, "\xe2\x80\x80\\x80", 7);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_lossless_basics),
        cmocka_unit_test(test_lossless_roundtrip_random),
        cmocka_unit_test(test_lossless_injective),
        cmocka_unit_test(test_term_escapes),
        cmocka_unit_test(test_term_random_safe),
        cmocka_unit_test(test_term_cap),
        cmocka_unit_test(test_fputs_term),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
