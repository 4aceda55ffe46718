/* dnsmsg.c — DNS answers read for discovery (see dnsmsg.h). */
#include "dnsmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Appends one label, escaped; -1 when out does not have room. */
static int put_label(const unsigned char *p, size_t n, char *out, size_t cap, size_t *at)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        char esc[5];
        int k;
        if (c == '.' || c == '\\')
            k = snprintf(esc, sizeof esc, "\\%c", c);
        else if (c < 0x21 || c > 0x7e)
            k = snprintf(esc, sizeof esc, "\\%03u", c);
        else
            k = snprintf(esc, sizeof esc, "%c", c);
        if (*at + (size_t)k + 2 > cap)
            return -1;
        memcpy(out + *at, esc, (size_t)k);
        *at += (size_t)k;
    }
    return 0;
}

int p3s_dnsmsg_name(const unsigned char *msg, size_t len, size_t off, char *out, size_t cap,
                    size_t *next)
{
    size_t at = 0, wire = 0;
    int jumped = 0;
    /* Each pointer must go backwards, so a name ends within len steps whatever the bytes. */
    size_t limit = off;
    for (;;) {
        if (off >= len)
            return -1;
        unsigned l = msg[off];
        if ((l & 0xc0) == 0xc0) {
            if (off + 1 >= len)
                return -1;
            size_t to = get16(msg + off) & 0x3fff;
            if (!jumped)
                *next = off + 2;
            jumped = 1;
            if (to >= limit)
                return -1;
            limit = to;
            off = to;
            continue;
        }
        if (l & 0xc0) /* the 0x40 and 0x80 label types are obsolete or unused */
            return -1;
        if (l == 0) {
            if (!jumped)
                *next = off + 1;
            break;
        }
        if (off + 1 + l > len || (wire += l + 1) > 255)
            return -1;
        if (at && at + 1 < cap)
            out[at++] = '.';
        if (put_label(msg + off + 1, l, out, cap, &at) < 0)
            return -1;
        off += 1 + l;
    }
    if (!at)
        out[at++] = '.';
    out[at] = '\0';
    return 0;
}

int p3s_dnsname_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 1 && a[la - 1] == '.' && a[la - 2] != '\\')
        la--;
    if (lb > 1 && b[lb - 1] == '.' && b[lb - 2] != '\\')
        lb--;
    if (la != lb)
        return 0;
    for (size_t i = 0; i < la; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

/* The data of one answer record into rr; -1 when it is malformed. Types discovery does not use
 * are kept with their owner only. */
static int read_rdata(const unsigned char *msg, size_t len, size_t off, size_t rdlen,
                      struct p3s_dnsrr *rr)
{
    /* A name in the data ends inside it (pointers into the message before it are fine). */
    (void)len;
    size_t next;
    switch (rr->type) {
    case P3S_DNS_T_A:
    case P3S_DNS_T_AAAA:
        if (rdlen != (rr->type == P3S_DNS_T_A ? 4u : 16u))
            return -1;
        memcpy(rr->addr, msg + off, rdlen);
        return 0;
    case P3S_DNS_T_CNAME:
        return p3s_dnsmsg_name(msg, off + rdlen, off, rr->target, sizeof rr->target, &next);
    case P3S_DNS_T_MX:
        if (rdlen < 3)
            return -1;
        rr->priority = (uint16_t)get16(msg + off);
        return p3s_dnsmsg_name(msg, off + rdlen, off + 2, rr->target, sizeof rr->target, &next);
    case P3S_DNS_T_SRV:
        if (rdlen < 7)
            return -1;
        rr->priority = (uint16_t)get16(msg + off);
        rr->weight = (uint16_t)get16(msg + off + 2);
        rr->port = (uint16_t)get16(msg + off + 4);
        return p3s_dnsmsg_name(msg, off + rdlen, off + 6, rr->target, sizeof rr->target, &next);
    default:
        return 0;
    }
}

static int fail(char *err, size_t errsz, const char *what)
{
    snprintf(err, errsz, "malformed DNS answer: %s", what);
    return -1;
}

int p3s_dnsmsg_parse(const unsigned char *msg, size_t len, struct p3s_dnsmsg *m, char *err,
                     size_t errsz)
{
    memset(m, 0, sizeof *m);
    if (len < 12)
        return fail(err, errsz, "shorter than its header");
    m->rcode = msg[3] & 0x0f;
    m->truncated = (msg[2] & 0x02) != 0;
    unsigned qd = get16(msg + 4), an = get16(msg + 6);
    size_t off = 12;
    char name[P3S_DNSNAME_MAX];
    for (unsigned i = 0; i < qd; i++) {
        if (p3s_dnsmsg_name(msg, len, off, name, sizeof name, &off) < 0 || off + 4 > len)
            return fail(err, errsz, "question");
        off += 4;
    }
    /* Room for the records announced, at most the cap and what the message can hold (11 bytes
     * a record at least): two kilobytes each, so a small answer takes a small allocation
     * whatever count it claims. */
    size_t room = an < P3S_DNSMSG_MAX_RR ? an : P3S_DNSMSG_MAX_RR;
    if (room > (len - off) / 11)
        room = (len - off) / 11;
    m->rr = p3s_xmalloc((room ? room : 1) * sizeof *m->rr);
    struct p3s_dnsrr spare;
    for (unsigned i = 0; i < an; i++) {
        struct p3s_dnsrr *rr = m->n < room ? &m->rr[m->n] : &spare; /* past the cap: still
                                                                      parsed, not kept */
        rr->type = rr->priority = rr->weight = rr->port = 0;
        rr->owner[0] = rr->target[0] = '\0';
        memset(rr->addr, 0, sizeof rr->addr);
        if (p3s_dnsmsg_name(msg, len, off, rr->owner, sizeof rr->owner, &off) < 0 ||
            off + 10 > len) {
            p3s_dnsmsg_free(m);
            return fail(err, errsz, "answer record");
        }
        rr->type = (uint16_t)get16(msg + off);
        unsigned class = get16(msg + off + 2);
        size_t rdlen = get16(msg + off + 8);
        off += 10;
        if (off + rdlen > len || read_rdata(msg, len, off, rdlen, rr) < 0) {
            p3s_dnsmsg_free(m);
            return fail(err, errsz, "record data");
        }
        off += rdlen;
        if (rr == &spare || class != 1)
            m->rr_dropped++;
        else
            m->n++;
    }
    return 0;
}

void p3s_dnsmsg_free(struct p3s_dnsmsg *m)
{
    free(m->rr);
    m->rr = NULL;
    m->n = 0;
}

static int has_type(const struct p3s_dnsmsg *m, const char *name, uint16_t type)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->rr[i].type == type && p3s_dnsname_eq(m->rr[i].owner, name))
            return 1;
    return 0;
}

static const char *cname_of(const struct p3s_dnsmsg *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->rr[i].type == P3S_DNS_T_CNAME && p3s_dnsname_eq(m->rr[i].owner, name))
            return m->rr[i].target;
    return NULL;
}

enum p3s_chain_end p3s_chain_follow(const struct p3s_dnsmsg *m, uint16_t type,
                                    struct p3s_chain *chain)
{
    for (;;) {
        const char *last = chain->names[chain->n - 1];
        if (has_type(m, last, type))
            return P3S_CHAIN_RECORDS;
        const char *to = cname_of(m, last);
        if (!to)
            return P3S_CHAIN_NODATA;
        for (size_t i = 0; i < chain->n; i++)
            if (p3s_dnsname_eq(chain->names[i], to))
                return P3S_CHAIN_LOOP;
        if (chain->n == P3S_DNS_CHAIN_MAX + 1) /* P3S_DNS_CHAIN_MAX links already */
            return P3S_CHAIN_TOO_LONG;
        p3s_strlcpy(chain->names[chain->n++], to, P3S_DNSNAME_MAX);
    }
}

static int rr_cmp(const void *pa, const void *pb)
{
    const struct p3s_dnsrr *a = *(struct p3s_dnsrr *const *)pa, *b = *(struct p3s_dnsrr *const *)pb;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    int c = strcmp(a->target, b->target);
    if (c)
        return c;
    return a->port < b->port ? -1 : a->port > b->port;
}

void p3s_dnsrr_sort(struct p3s_dnsrr **v, size_t n)
{
    qsort(v, n, sizeof *v, rr_cmp);
}
