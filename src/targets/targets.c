/* targets.c — see targets.h. */
#include "targets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Parses a decimal port 1–65535 spanning exactly [s, s+len). */
static int parse_port(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* pl->kinds[port] says which ways the port is in the list already: merging duplicates stays
 * linear even for "1-65535". A port listed both plain and tls: gets an entry for each. */
static void add_port(struct p3s_portlist *pl, uint16_t port, int tls)
{
    uint8_t kind = tls ? P3S_PORT_TLS : P3S_PORT_PLAIN;
    if (pl->kinds[port] & kind)
        return;
    pl->kinds[port] |= kind;
    if ((pl->n & (pl->n - 1)) == 0) /* grow by doubling: at n = 0, 1, 2, 4, 8 … */
        pl->v = p3s_xrealloc(pl->v, (pl->n ? 2 * pl->n : 1) * sizeof *pl->v);
    pl->v[pl->n].port = port;
    pl->v[pl->n].tls = (uint8_t)tls;
    pl->n++;
}

int p3s_ports_parse(const char *spec, struct p3s_portlist *out, char *err, size_t errsz)
{
    struct p3s_portlist pl = {0};
    const char *p = spec;
    if (!*p) {
        snprintf(err, errsz, "empty port list");
        return -1;
    }
    pl.kinds = p3s_xcalloc(65536, sizeof *pl.kinds);
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *item = p;
        size_t ilen = len;
        int tls = 0;
        if (ilen > 4 && strncmp(item, "tls:", 4) == 0) {
            tls = 1;
            item += 4;
            ilen -= 4;
        }
        const char *dash = memchr(item, '-', ilen);
        uint16_t lo, hi;
        if (dash ? parse_port(item, (size_t)(dash - item), &lo) ||
                       parse_port(dash + 1, ilen - (size_t)(dash - item) - 1, &hi) || lo > hi
                 : parse_port(item, ilen, &lo)) {
            snprintf(err, errsz, "bad port '%.*s' (ports are 1-65535, ranges LOW-HIGH, tls:PORT)",
                     (int)len, p);
            p3s_ports_free(&pl);
            return -1;
        }
        if (!dash)
            hi = lo;
        for (unsigned port = lo; port <= hi; port++)
            add_port(&pl, (uint16_t)port, tls || port == 995);
        p += len;
        if (*p == ',') {
            p++;
            if (!*p) { /* "110," : an empty last item, like the empty one in "1,,2" */
                snprintf(err, errsz, "bad port list '%s' (empty item after ',')", spec);
                p3s_ports_free(&pl);
                return -1;
            }
        }
    }
    *out = pl;
    return 0;
}

void p3s_ports_free(struct p3s_portlist *pl)
{
    free(pl->v);
    free(pl->kinds);
    pl->v = NULL;
    pl->kinds = NULL;
    pl->n = 0;
}

unsigned p3s_ports_kinds(const struct p3s_portlist *pl, uint16_t port)
{
    if (port == 995)
        return P3S_PORT_TLS;
    unsigned k = pl->kinds ? pl->kinds[port] : 0;
    return k ? k : P3S_PORT_PLAIN;
}

int p3s_ports_is_tls(const struct p3s_portlist *pl, uint16_t port)
{
    return (p3s_ports_kinds(pl, port) & P3S_PORT_TLS) != 0;
}

int p3s_hostname_valid(const char *s)
{
    size_t len = strlen(s);
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return 0;
    size_t label = 0;
    int all_digits = 1; /* of the last label: a numeric top-level label is a malformed address */
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return 0;
            if (i < len)
                all_digits = 1;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)c) && c != '-' && c != '_')
            return 0;
        if (c == '-' && label == 0)
            return 0;
        if (!isdigit((unsigned char)c))
            all_digits = 0;
        label++;
    }
    return !all_digits;
}

static int set_host(struct p3s_target *t, const char *s, size_t len)
{
    if (len == 0 || len >= sizeof t->host)
        return -1;
    memcpy(t->host, s, len);
    t->host[len] = '\0';
    return 0;
}

int p3s_target_parse(const char *spec, struct p3s_target *t, char *err, size_t errsz)
{
    memset(t, 0, sizeof *t);
    const char *host = spec, *port = NULL;
    size_t hlen = strlen(spec);
    if (spec[0] == '[') { /* [v6] or [v6]:port */
        const char *close = strchr(spec, ']');
        if (!close || (close[1] && close[1] != ':') || (close[1] == ':' && !close[2]))
            goto bad;
        host = spec + 1;
        hlen = (size_t)(close - host);
        if (close[1] == ':')
            port = close + 2;
    } else {
        const char *colon = strchr(spec, ':');
        if (colon && !strchr(colon + 1, ':')) { /* exactly one colon: host:port */
            hlen = (size_t)(colon - spec);
            port = colon + 1;
        }
    }
    if (set_host(t, host, hlen))
        goto bad;
    if (port && parse_port(port, strlen(port), &t->port)) {
        snprintf(err, errsz, "bad port in target '%s' (ports are 1-65535)", spec);
        return -1;
    }
    if (inet_pton(AF_INET6, t->host, &t->v6) == 1) {
        if (spec[0] != '[' && port)
            goto bad;
        t->kind = P3S_TARGET_IPV6;
        return 0;
    }
    if (spec[0] == '[')
        goto bad;
    if (inet_pton(AF_INET, t->host, &t->v4) == 1) {
        t->kind = P3S_TARGET_IPV4;
        return 0;
    }
    if (p3s_hostname_valid(t->host)) {
        t->kind = P3S_TARGET_NAME;
        return 0;
    }
bad:
    snprintf(err, errsz,
             "bad target '%s' (expected a host name, an IPv4 address or [IPv6], optionally with "
             ":PORT)",
             spec);
    return -1;
}

int p3s_names_parse(char *buf, size_t len, const char *path, const char **names, size_t max,
                    char *err, size_t errsz)
{
    if (memchr(buf, '\0', len)) {
        snprintf(err, errsz, "%s: holds a NUL byte", path);
        return -1;
    }
    size_t n = 0, line = 0;
    for (char *p = buf, *end = buf + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        line++;
        for (char *c = p; *c; c++) /* a comment: at the start, or after whitespace */
            if (*c == '#' && (c == p || isspace((unsigned char)c[-1]))) {
                *c = '\0';
                break;
            }
        while (isspace((unsigned char)*p))
            p++;
        size_t k = strlen(p);
        while (k && isspace((unsigned char)p[k - 1]))
            p[--k] = '\0';
        if (k) {
            char probe[300];
            int fits = k < 200 && snprintf(probe, sizeof probe, "%s.example", p) > 0;
            if (!fits || p[k - 1] == '.' || !p3s_hostname_valid(probe)) {
                snprintf(err, errsz, "%s:%zu: bad name '%.80s' (expected a relative host name "
                         "such as pop or pop.mail)", path, line, p);
                return -1;
            }
            if (n == max) {
                snprintf(err, errsz, "%s:%zu: more than %zu names", path, line, max);
                return -1;
            }
            names[n++] = p;
        }
        p = stop + 1;
    }
    return (int)n;
}
