/* dedupe.c — duplicate scans across the ways a target was given (see dedupe.h).
 *
 * Keys: 'L' an address scanned as an address, 'A' scanned under some name, 'N' under this name
 * (by a 64-bit hash of it); then the transport, the port and the address bytes. */
#include "dedupe.h"

#include <ctype.h>
#include <netinet/in.h>
#include <string.h>

#include "targetgen.h"

void p3s_dedupe_init(struct p3s_dedupe *d, const struct p3s_portlist *ports,
                     const struct p3s_tgen *gen)
{
    memset(d, 0, sizeof *d);
    d->ports = ports;
    d->gen = gen;
}

void p3s_dedupe_free(struct p3s_dedupe *d)
{
    p3s_keyset_free(&d->seen);
}

static size_t key(unsigned char *k, char kind, const struct sockaddr *addr, uint16_t port,
                  int tls, const char *name)
{
    size_t n = 0;
    k[n++] = (unsigned char)kind;
    k[n++] = (unsigned char)tls;
    k[n++] = (unsigned char)(port >> 8);
    k[n++] = (unsigned char)port;
    if (addr->sa_family == AF_INET) {
        memcpy(k + n, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        n += 4;
    } else if (addr->sa_family == AF_INET6) {
        memcpy(k + n, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
        n += 16;
    }
    if (kind == 'N') {
        uint64_t h = 0xcbf29ce484222325ULL;
        size_t len = strlen(name);
        if (len && name[len - 1] == '.')
            len--;
        for (size_t i = 0; i < len; i++)
            h = (h ^ (unsigned char)tolower((unsigned char)name[i])) * 0x100000001b3ULL;
        memcpy(k + n, &h, sizeof h);
        n += sizeof h;
    }
    return n;
}

int p3s_dedupe_check(struct p3s_dedupe *d, enum p3s_dedupe_from from, const char *name,
                     const struct sockaddr *addr, uint16_t port, int tls)
{
    struct p3s_keyset *ks = &d->seen;
    unsigned char kl[64], ka[64], kn[64];
    size_t nl = key(kl, 'L', addr, port, tls, NULL), na = key(ka, 'A', addr, port, tls, NULL);
    if (p3s_keyset_has(ks, kl, nl))
        return 1;
    if (from != P3S_FROM_NAME && p3s_keyset_has(ks, ka, na))
        return 1;
    if (from == P3S_FROM_ADDRESS)
        return 0;
    /* Given without a port elsewhere (and so scanned on every port of the list), or about to
     * be: the address wins. */
    unsigned way = tls ? P3S_PORT_TLS : P3S_PORT_PLAIN;
    if (d->ports->kinds && (d->ports->kinds[port] & way) && p3s_tgen_covers(d->gen, addr))
        return 1;
    if (from == P3S_FROM_HOSTPORT)
        return p3s_keyset_seen(ks, kl, nl, P3S_DEDUPE_MAX);
    size_t nn = key(kn, 'N', addr, port, tls, name);
    if (p3s_keyset_seen(ks, kn, nn, P3S_DEDUPE_MAX))
        return 1;
    p3s_keyset_seen(ks, ka, na, P3S_DEDUPE_MAX);
    return 0;
}
