/* test_tlsinfo.c — unit tests of the certificate inspection and the TLS summaries (src/engine/tlsinfo.c).
 *
 * Every certificate is made here with the OpenSSL API: a test CA (RSA 2048) and leaves signed by
 * it or by themselves, with fixed dates, so each field, the chain verification (against a store
 * holding the test CA, against the system store that does not know it, and against a bundle
 * named by SSL_CERT_FILE), the RFC 7817 name match and the pop3-tls-cert / pop3-tls-weak
 * summaries can be asserted exactly. `now` is fixed at 2026-06-01T00:00:00Z.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsinfo.h"

static time_t now_fixed; /* 2026-06-01T00:00:00Z */

static EVP_PKEY *ca_key, *int_key, *ec_key, *rsa1024, *rsa2048, *ec192, *ed_key;
static X509 *ca, *inter;
static X509_STORE *ca_store; /* trusts the test CA */

struct spec {
    const char *cn;           /* subject CN (O=Example is added too), NULL for none */
    const char *san;          /* X509V3 config form, e.g. "DNS:a,IP:127.0.0.1"; NULL: none */
    const char *not_before;   /* "YYYYMMDDHHMMSSZ" */
    const char *not_after;
    EVP_PKEY *key;            /* the subject's key */
    X509 *issuer;             /* NULL: self-signed */
    EVP_PKEY *issuer_key;
    const EVP_MD *md;         /* NULL: SHA-256 (or none for Ed25519) */
    int is_ca;
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *make_cert(const struct spec *s)
{
    static long serial = 1;
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notBefore(x),
                                               s->not_before ? s->not_before : "20250101000000Z"),
                     1);
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
                                               s->not_after ? s->not_after : "20350101000000Z"),
                     1);
    assert_int_equal(X509_set_pubkey(x, s->key), 1);
    X509_NAME *name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                                (const unsigned char *)"Example", -1, -1, 0),
                     1);
    if (s->cn)
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                    (const unsigned char *)s->cn, -1, -1, 0),
                         1);
    X509 *issuer = s->issuer ? s->issuer : x;
    EVP_PKEY *ikey = s->issuer ? s->issuer_key : s->key;
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(issuer)), 1);
    add_ext(x, issuer, NID_subject_key_identifier, "hash");
    add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    if (s->is_ca) {
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
        add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
    }
    if (s->san)
        add_ext(x, issuer, NID_subject_alt_name, s->san);
    int ed = EVP_PKEY_get_base_id(ikey) == EVP_PKEY_ED25519;
    const EVP_MD *md = ed ? NULL : s->md ? s->md : EVP_sha256();
    assert_true(X509_sign(x, ikey, md) > 0);
    return x;
}

/* A leaf for CN/SAN, signed by the test CA with its EC P-256 key, valid 2025–2035. */
static X509 *leaf(const char *cn, const char *san)
{
    struct spec s = {.cn = cn, .san = san, .key = ec_key, .issuer = ca, .issuer_key = ca_key};
    return make_cert(&s);
}

static void inspect(X509 *x, STACK_OF(X509) *chain, const char *name, X509_STORE *store,
                    struct p3s_certinfo *ci)
{
    assert_int_equal(p3s_cert_inspect(x, chain, name, now_fixed, store, ci), 0);
}

static int name_matches(X509 *x, const char *name)
{
    struct p3s_certinfo ci;
    inspect(x, NULL, name, ca_store, &ci);
    assert_int_equal(ci.name_checked, 1);
    int m = ci.name_matches;
    p3s_certinfo_free(&ci);
    return m;
}

static int setup(void **state)
{
    (void)state;
    struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 5, .tm_mday = 1};
    now_fixed = timegm(&tm);
    ca_key = EVP_RSA_gen(2048);
    int_key = EVP_EC_gen("P-256");
    ec_key = EVP_EC_gen("P-256");
    rsa1024 = EVP_RSA_gen(1024);
    rsa2048 = EVP_RSA_gen(2048);
    ec192 = EVP_EC_gen("P-192");
    ed_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!ca_key || !int_key || !ec_key || !rsa1024 || !rsa2048 || !ec192 || !ed_key)
        return -1;
    struct spec cs = {.cn = "P3S Test CA", .key = ca_key, .is_ca = 1};
    ca = make_cert(&cs);
    struct spec is = {.cn = "P3S Test Intermediate", .key = int_key, .issuer = ca,
                      .issuer_key = ca_key, .is_ca = 1};
    inter = make_cert(&is);
    ca_store = X509_STORE_new();
    if (!ca_store || X509_STORE_add_cert(ca_store, ca) != 1)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509_STORE_free(ca_store);
    X509_free(ca);
    X509_free(inter);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(int_key);
    EVP_PKEY_free(ec_key);
    EVP_PKEY_free(rsa1024);
    EVP_PKEY_free(rsa2048);
    EVP_PKEY_free(ec192);
    EVP_PKEY_free(ed_key);
    p3s_tlsinfo_cleanup();
    return 0;
}

static void hex_digest(X509 *x, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
    assert_int_equal(n, 32);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- fields ----------------------------------------------------------------------------- */

static void test_valid_leaf_fields(void **state)
{
    (void)state;
    X509 *x = leaf("mail.example.test", "DNS:mail.example.test,DNS:pop.example.test");
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.present, 1);
    assert_string_equal(ci.subject, "CN=mail.example.test,O=Example");
    assert_string_equal(ci.issuer, "CN=P3S Test CA,O=Example");
    assert_int_equal(ci.nsans, 2);
    assert_int_equal(ci.sans_truncated, 0);
    assert_string_equal(ci.sans[0], "DNS:mail.example.test");
    assert_string_equal(ci.sans[1], "DNS:pop.example.test");
    assert_string_equal(ci.not_before, "2025-01-01T00:00:00Z");
    assert_string_equal(ci.not_after, "2035-01-01T00:00:00Z");
    assert_int_equal(ci.expired, 0);
    assert_int_equal(ci.not_yet_valid, 0);
    assert_string_equal(ci.key_type, "EC");
    assert_int_equal(ci.key_bits, 256);
    assert_string_equal(ci.sig_alg, "sha256WithRSAEncryption");
    char hex[65];
    hex_digest(x, hex);
    assert_string_equal(ci.sha256, hex);
    assert_int_equal(strlen(ci.sha256), 64);
    assert_int_equal(ci.self_signed, 0);
    assert_int_equal(ci.chain_verified, 1);
    assert_string_equal(ci.verify_error, "");
    assert_int_equal(ci.verify_code, X509_V_OK);
    assert_int_equal(ci.name_checked, 1);
    assert_int_equal(ci.name_matches, 1);
    assert_string_equal(ci.name, "mail.example.test");

    char buf[512];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(p3s_tls_weaknesses("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, &ci,
                                        P3S_TLSV_BIT(P3S_PROTO_TLS12) | P3S_TLSV_BIT(P3S_PROTO_TLS13), buf, sizeof buf),
                     0);
    assert_string_equal(buf, "");
    p3s_certinfo_free(&ci);
    p3s_certinfo_free(&ci); /* twice is harmless */
    assert_int_equal(ci.nsans, 0);

    /* the second SAN, any case, the absolute form */
    assert_true(name_matches(x, "pop.example.test"));
    assert_true(name_matches(x, "MAIL.Example.TEST"));
    assert_true(name_matches(x, "mail.example.test."));
    assert_false(name_matches(x, "example.test"));
    assert_false(name_matches(x, "mail.example.test.evil"));

    /* no name: nothing checked, nothing reported */
    inspect(x, NULL, NULL, ca_store, &ci);
    assert_int_equal(ci.name_checked, 0);
    assert_int_equal(ci.name_matches, 0);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 0);
    p3s_certinfo_free(&ci);
    inspect(x, NULL, "", ca_store, &ci);
    assert_int_equal(ci.name_checked, 0);
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_system_store_does_not_know_the_test_ca(void **state)
{
    (void)state;
    X509 *x = leaf("mail.example.test", "DNS:mail.example.test");
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", NULL, &ci);
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assert_int_equal(ci.verify_depth, 0);
    assert_string_equal(ci.verify_error, "unable to get local issuer certificate");
    char buf[512];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "untrusted chain: unable to get local issuer certificate");
    p3s_certinfo_free(&ci);
    assert_non_null(p3s_tls_system_store());
    assert_ptr_equal(p3s_tls_system_store(), p3s_tls_system_store()); /* loaded once */
    X509_free(x);
}

/* The system store is the bundle SSL_CERT_FILE names (read once, into memory): with the test
 * CA there, a leaf it issued verifies against the system store. */
static void test_system_store_from_ssl_cert_file(void **state)
{
    (void)state;
    char path[] = "/tmp/p3s-test-bundle-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, ca), 1);
    fclose(f);
    p3s_tlsinfo_cleanup();
    setenv("SSL_CERT_FILE", path, 1);
    X509 *x = leaf("mail.example.test", "DNS:mail.example.test");
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", NULL, &ci);
    assert_int_equal(ci.chain_verified, 1);
    assert_string_equal(ci.verify_error, "");
    p3s_certinfo_free(&ci);
    unlink(path); /* read already: the store does not go back to the file */
    inspect(x, NULL, "mail.example.test", NULL, &ci);
    assert_int_equal(ci.chain_verified, 1);
    p3s_certinfo_free(&ci);
    unsetenv("SSL_CERT_FILE");
    p3s_tlsinfo_cleanup();
    inspect(x, NULL, "mail.example.test", NULL, &ci); /* the default bundle again */
    assert_int_equal(ci.chain_verified, 0);
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_chain_with_intermediate(void **state)
{
    (void)state;
    struct spec s = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = ec_key,
                     .issuer = inter, .issuer_key = int_key};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    char buf[512];

    /* without the intermediate the chain cannot be built */
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assert_string_equal(ci.issuer, "CN=P3S Test Intermediate,O=Example");
    assert_string_equal(ci.sig_alg, "ecdsa-with-SHA256");
    p3s_certinfo_free(&ci);

    /* as a server sends it: leaf first, then the intermediate */
    STACK_OF(X509) *chain = sk_X509_new_null();
    assert_non_null(chain);
    sk_X509_push(chain, x);
    sk_X509_push(chain, inter);
    inspect(x, chain, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.chain_verified, 1);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 0);
    p3s_certinfo_free(&ci);

    /* an expired intermediate: the reason says at which depth */
    struct spec es = {.cn = "P3S Old Intermediate", .key = int_key, .issuer = ca,
                      .issuer_key = ca_key, .is_ca = 1, .not_before = "20200101000000Z",
                      .not_after = "20210101000000Z"};
    X509 *old = make_cert(&es);
    struct spec ls = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = ec_key,
                      .issuer = old, .issuer_key = int_key};
    X509 *x2 = make_cert(&ls);
    sk_X509_zero(chain);
    sk_X509_push(chain, old);
    inspect(x2, chain, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.expired, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_CERT_HAS_EXPIRED);
    assert_int_equal(ci.verify_depth, 1);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "untrusted chain: certificate has expired (depth 1)");
    p3s_certinfo_free(&ci);
    sk_X509_free(chain);
    X509_free(x2);
    X509_free(old);
    X509_free(x);
}

static void test_expired(void **state)
{
    (void)state;
    struct spec s = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = ec_key,
                     .issuer = ca, .issuer_key = ca_key, .not_before = "20200101000000Z",
                     .not_after = "20210101000000Z"};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_string_equal(ci.not_before, "2020-01-01T00:00:00Z");
    assert_string_equal(ci.not_after, "2021-01-01T00:00:00Z");
    assert_int_equal(ci.expired, 1);
    assert_int_equal(ci.not_yet_valid, 0);
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_CERT_HAS_EXPIRED);
    assert_string_equal(ci.verify_error, "certificate has expired");
    assert_int_equal(ci.name_matches, 1);
    char buf[512];
    /* the chain reason would only repeat the expiry */
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "expired on 2021-01-01T00:00:00Z");
    p3s_certinfo_free(&ci);

    /* an expired certificate from an unknown CA: both reasons */
    inspect(x, NULL, "mail.example.test", NULL, &ci);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 2);
    assert_string_equal(buf, "expired on 2021-01-01T00:00:00Z; "
                             "untrusted chain: unable to get local issuer certificate");
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_validity_bounds_inclusive(void **state)
{
    (void)state;
    struct spec s = {.cn = "mail.example.test", .key = ec_key, .issuer = ca,
                     .issuer_key = ca_key, .not_before = "20260101000000Z",
                     .not_after = "20260601000000Z"};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 0, .tm_mday = 1};
    time_t start = timegm(&tm);
    assert_int_equal(p3s_cert_inspect(x, NULL, NULL, now_fixed, ca_store, &ci), 0);
    /* RFC 5280 section 4.1.2.5: notAfter is inclusive. (OpenSSL's own verification already
     * calls it expired at that very second; one second of disagreement.) */
    assert_int_equal(ci.expired, 0); /* now == notAfter */
    p3s_certinfo_free(&ci);
    assert_int_equal(p3s_cert_inspect(x, NULL, NULL, now_fixed - 1, ca_store, &ci), 0);
    assert_int_equal(ci.expired, 0);
    assert_int_equal(ci.chain_verified, 1);
    p3s_certinfo_free(&ci);
    assert_int_equal(p3s_cert_inspect(x, NULL, NULL, now_fixed + 1, ca_store, &ci), 0);
    assert_int_equal(ci.expired, 1);
    assert_int_equal(ci.chain_verified, 0);
    p3s_certinfo_free(&ci);
    assert_int_equal(p3s_cert_inspect(x, NULL, NULL, start, ca_store, &ci), 0);
    assert_int_equal(ci.not_yet_valid, 0); /* now == notBefore */
    p3s_certinfo_free(&ci);
    assert_int_equal(p3s_cert_inspect(x, NULL, NULL, start - 1, ca_store, &ci), 0);
    assert_int_equal(ci.not_yet_valid, 1);
    assert_int_equal(ci.expired, 0);
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_not_yet_valid(void **state)
{
    (void)state;
    struct spec s = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = ec_key,
                     .issuer = ca, .issuer_key = ca_key, .not_before = "20300101000000Z",
                     .not_after = "20310101000000Z"};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.not_yet_valid, 1);
    assert_int_equal(ci.expired, 0);
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_CERT_NOT_YET_VALID);
    char buf[512];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "not valid before 2030-01-01T00:00:00Z");
    p3s_certinfo_free(&ci);
    X509_free(x);
}

/* ---- host names (RFC 7817 section 3) ----------------------------------------------------- */

static void test_wrong_name(void **state)
{
    (void)state;
    X509 *x = leaf("mail.example.test", "DNS:other.example.test,DNS:imap.example.test");
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.chain_verified, 1);
    assert_int_equal(ci.name_checked, 1);
    /* the CN is not looked at when there are DNS SANs */
    assert_int_equal(ci.name_matches, 0);
    char buf[512];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "host name mail.example.test does not match "
                             "DNS:other.example.test, DNS:imap.example.test");
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_wildcard(void **state)
{
    (void)state;
    X509 *x = leaf(NULL, "DNS:*.example.test");
    assert_true(name_matches(x, "a.example.test"));
    assert_true(name_matches(x, "mail.example.test"));
    assert_false(name_matches(x, "a.b.example.test")); /* one label only */
    assert_false(name_matches(x, "example.test"));     /* not the bare domain */
    assert_false(name_matches(x, "a.example.org"));
    X509_free(x);

    /* partial wildcards are refused (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS) */
    x = leaf(NULL, "DNS:f*.example.test");
    assert_false(name_matches(x, "foo.example.test"));
    X509_free(x);
    x = leaf(NULL, "DNS:*o.example.test");
    assert_false(name_matches(x, "foo.example.test"));
    X509_free(x);
    /* and anywhere but the left-most label */
    x = leaf(NULL, "DNS:mail.*.test");
    assert_false(name_matches(x, "mail.example.test"));
    X509_free(x);
    /* never across a public suffix-like two labels */
    x = leaf(NULL, "DNS:*.test");
    assert_false(name_matches(x, "example.test"));
    X509_free(x);
}

static void test_ip_sans(void **state)
{
    (void)state;
    X509 *x = leaf("localhost", "DNS:localhost,IP:127.0.0.1,IP:::1");
    struct p3s_certinfo ci;
    inspect(x, NULL, "127.0.0.1", ca_store, &ci);
    assert_int_equal(ci.nsans, 3);
    assert_string_equal(ci.sans[0], "DNS:localhost");
    assert_string_equal(ci.sans[1], "IP:127.0.0.1");
    assert_string_equal(ci.sans[2], "IP:::1");
    assert_int_equal(ci.name_matches, 1);
    p3s_certinfo_free(&ci);
    assert_true(name_matches(x, "::1"));
    assert_true(name_matches(x, "0:0::1"));
    assert_false(name_matches(x, "127.0.0.2"));
    assert_true(name_matches(x, "localhost"));
    X509_free(x);

    /* an IP literal is not matched against DNS names or the CN */
    x = leaf("127.0.0.1", "DNS:127.0.0.1");
    assert_false(name_matches(x, "127.0.0.1"));
    X509_free(x);
    x = leaf("127.0.0.1", NULL);
    assert_false(name_matches(x, "127.0.0.1"));
    X509_free(x);
}

static void test_cn_only(void **state)
{
    (void)state;
    X509 *x = leaf("mail.example.test", NULL);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.nsans, 0);
    assert_int_equal(ci.name_matches, 1); /* no DNS SAN: the CN counts */
    p3s_certinfo_free(&ci);
    inspect(x, NULL, "other.example.test", ca_store, &ci);
    assert_int_equal(ci.name_matches, 0);
    char buf[512];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "host name other.example.test does not match the subject "
                             "CN=mail.example.test,O=Example");
    p3s_certinfo_free(&ci);
    X509_free(x);

    /* a SAN of another type only (IP): the CN still counts for names */
    x = leaf("mail.example.test", "IP:192.0.2.1");
    assert_true(name_matches(x, "mail.example.test"));
    X509_free(x);
}

static void test_san_bytes_escaped(void **state)
{
    (void)state;
    /* A dNSName with a NUL (the 2009 "null prefix" trick) and a control byte. */
    X509 *x = leaf("mail.example.test", NULL);
    GENERAL_NAMES *gens = GENERAL_NAMES_new();
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    static const char raw[] = "mail.example.test\0.evil\\\x01";
    assert_int_equal(ASN1_STRING_set(ia5, raw, sizeof raw - 1), 1);
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(gens, gn);
    assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT), 1);
    GENERAL_NAMES_free(gens);
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.nsans, 1);
    assert_string_equal(ci.sans[0], "DNS:mail.example.test\\x00.evil\\x5c\\x01");
    assert_int_equal(ci.name_matches, 0);
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_many_sans(void **state)
{
    (void)state;
    char san[2048];
    size_t len = 0;
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(san + len, sizeof san - len, "%sDNS:h%d.example.test",
                                i ? "," : "", i);
    X509 *x = leaf(NULL, san);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_int_equal(ci.nsans, P3S_TLS_MAX_SANS);
    assert_int_equal(ci.sans_truncated, 1);
    assert_string_equal(ci.sans[31], "DNS:h31.example.test");
    char buf[4096];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "DNS:h31.example.test, ..."));
    p3s_certinfo_free(&ci);
    /* a name past the limit still matches: the check reads the certificate, not the list */
    assert_true(name_matches(x, "h39.example.test"));
    X509_free(x);
}

/* ---- keys, signatures, self-signed ------------------------------------------------------ */

static void key_case(EVP_PKEY *key, const char *type, int bits, const char *weak)
{
    struct spec s = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = key,
                     .issuer = ca, .issuer_key = ca_key};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_string_equal(ci.key_type, type);
    assert_int_equal(ci.key_bits, bits);
    char buf[256];
    size_t n = p3s_tls_weaknesses("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128, &ci,
                                  P3S_TLSV_BIT(P3S_PROTO_TLS12), buf, sizeof buf);
    assert_int_equal(n, weak ? 1 : 0);
    assert_string_equal(buf, weak ? weak : "");
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_key_types(void **state)
{
    (void)state;
    key_case(rsa1024, "RSA", 1024, "RSA 1024-bit key");
    key_case(rsa2048, "RSA", 2048, NULL);
    key_case(ec_key, "EC", 256, NULL);
    key_case(ec192, "EC", 192, "EC 192-bit key");
    key_case(ed_key, "Ed25519", 256, NULL); /* EVP_PKEY_get_bits in OpenSSL 3 */
}

static void test_sha1_signature(void **state)
{
    (void)state;
    struct spec s = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = ec_key,
                     .issuer = ca, .issuer_key = ca_key, .md = EVP_sha1()};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    inspect(x, NULL, "mail.example.test", ca_store, &ci);
    assert_string_equal(ci.sig_alg, "sha1WithRSAEncryption");
    assert_int_equal(ci.chain_verified, 1); /* a store without a security level takes it */
    char buf[256];
    assert_int_equal(p3s_tls_weaknesses("TLSv1.2", "AES128-GCM-SHA256", 128, &ci, 0, buf,
                                        sizeof buf),
                     1);
    assert_string_equal(buf, "SHA-1 signature (sha1WithRSAEncryption)");
    p3s_certinfo_free(&ci);
    X509_free(x);

    /* an EC key signing with SHA-1, and MD5 */
    struct spec e = {.cn = "self", .key = ec_key, .md = EVP_sha1()};
    x = make_cert(&e);
    inspect(x, NULL, NULL, NULL, &ci);
    assert_string_equal(ci.sig_alg, "ecdsa-with-SHA1");
    assert_int_equal(p3s_tls_weaknesses(NULL, NULL, 0, &ci, 0, buf, sizeof buf), 1);
    assert_string_equal(buf, "SHA-1 signature (ecdsa-with-SHA1)");
    p3s_certinfo_free(&ci);
    X509_free(x);
    struct spec m = {.cn = "self", .key = rsa2048, .md = EVP_md5()};
    x = make_cert(&m);
    inspect(x, NULL, NULL, NULL, &ci);
    assert_string_equal(ci.sig_alg, "md5WithRSAEncryption");
    assert_int_equal(p3s_tls_weaknesses(NULL, NULL, 0, &ci, 0, buf, sizeof buf), 1);
    assert_string_equal(buf, "MD5 signature (md5WithRSAEncryption)");
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_self_signed(void **state)
{
    (void)state;
    struct spec s = {.cn = "mail.example.test", .san = "DNS:mail.example.test", .key = ec_key};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    char buf[512];

    /* the system store does not trust it */
    inspect(x, NULL, "mail.example.test", NULL, &ci);
    assert_int_equal(ci.self_signed, 1);
    assert_string_equal(ci.subject, ci.issuer);
    assert_string_equal(ci.sig_alg, "ecdsa-with-SHA256");
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    assert_string_equal(ci.verify_error, "self-signed certificate");
    assert_int_equal(ci.name_matches, 1);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "self-signed");
    p3s_certinfo_free(&ci);

    /* nor an empty store */
    X509_STORE *empty = X509_STORE_new();
    inspect(x, NULL, "mail.example.test", empty, &ci);
    assert_int_equal(ci.chain_verified, 0);
    assert_int_equal(ci.verify_code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    p3s_certinfo_free(&ci);
    X509_STORE_free(empty);

    /* a store that holds it as an anchor verifies it; still reported as self-signed */
    X509_STORE *own = X509_STORE_new();
    assert_int_equal(X509_STORE_add_cert(own, x), 1);
    inspect(x, NULL, "mail.example.test", own, &ci);
    assert_int_equal(ci.chain_verified, 1);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "self-signed");
    p3s_certinfo_free(&ci);
    X509_STORE_free(own);

    /* the CA is self-signed too; a leaf it signed is not */
    inspect(ca, NULL, NULL, ca_store, &ci);
    assert_int_equal(ci.self_signed, 1);
    assert_string_equal(ci.key_type, "RSA");
    assert_int_equal(ci.key_bits, 2048);
    p3s_certinfo_free(&ci);

    /* same subject and issuer, but signed by another key: not self-signed */
    struct spec f = {.cn = "mail.example.test", .key = ec_key};
    X509 *fake = make_cert(&f);
    assert_true(X509_sign(fake, int_key, EVP_sha256()) > 0);
    inspect(fake, NULL, NULL, NULL, &ci);
    assert_int_equal(ci.self_signed, 0);
    assert_int_equal(ci.chain_verified, 0);
    p3s_certinfo_free(&ci);
    X509_free(fake);

    /* every problem at once, in order */
    struct spec all = {.cn = "old.example.test", .san = "DNS:old.example.test", .key = ec_key,
                       .not_before = "20200101000000Z", .not_after = "20210101000000Z"};
    X509 *bad = make_cert(&all);
    inspect(bad, NULL, "mail.example.test", NULL, &ci);
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 3);
    assert_string_equal(buf, "expired on 2021-01-01T00:00:00Z; self-signed; host name "
                             "mail.example.test does not match DNS:old.example.test");
    p3s_certinfo_free(&ci);
    X509_free(bad);
    X509_free(x);
}

static void test_no_certificate(void **state)
{
    (void)state;
    struct p3s_certinfo ci;
    assert_int_equal(p3s_cert_inspect(NULL, NULL, "mail.example.test", now_fixed, NULL, &ci), 0);
    assert_int_equal(ci.present, 0);
    char buf[64];
    assert_int_equal(p3s_tls_cert_problems(&ci, buf, sizeof buf), 1);
    assert_string_equal(buf, "no certificate");
    assert_int_equal(p3s_tls_cert_problems(NULL, buf, sizeof buf), 1);
    /* no certificate: no key or signature weaknesses either */
    assert_int_equal(p3s_tls_weaknesses("TLSv1.2", "AES128-SHA", 128, &ci, 0, buf, sizeof buf), 0);
    p3s_certinfo_free(&ci);
}

/* ---- the weakness summary --------------------------------------------------------------- */

static void weak_cipher(const char *cipher, int bits, const char *expect)
{
    char buf[256];
    size_t n = p3s_tls_weaknesses("TLSv1.2", cipher, bits, NULL, 0, buf, sizeof buf);
    assert_int_equal(n, expect ? 1 : 0);
    assert_string_equal(buf, expect ? expect : "");
}

static void test_weak_ciphers(void **state)
{
    (void)state;
    weak_cipher("DES-CBC3-SHA", 112, "weak cipher DES-CBC3-SHA (3DES, 112-bit)");
    weak_cipher("ECDHE-RSA-DES-CBC3-SHA", 112, "weak cipher ECDHE-RSA-DES-CBC3-SHA (3DES, 112-bit)");
    weak_cipher("TLS_RSA_WITH_3DES_EDE_CBC_SHA", 112,
                "weak cipher TLS_RSA_WITH_3DES_EDE_CBC_SHA (3DES, 112-bit)");
    weak_cipher("EDH-RSA-DES-CBC-SHA", 56, "weak cipher EDH-RSA-DES-CBC-SHA (DES, 56-bit)");
    weak_cipher("DES-CBC-SHA", 56, "weak cipher DES-CBC-SHA (DES, 56-bit)");
    weak_cipher("RC4-MD5", 128, "weak cipher RC4-MD5 (RC4, MD5 MAC)");
    weak_cipher("ECDHE-RSA-RC4-SHA", 128, "weak cipher ECDHE-RSA-RC4-SHA (RC4)");
    weak_cipher("EXP-RC4-MD5", 40, "weak cipher EXP-RC4-MD5 (export, RC4, MD5 MAC, 40-bit)");
    weak_cipher("EXP-RC2-CBC-MD5", 40,
                "weak cipher EXP-RC2-CBC-MD5 (export, RC2, MD5 MAC, 40-bit)");
    weak_cipher("NULL-SHA256", 0, "weak cipher NULL-SHA256 (NULL encryption)");
    weak_cipher("ECDHE-ECDSA-NULL-SHA", 0, "weak cipher ECDHE-ECDSA-NULL-SHA (NULL encryption)");
    weak_cipher("ADH-AES128-SHA", 128, "weak cipher ADH-AES128-SHA (anonymous)");
    weak_cipher("AECDH-AES256-SHA", 256, "weak cipher AECDH-AES256-SHA (anonymous)");
    weak_cipher("TLS_DH_anon_WITH_AES_128_CBC_SHA", 128,
                "weak cipher TLS_DH_anon_WITH_AES_128_CBC_SHA (anonymous)");
    weak_cipher("SOME-FUTURE-CIPHER", 64, "weak cipher SOME-FUTURE-CIPHER (64-bit)");
    /* strong ones */
    weak_cipher("ECDHE-RSA-AES128-GCM-SHA256", 128, NULL);
    weak_cipher("ECDHE-RSA-AES256-SHA", 256, NULL);
    weak_cipher("TLS_AES_128_GCM_SHA256", 128, NULL);
    weak_cipher("TLS_CHACHA20_POLY1305_SHA256", 256, NULL);
    weak_cipher("DHE-RSA-AES256-SHA256", 256, NULL);
    weak_cipher("ECDHE-RSA-AES128-GCM-SHA256", 0, NULL); /* bits unknown */
    weak_cipher("", 0, NULL);
    weak_cipher(NULL, 0, NULL);
}

static void test_weak_versions(void **state)
{
    (void)state;
    char buf[512];
    /* negotiated weak, others accepted: the negotiated one is not repeated */
    size_t n = p3s_tls_weaknesses("TLSv1", "DES-CBC3-SHA", 112, NULL,
                                  P3S_TLSV_BIT(P3S_PROTO_SSL3) | P3S_TLSV_BIT(P3S_PROTO_TLS10) | P3S_TLSV_BIT(P3S_PROTO_TLS11) | P3S_TLSV_BIT(P3S_PROTO_TLS12),
                                  buf, sizeof buf);
    assert_int_equal(n, 4);
    assert_string_equal(buf, "TLSv1.0 negotiated; SSLv3 accepted; TLSv1.1 accepted; "
                             "weak cipher DES-CBC3-SHA (3DES, 112-bit)");
    n = p3s_tls_weaknesses("TLSv1.0", NULL, 0, NULL, 0, buf, sizeof buf);
    assert_int_equal(n, 1);
    assert_string_equal(buf, "TLSv1.0 negotiated");
    n = p3s_tls_weaknesses("TLSv1.1", NULL, 0, NULL, 0, buf, sizeof buf);
    assert_string_equal(buf, "TLSv1.1 negotiated");
    n = p3s_tls_weaknesses("SSLv3", NULL, 0, NULL, 0, buf, sizeof buf);
    assert_string_equal(buf, "SSLv3 negotiated");
    n = p3s_tls_weaknesses("SSLv2", NULL, 0, NULL, 0, buf, sizeof buf);
    assert_string_equal(buf, "SSLv2 negotiated");
    /* a modern session on a server that still accepts TLS 1.0 */
    n = p3s_tls_weaknesses("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, NULL,
                           P3S_TLSV_BIT(P3S_PROTO_TLS10) | P3S_TLSV_BIT(P3S_PROTO_TLS12) | P3S_TLSV_BIT(P3S_PROTO_TLS13), buf, sizeof buf);
    assert_int_equal(n, 1);
    assert_string_equal(buf, "TLSv1.0 accepted");
    n = p3s_tls_weaknesses("TLSv1.2", NULL, 0, NULL, P3S_TLSV_BIT(P3S_PROTO_TLS12) | P3S_TLSV_BIT(P3S_PROTO_TLS13), buf,
                           sizeof buf);
    assert_int_equal(n, 0);
    n = p3s_tls_weaknesses(NULL, NULL, 0, NULL, 0, buf, sizeof buf);
    assert_int_equal(n, 0);
    n = p3s_tls_weaknesses("garbage", NULL, 0, NULL, 0, buf, sizeof buf);
    assert_int_equal(n, 0);

    /* key and signature after the protocol and cipher */
    struct spec s = {.cn = "mail.example.test", .key = rsa1024, .issuer = ca,
                     .issuer_key = ca_key, .md = EVP_sha1()};
    X509 *x = make_cert(&s);
    struct p3s_certinfo ci;
    inspect(x, NULL, NULL, ca_store, &ci);
    n = p3s_tls_weaknesses("TLSv1.1", "RC4-SHA", 128, &ci, P3S_TLSV_BIT(P3S_PROTO_TLS10) | P3S_TLSV_BIT(P3S_PROTO_TLS11), buf,
                           sizeof buf);
    assert_int_equal(n, 5);
    assert_string_equal(buf, "TLSv1.1 negotiated; TLSv1.0 accepted; weak cipher RC4-SHA (RC4); "
                             "RSA 1024-bit key; SHA-1 signature (sha1WithRSAEncryption)");
    p3s_certinfo_free(&ci);
    X509_free(x);
}

static void test_summary_buffers(void **state)
{
    (void)state;
    unsigned all = P3S_TLSV_BIT(P3S_PROTO_SSL3) | P3S_TLSV_BIT(P3S_PROTO_TLS10) | P3S_TLSV_BIT(P3S_PROTO_TLS11);
    /* counting only */
    assert_int_equal(p3s_tls_weaknesses("TLSv1.2", "RC4-MD5", 128, NULL, all, NULL, 0), 4);
    /* cut, with the count still complete */
    char buf[20];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(p3s_tls_weaknesses("TLSv1.2", "RC4-MD5", 128, NULL, all, buf, sizeof buf),
                     4);
    assert_int_equal(strlen(buf), sizeof buf - 1);
    assert_string_equal(buf, "SSLv3 accepted; ...");
    char tiny[3];
    assert_int_equal(p3s_tls_weaknesses("TLSv1.2", "RC4-MD5", 128, NULL, all, tiny, sizeof tiny),
                     4);
    assert_string_equal(tiny, "SS");
    char one[1];
    assert_int_equal(p3s_tls_cert_problems(NULL, one, sizeof one), 1);
    assert_string_equal(one, "");
    /* exactly fitting is not cut */
    char fit[sizeof "SSLv3 accepted"];
    assert_int_equal(p3s_tls_weaknesses(NULL, NULL, 0, NULL, P3S_TLSV_BIT(P3S_PROTO_SSL3), fit, sizeof fit), 1);
    assert_string_equal(fit, "SSLv3 accepted");
}

/* The one list of versions (record/tls.h): wire codes, pop3scan's labels, OpenSSL's names (both
 * spellings of TLS 1.0 found), and which are weak. */
static void test_version_helpers(void **state)
{
    (void)state;
    static const int codes[] = {SSL3_VERSION, TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
                                TLS1_3_VERSION};
    static const char *const labels[] = {"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
    for (int i = 0; i < P3S_PROTO_COUNT; i++) {
        assert_int_equal(P3S_TLS_PROTOS[i].code, codes[i]);
        assert_int_equal(p3s_tls_proto_of_code(codes[i]), i);
        assert_string_equal(P3S_TLS_PROTOS[i].label, labels[i]);
        assert_int_equal(p3s_tls_proto_of_name(labels[i]), i);
        assert_int_equal(P3S_TLS_PROTOS[i].weak, i <= P3S_PROTO_TLS11);
    }
    assert_int_equal(p3s_tls_proto_of_name("TLSv1"), P3S_PROTO_TLS10);
    assert_int_equal(p3s_tls_proto_of_name("SSLv2"), -1);
    assert_int_equal(p3s_tls_proto_of_name(NULL), -1);
    assert_int_equal(p3s_tls_proto_of_code(0x0002), -1);
    assert_int_equal(P3S_TLSV_BIT(P3S_PROTO_TLS13), 1u << 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_leaf_fields),
        cmocka_unit_test(test_system_store_does_not_know_the_test_ca),
        cmocka_unit_test(test_system_store_from_ssl_cert_file),
        cmocka_unit_test(test_chain_with_intermediate),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_validity_bounds_inclusive),
        cmocka_unit_test(test_not_yet_valid),
        cmocka_unit_test(test_wrong_name),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_ip_sans),
        cmocka_unit_test(test_cn_only),
        cmocka_unit_test(test_san_bytes_escaped),
        cmocka_unit_test(test_many_sans),
        cmocka_unit_test(test_key_types),
        cmocka_unit_test(test_sha1_signature),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_no_certificate),
        cmocka_unit_test(test_weak_ciphers),
        cmocka_unit_test(test_weak_versions),
        cmocka_unit_test(test_summary_buffers),
        cmocka_unit_test(test_version_helpers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
