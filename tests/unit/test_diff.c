/* test_diff.c — unit tests of the diff rules (src/store/diff.h): rows are built by hand, one
 * key at a time through p3s_diff_pair, and whole streams through p3s_diff_merge; each test
 * says which changes must come out, and no others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diff.h"
#include "row.h"

/* A POP3 service as a scan of a Dovecot with STLS sees it. */
static struct p3s_row base(void)
{
    struct p3s_row r;
    memset(&r, 0, sizeof r);
    r.col[P3S_COL_TARGET] = "mail.example.test";
    r.col[P3S_COL_IP] = "192.0.2.7";
    r.port = 110;
    r.col[P3S_COL_TRANSPORT] = "plain";
    r.col[P3S_COL_STATE] = "pop3";
    r.col[P3S_COL_CONFIDENCE] = "confirmed";
    r.col[P3S_COL_GREETING] = "+OK Dovecot ready.";
    r.col[P3S_COL_VENDOR] = "Dovecot";
    r.col[P3S_COL_PRODUCT] = "Dovecot";
    r.col[P3S_COL_PRODUCT_CONFIDENCE] = "certain";
    r.col[P3S_COL_CAPABILITIES] = "CAPA\nTOP\nUIDL\nSTLS\nUSER\nSASL PLAIN LOGIN";
    r.col[P3S_COL_CAPABILITIES_TLS] = "CAPA\nTOP\nUIDL\nUSER\nSASL PLAIN LOGIN";
    r.col[P3S_COL_STLS] = "upgraded";
    r.col[P3S_COL_PLAINTEXT_LOGIN] = "refused";
    r.col[P3S_COL_TLS_VERSION] = "TLSv1.3";
    r.col[P3S_COL_TLS_CIPHER] = "TLS_AES_256_GCM_SHA384";
    r.col[P3S_COL_TLS_VERSIONS] = "TLSv1.2 TLSv1.3";
    r.col[P3S_COL_CERT_SHA256] = "aaaa";
    r.col[P3S_COL_CERT_SUBJECT] = "CN=mail.example.test";
    r.col[P3S_COL_CERT_NOT_AFTER] = "2030-01-01T00:00:00Z";
    r.col[P3S_COL_FINDINGS] = "pop3-detected info\npop3-tls-cert low";
    return r;
}

#define MAX_SEEN 32

struct seen {
    size_t n;
    struct {
        enum p3s_change_kind kind;
        char old_val[128], new_val[128];
        long long days;
        int port;
    } c[MAX_SEEN];
    int stop_after; /* return 7 from the callback after this many (0: never) */
};

static int collect(void *arg, const struct p3s_change *c)
{
    struct seen *s = arg;
    assert_true(s->n < MAX_SEEN);
    s->c[s->n].kind = c->kind;
    snprintf(s->c[s->n].old_val, 128, "%s", c->old_val ? c->old_val : "(null)");
    snprintf(s->c[s->n].new_val, 128, "%s", c->new_val ? c->new_val : "(null)");
    s->c[s->n].days = c->days_left;
    s->c[s->n].port = (c->new ? c->new : c->old)->port;
    s->n++;
    return s->stop_after && s->n >= (size_t)s->stop_after ? 7 : 0;
}

static struct seen run(const struct p3s_row *old, const struct p3s_row *new, long long exp_s)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    struct p3s_diff d;
    p3s_diff_init(&d, collect, &s);
    d.expiring_s = exp_s;
    d.now = 1893456000 - 40 * 86400; /* 40 days before 2030-01-01 */
    assert_int_equal(p3s_diff_pair(&d, old, new), 0);
    size_t total = 0;
    for (int k = 0; k < P3S_CH_COUNT; k++)
        total += d.counts[k];
    assert_int_equal(total, s.n);
    assert_int_equal(d.keys_changed, s.n > 0);
    p3s_diff_free(&d);
    return s;
}

static void expect(const struct seen *s, size_t i, enum p3s_change_kind kind,
                   const char *old_val, const char *new_val)
{
    assert_true(i < s->n);
    if (s->c[i].kind != kind)
        print_error("change %zu: %s, expected %s\n", i, P3S_CHANGE_NAMES[s->c[i].kind],
                    P3S_CHANGE_NAMES[kind]);
    assert_int_equal(s->c[i].kind, kind);
    assert_string_equal(s->c[i].old_val, old_val ? old_val : "(null)");
    assert_string_equal(s->c[i].new_val, new_val ? new_val : "(null)");
}

static void none(const struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        print_error("unexpected change %s: %s -> %s\n", P3S_CHANGE_NAMES[s->c[i].kind],
                    s->c[i].old_val, s->c[i].new_val);
    assert_int_equal(s->n, 0);
}

static void test_same_is_no_change(void **state)
{
    (void)state;
    struct p3s_row a = base(), b = base();
    struct seen s = run(&a, &b, 0);
    none(&s);
    /* the order of capabilities and findings is not a change */
    b.col[P3S_COL_CAPABILITIES] = "SASL PLAIN LOGIN\nUSER\nSTLS\nUIDL\nTOP\nCAPA";
    b.col[P3S_COL_FINDINGS] = "pop3-tls-cert low\npop3-detected info";
    s = run(&a, &b, 0);
    none(&s);
    /* nor what the record-level confidence or the error say */
    b.col[P3S_COL_CONFIDENCE] = "probable";
    b.col[P3S_COL_ERROR] = "whatever";
    s = run(&a, &b, 0);
    none(&s);
}

static void test_appeared_disappeared_state(void **state)
{
    (void)state;
    struct p3s_row pop = base(), closed = base(), filtered = base();
    closed.col[P3S_COL_STATE] = "closed";
    filtered.col[P3S_COL_STATE] = "filtered";
    struct seen s = run(NULL, &pop, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_APPEARED, NULL, "pop3");
    s = run(&closed, &pop, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_APPEARED, "closed", "pop3");
    s = run(&pop, NULL, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_DISAPPEARED, "pop3", NULL);
    s = run(&pop, &filtered, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_DISAPPEARED, "pop3", "filtered");
    s = run(&closed, &filtered, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_STATE, "closed", "filtered");
    s = run(NULL, &closed, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_STATE, NULL, "closed");
    s = run(&closed, NULL, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_STATE, "closed", NULL);
    /* two other services: only their states are compared, not their greetings */
    struct p3s_row o1 = base(), o2 = base();
    o1.col[P3S_COL_STATE] = o2.col[P3S_COL_STATE] = "other-service";
    o2.col[P3S_COL_GREETING] = "220 smtp";
    s = run(&o1, &o2, 0);
    none(&s);
}

static void test_greeting_product_version_confidence(void **state)
{
    (void)state;
    struct p3s_row a = base(), b = base();
    b.col[P3S_COL_GREETING] = "+OK Mail ready.";
    b.col[P3S_COL_PRODUCT_CONFIDENCE] = "guess";
    struct seen s = run(&a, &b, 0);
    assert_int_equal(s.n, 2);
    expect(&s, 0, P3S_CH_GREETING, "+OK Dovecot ready.", "+OK Mail ready.");
    expect(&s, 1, P3S_CH_CONFIDENCE, "certain", "guess");

    b = base();
    b.col[P3S_COL_VENDOR] = "Cyrus";
    b.col[P3S_COL_PRODUCT] = "Cyrus IMAP";
    b.col[P3S_COL_VERSION] = "3.6.1";
    b.col[P3S_COL_PRODUCT_CONFIDENCE] = "likely";
    s = run(&a, &b, 0);
    /* product and version; the confidence of another product is not a change of its own */
    assert_int_equal(s.n, 2);
    expect(&s, 0, P3S_CH_PRODUCT, "Dovecot", "Cyrus IMAP");
    expect(&s, 1, P3S_CH_VERSION, NULL, "3.6.1");

    b = base();
    b.col[P3S_COL_VENDOR] = "Example";
    b.col[P3S_COL_PRODUCT] = "POP server";
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_PRODUCT, "Dovecot", "Example POP server");

    b = base();
    b.col[P3S_COL_VENDOR] = b.col[P3S_COL_PRODUCT] = b.col[P3S_COL_PRODUCT_CONFIDENCE] = NULL;
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_PRODUCT, "Dovecot", NULL);
}

static void test_findings(void **state)
{
    (void)state;
    struct p3s_row a = base(), b = base();
    b.col[P3S_COL_FINDINGS] = "pop3-detected info\npop3-plaintext-login high";
    struct seen s = run(&a, &b, 0);
    assert_int_equal(s.n, 2);
    expect(&s, 0, P3S_CH_FINDING_OPENED, NULL, "pop3-plaintext-login high");
    expect(&s, 1, P3S_CH_FINDING_CLOSED, "pop3-tls-cert low", NULL);
    /* the same id at another severity (a newer catalog) is not opened nor closed */
    b.col[P3S_COL_FINDINGS] = "pop3-detected info\npop3-tls-cert medium";
    s = run(&a, &b, 0);
    none(&s);
    /* one id a prefix of another */
    a.col[P3S_COL_FINDINGS] = "pop3-tls info";
    b.col[P3S_COL_FINDINGS] = "pop3-tls-cert low";
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 2);
    expect(&s, 0, P3S_CH_FINDING_OPENED, NULL, "pop3-tls-cert low");
    expect(&s, 1, P3S_CH_FINDING_CLOSED, "pop3-tls info", NULL);
    b.col[P3S_COL_FINDINGS] = "";
    a.col[P3S_COL_FINDINGS] = "";
    s = run(&a, &b, 0);
    none(&s);
}

static void test_tls(void **state)
{
    (void)state;
    struct p3s_row a = base(), b = base();
    b.col[P3S_COL_TLS_VERSION] = "TLSv1.2";
    b.col[P3S_COL_TLS_CIPHER] = "ECDHE-RSA-AES128-GCM-SHA256";
    b.col[P3S_COL_TLS_VERSIONS] = "TLSv1.0 TLSv1.2";
    b.col[P3S_COL_CERT_SHA256] = "bbbb";
    struct seen s = run(&a, &b, 0);
    assert_int_equal(s.n, 4);
    expect(&s, 0, P3S_CH_TLS_VERSION, "TLSv1.3", "TLSv1.2");
    expect(&s, 1, P3S_CH_TLS_VERSIONS, "TLSv1.2 TLSv1.3", "TLSv1.0 TLSv1.2");
    expect(&s, 2, P3S_CH_TLS_CIPHER, "TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256");
    expect(&s, 3, P3S_CH_CERTIFICATE, "aaaa", "bbbb");
    /* versions not probed (--no-tls-versions) on one side: unknown, not a change */
    b = base();
    b.col[P3S_COL_TLS_VERSIONS] = NULL;
    s = run(&a, &b, 0);
    none(&s);
    /* TLS gone: the negotiated version says it; cipher, versions, certificate and the
     * capabilities under TLS are not compared with nothing */
    b = base();
    b.col[P3S_COL_TLS_VERSION] = b.col[P3S_COL_TLS_CIPHER] = b.col[P3S_COL_TLS_VERSIONS] = NULL;
    b.col[P3S_COL_CERT_SHA256] = b.col[P3S_COL_CERT_SUBJECT] = NULL;
    b.col[P3S_COL_CERT_NOT_AFTER] = b.col[P3S_COL_CAPABILITIES_TLS] = NULL;
    b.col[P3S_COL_STLS] = "advertised";
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 2);
    expect(&s, 0, P3S_CH_TLS_VERSION, "TLSv1.3", NULL);
    expect(&s, 1, P3S_CH_STLS, "upgraded", "advertised");
}

static void test_capabilities_sasl_stls_login(void **state)
{
    (void)state;
    struct p3s_row a = base(), b = base();
    /* STLS gone from the list: an stls change, not a capability one */
    b.col[P3S_COL_CAPABILITIES] = "CAPA\nTOP\nUIDL\nUSER\nSASL PLAIN LOGIN";
    b.col[P3S_COL_STLS] = "none";
    struct seen s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_STLS, "upgraded", "none");
    /* SASL mechanisms: a sasl change only */
    b = base();
    b.col[P3S_COL_CAPABILITIES] = "CAPA\nTOP\nUIDL\nSTLS\nUSER\nsasl  PLAIN   CRAM-MD5";
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_SASL, "PLAIN LOGIN", "PLAIN CRAM-MD5");
    /* a capability added, one removed, under TLS */
    b = base();
    b.col[P3S_COL_CAPABILITIES_TLS] = "CAPA\nTOP\nUSER\nPIPELINING\nSASL PLAIN LOGIN";
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_CAPABILITIES_TLS, "CAPA\nTOP\nUIDL\nUSER",
           "CAPA\nTOP\nUSER\nPIPELINING");
    /* CAPA answered no more: the list and its SASL line are gone */
    b = base();
    b.col[P3S_COL_CAPABILITIES] = NULL;
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_CAPABILITIES, "CAPA\nTOP\nUIDL\nUSER", NULL);
    /* cleartext login: accepted now; unknown (not probed) is not compared */
    b = base();
    b.col[P3S_COL_PLAINTEXT_LOGIN] = "accepted";
    s = run(&a, &b, 0);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_PLAINTEXT_LOGIN, "refused", "accepted");
    b.col[P3S_COL_PLAINTEXT_LOGIN] = "unknown";
    s = run(&a, &b, 0);
    none(&s);
    /* implicit TLS has no STLS and no cleartext login on either side */
    a.col[P3S_COL_STLS] = a.col[P3S_COL_PLAINTEXT_LOGIN] = NULL;
    b.col[P3S_COL_STLS] = b.col[P3S_COL_PLAINTEXT_LOGIN] = NULL;
    s = run(&a, &b, 0);
    none(&s);
}

static void test_expiring(void **state)
{
    (void)state;
    struct p3s_row a = base(), b = base();
    /* now is 40 days before the end: inside a 60-day window, outside a 30-day one */
    struct seen s = run(&a, &b, 30 * 86400LL);
    none(&s);
    s = run(&a, &b, 60 * 86400LL);
    assert_int_equal(s.n, 1);
    expect(&s, 0, P3S_CH_CERT_EXPIRING, "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
    assert_int_equal(s.c[0].days, 40);
    /* reported for a new service too, and for one that has ended */
    b.col[P3S_COL_CERT_NOT_AFTER] = "2029-11-01T00:00:00Z"; /* ended 21 days before now */
    s = run(NULL, &b, 30 * 86400LL);
    assert_int_equal(s.n, 2);
    expect(&s, 0, P3S_CH_APPEARED, NULL, "pop3");
    expect(&s, 1, P3S_CH_CERT_EXPIRING, NULL, "2029-11-01T00:00:00Z");
    assert_int_equal(s.c[1].days, -21);
    /* without a window, never */
    s = run(NULL, &b, 0);
    assert_int_equal(s.n, 1);
}

/* ---- merging two streams ------------------------------------------------------------------ */

struct stream {
    struct p3s_row *rows;
    size_t n, at;
    int fail_at; /* return -1 at this index (-1: never) */
};

static int next(void *ctx, const struct p3s_row **row)
{
    struct stream *s = ctx;
    if (s->fail_at >= 0 && s->at == (size_t)s->fail_at)
        return -1;
    if (s->at >= s->n)
        return 0;
    *row = &s->rows[s->at++];
    return 1;
}

static struct p3s_row at_port(int port, const char *state)
{
    struct p3s_row r = base();
    r.port = port;
    r.col[P3S_COL_STATE] = state;
    return r;
}

static void test_merge(void **state)
{
    (void)state;
    struct p3s_row old_rows[] = {at_port(25, "closed"), at_port(110, "pop3"),
                                 at_port(143, "closed"), at_port(995, "pop3")};
    struct p3s_row new_rows[] = {at_port(110, "pop3"), at_port(143, "pop3"),
                                 at_port(995, "pop3"), at_port(2110, "pop3")};
    new_rows[2].col[P3S_COL_GREETING] = "+OK hi";
    struct stream o = {old_rows, 4, 0, -1}, n = {new_rows, 4, 0, -1};
    struct seen s;
    memset(&s, 0, sizeof s);
    struct p3s_diff d;
    p3s_diff_init(&d, collect, &s);
    assert_int_equal(p3s_diff_merge(&d, next, &o, next, &n), 0);
    assert_int_equal(d.keys, 5);
    assert_int_equal(d.keys_changed, 4);
    assert_int_equal(d.old_rows, 4);
    assert_int_equal(d.new_rows, 4);
    assert_int_equal(s.n, 4);
    expect(&s, 0, P3S_CH_STATE, "closed", NULL);
    assert_int_equal(s.c[0].port, 25);
    expect(&s, 1, P3S_CH_APPEARED, "closed", "pop3");
    assert_int_equal(s.c[1].port, 143);
    expect(&s, 2, P3S_CH_GREETING, "+OK Dovecot ready.", "+OK hi");
    expect(&s, 3, P3S_CH_APPEARED, NULL, "pop3");
    assert_int_equal(s.c[3].port, 2110);
    p3s_diff_free(&d);

    /* a callback that asks to stop stops the walk with its value */
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    o.at = n.at = 0;
    p3s_diff_init(&d, collect, &s);
    assert_int_equal(p3s_diff_merge(&d, next, &o, next, &n), 7);
    assert_int_equal(s.n, 2);
    p3s_diff_free(&d);

    /* a stream out of order is refused, not silently mis-paired */
    struct p3s_row bad[] = {at_port(995, "pop3"), at_port(110, "pop3")};
    struct stream b = {bad, 2, 0, -1};
    o.at = 0;
    memset(&s, 0, sizeof s);
    p3s_diff_init(&d, collect, &s);
    assert_int_equal(p3s_diff_merge(&d, next, &o, next, &b), -2);
    p3s_diff_free(&d);

    /* a stream that fails */
    o.at = n.at = 0;
    n.fail_at = 2;
    memset(&s, 0, sizeof s);
    p3s_diff_init(&d, collect, &s);
    assert_int_equal(p3s_diff_merge(&d, next, &o, next, &n), -1);
    p3s_diff_free(&d);

    /* keys: target, then address (byte order), then port as a number, then transport */
    struct p3s_row k1 = base(), k2 = base();
    k2.port = 995;
    k1.port = 1000;
    assert_true(p3s_row_key_cmp(&k2, &k1) < 0);
    k2.col[P3S_COL_IP] = "192.0.2.10";
    assert_true(p3s_row_key_cmp(&k2, &k1) < 0); /* "192.0.2.10" < "192.0.2.7" */
    k2 = base();
    k2.col[P3S_COL_TRANSPORT] = "tls";
    assert_true(p3s_row_key_cmp(&k1, &k2) > 0);
    k1.port = 110;
    assert_true(p3s_row_key_cmp(&k1, &k2) < 0);
    assert_int_equal(p3s_row_key_cmp(&k1, &k1), 0);
}

static void test_list_has(void **state)
{
    (void)state;
    assert_true(p3s_list_has("TOP\nUSER\nUIDL", "USER", 4));
    assert_true(p3s_list_has("TOP\nUSER\nUIDL", "UIDL", 4));
    assert_false(p3s_list_has("TOP\nUSER\nUIDL", "USE", 3));
    assert_false(p3s_list_has("TOP\nUSERS", "USER", 4));
    assert_false(p3s_list_has("", "TOP", 3));
    assert_false(p3s_list_has(NULL, "TOP", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_is_no_change),
        cmocka_unit_test(test_appeared_disappeared_state),
        cmocka_unit_test(test_greeting_product_version_confidence),
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_capabilities_sasl_stls_login),
        cmocka_unit_test(test_expiring),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_list_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
