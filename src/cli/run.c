/* run.c — the front end of a scan (see run.h): the engine fed from the target stream, records to
 * the outputs and the summary, progress, signals and --resume.
 */
#include "run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dedupe.h"
#include "engine.h"
#include "escape.h"
#include "findings.h"
#include "fp.h"
#include "memcap.h"
#include "outfile.h"
#include "p3fp_builtin.h"
#include "resume.h"
#include "targetgen.h"
#include "util.h"

struct run {
    const struct p3s_config *cfg;
    struct event_base *base;
    struct p3s_engine *engine;
    struct p3s_output *outs;
    size_t nouts;
    struct p3s_summary *sum;
    struct p3s_dedupe dedupe;
    struct p3s_engine_port *ports; /* the port list as jobs take it */
    size_t nports;
    struct p3s_engine_port *kept;  /* room for the ports of one address target */
    int targets_done;      /* the target stream is exhausted */
    int idle;              /* the engine said it has nothing left */
    int stopping;          /* a first signal */
    int progress_tty;
    uint64_t expected_targets; /* 0 when unknown (-iL files) */
    uint64_t next_pos;          /* position of the next target drawn from the stream */
    uint64_t targets_finished;
    uint64_t targets_skipped;   /* finished by an earlier run (--resume) */
    struct event *flush_ev;     /* flushes outputs once per loop pass, not once per record */
    int flush_pending;
    struct event *stop_ev;      /* an output failed: stop the scan from the loop */
    struct event *save_timer;   /* --resume: state saved every second */
    double start_ms;
    /* --resume with an output that stores on its own thread (the history): targets finished
     * wait here, each with the count of records that output had taken, until it has stored
     * that many. */
    struct p3s_output *gate;
    struct pending_mark { uint64_t pos, taken; } *marks;
    size_t marks_head, marks_n, marks_cap;
    int gate_failed; /* it will store no more: what waits here is never marked */
};

/* A target's position in the stream, as the tag the engine hands back. */
static void *pos_tag(uint64_t pos)
{
    return (void *)(uintptr_t)(pos + 1);
}

static uint64_t tag_pos(void *tag)
{
    return (uint64_t)(uintptr_t)tag - 1;
}

/* ---- saying things ----------------------------------------------------------------------- */

static void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line of -v detail on standard error (clearing a progress line first). */
static void say(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(r->progress_tty ? "\r\033[Kpop3scan: " : "pop3scan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void on_trace(void *ctx, const char *line)
{
    struct run *r = ctx;
    if (r->cfg->verbose >= 2)
        say(r, "%s", line);
}

/* "127.0.0.1:110", "[::1]:995", "mail.test (127.0.0.1):110" for messages. */
static void label_of(char *out, size_t cap, const char *target, const char *ip, uint16_t port)
{
    char esc[300];
    p3s_escape_term(target, strlen(target), esc, sizeof esc);
    if (!ip[0]) {
        snprintf(out, cap, "%s", esc);
        return;
    }
    int v6 = strchr(ip, ':') != NULL;
    if (strcmp(target, ip) == 0)
        snprintf(out, cap, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "", port);
    else
        snprintf(out, cap, "%s (%s):%u", esc, ip, port);
}

/* -v: the outcome of every record on standard error. */
static void say_record(struct run *r, const struct p3s_record *rec)
{
    char label[400], what[600];
    label_of(label, sizeof label, rec->target, rec->ip, rec->port);
    size_t n = (size_t)snprintf(what, sizeof what, "%s", p3s_state_name(rec->state));
    if (rec->state == P3S_STATE_POP3)
        n += (size_t)snprintf(what + n, sizeof what - n, " (%s)",
                              rec->confirmed ? "confirmed" : "probable");
    if (rec->error && n < sizeof what) {
        char esc[300];
        p3s_escape_term(rec->error, strlen(rec->error), esc, sizeof esc);
        snprintf(what + n, sizeof what - n, ": %s", esc);
    }
    say(r, "%s%s%s: %s [%.0f ms]", label, rec->implicit_tls ? " tls" : "",
        rec->tls_detected ? " (TLS found)" : "", what, rec->total_ms);
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

/* ---- records to the outputs ------------------------------------------------------------ */

/* An output could not be written: the scan stops at once (its message is said already). The
 * stop itself runs from the loop, not from inside the callbacks that were writing. */
static void output_failed(struct run *r)
{
    if (r->sum->output_failed)
        return;
    r->sum->output_failed = 1;
    if (r->stop_ev)
        event_active(r->stop_ev, 0, 0);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct run *r = arg;
    p3s_engine_abort(r->engine);
}

static void write_record(struct run *r, struct p3s_output *o, const struct p3s_record *rec)
{
    if (o->failed || (o->open_only && !p3s_record_answered(rec)))
        return;
    if (o->is_tty && r->progress_tty) /* the report and the progress share the terminal */
        fputs("\r\033[K", stderr);
    errno = 0;
    int rc = o->module->record(o, rec), err = errno;
    if (p3s_output_check(o, rc, err) < 0)
        output_failed(r);
}

/* A name that did not resolve: counted, and the first few named in the summary. */
static void note_unresolved(struct p3s_summary *sum, const struct p3s_record *rec)
{
    if (sum->unresolved < P3S_UNRESOLVED_SHOWN) {
        char esc[300], buf[512];
        p3s_escape_term(rec->target, strlen(rec->target), esc, sizeof esc);
        snprintf(buf, sizeof buf, "%s (%s)", esc, rec->error ? rec->error : "?");
        sum->unresolved_names[sum->unresolved] = p3s_xstrdup(buf);
    }
    sum->unresolved++;
}

static void on_record(void *ctx, const struct p3s_record *rec, void *tag)
{
    (void)tag;
    struct run *r = ctx;
    struct p3s_summary *sum = r->sum;
    int aborted = p3s_engine_aborted(r->engine);
    sum->records++;
    if (sum->output_failed) { /* the scan is stopping: nothing more is written */
        sum->interrupted_records++;
        return;
    }
    /* Records a second signal cut short are not errors of the targets: counted apart. */
    if (aborted && rec->state == P3S_STATE_ERROR)
        sum->interrupted_records++;
    else
        sum->by_state[rec->state]++;
    if (rec->unresolved)
        note_unresolved(sum, rec);
    sum->not_answered += !p3s_record_answered(rec);
    sum->confirmed += rec->confirmed;
    for (size_t i = 0; i < rec->nfindings; i++)
        sum->findings_by_severity[rec->findings[i].def->severity]++;
    if (r->cfg->verbose)
        say_record(r, rec);
    for (size_t i = 0; i < r->nouts; i++)
        write_record(r, &r->outs[i], rec);
    if (!r->flush_pending && r->flush_ev) {
        r->flush_pending = 1;
        event_active(r->flush_ev, 0, 0);
    }
}

/* Asks the gate how far it got; it failing for good is said once, and stops the scan when it
 * was the scan's main output. Returns what it has stored. */
static uint64_t gate_stored(struct run *r, uint64_t *taken)
{
    uint64_t t = 0, stored = 0;
    int rc = r->gate->durable(r->gate, &t, &stored);
    if (rc < 0 && !r->gate_failed) {
        r->gate_failed = 1;
        if (rc == -2)
            output_failed(r);
    }
    if (taken)
        *taken = t;
    return stored;
}

/* Marks finished the waiting targets whose records the gate has stored. */
static void drain_marks(struct run *r)
{
    uint64_t stored = gate_stored(r, NULL);
    while (r->marks_n && !r->gate_failed && r->marks[r->marks_head].taken <= stored) {
        p3s_resume_mark(r->cfg->resume, r->marks[r->marks_head].pos);
        r->marks_head = (r->marks_head + 1) % r->marks_cap;
        r->marks_n--;
    }
}

static void push_mark(struct run *r, uint64_t pos)
{
    uint64_t taken;
    gate_stored(r, &taken);
    if (r->marks_n == r->marks_cap) { /* grow the ring, its items in order from 0 */
        size_t cap = r->marks_cap ? r->marks_cap * 2 : 4096;
        struct pending_mark *m = p3s_xcalloc(cap, sizeof *m);
        for (size_t i = 0; i < r->marks_n; i++)
            m[i] = r->marks[(r->marks_head + i) % r->marks_cap];
        free(r->marks);
        r->marks = m;
        r->marks_cap = cap;
        r->marks_head = 0;
    }
    r->marks[(r->marks_head + r->marks_n++) % r->marks_cap] = (struct pending_mark){pos, taken};
}

/* Returns 0, or -1 when an output failed (now or before). */
static int flush_outputs(struct run *r)
{
    r->flush_pending = 0;
    for (size_t i = 0; i < r->nouts; i++) {
        struct p3s_output *o = &r->outs[i];
        if (o->failed || !o->fp) /* no stream: the history writes through its own thread */
            continue;
        errno = 0;
        int rc = fflush(o->fp), err = errno;
        if (p3s_output_check(o, rc, err) < 0)
            output_failed(r);
    }
    if (r->gate && !r->gate_failed)
        gate_stored(r, NULL);
    return r->sum->output_failed ? -1 : 0;
}

/* Records stream out: they reach the outputs' files at the end of the loop pass that finished
 * them, one write for many records rather than one each. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    flush_outputs(arg);
}

/* ---- --resume ---------------------------------------------------------------------------- */

/* What is marked finished has been flushed to every output, and the outputs are under their
 * final names, first; after an output failed the state is left as it was last saved, which
 * counts only what was written. */
static void save_resume(struct run *r, int complete)
{
    char err[512];
    if (flush_outputs(r) < 0)
        return;
    if (p3s_outputs_commit(r->outs, r->nouts) < 0) {
        output_failed(r);
        return;
    }
    if (r->gate) {
        drain_marks(r);
        complete = complete && r->marks_n == 0;
    }
    if (p3s_resume_save(r->cfg->resume, complete, err, sizeof err) < 0)
        fprintf(stderr, "pop3scan: %s\n", err);
}

static void on_save_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    save_resume(arg, 0);
}

static void on_target_done(void *ctx, void *tag, int finished)
{
    struct run *r = ctx;
    if (!finished)
        return; /* cut short: --resume scans it again */
    r->targets_finished++;
    if (r->cfg->resume && r->gate)
        push_mark(r, tag_pos(tag));
    else if (r->cfg->resume)
        p3s_resume_mark(r->cfg->resume, tag_pos(tag));
}

/* ---- targets into the engine ------------------------------------------------------------- */

/* The ports of the list as jobs take them: each with whether the same port is scanned with TLS
 * too (then a silent cleartext port is left to that job). */
static void make_ports(struct run *r)
{
    const struct p3s_portlist *pl = &r->cfg->ports;
    r->ports = p3s_xcalloc(pl->n ? pl->n : 1, sizeof *r->ports);
    r->kept = p3s_xcalloc(pl->n + 2, sizeof *r->kept);
    for (size_t i = 0; i < pl->n; i++) {
        r->ports[i].port = pl->v[i].port;
        r->ports[i].tls = pl->v[i].tls;
        r->ports[i].tls_too = (p3s_ports_kinds(pl, pl->v[i].port) & P3S_PORT_TLS) != 0;
    }
    r->nports = pl->n;
}

/* A target's own port: scanned as the list says (both ways when it is listed so), else in
 * cleartext. Returns how many ways (1 or 2) are in out. */
static size_t own_port(const struct run *r, uint16_t port, struct p3s_engine_port out[2])
{
    unsigned kinds = p3s_ports_kinds(&r->cfg->ports, port);
    size_t n = 0;
    int tls_too = (kinds & P3S_PORT_TLS) != 0;
    if ((kinds & P3S_PORT_PLAIN) || !kinds)
        out[n++] = (struct p3s_engine_port){port, 0, (uint8_t)tls_too};
    if (kinds & P3S_PORT_TLS)
        out[n++] = (struct p3s_engine_port){port, 1, 1};
    return n;
}

static void sockaddr_of(const struct p3s_target *t, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (t->kind == P3S_TARGET_IPV6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = t->v6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_addr = t->v4;
    }
}

/* A record made here, without the engine: an address of a family -4 or -6 excludes. */
static void family_excluded(struct run *r, const struct p3s_target *t, uint64_t pos)
{
    struct p3s_record *rec = p3s_record_new(t->host, t->host, t->port, 0);
    p3s_record_set_error(rec, P3S_STATE_ERROR, "address family excluded by -%d",
                         r->cfg->family);
    on_record(r, rec, pos_tag(pos));
    p3s_record_free(rec);
    on_target_done(r, pos_tag(pos), 1);
}

/* An address target: its ports, each unless it was asked for before. Returns how many. */
static size_t address_ports(struct run *r, const struct p3s_target *t,
                            const struct sockaddr_storage *ss, struct p3s_engine_port *out)
{
    struct p3s_engine_port own[2];
    const struct p3s_engine_port *ports = r->ports;
    size_t n = r->nports, kept = 0;
    if (t->port) {
        n = own_port(r, t->port, own);
        ports = own;
    }
    enum p3s_dedupe_from from = t->port ? P3S_FROM_HOSTPORT : P3S_FROM_ADDRESS;
    for (size_t i = 0; i < n; i++) {
        if (p3s_dedupe_check(&r->dedupe, from, NULL, (const struct sockaddr *)ss,
                             ports[i].port, ports[i].tls)) {
            r->sum->duplicates++;
            if (r->cfg->verbose >= 2) {
                char label[400];
                label_of(label, sizeof label, t->host, t->host, ports[i].port);
                say(r, "%s%s: given more than once, scanned once", label,
                    ports[i].tls ? " tls" : "");
            }
            continue;
        }
        out[kept++] = ports[i];
    }
    return kept;
}

/* The engine has room: the next target of the stream goes to it. Returns 0 when none is left. */
static int on_feed(void *ctx)
{
    struct run *r = ctx;
    const struct p3s_config *cfg = r->cfg;
    for (;;) {
        if (r->targets_done || r->stopping)
            return 0;
        struct p3s_target t;
        char err[512];
        int got = p3s_tgen_next(cfg->gen, &t, err, sizeof err);
        if (got == 0) {
            r->targets_done = 1;
            return 0;
        }
        if (got == -2) { /* a file that cannot be read on: scan the others, then exit 2 */
            fprintf(stderr, "pop3scan: %s\n", err);
            r->sum->input_failed = 1;
            continue;
        }
        if (got < 0) { /* a bad line of a -iL file: say where, scan the rest */
            p3s_report_bad_line(&r->sum->bad_lines, err);
            continue;
        }
        uint64_t pos = r->next_pos++;
        if (cfg->resuming && p3s_resume_is_done(cfg->resume, pos)) {
            r->targets_skipped++;
            continue;
        }
        r->sum->targets++;
        struct p3s_engine_job job;
        memset(&job, 0, sizeof job);
        job.target = t.host;
        job.tag = pos_tag(pos);
        if (t.kind == P3S_TARGET_NAME) {
            struct p3s_engine_port own[2];
            job.resolve = t.host;
            job.discover = cfg->discover;
            job.ports = t.port ? own : r->ports;
            job.nports = t.port ? own_port(r, t.port, own) : r->nports;
            p3s_engine_submit(r->engine, &job);
            return 1;
        }
        if ((t.kind == P3S_TARGET_IPV4 && cfg->family == 6) ||
            (t.kind == P3S_TARGET_IPV6 && cfg->family == 4)) {
            family_excluded(r, &t, pos);
            return 1;
        }
        sockaddr_of(&t, &job.addr);
        job.ports = r->kept;
        job.nports = address_ports(r, &t, &job.addr, r->kept);
        if (!job.nports) { /* every port of it was asked for already */
            on_target_done(r, job.tag, 1);
            continue;
        }
        p3s_engine_submit(r->engine, &job);
        return 1;
    }
}

/* A name resolved: each of its addresses scanned unless asked for before. */
static int on_admit(void *ctx, void *tag, const char *name, const struct sockaddr *addr,
                    uint16_t port, int tls)
{
    (void)tag;
    struct run *r = ctx;
    if (!p3s_dedupe_check(&r->dedupe, P3S_FROM_NAME, name, addr, port, tls))
        return 1;
    r->sum->duplicates++;
    if (r->cfg->verbose >= 2) {
        char ip[INET6_ADDRSTRLEN] = "?", label[400];
        const void *a = addr->sa_family == AF_INET6
                            ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
                            : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
        inet_ntop(addr->sa_family, a, ip, sizeof ip);
        label_of(label, sizeof label, name, ip, port);
        say(r, "%s%s: given more than once, scanned once", label, tls ? " tls" : "");
    }
    return 0;
}

static void on_idle(void *ctx)
{
    struct run *r = ctx;
    r->idle = 1;
    event_base_loopbreak(r->base);
}

/* ---- signals and progress ------------------------------------------------------------------ */

/* SIGINT/SIGTERM: the first stops new work and lets what is in flight finish; the second
 * ends every connection at once (each still gets its record, marked interrupted). The first
 * says so on standard error whether or not it is a terminal: a scan run from a script or a
 * service manager must leave the reason it stopped early in its log. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct run *r = arg;
    r->sum->interrupted = (int)sig;
    if (r->stopping) {
        p3s_engine_abort(r->engine);
        return;
    }
    r->stopping = 1;
    struct p3s_engine_stats st;
    p3s_engine_stats(r->engine, &st);
    fprintf(stderr, "%spop3scan: %s: finishing %zu connection%s in flight (again to abort)\n",
            r->progress_tty ? "\n" : "", sig == SIGINT ? "interrupted" : "terminated",
            st.active, st.active == 1 ? "" : "s");
    p3s_engine_stop(r->engine);
}

/* The progress line names what it counts: targets finished (of how many, when known), the
 * targets and the connections started per second (--rate paces the latter), records, POP3
 * services, connections in flight; an ETA only while the total is known and the scan is not
 * stopping. */
static void print_progress(struct run *r, int final)
{
    const struct p3s_summary *sum = r->sum;
    struct p3s_engine_stats st;
    p3s_engine_stats(r->engine, &st);
    double secs = (p3s_now_ms() - r->start_ms) / 1000.0;
    uint64_t done = r->targets_finished;
    double trate = secs > 0 ? (double)done / secs : 0;
    double crate = secs > 0 ? (double)st.connections / secs : 0;
    char total[32] = "", tail[48] = "", skipped[48] = "";
    uint64_t expect = r->expected_targets;
    if (expect) {
        expect -= r->targets_skipped < expect ? r->targets_skipped : expect;
        snprintf(total, sizeof total, "/%llu", (unsigned long long)expect);
    }
    if (r->stopping || sum->interrupted)
        snprintf(tail, sizeof tail, ", interrupted");
    else if (expect && trate > 0 && expect > done && !final)
        snprintf(tail, sizeof tail, ", ETA %.0f s", (double)(expect - done) / trate);
    if (r->targets_skipped)
        snprintf(skipped, sizeof skipped, " (%llu done before)",
                 (unsigned long long)r->targets_skipped);
    fprintf(stderr,
            "%s%llu%s targets%s, %.0f targets/s, %.0f connections/s, %zu records, %zu POP3, "
            "%zu in flight%s%s",
            r->progress_tty ? "\r\033[K" : "", (unsigned long long)done, total, skipped, trate,
            crate, sum->records, sum->by_state[P3S_STATE_POP3], st.active, tail,
            r->progress_tty && !final ? "" : "\n");
    fflush(stderr);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    print_progress(arg, 0);
}

/* ---- the run -------------------------------------------------------------------------------- */

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

static struct p3s_engine_opts engine_opts(const struct p3s_config *cfg, const struct p3fp_db *fp)
{
    return (struct p3s_engine_opts){
        .connect_timeout_ms = cfg->connect_timeout_ms,
        .read_timeout_ms = cfg->read_timeout_ms,
        .deadline_ms = cfg->deadline_ms,
        .retries = cfg->retries,
        .concurrency = (size_t)cfg->concurrency,
        .tls_handshakes = cfg->tls_handshakes,
        .rate = cfg->rate,
        .family = cfg->family,
        .resolver = cfg->resolver,
        .dns_concurrency = cfg->dns_concurrency,
        .user_probe = cfg->user_probe,
        .stls = cfg->stls,
        .ntlm = cfg->ntlm,
        .tls_versions = cfg->tls_versions,
        .stls_injection = cfg->stls_injection,
        .tls_detect = cfg->tls_detect,
        .fp = fp,
        .discover_names = cfg->discover_names_given ? cfg->discover_names : NULL,
        .ndiscover_names = cfg->ndiscover_names,
    };
}

/* Every output begins; the scan does not start when one cannot. */
static void begin_outputs(struct run *r)
{
    for (size_t i = 0; i < r->nouts; i++) {
        errno = 0;
        int rc = r->outs[i].module->begin(&r->outs[i]), err = errno;
        if (p3s_output_check(&r->outs[i], rc, err) < 0)
            output_failed(r);
    }
}

static void end_outputs(struct run *r)
{
    for (size_t i = 0; i < r->nouts; i++) { /* every module frees its state, failed or not */
        errno = 0;
        int rc = r->outs[i].module->end(&r->outs[i], r->sum), err = errno;
        if (!r->outs[i].failed && p3s_output_check(&r->outs[i], rc, err) < 0)
            r->sum->output_failed = 1;
    }
}

int p3s_run(const struct p3s_config *cfg, struct p3s_output *outs, size_t nouts,
            struct p3s_summary *sum)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.outs = outs;
    r.nouts = nouts;
    r.sum = sum;
    r.start_ms = p3s_now_ms();
    struct p3fp_db *fp = load_fingerprints(cfg);
    if (!fp)
        return 2;
    r.base = p3s_engine_base_new();
    if (!r.base) {
        fprintf(stderr, "pop3scan: cannot start the event loop\n");
        p3fp_db_free(fp);
        return 3;
    }
    struct p3s_engine_hooks hooks = {on_feed, on_admit, on_record, on_target_done, on_idle,
                                     on_trace};
    struct p3s_engine_opts opts = engine_opts(cfg, fp);
    if (p3s_memcap_apply(cfg, &opts.concurrency))
        sum->concurrency_lowered = opts.concurrency;
    char err[512];
    r.engine = p3s_engine_new(r.base, &opts, &hooks, &r, err, sizeof err);
    if (!r.engine) {
        fprintf(stderr, "pop3scan: %s\n", err);
        event_base_free(r.base);
        p3fp_db_free(fp);
        return 3;
    }
    struct p3s_engine_stats st;
    p3s_engine_stats(r.engine, &st);
    if (st.lowered) {
        struct rlimit rl = {0, 0};
        getrlimit(RLIMIT_NOFILE, &rl);
        fprintf(stderr,
                "pop3scan: -c %zu is more connections than this process may open (%llu file "
                "descriptors, ulimit -n); using -c %zu\n",
                opts.concurrency, (unsigned long long)rl.rlim_cur, st.concurrency);
        sum->concurrency_lowered = st.concurrency;
    }
    make_ports(&r);
    p3s_dedupe_init(&r.dedupe, &cfg->ports, cfg->gen);
    uint64_t total = p3s_tgen_total(cfg->gen);
    r.expected_targets = total == UINT64_MAX ? 0 : total;
    for (size_t i = 0; i < nouts; i++)
        if (outs[i].durable)
            r.gate = &outs[i];
    r.flush_ev = event_new(r.base, -1, 0, on_flush, &r);
    r.stop_ev = event_new(r.base, -1, 0, on_stop, &r);
    if (cfg->resume) {
        if (cfg->resuming && p3s_resume_complete(cfg->resume))
            fprintf(stderr, "pop3scan: --resume: %s says this scan is complete; nothing left "
                            "to scan\n",
                    cfg->resume_path);
        r.save_timer = event_new(r.base, -1, EV_PERSIST, on_save_timer, &r);
        struct timeval every = {1, 0};
        event_add(r.save_timer, &every);
    }
    struct event *sigint = evsignal_new(r.base, SIGINT, on_signal, &r);
    struct event *sigterm = evsignal_new(r.base, SIGTERM, on_signal, &r);
    evsignal_add(sigint, NULL);
    evsignal_add(sigterm, NULL);
    struct event *progress = NULL;
    r.progress_tty = isatty(STDERR_FILENO) && (cfg->progress || !cfg->quiet);
    if (cfg->progress || r.progress_tty) {
        /* At most four updates a second on a terminal, one a second in a log. */
        progress = event_new(r.base, -1, EV_PERSIST, on_progress, &r);
        struct timeval tv = {r.progress_tty ? 0 : 1, r.progress_tty ? 250000 : 0};
        event_add(progress, &tv);
    }
    sum->start_wall = (double)p3s_wall_ms() / 1000.0;
    begin_outputs(&r);
    if (!sum->output_failed) {
        p3s_engine_start(r.engine);
        if (!r.idle) /* a loopbreak before the loop runs is forgotten: nothing to run then */
            event_base_dispatch(r.base);
    }
    sum->elapsed_ms = p3s_now_ms() - r.start_ms;
    sum->end_wall = (double)p3s_wall_ms() / 1000.0;
    if (progress) {
        print_progress(&r, 1);
        event_free(progress);
    }
    p3s_engine_stats(r.engine, &st);
    if (st.lowered && !sum->concurrency_lowered)
        sum->concurrency_lowered = st.lowered;
    int aborted = p3s_engine_aborted(r.engine);
    p3s_engine_free(r.engine); /* an abort: what was still running gets its records now */
    event_free(sigint);
    event_free(sigterm);
    p3s_report_bad_line(&sum->bad_lines, NULL);
    end_outputs(&r);
    if (cfg->resume) {
        event_free(r.save_timer);
        save_resume(&r, r.targets_done && !r.stopping && !aborted);
    }
    free(r.marks);
    event_free(r.flush_ev);
    event_free(r.stop_ev);
    p3s_dedupe_free(&r.dedupe);
    free(r.ports);
    free(r.kept);
    event_base_free(r.base);
    p3fp_db_free(fp);
    return 0;
}
