/* discover.h — --discover: the mail hosts of a domain, found in DNS, as (address, port,
 * transport) entries that say how each was found.
 *
 * For a domain D it asks, through the engine's resolver (dns.c, so --dns-concurrency bounds
 * these queries with every other lookup):
 *   - SRV _pop3._tcp.D and _pop3s._tcp.D (RFC 6186): each target with its port, priority and
 *     weight; _pop3s means implicit TLS; a target of "." says there is no such service (RFC
 *     2782) and becomes an entry of its own that says so;
 *   - MX D: each exchanger (a null MX, RFC 7505, is a note);
 *   - the conventional names N.D of opts.names (pop, pop3, mail, pop.mail, imap by default);
 *   - D itself;
 * then A and AAAA (as opts.family allows) of every host found, following CNAME chains across
 * answers with P3S_DNS_CHAIN_MAX links at most and stopping at a loop. The SRV ways give their
 * own port and transport; the others take opts.ports. An address reached several ways on the
 * same port and transport is one entry that lists every way. A host of an SRV or MX record
 * that does not resolve, an SRV "no service", a conventional name whose lookup failed other
 * than by NXDOMAIN or no data, and a domain where nothing at all was found, become entries
 * without an address that carry the reason (error). Conventional names that do not exist are
 * the common case and are not reported.
 */
#ifndef POP3SCAN_DISCOVER_H
#define POP3SCAN_DISCOVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "record.h"

struct p3s_dns;

/* A port as discovery gives it (the engine's struct p3s_engine_port, without depending on it:
 * the engine includes this file). */
struct p3s_discover_port {
    uint16_t port;
    uint8_t tls;     /* implicit TLS */
    uint8_t tls_too; /* the same port is scanned with TLS as well */
};

#define P3S_DISCOVER_MAX_HOSTS 64   /* host names followed per domain */
#define P3S_DISCOVER_MAX_RECORDS 64 /* SRV or MX records used per query */
#define P3S_DISCOVER_MAX_NAMES 32   /* conventional names (--discover-names) */

/* The conventional names asked by default, NULL-terminated (docs/discovery.md). */
extern const char *const P3S_DISCOVER_NAMES[];

struct p3s_discover_opts {
    const char *const *names;            /* conventional names, each put before ".D" */
    size_t nnames;
    int family;                          /* 0 both, 4 or 6 only */
    const struct p3s_discover_port *ports; /* for every way but SRV */
    size_t nports;
};

struct p3s_discovered {
    struct sockaddr_storage addr; /* AF_UNSPEC for an entry without an address */
    char ip[64];                  /* "" without an address */
    struct p3s_discover_port port; /* port 0 without an address (an SRV "no service": its port) */
    const char *host;             /* the host the record is named after (a way's host) */
    const char *error;            /* why there is no address; NULL for an address */
    struct p3s_discovery info;    /* domain, ways, notes */
};

struct p3s_discover_result {
    char *domain;
    struct p3s_discovered *v; /* grouped by host (SRV hosts first, then MX, names, the domain),
                                 then address, port and transport */
    size_t n;
    size_t hosts;             /* host names asked for addresses */
};

/* Called once, from the event loop (or at once when the resolver is being torn down); res is
 * the callee's: free it with p3s_discover_result_free. */
typedef void (*p3s_discover_cb)(void *arg, struct p3s_discover_result *res);

/* domain must be a valid host name (targets.h); opts is copied. */
void p3s_discover(struct p3s_dns *dns, const char *domain, const struct p3s_discover_opts *opts,
                  p3s_discover_cb cb, void *arg);
void p3s_discover_result_free(struct p3s_discover_result *res);

#endif
