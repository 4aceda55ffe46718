/* scan.c — the scheduler of the engine: expands targets into jobs (resolving names with c-ares),
 * keeps up to --concurrency connections open, and streams each finished record to the outputs.
 *
 * Targets are expanded lazily, only when a connection slot is free, so the queue of jobs stays
 * small whatever the number of targets.
 */
#include "scan.h"

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "findings.h"
#include "scan_internal.h"
#include "util.h"

uint64_t p3s_scan_random(struct p3s_scan *scan)
{
    /* xorshift64*: the probe names need to be unguessable per run, not cryptographic. */
    uint64_t x = scan->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    scan->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static void push_job(struct p3s_scan *scan, const char *target, const char *ip, uint16_t port,
                     int tls, int sni)
{
    struct p3s_job *j = p3s_xcalloc(1, sizeof *j);
    j->target = p3s_xstrdup(target);
    snprintf(j->ip, sizeof j->ip, "%s", ip);
    j->port = port;
    j->tls = tls;
    j->sni = sni;
    if (scan->tail)
        scan->tail->next = j;
    else
        scan->head = j;
    scan->tail = j;
}

/* One job per port: the target's own port, or every port of the list. */
static void push_jobs(struct p3s_scan *scan, const char *target, const char *ip, uint16_t port,
                      int sni)
{
    const struct p3s_portlist *pl = &scan->cfg->ports;
    if (port) {
        push_job(scan, target, ip, port, p3s_ports_is_tls(pl, port), sni);
        return;
    }
    for (size_t i = 0; i < pl->n; i++)
        push_job(scan, target, ip, pl->v[i].port, pl->v[i].tls, sni);
}

struct pending_name {
    struct p3s_scan *scan;
    struct p3s_target t;
};

static void pump(struct p3s_scan *scan);
static void fill_slots(struct p3s_scan *scan);

static void on_resolved(void *arg, const struct p3s_dns_result *res)
{
    struct pending_name *pn = arg;
    struct p3s_scan *scan = pn->scan;
    scan->dns_pending--;
    if (res->error) {
        struct p3s_record *r = p3s_record_new(pn->t.host, NULL, pn->t.port, 0);
        p3s_record_set_error(r, P3S_STATE_ERROR, "%s", res->error);
        p3s_scan_emit(scan, r);
    } else {
        for (size_t i = 0; i < res->n; i++)
            push_jobs(scan, pn->t.host, res->addrs[i], pn->t.port, 1);
    }
    free(pn);
    pump(scan);
}

/* Turns the next target into jobs, or starts resolving it. Returns 0 when none is left. */
static int expand_next(struct p3s_scan *scan)
{
    const struct p3s_config *cfg = scan->cfg;
    if (scan->next_target >= cfg->ntargets)
        return 0;
    struct p3s_target t;
    char err[256];
    const char *spec = cfg->targets[scan->next_target++];
    if (p3s_target_parse(spec, &t, err, sizeof err) < 0) {
        /* The CLI checked every target; this is only reached if the two disagree. */
        struct p3s_record *r = p3s_record_new(spec, NULL, 0, 0);
        p3s_record_set_error(r, P3S_STATE_ERROR, "%s", err);
        p3s_scan_emit(scan, r);
        return 1;
    }
    scan->sum->targets++;
    int skip = (t.kind == P3S_TARGET_IPV4 && cfg->family == 6) ||
               (t.kind == P3S_TARGET_IPV6 && cfg->family == 4);
    if (t.kind == P3S_TARGET_NAME) {
        struct pending_name *pn = p3s_xcalloc(1, sizeof *pn);
        pn->scan = scan;
        pn->t = t;
        scan->dns_pending++;
        p3s_dns_resolve(scan->dns, t.host, cfg->family, on_resolved, pn);
    } else if (skip) {
        struct p3s_record *r = p3s_record_new(t.host, t.host, t.port, 0);
        p3s_record_set_error(r, P3S_STATE_ERROR, "address family excluded by -%d",
                             cfg->family);
        p3s_scan_emit(scan, r);
    } else {
        push_jobs(scan, t.host, t.host, t.port, 0);
    }
    return 1;
}

static int all_done(const struct p3s_scan *scan)
{
    return !scan->active && !scan->dns_pending && !scan->head &&
           scan->next_target >= scan->cfg->ntargets;
}

static void pump(struct p3s_scan *scan)
{
    /* A connection that fails at once calls back into pump(): loop here instead of recursing. */
    if (scan->pumping) {
        scan->repump = 1;
        return;
    }
    scan->pumping = 1;
    do {
        scan->repump = 0;
        fill_slots(scan);
    } while (scan->repump);
    scan->pumping = 0;
    /* c-ares keeps its sockets open, so the loop would not end by itself. */
    if (all_done(scan))
        event_base_loopbreak(scan->base);
}

static void fill_slots(struct p3s_scan *scan)
{
    size_t limit = (size_t)scan->cfg->concurrency;
    while (scan->active < limit) {
        struct p3s_job *j = scan->head;
        if (j) {
            scan->head = j->next;
            if (!scan->head)
                scan->tail = NULL;
            scan->active++;
            p3s_conn_start(scan, j);
            continue;
        }
        /* Keep DNS ahead of the connections, but not unboundedly. */
        if (scan->dns_pending >= limit || !expand_next(scan))
            break;
    }
}

void p3s_scan_emit(struct p3s_scan *scan, struct p3s_record *rec)
{
    struct p3s_summary *sum = scan->sum;
    p3s_findings_evaluate(rec);
    sum->records++;
    sum->by_state[rec->state]++;
    sum->confirmed += rec->confirmed;
    for (size_t i = 0; i < rec->nfindings; i++)
        sum->findings_by_severity[rec->findings[i].def->severity]++;
    for (size_t i = 0; i < scan->nouts; i++)
        scan->outs[i].module->record(&scan->outs[i], rec);
    p3s_record_free(rec);
}

void p3s_scan_conn_done(struct p3s_scan *scan, struct p3s_record *rec)
{
    scan->active--;
    p3s_scan_emit(scan, rec);
    pump(scan);
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
    return ctx;
}

int p3s_scan_run(const struct p3s_config *cfg, struct p3s_output *outs, size_t nouts,
                 struct p3s_summary *sum)
{
    struct p3s_scan scan;
    memset(&scan, 0, sizeof scan);
    scan.cfg = cfg;
    scan.outs = outs;
    scan.nouts = nouts;
    scan.sum = sum;
    scan.start_ms = p3s_now_ms();
    if (getrandom(&scan.rng, sizeof scan.rng, 0) != sizeof scan.rng || scan.rng == 0)
        scan.rng = (uint64_t)scan.start_ms * 2654435761u + 1;

    int rc = 3;
    char err[256];
    scan.base = event_base_new();
    scan.ssl_ctx = make_ssl_ctx();
    if (!scan.base || !scan.ssl_ctx) {
        fprintf(stderr, "pop3scan: cannot start the event loop or TLS\n");
        goto out;
    }
    scan.dns = p3s_dns_new(scan.base, cfg->resolver, cfg->read_timeout_ms, err, sizeof err);
    if (!scan.dns) {
        fprintf(stderr, "pop3scan: %s\n", err);
        goto out;
    }
    for (size_t i = 0; i < nouts; i++)
        outs[i].module->begin(&outs[i]);
    pump(&scan);
    if (!all_done(&scan))
        event_base_dispatch(scan.base);
    sum->elapsed_ms = p3s_now_ms() - scan.start_ms;
    for (size_t i = 0; i < nouts; i++)
        outs[i].module->end(&outs[i], sum);
    rc = 0;
out:
    p3s_dns_free(scan.dns);
    if (scan.ssl_ctx)
        SSL_CTX_free(scan.ssl_ctx);
    if (scan.base)
        event_base_free(scan.base);
    return rc;
}
