/* targetgen.c — see targetgen.h. Addresses are handled as 128-bit integers (IPv4 in the low
 * 32 bits, with the family kept beside), so that CIDRs and ranges are integer intervals and
 * exclusion, duplicate removal and sharding are interval arithmetic, never per-address state.
 * This file parses expressions and runs the generator; it builds on ivset.c (interval sets),
 * keyset.c (exact sets of single targets), targetfile.c (reading -iL and exclusion files) and
 * perm.c (the --randomize order).
 */
#include "targetgen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivset.h"
#include "keyset.h"
#include "perm.h"
#include "targetfile.h"
#include "util.h"

typedef p3s_u128 u128;

enum { FAM4, FAM6, NFAM };

static u128 fam_max(int fam)
{
    return fam == FAM4 ? (u128)UINT32_MAX : ~(u128)0;
}

/* The low `bits` bits set: the host part of a prefix. */
static u128 host_mask(unsigned bits)
{
    return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

/* Parses a bare IPv4 or IPv6 address into its family and number. */
static int parse_addr(const char *s, int *fam, u128 *val)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        *fam = FAM4;
        *val = ntohl(a4.s_addr);
        return 1;
    }
    if (inet_pton(AF_INET6, s, &a6) == 1) {
        u128 x = 0;
        for (int i = 0; i < 16; i++)
            x = x << 8 | a6.s6_addr[i];
        *fam = FAM6;
        *val = x;
        return 1;
    }
    return 0;
}

/* inet_ntop is the slowest step of expanding a large IPv4 range; this is several times faster. */
static void fmt_v4(char *out, uint32_t a)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned o = (a >> shift) & 255;
        if (o >= 100)
            *out++ = (char)('0' + o / 100);
        if (o >= 10)
            *out++ = (char)('0' + o / 10 % 10);
        *out++ = (char)('0' + o % 10);
        *out++ = shift ? '.' : '\0';
    }
}

static void fill_addr(struct p3s_target *t, int fam, u128 a, uint16_t port)
{
    t->port = port;
    if (fam == FAM4) {
        t->kind = P3S_TARGET_IPV4;
        t->v4.s_addr = htonl((uint32_t)a);
        memset(&t->v6, 0, sizeof t->v6);
        fmt_v4(t->host, (uint32_t)a);
        return;
    }
    t->kind = P3S_TARGET_IPV6;
    t->v4.s_addr = 0;
    for (int i = 15; i >= 0; i--, a >>= 8)
        t->v6.s6_addr[i] = (uint8_t)a;
    inet_ntop(AF_INET6, &t->v6, t->host, sizeof t->host);
}

/* ---- Keys of single targets, for the exact sets (keyset.h) ---- */

static size_t key_addr(unsigned char *k, int fam, u128 a, uint16_t port)
{
    size_t n = fam == FAM4 ? 4 : 16;
    k[0] = fam == FAM4 ? '4' : '6';
    k[1] = (unsigned char)(port >> 8);
    k[2] = (unsigned char)port;
    for (size_t i = 0; i < n; i++)
        k[3 + i] = (unsigned char)(a >> (8 * (n - 1 - i)));
    return 3 + n;
}

/* Names compare as DNS does: case-insensitively, with or without the final dot. */
static size_t key_name(unsigned char *k, const char *name, uint16_t port)
{
    size_t len = strlen(name);
    if (len && name[len - 1] == '.')
        len--;
    k[0] = 'n';
    k[1] = (unsigned char)(port >> 8);
    k[2] = (unsigned char)port;
    for (size_t i = 0; i < len; i++)
        k[3 + i] = (unsigned char)tolower((unsigned char)name[i]);
    return 3 + len;
}

/* ---- Expressions ---- */

/* A parsed expression: an interval of addresses without port, or one single target. */
struct expr {
    int is_iv;
    int is_name; /* a single name (lit.kind is not enough: a CIDR leaves lit zeroed) */
    int fam;     /* for intervals and address targets */
    u128 lo, hi;
    struct p3s_target lit; /* when !is_iv */
};

static int parse_cidr(const char *s, const char *slash, unsigned cap, struct expr *e, char *err,
                      size_t errsz)
{
    char addr[INET6_ADDRSTRLEN];
    size_t alen = (size_t)(slash - s), plen = strlen(slash + 1);
    unsigned prefix = 0;
    int ok = alen > 0 && alen < sizeof addr && plen > 0 && plen <= 3;
    for (size_t i = 0; ok && i < plen; i++) {
        ok = isdigit((unsigned char)slash[1 + i]);
        prefix = prefix * 10 + (unsigned)(slash[1 + i] - '0');
    }
    if (ok) {
        memcpy(addr, s, alen);
        addr[alen] = '\0';
        ok = parse_addr(addr, &e->fam, &e->lo);
    }
    unsigned bits = e->fam == FAM4 ? 32 : 128;
    if (!ok || prefix > bits) {
        snprintf(err, errsz,
                 "bad CIDR '%s' (expected ADDRESS/PREFIX, at most /32 for IPv4 and /128 for "
                 "IPv6; CIDRs take no port)",
                 s);
        return -1;
    }
    if (e->fam == FAM6 && bits - prefix > cap) {
        snprintf(err, errsz, "IPv6 prefix too large in '%s': at most /%u (%llu addresses)", s,
                 128 - cap, 1ULL << cap);
        return -1;
    }
    u128 hm = host_mask(bits - prefix);
    e->is_iv = 1;
    e->lo &= ~hm;
    e->hi = e->lo | hm;
    return 0;
}

/* The end of a range: a last octet (IPv4 only) or a full address of the same family. */
static int parse_range_end(const char *r, const struct expr *e, u128 *hi)
{
    size_t len = strlen(r), digits = strspn(r, "0123456789");
    if (e->fam == FAM4 && len >= 1 && len <= 3 && digits == len) {
        unsigned v = (unsigned)atoi(r);
        *hi = (e->lo & ~(u128)255) | v;
        return v <= 255 ? 0 : -1;
    }
    char buf[INET6_ADDRSTRLEN];
    int fam;
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, r, len + 1);
    return parse_addr(buf, &fam, hi) && fam == e->fam ? 0 : -1;
}

/* Returns 1 when s is no range (it may be a name with a dash), 0 when parsed, -1 if bad. */
static int parse_range(const char *s, const char *dash, unsigned cap, struct expr *e, char *err,
                       size_t errsz)
{
    char left[INET6_ADDRSTRLEN];
    size_t llen = (size_t)(dash - s);
    if (llen == 0 || llen >= sizeof left)
        return 1;
    memcpy(left, s, llen);
    left[llen] = '\0';
    if (!parse_addr(left, &e->fam, &e->lo))
        return 1;
    u128 hi;
    if (parse_range_end(dash + 1, e, &hi) < 0) {
        snprintf(err, errsz,
                 "bad range '%s' (expected 192.0.2.1-40 or 192.0.2.1-192.0.3.9, last octet at "
                 "most 255; ranges take no port)",
                 s);
        return -1;
    }
    if (hi < e->lo) {
        snprintf(err, errsz, "bad range '%s': the end is below the start", s);
        return -1;
    }
    if (e->fam == FAM6 && hi - e->lo > host_mask(cap)) {
        snprintf(err, errsz, "IPv6 range too large '%s': at most %llu addresses", s, 1ULL << cap);
        return -1;
    }
    e->is_iv = 1;
    e->hi = hi;
    return 0;
}

/* Parses one expression; cap is the largest IPv6 expansion, in host bits. */
static int parse_expr(const char *s, unsigned cap, struct expr *e, char *err, size_t errsz)
{
    memset(e, 0, sizeof *e);
    const char *slash = strchr(s, '/');
    if (slash)
        return parse_cidr(s, slash, cap, e, err, errsz);
    const char *dash = strchr(s, '-');
    if (dash) {
        int r = parse_range(s, dash, cap, e, err, errsz);
        if (r <= 0)
            return r;
        memset(e, 0, sizeof *e);
    }
    if (p3s_target_parse(s, &e->lit, err, errsz) < 0)
        return -1;
    e->is_name = e->lit.kind == P3S_TARGET_NAME;
    if (e->is_name)
        return 0;
    parse_addr(e->lit.host, &e->fam, &e->lo);
    e->hi = e->lo;
    e->is_iv = e->lit.port == 0;
    return 0;
}

/* The key of a single target, for the duplicate sets. */
static size_t expr_key(unsigned char *k, const struct expr *e)
{
    if (e->is_name)
        return key_name(k, e->lit.host, e->lit.port);
    return key_addr(k, e->fam, e->lo, e->is_iv ? 0 : e->lit.port);
}

static void expr_target(const struct expr *e, struct p3s_target *t)
{
    if (e->is_name)
        *t = e->lit;
    else
        fill_addr(t, e->fam, e->lo, e->is_iv ? 0 : e->lit.port);
}

/* ---- The generator ---- */

/* Consecutive positions of the command-line set: a run of addresses free of exclusions, or
 * one single target (a name, an address with a port). */
struct seg {
    u128 lo;
    uint64_t start, size;
    size_t owner; /* index of the expression, for the order */
    int fam;      /* FAM4, FAM6, or -1 for a single target */
    size_t lit;   /* its index in lits when fam is -1 */
};

/* The file range [lo, hi] being expanded: the free run [cur, cur + left) is walked, then the
 * next free run is looked for from next, if more. */
struct frange {
    int active, more, fam;
    u128 lo, hi, cur, next;
    uint64_t left;
};

struct p3s_tgen {
    unsigned v6cap;
    uint32_t shard_i, shard_n;
    int randomize;
    struct p3s_perm perm;
    /* the command line */
    struct seg *segs;
    size_t nsegs, segcap, segi;
    struct p3s_target *lits;
    size_t nlits;
    uint64_t ncmd, pos; /* targets of the command line; next position */
    /* exclusions; what the command line and the files gave */
    struct p3s_ivset excl[NFAM], cmd[NFAM], file[NFAM];
    struct p3s_keyset excl_names, cmd_lits, seen;
    uint64_t seen_addrs[NFAM]; /* addresses without port offered to seen */
    /* files */
    struct p3s_tfile *srcs;
    size_t nsrcs, si;
    struct frange fr;
    uint64_t k; /* position of the next file target in the final order */
    int has_range;   /* a command-line CIDR or range of more than one address */
    int has_ungot;   /* p3s_tgen_unget() gave back a target */
    struct p3s_target ungot;
};

/* Whether the next target of the final order is this shard's; counts it either way. */
static int take(struct p3s_tgen *g)
{
    return g->k++ % g->shard_n == g->shard_i;
}

/* -- the command-line plan -- */

static void seg_add(struct p3s_tgen *g, size_t owner, int fam, u128 lo, uint64_t size)
{
    struct seg *last = g->nsegs ? &g->segs[g->nsegs - 1] : NULL;
    if (last && fam >= 0 && last->owner == owner && last->fam == fam &&
        last->lo + last->size == lo) {
        last->size += size;
        return;
    }
    if (g->nsegs == g->segcap) {
        g->segcap = g->segcap ? g->segcap * 2 : 16;
        g->segs = p3s_xrealloc(g->segs, g->segcap * sizeof *g->segs);
    }
    g->segs[g->nsegs++] = (struct seg){.lo = lo, .size = size, .owner = owner, .fam = fam};
}

/* Adds [lo, hi] of expression owner, minus the exclusions. */
static void add_piece(struct p3s_tgen *g, size_t owner, int fam, u128 lo, u128 hi)
{
    const struct p3s_ivset *ex[] = {&g->excl[fam]};
    u128 s, e;
    while (p3s_ivsets_free_run(ex, 1, lo, hi, &s, &e)) {
        seg_add(g, owner, fam, s, (uint64_t)(e - s) + 1);
        if (e == hi)
            break;
        lo = e + 1;
    }
}

/* An interval expression, for the sweep. */
struct owned {
    size_t owner;
    u128 lo, hi;
};

static int owned_cmp(const void *a, const void *b)
{
    const struct owned *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->owner < y->owner ? -1 : x->owner > y->owner;
}

/* A min-heap of the expressions covering the sweep position, by expression index. */
struct heap {
    struct owned *v;
    size_t n;
};

static void heap_push(struct heap *h, struct owned it)
{
    size_t i = h->n++;
    for (; i && h->v[(i - 1) / 2].owner > it.owner; i = (i - 1) / 2)
        h->v[i] = h->v[(i - 1) / 2];
    h->v[i] = it;
}

static void heap_pop(struct heap *h)
{
    struct owned last = h->v[--h->n];
    size_t i = 0;
    for (size_t c; (c = 2 * i + 1) < h->n; i = c) {
        if (c + 1 < h->n && h->v[c + 1].owner < h->v[c].owner)
            c++;
        if (h->v[c].owner >= last.owner)
            break;
        h->v[i] = h->v[c];
    }
    h->v[i] = last;
}

/* Gives each address of one family's interval expressions to the first expression naming it:
 * a sweep over the sorted starts, O(n log n), at most 2n pieces. */
static void sweep(struct p3s_tgen *g, struct owned *items, size_t n, int fam)
{
    qsort(items, n, sizeof *items, owned_cmp);
    struct heap h = {p3s_xmalloc((n + 1) * sizeof *h.v), 0};
    size_t p = 0;
    u128 cur = 0;
    while (p < n || h.n) {
        if (!h.n)
            cur = items[p].lo;
        while (p < n && items[p].lo <= cur)
            heap_push(&h, items[p++]);
        while (h.n && h.v[0].hi < cur)
            heap_pop(&h);
        if (!h.n)
            continue;
        /* The owner holds until its end or until the next start (which may be an earlier
         * expression); pieces of one owner that touch are merged again by seg_add. */
        u128 end = h.v[0].hi;
        if (p < n && items[p].lo - 1 < end)
            end = items[p].lo - 1;
        add_piece(g, h.v[0].owner, fam, cur, end);
        if (end == fam_max(fam))
            break;
        cur = end + 1;
    }
    free(h.v);
}

static int seg_cmp(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* A single command-line target: kept unless excluded or given before. */
static void plan_single(struct p3s_tgen *g, size_t owner, const struct expr *e)
{
    unsigned char key[P3S_KEYSET_KEY_MAX];
    if (e->is_name ? p3s_keyset_has(&g->excl_names, key, key_name(key, e->lit.host, 0))
                   : p3s_ivset_contains(&g->excl[e->fam], e->lo))
        return;
    if (p3s_keyset_seen(&g->cmd_lits, key, expr_key(key, e), SIZE_MAX))
        return;
    g->lits = p3s_xrealloc(g->lits, (g->nlits + 1) * sizeof *g->lits);
    expr_target(e, &g->lits[g->nlits]);
    seg_add(g, owner, -1, 0, 1);
    g->segs[g->nsegs - 1].lit = g->nlits++;
}

/* Parses every command-line expression and lays out the positions of the command-line set. */
static int plan_cmdline(struct p3s_tgen *g, char **exprs, size_t n, char *err, size_t errsz)
{
    struct owned *items[NFAM] = {p3s_xmalloc((n + 1) * sizeof(struct owned)),
                                 p3s_xmalloc((n + 1) * sizeof(struct owned))};
    size_t nitems[NFAM] = {0, 0};
    struct expr e;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (parse_expr(exprs[i], g->v6cap, &e, err, errsz) < 0)
            rc = -1;
        else if (e.is_iv) {
            g->has_range |= e.lo != e.hi;
            items[e.fam][nitems[e.fam]++] = (struct owned){i, e.lo, e.hi};
            p3s_ivset_push(&g->cmd[e.fam], e.lo, e.hi);
        } else
            plan_single(g, i, &e);
    }
    for (int f = 0; f < NFAM && rc == 0; f++) {
        p3s_ivset_normalize(&g->cmd[f]);
        sweep(g, items[f], nitems[f], f);
    }
    for (int f = 0; f < NFAM; f++)
        free(items[f]);
    if (rc < 0)
        return -1;
    if (g->nsegs) /* qsort must not be given NULL, even for nothing */
        qsort(g->segs, g->nsegs, sizeof *g->segs, seg_cmp);
    for (size_t i = 0; i < g->nsegs; i++) {
        g->segs[i].start = g->ncmd;
        if (g->ncmd > UINT64_MAX - g->segs[i].size) {
            snprintf(err, errsz, "too many targets");
            return -1;
        }
        g->ncmd += g->segs[i].size;
    }
    return 0;
}

/* -- exclusions -- */

/* Adds one exclusion: an address, CIDR or range of any size, or a name; no port. */
static int add_exclusion(struct p3s_tgen *g, const char *item, char *err, size_t errsz)
{
    struct expr e;
    if (parse_expr(item, 128, &e, err, errsz) < 0)
        return -1;
    if (e.is_iv) {
        p3s_ivset_push(&g->excl[e.fam], e.lo, e.hi);
        return 0;
    }
    if (e.lit.port) {
        snprintf(err, errsz, "bad exclusion '%s': exclusions take no port", item);
        return -1;
    }
    unsigned char key[P3S_KEYSET_KEY_MAX];
    p3s_keyset_seen(&g->excl_names, key, key_name(key, e.lit.host, 0), SIZE_MAX);
    return 0;
}

/* Adds every item of a comma-separated list. */
static int add_exclusion_list(struct p3s_tgen *g, const char *list, char *err, size_t errsz)
{
    char *copy = p3s_xstrdup(list), *save = NULL;
    int rc = 0;
    size_t len = strlen(copy);
    if (len == 0 || copy[0] == ',' || copy[len - 1] == ',' || strstr(copy, ",,")) {
        snprintf(err, errsz, "empty item in exclusion list '%s'", list);
        rc = -1;
    }
    for (char *it = strtok_r(copy, ",", &save); it && rc == 0; it = strtok_r(NULL, ",", &save))
        rc = add_exclusion(g, p3s_tfile_trim(it), err, errsz);
    free(copy);
    return rc;
}

static int read_exclude_file(struct p3s_tgen *g, const char *path, char *err, size_t errsz)
{
    struct p3s_tfile s;
    char *text, msg[512];
    int rc = p3s_tfile_open(&s, path, err, errsz);
    while (rc == 0 && (rc = p3s_tfile_next(&s, &text, err, errsz)) > 0) {
        rc = add_exclusion_list(g, text, msg, sizeof msg);
        if (rc < 0)
            p3s_tfile_error(err, errsz, &s, msg);
    }
    p3s_tfile_close(&s);
    return rc;
}

static int load_exclusions(struct p3s_tgen *g, const struct p3s_tgen_opts *o, char *err,
                           size_t errsz)
{
    char msg[512];
    for (size_t i = 0; i < o->nexcludes; i++)
        if (add_exclusion_list(g, o->excludes[i], msg, sizeof msg) < 0) {
            snprintf(err, errsz, "--exclude: %s", msg); /* else it reads like a bad target */
            return -1;
        }
    for (size_t i = 0; i < o->nexclude_files; i++)
        if (read_exclude_file(g, o->exclude_files[i], err, errsz) < 0)
            return -1;
    for (int f = 0; f < NFAM; f++)
        p3s_ivset_normalize(&g->excl[f]);
    return 0;
}

static int open_files(struct p3s_tgen *g, const struct p3s_tgen_opts *o, char *err,
                      size_t errsz)
{
    int stdin_seen = 0;
    g->srcs = p3s_xcalloc(o->nfiles + 1, sizeof *g->srcs);
    for (size_t i = 0; i < o->nfiles; i++) {
        if (strcmp(o->files[i], "-") == 0 && stdin_seen++) {
            snprintf(err, errsz, "standard input ('-') given as a target file more than once");
            return -1;
        }
        int rc = p3s_tfile_open(&g->srcs[g->nsrcs], o->files[i], err, errsz);
        g->nsrcs++; /* so that p3s_tgen_free() closes it */
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int check_opts(const struct p3s_tgen_opts *o, char *err, size_t errsz)
{
    if (o->shard_count > 1 && o->shard_index >= o->shard_count) {
        snprintf(err, errsz, "bad shard %u/%u (the index counts from 0 and is below the count)",
                 o->shard_index, o->shard_count);
        return -1;
    }
    if (o->v6_prefix_cap > P3S_TGEN_V6_CAP_MAX) {
        snprintf(err, errsz, "IPv6 expansion cap of %u host bits is above %u", o->v6_prefix_cap,
                 P3S_TGEN_V6_CAP_MAX);
        return -1;
    }
    return 0;
}

int p3s_tgen_open(struct p3s_tgen **out, const struct p3s_tgen_opts *o, char *err,
                  size_t errsz)
{
    *out = NULL;
    if (check_opts(o, err, errsz) < 0)
        return -1;
    struct p3s_tgen *g = p3s_xcalloc(1, sizeof *g);
    g->v6cap = o->v6_prefix_cap ? o->v6_prefix_cap : P3S_TGEN_V6_CAP_DEFAULT;
    g->shard_n = o->shard_count > 1 ? o->shard_count : 1;
    g->shard_i = o->shard_count > 1 ? o->shard_index : 0;
    g->randomize = o->randomize;
    if (load_exclusions(g, o, err, errsz) < 0 ||
        plan_cmdline(g, o->exprs, o->nexprs, err, errsz) < 0 || open_files(g, o, err, errsz) < 0) {
        p3s_tgen_free(g);
        return -1;
    }
    p3s_perm_init(&g->perm, g->ncmd, o->seed);
    g->pos = g->shard_i;
    g->k = g->ncmd;
    *out = g;
    return 0;
}

/* -- generation -- */

static const struct seg *find_seg(struct p3s_tgen *g, uint64_t idx)
{
    if (!g->randomize) { /* positions only grow: walk forward */
        while (idx >= g->segs[g->segi].start + g->segs[g->segi].size)
            g->segi++;
        return &g->segs[g->segi];
    }
    size_t lo = 0, hi = g->nsegs - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (g->segs[mid].start <= idx)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &g->segs[lo];
}

static int cmd_next(struct p3s_tgen *g, struct p3s_target *t)
{
    if (g->pos >= g->ncmd)
        return 0;
    uint64_t idx = g->randomize ? p3s_perm_at(&g->perm, g->pos) : g->pos;
    g->pos += g->shard_n;
    const struct seg *s = find_seg(g, idx);
    if (s->fam < 0)
        *t = g->lits[s->lit];
    else
        fill_addr(t, s->fam, s->lo + (idx - s->start), 0);
    return 1;
}

/* A single target from a file: kept unless excluded, given before, or another shard's. */
static int file_single(struct p3s_tgen *g, const struct expr *e, struct p3s_target *t)
{
    unsigned char key[P3S_KEYSET_KEY_MAX];
    size_t klen = expr_key(key, e);
    if (e->is_name) {
        unsigned char nk[P3S_KEYSET_KEY_MAX];
        if (p3s_keyset_has(&g->excl_names, nk, key_name(nk, e->lit.host, 0)) ||
            p3s_keyset_has(&g->cmd_lits, key, klen))
            return 0;
    } else if (e->is_iv) {
        const struct p3s_ivset *sets[] = {&g->excl[e->fam], &g->cmd[e->fam], &g->file[e->fam]};
        u128 s, end;
        if (!p3s_ivsets_free_run(sets, 3, e->lo, e->lo, &s, &end))
            return 0;
    } else if (p3s_ivset_contains(&g->excl[e->fam], e->lo) ||
               p3s_keyset_has(&g->cmd_lits, key, klen)) {
        return 0;
    }
    if (p3s_keyset_seen(&g->seen, key, klen, P3S_TGEN_SEEN_MAX))
        return 0;
    if (e->is_iv)
        g->seen_addrs[e->fam]++;
    if (!take(g))
        return 0;
    expr_target(e, t);
    return 1;
}

/* Walks the current free run of the file range. Returns 1 with a target, 0 once it is spent. */
static int run_step(struct p3s_tgen *g, struct p3s_target *t)
{
    struct frange *r = &g->fr;
    /* With no single address of this family remembered, no address of the run can be a
     * duplicate: other shards' addresses are skipped in one step. */
    int check = g->seen_addrs[r->fam] != 0;
    while (r->left) {
        if (!check && g->shard_n > 1) {
            uint64_t skip = (g->shard_i + g->shard_n - g->k % g->shard_n) % g->shard_n;
            if (skip >= r->left) {
                g->k += r->left;
                r->left = 0;
                break;
            }
            g->k += skip;
            r->cur += skip;
            r->left -= skip;
        }
        u128 a = r->cur++;
        r->left--;
        unsigned char key[P3S_KEYSET_KEY_MAX];
        if (check && p3s_keyset_has(&g->seen, key, key_addr(key, r->fam, a, 0)))
            continue;
        if (take(g)) {
            fill_addr(t, r->fam, a, 0);
            return 1;
        }
    }
    return 0;
}

/* The next target of the file range being expanded. Returns 0 at its end. */
static int range_next(struct p3s_tgen *g, struct p3s_target *t)
{
    struct frange *r = &g->fr;
    const struct p3s_ivset *sets[] = {&g->excl[r->fam], &g->cmd[r->fam], &g->file[r->fam]};
    u128 end;
    while (!run_step(g, t)) {
        if (!r->more || !p3s_ivsets_free_run(sets, 3, r->next, r->hi, &r->cur, &end))
            return 0;
        r->left = (uint64_t)(end - r->cur) + 1;
        r->more = end != r->hi;
        r->next = end + 1;
    }
    return 1;
}

static void range_start(struct p3s_tgen *g, const struct expr *e)
{
    g->fr = (struct frange){.active = 1, .more = 1, .fam = e->fam, .lo = e->lo, .hi = e->hi,
                            .next = e->lo};
}

static int file_next(struct p3s_tgen *g, struct p3s_target *t, char *err, size_t errsz)
{
    for (;;) {
        if (g->fr.active) {
            if (range_next(g, t))
                return 1;
            p3s_ivset_insert(&g->file[g->fr.fam], g->fr.lo, g->fr.hi, P3S_TGEN_FILE_RANGES_MAX);
            g->fr.active = 0;
        }
        if (g->si >= g->nsrcs)
            return 0;
        struct p3s_tfile *s = &g->srcs[g->si];
        char *text, msg[512];
        int r = p3s_tfile_next(s, &text, err, errsz);
        if (r == 0 || r == -2) {
            p3s_tfile_close(s);
            g->si++;
            if (r == -2)
                return -2;
            continue;
        }
        if (r < 0)
            return -1;
        struct expr e;
        if (parse_expr(text, g->v6cap, &e, msg, sizeof msg) < 0) {
            p3s_tfile_error(err, errsz, s, msg);
            return -1;
        }
        if (e.is_iv && e.lo != e.hi)
            range_start(g, &e);
        else if (file_single(g, &e, t))
            return 1;
    }
}

int p3s_tgen_next(struct p3s_tgen *g, struct p3s_target *t, char *err, size_t errsz)
{
    if (g->has_ungot) {
        *t = g->ungot;
        g->has_ungot = 0;
        return 1;
    }
    if (cmd_next(g, t))
        return 1;
    return file_next(g, t, err, errsz);
}

void p3s_tgen_unget(struct p3s_tgen *g, const struct p3s_target *t)
{
    g->ungot = *t;
    g->has_ungot = 1;
}

int p3s_tgen_has_range(const struct p3s_tgen *g)
{
    return g->has_range || g->nsrcs > 0;
}

/* The family and value of a socket address; 0 when it is neither IPv4 nor IPv6. */
static int sockaddr_value(const struct sockaddr *sa, int *fam, u128 *val)
{
    if (sa->sa_family == AF_INET) {
        *fam = FAM4;
        *val = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
        return 1;
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        u128 x = 0;
        for (int i = 0; i < 16; i++)
            x = x << 8 | b[i];
        *fam = FAM6;
        *val = x;
        return 1;
    }
    return 0;
}

int p3s_tgen_covers(const struct p3s_tgen *g, const struct sockaddr *addr)
{
    int fam;
    u128 a;
    if (!sockaddr_value(addr, &fam, &a) || p3s_ivset_contains(&g->excl[fam], a))
        return 0;
    if (p3s_ivset_contains(&g->cmd[fam], a) || p3s_ivset_contains(&g->file[fam], a))
        return 1;
    if (g->fr.active && g->fr.fam == fam && a >= g->fr.lo && a <= g->fr.hi)
        return 1;
    unsigned char key[P3S_KEYSET_KEY_MAX];
    return g->seen_addrs[fam] && p3s_keyset_has(&g->seen, key, key_addr(key, fam, a, 0));
}

uint64_t p3s_tgen_total(const struct p3s_tgen *g)
{
    if (g->nsrcs)
        return UINT64_MAX;
    return g->ncmd > g->shard_i ? (g->ncmd - g->shard_i - 1) / g->shard_n + 1 : 0;
}

void p3s_tgen_free(struct p3s_tgen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nsrcs; i++)
        p3s_tfile_close(&g->srcs[i]);
    free(g->srcs);
    for (int f = 0; f < NFAM; f++) {
        p3s_ivset_free(&g->excl[f]);
        p3s_ivset_free(&g->cmd[f]);
        p3s_ivset_free(&g->file[f]);
    }
    p3s_keyset_free(&g->excl_names);
    p3s_keyset_free(&g->cmd_lits);
    p3s_keyset_free(&g->seen);
    free(g->segs);
    free(g->lits);
    free(g);
}
