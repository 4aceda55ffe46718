/* dedupe.h — every (address, port, transport) is scanned once, however it was given.
 *
 * The target stream (targetgen.h) drops a target given twice, but not what two different
 * targets reach: 127.0.0.1 and 127.0.0.1:110 with -p 110, or a name and the address it resolves
 * to. The rule: an address is scanned once as an address; a name's address that is given as an
 * address too is not scanned again under the name; two names on one address are both scanned
 * (each is another TLS name and certificate check). To keep memory bounded whatever the ranges,
 * only what names and HOST:PORT targets scan is remembered (at most P3S_DEDUPE_MAX entries, then
 * nothing more); the addresses of ranges and bare addresses are asked of the target stream,
 * which knows them as intervals.
 */
#ifndef POP3SCAN_DEDUPE_H
#define POP3SCAN_DEDUPE_H

#include <stdint.h>
#include <sys/socket.h>

#include "keyset.h"
#include "targets.h"

#define P3S_DEDUPE_MAX 1000000u

struct p3s_tgen;

/* How a scan of an address came to be asked for. */
enum p3s_dedupe_from {
    P3S_FROM_ADDRESS,  /* a bare address or one of a range: every port of the list */
    P3S_FROM_HOSTPORT, /* ADDRESS:PORT */
    P3S_FROM_NAME      /* an address a name resolved to */
};

struct p3s_dedupe {
    const struct p3s_portlist *ports;
    const struct p3s_tgen *gen;
    struct p3s_keyset seen;
};

void p3s_dedupe_init(struct p3s_dedupe *d, const struct p3s_portlist *ports,
                     const struct p3s_tgen *gen);
void p3s_dedupe_free(struct p3s_dedupe *d);
/* 1 when this scan of addr (name: the name it came from, for P3S_FROM_NAME) was asked for
 * already and must not run again; 0 when it runs (and is remembered, where the rule says). */
int p3s_dedupe_check(struct p3s_dedupe *d, enum p3s_dedupe_from from, const char *name,
                     const struct sockaddr *addr, uint16_t port, int tls);

#endif
