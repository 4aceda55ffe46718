/* dns.c — c-ares inside the libevent loop (see dns.h).
 *
 * c-ares tells us which sockets it wants watched (sock_state_cb); each gets a libevent event. One
 * timer drives c-ares's own retransmissions and timeouts.
 *
 * Answers are cached for the run (c-ares 1.18 has no cache of its own): the same name with
 * several ports, or listed again, is asked once, and a name asked while its query is in flight
 * waits for that query. The cache holds at most P3S_DNS_CACHE_MAX names, the oldest answered
 * one giving way, so a list of millions of names does not grow it. TTLs are not honoured: a
 * scan is short next to them, and it must see one answer per name.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <event2/event.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct watch {
    ares_socket_t fd;
    struct event *ev;
    struct watch *next;
};

struct waiter {
    p3s_dns_cb cb;
    void *arg;
    struct waiter *next;
};

/* A name (with the family asked) in the cache: in flight while res is NULL. */
struct entry {
    char *key;
    struct p3s_dns_result *res;
    struct waiter *waiters;
    struct entry *chain; /* next in its hash bucket */
};

#define NBUCKETS (P3S_DNS_CACHE_MAX * 2)

struct p3s_dns {
    struct event_base *base;
    ares_channel channel;
    struct watch *watches;
    struct event *timer;
    struct entry *buckets[NBUCKETS];
    struct entry *ring[P3S_DNS_CACHE_MAX]; /* entries in insertion order, for eviction */
    size_t ring_next, nentries;
    unsigned long lookups, queries;
    struct cached_call *cached; /* answers from the cache, to hand out from the loop */
    struct event *cached_ev;
    size_t limit, inflight, peak;  /* lookups sent to c-ares at once (0: no limit) */
    struct launch *waiting, *waiting_tail; /* lookups past the limit, in order */
    unsigned long raw;
    int destroying;
};

/* A lookup waiting for its turn under the limit: a name's addresses (q) or a raw query. */
struct launch {
    struct query *q;        /* p3s_dns_resolve */
    int family;
    struct rawq *rq;        /* p3s_dns_query */
    char *name;
    struct launch *next;
};

struct rawq {
    struct p3s_dns *dns;
    p3s_dns_answer_cb cb;
    void *arg;
    int type;
};

struct cached_call {
    struct waiter w;
    struct entry *entry;
    struct cached_call *next;
};

struct query {
    struct p3s_dns *dns;
    struct entry *entry; /* NULL when the cache was full of queries in flight */
    struct waiter w;
};

static void on_cached(evutil_socket_t fd, short what, void *arg);
static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai);
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen);
static const char *reason(int status);
struct launch;
static void enqueue(struct p3s_dns *d, struct launch *l);

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
    /* A SERVFAIL or REFUSED answer is the answer: without NOCHECKRESP c-ares 1.18 takes it for
     * a broken server, tries the others, and ends with "connection refused", which names
     * neither what the resolver said nor anything a user can act on. */
    opts.flags = ARES_FLAG_NOCHECKRESP;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
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
    d->cached_ev = event_new(base, -1, 0, on_cached, d);
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

static size_t hash(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h % NBUCKETS;
}

static struct entry *lookup(struct p3s_dns *d, const char *key)
{
    for (struct entry *e = d->buckets[hash(key)]; e; e = e->chain)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void entry_free(struct p3s_dns *d, struct entry *e)
{
    struct entry **pp = &d->buckets[hash(e->key)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    free(e->key);
    free(e->res);
    free(e);
    d->nentries--;
}

/* A new in-flight entry, evicting the oldest when full; NULL when the oldest is still in flight
 * (the query then goes uncached). */
static struct entry *entry_new(struct p3s_dns *d, const char *key)
{
    struct entry *old = d->ring[d->ring_next];
    if (old && !old->res)
        return NULL;
    if (old)
        entry_free(d, old);
    struct entry *e = p3s_xcalloc(1, sizeof *e);
    e->key = p3s_xstrdup(key);
    size_t b = hash(key);
    e->chain = d->buckets[b];
    d->buckets[b] = e;
    d->ring[d->ring_next] = e;
    d->ring_next = (d->ring_next + 1) % P3S_DNS_CACHE_MAX;
    d->nentries++;
    return e;
}

static void run_waiters(struct waiter *w, const struct p3s_dns_result *res)
{
    while (w) {
        struct waiter *next = w->next;
        w->cb(w->arg, res);
        free(w);
        w = next;
    }
}

/* Hands the answer to the query's own caller and to every caller that waited on the same name,
 * and keeps it, unless the query was cancelled (the channel is going away). */
static void deliver(struct query *q, const struct p3s_dns_result *res, int status)
{
    struct entry *e = q->entry;
    struct waiter *waiters = NULL;
    if (e) {
        waiters = e->waiters;
        e->waiters = NULL;
        if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
            struct p3s_dns *d = q->dns;
            for (size_t i = 0; i < P3S_DNS_CACHE_MAX; i++)
                if (d->ring[i] == e)
                    d->ring[i] = NULL;
            entry_free(d, e);
        } else {
            size_t n = offsetof(struct p3s_dns_result, addrs) + res->n * sizeof res->addrs[0];
            e->res = p3s_xmalloc(n);
            memcpy(e->res, res, n);
        }
    }
    q->w.cb(q->w.arg, res);
    run_waiters(waiters, res);
    free(q);
}

/* Sends the waiting lookups the limit has room for. */
static void launch_waiting(struct p3s_dns *d)
{
    if (d->destroying) /* the channel is going: nothing more is sent */
        return;
    while (d->waiting && (!d->limit || d->inflight < d->limit)) {
        struct launch *l = d->waiting;
        d->waiting = l->next;
        if (!d->waiting)
            d->waiting_tail = NULL;
        if (++d->inflight > d->peak)
            d->peak = d->inflight;
        if (l->q) {
            struct ares_addrinfo_hints hints;
            memset(&hints, 0, sizeof hints);
            hints.ai_family = l->family == 4 ? AF_INET : l->family == 6 ? AF_INET6 : AF_UNSPEC;
            hints.ai_flags = ARES_AI_NOSORT;
            ares_getaddrinfo(d->channel, l->name, NULL, &hints, on_addrinfo, l->q);
        } else {
            ares_query(d->channel, l->name, 1 /* IN */, l->rq->type, on_answer, l->rq);
        }
        free(l->name);
        free(l);
    }
    arm_timer(d);
}

static void enqueue(struct p3s_dns *d, struct launch *l)
{
    if (d->waiting_tail)
        d->waiting_tail->next = l;
    else
        d->waiting = l;
    d->waiting_tail = l;
    launch_waiting(d);
}

/* A lookup sent to c-ares ended: room for the next. */
static void landed(struct p3s_dns *d)
{
    d->inflight--;
    launch_waiting(d);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    struct rawq *rq = arg;
    struct p3s_dns *d = rq->dns;
    struct p3s_dns_answer a;
    memset(&a, 0, sizeof a);
    a.nxdomain = status == ARES_ENOTFOUND;
    a.nodata = status == ARES_ENODATA;
    if (status != ARES_SUCCESS) {
        a.error = a.nodata ? "DNS: no records of this type" : reason(status);
        if (!a.error)
            a.error = ares_strerror(status);
    }
    if (abuf && alen > 0) {
        a.buf = abuf;
        a.len = (size_t)alen;
    }
    rq->cb(rq->arg, &a);
    free(rq);
    landed(d);
}

void p3s_dns_query(struct p3s_dns *d, const char *name, int type, p3s_dns_answer_cb cb,
                   void *arg)
{
    if (d->destroying) { /* asked from a callback of the teardown: cancelled like the rest */
        struct p3s_dns_answer a = {reason(ARES_EDESTRUCTION), 0, 0, NULL, 0};
        cb(arg, &a);
        return;
    }
    struct rawq *rq = p3s_xcalloc(1, sizeof *rq);
    *rq = (struct rawq){d, cb, arg, type};
    d->raw++;
    struct launch *l = p3s_xcalloc(1, sizeof *l);
    l->rq = rq;
    l->name = p3s_xstrdup(name);
    enqueue(d, l);
}

void p3s_dns_set_limit(struct p3s_dns *d, size_t limit)
{
    d->limit = limit;
    launch_waiting(d);
}

void p3s_dns_stats_more(const struct p3s_dns *d, size_t *peak_inflight, unsigned long *raw)
{
    *peak_inflight = d->peak;
    *raw = d->raw;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    (void)timeouts;
    struct query *q = arg;
    struct p3s_dns *dns = q->dns;
    struct p3s_dns_result res;
    memset(&res, 0, sizeof res);
    if (status == ARES_SUCCESS && ai) {
        for (struct ares_addrinfo_node *n = ai->nodes; n && res.n < P3S_DNS_MAX_ADDRS;
             n = n->ai_next) {
            struct sockaddr_storage *out = &res.addrs[res.n];
            memset(out, 0, sizeof *out);
            if (n->ai_family == AF_INET && n->ai_addrlen >= sizeof(struct sockaddr_in)) {
                struct sockaddr_in *sin = (struct sockaddr_in *)out;
                sin->sin_family = AF_INET;
                sin->sin_addr = ((struct sockaddr_in *)n->ai_addr)->sin_addr;
            } else if (n->ai_family == AF_INET6 && n->ai_addrlen >= sizeof(struct sockaddr_in6)) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_addr = ((struct sockaddr_in6 *)n->ai_addr)->sin6_addr;
            } else {
                continue;
            }
            int dup = 0;
            for (size_t i = 0; i < res.n; i++)
                dup |= memcmp(&res.addrs[i], out, sizeof *out) == 0;
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
    deliver(q, &res, status);
    landed(dns);
}

/* Answers from the cache are handed out from the loop, like those of queries. */
static void on_cached(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct p3s_dns *d = arg;
    while (d->cached) {
        struct cached_call *c = d->cached;
        d->cached = c->next;
        c->w.cb(c->w.arg, c->entry->res);
        free(c);
    }
}

/* "4/mail.example" for mail.example asked with -4: names compare case-insensitively. */
static void make_key(char *key, size_t cap, const char *name, int family)
{
    int n = snprintf(key, cap, "%d/%s", family, name);
    for (char *p = key; n > 0 && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

void p3s_dns_resolve(struct p3s_dns *d, const char *name, int family, p3s_dns_cb cb, void *arg)
{
    char key[300]; /* a DNS name has at most 253 characters */
    make_key(key, sizeof key, name, family);
    d->lookups++;
    struct entry *e = lookup(d, key);
    if (e && e->res) {
        struct cached_call *c = p3s_xcalloc(1, sizeof *c);
        *c = (struct cached_call){{cb, arg, NULL}, e, d->cached};
        d->cached = c;
        event_active(d->cached_ev, 0, 0);
        return;
    }
    if (e) { /* in flight: wait for it */
        struct waiter *w = p3s_xcalloc(1, sizeof *w);
        *w = (struct waiter){cb, arg, e->waiters};
        e->waiters = w;
        return;
    }
    struct query *q = p3s_xcalloc(1, sizeof *q);
    q->dns = d;
    q->entry = entry_new(d, key);
    q->w.cb = cb;
    q->w.arg = arg;
    d->queries++;
    struct launch *l = p3s_xcalloc(1, sizeof *l);
    l->q = q;
    l->family = family;
    l->name = p3s_xstrdup(name);
    enqueue(d, l);
}

void p3s_dns_free(struct p3s_dns *d)
{
    if (!d)
        return;
    on_cached(-1, 0, d);
    d->destroying = 1;
    ares_destroy(d->channel); /* runs pending callbacks with ARES_EDESTRUCTION */
    while (d->waiting) { /* never sent: their callers hear "cancelled" like the others */
        struct launch *l = d->waiting;
        d->waiting = l->next;
        if (l->q) {
            d->inflight++; /* on_addrinfo counts it landed */
            on_addrinfo(l->q, ARES_EDESTRUCTION, 0, NULL);
        } else {
            d->inflight++; /* on_answer counts it landed */
            on_answer(l->rq, ARES_EDESTRUCTION, 0, NULL, 0);
        }
        free(l->name);
        free(l);
    }
    d->waiting_tail = NULL;
    while (d->watches) {
        struct watch *w = d->watches;
        d->watches = w->next;
        event_free(w->ev);
        free(w);
    }
    event_free(d->timer);
    event_free(d->cached_ev);
    for (size_t i = 0; i < NBUCKETS; i++)
        while (d->buckets[i])
            entry_free(d, d->buckets[i]);
    free(d);
}

void p3s_dns_stats(const struct p3s_dns *d, unsigned long *lookups, unsigned long *queries)
{
    *lookups = d->lookups;
    *queries = d->queries;
}
