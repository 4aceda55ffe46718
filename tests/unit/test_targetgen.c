/* test_targetgen.c — unit tests of the target generator (src/targets/targetgen.c): every expression
 * syntax (CIDRs, ranges, singles) and its errors, files (comments, blank lines, CRLF, bad lines
 * with their line numbers, standard input), open failures, exclusions, duplicate removal,
 * shards (disjoint, covering), --randomize (a reproducible permutation that avoids neighbours),
 * p3s_tgen_total, and a /8 generated in constant memory (timed by printing only).
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
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "targetgen.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static char tmpdir[] = "/tmp/p3s_tgen_XXXXXX";

/* What a test asks of the generator; NULL ends each list. */
struct spec {
    const char *exprs[16];
    const char *files[4];
    const char *excl[8];
    const char *exfiles[4];
    uint32_t si, sn;
    int rnd;
    uint64_t seed;
    unsigned cap;
};

/* Everything a generator produced: targets as text ("host", "host:port", "[v6]:port") and the
 * error messages of bad lines, in order. */
struct run {
    char **v;
    size_t n, cap;
    char **errs;
    size_t nerrs;
};

static size_t count_list(const char *const *l, size_t max)
{
    size_t n = 0;
    while (n < max && l[n])
        n++;
    return n;
}

static int spec_open(const struct spec *s, struct p3s_tgen **g, char *err, size_t errsz)
{
    struct p3s_tgen_opts o = {
        .exprs = (char **)s->exprs,
        .nexprs = count_list(s->exprs, 16),
        .files = (const char **)s->files,
        .nfiles = count_list(s->files, 4),
        .excludes = (const char **)s->excl,
        .nexcludes = count_list(s->excl, 8),
        .exclude_files = (const char **)s->exfiles,
        .nexclude_files = count_list(s->exfiles, 4),
        .shard_index = s->si,
        .shard_count = s->sn,
        .randomize = s->rnd,
        .seed = s->seed,
        .v6_prefix_cap = s->cap,
    };
    err[0] = '\0';
    return p3s_tgen_open(g, &o, err, errsz);
}

static struct p3s_tgen *open_ok(const struct spec *s)
{
    struct p3s_tgen *g = NULL;
    char err[512];
    if (spec_open(s, &g, err, sizeof err) < 0)
        print_error("open failed: %s\n", err);
    assert_non_null(g);
    return g;
}

/* Opening fails, and the message holds want. */
static void open_fails(const struct spec *s, const char *want)
{
    struct p3s_tgen *g = NULL;
    char err[512];
    int rc = spec_open(s, &g, err, sizeof err);
    if (rc == 0 || !strstr(err, want))
        print_error("rc %d, message '%s', expected one with '%s'\n", rc, err, want);
    assert_int_equal(rc, -1);
    assert_null(g);
    assert_non_null(strstr(err, want));
}

static void push(char ***v, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = realloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = strdup(s);
}

static void target_text(const struct p3s_target *t, char *out, size_t outsz)
{
    if (!t->port)
        snprintf(out, outsz, "%s", t->host);
    else if (t->kind == P3S_TARGET_IPV6)
        snprintf(out, outsz, "[%s]:%u", t->host, t->port);
    else
        snprintf(out, outsz, "%s:%u", t->host, t->port);
}

static struct run drain(struct p3s_tgen *g)
{
    struct run r = {0};
    size_t ecap = 0;
    struct p3s_target t;
    char err[512], text[300];
    int rc;
    while ((rc = p3s_tgen_next(g, &t, err, sizeof err)) != 0) {
        if (rc < 0) {
            push(&r.errs, &r.nerrs, &ecap, err);
            continue;
        }
        target_text(&t, text, sizeof text);
        push(&r.v, &r.n, &r.cap, text);
    }
    /* the end is sticky */
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 0);
    return r;
}

static struct run run_spec(const struct spec *s)
{
    struct p3s_tgen *g = open_ok(s);
    struct run r = drain(g);
    p3s_tgen_free(g);
    return r;
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i]);
    for (size_t i = 0; i < r->nerrs; i++)
        free(r->errs[i]);
    free(r->v);
    free(r->errs);
}

static size_t index_of(const struct run *r, const char *s)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i], s) == 0)
            return i;
    return SIZE_MAX;
}

/* The run is exactly the listed targets, in that order (NULL-terminated). */
static void assert_run(const struct run *r, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        if (n >= r->n || strcmp(r->v[n], want[n]) != 0)
            print_error("target %zu: got '%s', want '%s'\n", n, n < r->n ? r->v[n] : "(end)",
                        want[n]);
        assert_true(n < r->n);
        assert_string_equal(r->v[n], want[n]);
    }
    if (r->n != n)
        print_error("%zu targets, want %zu (first extra: %s)\n", r->n, n, r->v[n]);
    assert_int_equal(r->n, n);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* No target appears twice. */
static void assert_unique(const struct run *r)
{
    char **c = malloc((r->n + 1) * sizeof *c);
    memcpy(c, r->v, r->n * sizeof *c);
    qsort(c, r->n, sizeof *c, str_cmp);
    for (size_t i = 1; i < r->n; i++) {
        if (strcmp(c[i - 1], c[i]) == 0)
            print_error("duplicate target %s\n", c[i]);
        assert_string_not_equal(c[i - 1], c[i]);
    }
    free(c);
}

static char *write_file(const char *name, const char *content, size_t len)
{
    static char paths[32][256];
    static int next;
    char *p = paths[next++ % 32];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
    return p;
}

static char *write_text(const char *name, const char *content)
{
    return write_file(name, content, strlen(content));
}

/* Counts a generator's targets without keeping them. */
static uint64_t count_targets(struct p3s_tgen *g)
{
    struct p3s_target t;
    char err[512];
    uint64_t n = 0;
    int rc;
    while ((rc = p3s_tgen_next(g, &t, err, sizeof err)) != 0)
        n += rc > 0;
    return n;
}

static uint32_t v4_of(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return ntohl(a.s_addr);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One expression: its count, first and last target, and p3s_tgen_total. */
static void expect_expr(const char *expr, unsigned cap, size_t n, const char *first,
                        const char *last)
{
    struct spec s = {.exprs = {expr}, .cap = cap};
    struct p3s_tgen *g = open_ok(&s);
    assert_int_equal(p3s_tgen_total(g), n);
    struct run r = drain(g);
    p3s_tgen_free(g);
    if (r.n != n)
        print_error("'%s': %zu targets, want %zu\n", expr, r.n, n);
    assert_int_equal(r.n, n);
    assert_int_equal(r.nerrs, 0);
    assert_string_equal(r.v[0], first);
    assert_string_equal(r.v[r.n - 1], last);
    assert_unique(&r);
    run_free(&r);
}

/* ---- expressions ------------------------------------------------------------------------ */

static void test_cidr_v4(void **state)
{
    (void)state;
    expect_expr("192.0.2.7/32", 0, 1, "192.0.2.7", "192.0.2.7");
    expect_expr("192.0.2.6/31", 0, 2, "192.0.2.6", "192.0.2.7");
    expect_expr("192.0.2.0/24", 0, 256, "192.0.2.0", "192.0.2.255");
    expect_expr("127.0.0.0/16", 0, 65536, "127.0.0.0", "127.0.255.255");
    /* host bits set: the network is meant */
    expect_expr("10.1.2.3/24", 0, 256, "10.1.2.0", "10.1.2.255");
    expect_expr("192.0.2.7/31", 0, 2, "192.0.2.6", "192.0.2.7");
    /* the top of the address space does not wrap */
    expect_expr("255.255.255.0/24", 0, 256, "255.255.255.0", "255.255.255.255");
    expect_expr("0.0.0.0/30", 0, 4, "0.0.0.0", "0.0.0.3");
}

/* /0 is allowed for IPv4 (2^32 addresses, streamed); only its start is walked here. */
static void test_cidr_v4_zero(void **state)
{
    (void)state;
    struct spec s = {.exprs = {"0.0.0.0/0"}};
    struct p3s_tgen *g = open_ok(&s);
    assert_int_equal(p3s_tgen_total(g), 4294967296ULL);
    struct p3s_target t;
    char err[256];
    const char *want[] = {"0.0.0.0", "0.0.0.1", "0.0.0.2"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
        assert_string_equal(t.host, want[i]);
    }
    p3s_tgen_free(g);
}

static void test_cidr_v6(void **state)
{
    (void)state;
    expect_expr("2001:db8::/120", 0, 256, "2001:db8::", "2001:db8::ff");
    expect_expr("2001:db8::5/128", 0, 1, "2001:db8::5", "2001:db8::5");
    expect_expr("2001:DB8::1:77/112", 0, 65536, "2001:db8::1:0", "2001:db8::1:ffff");
    expect_expr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", 0, 256,
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    expect_expr("2001:db8::/120", 8, 256, "2001:db8::", "2001:db8::ff");
    expect_expr("2001:db8::1-2001:db8::10", 0, 16, "2001:db8::1", "2001:db8::10");

    /* past the cap: the message names the expression and the cap */
    struct spec s = {.exprs = {"2001:db8::/111"}};
    open_fails(&s, "2001:db8::/111");
    open_fails(&s, "/112");
    struct spec s8 = {.exprs = {"2001:db8::/119"}, .cap = 8};
    open_fails(&s8, "/120");
    struct spec zero = {.exprs = {"::/0"}};
    open_fails(&zero, "::/0");
    struct spec range = {.exprs = {"2001:db8::1-2001:db8::1:1"}};
    open_fails(&range, "2001:db8::1-2001:db8::1:1");
    struct spec bigcap = {.exprs = {"2001:db8::1"}, .cap = 33};
    open_fails(&bigcap, "33");
}

static void test_ranges(void **state)
{
    (void)state;
    expect_expr("192.0.2.1-40", 0, 40, "192.0.2.1", "192.0.2.40");
    expect_expr("192.0.2.5-5", 0, 1, "192.0.2.5", "192.0.2.5");
    expect_expr("192.0.2.250-192.0.3.9", 0, 16, "192.0.2.250", "192.0.3.9");
    expect_expr("255.255.255.250-255", 0, 6, "255.255.255.250", "255.255.255.255");
    expect_expr("10.0.0.0-10.0.255.255", 0, 65536, "10.0.0.0", "10.0.255.255");
}

static void test_bad_expressions(void **state)
{
    (void)state;
    const char *bad[] = {
        "1.2.3.9-1",        /* end below start */
        "1.2.3.1-300",      /* octet */
        "1.2.3.9-1.2.3.1",  /* reversed */
        "1.2.3.1-1.2.3",    /* end not an address */
        "1.2.3.1-",         /* no end */
        "1.2.3.1-2001:db8::1",
        "2001:db8::1-10",   /* no last-octet form for IPv6 */
        "10.0.0.0/33",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "/24",
        "10.0.0/24",
        "10.0.0.0/24:110",  /* CIDRs take no port */
        "1.2.3.1-40:110",   /* nor do ranges */
        "bad..name",
        "1.2.3.4:99999",
        "[::1",
        "",
        "host name",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct spec s = {.exprs = {"192.0.2.1", bad[i], "192.0.2.2"}};
        char want[64];
        snprintf(want, sizeof want, "'%s'", bad[i]);
        open_fails(&s, want);
    }
    /* a dash does not make a name a range */
    struct spec ok = {.exprs = {"pop-1.example.com", "mail-2.example"}};
    struct run r = run_spec(&ok);
    assert_run(&r, (const char *[]){"pop-1.example.com", "mail-2.example", NULL});
    run_free(&r);
}

static void test_singles(void **state)
{
    (void)state;
    struct spec s = {.exprs = {"mail.example.org", "mail.example.org:110", "192.0.2.1",
                               "192.0.2.1:995", "2001:DB8::1", "[2001:db8::2]:110",
                               "[2001:db8::3]"}};
    struct p3s_tgen *g = open_ok(&s);
    assert_int_equal(p3s_tgen_total(g), 7);
    struct p3s_target t;
    char err[256];
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_int_equal(t.kind, P3S_TARGET_NAME);
    assert_string_equal(t.host, "mail.example.org");
    assert_int_equal(t.port, 0);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_int_equal(t.kind, P3S_TARGET_NAME);
    assert_int_equal(t.port, 110);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_int_equal(t.kind, P3S_TARGET_IPV4);
    assert_string_equal(t.host, "192.0.2.1");
    assert_int_equal(ntohl(t.v4.s_addr), v4_of("192.0.2.1"));
    assert_int_equal(t.port, 0);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_string_equal(t.host, "192.0.2.1");
    assert_int_equal(t.port, 995);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_int_equal(t.kind, P3S_TARGET_IPV6);
    assert_string_equal(t.host, "2001:db8::1"); /* canonical text */
    struct in6_addr a6;
    inet_pton(AF_INET6, "2001:db8::1", &a6);
    assert_memory_equal(&t.v6, &a6, sizeof a6);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_int_equal(t.kind, P3S_TARGET_IPV6);
    assert_string_equal(t.host, "2001:db8::2");
    assert_int_equal(t.port, 110);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 1);
    assert_string_equal(t.host, "2001:db8::3");
    assert_int_equal(t.port, 0);
    assert_int_equal(p3s_tgen_next(g, &t, err, sizeof err), 0);
    p3s_tgen_free(g);
}

/* Expressions in the order given, addresses ascending within each. */
static void test_order(void **state)
{
    (void)state;
    struct spec s = {.exprs = {"192.0.2.10-12", "example.org", "10.0.0.0/30", "192.0.2.1",
                               "2001:db8::/127"}};
    struct run r = run_spec(&s);
    assert_run(&r, (const char *[]){"192.0.2.10", "192.0.2.11", "192.0.2.12", "example.org",
                                    "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "192.0.2.1",
                                    "2001:db8::", "2001:db8::1", NULL});
    run_free(&r);
}

/* ---- duplicates ------------------------------------------------------------------------- */

static void test_dedup_cmdline(void **state)
{
    (void)state;
    /* overlapping CIDRs and repeated addresses: each address once, owned by the first
     * expression that names it */
    struct spec s = {.exprs = {"10.0.1.0/24", "10.0.0.128/25", "10.0.0.5", "10.0.0.0/23",
                               "10.0.1.7", "10.0.0.0-10.0.1.255"}};
    struct p3s_tgen *g = open_ok(&s);
    assert_int_equal(p3s_tgen_total(g), 512);
    struct run r = drain(g);
    p3s_tgen_free(g);
    assert_int_equal(r.n, 512);
    assert_unique(&r);
    assert_string_equal(r.v[0], "10.0.1.0");
    assert_string_equal(r.v[255], "10.0.1.255");
    assert_string_equal(r.v[256], "10.0.0.128");
    assert_string_equal(r.v[383], "10.0.0.255");
    assert_string_equal(r.v[384], "10.0.0.5");
    assert_string_equal(r.v[385], "10.0.0.0");
    assert_string_equal(r.v[390], "10.0.0.6"); /* .5 skipped: given before */
    assert_string_equal(r.v[511], "10.0.0.127");
    run_free(&r);

    /* three expressions cover 10.0.0.6: the earliest still covering it owns it, not the
     * latest, even once the single address (expression 0) has ended */
    struct spec o = {.exprs = {"10.0.0.5", "10.0.0.0-200", "x.example", "10.0.0.0/24"}};
    r = run_spec(&o);
    assert_int_equal(r.n, 257);
    assert_string_equal(r.v[0], "10.0.0.5");
    assert_string_equal(r.v[1], "10.0.0.0");
    assert_string_equal(r.v[5], "10.0.0.4");
    assert_string_equal(r.v[6], "10.0.0.6");
    assert_string_equal(r.v[200], "10.0.0.200");
    assert_string_equal(r.v[201], "x.example");
    assert_string_equal(r.v[202], "10.0.0.201");
    run_free(&r);

    /* names compare case-insensitively without the final dot; ports distinguish */
    struct spec n = {.exprs = {"Example.org", "example.org.", "EXAMPLE.ORG", "a.example:110",
                               "a.example:110", "A.example", "192.0.2.1:110", "192.0.2.1",
                               "192.0.2.1:110", "[2001:db8::1]:110", "[2001:db8:0::1]:110",
                               "2001:db8::1", "2001:db8::1/128"}};
    r = run_spec(&n);
    assert_run(&r, (const char *[]){"Example.org", "a.example:110", "A.example",
                                    "192.0.2.1:110", "192.0.2.1", "[2001:db8::1]:110",
                                    "2001:db8::1", NULL});
    run_free(&r);
}

static void test_dedup_files(void **state)
{
    (void)state;
    char *f1 = write_text("dedup1.txt", "10.0.0.1\n"     /* given on the command line */
                                        "EXAMPLE.org\n"  /* likewise */
                                        "10.0.0.8/30\n"  /* 4 new */
                                        "10.0.0.9\n"     /* inside the file range */
                                        "10.0.0.20\n"    /* new */
                                        "10.0.0.16/29\n" /* 8, .20 seen: 7 new */
                                        "10.0.0.20\n"
                                        "x.example\n"
                                        "x.example\n"
                                        "x.example:110\n"
                                        "10.0.0.2:110\n"
                                        "10.0.0.2:110\n"
                                        "2001:db8::/126\n"
                                        "2001:db8::2\n");
    char *f2 = write_text("dedup2.txt", "10.0.0.8/29\n" /* .8-.11 seen: 4 new */
                                        "x.example.\n"
                                        "10.0.0.0-10.0.0.31\n"); /* .4-.7 and .24-.31 new */
    struct spec s = {.exprs = {"10.0.0.0/30", "example.org"}, .files = {f1, f2}};
    struct run r = run_spec(&s);
    assert_int_equal(r.nerrs, 0);
    assert_unique(&r);
    assert_int_equal(r.n, 5 + 4 + 1 + 7 + 1 + 1 + 1 + 4 + 4 + 4 + 8);
    assert_true(index_of(&r, "10.0.0.20") < index_of(&r, "10.0.0.16"));
    assert_true(index_of(&r, "10.0.0.12") != SIZE_MAX);
    assert_true(index_of(&r, "10.0.0.31") != SIZE_MAX);
    run_free(&r);
}

/* Random sets of overlapping ranges over 10.0.0.0/26, split between the command line and a
 * file, with random exclusions, against the obvious model: every expression in order (the
 * command line, then the file), addresses ascending, each kept unless excluded or seen. */
static void random_range(char *out, size_t outsz, unsigned *lo, unsigned *hi)
{
    unsigned a = (unsigned)rand() % 64, b = (unsigned)rand() % 64;
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
    switch (rand() % 3) {
    case 0:
        snprintf(out, outsz, "10.0.0.%u", *hi);
        *lo = *hi;
        break;
    case 1: {
        unsigned bits = (unsigned)rand() % 6;
        *lo &= ~((1u << bits) - 1);
        *hi = *lo | ((1u << bits) - 1);
        snprintf(out, outsz, "10.0.0.%u/%u", *lo, 32 - bits);
        break;
    }
    default:
        snprintf(out, outsz, "10.0.0.%u-%u", *lo, *hi);
    }
}

static void test_dedup_model(void **state)
{
    (void)state;
    srand(12345);
    for (int iter = 0; iter < 300; iter++) {
        char texts[24][32], file[1024] = "";
        unsigned lo[24], hi[24];
        int ncmd = rand() % 8, nfile = rand() % 8, nexcl = rand() % 3;
        struct spec s = {0};
        for (int i = 0; i < ncmd + nfile + nexcl; i++)
            random_range(texts[i], sizeof texts[i], &lo[i], &hi[i]);
        for (int i = 0; i < ncmd; i++)
            s.exprs[i] = texts[i];
        for (int i = ncmd; i < ncmd + nfile; i++)
            snprintf(file + strlen(file), sizeof file - strlen(file), "%s\n", texts[i]);
        for (int i = 0; i < nexcl; i++)
            s.excl[i] = texts[ncmd + nfile + i];
        s.files[0] = write_text("model.txt", file);

        int seen[64] = {0}, excluded[64] = {0};
        for (int i = ncmd + nfile; i < ncmd + nfile + nexcl; i++)
            for (unsigned a = lo[i]; a <= hi[i]; a++)
                excluded[a] = 1;
        struct run r = run_spec(&s);
        size_t n = 0;
        for (int i = 0; i < ncmd + nfile; i++)
            for (unsigned a = lo[i]; a <= hi[i]; a++) {
                if (excluded[a] || seen[a])
                    continue;
                seen[a] = 1;
                char want[32];
                snprintf(want, sizeof want, "10.0.0.%u", a);
                if (n >= r.n || strcmp(r.v[n], want) != 0)
                    print_error("iteration %d, target %zu: got %s, want %s\n", iter, n,
                                n < r.n ? r.v[n] : "(end)", want);
                assert_true(n < r.n);
                assert_string_equal(r.v[n], want);
                n++;
            }
        assert_int_equal(r.n, n);
        run_free(&r);
    }
}

/* ---- files ------------------------------------------------------------------------------ */

static void test_files(void **state)
{
    (void)state;
    char longline[4200];
    memset(longline, 'a', 4100);
    longline[4100] = '\0';
    char padded[4100]; /* exactly 4096 bytes: still a line */
    memset(padded, ' ', 4087);
    strcpy(padded + 4087, "192.0.2.9");
    char content[20000];
    size_t len = (size_t)snprintf(content, sizeof content,
                                  "# header comment\n"               /* 1 */
                                  "192.0.2.1\n"                      /* 2 */
                                  "  192.0.2.2   # trailing\r\n"     /* 3 */
                                  "\r\n"                             /* 4 */
                                  "example.org\r\n"                  /* 5 */
                                  "bad..name\n"                      /* 6: bad */
                                  " \t \n"                           /* 7 */
                                  "192.0.2.0/30\n"                   /* 8 */
                                  "1.2.3.9-1\n"                      /* 9: bad */
                                  "%s\n"                             /* 10: too long */
                                  "%s\r\n"                           /* 11: 4096 bytes */
                                  "%sa\n"                            /* 12: 4097: too long */
                                  "host#notacomment\n"               /* 13: bad */
                                  "    # indented comment\n"         /* 14 */
                                  "[2001:db8::1]:995\n"              /* 15 */
                                  "last.example",                    /* 16, no newline */
                                  longline, padded, padded);
    char *path = write_file("targets.txt", content, len);
    /* a NUL byte on line 3 of a second file */
    static const char binary[] = "192.0.2.100\nab\0cd\n192.0.2.101\n";
    char *bin = write_file("binary.txt", binary, sizeof binary - 1);
    struct spec s = {.exprs = {"192.0.2.1"}, .files = {path, bin}};
    struct run r = run_spec(&s);
    assert_run(&r, (const char *[]){"192.0.2.1", "192.0.2.2", "example.org", "192.0.2.0",
                                    "192.0.2.3", "192.0.2.9", "[2001:db8::1]:995",
                                    "last.example", "192.0.2.100", "192.0.2.101", NULL});
    const char *lines[] = {":6: ", ":9: ", ":10: ", ":12: ", ":13: "};
    assert_int_equal(r.nerrs, 6);
    for (size_t i = 0; i < 5; i++) {
        char want[300];
        snprintf(want, sizeof want, "%s%s", path, lines[i]);
        if (!strstr(r.errs[i], want))
            print_error("error %zu: '%s', want '%s'\n", i, r.errs[i], want);
        assert_non_null(strstr(r.errs[i], want));
    }
    assert_non_null(strstr(r.errs[0], "bad..name"));
    assert_non_null(strstr(r.errs[1], "1.2.3.9-1"));
    assert_non_null(strstr(r.errs[2], "longer than 4096"));
    assert_non_null(strstr(r.errs[3], "longer than 4096"));
    assert_non_null(strstr(r.errs[4], "host#notacomment"));
    assert_non_null(strstr(r.errs[5], "binary.txt:2: "));
    assert_non_null(strstr(r.errs[5], "NUL"));
    run_free(&r);

    /* an empty file and a file of comments give nothing */
    char *empty = write_text("empty.txt", "");
    char *comments = write_text("comments.txt", "# a\n\n   # b\n");
    struct spec e = {.files = {empty, comments}};
    r = run_spec(&e);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.nerrs, 0);
    run_free(&r);
}

static void test_file_stdin(void **state)
{
    (void)state;
    char *path = write_text("stdin.txt", "192.0.2.1\nnot a target\n192.0.2.0/31\n");
    int saved = dup(0), fd = open(path, O_RDONLY);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, 0), 0);
    close(fd);
    struct spec s = {.files = {"-"}};
    struct run r = run_spec(&s);
    dup2(saved, 0);
    close(saved);
    assert_run(&r, (const char *[]){"192.0.2.1", "192.0.2.0", NULL});
    assert_int_equal(r.nerrs, 1);
    assert_non_null(strstr(r.errs[0], "stdin:2: "));
    run_free(&r);

    struct spec twice = {.files = {"-", "-"}};
    open_fails(&twice, "more than once");
}

static void test_open_failures(void **state)
{
    (void)state;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no-such-file", tmpdir);
    struct spec dir = {.exprs = {"192.0.2.1"}, .files = {tmpdir}};
    open_fails(&dir, "directory");
    struct spec nofile = {.files = {missing}};
    open_fails(&nofile, missing);
    struct spec noexcl = {.exprs = {"192.0.2.1"}, .exfiles = {missing}};
    open_fails(&noexcl, missing);
    struct spec direxcl = {.exprs = {"192.0.2.1"}, .exfiles = {tmpdir}};
    open_fails(&direxcl, "directory");
    if (geteuid() != 0) { /* root reads anything */
        char *p = write_text("unreadable.txt", "192.0.2.1\n");
        chmod(p, 0);
        struct spec unreadable = {.files = {p}};
        open_fails(&unreadable, "unreadable.txt");
    }
    struct spec shard = {.exprs = {"192.0.2.1"}, .si = 3, .sn = 3};
    open_fails(&shard, "3/3");
}

/* ---- exclusions ------------------------------------------------------------------------- */

static void test_exclusions(void **state)
{
    (void)state;
    char *ex = write_text("exclude.txt", "# excluded\n10.0.0.250-255\n\n10.0.0.0/31 # two\r\n"
                                         "10.0.0.40, 10.0.0.41\n");
    struct spec s = {.exprs = {"10.0.0.0/24", "10.0.0.5:110", "a.example", "b.example:110",
                               "c.example"},
                     .excl = {"10.0.0.5", "10.0.0.16/28,10.0.0.100-110", "A.Example.,b.example"},
                     .exfiles = {ex}};
    struct p3s_tgen *g = open_ok(&s);
    size_t want = 256 - 1 - 16 - 11 - 6 - 2 - 2 + 1; /* + c.example */
    assert_int_equal(p3s_tgen_total(g), want);
    struct run r = drain(g);
    p3s_tgen_free(g);
    assert_int_equal(r.n, want);
    assert_unique(&r);
    for (unsigned i = 0; i < 256; i++) {
        char a[32];
        snprintf(a, sizeof a, "10.0.0.%u", i);
        int excluded = i == 5 || (i >= 16 && i < 32) || (i >= 100 && i <= 110) || i >= 250 ||
                       i < 2 || i == 40 || i == 41;
        if ((index_of(&r, a) == SIZE_MAX) != excluded)
            print_error("%s: excluded %d\n", a, excluded);
        assert_int_equal(index_of(&r, a) == SIZE_MAX, excluded);
    }
    assert_int_equal(index_of(&r, "10.0.0.5:110"), SIZE_MAX);
    assert_int_equal(index_of(&r, "a.example"), SIZE_MAX);
    assert_int_equal(index_of(&r, "b.example:110"), SIZE_MAX);
    assert_string_equal(r.v[r.n - 1], "c.example");
    run_free(&r);

    /* exclusions apply to file lines; the IPv6 cap does not apply to them */
    char *f = write_text("excl-targets.txt", "10.0.0.5\n10.0.0.0/29\nb.example\n"
                                             "2001:db8::/120\n2001:db9::1\n");
    struct spec fs = {.files = {f}, .excl = {"10.0.0.5,10.0.0.7", "b.example", "2001:db8::/64"}};
    r = run_spec(&fs);
    assert_run(&r, (const char *[]){"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
                                    "10.0.0.6", "2001:db9::1", NULL});
    run_free(&r);

    /* everything excluded */
    struct spec all = {.exprs = {"10.0.0.0/16"}, .excl = {"0.0.0.0/0"}};
    r = run_spec(&all);
    assert_int_equal(r.n, 0);
    run_free(&r);
}

static void test_bad_exclusions(void **state)
{
    (void)state;
    struct spec port = {.exprs = {"10.0.0.0/24"}, .excl = {"10.0.0.5:110"}};
    open_fails(&port, "10.0.0.5:110");
    struct spec range = {.exprs = {"10.0.0.0/24"}, .excl = {"10.0.0.1,1.2.3.9-1"}};
    open_fails(&range, "1.2.3.9-1");
    struct spec empty = {.exprs = {"10.0.0.0/24"}, .excl = {"10.0.0.1,,10.0.0.2"}};
    open_fails(&empty, "empty item");
    char *ex = write_text("bad-exclude.txt", "10.0.0.1\n10.0.0.0/40\n");
    struct spec file = {.exprs = {"10.0.0.0/24"}, .exfiles = {ex}};
    open_fails(&file, "bad-exclude.txt:2: ");
}

/* ---- shards ----------------------------------------------------------------------------- */

static void check_shards(const struct spec *base, const struct run *full, uint32_t n)
{
    size_t total = 0;
    char **all = malloc((full->n + 1) * sizeof *all);
    for (uint32_t i = 0; i < n; i++) {
        struct spec s = *base;
        s.si = i;
        s.sn = n;
        struct run r = run_spec(&s);
        /* shard i holds exactly the targets at positions i, i+n, i+2n, ... of the whole */
        for (size_t j = 0; j < r.n; j++) {
            assert_true(i + j * n < full->n);
            assert_string_equal(r.v[j], full->v[i + j * n]);
        }
        assert_int_equal(r.n, (full->n + n - 1 - i) / n);
        for (size_t j = 0; j < r.n; j++)
            all[total++] = r.v[j];
        for (size_t j = 0; j < r.nerrs; j++)
            free(r.errs[j]);
        free(r.errs);
        free(r.v);
    }
    /* together: every target of the whole, each once */
    assert_int_equal(total, full->n);
    char **want = malloc((full->n + 1) * sizeof *want);
    memcpy(want, full->v, full->n * sizeof *want);
    qsort(all, total, sizeof *all, str_cmp);
    qsort(want, full->n, sizeof *want, str_cmp);
    for (size_t j = 0; j < total; j++)
        assert_string_equal(all[j], want[j]);
    for (size_t j = 0; j < total; j++)
        free(all[j]);
    free(all);
    free(want);
}

static void test_shards(void **state)
{
    (void)state;
    char *f = write_text("shard-targets.txt", "10.0.3.200-10.0.4.40\nfile.example\n10.0.0.1\n"
                                              "bad..line\n192.0.2.0/28\n10.0.4.3\n");
    const uint32_t ns[] = {1, 2, 3, 7, 16};
    for (int rnd = 0; rnd < 2; rnd++) {
        struct spec base = {.exprs = {"10.0.0.0/22", "example.org", "10.0.3.0/25",
                                      "192.0.2.1:110", "2001:db8::/120"},
                            .excl = {"10.0.1.0/26"},
                            .files = {f},
                            .rnd = rnd,
                            .seed = 7};
        struct run full = run_spec(&base);
        /* the /22 minus the /26, a name, a port, the /120; from the file 10.0.4.0-40 (the
         * rest of the range is in the /22), a name and the /28 */
        assert_int_equal(full.n, 1024 - 64 + 1 + 1 + 256 + 41 + 1 + 16);
        assert_unique(&full);
        for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
            check_shards(&base, &full, ns[i]);
        run_free(&full);
    }
}

/* ---- --randomize ------------------------------------------------------------------------ */

static uint32_t *random_v4(const char *expr, uint64_t seed, size_t *n)
{
    struct spec s = {.exprs = {expr}, .rnd = 1, .seed = seed};
    struct run r = run_spec(&s);
    uint32_t *v = malloc((r.n + 1) * sizeof *v);
    for (size_t i = 0; i < r.n; i++)
        v[i] = v4_of(r.v[i]);
    *n = r.n;
    run_free(&r);
    return v;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void test_randomize(void **state)
{
    (void)state;
    size_t n, n2, n3;
    uint32_t *a = random_v4("10.0.0.0/16", 42, &n);
    uint32_t *b = random_v4("10.0.0.0/16", 42, &n2);
    uint32_t *c = random_v4("10.0.0.0/16", 43, &n3);
    assert_int_equal(n, 65536);
    assert_int_equal(n2, n);
    assert_int_equal(n3, n);
    /* reproducible from the seed; another seed, another order */
    assert_memory_equal(a, b, n * sizeof *a);
    assert_memory_not_equal(a, c, n * sizeof *a);
    /* neighbours rarely follow each other */
    size_t adjacent = 0, ascending = 0;
    for (size_t i = 1; i < n; i++) {
        adjacent += a[i] == a[i - 1] + 1 || a[i] + 1 == a[i - 1];
        ascending += a[i] > a[i - 1];
    }
    print_message("randomized /16: %zu adjacent pairs of %zu\n", adjacent, n - 1);
    assert_true(adjacent < n / 100);
    assert_true(ascending < n * 6 / 10 && ascending > n * 4 / 10);
    /* a permutation: every address once */
    qsort(a, n, sizeof *a, u32_cmp);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a[i], v4_of("10.0.0.0") + i);
    free(a);
    free(b);
    free(c);
}

/* Mixed sources and small sets: the same targets as without --randomize. */
static void test_randomize_mixed(void **state)
{
    (void)state;
    const char *sets[][4] = {{"10.0.0.0/24", "example.org", "2001:db8::/120", "192.0.2.1:110"},
                             {"192.0.2.1", NULL},
                             {"192.0.2.1", "192.0.2.2", NULL},
                             {"192.0.2.0-2", NULL},
                             {"10.0.0.0/30", "10.0.0.2-10", "a.example", NULL}};
    for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
        struct spec s = {0};
        for (int i = 0; i < 4 && sets[k][i]; i++)
            s.exprs[i] = sets[k][i];
        struct run plain = run_spec(&s);
        s.rnd = 1;
        s.seed = 99;
        struct run rnd = run_spec(&s);
        assert_int_equal(plain.n, rnd.n);
        qsort(plain.v, plain.n, sizeof *plain.v, str_cmp);
        qsort(rnd.v, rnd.n, sizeof *rnd.v, str_cmp);
        for (size_t i = 0; i < plain.n; i++)
            assert_string_equal(plain.v[i], rnd.v[i]);
        run_free(&plain);
        run_free(&rnd);
    }
}

/* ---- p3s_tgen_total --------------------------------------------------------------------- */

static void test_total(void **state)
{
    (void)state;
    struct spec s = {.exprs = {"10.0.0.0/24", "10.0.0.0/25", "x.example", "x.example"},
                     .excl = {"10.0.0.0/30"}};
    for (uint32_t n = 1; n <= 5; n++) {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < n; i++) {
            s.si = i;
            s.sn = n;
            struct p3s_tgen *g = open_ok(&s);
            uint64_t total = p3s_tgen_total(g);
            assert_int_equal(total, count_targets(g));
            sum += total;
            p3s_tgen_free(g);
        }
        assert_int_equal(sum, 256 - 4 + 1);
    }
    struct spec none = {.exprs = {"10.0.0.0/30"}, .excl = {"10.0.0.0/24"}, .si = 1, .sn = 2};
    struct p3s_tgen *g = open_ok(&none);
    assert_int_equal(p3s_tgen_total(g), 0);
    p3s_tgen_free(g);
    char *f = write_text("total.txt", "10.0.0.1\n");
    struct spec file = {.exprs = {"10.0.0.0/30"}, .files = {f}};
    g = open_ok(&file);
    assert_int_equal(p3s_tgen_total(g), UINT64_MAX);
    p3s_tgen_free(g);
}

/* ---- scale: a /8 in constant memory ----------------------------------------------------- */

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void time_slash8(const char *label, const struct spec *s, uint64_t want)
{
    long rss0 = max_rss_kb();
    double t0 = now_ms();
    struct p3s_tgen *g = open_ok(s);
    uint64_t n = count_targets(g);
    double ms = now_ms() - t0;
    p3s_tgen_free(g);
    long grown = max_rss_kb() - rss0;
    print_message("%s: %llu targets in %.0f ms, peak RSS grew %ld KiB\n", label,
                  (unsigned long long)n, ms, grown);
    assert_int_equal(n, want);
    assert_true(grown < 4096);
}

static void test_slash8(void **state)
{
    (void)state;
    struct spec s = {.exprs = {"10.0.0.0/8"}};
    time_slash8("/8", &s, 16777216);
    s.rnd = 1;
    time_slash8("/8 randomized", &s, 16777216);
    struct spec shard = {.exprs = {"10.0.0.0/8"}, .si = 2, .sn = 3};
    time_slash8("/8 shard 2/3", &shard, 16777216 / 3);
    char *f = write_text("slash8.txt", "# a /8 from a file\n10.0.0.0/8\n");
    struct spec file = {.files = {f}};
    time_slash8("/8 from a file", &file, 16777216);
    file.si = 5;
    file.sn = 16;
    time_slash8("/8 from a file, shard 5/16", &file, 16777216 / 16);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first, so that its peak RSS check is not hidden by the peaks of other tests */
        cmocka_unit_test(test_slash8),
        cmocka_unit_test(test_cidr_v4),       cmocka_unit_test(test_cidr_v4_zero),
        cmocka_unit_test(test_cidr_v6),       cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_bad_expressions), cmocka_unit_test(test_singles),
        cmocka_unit_test(test_order),         cmocka_unit_test(test_dedup_cmdline),
        cmocka_unit_test(test_dedup_files),   cmocka_unit_test(test_dedup_model),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_file_stdin),    cmocka_unit_test(test_open_failures),
        cmocka_unit_test(test_exclusions),    cmocka_unit_test(test_bad_exclusions),
        cmocka_unit_test(test_shards),        cmocka_unit_test(test_randomize),
        cmocka_unit_test(test_randomize_mixed), cmocka_unit_test(test_total),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
