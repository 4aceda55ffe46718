/* scan.c — the scheduler of the engine: expands targets into jobs (resolving names with c-ares),
 * keeps up to --concurrency connections open, and streams each finished record to the outputs.
 *
 * Targets are expanded lazily, only when a connection slot is free, so the queue of jobs stays
 * small whatever the number of targets.
 */
#include "engine.h"

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "escape.h"
#include "findings.h"
#include "fp.h"
#include "outfile.h"
#include "p3fp_builtin.h"
#include "resume.h"
#include "targetgen.h"
#include "injprobe.h"
#include "tlsprobe.h"
#include "tlssniff.h"
#include "engine_internal.h"
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

static struct p3s_tstate *tstate_new(struct p3s_scan *scan)
{
    struct p3s_tstate *ts = p3s_xcalloc(1, sizeof *ts);
    ts->pos = scan->next_pos - 1;
    return ts;
}

/* One job (or the lookup) of the target is over; the last one finishes the target. Connections
 * ended by an abort are not finished: --resume scans them again. */
static void tstate_release(struct p3s_scan *scan, struct p3s_tstate *ts)
{
    if (--ts->pending)
        return;
    scan->targets_finished++;
    if (scan->cfg->resume && !scan->aborting)
        p3s_resume_mark(scan->cfg->resume, ts->pos);
    free(ts);
}

static struct p3s_job *new_job(struct p3s_scan *scan, struct p3s_tstate *ts, const char *target,
                               const char *ip, uint16_t port, int tls, int sni)
{
    struct p3s_job *j = p3s_xcalloc(1, sizeof *j);
    j->scan = scan;
    j->ts = ts;
    ts->pending++;
    j->target = p3s_xstrdup(target);
    p3s_strlcpy(j->ip, ip, sizeof j->ip);
    j->port = port;
    j->tls = tls;
    j->sni = sni;
    return j;
}

static void push_job(struct p3s_scan *scan, struct p3s_job *j)
{
    if (scan->tail)
        scan->tail->next = j;
    else
        scan->head = j;
    scan->tail = j;
}

/* A job that goes before every waiting one (the TLS retry of a port already being scanned). */
static void push_job_first(struct p3s_scan *scan, struct p3s_job *j)
{
    j->next = scan->head;
    scan->head = j;
    if (!scan->tail)
        scan->tail = j;
}

/* ---- duplicates ------------------------------------------------------------------------
 *
 * The target stream (targetgen.c) removes a target given twice, but not what two different
 * targets reach: 127.0.0.1 and 127.0.0.1:110 with -p 110, or a name and the address it resolves
 * to. Here every (address, port, transport) is scanned once as an address, and a name once per
 * name: a name's address that is given as an address too is not scanned again under the name,
 * while two names on one address are both scanned (each is another TLS name and certificate
 * check). To keep memory bounded whatever the ranges, only what names and HOST:PORT targets
 * scan is remembered (at most P3S_SCAN_SEEN_MAX entries, then nothing more); the addresses of
 * ranges and bare addresses are asked of the target stream, which knows them as intervals.
 * Keys: 'L' an address scanned as an address, 'A' scanned under some name, 'N' under this
 * name (by a 64-bit hash of it); then the transport, the port and the address bytes. */
#define P3S_SCAN_SEEN_MAX 1000000u

enum job_origin { FROM_ADDRESS, FROM_HOSTPORT, FROM_NAME };

static size_t job_key(unsigned char *k, char kind, const char *ip, uint16_t port, int tls,
                      const char *name)
{
    size_t n = 0;
    k[n++] = (unsigned char)kind;
    k[n++] = (unsigned char)tls;
    k[n++] = (unsigned char)(port >> 8);
    k[n++] = (unsigned char)port;
    if (inet_pton(AF_INET, ip, k + n) == 1)
        n += 4;
    else if (inet_pton(AF_INET6, ip, k + n) == 1)
        n += 16;
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

static int job_is_duplicate(struct p3s_scan *scan, enum job_origin from, const char *name,
                            const char *ip, uint16_t port, int tls)
{
    struct p3s_keyset *ks = &scan->seen_jobs;
    unsigned char kl[64], ka[64], kn[64];
    size_t nl = job_key(kl, 'L', ip, port, tls, NULL), na = job_key(ka, 'A', ip, port, tls, NULL);
    if (p3s_keyset_has(ks, kl, nl))
        return 1;
    if (from != FROM_NAME && p3s_keyset_has(ks, ka, na))
        return 1;
    if (from == FROM_ADDRESS)
        return 0;
    /* Given without a port elsewhere (and so scanned on every port of the list), or about to
     * be: the address wins. */
    const struct p3s_portlist *pl = &scan->cfg->ports;
    unsigned way = tls ? P3S_PORT_TLS : P3S_PORT_PLAIN;
    if (pl->kinds && (pl->kinds[port] & way) && p3s_tgen_covers(scan->cfg->gen, ip))
        return 1;
    if (from == FROM_HOSTPORT)
        return p3s_keyset_seen(ks, kl, nl, P3S_SCAN_SEEN_MAX);
    size_t nn = job_key(kn, 'N', ip, port, tls, name);
    if (p3s_keyset_seen(ks, kn, nn, P3S_SCAN_SEEN_MAX))
        return 1;
    p3s_keyset_seen(ks, ka, na, P3S_SCAN_SEEN_MAX);
    return 0;
}

static void say(struct p3s_scan *scan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line of -v detail on standard error (clearing a progress line first). */
static void say(struct p3s_scan *scan, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(scan->progress_tty ? "\r\033[Kpop3scan: " : "pop3scan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* "127.0.0.1:110", "[::1]:995", "mail.test (127.0.0.1):110" for messages. */
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

static void push_one(struct p3s_scan *scan, struct p3s_tstate *ts, enum job_origin from,
                     const char *target, const char *ip, uint16_t port, int tls)
{
    if (job_is_duplicate(scan, from, target, ip, port, tls)) {
        scan->sum->duplicates++;
        if (scan->cfg->verbose >= 2) {
            char label[400];
            job_label(label, sizeof label, target, ip, port);
            say(scan, "%s%s: given more than once, scanned once", label, tls ? " tls" : "");
        }
        return;
    }
    push_job(scan, new_job(scan, ts, target, ip, port, tls, from == FROM_NAME));
}

/* One job per port and transport: the target's own port (scanned as the list says, else in
 * cleartext), or every entry of the list. */
static void push_jobs(struct p3s_scan *scan, struct p3s_tstate *ts, enum job_origin from,
                      const char *target, const char *ip, uint16_t port)
{
    const struct p3s_portlist *pl = &scan->cfg->ports;
    if (port) {
        unsigned kinds = p3s_ports_kinds(pl, port);
        if (kinds & P3S_PORT_PLAIN)
            push_one(scan, ts, from, target, ip, port, 0);
        if (kinds & P3S_PORT_TLS)
            push_one(scan, ts, from, target, ip, port, 1);
        return;
    }
    for (size_t i = 0; i < pl->n; i++)
        push_one(scan, ts, from, target, ip, pl->v[i].port, pl->v[i].tls);
}

struct pending_name {
    struct p3s_scan *scan;
    struct p3s_tstate *ts;
    struct p3s_target t;
};

static void pump(struct p3s_scan *scan);
static void fill_slots(struct p3s_scan *scan);
static void watch_for_tls(struct p3s_scan *scan, struct p3s_job *job);
static void unwatch_for_tls(struct p3s_job *job);

/* A name that did not resolve: counted, and the first few named in the summary. */
static void note_unresolved(struct p3s_scan *scan, const char *name, const char *why)
{
    struct p3s_summary *sum = scan->sum;
    if (sum->unresolved < P3S_UNRESOLVED_SHOWN) {
        char esc[300], buf[512];
        p3s_escape_term(name, strlen(name), esc, sizeof esc);
        snprintf(buf, sizeof buf, "%s (%s)", esc, why);
        sum->unresolved_names[sum->unresolved] = p3s_xstrdup(buf);
    }
    sum->unresolved++;
}

static void on_resolved(void *arg, const struct p3s_dns_result *res)
{
    struct pending_name *pn = arg;
    struct p3s_scan *scan = pn->scan;
    scan->dns_pending--;
    if (res->error || scan->aborting) {
        struct p3s_record *r = p3s_record_new(pn->t.host, NULL, pn->t.port, 0);
        p3s_record_set_error(r, P3S_STATE_ERROR, "%s",
                             scan->aborting ? "scan interrupted" : res->error);
        if (!scan->aborting)
            note_unresolved(scan, pn->t.host, res->error);
        p3s_scan_emit(scan, r);
    } else {
        if (scan->cfg->verbose >= 2) {
            char esc[300], addrs[512] = "";
            p3s_escape_term(pn->t.host, strlen(pn->t.host), esc, sizeof esc);
            for (size_t i = 0, at = 0; i < res->n && at < sizeof addrs; i++)
                at += (size_t)snprintf(addrs + at, sizeof addrs - at, "%s%s", i ? ", " : "",
                                       res->addrs[i]);
            say(scan, "%s resolved to %s", esc, addrs);
        }
        for (size_t i = 0; i < res->n; i++)
            push_jobs(scan, pn->ts, FROM_NAME, pn->t.host, res->addrs[i], pn->t.port);
    }
    tstate_release(scan, pn->ts); /* the lookup's own hold */
    free(pn);
    pump(scan);
}

/* Turns the next target into jobs, or starts resolving it. Returns 0 when none is left. */
static int expand_next(struct p3s_scan *scan)
{
    const struct p3s_config *cfg = scan->cfg;
    if (scan->targets_done)
        return 0;
    struct p3s_target t;
    char err[512];
    int got = p3s_tgen_next(cfg->gen, &t, err, sizeof err);
    if (got == 0) {
        scan->targets_done = 1;
        return 0;
    }
    if (got == -2) { /* a file that cannot be read on: scan the others, then exit 2 */
        fprintf(stderr, "pop3scan: %s\n", err);
        scan->sum->input_failed = 1;
        return 1;
    }
    if (got < 0) { /* a bad line of a -iL file: say where, scan the rest */
        p3s_report_bad_line(&scan->sum->bad_lines, err);
        return 1;
    }
    scan->next_pos++;
    if (scan->cfg->resuming && p3s_resume_is_done(scan->cfg->resume, scan->next_pos - 1)) {
        scan->targets_skipped++;
        return 1;
    }
    scan->sum->targets++;
    struct p3s_tstate *ts = tstate_new(scan);
    ts->pending = 1; /* held until the target is expanded, so it cannot finish half-way */
    int skip = (t.kind == P3S_TARGET_IPV4 && cfg->family == 6) ||
               (t.kind == P3S_TARGET_IPV6 && cfg->family == 4);
    if (t.kind == P3S_TARGET_NAME) {
        struct pending_name *pn = p3s_xcalloc(1, sizeof *pn);
        pn->scan = scan;
        pn->ts = ts;
        pn->t = t;
        scan->dns_pending++;
        p3s_dns_resolve(scan->dns, t.host, cfg->family, on_resolved, pn);
        return 1; /* the lookup keeps the hold */
    }
    if (skip) {
        struct p3s_record *r = p3s_record_new(t.host, t.host, t.port, 0);
        p3s_record_set_error(r, P3S_STATE_ERROR, "address family excluded by -%d",
                             cfg->family);
        p3s_scan_emit(scan, r);
    } else {
        push_jobs(scan, ts, t.port ? FROM_HOSTPORT : FROM_ADDRESS, t.host, t.host, t.port);
    }
    tstate_release(scan, ts);
    return 1;
}

static int all_done(const struct p3s_scan *scan)
{
    if (scan->aborting)
        return 1;
    return !scan->active && !scan->dns_pending && !scan->head &&
           (scan->stopping || scan->targets_done);
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

/* --rate (pace.h). Returns 1 when a connection may start now; else arms the timer for when one
 * may and returns 0. */
static int take_token(struct p3s_scan *scan)
{
    double wait_ms = p3s_pace_take(&scan->pace, p3s_now_ms());
    if (wait_ms <= 0)
        return 1;
    long us = (long)(wait_ms * 1000) + 1;
    struct timeval tv = {us / 1000000, us % 1000000};
    evtimer_add(scan->rate_timer, &tv);
    return 0;
}

static void on_rate_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pump(arg);
}

/* Out of file descriptors: run with fewer connections from now on, and never fewer than one. */
static void lower_limit(struct p3s_scan *scan)
{
    size_t lower = scan->active > 8 ? scan->active - scan->active / 8 : 1;
    if (lower < scan->limit) {
        scan->limit = lower;
        scan->sum->concurrency_lowered = lower;
    }
}

static void fill_slots(struct p3s_scan *scan)
{
    while (scan->active < scan->limit && !scan->aborting) {
        struct p3s_job *j = scan->head;
        if (j) {
            if (!take_token(scan))
                return;
            scan->head = j->next;
            scan->active++;
            scan->conns_started++;
            if (scan->cfg->verbose >= 2) {
                char label[400];
                job_label(label, sizeof label, j->target, j->ip, j->port);
                say(scan, "%s%s: connecting%s", label, j->tls ? " tls" : "",
                    j->tls_retry ? " (TLS found on this cleartext port)" : "");
            }
            watch_for_tls(scan, j);
            if (p3s_conn_start(scan, j) < 0) {
                scan->active--;
                scan->conns_started--;
                unwatch_for_tls(j);
                scan->head = j; /* keep it first; it starts when a descriptor is free */
                lower_limit(scan);
                if (!scan->active) { /* nothing will finish to free one: look again soon */
                    struct timeval soon = {0, 100000};
                    evtimer_add(scan->rate_timer, &soon);
                }
                return;
            }
            if (!scan->head)
                scan->tail = NULL;
            continue;
        }
        /* Keep DNS ahead of the connections, but not unboundedly. */
        if (scan->stopping || scan->dns_pending >= (size_t)scan->cfg->dns_concurrency ||
            !expand_next(scan))
            break;
    }
    /* Held back by the slots or by the targets, not by the rate: that time is not owed. */
    p3s_pace_idle(&scan->pace);
}

/* An output could not be written: the scan stops at once (its message is said already). The
 * stop itself runs from the loop, not from inside the callbacks that were writing. */
static void output_failed(struct p3s_scan *scan)
{
    if (scan->sum->output_failed)
        return;
    scan->sum->output_failed = 1;
    if (scan->stop_ev)
        event_active(scan->stop_ev, 0, 0);
}

/* Ends the scan now: every connection and probe is cut short, no new one starts. */
static void stop_now(struct p3s_scan *scan)
{
    scan->stopping = 1;
    scan->aborting = 1;
    p3s_conn_abort_all(scan);
    p3s_tlsprobe_abort_all();
    p3s_injprobe_abort_all();
    p3s_tlssniff_abort_all();
    event_base_loopbreak(scan->base);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    stop_now(arg);
}

static void write_record(struct p3s_scan *scan, struct p3s_output *o,
                         const struct p3s_record *rec)
{
    if (o->failed || (o->open_only && !p3s_record_answered(rec)))
        return;
    if (o->is_tty && scan->progress_tty) /* the report and the progress share the terminal */
        fputs("\r\033[K", stderr);
    errno = 0;
    int rc = o->module->record(o, rec), err = errno;
    if (p3s_output_check(o, rc, err) < 0)
        output_failed(scan);
}

/* -v: the outcome of every record on standard error. */
static void say_record(struct p3s_scan *scan, const struct p3s_record *rec)
{
    char label[400], what[600];
    if (rec->ip[0])
        job_label(label, sizeof label, rec->target, rec->ip, rec->port);
    else
        p3s_escape_term(rec->target, strlen(rec->target), label, sizeof label);
    size_t n = (size_t)snprintf(what, sizeof what, "%s", p3s_state_name(rec->state));
    if (rec->state == P3S_STATE_POP3)
        n += (size_t)snprintf(what + n, sizeof what - n, " (%s)",
                              rec->confirmed ? "confirmed" : "probable");
    if (rec->error && n < sizeof what) {
        char esc[300];
        p3s_escape_term(rec->error, strlen(rec->error), esc, sizeof esc);
        snprintf(what + n, sizeof what - n, ": %s", esc);
    }
    say(scan, "%s%s%s: %s [%.0f ms]", label, rec->implicit_tls ? " tls" : "",
        rec->tls_detected ? " (TLS found)" : "", what, rec->total_ms);
}

void p3s_scan_emit(struct p3s_scan *scan, struct p3s_record *rec)
{
    struct p3s_summary *sum = scan->sum;
    if (sum->output_failed) { /* the scan is stopping: nothing more is written */
        sum->records++;
        sum->interrupted_records++;
        p3s_record_free(rec);
        return;
    }
    if (scan->fp)
        p3s_identify(scan, rec);
    p3s_findings_evaluate(rec);
    sum->records++;
    /* Records a second signal cut short are not errors of the targets: counted apart. */
    if (scan->aborting && rec->state == P3S_STATE_ERROR)
        sum->interrupted_records++;
    else
        sum->by_state[rec->state]++;
    sum->not_answered += !p3s_record_answered(rec);
    sum->confirmed += rec->confirmed;
    for (size_t i = 0; i < rec->nfindings; i++)
        sum->findings_by_severity[rec->findings[i].def->severity]++;
    if (scan->cfg->verbose)
        say_record(scan, rec);
    for (size_t i = 0; i < scan->nouts; i++)
        write_record(scan, &scan->outs[i], rec);
    p3s_record_free(rec);
    if (!scan->flush_pending && scan->flush_ev) {
        scan->flush_pending = 1;
        event_active(scan->flush_ev, 0, 0);
    }
}

/* Returns 0, or -1 when an output failed (now or before). */
static int flush_outputs(struct p3s_scan *scan)
{
    scan->flush_pending = 0;
    for (size_t i = 0; i < scan->nouts; i++) {
        struct p3s_output *o = &scan->outs[i];
        if (o->failed)
            continue;
        errno = 0;
        int rc = fflush(o->fp), err = errno;
        if (p3s_output_check(o, rc, err) < 0)
            output_failed(scan);
    }
    return scan->sum->output_failed ? -1 : 0;
}

/* Records stream out: they reach the outputs' files at the end of the loop pass that finished
 * them, one write for many records rather than one each. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    flush_outputs(arg);
}

/* --resume: what is marked finished has been flushed to every output, and the outputs are
 * under their final names, first; after an output failed the state is left as it was last
 * saved, which counts only what was written. */
static void save_resume(struct p3s_scan *scan, int complete)
{
    char err[512];
    if (flush_outputs(scan) < 0)
        return;
    if (p3s_outputs_commit(scan->outs, scan->nouts) < 0) {
        scan->sum->output_failed = 1;
        if (scan->stop_ev)
            event_active(scan->stop_ev, 0, 0);
        return;
    }
    if (p3s_resume_save(scan->cfg->resume, complete, err, sizeof err) < 0)
        fprintf(stderr, "pop3scan: %s\n", err);
}

static void on_save_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    save_resume(arg, 0);
}

/* ---- after the dialogue: TLS versions and STLS injection, one connection each ----------- */


/* A record waiting for the checks that follow its dialogue. */
struct post_check {
    struct p3s_scan *scan;
    struct p3s_record *rec;
    struct p3s_tstate *ts;
    int pending;
    unsigned open; /* bit i: the probe of PROTO_VERSION[i] holds a connection slot */
};

static void finish_record(struct p3s_scan *scan, struct p3s_record *rec, struct p3s_tstate *ts)
{
    p3s_scan_emit(scan, rec);
    tstate_release(scan, ts);
}

/* One check ended: the record goes out with the last. */
static void post_check_done(struct post_check *pc)
{
    if (--pc->pending)
        return;
    struct p3s_scan *scan = pc->scan;
    finish_record(scan, pc->rec, pc->ts);
    free(pc);
    pump(scan);
}

static void on_tls_probe(void *arg, int version, enum p3s_tlsprobe_result result,
                         const char *detail)
{
    (void)detail; /* why, for a reader of tlsprobe; the record keeps the result */
    struct post_check *pc = arg;
    int i = p3s_tls_proto_of_code(version);
    if (i >= 0) {
        pc->rec->tls_proto[i] = (signed char)result;
        if (pc->open & 1u << i) { /* the slot is given back by whichever way it ended */
            pc->open &= ~(1u << i);
            pc->scan->active--;
        }
    }
    post_check_done(pc);
}

/* A POP3 service that did TLS gets one ClientHello per protocol version, on new connections and
 * the same way in (STLS or implicit), to learn which versions it accepts; the version the
 * scanner's own connection negotiated is accepted already and not asked again. Each probe
 * counts as an open connection. */
static void start_tls_checks(struct post_check *pc, const struct sockaddr_storage *ss,
                             socklen_t sslen, int sni)
{
    struct p3s_scan *scan = pc->scan;
    struct p3s_record *rec = pc->rec;
    const struct p3s_config *cfg = scan->cfg;
    struct timeval tv = {cfg->read_timeout_ms / 1000, cfg->read_timeout_ms % 1000 * 1000};
    int negotiated = p3s_tls_proto_of_name(rec->tls_version);
    for (int i = 0; i < P3S_PROTO_COUNT; i++) {
        int version = P3S_TLS_PROTOS[i].code;
        char why[128];
        pc->pending++;
        if (i == negotiated) {
            on_tls_probe(pc, version, P3S_TLSPROBE_ACCEPTED, rec->tls_cipher);
            continue;
        }
        if (!p3s_tlsprobe_supported(version, why, sizeof why)) {
            on_tls_probe(pc, version, P3S_TLSPROBE_UNSUPPORTED, why);
            continue;
        }
        scan->active++;
        pc->open |= 1u << i;
        if (p3s_tlsprobe_start(scan->base, (const struct sockaddr *)ss, sslen,
                               !rec->implicit_tls, version, sni ? rec->target : NULL,
                               &tv, on_tls_probe, pc) < 0) {
            snprintf(why, sizeof why, "not probed: %s", strerror(errno));
            on_tls_probe(pc, version, P3S_TLSPROBE_ERROR, why);
        }
    }
}

static void on_inject_probe(void *arg, const struct p3s_injprobe_result *res)
{
    struct post_check *pc = arg;
    struct p3s_record *r = pc->rec;
    r->inject_tested = 1;
    r->inject = res->verdict;
    free(r->inject_detail);
    r->inject_detail = p3s_xstrdup(res->detail);
    if (res->verdict == P3_INJ_VULNERABLE)
        p3s_bytes_set(r, &r->inject_evidence, res->evidence, res->evidence_len);
    if (res->cleartext_len)
        p3s_bytes_set(r, &r->inject_cleartext, res->cleartext, res->cleartext_len);
    pc->scan->active--;
    post_check_done(pc);
}

/* A cleartext port whose STLS upgrade worked gets the STLS command injection check (injprobe.h)
 * on a connection of its own. A server already seen answering out of step gets a settle wait
 * after its greeting there too. */
static void start_inject_check(struct post_check *pc, const struct sockaddr_storage *ss,
                               socklen_t sslen, int sni)
{
    struct p3s_scan *scan = pc->scan;
    const struct p3s_config *cfg = scan->cfg;
    int settle = pc->rec->nunsolicited ? P3S_SETTLE_MIN_MS : 0;
    pc->pending++;
    scan->active++;
    if (p3s_injprobe_start(scan->base, scan->ssl_ctx, (const struct sockaddr *)ss, sslen,
                           sni ? pc->rec->target : NULL, settle, cfg->read_timeout_ms,
                           cfg->deadline_ms, on_inject_probe, pc) < 0) {
        char why[128];
        snprintf(why, sizeof why, "not checked: %s", strerror(errno));
        struct p3s_injprobe_result res = {P3_INJ_INCONCLUSIVE, why, "", 0, "", 0};
        on_inject_probe(pc, &res);
    }
}

/* Starts the checks that follow the dialogue. Returns 1 when they own the record now. */
static int start_post_checks(struct p3s_scan *scan, struct p3s_record *rec,
                             struct p3s_tstate *ts, int sni)
{
    const struct p3s_config *cfg = scan->cfg;
    struct sockaddr_storage ss;
    socklen_t sslen;
    int versions = cfg->tls_versions && rec->tls_version[0];
    int inject = cfg->stls_injection && !rec->implicit_tls && rec->stls_upgraded;
    if (scan->stopping || rec->state != P3S_STATE_POP3 || !(versions || inject) ||
        p3s_sockaddr_fill(rec->ip, rec->port, &ss, &sslen) < 0)
        return 0;
    struct post_check *pc = p3s_xcalloc(1, sizeof *pc);
    *pc = (struct post_check){scan, rec, ts, 1, 0}; /* one hold while starting them */
    if (versions)
        start_tls_checks(pc, &ss, sslen, sni);
    if (inject)
        start_inject_check(pc, &ss, sslen, sni);
    if (--pc->pending == 0) { /* every check ended at once */
        finish_record(scan, rec, ts);
        free(pc);
    }
    return 1;
}

/* ---- TLS where it was not asked ------------------------------------------------------
 *
 * POP3 over TLS on a port not marked tls: sends nothing and waits for a ClientHello, so a
 * cleartext scan of it would only say "timeout". When a cleartext connection has heard nothing
 * half a read timeout after it connected, a ClientHello is sent to the port on a second
 * connection (tlssniff.c: no TLS session, a few hundred bytes), bounded to end when the first
 * one's read timeout does: a silent port (a tarpit) costs one more connection but no more time
 * and little memory. If a TLS handshake or alert record comes back, or the cleartext
 * connection's first bytes were a TLS record,
 * the port is scanned again with implicit TLS and that record (transport tls, tls_detected)
 * replaces the cleartext one. --no-tls-detect turns this off; a port the list already scans
 * with tls: is left to that job. */
struct tls_detect {
    struct p3s_scan *scan;
    struct p3s_job *job;    /* the cleartext job while its connection runs, then NULL */
    int probing;            /* the ClientHello probe runs (it holds a connection slot) */
    int tls_seen;           /* a TLS handshake or alert record answered it */
    struct p3s_record *rec; /* the cleartext record, held until the probe reports */
    struct p3s_tstate *ts;
    int sni;
};

static int detect_applies(const struct p3s_scan *scan, const struct p3s_job *job)
{
    return scan->cfg->tls_detect && !job->tls && !job->tls_retry && !scan->aborting &&
           !(p3s_ports_kinds(&scan->cfg->ports, job->port) & P3S_PORT_TLS);
}

static void on_detect_timer(evutil_socket_t fd, short what, void *arg);

static void watch_for_tls(struct p3s_scan *scan, struct p3s_job *job)
{
    if (!detect_applies(scan, job))
        return;
    evtimer_assign(&job->detect_timer, scan->base, on_detect_timer, job);
    evtimer_add(&job->detect_timer, scan->detect_tv);
    job->detect_armed = 1;
}

static void unwatch_for_tls(struct p3s_job *job)
{
    if (job->detect_armed)
        event_del(&job->detect_timer);
    job->detect_armed = 0;
}

/* Scans the port again with implicit TLS; the cleartext record is held, to be reported if the
 * retry gets less far. The retry goes before every waiting job: the target is being scanned
 * already. */
static void retry_with_tls(struct p3s_scan *scan, struct p3s_record *rec, struct p3s_tstate *ts,
                           int sni)
{
    if (scan->cfg->verbose >= 2) {
        char label[400];
        job_label(label, sizeof label, rec->target, rec->ip, rec->port);
        say(scan, "%s: TLS found on this cleartext port, scanning it with TLS", label);
    }
    struct p3s_job *j = new_job(scan, ts, rec->target, rec->ip, rec->port, 1, sni);
    j->tls_retry = 1;
    j->held = rec;
    push_job_first(scan, j);
    tstate_release(scan, ts); /* the cleartext job's hold; the retry holds the target now */
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

/* The cleartext record with what the probe found: retried, or finished as it is. */
static void finish_or_retry(struct p3s_scan *scan, struct p3s_record *rec, struct p3s_tstate *ts,
                            int sni, int tls_seen)
{
    if (tls_seen && rec->state != P3S_STATE_POP3 && !scan->aborting) {
        retry_with_tls(scan, rec, ts, sni);
        return;
    }
    if (!start_post_checks(scan, rec, ts, sni))
        finish_record(scan, rec, ts);
}

static void on_detect_probe(void *arg, enum p3s_tlssniff_result result)
{
    struct tls_detect *d = arg;
    struct p3s_scan *scan = d->scan;
    scan->active--;
    d->probing = 0;
    d->tls_seen = result == P3S_TLSSNIFF_TLS || result == P3S_TLSSNIFF_ALERT;
    if (d->job) { /* the cleartext connection still waits */
        if (d->tls_seen) {
            p3s_conn_end_for_tls(scan, d->job); /* its end comes back with d */
        } else {
            d->job->detect = NULL;
            free(d);
        }
        pump(scan);
        return;
    }
    struct p3s_record *rec = d->rec;
    struct p3s_tstate *ts = d->ts;
    int sni = d->sni, seen = d->tls_seen;
    free(d);
    finish_or_retry(scan, rec, ts, sni, seen);
    pump(scan);
}

static void start_detect_probe(struct p3s_scan *scan, struct p3s_job *job)
{
    const struct p3s_config *cfg = scan->cfg;
    struct sockaddr_storage ss;
    socklen_t sslen;
    double left = job->connected_ms + cfg->read_timeout_ms - p3s_now_ms();
    if (left < 50 || p3s_sockaddr_fill(job->ip, job->port, &ss, &sslen) < 0)
        return;
    struct tls_detect *d = p3s_xcalloc(1, sizeof *d);
    d->scan = scan;
    d->job = job;
    d->sni = job->sni;
    long us = (long)(left * 1000);
    struct timeval tv = {us / 1000000, us % 1000000};
    unsigned char rnd[64];
    for (size_t i = 0; i < sizeof rnd; i += 8) {
        uint64_t r = p3s_scan_random(scan);
        memcpy(rnd + i, &r, 8);
    }
    if (p3s_tlssniff_start(scan->base, (struct sockaddr *)&ss, sslen,
                           job->sni ? job->target : NULL, rnd, &tv, on_detect_probe, d) < 0) {
        free(d); /* out of descriptors: the port keeps its cleartext record */
        return;
    }
    d->probing = 1;
    job->detect = d;
    scan->active++;
    if (cfg->verbose >= 2) {
        char label[400];
        job_label(label, sizeof label, job->target, job->ip, job->port);
        say(scan, "%s: nothing said in %.0f ms, sending a TLS ClientHello beside it", label,
            p3s_now_ms() - job->connected_ms);
    }
}

static void on_detect_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct p3s_job *job = arg;
    struct p3s_scan *s = job->scan;
    job->detect_armed = 0;
    if (!job->connected_ms) { /* still connecting: look again later */
        evtimer_add(&job->detect_timer, s->detect_tv);
        job->detect_armed = 1;
        return;
    }
    double wait = s->cfg->read_timeout_ms / 2.0 - (p3s_now_ms() - job->connected_ms);
    if (wait > 1) {
        long us = (long)(wait * 1000);
        struct timeval tv = {us / 1000000, us % 1000000};
        evtimer_add(&job->detect_timer, &tv);
        job->detect_armed = 1;
        return;
    }
    if (!job->heard && !s->stopping)
        start_detect_probe(s, job);
}

/* The cleartext connection's first bytes were a TLS record. */
static int tls_answered(const struct p3s_record *rec)
{
    return !rec->implicit_tls && rec->state != P3S_STATE_POP3 && rec->service == P3_SVC_TLS;
}

void p3s_scan_conn_done(struct p3s_scan *scan, struct p3s_job *job, struct p3s_record *rec)
{
    struct p3s_tstate *ts = job->ts;
    int sni = job->sni;
    int detecting = detect_applies(scan, job);
    struct tls_detect *d = job->detect;
    unwatch_for_tls(job);
    if (job->held)
        rec = pick_retry(rec, job->held);
    free(job->target);
    free(job);
    scan->active--;
    if (d && d->probing) { /* decided when the probe reports */
        d->job = NULL;
        d->rec = rec;
        d->ts = ts;
    } else if (d) { /* ended because the probe found TLS */
        int seen = d->tls_seen;
        free(d);
        finish_or_retry(scan, rec, ts, sni, seen);
    } else {
        finish_or_retry(scan, rec, ts, sni, detecting && tls_answered(rec));
    }
    pump(scan);
}

/* ---- identification -------------------------------------------------------------------- */

/* The text after the status word and one space ("+OK Dovecot ready." → "Dovecot ready."). */
static void after_status(const struct p3s_bytes *b, const char **p, size_t *n)
{
    size_t skip = b->n >= 3 && memcmp(b->p, "+OK", 3) == 0    ? 3
                  : b->n >= 4 && memcmp(b->p, "-ERR", 4) == 0 ? 4
                                                              : 0;
    if (skip < b->n && b->p[skip] == ' ')
        skip++;
    *p = b->p + skip;
    *n = b->n - skip;
}

static int is_err(const struct p3s_bytes *b)
{
    return b->p && b->n >= 4 && memcmp(b->p, "-ERR", 4) == 0;
}

/* Identification is a pure function of its inputs, and a scan meets the same software over and
 * over (a range of one provider's servers): the answers for recent inputs are kept, keyed by the
 * exact bytes of every field, so the rules run once per distinct server rather than per target.
 * It took a sixth of the scanner's user time on a /16. */
#define FP_CACHE_SLOTS 256
#define FP_CACHE_KEY_MAX 4096

struct fp_cache_slot {
    uint64_t hash;
    char *key;
    size_t len;
    int matched;
    struct p3fp_match m;
};

struct p3s_fpcache {
    struct fp_cache_slot slot[FP_CACHE_SLOTS];
};

static size_t key_field(char *key, size_t at, const char *p, size_t n)
{
    if (at + 5 + n > FP_CACHE_KEY_MAX)
        return SIZE_MAX;
    key[at] = p ? 1 : 0; /* seen and empty differs from not seen */
    memcpy(key + at + 1, &n, 4);
    memcpy(key + at + 5, p ? p : "", n);
    return at + 5 + n;
}

/* The cache key of an input, or 0 when it is too long to keep. */
static size_t input_key(const struct p3fp_input *in, char *key)
{
    const char *p[] = {in->greeting, in->implementation, in->capa, in->error,
                       in->cert,     in->user,           in->stls, in->quit};
    size_t n[] = {in->greeting_len, in->implementation_len, in->capa_len, in->error_len,
                  in->cert_len,     in->user_len,           in->stls_len, in->quit_len};
    size_t at = 0;
    for (size_t i = 0; i < sizeof p / sizeof p[0] && at != SIZE_MAX; i++)
        at = n[i] >= FP_CACHE_KEY_MAX ? SIZE_MAX : key_field(key, at, p[i], n[i]);
    return at == SIZE_MAX ? 0 : at;
}

static int identify_cached(struct p3s_scan *scan, const struct p3fp_input *in,
                           struct p3fp_match *m)
{
    char key[FP_CACHE_KEY_MAX];
    size_t len = input_key(in, key);
    if (!len)
        return p3fp_identify(scan->fp, in, m);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
    if (!scan->fpcache)
        scan->fpcache = p3s_xcalloc(1, sizeof *scan->fpcache);
    struct fp_cache_slot *s = &scan->fpcache->slot[h % FP_CACHE_SLOTS];
    if (s->key && s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
        *m = s->m;
        return s->matched;
    }
    int matched = p3fp_identify(scan->fp, in, m);
    free(s->key);
    s->key = p3s_xmalloc(len);
    memcpy(s->key, key, len);
    s->len = len;
    s->hash = h;
    s->matched = matched;
    s->m = *m;
    return matched;
}

static void fpcache_free(struct p3s_fpcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < FP_CACHE_SLOTS; i++)
        free(c->slot[i].key);
    free(c);
}

/* Fills rec->product from what the dialogue saw (fingerprints/README.md lists the sources). */
void p3s_identify(struct p3s_scan *scan, struct p3s_record *rec)
{
    if (rec->state != P3S_STATE_POP3 || !rec->greeting.p)
        return;
    struct p3fp_input in;
    memset(&in, 0, sizeof in);
    after_status(&rec->greeting, &in.greeting, &in.greeting_len);
    const struct p3s_list *capa = rec->capa.present ? &rec->capa : &rec->capa_tls;
    char *names = NULL, *cert = NULL;
    if (capa->present) {
        size_t n = 0;
        for (size_t i = 0; i < capa->n; i++)
            n += capa->v[i].n + 1;
        names = p3s_xmalloc(n + 1);
        char *w = names;
        for (size_t i = 0; i < capa->n; i++) {
            const struct p3s_bytes *b = &capa->v[i];
            if (!in.implementation && b->n > 15 && strncasecmp(b->p, "IMPLEMENTATION ", 15) == 0) {
                in.implementation = b->p + 15;
                in.implementation_len = b->n - 15;
            }
            for (size_t k = 0; k < b->n; k++)
                *w++ = (char)(b->p[k] >= 'a' && b->p[k] <= 'z' ? b->p[k] - 32 : b->p[k]);
            *w++ = '\n';
        }
        in.capa = names;
        in.capa_len = n ? n - 1 : 0;
    }
    const struct p3s_bytes *err = is_err(&rec->user_reply)   ? &rec->user_reply
                                  : is_err(&rec->capa_reply) ? &rec->capa_reply
                                                             : NULL;
    if (err)
        after_status(err, &in.error, &in.error_len);
    in.user = rec->user_reply.p;
    in.user_len = rec->user_reply.n;
    in.stls = rec->stls_reply.p;
    in.stls_len = rec->stls_reply.n;
    in.quit = rec->quit_reply.p;
    in.quit_len = rec->quit_reply.n;
    if (rec->cert && rec->cert->present) {
        size_t n = strlen(rec->cert->subject) + strlen(rec->cert->issuer) + 3;
        cert = p3s_xmalloc(n);
        in.cert_len = (size_t)snprintf(cert, n, "%s, %s", rec->cert->subject, rec->cert->issuer);
        in.cert = cert;
    }
    struct p3fp_match m;
    if (identify_cached(scan, &in, &m)) {
        rec->product = p3s_xmalloc(sizeof m);
        *rec->product = m;
    }
    free(names);
    free(cert);
}

/* The built-in fingerprints, then those of --fingerprints files. */
static struct p3fp_db *load_fingerprints(const struct p3s_config *cfg)
{
    char err[512];
    struct p3fp_db *db = p3fp_db_new();
    if (!db || p3fp_db_load_builtin(db, err, sizeof err) < 0) {
        fprintf(stderr, "pop3scan: built-in fingerprints: %s\n", db ? err : "out of memory");
        p3fp_db_free(db);
        return NULL;
    }
    for (size_t i = 0; i < cfg->nfingerprint_files; i++) {
        size_t len;
        char *buf = p3s_read_file(cfg->fingerprint_files[i], &len, err, sizeof err);
        if (!buf || p3fp_db_load(db, buf, len, cfg->fingerprint_files[i], err, sizeof err) < 0) {
            fprintf(stderr, "pop3scan: --fingerprints: %s\n", err);
            free(buf);
            p3fp_db_free(db);
            return NULL;
        }
        free(buf);
    }
    return db;
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
    return ctx;
}

/* SIGINT/SIGTERM: the first stops new work and lets what is in flight finish; the second
 * ends every connection at once (each still gets its record, marked interrupted). The first
 * says so on standard error whether or not it is a terminal: a scan run from a script or a
 * service manager must leave the reason it stopped early in its log. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct p3s_scan *scan = arg;
    scan->sum->interrupted = (int)sig;
    if (scan->stopping) {
        stop_now(scan);
        return;
    }
    scan->stopping = 1;
    fprintf(stderr, "%spop3scan: %s: finishing %zu connection%s in flight (again to abort)\n",
            scan->progress_tty ? "\n" : "", sig == SIGINT ? "interrupted" : "terminated",
            scan->active, scan->active == 1 ? "" : "s");
    pump(scan);
}

/* The progress line names what it counts: targets finished (of how many, when known), the
 * targets and the connections started per second (--rate paces the latter), records, POP3
 * services, connections in flight; an ETA only while the total is known and the scan is not
 * stopping. */
static void print_progress(struct p3s_scan *scan, int final)
{
    const struct p3s_summary *sum = scan->sum;
    double secs = (p3s_now_ms() - scan->start_ms) / 1000.0;
    uint64_t done = scan->targets_finished;
    double trate = secs > 0 ? (double)done / secs : 0;
    double crate = secs > 0 ? (double)scan->conns_started / secs : 0;
    char total[32] = "", tail[48] = "", skipped[48] = "";
    uint64_t expect = scan->expected_targets;
    if (expect) {
        expect -= scan->targets_skipped < expect ? scan->targets_skipped : expect;
        snprintf(total, sizeof total, "/%llu", (unsigned long long)expect);
    }
    if (scan->stopping || sum->interrupted)
        snprintf(tail, sizeof tail, ", interrupted");
    else if (expect && trate > 0 && expect > done && !final)
        snprintf(tail, sizeof tail, ", ETA %.0f s", (double)(expect - done) / trate);
    if (scan->targets_skipped)
        snprintf(skipped, sizeof skipped, " (%llu done before)",
                 (unsigned long long)scan->targets_skipped);
    fprintf(stderr,
            "%s%llu%s targets%s, %.0f targets/s, %.0f connections/s, %zu records, %zu POP3, "
            "%zu in flight%s%s",
            scan->progress_tty ? "\r\033[K" : "", (unsigned long long)done, total, skipped,
            trate, crate, sum->records, sum->by_state[P3S_STATE_POP3], scan->active, tail,
            scan->progress_tty && !final ? "" : "\n");
    fflush(stderr);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    print_progress(arg, 0);
}

/* Descriptors kept back from the connections: standard streams, outputs, the resume file, DNS
 * sockets, the event loop's own. */
#define FD_RESERVE 64

/* The scan may hold many sockets: take every descriptor the hard limit allows, and say so when
 * -c asks for more connections than that (lowered before the scan, not by failures midway).
 * Returns the concurrency to use. */
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
    size_t fit = rl.rlim_cur > 2 * FD_RESERVE ? (size_t)rl.rlim_cur - FD_RESERVE : FD_RESERVE;
    fprintf(stderr,
            "pop3scan: -c %zu is more connections than this process may open (%llu file "
            "descriptors, ulimit -n); using -c %zu\n",
            asked, (unsigned long long)rl.rlim_cur, fit);
    return fit;
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
    /* The changelist folds the many enable/disable calls of a loop pass into one epoll_ctl
     * per socket: at thousands of connections those calls were a good part of the time. */
    struct event_config *ecfg = event_config_new();
    if (ecfg) {
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        /* Servers that never stop sending keep their read events active pass after pass: at
         * most 512 such callbacks before the loop looks at the clock again, and the timers that
         * end steps and deadlines (priority 0) before any I/O (priority 1). */
        event_config_set_max_dispatch_interval(ecfg, NULL, 512, 1);
        scan.base = event_base_new_with_config(ecfg);
        event_config_free(ecfg);
        if (scan.base)
            event_base_priority_init(scan.base, 2);
    }
    scan.ssl_ctx = make_ssl_ctx();
    if (!scan.base || !scan.ssl_ctx) {
        fprintf(stderr, "pop3scan: cannot start the event loop or TLS\n");
        goto out;
    }
    struct timeval rtv = {cfg->read_timeout_ms / 1000, cfg->read_timeout_ms % 1000 * 1000};
    struct timeval ctv = {cfg->connect_timeout_ms / 1000, cfg->connect_timeout_ms % 1000 * 1000};
    scan.read_tv = event_base_init_common_timeout(scan.base, &rtv);
    scan.connect_tv = event_base_init_common_timeout(scan.base, &ctv);
    int half = cfg->read_timeout_ms > 1 ? cfg->read_timeout_ms / 2 : 1;
    struct timeval dtv = {half / 1000, half % 1000 * 1000};
    scan.detect_tv = event_base_init_common_timeout(scan.base, &dtv);
    scan.fp = load_fingerprints(cfg);
    if (!scan.fp) {
        rc = 2;
        goto out;
    }
    scan.dns = p3s_dns_new(scan.base, cfg->resolver, cfg->read_timeout_ms, err, sizeof err);
    if (!scan.dns) {
        fprintf(stderr, "pop3scan: %s\n", err);
        goto out;
    }
    scan.limit = fit_fd_limit((size_t)cfg->concurrency);
    if (scan.limit < (size_t)cfg->concurrency)
        sum->concurrency_lowered = scan.limit;
    uint64_t total = p3s_tgen_total(cfg->gen);
    scan.expected_targets = total == UINT64_MAX ? 0 : total;
    scan.flush_ev = event_new(scan.base, -1, 0, on_flush, &scan);
    scan.stop_ev = event_new(scan.base, -1, 0, on_stop, &scan);
    if (cfg->resume) {
        if (cfg->resuming && p3s_resume_complete(cfg->resume))
            fprintf(stderr, "pop3scan: --resume: %s says this scan is complete; nothing left "
                            "to scan\n", cfg->resume_path);
        scan.save_timer = event_new(scan.base, -1, EV_PERSIST, on_save_timer, &scan);
        struct timeval every = {1, 0};
        event_add(scan.save_timer, &every);
    }
    p3s_pace_init(&scan.pace, cfg->rate);
    scan.rate_timer = evtimer_new(scan.base, on_rate_timer, &scan);
    struct event *sigint = evsignal_new(scan.base, SIGINT, on_signal, &scan);
    struct event *sigterm = evsignal_new(scan.base, SIGTERM, on_signal, &scan);
    evsignal_add(sigint, NULL);
    evsignal_add(sigterm, NULL);
    struct event *progress = NULL;
    scan.progress_tty = isatty(STDERR_FILENO) && (cfg->progress || !cfg->quiet);
    if (cfg->progress || scan.progress_tty) {
        /* At most four updates a second on a terminal, one a second in a log. */
        progress = event_new(scan.base, -1, EV_PERSIST, on_progress, &scan);
        struct timeval tv = {scan.progress_tty ? 0 : 1, scan.progress_tty ? 250000 : 0};
        event_add(progress, &tv);
    }
    sum->start_wall = (double)p3s_wall_ms() / 1000.0;
    for (size_t i = 0; i < nouts; i++) {
        errno = 0;
        int brc = outs[i].module->begin(&outs[i]), berr = errno;
        if (p3s_output_check(&outs[i], brc, berr) < 0)
            output_failed(&scan);
    }
    if (!sum->output_failed)
        pump(&scan);
    if (!all_done(&scan) && !sum->output_failed)
        event_base_dispatch(scan.base);
    sum->elapsed_ms = p3s_now_ms() - scan.start_ms;
    sum->end_wall = (double)p3s_wall_ms() / 1000.0;
    if (progress) {
        print_progress(&scan, 1);
        event_free(progress);
    }
    event_free(sigint);
    event_free(sigterm);
    event_free(scan.rate_timer);
    p3s_report_bad_line(&sum->bad_lines, NULL);
    p3s_dns_free(scan.dns); /* an abort: names still resolving get their records now */
    scan.dns = NULL;
    while (scan.head) { /* jobs never started after an interrupt */
        struct p3s_job *j = scan.head;
        scan.head = j->next;
        p3s_record_free(j->held);
        if (--j->ts->pending == 0) /* unfinished: --resume scans it again */
            free(j->ts);
        free(j->target);
        free(j);
    }
    for (size_t i = 0; i < nouts; i++) { /* every module frees its state, failed or not */
        errno = 0;
        int erc = outs[i].module->end(&outs[i], sum), eerr = errno;
        if (!outs[i].failed && p3s_output_check(&outs[i], erc, eerr) < 0)
            sum->output_failed = 1;
    }
    if (cfg->resume) {
        event_free(scan.save_timer);
        save_resume(&scan, scan.targets_done && !scan.stopping && !scan.aborting);
    }
    event_free(scan.flush_ev);
    event_free(scan.stop_ev);
    scan.stop_ev = NULL;
    rc = 0;
out:
    p3s_dns_free(scan.dns);
    p3s_keyset_free(&scan.seen_jobs);
    p3fp_db_free(scan.fp);
    fpcache_free(scan.fpcache);
    p3s_tlsprobe_cleanup();
    if (scan.ssl_ctx)
        SSL_CTX_free(scan.ssl_ctx);
    if (scan.base)
        event_base_free(scan.base);
    return rc;
}

#define BAD_LINES_SHOWN 100

void p3s_report_bad_line(size_t *count, const char *msg)
{
    if (!msg) {
        if (*count > BAD_LINES_SHOWN)
            fprintf(stderr, "pop3scan: %zu more bad target lines not shown (%zu in all)\n",
                    *count - BAD_LINES_SHOWN, *count);
        return;
    }
    if (++*count <= BAD_LINES_SHOWN)
        fprintf(stderr, "pop3scan: %s\n", msg);
}
