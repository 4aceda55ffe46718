/* dns.c — c-ares inside the libevent loop (see dns.h).
 *
 * c-ares tells us which sockets it wants watched (sock_state_cb); each gets a libevent event. One
 * timer drives c-ares's own retransmissions and timeouts.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <event2/event.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct watch {
    ares_socket_t fd;
    struct event *ev;
    struct watch *next;
};

struct p3s_dns {
    struct event_base *base;
    ares_channel channel;
    struct watch *watches;
    struct event *timer;
};

struct query {
    struct p3s_dns *dns;
    p3s_dns_cb cb;
    void *arg;
};

static void arm_timer(struct p3s_dns *d)
{
    struct timeval tv, *tvp = ares_timeout(d->channel, NULL, &tv);
    if (tvp)
        evtimer_add(d->timer, tvp);
    else
        evtimer_del(d->timer);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct p3s_dns *d = arg;
    ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    arm_timer(d);
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
    struct p3s_dns *d = arg;
    ares_process_fd(d->channel, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
                    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
    arm_timer(d);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct p3s_dns *d = data;
    struct watch **pp = &d->watches, *w;
    while ((w = *pp) && w->fd != fd)
        pp = &w->next;
    if (w) {
        event_free(w->ev);
        if (!readable && !writable) {
            *pp = w->next;
            free(w);
            return;
        }
    } else {
        if (!readable && !writable)
            return;
        w = p3s_xcalloc(1, sizeof *w);
        w->fd = fd;
        w->next = d->watches;
        d->watches = w;
    }
    short what = (short)(EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
    w->ev = event_new(d->base, fd, what, on_socket, d);
    event_add(w->ev, NULL);
}

struct p3s_dns *p3s_dns_new(struct event_base *base, const char *servers, int timeout_ms,
                            char *err, size_t errsz)
{
    static int initialised;
    if (!initialised && ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        snprintf(err, errsz, "cannot initialise c-ares");
        return NULL;
    }
    initialised = 1;
    struct p3s_dns *d = p3s_xcalloc(1, sizeof *d);
    d->base = base;
    struct ares_options opts;
    memset(&opts, 0, sizeof opts);
    opts.sock_state_cb = on_sock_state;
    opts.sock_state_cb_data = d;
    opts.timeout = timeout_ms > 0 ? timeout_ms : 2000;
    opts.tries = 2;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    int rc = ares_init_options(&d->channel, &opts, mask);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errsz, "cannot start the resolver: %s", ares_strerror(rc));
        free(d);
        return NULL;
    }
    if (servers && (rc = ares_set_servers_ports_csv(d->channel, servers)) != ARES_SUCCESS) {
        snprintf(err, errsz, "bad --resolver '%s': %s", servers, ares_strerror(rc));
        ares_destroy(d->channel);
        free(d);
        return NULL;
    }
    d->timer = evtimer_new(base, on_timer, d);
    return d;
}

/* A reason a user can act on, in DNS terms where there is one. */
static const char *reason(int status)
{
    switch (status) {
    case ARES_ENOTFOUND:
        return "DNS: NXDOMAIN (no such name)";
    case ARES_ENODATA:
        return "DNS: no address records for this name";
    case ARES_ESERVFAIL:
        return "DNS: SERVFAIL from the resolver";
    case ARES_ETIMEOUT:
        return "DNS: timeout, the resolver did not answer";
    case ARES_EREFUSED:
        return "DNS: REFUSED by the resolver";
    case ARES_ECONNREFUSED:
        return "DNS: cannot reach the resolver (connection refused)";
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
        return "DNS: query cancelled";
    default:
        return NULL;
    }
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    (void)timeouts;
    struct query *q = arg;
    struct p3s_dns_result res;
    memset(&res, 0, sizeof res);
    if (status == ARES_SUCCESS && ai) {
        for (struct ares_addrinfo_node *n = ai->nodes; n && res.n < P3S_DNS_MAX_ADDRS;
             n = n->ai_next) {
            const void *a = n->ai_family == AF_INET
                                ? (const void *)&((struct sockaddr_in *)n->ai_addr)->sin_addr
                                : (const void *)&((struct sockaddr_in6 *)n->ai_addr)->sin6_addr;
            if (!inet_ntop(n->ai_family, a, res.addrs[res.n], sizeof res.addrs[0]))
                continue;
            int dup = 0;
            for (size_t i = 0; i < res.n; i++)
                dup |= strcmp(res.addrs[i], res.addrs[res.n]) == 0;
            if (!dup)
                res.n++;
        }
    }
    if (status != ARES_SUCCESS) {
        res.error = reason(status);
        if (!res.error)
            res.error = ares_strerror(status);
    } else if (res.n == 0) {
        res.error = reason(ARES_ENODATA);
    }
    if (ai)
        ares_freeaddrinfo(ai);
    q->cb(q->arg, &res);
    free(q);
}

void p3s_dns_resolve(struct p3s_dns *d, const char *name, int family, p3s_dns_cb cb, void *arg)
{
    struct query *q = p3s_xcalloc(1, sizeof *q);
    q->dns = d;
    q->cb = cb;
    q->arg = arg;
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_flags = ARES_AI_NOSORT;
    ares_getaddrinfo(d->channel, name, NULL, &hints, on_addrinfo, q);
    arm_timer(d);
}

void p3s_dns_free(struct p3s_dns *d)
{
    if (!d)
        return;
    ares_destroy(d->channel); /* runs pending callbacks with ARES_EDESTRUCTION */
    while (d->watches) {
        struct watch *w = d->watches;
        d->watches = w->next;
        event_free(w->ev);
        free(w);
    }
    event_free(d->timer);
    free(d);
}
