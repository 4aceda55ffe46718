/* test_engine.c — the engine API (src/engine/engine.h) driven directly, as a library user would:
 * no command line, no outputs. The project's test server (tests/testserver) runs in the same
 * event loop on 127.0.0.1, with a script each test writes; the engine scans it and the test
 * looks at the records it hands back: one per port, one target_done per target, identification
 * and findings filled in, pull-model feeding, batches, stop, abort, duplicates skipped through
 * admit, and a name that does not resolve still getting its record.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../testserver/conn.h"
#include "../testserver/script.h"
#include "../testserver/tls.h"
#include "engine.h"
#include "fp.h"
#include "p3fp_builtin.h"
#include "record.h"

#define MAX_RECS 256

/* What a test keeps of each record (records live during the callback only). */
struct seen {
    enum p3s_state state;
    int confirmed, stls_upgraded, unresolved;
    uint16_t port;
    char product[256];
    char error[128];
    uintptr_t tag;
    size_t nfindings;
    char greeting[64];
    char capa[64]; /* the CAPA items, joined by spaces */
};

struct env {
    struct event_base *base;
    struct p3fp_db *db;
    struct conn_server srv;
    struct script script;
    evutil_socket_t lfd[2]; /* cleartext, implicit TLS */
    struct event *lev[2];
    uint16_t port[2];
    uint16_t closed_port; /* nothing listens there */
    struct p3s_engine *e;
    /* what the hooks saw */
    struct seen recs[MAX_RECS];
    size_t nrecs;
    unsigned done[MAX_RECS]; /* target_done calls by tag */
    unsigned unfinished;     /* target_done with finished == 0 */
    unsigned idle_calls, feed_calls, traces;
    /* what feed submits: njobs jobs, tags 1..njobs, each on ports[] */
    unsigned njobs, fed;
    struct p3s_engine_port ports[2];
    size_t nports;
    const char *resolve; /* jobs name this host instead of 127.0.0.1 */
    unsigned stop_after; /* feed calls p3s_engine_stop after this many jobs (0: never) */
    unsigned admitted, refused; /* admit: the first address admitted, the rest refused */
};

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    evutil_socket_t c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    evutil_make_socket_nonblocking(c);
    conn_accept(c, arg != NULL);
}

static evutil_socket_t bound_socket(int type, uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    evutil_socket_t fd = socket(AF_INET, type, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void write_script(struct env *v, const char *text)
{
    char path[] = "/tmp/p3s-test-engine-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(script_load(&v->script, path), 0);
    unlink(path);
    v->srv.script = &v->script;
}

static int setup(void **state)
{
    struct env *v = calloc(1, sizeof *v);
    assert_non_null(v);
    char err[256];
    v->base = p3s_engine_base_new();
    v->db = p3fp_db_new();
    assert_non_null(v->base);
    assert_int_equal(p3fp_db_load_builtin(v->db, err, sizeof err), 0);
    v->srv.base = v->base;
    v->srv.tls = tls_server_ctx(NULL, NULL);
    assert_non_null(v->srv.tls);
    conn_init(&v->srv);
    for (int i = 0; i < 2; i++) {
        v->lfd[i] = bound_socket(SOCK_STREAM, &v->port[i]);
        assert_int_equal(listen(v->lfd[i], 128), 0);
        evutil_make_socket_nonblocking(v->lfd[i]);
        v->lev[i] = event_new(v->base, v->lfd[i], EV_READ | EV_PERSIST, on_accept,
                              i ? (void *)v : NULL);
        assert_int_equal(event_add(v->lev[i], NULL), 0);
    }
    /* A port nothing listens on: bound, closed again. */
    evutil_socket_t c = bound_socket(SOCK_STREAM, &v->closed_port);
    close(c);
    *state = v;
    return 0;
}

static int teardown(void **state)
{
    struct env *v = *state;
    if (v->e)
        p3s_engine_free(v->e);
    conn_free_all();
    script_free(&v->script);
    for (int i = 0; i < 2; i++) {
        event_free(v->lev[i]);
        close(v->lfd[i]);
    }
    SSL_CTX_free(v->srv.tls);
    p3fp_db_free(v->db);
    event_base_free(v->base);
    free(v);
    return 0;
}

/* ---- hooks -------------------------------------------------------------------------------- */

static void submit_one(struct env *v)
{
    struct p3s_engine_job job = {.target = v->resolve ? v->resolve : "local",
                                 .resolve = v->resolve, .ports = v->ports,
                                 .nports = v->nports};
    struct sockaddr_in *sin = (struct sockaddr_in *)&job.addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    job.tag = (void *)(uintptr_t)(++v->fed);
    assert_int_equal(p3s_engine_submit(v->e, &job), 0);
}

static int feed(void *ctx)
{
    struct env *v = ctx;
    v->feed_calls++;
    if (v->fed >= v->njobs)
        return 0;
    submit_one(v);
    if (v->stop_after && v->fed == v->stop_after)
        p3s_engine_stop(v->e);
    return 1;
}

static int admit(void *ctx, void *tag, const char *name, const struct sockaddr *addr,
                 uint16_t port, int tls)
{
    struct env *v = ctx;
    (void)tag, (void)name, (void)addr, (void)port, (void)tls;
    if (v->admitted == 0) {
        v->admitted++;
        return 1;
    }
    v->refused++;
    return 0;
}

static void record(void *ctx, const struct p3s_record *r, void *tag)
{
    struct env *v = ctx;
    assert_true(v->nrecs < MAX_RECS);
    struct seen *s = &v->recs[v->nrecs++];
    s->state = r->state;
    s->confirmed = r->confirmed;
    s->stls_upgraded = r->stls_upgraded;
    s->unresolved = r->unresolved;
    s->port = r->port;
    s->tag = (uintptr_t)tag;
    s->nfindings = r->nfindings;
    snprintf(s->greeting, sizeof s->greeting, "%.*s", (int)r->greeting.n,
             r->greeting.p ? r->greeting.p : "");
    for (size_t i = 0; i < r->capa.n; i++)
        snprintf(s->capa + strlen(s->capa), sizeof s->capa - strlen(s->capa), "%s%.*s",
                 i ? " " : "", (int)r->capa.v[i].n, r->capa.v[i].p);
    if (r->product)
        snprintf(s->product, sizeof s->product, "%s", r->product->product);
    if (r->error)
        snprintf(s->error, sizeof s->error, "%s", r->error);
    /* Every record of a target comes before its target_done. */
    assert_int_equal(v->done[s->tag], 0);
}

static void target_done(void *ctx, void *tag, int finished)
{
    struct env *v = ctx;
    uintptr_t t = (uintptr_t)tag;
    assert_true(t < MAX_RECS);
    v->done[t]++;
    if (!finished)
        v->unfinished++;
}

static void idle(void *ctx)
{
    struct env *v = ctx;
    v->idle_calls++;
    event_base_loopbreak(v->base);
}

static void trace(void *ctx, const char *line)
{
    struct env *v = ctx;
    assert_non_null(line);
    v->traces++;
}

static struct p3s_engine_opts default_opts(const struct env *v)
{
    struct p3s_engine_opts o = {.connect_timeout_ms = 2000, .read_timeout_ms = 2000,
                                .deadline_ms = 8000, .concurrency = 8, .family = 4,
                                .dns_concurrency = 4, .user_probe = 1, .stls = 1,
                                .fp = v->db};
    return o;
}

static void start_engine(struct env *v, const struct p3s_engine_opts *o)
{
    struct p3s_engine_hooks h = {.feed = feed, .record = record, .target_done = target_done,
                                 .idle = idle, .trace = trace};
    if (v->resolve)
        h.admit = admit;
    char err[256] = "";
    v->e = p3s_engine_new(v->base, o, &h, v, err, sizeof err);
    assert_non_null(v->e);
    p3s_engine_start(v->e);
}

/* Runs the loop until idle; a scan that does not end in 30 s fails the test. */
static void fail_hung(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
    fail_msg("the engine never became idle");
}

static void run_loop(struct env *v)
{
    struct event *dog = evtimer_new(v->base, fail_hung, NULL);
    struct timeval t = {30, 0};
    event_priority_set(dog, 0);
    evtimer_add(dog, &t);
    event_base_dispatch(v->base);
    event_free(dog);
}

static const char DOVECOT[] =
    "start send \"+OK Dovecot (Debian) ready.\\r\\n\"\n"
    "on CAPA send \"+OK\\r\\nCAPA\\r\\nTOP\\r\\nUIDL\\r\\nRESP-CODES\\r\\nPIPELINING\\r\\n"
    "AUTH-RESP-CODE\\r\\nSTLS\\r\\nUSER\\r\\nSASL PLAIN\\r\\n.\\r\\n\"\n"
    "on USER send \"+OK\\r\\n\"\n"
    "on STLS send \"+OK Begin TLS negotiation now.\\r\\n\"; starttls\n"
    "on QUIT send \"+OK Logging out\\r\\n\"; close\n"
    "on * send \"-ERR Unknown command.\\r\\n\"\n";

/* ---- tests ------------------------------------------------------------------------------- */

/* One target, one port: the whole dialogue, identified and judged, handed back once. */
static void test_one_dialogue(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    v->njobs = 1;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->nports = 1;
    struct p3s_engine_opts o = default_opts(v);
    start_engine(v, &o);
    run_loop(v);

    assert_int_equal(v->nrecs, 1);
    assert_int_equal(v->recs[0].state, P3S_STATE_POP3);
    assert_true(v->recs[0].confirmed);
    assert_true(v->recs[0].stls_upgraded);
    assert_string_equal(v->recs[0].product, "Dovecot");
    assert_true(v->recs[0].nfindings > 0); /* judged: cleartext login before TLS at least */
    assert_int_equal(v->done[1], 1);
    assert_int_equal(v->unfinished, 0);
    assert_int_equal(v->idle_calls, 1);
    assert_true(v->traces > 0);
    struct p3s_engine_stats st;
    p3s_engine_stats(v->e, &st);
    assert_int_equal(st.targets_done, 1);
    assert_int_equal(st.active, 0);
    assert_int_equal(st.queued, 0);
}

/* Many targets through few slots, pulled one at a time: one record per port (an open one and a
 * closed one), one target_done per target after its records, feed called until it says no. */
static void test_many_targets_pulled(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    v->njobs = 60;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->ports[1] = (struct p3s_engine_port){.port = v->closed_port};
    v->nports = 2;
    struct p3s_engine_opts o = default_opts(v);
    o.concurrency = 4;
    start_engine(v, &o);
    run_loop(v);

    assert_int_equal(v->nrecs, 120);
    unsigned per_tag[61] = {0}, open = 0, closed = 0;
    for (size_t i = 0; i < v->nrecs; i++) {
        assert_true(v->recs[i].tag >= 1 && v->recs[i].tag <= 60);
        per_tag[v->recs[i].tag]++;
        if (v->recs[i].port == v->port[0] && v->recs[i].state == P3S_STATE_POP3)
            open++;
        if (v->recs[i].port == v->closed_port && v->recs[i].state == P3S_STATE_CLOSED)
            closed++;
    }
    assert_int_equal(open, 60);
    assert_int_equal(closed, 60);
    for (unsigned t = 1; t <= 60; t++) {
        assert_int_equal(per_tag[t], 2);
        assert_int_equal(v->done[t], 1);
    }
    assert_true(v->feed_calls > 60); /* one per job, then the one that said nothing is left */
    struct p3s_engine_stats st;
    p3s_engine_stats(v->e, &st);
    assert_int_equal(st.concurrency, 4);
    assert_int_equal(st.targets_done, 60);
    assert_int_equal(st.connections, 120);
}

/* Connections read into one buffer they share (conn.c); a line that arrives in pieces must
 * stay whole across other connections' reads. 40 servers drip their greeting and CAPA answer
 * a byte at a time, all at once: every record has both exactly. */
static void test_lines_in_pieces(void **state)
{
    struct env *v = *state;
    write_script(v, "start drip 2 \"+OK greeting in pieces\\r\\n\"\n"
                    "on CAPA drip 1 \"+OK\\r\\nTOP\\r\\nUIDL\\r\\nUSER\\r\\n.\\r\\n\"\n"
                    "on USER drip 1 \"+OK\\r\\n\"\n"
                    "on QUIT send \"+OK\\r\\n\"; close\n"
                    "on * send \"-ERR\\r\\n\"\n");
    v->njobs = 40;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->nports = 1;
    struct p3s_engine_opts o = default_opts(v);
    o.concurrency = 40;
    o.stls = 0;
    start_engine(v, &o);
    run_loop(v);

    assert_int_equal(v->nrecs, 40);
    for (size_t i = 0; i < v->nrecs; i++) {
        assert_int_equal(v->recs[i].state, P3S_STATE_POP3);
        assert_true(v->recs[i].confirmed);
        assert_string_equal(v->recs[i].greeting, "+OK greeting in pieces");
        assert_string_equal(v->recs[i].capa, "TOP UIDL USER");
        assert_string_equal(v->recs[i].error, "");
    }
}

/* After idle, p3s_engine_start runs the next batch with the same engine. */
static void test_batches(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    v->njobs = 3;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->nports = 1;
    struct p3s_engine_opts o = default_opts(v);
    start_engine(v, &o);
    run_loop(v);
    assert_int_equal(v->nrecs, 3);
    v->njobs = 7; /* four more */
    p3s_engine_start(v->e);
    run_loop(v);
    assert_int_equal(v->nrecs, 7);
    assert_int_equal(v->idle_calls, 2);
    for (unsigned t = 1; t <= 7; t++)
        assert_int_equal(v->done[t], 1);
}

/* p3s_engine_stop: feed is not called again; what started finishes, a target submitted but not
 * started yet gets target_done unfinished (a resume scans it again). */
static void test_stop(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    v->njobs = 50;
    v->stop_after = 5;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->nports = 1;
    struct p3s_engine_opts o = default_opts(v);
    start_engine(v, &o);
    run_loop(v);
    assert_int_equal(v->fed, 5);
    assert_int_equal(v->feed_calls, 5);
    assert_true(v->nrecs >= 4); /* the four before the stop had started */
    assert_int_equal(v->nrecs + v->unfinished, 5);
    for (unsigned t = 1; t <= 5; t++)
        assert_int_equal(v->done[t], 1);
    for (size_t i = 0; i < v->nrecs; i++)
        assert_int_equal(v->recs[i].state, P3S_STATE_POP3);
    assert_int_equal(v->idle_calls, 1);
}

static void abort_now(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    p3s_engine_abort(arg);
}

/* p3s_engine_abort: a dialogue in flight ends with its record (interrupted), its target gets
 * target_done unfinished, idle is called. The server never answers. */
static void test_abort(void **state)
{
    struct env *v = *state;
    write_script(v, "start stall\n");
    v->njobs = 2;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->nports = 1;
    struct p3s_engine_opts o = default_opts(v);
    o.read_timeout_ms = 20000;
    o.deadline_ms = 60000;
    start_engine(v, &o);
    struct event *t = evtimer_new(v->base, abort_now, v->e);
    struct timeval soon = {0, 200000};
    evtimer_add(t, &soon);
    run_loop(v);
    event_free(t);

    assert_true(p3s_engine_aborted(v->e));
    assert_int_equal(v->nrecs, 2);
    for (size_t i = 0; i < v->nrecs; i++)
        assert_non_null(strstr(v->recs[i].error, "interrupted"));
    assert_int_equal(v->done[1] + v->done[2], 2);
    assert_int_equal(v->unfinished, 2);
    assert_int_equal(v->idle_calls, 1);
}

/* A name the resolver cannot resolve still gets its one record, and its target_done. The
 * resolver is a local UDP port that is closed: the query is refused at once. */
static void test_unresolved_name(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    uint16_t dns_port;
    evutil_socket_t u = bound_socket(SOCK_DGRAM, &dns_port);
    close(u);
    char resolver[32];
    snprintf(resolver, sizeof resolver, "127.0.0.1:%u", dns_port);
    v->resolve = "mail.example.invalid";
    v->njobs = 1;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->nports = 1;
    struct p3s_engine_opts o = default_opts(v);
    o.resolver = resolver;
    start_engine(v, &o);
    run_loop(v);

    assert_int_equal(v->nrecs, 1);
    assert_true(v->recs[0].unresolved);
    assert_int_equal(v->recs[0].state, P3S_STATE_ERROR);
    assert_true(v->recs[0].error[0] != 0);
    assert_int_equal(v->done[1], 1);
    assert_int_equal(v->admitted + v->refused, 0); /* nothing to admit */
}

/* A name's addresses go through admit, once per address and port: what it refuses (a duplicate
 * of an earlier target, say) is not scanned. localhost resolves from /etc/hosts. */
static void test_admit(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    v->resolve = "localhost";
    v->njobs = 1;
    v->ports[0] = (struct p3s_engine_port){.port = v->port[0]};
    v->ports[1] = (struct p3s_engine_port){.port = v->closed_port};
    v->nports = 2;
    struct p3s_engine_opts o = default_opts(v);
    start_engine(v, &o);
    run_loop(v);

    assert_int_equal(v->admitted, 1);
    assert_int_equal(v->refused, 1);
    assert_int_equal(v->nrecs, 1);
    assert_int_equal(v->recs[0].port, v->port[0]);
    assert_int_equal(v->recs[0].state, P3S_STATE_POP3);
    assert_int_equal(v->done[1], 1);
}

/* An invalid job is refused at submit, and nothing of it comes back. */
static void test_invalid_job(void **state)
{
    struct env *v = *state;
    write_script(v, DOVECOT);
    struct p3s_engine_opts o = default_opts(v);
    start_engine(v, &o);
    struct p3s_engine_job none = {.target = "x", .nports = 0};
    assert_int_equal(p3s_engine_submit(v->e, &none), -1);
    run_loop(v);
    assert_int_equal(v->nrecs, 0);
    assert_int_equal(v->idle_calls, 1);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* engine.h asks it of its caller */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_dialogue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_targets_pulled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lines_in_pieces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unresolved_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_job, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
