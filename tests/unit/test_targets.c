/* test_targets.c — unit tests of what the user names on the command line: p3s_target_parse
 * (host names, IPv4, IPv6 bare and bracketed, with and without a port, and the malformed ones),
 * p3s_hostname_valid, p3s_ports_parse / p3s_ports_is_tls (lists, ranges, tls:, 995, duplicates,
 * errors) and p3s_parse_duration_ms (src/cli/cli.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "cli.h"
#include "targets.h"

/* ---- targets ---------------------------------------------------------------------------- */

static void parse_ok(const char *spec, enum p3s_target_kind kind, const char *host, uint16_t port)
{
    struct p3s_target t;
    char err[512] = "";
    int rc = p3s_target_parse(spec, &t, err, sizeof err);
    if (rc != 0)
        print_error("target '%s' rejected: %s\n", spec, err);
    assert_int_equal(rc, 0);
    assert_int_equal(t.kind, kind);
    assert_string_equal(t.host, host);
    assert_int_equal(t.port, port);
}

static void parse_bad(const char *spec)
{
    struct p3s_target t;
    char err[512] = "";
    int rc = p3s_target_parse(spec, &t, err, sizeof err);
    if (rc == 0)
        print_error("target '%.80s' accepted\n", spec);
    assert_int_equal(rc, -1);
    assert_true(strlen(err) > 0);
    /* the message names the bad input (as much of it as fits) */
    size_t n = strlen(spec) < 40 ? strlen(spec) : 40;
    char head[41];
    memcpy(head, spec, n);
    head[n] = '\0';
    assert_non_null(strstr(err, head));
}

static void test_target_names(void **state)
{
    (void)state;
    parse_ok("mail.example.org", P3S_TARGET_NAME, "mail.example.org", 0);
    parse_ok("localhost", P3S_TARGET_NAME, "localhost", 0);
    parse_ok("sub.domain.example", P3S_TARGET_NAME, "sub.domain.example", 0);
    parse_ok("example.com.", P3S_TARGET_NAME, "example.com.", 0);
    parse_ok("MAIL.Example.ORG", P3S_TARGET_NAME, "MAIL.Example.ORG", 0);
    parse_ok("xn--bcher-kva.example", P3S_TARGET_NAME, "xn--bcher-kva.example", 0);
    parse_ok("_pop3._tcp.example", P3S_TARGET_NAME, "_pop3._tcp.example", 0);
    parse_ok("a-b.c-d.example", P3S_TARGET_NAME, "a-b.c-d.example", 0);
    parse_ok("123.example", P3S_TARGET_NAME, "123.example", 0);
    parse_ok("mail.example.org:995", P3S_TARGET_NAME, "mail.example.org", 995);
    parse_ok("localhost:1", P3S_TARGET_NAME, "localhost", 1);
    parse_ok("localhost:65535", P3S_TARGET_NAME, "localhost", 65535);
    parse_ok("example.com.:110", P3S_TARGET_NAME, "example.com.", 110);
}

static void test_target_ipv4(void **state)
{
    (void)state;
    struct p3s_target t;
    char err[256];
    assert_int_equal(p3s_target_parse("192.0.2.7", &t, err, sizeof err), 0);
    assert_int_equal(t.kind, P3S_TARGET_IPV4);
    assert_string_equal(t.host, "192.0.2.7");
    assert_int_equal(t.port, 0);
    assert_int_equal(ntohl(t.v4.s_addr), 0xc0000207u);

    assert_int_equal(p3s_target_parse("192.0.2.7:1110", &t, err, sizeof err), 0);
    assert_int_equal(t.kind, P3S_TARGET_IPV4);
    assert_string_equal(t.host, "192.0.2.7");
    assert_int_equal(t.port, 1110);
    assert_int_equal(ntohl(t.v4.s_addr), 0xc0000207u);

    parse_ok("0.0.0.0", P3S_TARGET_IPV4, "0.0.0.0", 0);
    parse_ok("255.255.255.255:110", P3S_TARGET_IPV4, "255.255.255.255", 110);
    parse_ok("127.0.0.1", P3S_TARGET_IPV4, "127.0.0.1", 0);
}

static void test_target_ipv6(void **state)
{
    (void)state;
    struct p3s_target t;
    char err[256];
    struct in6_addr want;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &want), 1);

    assert_int_equal(p3s_target_parse("2001:db8::1", &t, err, sizeof err), 0);
    assert_int_equal(t.kind, P3S_TARGET_IPV6);
    assert_string_equal(t.host, "2001:db8::1");
    assert_int_equal(t.port, 0);
    assert_memory_equal(&t.v6, &want, sizeof want);

    assert_int_equal(p3s_target_parse("[2001:db8::1]", &t, err, sizeof err), 0);
    assert_int_equal(t.kind, P3S_TARGET_IPV6);
    assert_string_equal(t.host, "2001:db8::1");
    assert_int_equal(t.port, 0);
    assert_memory_equal(&t.v6, &want, sizeof want);

    assert_int_equal(p3s_target_parse("[2001:db8::1]:110", &t, err, sizeof err), 0);
    assert_int_equal(t.kind, P3S_TARGET_IPV6);
    assert_string_equal(t.host, "2001:db8::1");
    assert_int_equal(t.port, 110);
    assert_memory_equal(&t.v6, &want, sizeof want);

    parse_ok("::1", P3S_TARGET_IPV6, "::1", 0);
    parse_ok("[::1]", P3S_TARGET_IPV6, "::1", 0);
    parse_ok("[::1]:995", P3S_TARGET_IPV6, "::1", 995);
    parse_ok("::", P3S_TARGET_IPV6, "::", 0);
    parse_ok("::ffff:192.0.2.1", P3S_TARGET_IPV6, "::ffff:192.0.2.1", 0);
    parse_ok("[::ffff:192.0.2.1]:110", P3S_TARGET_IPV6, "::ffff:192.0.2.1", 110);
    parse_ok("fe80:0:0:0:0:0:0:1", P3S_TARGET_IPV6, "fe80:0:0:0:0:0:0:1", 0);
    /* without brackets every colon belongs to the address: no port is split off */
    parse_ok("2001:db8::1:110", P3S_TARGET_IPV6, "2001:db8::1:110", 0);
}

static void test_target_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "1.2.3",          "300.1.1.1",      "256.256.256.256", "1.2.3.4.",
        "[::1",           "[::1]x",         "[::1]:",          "[::1]:0",
        "[::1]:65536",    "[]",             "[]:110",          "[1.2.3.4]",
        "[example.com]",  "[example.com]:110",                 "host:0",
        "host:70000",     "host:65536",     "host:",           "host:1x",
        "host:-1",        "host:+1",        "host: 1",         "host:123456",
        ":110",           "-bad.example",   "bad-.example",    "a.-b.example",
        "a..b",           ".",              "..",              "example.com..",
        ".example.com",   "",               "a b",             "a/b",
        "host name",      "h\xc3\xa9.example", "1.2.3.4:110:1", "fe80::1%eth0",
        "12345",          "1.2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i]);

    /* port errors say it is the port */
    struct p3s_target t;
    char err[256];
    assert_int_equal(p3s_target_parse("host:70000", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "port"));
    assert_int_equal(p3s_target_parse("1.2.3", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "'1.2.3'"));
}

static char *label_name(const size_t *labels, size_t n, int trailing_dot)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += labels[i] + 1;
    char *s = malloc(total + 2);
    assert_non_null(s);
    char *p = s;
    for (size_t i = 0; i < n; i++) {
        memset(p, 'a' + (int)i, labels[i]);
        p += labels[i];
        *p++ = '.';
    }
    if (!trailing_dot)
        p--;
    *p = '\0';
    return s;
}

static void test_target_long_names(void **state)
{
    (void)state;
    struct p3s_target t;
    char err[512];
    /* 253 characters, labels of 63: the longest valid name, with or without the root dot */
    size_t l253[] = {63, 63, 63, 61};
    char *s = label_name(l253, 4, 0);
    assert_int_equal(strlen(s), 253);
    assert_int_equal(p3s_target_parse(s, &t, err, sizeof err), 0);
    assert_int_equal(t.kind, P3S_TARGET_NAME);
    assert_string_equal(t.host, s);
    free(s);
    s = label_name(l253, 4, 1);
    assert_int_equal(strlen(s), 254);
    assert_int_equal(p3s_target_parse(s, &t, err, sizeof err), 0);
    free(s);
    /* 254 characters */
    size_t l254[] = {63, 63, 63, 62};
    s = label_name(l254, 4, 0);
    assert_int_equal(strlen(s), 254);
    parse_bad(s);
    assert_false(p3s_hostname_valid(s));
    free(s);
    /* a label of 64 */
    size_t l64[] = {64, 3};
    s = label_name(l64, 2, 0);
    parse_bad(s);
    free(s);
    size_t l63[] = {63, 3};
    s = label_name(l63, 2, 0);
    parse_ok(s, P3S_TARGET_NAME, s, 0);
    free(s);
    /* far longer than the host buffer */
    char *huge = malloc(100001);
    assert_non_null(huge);
    memset(huge, 'a', 100000);
    huge[100000] = '\0';
    parse_bad(huge);
    memcpy(huge + 99990, ":110", 5);
    parse_bad(huge);
    huge[0] = '[';
    parse_bad(huge);
    free(huge);
}

static void test_hostname_valid(void **state)
{
    (void)state;
    assert_true(p3s_hostname_valid("example.com"));
    assert_true(p3s_hostname_valid("example.com."));
    assert_true(p3s_hostname_valid("a"));
    assert_true(p3s_hostname_valid("1a"));
    assert_true(p3s_hostname_valid("9.example"));
    assert_false(p3s_hostname_valid(""));
    assert_false(p3s_hostname_valid("."));
    assert_false(p3s_hostname_valid("1.2.3.4"));
    assert_false(p3s_hostname_valid("123"));
    assert_false(p3s_hostname_valid("-a"));
    assert_false(p3s_hostname_valid("a-"));
    assert_false(p3s_hostname_valid("a..b"));
    assert_false(p3s_hostname_valid("a:b"));
    assert_false(p3s_hostname_valid("a\tb"));
}

/* ---- ports ------------------------------------------------------------------------------ */

static void ports_ok(const char *spec, struct p3s_portlist *pl)
{
    char err[256] = "";
    int rc = p3s_ports_parse(spec, pl, err, sizeof err);
    if (rc != 0)
        print_error("ports '%s' rejected: %s\n", spec, err);
    assert_int_equal(rc, 0);
}

static const struct p3s_port *find_port(const struct p3s_portlist *pl, uint16_t port)
{
    const struct p3s_port *found = NULL;
    for (size_t i = 0; i < pl->n; i++)
        if (pl->v[i].port == port) {
            assert_null(found); /* each port at most once (unless listed both ways) */
            found = &pl->v[i];
        }
    return found;
}

/* The entries of port, in list order: 0, 1 or 2 of them. */
static size_t port_entries(const struct p3s_portlist *pl, uint16_t port, int tls[2])
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++)
        if (pl->v[i].port == port) {
            assert_true(n < 2);
            tls[n++] = pl->v[i].tls;
        }
    return n;
}

static void test_ports_lists(void **state)
{
    (void)state;
    struct p3s_portlist pl;
    ports_ok("110,995", &pl);
    assert_int_equal(pl.n, 2);
    assert_int_equal(pl.v[0].port, 110);
    assert_int_equal(pl.v[0].tls, 0);
    assert_int_equal(pl.v[1].port, 995);
    assert_int_equal(pl.v[1].tls, 1); /* 995 is always implicit TLS */
    p3s_ports_free(&pl);
    assert_null(pl.v);
    assert_int_equal(pl.n, 0);

    ports_ok("110", &pl);
    assert_int_equal(pl.n, 1);
    assert_int_equal(pl.v[0].port, 110);
    assert_int_equal(pl.v[0].tls, 0);
    p3s_ports_free(&pl);

    ports_ok("1,65535", &pl);
    assert_int_equal(pl.n, 2);
    assert_int_equal(pl.v[0].port, 1);
    assert_int_equal(pl.v[1].port, 65535);
    p3s_ports_free(&pl);

    ports_ok("1000-1010", &pl);
    assert_int_equal(pl.n, 11);
    for (uint16_t p = 1000; p <= 1010; p++) {
        const struct p3s_port *e = find_port(&pl, p);
        assert_non_null(e);
        assert_int_equal(e->tls, 0);
    }
    p3s_ports_free(&pl);

    ports_ok("110-110", &pl);
    assert_int_equal(pl.n, 1);
    p3s_ports_free(&pl);

    ports_ok("990-1000", &pl);
    assert_int_equal(pl.n, 11);
    for (uint16_t p = 990; p <= 1000; p++)
        assert_int_equal(find_port(&pl, p)->tls, p == 995);
    p3s_ports_free(&pl);

    ports_ok("tls:8995", &pl);
    assert_int_equal(pl.n, 1);
    assert_int_equal(pl.v[0].port, 8995);
    assert_int_equal(pl.v[0].tls, 1);
    p3s_ports_free(&pl);

    ports_ok("110,tls:2000-2002,21110", &pl);
    assert_int_equal(pl.n, 5);
    assert_int_equal(find_port(&pl, 110)->tls, 0);
    assert_int_equal(find_port(&pl, 2000)->tls, 1);
    assert_int_equal(find_port(&pl, 2001)->tls, 1);
    assert_int_equal(find_port(&pl, 2002)->tls, 1);
    assert_int_equal(find_port(&pl, 21110)->tls, 0);
    p3s_ports_free(&pl);

    ports_ok("65530-65535", &pl);
    assert_int_equal(pl.n, 6);
    assert_non_null(find_port(&pl, 65535));
    p3s_ports_free(&pl);
}

static void test_ports_duplicates(void **state)
{
    (void)state;
    struct p3s_portlist pl;
    ports_ok("110,110,100-120,115", &pl);
    assert_int_equal(pl.n, 21);
    for (uint16_t p = 100; p <= 120; p++)
        assert_non_null(find_port(&pl, p));
    p3s_ports_free(&pl);

    /* A port listed plain and tls: is scanned both ways (issue 18: tls: used to win silently),
     * in the order given; each way once. */
    int tls[2];
    ports_ok("110,tls:110", &pl);
    assert_int_equal(pl.n, 2);
    assert_int_equal(port_entries(&pl, 110, tls), 2);
    assert_int_equal(tls[0], 0);
    assert_int_equal(tls[1], 1);
    assert_int_equal(p3s_ports_kinds(&pl, 110), P3S_PORT_PLAIN | P3S_PORT_TLS);
    p3s_ports_free(&pl);
    ports_ok("tls:110,110,tls:110,110", &pl);
    assert_int_equal(pl.n, 2);
    assert_int_equal(port_entries(&pl, 110, tls), 2);
    assert_int_equal(tls[0], 1);
    assert_int_equal(tls[1], 0);
    p3s_ports_free(&pl);
    ports_ok("100-200,tls:150", &pl);
    assert_int_equal(pl.n, 102);
    assert_int_equal(p3s_ports_kinds(&pl, 150), P3S_PORT_PLAIN | P3S_PORT_TLS);
    assert_int_equal(p3s_ports_kinds(&pl, 149), P3S_PORT_PLAIN);
    p3s_ports_free(&pl);
    /* 995 is implicit TLS whichever way it is written: one entry. */
    ports_ok("995,tls:995", &pl);
    assert_int_equal(pl.n, 1);
    assert_int_equal(p3s_ports_kinds(&pl, 995), P3S_PORT_TLS);
    p3s_ports_free(&pl);

    ports_ok("995,995,990-999", &pl);
    assert_int_equal(pl.n, 10);
    assert_int_equal(find_port(&pl, 995)->tls, 1);
    p3s_ports_free(&pl);
}

static void test_ports_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0",    "70000", "65536", "a",     "10-5",  "",       "1,,2",   "1,",     ",1",
        ",",    "-5",    "5-",    "-",     "1-2-3", "tls:",   "tls:0",  "tls:a",  "TLS:110",
        "ssl:110", " 110", "110 ", "1 10", "0-10",  "1-70000", "123456", "0110x", "+110",
        "110;995", "0x6e",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct p3s_portlist pl = {(struct p3s_port *)0x1, 77, NULL}; /* left alone on error */
        char err[256] = "";
        int rc = p3s_ports_parse(bad[i], &pl, err, sizeof err);
        if (rc == 0)
            print_error("ports '%s' accepted\n", bad[i]);
        assert_int_equal(rc, -1);
        assert_true(strlen(err) > 0);
        assert_ptr_equal(pl.v, (struct p3s_port *)0x1);
        assert_int_equal(pl.n, 77);
    }
    char err[256];
    struct p3s_portlist pl;
    assert_int_equal(p3s_ports_parse("110,70000", &pl, err, sizeof err), -1);
    assert_non_null(strstr(err, "70000"));
    assert_int_equal(p3s_ports_parse("", &pl, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
}

static void test_ports_is_tls(void **state)
{
    (void)state;
    struct p3s_portlist pl;
    ports_ok("110,tls:8995,2000-2001", &pl);
    assert_false(p3s_ports_is_tls(&pl, 110));
    assert_true(p3s_ports_is_tls(&pl, 8995));
    assert_false(p3s_ports_is_tls(&pl, 2000));
    assert_true(p3s_ports_is_tls(&pl, 995)); /* not in the list, still TLS */
    assert_false(p3s_ports_is_tls(&pl, 12345));
    assert_false(p3s_ports_is_tls(&pl, 0));
    p3s_ports_free(&pl);

    struct p3s_portlist empty = {0};
    assert_true(p3s_ports_is_tls(&empty, 995));
    assert_false(p3s_ports_is_tls(&empty, 110));
    /* A port not in the list is cleartext (995 excepted). */
    assert_int_equal(p3s_ports_kinds(&empty, 110), P3S_PORT_PLAIN);
    assert_int_equal(p3s_ports_kinds(&empty, 995), P3S_PORT_TLS);
}

static void test_ports_full_range(void **state)
{
    (void)state;
    struct p3s_portlist pl;
    ports_ok("1-65535", &pl);
    assert_int_equal(pl.n, 65535);
    for (size_t i = 0; i < pl.n; i++) {
        assert_int_equal(pl.v[i].port, i + 1);
        assert_int_equal(pl.v[i].tls, pl.v[i].port == 995);
    }
    p3s_ports_free(&pl);
}

/* ---- durations -------------------------------------------------------------------------- */

static void duration_ok(const char *s, int ms)
{
    int out = -12345;
    int rc = p3s_parse_duration_ms(s, &out);
    if (rc != 0)
        print_error("duration '%s' rejected\n", s);
    assert_int_equal(rc, 0);
    assert_int_equal(out, ms);
}

static void test_durations(void **state)
{
    (void)state;
    duration_ok("5", 5000);
    duration_ok("5s", 5000);
    duration_ok("2.5s", 2500);
    duration_ok("2.5", 2500);
    duration_ok("1.5", 1500);
    duration_ok("500ms", 500);
    duration_ok("1ms", 1);
    duration_ok("0.25", 250);
    duration_ok("3600", 3600000);
    duration_ok("3600s", 3600000);
    /* Minutes and hours (issue 18), still at most an hour. */
    duration_ok("5m", 300000);
    duration_ok("1.5m", 90000);
    duration_ok("60m", 3600000);
    duration_ok("1h", 3600000);
    duration_ok("0.5h", 1800000);

    static const char *const bad[] = {"0",   "0s",  "0ms",  "0.0001", "0.5ms", "-1", "-1s",
                                      "abc", "61m", "5h",   "",       "s",     "ms", "5 s",
                                      "5sec", "5ss", "5msx", "3601",  "3600001ms", "inf",
                                      "m",   "h",   "1hh",  "1mm",    "1.2.3s", "0m", "2h",
                                      "1e1s", "0x5m", "1M", "1H"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int out = -12345;
        int rc = p3s_parse_duration_ms(bad[i], &out);
        if (rc == 0)
            print_error("duration '%s' accepted as %d\n", bad[i], out);
        assert_int_equal(rc, -1);
        assert_int_equal(out, -12345); /* untouched */
    }
}

/* ---- --discover-names ------------------------------------------------------------------- */

static int names_of(const char *text, const char **names, size_t max, char *err, size_t errsz)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    return p3s_names_parse(buf, strlen(buf), "n.txt", names, max, err, errsz);
}

static void test_discover_names(void **state)
{
    (void)state;
    const char *names[4];
    char err[256];
    assert_int_equal(names_of("pop\n  mail  \r\n# a comment\n\npop.mail # trailing\n_x-1\n",
                              names, 4, err, sizeof err),
                     4);
    assert_string_equal(names[0], "pop");
    assert_string_equal(names[1], "mail");
    assert_string_equal(names[2], "pop.mail");
    assert_string_equal(names[3], "_x-1");
    assert_int_equal(names_of("", names, 4, err, sizeof err), 0);
    assert_int_equal(names_of("# only\n\n", names, 4, err, sizeof err), 0);
    assert_int_equal(names_of("pop\nbad name\n", names, 4, err, sizeof err), -1);
    assert_string_equal(err, "n.txt:2: bad name 'bad name' (expected a relative host name such "
                             "as pop or pop.mail)");
    assert_int_equal(names_of("pop.\n", names, 4, err, sizeof err), -1);
    assert_int_equal(names_of("a..b\n", names, 4, err, sizeof err), -1);
    assert_int_equal(names_of("-pop\n", names, 4, err, sizeof err), -1);
    assert_int_equal(names_of("a\nb\nc\nd\ne\n", names, 4, err, sizeof err), -1);
    assert_string_equal(err, "n.txt:5: more than 4 names");
    char nul[] = {'p', 0, 'x', '\n'};
    assert_int_equal(p3s_names_parse(nul, sizeof nul, "n.txt", names, 4, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_names),
        cmocka_unit_test(test_target_ipv4),
        cmocka_unit_test(test_target_ipv6),
        cmocka_unit_test(test_target_errors),
        cmocka_unit_test(test_target_long_names),
        cmocka_unit_test(test_hostname_valid),
        cmocka_unit_test(test_ports_lists),
        cmocka_unit_test(test_ports_duplicates),
        cmocka_unit_test(test_ports_errors),
        cmocka_unit_test(test_ports_is_tls),
        cmocka_unit_test(test_ports_full_range),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_discover_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
