/* test_tlssniff.c — the hand-written ClientHello of TLS detection (src/engine/tlssniff.c): OpenSSL's
 * own server, fed it through memory, answers with a ServerHello for TLS 1.3 and, limited to
 * them, for TLS 1.2, 1.1 and 1.0 (so servers of every age answer the probe), the SNI is sent
 * for a host name only, and the first bytes of an answer are told apart (handshake, alert, not
 * TLS, not enough yet). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlssniff.h"

static EVP_PKEY *key;
static X509 *cert;

/* A throwaway P-256 key and self-signed certificate for the server side. */
static int setup(void **state)
{
    (void)state;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cert = X509_new();
    if (!key || !cert)
        return -1;
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    return X509_sign(cert, key, EVP_sha256()) > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}

static char server_name_buf[300];
static const char *server_name; /* the SNI the server saw, or NULL when its callback never ran */

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    (void)arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(server_name_buf, sizeof server_name_buf, "%s", name ? name : "");
    server_name = server_name_buf;
    return SSL_TLSEXT_ERR_OK;
}

/* Feeds the hello to an OpenSSL server allowing only `version` (0: any) at security level 0;
 * returns the bytes it answers with (the first ones, in out). */
static size_t serve(const unsigned char *hello, size_t len, int version, unsigned char *out,
                    size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    if (version) {
        SSL_CTX_set_min_proto_version(ctx, version);
        SSL_CTX_set_max_proto_version(ctx, version);
    }
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL *ssl = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    BIO_write(rb, hello, (int)len);
    SSL_set_bio(ssl, rb, wb);
    SSL_set_accept_state(ssl);
    server_name = NULL;
    (void)SSL_do_handshake(ssl); /* wants the client's next flight: that never comes */
    int n = BIO_read(wb, out, (int)cap);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return n > 0 ? (size_t)n : 0;
}

static void hello(unsigned char *buf, size_t *len, const char *sni)
{
    unsigned char rnd[64];
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (unsigned char)(i * 37 + 11);
    *len = p3s_tls_client_hello(buf, P3S_TLS_HELLO_MAX, sni, rnd);
    assert_true(*len > 100 && *len <= P3S_TLS_HELLO_MAX);
    /* The record's and the handshake's own lengths agree with what was written. */
    assert_int_equal(buf[0], 0x16);
    assert_int_equal((size_t)(buf[3] << 8 | buf[4]), *len - 5);
    assert_int_equal(buf[5], 0x01);
    assert_int_equal((size_t)(buf[6] << 16 | buf[7] << 8 | buf[8]), *len - 9);
}

static void test_every_version_answers(void **state)
{
    (void)state;
    unsigned char buf[P3S_TLS_HELLO_MAX], out[4096];
    size_t len;
    hello(buf, &len, "localhost");
    static const struct {
        int version;
        unsigned char minor; /* of the ServerHello's record header */
    } cases[] = {{0, 0x03}, {TLS1_3_VERSION, 0x03}, {TLS1_2_VERSION, 0x03},
                 {TLS1_1_VERSION, 0x02}, {TLS1_VERSION, 0x01}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = serve(buf, len, cases[i].version, out, sizeof out);
        if (n < 6 || out[0] != 0x16 || out[5] != 0x02)
            print_error("version %#x: answer %02x %02x %02x, %zu bytes\n", cases[i].version,
                        n ? out[0] : 0, n > 1 ? out[1] : 0, n > 2 ? out[2] : 0, n);
        assert_true(n >= 6);
        assert_int_equal(out[0], 0x16);      /* a handshake record */
        assert_int_equal(out[5], 0x02);      /* ServerHello */
        assert_int_equal(out[2], cases[i].minor);
        assert_int_equal(p3s_tls_record_kind(out, n), P3S_TLSSNIFF_TLS);
    }
}

static void test_sni_only_for_host_names(void **state)
{
    (void)state;
    unsigned char buf[P3S_TLS_HELLO_MAX], out[4096];
    size_t len;
    hello(buf, &len, "mail.example.test");
    assert_true(serve(buf, len, 0, out, sizeof out) > 0);
    assert_string_equal(server_name, "mail.example.test");
    const char *none[] = {NULL, "", "192.0.2.7", "2001:db8::1", "bad name"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        hello(buf, &len, none[i]);
        assert_true(serve(buf, len, 0, out, sizeof out) > 0);
        assert_true(server_name == NULL || server_name[0] == '\0');
    }
    char longest[256];
    memset(longest, 'a', 255);
    longest[255] = '\0';
    for (size_t i = 63; i < 255; i += 64)
        longest[i] = '.';
    hello(buf, &len, longest);
    assert_true(len <= P3S_TLS_HELLO_MAX);
}

static void test_record_kinds(void **state)
{
    (void)state;
    static const unsigned char hs[] = {0x16, 0x03, 0x03, 0x00, 0x7a};
    static const unsigned char alert[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46};
    static const unsigned char ssl3[] = {0x16, 0x03, 0x00};
    assert_int_equal(p3s_tls_record_kind(hs, 5), P3S_TLSSNIFF_TLS);
    assert_int_equal(p3s_tls_record_kind(hs, 3), P3S_TLSSNIFF_TLS);
    assert_int_equal(p3s_tls_record_kind(ssl3, 3), P3S_TLSSNIFF_TLS);
    assert_int_equal(p3s_tls_record_kind(alert, 7), P3S_TLSSNIFF_ALERT);
    assert_int_equal(p3s_tls_record_kind(hs, 2), 0); /* not enough yet */
    assert_int_equal(p3s_tls_record_kind(hs, 1), 0);
    assert_int_equal(p3s_tls_record_kind(hs, 0), 0);
    assert_int_equal(p3s_tls_record_kind((const unsigned char *)"+OK", 3),
                     P3S_TLSSNIFF_NOT_TLS);
    assert_int_equal(p3s_tls_record_kind((const unsigned char *)"-", 1), P3S_TLSSNIFF_NOT_TLS);
    assert_int_equal(p3s_tls_record_kind((const unsigned char *)"\x16\x02", 2),
                     P3S_TLSSNIFF_NOT_TLS);
    assert_int_equal(p3s_tls_record_kind((const unsigned char *)"\x16\x03\x05", 3),
                     P3S_TLSSNIFF_NOT_TLS);
    assert_int_equal(p3s_tls_record_kind((const unsigned char *)"HTTP/1.1", 8),
                     P3S_TLSSNIFF_NOT_TLS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_version_answers),
        cmocka_unit_test(test_sni_only_for_host_names),
        cmocka_unit_test(test_record_kinds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
