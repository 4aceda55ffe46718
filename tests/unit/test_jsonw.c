/* test_jsonw.c — the streaming JSON writer (lib/util/jsonw.c), checked against jansson as the
 * oracle: whatever bytes go in, the output parses, is pure ASCII, and each string decodes to
 * exactly the lossless escape of its bytes (escape.h). */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "escape.h"
#include "jsonw.h"

static json_t *parse(struct p3s_jw *w)
{
    assert_true(p3s_jw_ok(w));
    for (size_t i = 0; i < w->len; i++)
        assert_true((unsigned char)w->buf[i] >= 0x20 && (unsigned char)w->buf[i] < 0x7f);
    json_error_t err;
    json_t *j = json_loadb(w->buf, w->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j)
        fail_msg("not JSON: %s in %.*s", err.text, (int)w->len, w->buf);
    return j;
}

/* Writes the bytes as one string and checks it decodes to their lossless escape. */
static void check_string(const char *p, size_t n)
{
    struct p3s_jw w = {0};
    p3s_jw_bytes(&w, p, n);
    json_t *j = parse(&w);
    size_t want_len;
    char *want = p3s_escape_lossless(p, n, &want_len);
    assert_true(json_is_string(j));
    assert_int_equal(json_string_length(j), want_len);
    assert_memory_equal(json_string_value(j), want, want_len);
    free(want);
    json_decref(j);
    p3s_jw_free(&w);
}

static void test_strings(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t n;
    } cases[] = {
        {"", 0},
        {"+OK Dovecot ready.", 18},
        {"quote \" backslash \\ slash /", 27},
        {"\x1b[31mred\x1b[0m", 12},
        {"nul\0inside", 10},
        {"\r\n\t\b\f\x7f", 6},
        {"caf\xc3\xa9", 5},                /* é */
        {"\xe2\x80\xae" "bidi", 7},        /* U+202E */
        {"\xf0\x9f\x98\x80", 4},           /* U+1F600: a surrogate pair */
        {"\xff\xfe bad \xc3", 8},          /* invalid bytes, a cut sequence */
        {"\xed\xa0\x80", 3},               /* an encoded surrogate is not UTF-8 */
        {"\\xff", 4},                      /* text that looks like an escape stays apart */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_string(cases[i].p, cases[i].n);
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(x % sizeof buf);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (char)(x & 0xff);
        }
        check_string(buf, n);
    }
}

static void test_structure(void **state)
{
    (void)state;
    struct p3s_jw w = {0};
    p3s_jw_reset(&w);
    p3s_jw_object(&w);
    p3s_jw_key(&w, "a");
    p3s_jw_int(&w, -42);
    p3s_jw_key(&w, "list");
    p3s_jw_array(&w);
    p3s_jw_bool(&w, 1);
    p3s_jw_null(&w);
    p3s_jw_array(&w);
    p3s_jw_end(&w);
    p3s_jw_object(&w);
    p3s_jw_end(&w);
    p3s_jw_str(&w, NULL);
    p3s_jw_end(&w);
    p3s_jw_key(&w, "x");
    p3s_jw_real(&w, 12.3456789);
    p3s_jw_key(&w, "nan");
    p3s_jw_real(&w, 0.0 / 0.0);
    p3s_jw_end(&w);
    json_t *j = parse(&w);
    assert_int_equal(json_integer_value(json_object_get(j, "a")), -42);
    json_t *l = json_object_get(j, "list");
    assert_int_equal(json_array_size(l), 5);
    assert_true(json_is_true(json_array_get(l, 0)));
    assert_true(json_is_null(json_array_get(l, 1)));
    assert_int_equal(json_array_size(json_array_get(l, 2)), 0);
    assert_int_equal(json_object_size(json_array_get(l, 3)), 0);
    assert_true(json_is_null(json_array_get(l, 4)));
    assert_true(json_number_value(json_object_get(j, "x")) > 12.3455 &&
                json_number_value(json_object_get(j, "x")) < 12.34575);
    assert_true(json_is_null(json_object_get(j, "nan")));
    json_decref(j);

    /* The buffer is reused: a second document starts clean. */
    p3s_jw_reset(&w);
    p3s_jw_array(&w);
    p3s_jw_end(&w);
    assert_int_equal(w.len, 2);
    assert_memory_equal(w.buf, "[]", 2);
    p3s_jw_free(&w);
}

/* Integers and fixed-point numbers are formatted by hand: exactly what printf would write. */
static void check_text(void (*write)(struct p3s_jw *), const char *want)
{
    struct p3s_jw w = {0};
    p3s_jw_reset(&w);
    write(&w);
    assert_true(p3s_jw_ok(&w));
    assert_int_equal(w.len, strlen(want));
    assert_memory_equal(w.buf, want, w.len);
    json_t *j = parse(&w);
    json_decref(j);
    p3s_jw_free(&w);
}

static void w_int_min(struct p3s_jw *w) { p3s_jw_int(w, LLONG_MIN); }
static void w_int_max(struct p3s_jw *w) { p3s_jw_int(w, LLONG_MAX); }
static void w_int_zero(struct p3s_jw *w) { p3s_jw_int(w, 0); }
static void w_milli_small(struct p3s_jw *w) { p3s_jw_milli(w, 0.102629); }
static void w_milli_trim(struct p3s_jw *w) { p3s_jw_milli(w, 12.5); }
static void w_milli_whole(struct p3s_jw *w) { p3s_jw_milli(w, 7.0004); }
static void w_milli_neg(struct p3s_jw *w) { p3s_jw_milli(w, -3.05); }
static void w_milli_tiny(struct p3s_jw *w) { p3s_jw_milli(w, 0.0004); }
static void w_milli_nan(struct p3s_jw *w) { p3s_jw_milli(w, 0.0 / 0.0); }
static void w_milli_huge(struct p3s_jw *w) { p3s_jw_milli(w, 2e15); }
static void w_member(struct p3s_jw *w)
{
    p3s_jw_object(w);
    P3S_JW_KEY(w, "connect");
    p3s_jw_int(w, 1);
    P3S_JW_KEY(w, "total_ms");
    p3s_jw_null(w);
    p3s_jw_end(w);
}

static void test_numbers_and_members(void **state)
{
    (void)state;
    check_text(w_int_min, "-9223372036854775808");
    check_text(w_int_max, "9223372036854775807");
    check_text(w_int_zero, "0");
    check_text(w_milli_small, "0.103");
    check_text(w_milli_trim, "12.5");
    check_text(w_milli_whole, "7");
    check_text(w_milli_neg, "-3.05");
    check_text(w_milli_tiny, "0");
    check_text(w_milli_nan, "null");
    check_text(w_milli_huge, "2e+15");
    check_text(w_member, "{\"connect\":1,\"total_ms\":null}");

    /* Every integer written by hand is the one printf writes; every fixed-point number parses
     * back to its value within half a thousandth. */
    struct p3s_jw w = {0};
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        long long v = (long long)x >> (x % 64);
        char want[32];
        p3s_jw_reset(&w);
        p3s_jw_int(&w, v);
        snprintf(want, sizeof want, "%lld", v);
        assert_int_equal(w.len, strlen(want));
        assert_memory_equal(w.buf, want, w.len);
        double d = (double)(x % 100000000) / 997.0 * ((x & 1) ? 1 : -1);
        p3s_jw_reset(&w);
        p3s_jw_milli(&w, d);
        json_t *j = parse(&w);
        assert_true(fabs(json_number_value(j) - d) <= 0.0005 + 1e-9);
        json_decref(j);
    }
    p3s_jw_free(&w);
}

static void test_misuse_is_reported(void **state)
{
    (void)state;
    struct p3s_jw w = {0};
    for (int i = 0; i < P3S_JW_DEPTH + 1; i++)
        p3s_jw_array(&w);
    assert_false(p3s_jw_ok(&w)); /* too deep */
    p3s_jw_free(&w);
    p3s_jw_reset(&w);
    p3s_jw_end(&w); /* nothing open */
    assert_false(p3s_jw_ok(&w));
    p3s_jw_reset(&w);
    p3s_jw_object(&w);
    assert_false(p3s_jw_ok(&w)); /* unclosed */
    p3s_jw_free(&w);
}

static void test_large_string_grows(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i % 3 == 0 ? 0x80 : 'a'); /* a third invalid: \\xHH each */
    check_string(big, n);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_numbers_and_members),
        cmocka_unit_test(test_misuse_is_reported),
        cmocka_unit_test(test_large_string_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
