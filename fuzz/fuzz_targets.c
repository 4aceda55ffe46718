/* fuzz_targets.c — target and port-list parsing, and the target generator.
 *
 * Input: a flags byte, then sections separated by the byte 0xff:
 *   0: a target spec for p3s_target_parse() (and p3s_hostname_valid())
 *   1: a port list for p3s_ports_parse()
 *   2: command-line target expressions, one per line (at most 8)
 *   3: --exclude items, one per line (each may be a comma list; at most 4)
 *   4: the content of an -iL file (absent: no file)
 *   5: the content of an --exclude-file (absent: no file)
 * Flags: bit 0 --randomize, bit 1 also check shards (2 or 3 of them, bit 2), bits 3-7 the IPv6
 * prefix cap (0: the default; 31 stands for 33, which must be refused).
 * Files are memfds opened through /proc/self/fd. Checks: parsed targets and ports are what they
 * claim to be; the generator's targets parse back; without files it gives exactly
 * p3s_tgen_total() targets, no duplicates, the same set in --randomize order, and shards that
 * are disjoint and together the whole set.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "targetgen.h"
#include "targets.h"
#include "fuzz.h"


#define SECTIONS 6
#define MAX_EXPRS 8
#define MAX_EXCLUDES 4
#define MAX_TARGETS 1024 /* set checks only below this; iteration stops a little past it */

struct key {
    unsigned char k[1 + 16 + 2 + 256];
    size_t len;
};

static struct key keys_a[MAX_TARGETS + 2], keys_b[MAX_TARGETS + 2];

static void check_target(const struct p3s_target *t)
{
    size_t hl = strnlen(t->host, sizeof t->host);
    CHECK(hl > 0 && hl < sizeof t->host);
    unsigned char a[16];
    switch (t->kind) {
    case P3S_TARGET_IPV4:
        CHECK(inet_pton(AF_INET, t->host, a) == 1 && memcmp(a, &t->v4, 4) == 0);
        break;
    case P3S_TARGET_IPV6:
        CHECK(inet_pton(AF_INET6, t->host, a) == 1 && memcmp(a, &t->v6, 16) == 0);
        break;
    case P3S_TARGET_NAME:
        CHECK(p3s_hostname_valid(t->host));
        break;
    default:
        CHECK(0);
    }
}

static void make_key(const struct p3s_target *t, struct key *k)
{
    size_t n = 0;
    k->k[n++] = (unsigned char)t->kind;
    if (t->kind == P3S_TARGET_IPV4) {
        memcpy(k->k + n, &t->v4, 4);
        n += 4;
    } else if (t->kind == P3S_TARGET_IPV6) {
        memcpy(k->k + n, &t->v6, 16);
        n += 16;
    } else { /* names compare case-insensitively without a trailing dot */
        size_t hl = strlen(t->host);
        if (hl > 1 && t->host[hl - 1] == '.')
            hl--;
        for (size_t i = 0; i < hl; i++)
            k->k[n++] = (unsigned char)tolower((unsigned char)t->host[i]);
    }
    k->k[n++] = (unsigned char)(t->port >> 8);
    k->k[n++] = (unsigned char)t->port;
    k->len = n;
}

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Runs the generator; returns the number of targets (stops past max, so keys needs max + 1
 * entries), their keys in keys. */
static size_t run(const struct p3s_tgen_opts *o, struct key *keys, size_t max, int *opened,
                  uint64_t *total)
{
    struct p3s_tgen *g = NULL;
    char err[512];
    err[0] = 'X';
    if (p3s_tgen_open(&g, o, err, sizeof err) != 0) {
        CHECK(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
        *opened = 0;
        return 0;
    }
    *opened = 1;
    *total = p3s_tgen_total(g);
    size_t n = 0;
    for (unsigned steps = 0; n <= max && steps < 4 * MAX_TARGETS; steps++) {
        struct p3s_target t;
        err[0] = '\0';
        int r = p3s_tgen_next(g, &t, err, sizeof err);
        if (r == 0)
            break;
        if (r < 0) {
            CHECK(o->nfiles > 0); /* only file lines are reported as they come */
            CHECK(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
            continue;
        }
        CHECK(r == 1);
        check_target(&t);
        make_key(&t, &keys[n]);
        n++;
    }
    p3s_tgen_free(g);
    return n;
}

static int memfile(const char *data, size_t len, char *path, size_t psz)
{
    int fd = memfd_create("fuzz", 0);
    CHECK(fd >= 0);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        CHECK(w > 0);
        off += (size_t)w;
    }
    snprintf(path, psz, "/proc/self/fd/%d", fd);
    return fd;
}

/* Splits s (len bytes) at '\n' into at most max NUL-terminated strings stored in store. */
static size_t split_lines(const char *s, size_t len, char *store, char **out, size_t max)
{
    size_t n = 0;
    if (len == 0)
        return 0;
    memcpy(store, s, len);
    store[len] = '\0';
    char *p = store;
    while (n < max) {
        out[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

static void check_ports(const char *spec)
{
    struct p3s_portlist pl = {0};
    char err[256];
    if (p3s_ports_parse(spec, &pl, err, sizeof err) != 0) {
        CHECK(pl.v == NULL && pl.n == 0);
        CHECK(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
        return;
    }
    CHECK(pl.n >= 1 && pl.n <= 2 * 65535);
    /* Each (port, way) once; a port may be listed plain and tls: both. */
    static unsigned char seen[65536];
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < pl.n; i++) {
        uint16_t p = pl.v[i].port;
        CHECK(pl.v[i].tls <= 1);
        unsigned way = pl.v[i].tls ? P3S_PORT_TLS : P3S_PORT_PLAIN;
        CHECK(p != 0 && !(seen[p] & way));
        seen[p] |= (unsigned char)way;
        if (p == 995)
            CHECK(pl.v[i].tls);
        CHECK(p3s_ports_kinds(&pl, p) & way);
    }
    for (size_t i = 0; i < pl.n; i++)
        CHECK(p3s_ports_kinds(&pl, pl.v[i].port) == seen[pl.v[i].port]);
    if (!strstr(spec, "tls:"))
        for (size_t i = 0; i < pl.n; i++)
            CHECK(pl.v[i].tls == (pl.v[i].port == 995));
    p3s_ports_free(&pl);
    CHECK(pl.v == NULL && pl.n == 0);
}

static void check_parse(const char *spec)
{
    struct p3s_target t;
    char err[256];
    memset(&t, 0xa5, sizeof t);
    if (p3s_target_parse(spec, &t, err, sizeof err) == 0)
        check_target(&t);
    else
        CHECK(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
    (void)p3s_hostname_valid(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    unsigned flags = data[0];
    const char *sec[SECTIONS] = {0};
    size_t slen[SECTIONS] = {0};
    size_t nsec = 0;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    while (nsec < SECTIONS) {
        const char *sep = memchr(p, 0xff, (size_t)(end - p));
        sec[nsec] = p;
        slen[nsec] = (size_t)((sep ? sep : end) - p);
        nsec++;
        if (!sep)
            break;
        p = sep + 1;
    }

    char *spec = strndup(sec[0] ? sec[0] : "", slen[0]);
    char *ports = strndup(sec[1] ? sec[1] : "", slen[1]);
    CHECK(spec && ports);
    check_parse(spec);
    check_ports(ports);
    free(spec);
    free(ports);
    if (nsec < 3)
        return 0;

    char *estore = malloc(slen[2] + 1), *xstore = malloc(slen[3] + 1);
    CHECK(estore && xstore);
    char *exprs[MAX_EXPRS];
    char *excl[MAX_EXCLUDES];
    struct p3s_tgen_opts o = {0};
    o.exprs = exprs;
    o.nexprs = split_lines(sec[2], slen[2], estore, exprs, MAX_EXPRS);
    o.excludes = (const char **)excl;
    o.nexcludes = nsec > 3 ? split_lines(sec[3], slen[3], xstore, excl, MAX_EXCLUDES) : 0;
    char fpath[64], xpath[64];
    const char *files[1] = {fpath}, *xfiles[1] = {xpath};
    int ffd = -1, xfd = -1;
    if (nsec > 4) {
        ffd = memfile(sec[4], slen[4], fpath, sizeof fpath);
        o.files = files;
        o.nfiles = 1;
    }
    if (nsec > 5) {
        xfd = memfile(sec[5], slen[5], xpath, sizeof xpath);
        o.exclude_files = xfiles;
        o.nexclude_files = 1;
    }
    unsigned cap = (flags >> 3) & 31;
    o.v6_prefix_cap = cap == 31 ? 33 : cap;
    o.randomize = 0;
    o.seed = 0x243f6a8885a308d3ull ^ flags;

    int opened;
    uint64_t total = 0;
    size_t n = run(&o, keys_a, MAX_TARGETS, &opened, &total);
    if (cap == 31)
        CHECK(!opened);
    if (opened && o.nfiles == 0 && total <= MAX_TARGETS) {
        CHECK(n == total);
        qsort(keys_a, n, sizeof keys_a[0], key_cmp);
        for (size_t i = 1; i < n; i++)
            CHECK(key_cmp(&keys_a[i - 1], &keys_a[i]) != 0); /* no duplicates */
        if (flags & 1) { /* --randomize: the same set in another order */
            o.randomize = 1;
            int op2;
            uint64_t t2 = 0;
            size_t m = run(&o, keys_b, MAX_TARGETS, &op2, &t2);
            CHECK(op2 && t2 == total && m == n);
            qsort(keys_b, m, sizeof keys_b[0], key_cmp);
            for (size_t i = 0; i < n; i++)
                CHECK(key_cmp(&keys_a[i], &keys_b[i]) == 0);
        }
        if (flags & 2) { /* shards: disjoint, and together the whole set */
            uint32_t count = (flags & 4) ? 3 : 2;
            size_t got = 0;
            uint64_t sum = 0;
            o.shard_count = count;
            for (uint32_t i = 0; i < count; i++) {
                o.shard_index = i;
                int op2;
                uint64_t t2 = 0;
                size_t m = run(&o, keys_b + got, n - got, &op2, &t2);
                CHECK(op2 && m == t2);
                got += m;
                sum += t2;
                CHECK(got <= n);
            }
            CHECK(got == n && sum == total);
            qsort(keys_b, got, sizeof keys_b[0], key_cmp);
            for (size_t i = 0; i < n; i++)
                CHECK(key_cmp(&keys_a[i], &keys_b[i]) == 0);
        }
    }
    if (ffd >= 0)
        close(ffd);
    if (xfd >= 0)
        close(xfd);
    free(estore);
    free(xstore);
    return 0;
}
