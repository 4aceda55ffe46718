/* dns.h — asynchronous name resolution with c-ares, driven by the engine's libevent loop.
 *
 * A name resolves to all its A and AAAA addresses (or one family with -4/-6). Failures come back
 * with a reason a user can act on: NXDOMAIN, SERVFAIL, timeout, refused.
 */
#ifndef POP3SCAN_DNS_H
#define POP3SCAN_DNS_H

#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct p3s_dns;

/* Addresses (port 0), at most P3S_DNS_MAX_ADDRS, each once. */
#define P3S_DNS_MAX_ADDRS 32
/* Names whose answers are kept for the run. */
#define P3S_DNS_CACHE_MAX 4096
struct p3s_dns_result {
    const char *error; /* NULL on success */
    size_t n;
    struct sockaddr_storage addrs[P3S_DNS_MAX_ADDRS];
};

typedef void (*p3s_dns_cb)(void *arg, const struct p3s_dns_result *res);

/* servers: NULL for the system's resolver, or "IP[:PORT][,IP[:PORT]…]". */
struct p3s_dns *p3s_dns_new(struct event_base *base, const char *servers, int timeout_ms,
                            char *err, size_t errsz);
/* family: 0 for both, 4 or 6. cb is called exactly once, from the event loop (also for an
 * answer from the cache). */
void p3s_dns_resolve(struct p3s_dns *d, const char *name, int family, p3s_dns_cb cb, void *arg);
/* Lookups in flight at once (a name's addresses, or one raw query): those asked beyond it wait
 * their turn, in order. 0 (the default): no limit. --dns-concurrency sets it, so that names and
 * discovery (discover.c) together never have more than that many outstanding. */
void p3s_dns_set_limit(struct p3s_dns *d, size_t limit);

/* One query of a type, its answer handed back whole (dnsmsg.h reads it). error is NULL when the
 * server answered NOERROR with records; "NXDOMAIN"/"no data" answers come with error set to
 * the reason, nxdomain or nodata set, and the answer bytes when there were some. */
struct p3s_dns_answer {
    const char *error;
    int nxdomain, nodata;
    const unsigned char *buf; /* valid during the callback only; NULL when none came */
    size_t len;
};
typedef void (*p3s_dns_answer_cb)(void *arg, const struct p3s_dns_answer *a);
/* name in presentation form (dnsmsg.h). cb is called exactly once, from the event loop. */
void p3s_dns_query(struct p3s_dns *d, const char *name, int type, p3s_dns_answer_cb cb,
                   void *arg);

/* Ends every query in flight (their callbacks run with "DNS: query cancelled") and frees all. */
void p3s_dns_free(struct p3s_dns *d);
/* Names asked, and queries actually sent (the rest came from the cache). */
void p3s_dns_stats(const struct p3s_dns *d, unsigned long *lookups, unsigned long *queries);
/* The most lookups that were in flight at once, and the raw queries sent (p3s_dns_query). */
void p3s_dns_stats_more(const struct p3s_dns *d, size_t *peak_inflight, unsigned long *raw);

#endif
