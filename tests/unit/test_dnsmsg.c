/* test_dnsmsg.c — the DNS answers discovery reads (src/engine/dnsmsg.c), built byte by byte here:
 * names with compression and escaping, answers of A, AAAA, CNAME, MX and SRV records, malformed
 * messages (short, pointer loops, forward pointers, labels past the end, names past 255 bytes,
 * bad record lengths), CNAME chains within one answer and across answers (a loop, the cap, a
 * chain the resolver left open), and the order SRV and MX sets are used in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnsmsg.h"

/* A message under construction. */
struct msg {
    unsigned char b[32768];
    size_t n;
    unsigned ancount;
};

static void put8(struct msg *m, unsigned v)
{
    m->b[m->n++] = (unsigned char)v;
}

static void put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

/* A name from "a.b.c" (no escapes: the labels are taken as they are). */
static void put_name(struct msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);
        put8(m, (unsigned)len);
        memcpy(m->b + m->n, name, len);
        m->n += len;
        name += len + (dot ? 1 : 0);
    }
    put8(m, 0);
}

/* Header with rcode, and one question for qname. */
static void begin(struct msg *m, const char *qname, unsigned qtype, unsigned rcode)
{
    memset(m, 0, sizeof *m);
    put16(m, 0x1234);
    put16(m, 0x8180 | rcode);
    put16(m, 1);
    put16(m, 0); /* ancount, set by end() */
    put16(m, 0);
    put16(m, 0);
    put_name(m, qname);
    put16(m, qtype);
    put16(m, 1);
}

static void end(struct msg *m)
{
    m->b[6] = (unsigned char)(m->ancount >> 8);
    m->b[7] = (unsigned char)m->ancount;
}

static void rr_head(struct msg *m, const char *owner, unsigned type, unsigned rdlen)
{
    put_name(m, owner);
    put16(m, type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 60);
    put16(m, rdlen);
    m->ancount++;
}

static void add_a(struct msg *m, const char *owner, unsigned a, unsigned b, unsigned c, unsigned d)
{
    rr_head(m, owner, P3S_DNS_T_A, 4);
    put8(m, a);
    put8(m, b);
    put8(m, c);
    put8(m, d);
}

static size_t wire_len(const char *name)
{
    return strlen(name) + 2;
}

static void add_cname(struct msg *m, const char *owner, const char *target)
{
    rr_head(m, owner, P3S_DNS_T_CNAME, (unsigned)wire_len(target));
    put_name(m, target);
}

static void add_srv(struct msg *m, const char *owner, unsigned prio, unsigned weight,
                    unsigned port, const char *target)
{
    rr_head(m, owner, P3S_DNS_T_SRV, 6 + (unsigned)(strcmp(target, ".") ? wire_len(target) : 1));
    put16(m, prio);
    put16(m, weight);
    put16(m, port);
    if (strcmp(target, ".") == 0)
        put8(m, 0);
    else
        put_name(m, target);
}

static void add_mx(struct msg *m, const char *owner, unsigned pref, const char *target)
{
    rr_head(m, owner, P3S_DNS_T_MX, 2 + (unsigned)wire_len(target));
    put16(m, pref);
    put_name(m, target);
}

static void parse_ok(struct msg *m, struct p3s_dnsmsg *out)
{
    char err[256] = "";
    end(m);
    int rc = p3s_dnsmsg_parse(m->b, m->n, out, err, sizeof err);
    if (rc)
        print_error("parse failed: %s\n", err);
    assert_int_equal(rc, 0);
}

static void parse_bad(const unsigned char *b, size_t n)
{
    struct p3s_dnsmsg out;
    char err[256] = "";
    assert_int_equal(p3s_dnsmsg_parse(b, n, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "malformed DNS answer"));
    assert_null(out.rr);
}

/* ---- names ------------------------------------------------------------------------------ */

static void test_name_compression_and_escapes(void **state)
{
    (void)state;
    unsigned char b[64];
    size_t n = 0;
    /* at 0: "mail.example" ; at 14: "pop" + pointer to 5 ("example") */
    const unsigned char first[] = {4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    memcpy(b, first, sizeof first);
    n = sizeof first;
    b[n++] = 3;
    memcpy(b + n, "pop", 3);
    n += 3;
    b[n++] = 0xc0;
    b[n++] = 5;
    char out[P3S_DNSNAME_MAX];
    size_t next = 0;
    assert_int_equal(p3s_dnsmsg_name(b, n, 14, out, sizeof out, &next), 0);
    assert_string_equal(out, "pop.example");
    assert_int_equal(next, n);
    /* a label holding '.', '\', a space, a quote and a byte 0xff */
    const unsigned char odd[] = {6, 'a', '.', '\\', ' ', '"', 0xff, 4, 't', 'e', 's', 't', 0};
    assert_int_equal(p3s_dnsmsg_name(odd, sizeof odd, 0, out, sizeof out, &next), 0);
    assert_string_equal(out, "a\\.\\\\\\032\"\\255.test");
    /* the root */
    const unsigned char root[] = {0};
    assert_int_equal(p3s_dnsmsg_name(root, 1, 0, out, sizeof out, &next), 0);
    assert_string_equal(out, ".");
}

static void test_name_malformed(void **state)
{
    (void)state;
    char out[P3S_DNSNAME_MAX];
    size_t next;
    const unsigned char self_ptr[] = {0xc0, 0};         /* points at itself */
    const unsigned char fwd_ptr[] = {0xc0, 2, 0};        /* points forwards */
    const unsigned char past_end[] = {5, 'a', 'b'};      /* label past the end */
    const unsigned char no_end[] = {1, 'a'};             /* no terminating zero */
    const unsigned char bad_type[] = {0x40, 'a', 0};     /* extended label type */
    const unsigned char half_ptr[] = {0xc0};             /* a pointer cut in two */
    assert_int_equal(p3s_dnsmsg_name(self_ptr, 2, 0, out, sizeof out, &next), -1);
    assert_int_equal(p3s_dnsmsg_name(fwd_ptr, 3, 0, out, sizeof out, &next), -1);
    assert_int_equal(p3s_dnsmsg_name(past_end, 3, 0, out, sizeof out, &next), -1);
    assert_int_equal(p3s_dnsmsg_name(no_end, 2, 0, out, sizeof out, &next), -1);
    assert_int_equal(p3s_dnsmsg_name(bad_type, 3, 0, out, sizeof out, &next), -1);
    assert_int_equal(p3s_dnsmsg_name(half_ptr, 1, 0, out, sizeof out, &next), -1);
    /* two pointers pointing at each other: each must go backwards, so this ends */
    const unsigned char ping_pong[] = {0xc0, 2, 0xc0, 0};
    assert_int_equal(p3s_dnsmsg_name(ping_pong, 4, 2, out, sizeof out, &next), -1);
    /* more than 255 bytes on the wire: five labels of 63 */
    unsigned char longname[400];
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        longname[n++] = 63;
        memset(longname + n, 'x', 63);
        n += 63;
    }
    longname[n++] = 0;
    assert_int_equal(p3s_dnsmsg_name(longname, n, 0, out, sizeof out, &next), -1);
    /* 255 bytes of escapes do not fit a small buffer: refused, not cut */
    unsigned char bin[70] = {63};
    memset(bin + 1, 0x01, 63);
    char small[100];
    assert_int_equal(p3s_dnsmsg_name(bin, 65, 0, small, sizeof small, &next), -1);
}

static void test_name_equality(void **state)
{
    (void)state;
    assert_true(p3s_dnsname_eq("Mail.Example.ORG", "mail.example.org."));
    assert_true(p3s_dnsname_eq("a.b.", "A.B"));
    assert_false(p3s_dnsname_eq("mail.example.org", "mail.example.com"));
    assert_false(p3s_dnsname_eq("a\\.", "a")); /* an escaped dot is part of the label */
}

/* ---- answers -------------------------------------------------------------------------- */

static void test_parse_records(void **state)
{
    (void)state;
    struct msg m;
    struct p3s_dnsmsg out;
    begin(&m, "example.test", P3S_DNS_T_MX, 0);
    add_mx(&m, "example.test", 20, "mx2.example.test");
    add_mx(&m, "example.test", 10, "mx1.example.test");
    add_a(&m, "mx1.example.test", 127, 0, 0, 7);
    parse_ok(&m, &out);
    assert_int_equal(out.rcode, 0);
    assert_int_equal(out.n, 3);
    assert_int_equal(out.rr[0].type, P3S_DNS_T_MX);
    assert_int_equal(out.rr[0].priority, 20);
    assert_string_equal(out.rr[1].target, "mx1.example.test");
    assert_memory_equal(out.rr[2].addr, ((unsigned char[]){127, 0, 0, 7}), 4);
    p3s_dnsmsg_free(&out);

    begin(&m, "_pop3s._tcp.example.test", P3S_DNS_T_SRV, 0);
    add_srv(&m, "_pop3s._tcp.example.test", 10, 5, 995, "pop.example.test");
    add_srv(&m, "_pop3s._tcp.example.test", 0, 0, 0, ".");
    parse_ok(&m, &out);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.rr[0].port, 995);
    assert_int_equal(out.rr[0].weight, 5);
    assert_string_equal(out.rr[1].target, ".");
    p3s_dnsmsg_free(&out);

    begin(&m, "nx.test", P3S_DNS_T_A, 3);
    parse_ok(&m, &out);
    assert_int_equal(out.rcode, 3);
    assert_int_equal(out.n, 0);
    p3s_dnsmsg_free(&out);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    parse_bad((const unsigned char *)"short", 5);
    struct msg m;
    /* an A record whose data is 3 bytes */
    begin(&m, "a.test", P3S_DNS_T_A, 0);
    rr_head(&m, "a.test", P3S_DNS_T_A, 3);
    put8(&m, 1);
    put8(&m, 2);
    put8(&m, 3);
    end(&m);
    parse_bad(m.b, m.n);
    /* a record length past the end */
    begin(&m, "a.test", P3S_DNS_T_A, 0);
    rr_head(&m, "a.test", P3S_DNS_T_A, 400);
    end(&m);
    parse_bad(m.b, m.n);
    /* more answers announced than present */
    begin(&m, "a.test", P3S_DNS_T_A, 0);
    add_a(&m, "a.test", 127, 0, 0, 1);
    m.ancount = 5;
    end(&m);
    parse_bad(m.b, m.n);
    /* an SRV record too short for its fixed part */
    begin(&m, "a.test", P3S_DNS_T_SRV, 0);
    rr_head(&m, "a.test", P3S_DNS_T_SRV, 4);
    put16(&m, 1);
    put16(&m, 1);
    end(&m);
    parse_bad(m.b, m.n);
    /* every truncation of a good message fails cleanly or parses (never reads past the end) */
    begin(&m, "_pop3._tcp.a.test", P3S_DNS_T_SRV, 0);
    add_srv(&m, "_pop3._tcp.a.test", 1, 2, 110, "pop.a.test");
    add_cname(&m, "pop.a.test", "real.a.test");
    end(&m);
    for (size_t cut = 0; cut < m.n; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, m.b, cut);
        struct p3s_dnsmsg out;
        char err[128];
        if (p3s_dnsmsg_parse(copy, cut, &out, err, sizeof err) == 0)
            p3s_dnsmsg_free(&out);
        free(copy);
    }
}

static void test_parse_caps_records(void **state)
{
    (void)state;
    struct msg m;
    struct p3s_dnsmsg out;
    begin(&m, "many.test", P3S_DNS_T_A, 0);
    for (unsigned i = 0; i < P3S_DNSMSG_MAX_RR + 20; i++)
        add_a(&m, "many.test", 127, 0, i >> 8, i & 0xff);
    parse_ok(&m, &out);
    assert_int_equal(out.n, P3S_DNSMSG_MAX_RR);
    assert_int_equal(out.rr_dropped, 20);
    p3s_dnsmsg_free(&out);
}

/* ---- chains ------------------------------------------------------------------------- */

static void start_chain(struct p3s_chain *c, const char *host)
{
    memset(c, 0, sizeof *c);
    snprintf(c->names[0], sizeof c->names[0], "%s", host);
    c->n = 1;
}

static void test_chain_within_one_answer(void **state)
{
    (void)state;
    struct msg m;
    struct p3s_dnsmsg out;
    struct p3s_chain *c = malloc(sizeof *c);
    begin(&m, "mx.test", P3S_DNS_T_A, 0);
    add_cname(&m, "mx.test", "alias.test");
    add_cname(&m, "ALIAS.test", "real.test"); /* case does not matter */
    add_a(&m, "real.test", 127, 0, 1, 4);
    parse_ok(&m, &out);
    start_chain(c, "mx.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_RECORDS);
    assert_int_equal(c->n, 3);
    assert_string_equal(c->names[2], "real.test");
    /* AAAA asked of the same answer: the chain ends where no record of the type is */
    start_chain(c, "mx.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_AAAA, c), P3S_CHAIN_NODATA);
    assert_int_equal(c->n, 3);
    p3s_dnsmsg_free(&out);
    /* no CNAME, the records at once */
    begin(&m, "pop.test", P3S_DNS_T_A, 0);
    add_a(&m, "pop.test", 127, 0, 0, 1);
    parse_ok(&m, &out);
    start_chain(c, "pop.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_RECORDS);
    assert_int_equal(c->n, 1);
    p3s_dnsmsg_free(&out);
    free(c);
}

static void test_chain_loop_across_answers(void **state)
{
    (void)state;
    struct msg m;
    struct p3s_dnsmsg out;
    struct p3s_chain *c = malloc(sizeof *c);
    /* first answer: c1 -> c2 -> c3, stopped there (c3 is another server's) */
    begin(&m, "c1.test", P3S_DNS_T_A, 0);
    add_cname(&m, "c1.test", "c2.test");
    add_cname(&m, "c2.test", "c3.zz.test");
    parse_ok(&m, &out);
    start_chain(c, "c1.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_NODATA);
    assert_int_equal(c->n, 3); /* grown: ask c3.zz.test next */
    p3s_dnsmsg_free(&out);
    /* second answer, for c3.zz.test: back to c1 */
    begin(&m, "c3.zz.test", P3S_DNS_T_A, 0);
    add_cname(&m, "c3.zz.test", "C1.test");
    parse_ok(&m, &out);
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_LOOP);
    assert_int_equal(c->n, 3);
    p3s_dnsmsg_free(&out);
    /* a name that is its own CNAME */
    begin(&m, "self.test", P3S_DNS_T_A, 0);
    add_cname(&m, "self.test", "self.test");
    parse_ok(&m, &out);
    start_chain(c, "self.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_LOOP);
    p3s_dnsmsg_free(&out);
    free(c);
}

static void test_chain_cap(void **state)
{
    (void)state;
    struct msg m;
    struct p3s_dnsmsg out;
    struct p3s_chain *c = malloc(sizeof *c);
    char a[32], b[32];
    /* exactly P3S_DNS_CHAIN_MAX links: followed to the end */
    begin(&m, "l0.test", P3S_DNS_T_A, 0);
    for (int i = 0; i < P3S_DNS_CHAIN_MAX; i++) {
        snprintf(a, sizeof a, "l%d.test", i);
        snprintf(b, sizeof b, "l%d.test", i + 1);
        add_cname(&m, a, b);
    }
    add_a(&m, b, 127, 0, 0, 9);
    parse_ok(&m, &out);
    start_chain(c, "l0.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_RECORDS);
    assert_int_equal(c->n, P3S_DNS_CHAIN_MAX + 1);
    p3s_dnsmsg_free(&out);
    /* one link more: too long */
    begin(&m, "l0.test", P3S_DNS_T_A, 0);
    for (int i = 0; i <= P3S_DNS_CHAIN_MAX; i++) {
        snprintf(a, sizeof a, "l%d.test", i);
        snprintf(b, sizeof b, "l%d.test", i + 1);
        add_cname(&m, a, b);
    }
    add_a(&m, b, 127, 0, 0, 9);
    parse_ok(&m, &out);
    start_chain(c, "l0.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_TOO_LONG);
    assert_int_equal(c->n, P3S_DNS_CHAIN_MAX + 1);
    p3s_dnsmsg_free(&out);
    /* the cap counts links across answers: a chain carried over with 8 links stops at once */
    begin(&m, "l8.test", P3S_DNS_T_A, 0);
    add_cname(&m, "l8.test", "l9.test");
    add_a(&m, "l9.test", 127, 0, 0, 9);
    parse_ok(&m, &out);
    c->n = P3S_DNS_CHAIN_MAX + 1;
    snprintf(c->names[c->n - 1], sizeof c->names[0], "l8.test");
    assert_int_equal(p3s_chain_follow(&out, P3S_DNS_T_A, c), P3S_CHAIN_TOO_LONG);
    p3s_dnsmsg_free(&out);
    free(c);
}

/* ---- order ----------------------------------------------------------------------------- */

static void test_srv_and_mx_order(void **state)
{
    (void)state;
    struct msg m;
    struct p3s_dnsmsg out;
    begin(&m, "_pop3._tcp.t", P3S_DNS_T_SRV, 0);
    add_srv(&m, "_pop3._tcp.t", 20, 0, 110, "c.t");
    add_srv(&m, "_pop3._tcp.t", 10, 1, 110, "b.t");
    add_srv(&m, "_pop3._tcp.t", 10, 60, 110, "a.t");
    add_srv(&m, "_pop3._tcp.t", 10, 1, 110, "a.t");
    add_srv(&m, "_pop3._tcp.t", 10, 1, 100, "a.t");
    parse_ok(&m, &out);
    struct p3s_dnsrr *v[5];
    for (int i = 0; i < 5; i++)
        v[i] = &out.rr[i];
    p3s_dnsrr_sort(v, 5);
    /* priority ascending, weight descending, then target and port */
    assert_ptr_equal(v[0], &out.rr[2]);
    assert_ptr_equal(v[1], &out.rr[4]);
    assert_ptr_equal(v[2], &out.rr[3]);
    assert_ptr_equal(v[3], &out.rr[1]);
    assert_ptr_equal(v[4], &out.rr[0]);
    p3s_dnsmsg_free(&out);
    begin(&m, "t", P3S_DNS_T_MX, 0);
    add_mx(&m, "t", 30, "z.t");
    add_mx(&m, "t", 5, "y.t");
    add_mx(&m, "t", 30, "a.t");
    parse_ok(&m, &out);
    struct p3s_dnsrr *w[3] = {&out.rr[0], &out.rr[1], &out.rr[2]};
    p3s_dnsrr_sort(w, 3);
    assert_string_equal(w[0]->target, "y.t");
    assert_string_equal(w[1]->target, "a.t");
    assert_string_equal(w[2]->target, "z.t");
    p3s_dnsmsg_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_compression_and_escapes),
        cmocka_unit_test(test_name_malformed),
        cmocka_unit_test(test_name_equality),
        cmocka_unit_test(test_parse_records),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_caps_records),
        cmocka_unit_test(test_chain_within_one_answer),
        cmocka_unit_test(test_chain_loop_across_answers),
        cmocka_unit_test(test_chain_cap),
        cmocka_unit_test(test_srv_and_mx_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
