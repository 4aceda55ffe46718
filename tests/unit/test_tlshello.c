/* test_tlshello.c — lib/tlshello: the verdicts on a TLS server's first answer. ServerHellos for
 * TLS 1.0 to 1.3 (supported_versions), a HelloRetryRequest, alerts, answers split at every byte
 * and across records, cleartext, other handshake messages first, and malformed lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlshello.h"

/* A ServerHello record: legacy version, a random (or the HRR one), a session id, a cipher, and
 * optionally the supported_versions extension with `selected`. Returns its length. */
static size_t server_hello(uint8_t *out, uint16_t legacy, uint16_t cipher, int sid_len,
                           uint16_t selected, int hrr)
{
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    uint8_t body[256];
    size_t n = 0;
    body[n++] = (uint8_t)(legacy >> 8);
    body[n++] = (uint8_t)legacy;
    for (int i = 0; i < 32; i++)
        body[n++] = hrr ? hrr_random[i] : (uint8_t)(i * 7);
    body[n++] = (uint8_t)sid_len;
    for (int i = 0; i < sid_len; i++)
        body[n++] = (uint8_t)i;
    body[n++] = (uint8_t)(cipher >> 8);
    body[n++] = (uint8_t)cipher;
    body[n++] = 0; /* compression */
    if (selected) {
        /* extensions: renegotiation_info (empty) then supported_versions */
        const uint8_t ext[] = {0x00, 0x0b, 0xff, 0x01, 0x00, 0x01, 0x00,
                               0x00, 0x2b, 0x00, 0x02, (uint8_t)(selected >> 8),
                               (uint8_t)selected};
        memcpy(body + n, ext, sizeof ext);
        n += sizeof ext;
    }
    size_t hs = 4 + n;
    out[0] = 22;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(hs >> 8);
    out[4] = (uint8_t)hs;
    out[5] = 2;
    out[6] = 0;
    out[7] = (uint8_t)(n >> 8);
    out[8] = (uint8_t)n;
    memcpy(out + 9, body, n);
    return 9 + n;
}

static void test_server_hello_versions(void **state)
{
    (void)state;
    uint8_t b[512];
    struct p3th_answer a;
    size_t n = server_hello(b, 0x0301, 0xc014, 32, 0, 0);
    assert_int_equal(p3th_read_answer(b, n, &a), P3TH_SERVER_HELLO);
    assert_int_equal(a.version, 0x0301);
    assert_int_equal(a.cipher, 0xc014);
    assert_false(a.hello_retry);
    n = server_hello(b, 0x0303, 0x1302, 32, 0x0304, 0);
    assert_int_equal(p3th_read_answer(b, n, &a), P3TH_SERVER_HELLO);
    assert_int_equal(a.version, 0x0304); /* supported_versions wins over legacy_version */
    assert_int_equal(a.cipher, 0x1302);
    n = server_hello(b, 0x0303, 0x1301, 32, 0x0304, 1);
    assert_int_equal(p3th_read_answer(b, n, &a), P3TH_SERVER_HELLO);
    assert_true(a.hello_retry);
    assert_int_equal(a.version, 0x0304);
    n = server_hello(b, 0x0302, 0x0035, 0, 0, 0); /* empty session id, no extensions */
    assert_int_equal(p3th_read_answer(b, n, &a), P3TH_SERVER_HELLO);
    assert_int_equal(a.version, 0x0302);
    assert_string_equal(p3th_verdict_name(P3TH_SERVER_HELLO), "ServerHello");
}

/* Every prefix of a good answer asks for more; the whole gives the verdict. Also with the
 * ServerHello cut into one-byte records, and with more records behind it. */
static void test_split_anywhere(void **state)
{
    (void)state;
    uint8_t b[512], frag[4096];
    struct p3th_answer a;
    size_t n = server_hello(b, 0x0303, 0xc02f, 32, 0, 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p3th_read_answer(b, i, &a), P3TH_NEED_MORE);
    /* One handshake byte per record. */
    size_t f = 0;
    for (size_t i = 5; i < n; i++) {
        const uint8_t rec[] = {22, 3, 3, 0, 1, b[i]};
        memcpy(frag + f, rec, sizeof rec);
        f += sizeof rec;
    }
    for (size_t i = 0; i < f; i++)
        assert_int_equal(p3th_read_answer(frag, i, &a), P3TH_NEED_MORE);
    assert_int_equal(p3th_read_answer(frag, f, &a), P3TH_SERVER_HELLO);
    assert_int_equal(a.cipher, 0xc02f);
    /* A certificate record after it changes nothing. */
    memcpy(b + n, "\x16\x03\x03\x00\x04\x0b\x00\x00\x00", 9);
    assert_int_equal(p3th_read_answer(b, n + 9, &a), P3TH_SERVER_HELLO);
}

static void test_alerts(void **state)
{
    (void)state;
    struct p3th_answer a;
    const uint8_t protocol_version[] = {21, 3, 1, 0, 2, 2, 70};
    assert_int_equal(p3th_read_answer(protocol_version, sizeof protocol_version, &a),
                     P3TH_ALERT);
    assert_int_equal(a.alert_level, 2);
    assert_int_equal(a.alert_desc, 70);
    for (size_t i = 0; i < sizeof protocol_version; i++)
        assert_int_equal(p3th_read_answer(protocol_version, i, &a), P3TH_NEED_MORE);
    const uint8_t handshake_failure[] = {21, 3, 3, 0, 2, 2, 40};
    assert_int_equal(p3th_read_answer(handshake_failure, sizeof handshake_failure, &a),
                     P3TH_ALERT);
    assert_int_equal(a.alert_desc, 40);
}

static void test_not_tls(void **state)
{
    (void)state;
    struct p3th_answer a;
    const char *texts[] = {"+OK hi\r\n", "-ERR", "HTTP/1.1 400", "\x16\x02", "\x15\x04\x00"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        assert_int_equal(p3th_read_answer((const uint8_t *)texts[i], strlen(texts[i]), &a),
                         P3TH_NOT_TLS);
    /* An application-data record where the answer should start. */
    const uint8_t appdata[] = {23, 3, 3, 0, 1, 0};
    assert_int_equal(p3th_read_answer(appdata, sizeof appdata, &a), P3TH_NOT_TLS);
}

static void test_unexpected_and_malformed(void **state)
{
    (void)state;
    struct p3th_answer a;
    uint8_t b[512];
    /* A Certificate first. */
    const uint8_t cert_first[] = {22, 3, 3, 0, 4, 11, 0, 0, 0};
    assert_int_equal(p3th_read_answer(cert_first, sizeof cert_first, &a), P3TH_UNEXPECTED);
    assert_int_equal(a.msg_type, 11);
    /* A zero-length record. */
    const uint8_t empty[] = {22, 3, 3, 0, 0};
    assert_int_equal(p3th_read_answer(empty, sizeof empty, &a), P3TH_MALFORMED);
    /* A session id longer than 32. */
    size_t n = server_hello(b, 0x0303, 0xc02f, 32, 0, 0);
    b[9 + 34] = 33;
    assert_int_equal(p3th_read_answer(b, n, &a), P3TH_MALFORMED);
    /* A ServerHello too short for its random. */
    const uint8_t short_hello[] = {22, 3, 3, 0, 8, 2, 0, 0, 4, 3, 3, 0, 0};
    assert_int_equal(p3th_read_answer(short_hello, sizeof short_hello, &a), P3TH_MALFORMED);
    /* Extensions whose lengths do not add up, and a supported_versions of the wrong size. */
    n = server_hello(b, 0x0303, 0x1301, 32, 0x0304, 0);
    uint8_t bad[512];
    memcpy(bad, b, n);
    bad[n - 13 + 1] = 0x20; /* the extensions' total length */
    assert_int_equal(p3th_read_answer(bad, n, &a), P3TH_MALFORMED);
    memcpy(bad, b, n);
    bad[n - 3] = 3; /* supported_versions says 3 bytes */
    assert_int_equal(p3th_read_answer(bad, n, &a), P3TH_MALFORMED);
    /* A handshake message longer than P3TH_HELLO_MAX. */
    const uint8_t huge[] = {22, 3, 3, 0, 4, 2, 0, 0x10, 0x00};
    assert_int_equal(p3th_read_answer(huge, sizeof huge, &a), P3TH_MALFORMED);
    /* An alert after half a ServerHello. */
    const uint8_t mixed[] = {22, 3, 3, 0, 2, 2, 0, 21, 3, 3, 0, 2, 2, 70};
    assert_int_equal(p3th_read_answer(mixed, sizeof mixed, &a), P3TH_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_hello_versions),
        cmocka_unit_test(test_split_anywhere),
        cmocka_unit_test(test_alerts),
        cmocka_unit_test(test_not_tls),
        cmocka_unit_test(test_unexpected_and_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
