/* engine.c — the scheduler of the engine (see engine.h): targets submitted by the caller become
 * jobs, one per address and port (names resolved with c-ares first), started as slots free and
 * the rate allows; each finished record is identified, judged and handed back.
 *
 * Work is pulled: the queue of jobs is refilled from the caller (hooks.feed) only when a slot is
 * free, so it stays small whatever the number of targets. Every submitted target is held until
 * its lookup and each of its jobs have ended, then reported done.
 *
 * TLS where it was not asked is part of the scheduling: when a cleartext connection has heard
 * nothing half a read timeout after it connected, a ClientHello goes to the port on a second
 * connection (tlssniff.c: no TLS session, a few hundred bytes), bounded to end when the first
 * one's read timeout does; a silent port (a tarpit) costs one more connection and no more time.
 * If a TLS handshake or alert record answers, or the cleartext connection's first bytes were a
 * TLS record, the port is scanned again with implicit TLS (the job goes before every waiting
 * one), and that record replaces the cleartext one if it got further. The checks that follow a
 * dialogue (one ClientHello per version, the STLS injection check) are in followup.c.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "conn.h"
#include "discover.h"
#include "dns.h"
#include "escape.h"
#include "findings.h"
#include "followup.h"
#include "hsgate.h"
#include "identify.h"
#include "injprobe.h"
#include "pace.h"
#include "pop3.h"
#include "record.h"
#include "tlsprobe.h"
#include "tlssniff.h"
#include "util.h"

/* A submitted target, alive until its lookup and each of its jobs have ended. */
struct target {
    struct p3s_engine *e;
    void *tag;
    unsigned pending; /* jobs not yet done, plus one while it is expanded or resolved */
    char *name;       /* as the user named it */
    struct p3s_engine_port *ports;
    size_t nports;
    struct target *next; /* in the queue of targets not yet expanded */
    char *resolve;    /* the host name to resolve, or NULL */
    union p3s_sockaddr addr;     /* when resolve is NULL */
    int discover;     /* resolve is a domain to discover */
    struct p3s_discover_result *found; /* what discovery found: the jobs' names and ways */
    struct p3s_record **held; /* a discovered domain's records, handed over together */
    size_t nheld;
};

struct tls_detect;

/* One (target, address, port, transport) waiting for a slot or running. */
struct job {
    struct job *next;            /* in the queue */
    struct job *prev_run, *next_run; /* among the jobs running, for an abort */
    struct p3s_engine *e;
    struct target *t;
    const char *name;            /* the record's target: t->name, or the host discovered */
    const struct p3s_discovery *disc; /* how it was found (--discover), or NULL */
    union p3s_sockaddr addr;     /* with the port */
    socklen_t addrlen;
    char ip[INET6_ADDRSTRLEN];
    uint16_t port;
    int tls, tls_too, sni;
    int tls_retry;               /* the implicit-TLS retry of a cleartext port that spoke TLS */
    struct p3s_record *held;     /* the retry's cleartext record, reported if the retry fails */
    struct p3s_conn *conn;       /* while it runs */
    struct event detect_timer;   /* TLS detection: the wait for a greeting */
    int detect_armed;
    struct tls_detect *detect;   /* the ClientHello probe of the port, once started */
};

/* TLS detection of a cleartext job. */
struct tls_detect {
    struct p3s_engine *e;
    struct job *job;             /* the cleartext job while its connection runs, then NULL */
    int probing;                 /* the probe runs (it holds a slot) */
    int tls_seen;                /* a TLS handshake or alert record answered it */
    struct p3s_record *rec;      /* the cleartext record, held until the probe reports */
    struct job *done;            /* the job's details kept for a retry once it has ended */
};

struct p3s_engine {
    struct p3s_engine_opts opts;
    struct p3s_engine_hooks hooks;
    void *ctx;
    struct event_base *base;
    SSL_CTX *ssl_ctx;
    struct p3s_dns *dns;
    struct p3s_identifier *identifier;
    struct p3s_conn_env conn_env;
    struct p3s_hsgate hsgate;    /* handshake admission of the dialogues' connections */
    struct p3s_followup_env followup_env;
    struct p3s_followup_host followup_host;
    const struct timeval *read_tv, *connect_tv, *detect_tv; /* common timeouts */
    struct target *targets, *targets_tail; /* submitted, not yet expanded */
    struct job *head, *tail;     /* jobs waiting for a slot */
    struct job *running;         /* jobs whose connection runs */
    size_t active;               /* connections open: dialogues and follow-ups */
    size_t queued, resolving;
    size_t limit, lowered;
    int fed_out;                 /* feed() said nothing is left */
    int started, stopping, aborting;
    int pumping, repump;         /* pump() is running / was asked to run again */
    struct p3s_pace pace;
    struct event *rate_timer;
    struct event *idle_ev;       /* says idle() from the loop, once per batch */
    int idle_said;
    uint64_t connections, targets_done;
    uint64_t rng;
};

static void pump(struct p3s_engine *e);

/* ---- small helpers --------------------------------------------------------------------- */

static uint64_t next_random(struct p3s_engine *e)
{
    /* xorshift64*: the probe names need to be unguessable per run, not cryptographic. */
    uint64_t x = e->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    e->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static void trace(struct p3s_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line of per-connection detail for the caller, when it wants them. */
static void trace(struct p3s_engine *e, const char *fmt, ...)
{
    if (!e->hooks.trace)
        return;
    char line[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->hooks.trace(e->ctx, line);
}

/* "127.0.0.1:110", "[::1]:995", "mail.test (127.0.0.1):110" for trace lines. */
static void job_label(char *out, size_t cap, const char *target, const char *ip, uint16_t port)
{
    char esc[300];
    p3s_escape_term(target, strlen(target), esc, sizeof esc);
    int v6 = strchr(ip, ':') != NULL;
    if (strcmp(target, ip) == 0)
        snprintf(out, cap, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "", port);
    else
        snprintf(out, cap, "%s (%s):%u", esc, ip, port);
}

static socklen_t sockaddr_len(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void set_port(void *sa, uint16_t port)
{
    if (((struct sockaddr *)sa)->sa_family == AF_INET6)
        ((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)sa)->sin_port = htons(port);
}

static void address_text(const void *addr, char *out, size_t cap)
{
    const union p3s_sockaddr *sa = addr;
    const void *a = sa->sa.sa_family == AF_INET6 ? (const void *)&sa->v6.sin6_addr
                                                 : (const void *)&sa->v4.sin_addr;
    if (!inet_ntop(sa->sa.sa_family, a, out, (socklen_t)cap))
        snprintf(out, cap, "?");
}

/* ---- targets and their holds ------------------------------------------------------------- */

static void target_free(struct target *t)
{
    p3s_discover_result_free(t->found);
    free(t->held);
    free(t->name);
    free(t->resolve);
    free(t->ports);
    free(t);
}

/* A discovered domain's records go out together, in the order of its entries: grouped by
 * host, the most trusted way first (discover.h). */
static size_t entry_index(const struct target *t, const struct p3s_record *r)
{
    for (size_t i = 0; t->found && i < t->found->n; i++)
        if (r->discovery == &t->found->v[i].info)
            return i;
    return (size_t)-1;
}

static void hand_over_held(struct p3s_engine *e, struct target *t)
{
    /* Insertion sort by entry, stable: a port's records (a TLS retry) keep their order. */
    for (size_t i = 1; i < t->nheld; i++) {
        struct p3s_record *r = t->held[i];
        size_t key = entry_index(t, r), k = i;
        while (k > 0 && entry_index(t, t->held[k - 1]) > key) {
            t->held[k] = t->held[k - 1];
            k--;
        }
        t->held[k] = r;
    }
    for (size_t i = 0; i < t->nheld; i++) {
        if (e->hooks.record)
            e->hooks.record(e->ctx, t->held[i], t->tag);
        p3s_record_free(t->held[i]);
    }
    t->nheld = 0;
}

/* One hold of the target is over; the last one reports it done. Targets cut short by an abort
 * are not finished: a resume scans them again. */
static void target_release(struct p3s_engine *e, struct target *t)
{
    if (--t->pending)
        return;
    hand_over_held(e, t);
    e->targets_done++;
    if (e->hooks.target_done)
        e->hooks.target_done(e->ctx, t->tag, !e->aborting);
    target_free(t);
}

int p3s_engine_submit(struct p3s_engine *e, const struct p3s_engine_job *job)
{
    if (!job->target || !job->nports || !job->ports ||
        (!job->resolve && job->addr.ss_family != AF_INET && job->addr.ss_family != AF_INET6))
        return -1;
    struct target *t = p3s_xcalloc(1, sizeof *t);
    t->e = e;
    t->tag = job->tag;
    t->pending = 1; /* held until it is expanded, so it cannot finish half-way */
    t->name = p3s_xstrdup(job->target);
    t->resolve = job->resolve ? p3s_xstrdup(job->resolve) : NULL;
    t->discover = job->discover && job->resolve;
    if (!job->resolve)
        memcpy(&t->addr, &job->addr, sockaddr_len((const struct sockaddr *)&job->addr));
    t->ports = p3s_xmalloc(job->nports * sizeof *t->ports);
    memcpy(t->ports, job->ports, job->nports * sizeof *t->ports);
    t->nports = job->nports;
    if (e->targets_tail)
        e->targets_tail->next = t;
    else
        e->targets = t;
    e->targets_tail = t;
    return 0;
}

/* ---- jobs -------------------------------------------------------------------------------- */

static struct job *job_new(struct p3s_engine *e, struct target *t,
                           const void *addr, const struct p3s_engine_port *p, int sni)
{
    struct job *j = p3s_xcalloc(1, sizeof *j);
    j->e = e;
    j->t = t;
    j->name = t->name;
    t->pending++;
    j->addrlen = sockaddr_len(addr);
    memcpy(&j->addr, addr, j->addrlen);
    set_port(&j->addr, p->port);
    address_text(&j->addr, j->ip, sizeof j->ip);
    j->port = p->port;
    j->tls = p->tls;
    j->tls_too = p->tls_too;
    j->sni = sni;
    return j;
}

static void queue_job(struct p3s_engine *e, struct job *j, int first)
{
    e->queued++;
    if (first) { /* the TLS retry of a port being scanned: before every waiting job */
        j->next = e->head;
        e->head = j;
        if (!e->tail)
            e->tail = j;
        return;
    }
    if (e->tail)
        e->tail->next = j;
    else
        e->head = j;
    e->tail = j;
}

static void job_free(struct job *j)
{
    p3s_record_free(j->held);
    free(j);
}

/* One job per port of the target, at addr; for a name, those the caller admits. */
static void expand_address(struct p3s_engine *e, struct target *t, const void *addr,
                           int from_name)
{
    for (size_t i = 0; i < t->nports; i++) {
        const struct p3s_engine_port *p = &t->ports[i];
        if (from_name && e->hooks.admit) {
            union p3s_sockaddr a;
            memcpy(&a, addr, sockaddr_len(addr));
            set_port(&a, p->port);
            if (!e->hooks.admit(e->ctx, t->tag, t->name, (struct sockaddr *)&a, p->port,
                                p->tls))
                continue;
        }
        queue_job(e, job_new(e, t, addr, p, from_name), 0);
    }
}

/* ---- records out ------------------------------------------------------------------------ */

/* A record is complete: named, judged, handed over (a discovered domain's when the domain is
 * done), freed; its target's hold ends with it. */
static void finish_record(struct p3s_engine *e, struct p3s_record *rec, struct target *t)
{
    p3s_identify(e->identifier, rec);
    p3s_findings_evaluate(rec);
    if (t->discover) {
        t->held = p3s_xrealloc(t->held, (t->nheld + 1) * sizeof *t->held);
        t->held[t->nheld++] = rec;
        target_release(e, t);
        return;
    }
    if (e->hooks.record)
        e->hooks.record(e->ctx, rec, t->tag);
    p3s_record_free(rec);
    target_release(e, t);
}

/* A record of the target without a connection (a name that did not resolve, an aborted lookup). */
static void finish_unreached(struct p3s_engine *e, struct target *t, const char *why,
                             int unresolved)
{
    struct p3s_record *r = p3s_record_new(t->name, NULL, 0, 0);
    r->unresolved = unresolved;
    p3s_record_set_error(r, P3S_STATE_ERROR, "%s", why);
    finish_record(e, r, t);
}

/* ---- names -------------------------------------------------------------------------------- */

static void on_resolved(void *arg, const struct p3s_dns_result *res)
{
    struct target *t = arg;
    struct p3s_engine *e = t->e;
    e->resolving--;
    if (res->error || e->aborting) {
        t->pending++; /* the record's own hold */
        finish_unreached(e, t, e->aborting ? "scan interrupted" : res->error, !e->aborting);
    } else {
        if (e->hooks.trace) {
            char esc[300], addrs[512] = "";
            p3s_escape_term(t->name, strlen(t->name), esc, sizeof esc);
            for (size_t i = 0, at = 0; i < res->n && at < sizeof addrs; i++) {
                char ip[INET6_ADDRSTRLEN];
                address_text(&res->addrs[i], ip, sizeof ip);
                at += (size_t)snprintf(addrs + at, sizeof addrs - at, "%s%s", i ? ", " : "", ip);
            }
            trace(e, "%s resolved to %s", esc, addrs);
        }
        for (size_t i = 0; i < res->n; i++)
            expand_address(e, t, &res->addrs[i], 1);
    }
    target_release(e, t); /* the lookup's hold */
    pump(e);
}

/* An entry of a discovered domain without an address: its record says why. */
static void finish_undiscovered(struct p3s_engine *e, struct target *t,
                                const struct p3s_discovered *o)
{
    struct p3s_record *r = p3s_record_new(o->host, NULL, o->port.port, o->port.tls);
    /* An SRV "no service" is an answer, and an interrupted discovery no failure of the name. */
    r->unresolved = !e->aborting && strcmp(o->host, ".") != 0;
    r->discovery = &o->info;
    p3s_record_set_error(r, P3S_STATE_ERROR, "%s", e->aborting ? "scan interrupted" : o->error);
    t->pending++;
    finish_record(e, r, t);
}

static void on_discovered(void *arg, struct p3s_discover_result *res)
{
    struct target *t = arg;
    struct p3s_engine *e = t->e;
    e->resolving--;
    t->found = res;
    for (size_t i = 0; i < res->n; i++) {
        const struct p3s_discovered *o = &res->v[i];
        if (e->aborting) { /* one record says the domain was cut short */
            if (i == 0)
                finish_undiscovered(e, t, o);
            continue;
        }
        if (o->error) {
            finish_undiscovered(e, t, o);
            continue;
        }
        if (e->hooks.trace) {
            char esc[300], label[400];
            p3s_escape_term(res->domain, strlen(res->domain), esc, sizeof esc);
            job_label(label, sizeof label, o->host, o->ip, o->port.port);
            trace(e, "%s: found %s%s (%s)", esc, label, o->port.tls ? " tls" : "",
                  p3s_via_name(o->info.ways[0].via));
        }
        struct sockaddr_storage a = o->addr;
        set_port(&a, o->port.port);
        if (e->hooks.admit && !e->hooks.admit(e->ctx, t->tag, o->host, (struct sockaddr *)&a,
                                              o->port.port, o->port.tls))
            continue;
        struct p3s_engine_port p = {o->port.port, o->port.tls, o->port.tls_too};
        struct job *j = job_new(e, t, &o->addr, &p, 1);
        j->name = o->host;
        j->disc = &o->info;
        queue_job(e, j, 0);
    }
    target_release(e, t); /* the discovery's hold */
    pump(e);
}

/* Takes the next submitted target: its jobs are queued, or its name starts resolving. Returns 0
 * when none was waiting. */
static int expand_next(struct p3s_engine *e)
{
    struct target *t = e->targets;
    if (!t)
        return 0;
    e->targets = t->next;
    if (!e->targets)
        e->targets_tail = NULL;
    t->next = NULL;
    if (t->discover) {
        struct p3s_discover_port *ports = p3s_xcalloc(t->nports, sizeof *ports);
        for (size_t i = 0; i < t->nports; i++)
            ports[i] = (struct p3s_discover_port){t->ports[i].port, t->ports[i].tls,
                                                  t->ports[i].tls_too};
        struct p3s_discover_opts o = {
            e->opts.discover_names ? e->opts.discover_names : P3S_DISCOVER_NAMES,
            e->opts.discover_names ? e->opts.ndiscover_names : 5, e->opts.family, ports,
            t->nports};
        e->resolving++;
        p3s_discover(e->dns, t->resolve, &o, on_discovered, t); /* copies the ports */
        free(ports);
        return 1; /* the discovery keeps the hold */
    }
    if (t->resolve) {
        e->resolving++;
        p3s_dns_resolve(e->dns, t->resolve, e->opts.family, on_resolved, t);
        return 1; /* the lookup keeps the hold */
    }
    expand_address(e, t, &t->addr, 0);
    target_release(e, t);
    return 1;
}

/* ---- TLS detection -------------------------------------------------------------------------- */

static int detect_applies(const struct p3s_engine *e, const struct job *j)
{
    return e->opts.tls_detect && !j->tls && !j->tls_retry && !j->tls_too && !e->aborting;
}

static void on_detect_timer(evutil_socket_t fd, short what, void *arg);

static void watch_for_tls(struct p3s_engine *e, struct job *j)
{
    if (!detect_applies(e, j))
        return;
    evtimer_assign(&j->detect_timer, e->base, on_detect_timer, j);
    evtimer_add(&j->detect_timer, e->detect_tv);
    j->detect_armed = 1;
}

static void unwatch_for_tls(struct job *j)
{
    if (j->detect_armed)
        event_del(&j->detect_timer);
    j->detect_armed = 0;
}

/* Scans the port again with implicit TLS; the cleartext record is held, to be reported if the
 * retry gets less far. */
static void retry_with_tls(struct p3s_engine *e, struct p3s_record *rec, const struct job *was)
{
    char label[400];
    job_label(label, sizeof label, rec->target, rec->ip, rec->port);
    trace(e, "%s: TLS found on this cleartext port, scanning it with TLS", label);
    struct p3s_engine_port p = {was->port, 1, 0};
    struct job *j = job_new(e, was->t, &was->addr, &p, was->sni);
    j->name = was->name;
    j->disc = was->disc;
    j->tls_retry = 1;
    j->held = rec;
    queue_job(e, j, 1);
    target_release(e, was->t); /* the cleartext job's hold; the retry holds the target now */
}

/* The TLS retry replaces the cleartext record when it got further: a service answered, or at
 * least a TLS handshake completed. A port whose every TLS handshake fails (it sent a TLS alert
 * as its greeting, say) keeps its cleartext record. */
static struct p3s_record *pick_retry(struct p3s_record *retry, struct p3s_record *held)
{
    if (retry->state == P3S_STATE_POP3 || retry->state == P3S_STATE_OTHER ||
        retry->tls_version[0]) {
        retry->tls_detected = 1;
        p3s_record_free(held);
        return retry;
    }
    p3s_record_free(retry);
    return held;
}

static void slot(void *ctx, int delta)
{
    struct p3s_engine *e = ctx;
    if (delta > 0)
        e->active += (size_t)delta;
    else
        e->active -= (size_t)-delta;
}

/* The follow-ups of a record ended: it is complete. */
static void followups_done(void *ctx, struct p3s_record *rec, void *hold)
{
    struct p3s_engine *e = ctx;
    finish_record(e, rec, hold);
    pump(e);
}

/* The record of an ended job, with what TLS detection found: retried with TLS, followed up, or
 * finished as it is. j is freed here. */
static void finish_or_retry(struct p3s_engine *e, struct job *j, struct p3s_record *rec,
                            int tls_seen)
{
    if (tls_seen && rec->state != P3S_STATE_POP3 && !e->aborting) {
        retry_with_tls(e, rec, j);
        job_free(j);
        return;
    }
    struct target *t = j->t;
    int started = !e->stopping && !e->aborting &&
                  p3s_followup_start(&e->followup_env, &e->followup_host, rec,
                                     (struct sockaddr *)&j->addr, j->addrlen, j->sni, t);
    job_free(j);
    if (!started)
        finish_record(e, rec, t);
}

static void on_detect_probe(void *arg, enum p3s_tlssniff_result result)
{
    struct tls_detect *d = arg;
    struct p3s_engine *e = d->e;
    e->active--;
    d->probing = 0;
    d->tls_seen = result == P3S_TLSSNIFF_TLS || result == P3S_TLSSNIFF_ALERT;
    if (d->job) { /* the cleartext connection still waits */
        if (d->tls_seen && d->job->conn) {
            p3s_conn_end_for_tls(d->job->conn); /* its end comes back with d */
        } else {
            d->job->detect = NULL;
            free(d);
        }
        pump(e);
        return;
    }
    struct job *j = d->done;
    struct p3s_record *rec = d->rec;
    int seen = d->tls_seen;
    free(d);
    finish_or_retry(e, j, rec, seen);
    pump(e);
}

static void start_detect_probe(struct p3s_engine *e, struct job *j)
{
    double connected = p3s_conn_connected_ms(j->conn);
    double left = connected + e->opts.read_timeout_ms - p3s_now_ms();
    if (left < 50)
        return;
    struct tls_detect *d = p3s_xcalloc(1, sizeof *d);
    d->e = e;
    d->job = j;
    long us = (long)(left * 1000);
    struct timeval tv = {us / 1000000, us % 1000000};
    unsigned char rnd[64];
    for (size_t i = 0; i < sizeof rnd; i += 8) {
        uint64_t r = next_random(e);
        memcpy(rnd + i, &r, 8);
    }
    if (p3s_tlssniff_start(e->base, (struct sockaddr *)&j->addr, j->addrlen,
                           j->sni ? j->name : NULL, rnd, &tv, on_detect_probe, d) < 0) {
        free(d); /* out of descriptors: the port keeps its cleartext record */
        return;
    }
    d->probing = 1;
    j->detect = d;
    e->active++;
    char label[400];
    job_label(label, sizeof label, j->name, j->ip, j->port);
    trace(e, "%s: nothing said in %.0f ms, sending a TLS ClientHello beside it", label,
          p3s_now_ms() - connected);
}

static void on_detect_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct job *j = arg;
    struct p3s_engine *e = j->e;
    j->detect_armed = 0;
    if (!j->conn)
        return;
    double connected = p3s_conn_connected_ms(j->conn);
    if (!connected) { /* still connecting: look again later */
        evtimer_add(&j->detect_timer, e->detect_tv);
        j->detect_armed = 1;
        return;
    }
    double wait = e->opts.read_timeout_ms / 2.0 - (p3s_now_ms() - connected);
    if (wait > 1) {
        long us = (long)(wait * 1000);
        struct timeval tv = {us / 1000000, us % 1000000};
        evtimer_add(&j->detect_timer, &tv);
        j->detect_armed = 1;
        return;
    }
    if (!p3s_conn_heard(j->conn) && !e->stopping)
        start_detect_probe(e, j);
}

/* The cleartext connection's first bytes were a TLS record. */
static int tls_answered(const struct p3s_record *rec)
{
    return !rec->implicit_tls && rec->state != P3S_STATE_POP3 && rec->service == P3_SVC_TLS;
}

/* ---- connections ---------------------------------------------------------------------------- */

static void run_unlink(struct p3s_engine *e, struct job *j)
{
    if (j->prev_run)
        j->prev_run->next_run = j->next_run;
    else if (e->running == j)
        e->running = j->next_run;
    if (j->next_run)
        j->next_run->prev_run = j->prev_run;
    j->prev_run = j->next_run = NULL;
}

/* A dialogue's connection ended with rec. */
static void on_conn_done(void *arg, struct p3s_record *rec)
{
    struct job *j = arg;
    struct p3s_engine *e = j->e;
    rec->discovery = j->disc;
    int detecting = detect_applies(e, j);
    struct tls_detect *d = j->detect;
    run_unlink(e, j);
    j->conn = NULL;
    unwatch_for_tls(j);
    if (j->held) {
        rec = pick_retry(rec, j->held);
        j->held = NULL;
    }
    e->active--;
    if (d && d->probing) { /* decided when the probe reports */
        d->job = NULL;
        d->rec = rec;
        d->done = j;
    } else if (d) { /* ended because the probe found TLS */
        int seen = d->tls_seen;
        free(d);
        finish_or_retry(e, j, rec, seen);
    } else {
        finish_or_retry(e, j, rec, detecting && tls_answered(rec));
    }
    pump(e);
}

/* A dialogue's TLS handshake starts (conn.h), after waiting for admission or not. */
static void on_tls_starting(void *arg, double waited_ms)
{
    struct job *j = arg;
    struct p3s_engine *e = j->e;
    if (!e->hooks.trace)
        return;
    char label[400];
    job_label(label, sizeof label, j->name, j->ip, j->port);
    char cap[96] = "no cap";
    if (e->hsgate.cap_max > e->hsgate.cap_min)
        snprintf(cap, sizeof cap, "at most %zu, adapting from %zu to %zu", e->hsgate.cap,
                 e->hsgate.cap_min, e->hsgate.cap_max);
    else if (e->hsgate.cap)
        snprintf(cap, sizeof cap, "at most %zu", e->hsgate.cap);
    trace(e, "%s: TLS handshake, %zu at once (%s), %zu waiting; waited %.0f ms", label,
          e->hsgate.in, cap, e->hsgate.waiting, waited_ms);
}

/* Out of file descriptors: run with fewer connections from now on, and never fewer than one. */
static void lower_limit(struct p3s_engine *e)
{
    size_t lower = e->active > 8 ? e->active - e->active / 8 : 1;
    if (lower < e->limit) {
        e->limit = lower;
        e->lowered = lower;
    }
}

/* Starts the job at the head of the queue. Returns 0, or -1 when no descriptor was free (the
 * job stays first). */
static int start_head(struct p3s_engine *e)
{
    struct job *j = e->head;
    e->head = j->next;
    if (!e->head)
        e->tail = NULL;
    j->next = NULL;
    e->queued--;
    e->active++;
    e->connections++;
    char label[400];
    job_label(label, sizeof label, j->name, j->ip, j->port);
    trace(e, "%s%s: connecting%s", label, j->tls ? " tls" : "",
          j->tls_retry ? " (TLS found on this cleartext port)" : "");
    j->next_run = e->running;
    if (e->running)
        e->running->prev_run = j;
    e->running = j;
    watch_for_tls(e, j);
    struct p3s_conn_job cj = {j->name, j->ip, (struct sockaddr *)&j->addr, j->addrlen,
                              j->tls, j->sni, next_random(e)};
    struct p3s_conn *c;
    if (p3s_conn_start(&e->conn_env, &cj, on_conn_done, j, &c) < 0) {
        run_unlink(e, j);
        unwatch_for_tls(j);
        e->active--;
        e->connections--;
        queue_job(e, j, 1); /* first again; it starts when a descriptor is free */
        return -1;
    }
    j->conn = c; /* NULL when it ended at once: on_conn_done has run */
    return 0;
}

/* --rate (pace.h). Returns 1 when a connection may start now; else arms the timer for when one
 * may and returns 0. */
static int take_token(struct p3s_engine *e)
{
    double wait_ms = p3s_pace_take(&e->pace, p3s_now_ms());
    if (wait_ms <= 0)
        return 1;
    long us = (long)(wait_ms * 1000) + 1;
    struct timeval tv = {us / 1000000, us % 1000000};
    evtimer_add(e->rate_timer, &tv);
    return 0;
}

static void fill_slots(struct p3s_engine *e)
{
    while (e->active < e->limit && !e->aborting) {
        if (e->head) {
            if (!take_token(e))
                return;
            if (start_head(e) < 0) {
                lower_limit(e);
                if (!e->active) { /* nothing will finish to free one: look again soon */
                    struct timeval soon = {0, 100000};
                    evtimer_add(e->rate_timer, &soon);
                }
                return;
            }
            continue;
        }
        if (e->targets && !e->stopping) {
            /* Keep DNS ahead of the connections, but not unboundedly. */
            if (e->resolving >= (size_t)e->opts.dns_concurrency && e->targets->resolve)
                break;
            expand_next(e);
            continue;
        }
        if (e->stopping || e->fed_out || !e->hooks.feed || !e->hooks.feed(e->ctx)) {
            e->fed_out = 1;
            break;
        }
    }
    /* Held back by the slots or by the targets, not by the rate: that time is not owed. */
    p3s_pace_idle(&e->pace);
}

static int all_done(const struct p3s_engine *e)
{
    if (e->aborting)
        return 1;
    return !e->active && !e->resolving && !e->head && !e->targets &&
           (e->stopping || e->fed_out);
}

/* idle() runs from the loop, not from here: a batch that ends before the caller's loop runs
 * (nothing to feed at start) would otherwise break a loop that has not started, which libevent
 * forgets, and the caller would wait for ever. Once per batch. */
static void say_idle(struct p3s_engine *e)
{
    if (e->idle_said)
        return;
    e->idle_said = 1;
    event_active(e->idle_ev, EV_TIMEOUT, 0);
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
    struct p3s_engine *e = arg;
    (void)fd, (void)what;
    if (e->hooks.idle)
        e->hooks.idle(e->ctx);
}

static void pump(struct p3s_engine *e)
{
    if (!e->started)
        return;
    /* A connection that fails at once calls back into pump(): loop here instead of recursing. */
    if (e->pumping) {
        e->repump = 1;
        return;
    }
    e->pumping = 1;
    do {
        e->repump = 0;
        fill_slots(e);
    } while (e->repump);
    e->pumping = 0;
    /* c-ares keeps its sockets open, so the caller's loop would not end by itself. */
    if (all_done(e))
        say_idle(e);
}

static void on_rate_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pump(arg);
}

/* ---- set-up ---------------------------------------------------------------------------- */

struct event_base *p3s_engine_base_new(void)
{
    /* The changelist folds the many enable/disable calls of a loop pass into one epoll_ctl
     * per socket: at thousands of connections those calls were a good part of the time. */
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    /* Servers that never stop sending keep their read events active pass after pass: at most
     * 512 such callbacks before the loop looks at the clock again, and the timers that end
     * steps and deadlines (priority 0) before any I/O (priority 1). */
    event_config_set_max_dispatch_interval(cfg, NULL, 512, 1);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (base && event_base_priority_init(base, 2) < 0) {
        event_base_free(base);
        return NULL;
    }
    return base;
}

static SSL_CTX *make_ssl_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    /* A scanner must reach old servers to report on them: accept any protocol and cipher the
     * server picks. Nothing here is trusted; certificates are inspected, not verified. */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    /* OpenSSL sizes a connection's write buffer by the largest record it may send (16 KiB by
     * default) and keeps it from the start of a handshake, or a post-handshake message such as
     * TLS 1.3's session tickets, to the next write. The scanner sends a ClientHello (well under
     * 1 KiB) and short commands: 2 KiB records hold every one of them in one record, as before,
     * and the buffer is 14 KiB smaller. */
    SSL_CTX_set_max_send_fragment(ctx, 2048);
    return ctx;
}

/* Descriptors kept back from the connections: standard streams, outputs, the resume file, DNS
 * sockets, the event loop's own. */
#define FD_RESERVE 64

/* The engine may hold many sockets: take every descriptor the hard limit allows, and fit the
 * concurrency to it (lowered before the scan rather than by failures midway). */
static size_t fit_fd_limit(size_t asked)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return asked;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= asked + FD_RESERVE)
        return asked;
    return rl.rlim_cur > 2 * FD_RESERVE ? (size_t)rl.rlim_cur - FD_RESERVE : FD_RESERVE;
}

static const struct timeval *common_timeout(struct event_base *base, int ms)
{
    struct timeval tv = {ms / 1000, ms % 1000 * 1000};
    return event_base_init_common_timeout(base, &tv);
}

struct p3s_engine *p3s_engine_new(struct event_base *base, const struct p3s_engine_opts *opts,
                                  const struct p3s_engine_hooks *hooks, void *ctx, char *err,
                                  size_t errlen)
{
    struct p3s_engine *e = p3s_xcalloc(1, sizeof *e);
    e->opts = *opts;
    e->hooks = *hooks;
    e->ctx = ctx;
    e->base = base;
    if (e->opts.dns_concurrency < 1)
        e->opts.dns_concurrency = 1;
    if (getrandom(&e->rng, sizeof e->rng, 0) != sizeof e->rng || e->rng == 0)
        e->rng = (uint64_t)p3s_now_ms() * 2654435761u + 1;
    e->ssl_ctx = make_ssl_ctx();
    if (!e->ssl_ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        p3s_engine_free(e);
        return NULL;
    }
    e->dns = p3s_dns_new(base, opts->resolver, opts->read_timeout_ms, err, errlen);
    if (!e->dns) {
        p3s_engine_free(e);
        return NULL;
    }
    p3s_dns_set_limit(e->dns, (size_t)e->opts.dns_concurrency);
    e->read_tv = common_timeout(base, opts->read_timeout_ms);
    e->connect_tv = common_timeout(base, opts->connect_timeout_ms);
    e->detect_tv = common_timeout(base, opts->read_timeout_ms > 1 ? opts->read_timeout_ms / 2 : 1);
    e->conn_env = (struct p3s_conn_env){
        base,
        e->ssl_ctx,
        opts->connect_timeout_ms,
        opts->read_timeout_ms,
        opts->deadline_ms,
        opts->retries,
        e->read_tv,
        e->connect_tv,
        (opts->user_probe ? P3_OPT_USER_PROBE : 0) | (opts->stls ? P3_OPT_STLS : 0) |
            (opts->ntlm ? P3_OPT_NTLM : 0),
        p3s_conn_inbuf_new(),
        &e->hsgate,
        on_tls_starting,
    };
    e->followup_env = (struct p3s_followup_env){base,
                                                e->ssl_ctx,
                                                opts->read_timeout_ms,
                                                opts->deadline_ms,
                                                opts->tls_versions,
                                                opts->stls_injection};
    e->followup_host = (struct p3s_followup_host){e, slot, followups_done};
    e->identifier = opts->fp ? p3s_identifier_new(opts->fp) : NULL;
    e->limit = fit_fd_limit(opts->concurrency ? opts->concurrency : 1);
    if (e->limit < opts->concurrency)
        e->lowered = e->limit;
    if (opts->tls_handshakes) {
        p3s_hsgate_init(&e->hsgate, opts->tls_handshakes < 0 ? 0 : (size_t)opts->tls_handshakes);
    } else {
        size_t lowest, ceiling = p3s_hsgate_cap_for(e->limit, &lowest);
        p3s_hsgate_init_adaptive(&e->hsgate, lowest, ceiling);
    }
    p3s_pace_init(&e->pace, opts->rate);
    e->rate_timer = evtimer_new(base, on_rate_timer, e);
    e->idle_ev = event_new(base, -1, 0, on_idle, e);
    if (!e->rate_timer || !e->idle_ev) {
        snprintf(err, errlen, "out of memory");
        p3s_engine_free(e);
        return NULL;
    }
    return e;
}

void p3s_engine_start(struct p3s_engine *e)
{
    e->started = 1;
    if (!e->stopping && !e->aborting) {
        e->fed_out = 0; /* again after idle: a caller with a new batch */
        e->idle_said = 0;
    }
    pump(e);
}

/* Targets submitted and not yet expanded when the engine stops are never scanned. */
static void drop_waiting_targets(struct p3s_engine *e)
{
    while (e->targets) {
        struct target *t = e->targets;
        e->targets = t->next;
        if (e->hooks.target_done)
            e->hooks.target_done(e->ctx, t->tag, 0);
        target_free(t);
    }
    e->targets_tail = NULL;
}

void p3s_engine_stop(struct p3s_engine *e)
{
    e->stopping = 1;
    drop_waiting_targets(e);
    pump(e);
}

void p3s_engine_abort(struct p3s_engine *e)
{
    if (e->aborting)
        return;
    e->stopping = 1;
    e->aborting = 1;
    while (e->running) { /* each ends with its record, handed over now */
        struct job *j = e->running;
        if (j->conn)
            p3s_conn_abort(j->conn);
        else
            run_unlink(e, j);
    }
    p3s_tlsprobe_abort_all();
    p3s_injprobe_abort_all();
    p3s_tlssniff_abort_all();
    /* Names still resolving get their records ("scan interrupted") from the DNS teardown. */
    p3s_dns_free(e->dns);
    e->dns = NULL;
    while (e->head) { /* never started: not finished, a resume scans them again */
        struct job *j = e->head;
        e->head = j->next;
        e->queued--;
        target_release(e, j->t);
        job_free(j);
    }
    e->tail = NULL;
    drop_waiting_targets(e);
    say_idle(e);
}

int p3s_engine_aborted(const struct p3s_engine *e)
{
    return e->aborting;
}

void p3s_engine_stats(const struct p3s_engine *e, struct p3s_engine_stats *st)
{
    st->active = e->active;
    st->queued = e->queued;
    st->resolving = e->resolving;
    st->dns_peak = 0;
    st->dns_queries = 0;
    if (e->dns) {
        unsigned long lookups, queries, raw;
        p3s_dns_stats(e->dns, &lookups, &queries);
        p3s_dns_stats_more(e->dns, &st->dns_peak, &raw);
        st->dns_queries = queries + raw;
    }
    st->concurrency = e->limit;
    st->lowered = e->lowered;
    st->connections = e->connections;
    st->targets_done = e->targets_done;
}

void p3s_engine_free(struct p3s_engine *e)
{
    if (!e)
        return;
    if (!e->aborting && (e->running || e->head || e->targets || e->resolving || e->active))
        p3s_engine_abort(e);
    p3s_dns_free(e->dns);
    if (e->rate_timer)
        event_free(e->rate_timer);
    if (e->idle_ev)
        event_free(e->idle_ev);
    p3s_identifier_free(e->identifier);
    p3s_conn_inbuf_free(e->conn_env.inbuf);
    p3s_tlsprobe_cleanup();
    if (e->ssl_ctx)
        SSL_CTX_free(e->ssl_ctx);
    free(e);
}
