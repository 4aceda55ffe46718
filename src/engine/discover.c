/* discover.c — the mail hosts of a domain (see discover.h).
 *
 * One struct disc per domain holds what is asked and what came back; it lives until its last
 * query has answered (pending counts them, plus one hold while queries are being started, so a
 * callback that runs at once cannot end it half-way). Hosts are kept by name: a host found by
 * its MX and as a conventional name is asked for once and keeps both ways. The entries are
 * built when everything has answered, merged by (address, port, transport).
 */
#include "discover.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnsmsg.h"
#include "util.h"

const char *const P3S_DISCOVER_NAMES[] = {"pop", "pop3", "mail", "pop.mail", "imap", NULL};

#define MAX_ENTRIES 1024 /* (address, port, transport) entries per domain */
#define MAX_NOTES 16

struct hway {
    enum p3s_via via;
    char *query;
    int priority, weight, port, tls;
};

/* One address family of a host: its chain, addresses, or why it has none. */
struct fam {
    int type; /* P3S_DNS_T_A or P3S_DNS_T_AAAA; 0: not asked (-4/-6) */
    struct p3s_chain *chain;
    size_t naddr;
    unsigned char addrs[P3S_DNS_MAX_ADDRS][16];
    char *error;
    int quiet; /* the error is "no such name" or "no data": the common case for a guess */
};

struct host {
    char *name;
    struct hway *ways;
    size_t nways;
    struct fam f[2];
    int rank, priority, weight; /* of its best way */
};

struct disc {
    struct p3s_dns *dns;
    char *domain;
    struct p3s_discover_opts opts;
    p3s_discover_cb cb;
    void *arg;
    unsigned pending;
    struct host *hosts[P3S_DISCOVER_MAX_HOSTS];
    size_t nhosts;
    struct hway *none; /* SRV records whose target is "." */
    size_t nnone;
    char *notes[MAX_NOTES];
    size_t nnotes;
};

enum ask_kind { ASK_ADDR, ASK_POP3, ASK_POP3S, ASK_MX };

struct ask {
    struct disc *d;
    enum ask_kind kind;
    struct host *h; /* ASK_ADDR */
    int fi;         /* ASK_ADDR: which family */
    char *qname;
};

static void note(struct disc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A problem of the domain, said once. */
static void note(struct disc *d, const char *fmt, ...)
{
    char buf[2200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < d->nnotes; i++)
        if (strcmp(d->notes[i], buf) == 0)
            return;
    if (d->nnotes < MAX_NOTES)
        d->notes[d->nnotes++] = p3s_xstrdup(buf);
}

static void finish(struct disc *d);

static void release(struct disc *d)
{
    if (--d->pending == 0)
        finish(d);
}

static void on_answer(void *arg, const struct p3s_dns_answer *ans);

static void ask(struct disc *d, enum ask_kind kind, struct host *h, int fi, const char *qname,
                int type)
{
    struct ask *a = p3s_xcalloc(1, sizeof *a);
    *a = (struct ask){d, kind, h, fi, p3s_xstrdup(qname)};
    d->pending++;
    p3s_dns_query(d->dns, qname, type, on_answer, a);
}

/* ---- hosts ---------------------------------------------------------------------------- */

static void ask_addresses(struct disc *d, struct host *h, int fi)
{
    struct fam *f = &h->f[fi];
    ask(d, ASK_ADDR, h, fi, f->chain->names[f->chain->n - 1], f->type);
}

/* A host named by a way: asked for its addresses the first time, else given one more way. */
static void host_add(struct disc *d, const char *name, const struct hway *w)
{
    struct host *h = NULL;
    for (size_t i = 0; i < d->nhosts && !h; i++)
        if (p3s_dnsname_eq(d->hosts[i]->name, name))
            h = d->hosts[i];
    int fresh = !h;
    if (fresh) {
        if (d->nhosts == P3S_DISCOVER_MAX_HOSTS) {
            note(d, "more than %d hosts found: the others are left out",
                 P3S_DISCOVER_MAX_HOSTS);
            return;
        }
        h = p3s_xcalloc(1, sizeof *h);
        h->name = p3s_xstrdup(name);
        d->hosts[d->nhosts++] = h;
    }
    h->ways = p3s_xrealloc(h->ways, (h->nways + 1) * sizeof *h->ways);
    h->ways[h->nways] = *w;
    h->ways[h->nways].query = p3s_xstrdup(w->query);
    h->nways++;
    if (!fresh)
        return;
    h->f[0].type = d->opts.family == 6 ? 0 : P3S_DNS_T_A;
    h->f[1].type = d->opts.family == 4 ? 0 : P3S_DNS_T_AAAA;
    for (int fi = 0; fi < 2; fi++) {
        if (!h->f[fi].type)
            continue;
        h->f[fi].chain = p3s_xcalloc(1, sizeof *h->f[fi].chain);
        p3s_strlcpy(h->f[fi].chain->names[0], name, P3S_DNSNAME_MAX);
        h->f[fi].chain->n = 1;
        ask_addresses(d, h, fi);
    }
}

static void fam_error(struct fam *f, int quiet, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fam_error(struct fam *f, int quiet, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(f->error);
    f->error = p3s_xstrdup(buf);
    f->quiet = quiet;
}

/* "a -> b -> c" for a message. */
static void chain_text(const struct p3s_chain *c, const char *last, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? " -> " : "", c->names[i]);
    if (last && at < cap)
        snprintf(out + at, cap - at, " -> %s", last);
}

static void keep_addresses(struct disc *d, struct fam *f, const struct p3s_dnsmsg *m)
{
    size_t alen = f->type == P3S_DNS_T_A ? 4 : 16, more = m->rr_dropped;
    const char *last = f->chain->names[f->chain->n - 1];
    for (size_t i = 0; i < m->n; i++) {
        const struct p3s_dnsrr *rr = &m->rr[i];
        if (rr->type != f->type || !p3s_dnsname_eq(rr->owner, last))
            continue;
        if (f->naddr == P3S_DNS_MAX_ADDRS) {
            more++;
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < f->naddr; k++)
            dup |= memcmp(f->addrs[k], rr->addr, alen) == 0;
        if (!dup)
            memcpy(f->addrs[f->naddr++], rr->addr, alen);
    }
    if (more)
        note(d, "%s %s: more than %d addresses, the first %d used", last,
             f->type == P3S_DNS_T_A ? "A" : "AAAA", P3S_DNS_MAX_ADDRS, P3S_DNS_MAX_ADDRS);
}

/* The addresses of a host (one family) came back: kept, or the CNAME chain goes on in another
 * query, or why there are none. */
static void on_addresses(struct disc *d, struct host *h, int fi, const struct p3s_dns_answer *ans)
{
    struct fam *f = &h->f[fi];
    struct p3s_chain *c = f->chain;
    const char *last = c->names[c->n - 1];
    if (!ans->buf) {
        fam_error(f, ans->nxdomain || ans->nodata, "%s: %s", last, ans->error);
        return;
    }
    struct p3s_dnsmsg m;
    char err[256], text[2048];
    if (p3s_dnsmsg_parse(ans->buf, ans->len, &m, err, sizeof err) < 0) {
        fam_error(f, 0, "%s: %s", last, err);
        return;
    }
    size_t before = c->n;
    enum p3s_chain_end end = p3s_chain_follow(&m, (uint16_t)f->type, c);
    switch (end) {
    case P3S_CHAIN_RECORDS:
        keep_addresses(d, f, &m);
        break;
    case P3S_CHAIN_LOOP: {
        const char *back = NULL;
        for (size_t i = 0; i < m.n && !back; i++)
            if (m.rr[i].type == P3S_DNS_T_CNAME &&
                p3s_dnsname_eq(m.rr[i].owner, c->names[c->n - 1]))
                back = m.rr[i].target;
        chain_text(c, back, text, sizeof text);
        fam_error(f, 0, "CNAME loop: %s", text);
        break;
    }
    case P3S_CHAIN_TOO_LONG:
        chain_text(c, "...", text, sizeof text);
        fam_error(f, 0, "CNAME chain longer than %d links: %s", P3S_DNS_CHAIN_MAX, text);
        break;
    case P3S_CHAIN_NODATA:
        if (c->n > before && m.rcode == 0) { /* the answer stopped at the CNAME's target */
            ask_addresses(d, h, fi);
            break;
        }
        if (c->n > 1) { /* a CNAME pointing nowhere is worth saying, unlike a missing guess */
            chain_text(c, NULL, text, sizeof text);
            fam_error(f, 0, "%s: %s", text,
                      m.rcode == 3 ? "DNS: NXDOMAIN (no such name)" : "no address records");
        } else {
            fam_error(f, 1, "%s: %s", last,
                      ans->error ? ans->error : "DNS: no records of this type");
        }
        break;
    }
    p3s_dnsmsg_free(&m);
}

/* ---- SRV and MX ---------------------------------------------------------------------- */

static void on_set(struct disc *d, struct ask *a, const struct p3s_dns_answer *ans)
{
    int type = a->kind == ASK_MX ? P3S_DNS_T_MX : P3S_DNS_T_SRV;
    const char *what = a->kind == ASK_MX ? "MX" : "SRV";
    if (ans->error) {
        if (!ans->nxdomain && !ans->nodata)
            note(d, "%s %s: %s", what, a->qname, ans->error);
        return;
    }
    struct p3s_dnsmsg m;
    char err[256];
    if (p3s_dnsmsg_parse(ans->buf, ans->len, &m, err, sizeof err) < 0) {
        note(d, "%s %s: %s", what, a->qname, err);
        return;
    }
    struct p3s_dnsrr **set = p3s_xcalloc(m.n ? m.n : 1, sizeof *set);
    size_t n = 0;
    for (size_t i = 0; i < m.n; i++)
        if (m.rr[i].type == type && p3s_dnsname_eq(m.rr[i].owner, a->qname))
            set[n++] = &m.rr[i];
    if (m.rr_dropped || n > P3S_DISCOVER_MAX_RECORDS)
        note(d, "%s %s: %zu records, the first %d used", what, a->qname, n + m.rr_dropped,
             P3S_DISCOVER_MAX_RECORDS < (int)n ? P3S_DISCOVER_MAX_RECORDS : (int)n);
    p3s_dnsrr_sort(set, n);
    if (n > P3S_DISCOVER_MAX_RECORDS)
        n = P3S_DISCOVER_MAX_RECORDS;
    for (size_t i = 0; i < n; i++) {
        const struct p3s_dnsrr *rr = set[i];
        struct hway w = {a->kind == ASK_MX ? P3S_VIA_MX : P3S_VIA_SRV, a->qname, rr->priority,
                         -1, -1, a->kind == ASK_POP3S};
        if (a->kind != ASK_MX) {
            w.weight = rr->weight;
            w.port = rr->port;
        }
        if (strcmp(rr->target, ".") != 0) {
            host_add(d, rr->target, &w);
        } else if (a->kind == ASK_MX) {
            note(d, "MX %s: a null MX (RFC 7505): the domain takes no mail", a->qname);
        } else {
            d->none = p3s_xrealloc(d->none, (d->nnone + 1) * sizeof *d->none);
            w.query = p3s_xstrdup(w.query);
            d->none[d->nnone++] = w;
        }
    }
    free(set);
    p3s_dnsmsg_free(&m);
}

static void on_answer(void *arg, const struct p3s_dns_answer *ans)
{
    struct ask *a = arg;
    struct disc *d = a->d;
    if (a->kind == ASK_ADDR)
        on_addresses(d, a->h, a->fi, ans);
    else
        on_set(d, a, ans);
    free(a->qname);
    free(a);
    release(d);
}

/* ---- the entries ------------------------------------------------------------------------ */

static int via_rank(enum p3s_via v)
{
    return (int)v; /* the enum is in the order of trust: SRV, MX, names, the domain */
}

static void rank_host(struct host *h)
{
    h->rank = P3S_VIA_COUNT;
    for (size_t i = 0; i < h->nways; i++) {
        const struct hway *w = &h->ways[i];
        int r = via_rank(w->via);
        if (r < h->rank || (r == h->rank && w->priority < h->priority)) {
            h->rank = r;
            h->priority = w->priority;
            h->weight = w->weight;
        }
    }
}

/* An entry as it is built: the host it is named after, and its ways. */
struct draft {
    struct p3s_discovered out;
    const struct host *h;
};

struct builder {
    struct disc *d;
    struct draft *v;
    size_t n, cap;
    int capped;
};

static struct p3s_way make_way(const struct host *h, const struct hway *w,
                               const struct p3s_chain *c)
{
    struct p3s_way out = {w->via, p3s_xstrdup(w->query), p3s_xstrdup(h->name), NULL, 0,
                          w->priority, w->weight, w->port};
    size_t n = c ? c->n : 1;
    out.chain = p3s_xcalloc(n, sizeof *out.chain);
    for (size_t i = 0; i < n; i++)
        out.chain[i] = p3s_xstrdup(c ? c->names[i] : h->name);
    out.nchain = n;
    return out;
}

static void add_way(struct draft *e, struct p3s_way w)
{
    struct p3s_discovery *info = &e->out.info;
    info->ways = p3s_xrealloc(info->ways, (info->nways + 1) * sizeof *info->ways);
    info->ways[info->nways++] = w;
}

static struct draft *new_draft(struct builder *b, const struct host *h)
{
    if (b->n == MAX_ENTRIES) {
        b->capped = 1;
        return NULL;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->v = p3s_xrealloc(b->v, b->cap * sizeof *b->v);
    }
    struct draft *e = &b->v[b->n++];
    memset(e, 0, sizeof *e);
    e->h = h;
    e->out.host = h->name;
    return e;
}

static void set_addr(struct p3s_discovered *o, int type, const unsigned char *a)
{
    if (type == P3S_DNS_T_A) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&o->addr;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a, 4);
        inet_ntop(AF_INET, a, o->ip, sizeof o->ip);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o->addr;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a, 16);
        inet_ntop(AF_INET6, a, o->ip, sizeof o->ip);
    }
}

/* The entry of (address, port, transport), made when new. */
static struct draft *entry_at(struct builder *b, const struct host *h, int type,
                              const unsigned char *a, const struct p3s_discover_port *p)
{
    struct p3s_discovered probe;
    memset(&probe, 0, sizeof probe);
    set_addr(&probe, type, a);
    for (size_t i = 0; i < b->n; i++) {
        struct p3s_discovered *o = &b->v[i].out;
        if (o->port.port == p->port && o->port.tls == p->tls && strcmp(o->ip, probe.ip) == 0 &&
            !o->error) {
            const struct host *was = b->v[i].h;
            if (h->rank < was->rank || (h->rank == was->rank && h->priority < was->priority)) {
                b->v[i].h = h; /* named after the host found the most trusted way */
                o->host = h->name;
            }
            return &b->v[i];
        }
    }
    struct draft *e = new_draft(b, h);
    if (!e)
        return NULL;
    e->out.addr = probe.addr;
    memcpy(e->out.ip, probe.ip, sizeof probe.ip);
    e->out.port = *p;
    return e;
}

static void add_addresses(struct builder *b, const struct host *h, const struct fam *f)
{
    for (size_t k = 0; k < f->naddr; k++)
        for (size_t wi = 0; wi < h->nways; wi++) {
            const struct hway *w = &h->ways[wi];
            struct p3s_discover_port srv = {(uint16_t)w->port, (uint8_t)w->tls, 0};
            const struct p3s_discover_port *ports = w->via == P3S_VIA_SRV ? &srv : b->d->opts.ports;
            size_t np = w->via == P3S_VIA_SRV ? 1 : b->d->opts.nports;
            for (size_t pi = 0; pi < np; pi++) {
                struct draft *e = entry_at(b, h, f->type, f->addrs[k], &ports[pi]);
                if (e)
                    add_way(e, make_way(h, w, f->chain));
            }
        }
}

/* A host without an address: an entry that says why, unless it was only a guess that does not
 * exist. */
static void add_unresolved(struct builder *b, const struct host *h)
{
    const struct fam *loud = NULL, *any = NULL;
    for (int fi = 0; fi < 2; fi++) {
        if (!h->f[fi].type)
            continue;
        if (!any)
            any = &h->f[fi];
        if (h->f[fi].error && !h->f[fi].quiet && !loud)
            loud = &h->f[fi];
    }
    int named = 0; /* an SRV or MX record named it: its absence is news */
    for (size_t i = 0; i < h->nways; i++)
        named |= h->ways[i].via == P3S_VIA_SRV || h->ways[i].via == P3S_VIA_MX;
    if (!any || (!loud && !named))
        return;
    const struct fam *f = loud ? loud : any;
    struct draft *e = new_draft(b, h);
    if (!e)
        return;
    e->out.error = f->error ? f->error : "no address records";
    for (size_t wi = 0; wi < h->nways; wi++)
        add_way(e, make_way(h, &h->ways[wi], f->chain));
}

static int way_cmp(const void *pa, const void *pb)
{
    const struct p3s_way *a = pa, *b = pb;
    if (a->via != b->via)
        return via_rank(a->via) - via_rank(b->via);
    if (a->priority != b->priority)
        return a->priority - b->priority;
    if (a->weight != b->weight)
        return b->weight - a->weight;
    int c = strcmp(a->host, b->host);
    return c ? c : a->port - b->port;
}

static int draft_cmp(const void *pa, const void *pb)
{
    const struct draft *a = pa, *b = pb;
    if (a->h->rank != b->h->rank)
        return a->h->rank - b->h->rank;
    if (a->h->priority != b->h->priority)
        return a->h->priority - b->h->priority;
    if (a->h->weight != b->h->weight)
        return b->h->weight - a->h->weight;
    int c = strcmp(a->out.host, b->out.host);
    if (c)
        return c;
    if (!a->out.error != !b->out.error)
        return a->out.error ? 1 : -1;
    if (a->out.addr.ss_family != b->out.addr.ss_family)
        return a->out.addr.ss_family == AF_INET ? -1 : 1;
    const struct sockaddr_storage *x = &a->out.addr, *y = &b->out.addr;
    c = x->ss_family == AF_INET6
            ? memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
                     &((const struct sockaddr_in6 *)y)->sin6_addr, 16)
            : memcmp(&((const struct sockaddr_in *)x)->sin_addr,
                     &((const struct sockaddr_in *)y)->sin_addr, 4);
    if (c)
        return c;
    if (a->out.port.port != b->out.port.port)
        return a->out.port.port - b->out.port.port;
    return a->out.port.tls - b->out.port.tls;
}

/* A plain entry whose port is scanned with TLS at the same address as well leaves a silent
 * port to that one (engine.h, tls_too). */
static void mark_tls_too(struct builder *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct p3s_discovered *o = &b->v[i].out;
        if (o->error || o->port.tls)
            continue;
        for (size_t k = 0; k < b->n; k++) {
            const struct p3s_discovered *t = &b->v[k].out;
            if (!t->error && t->port.tls && t->port.port == o->port.port &&
                strcmp(t->ip, o->ip) == 0)
                o->port.tls_too = 1;
        }
    }
}

static char *nothing_found(struct disc *d)
{
    char buf[4096];
    size_t at = (size_t)snprintf(buf, sizeof buf,
                                 "no mail host found: no SRV, MX or address records");
    for (size_t i = 0; i < d->nnotes && at < sizeof buf; i++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", i ? "; " : " (", d->notes[i]);
    if (d->nnotes && at < sizeof buf)
        snprintf(buf + at, sizeof buf - at, ")");
    return p3s_xstrdup(buf);
}

static void host_free(struct host *h)
{
    for (size_t i = 0; i < h->nways; i++)
        free(h->ways[i].query);
    free(h->ways);
    for (int fi = 0; fi < 2; fi++) {
        free(h->f[fi].chain);
        free(h->f[fi].error);
    }
    free(h->name);
    free(h);
}

/* Everything answered: the entries, handed over; the hosts and notes are copied into them. */
static void finish(struct disc *d)
{
    struct builder b = {d, NULL, 0, 0, 0};
    struct host dot = {.name = ".", .rank = via_rank(P3S_VIA_SRV)};
    for (size_t i = 0; i < d->nhosts; i++)
        rank_host(d->hosts[i]);
    for (size_t i = 0; i < d->nhosts; i++) {
        const struct host *h = d->hosts[i];
        if (!h->f[0].naddr && !h->f[1].naddr)
            add_unresolved(&b, h);
        for (int fi = 0; fi < 2; fi++)
            add_addresses(&b, h, &h->f[fi]);
    }
    for (size_t i = 0; i < d->nnone; i++) {
        struct draft *e = new_draft(&b, &dot);
        if (!e)
            break;
        e->out.error = "no POP3 service here: the SRV target is \".\" (RFC 2782)";
        e->out.port.port = (uint16_t)d->none[i].port;
        e->out.port.tls = (uint8_t)d->none[i].tls;
        add_way(e, make_way(&dot, &d->none[i], NULL));
    }
    if (b.capped)
        note(d, "more than %d addresses and ports found: the others are left out", MAX_ENTRIES);
    char *none_msg = NULL;
    struct host self = {.name = d->domain, .rank = via_rank(P3S_VIA_INPUT)};
    if (!b.n) {
        struct draft *e = new_draft(&b, &self);
        none_msg = nothing_found(d);
        e->out.error = none_msg;
        struct hway w = {P3S_VIA_INPUT, d->domain, -1, -1, -1, 0};
        add_way(e, make_way(&self, &w, NULL));
    }
    mark_tls_too(&b);
    qsort(b.v, b.n, sizeof *b.v, draft_cmp);
    struct p3s_discover_result *res = p3s_xcalloc(1, sizeof *res);
    res->domain = p3s_xstrdup(d->domain);
    res->hosts = d->nhosts;
    res->n = b.n;
    res->v = p3s_xcalloc(b.n ? b.n : 1, sizeof *res->v);
    for (size_t i = 0; i < b.n; i++) {
        struct p3s_discovered *o = &res->v[i];
        *o = b.v[i].out;
        o->host = p3s_xstrdup(o->host); /* the hosts are freed below */
        o->error = o->error ? p3s_xstrdup(o->error) : NULL;
        o->info.domain = p3s_xstrdup(d->domain);
        qsort(o->info.ways, o->info.nways, sizeof *o->info.ways, way_cmp);
        o->info.nnotes = d->nnotes;
        o->info.notes = p3s_xcalloc(d->nnotes ? d->nnotes : 1, sizeof *o->info.notes);
        for (size_t k = 0; k < d->nnotes; k++)
            o->info.notes[k] = p3s_xstrdup(d->notes[k]);
    }
    free(b.v);
    free(none_msg);
    p3s_discover_cb cb = d->cb;
    void *arg = d->arg;
    for (size_t i = 0; i < d->nhosts; i++)
        host_free(d->hosts[i]);
    for (size_t i = 0; i < d->nnone; i++)
        free(d->none[i].query);
    free(d->none);
    for (size_t i = 0; i < d->nnotes; i++)
        free(d->notes[i]);
    free((void *)d->opts.ports);
    free(d->domain);
    free(d);
    cb(arg, res);
}

void p3s_discover(struct p3s_dns *dns, const char *domain, const struct p3s_discover_opts *opts,
                  p3s_discover_cb cb, void *arg)
{
    struct disc *d = p3s_xcalloc(1, sizeof *d);
    d->dns = dns;
    size_t len = strlen(domain);
    d->domain = p3s_xstrdup(domain);
    if (len > 1 && d->domain[len - 1] == '.')
        d->domain[len - 1] = '\0';
    d->opts = *opts;
    struct p3s_discover_port *ports = p3s_xcalloc(opts->nports ? opts->nports : 1, sizeof *ports);
    memcpy(ports, opts->ports, opts->nports * sizeof *ports);
    d->opts.ports = ports;
    d->cb = cb;
    d->arg = arg;
    d->pending = 1; /* held while the queries start */
    char name[P3S_DNSNAME_MAX + 64];
    snprintf(name, sizeof name, "_pop3._tcp.%s", d->domain);
    ask(d, ASK_POP3, NULL, 0, name, P3S_DNS_T_SRV);
    snprintf(name, sizeof name, "_pop3s._tcp.%s", d->domain);
    ask(d, ASK_POP3S, NULL, 0, name, P3S_DNS_T_SRV);
    ask(d, ASK_MX, NULL, 0, d->domain, P3S_DNS_T_MX);
    for (size_t i = 0; i < opts->nnames; i++) {
        snprintf(name, sizeof name, "%s.%s", opts->names[i], d->domain);
        struct hway w = {P3S_VIA_NAME, name, -1, -1, -1, 0};
        host_add(d, name, &w);
    }
    struct hway self = {P3S_VIA_INPUT, d->domain, -1, -1, -1, 0};
    host_add(d, d->domain, &self);
    release(d);
}

void p3s_discover_result_free(struct p3s_discover_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n; i++) {
        struct p3s_discovered *o = &res->v[i];
        free((void *)o->host);
        free((void *)o->error);
        struct p3s_discovery *info = &o->info;
        for (size_t k = 0; k < info->nways; k++) {
            struct p3s_way *w = &info->ways[k];
            free(w->query);
            free(w->host);
            for (size_t c = 0; c < w->nchain; c++)
                free(w->chain[c]);
            free(w->chain);
        }
        free(info->ways);
        for (size_t k = 0; k < info->nnotes; k++)
            free(info->notes[k]);
        free(info->notes);
        free(info->domain);
    }
    free(res->v);
    free(res->domain);
    free(res);
}
