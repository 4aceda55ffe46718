/* fuzz_session.c — whole server conversations through the real connection code: the engine
 * (src/engine/engine.h), with its dialogue, TLS, follow-ups and identification, scans a server
 * the input describes, played on loopback in the same event loop by the project's test server
 * (tests/testserver, run in-process). fuzz_core.c fuzzes the protocol core alone.
 *
 * Input: two option bytes, then the server's answers, separated by the byte 0xff:
 *   0 greeting   1 CAPA   2 USER   3 STLS   4 AUTH   5 the NTLM NEGOTIATE line   6 "*"
 *   7 QUIT   8 any other line   9 a line sent after every answer (when bit 3 of byte 1)
 * Each answer is sent as it is (the input carries its own line ends); a missing one is silence.
 *   byte 0, what the scan does: bit 0 the port is implicit TLS, bit 1 USER probe, bit 2 STLS,
 *           bit 3 AUTH NTLM, bit 4 TLS tried on a silent cleartext port, bit 5 the STLS
 *           injection check, bit 6 one ClientHello per TLS version, bit 7 the server speaks no
 *           TLS on its implicit-TLS port
 *   byte 1, what the server does: bit 0 a TLS handshake follows its STLS answer, bit 1 it
 *           keeps the client's bytes sent after STLS (the injection), bit 2 it closes after
 *           its QUIT answer, bit 3 the extra line after every answer, bit 4 it closes after
 *           answering any other line
 * Every connection the engine opens (follow-ups included) meets the same server.
 * Checks: exactly one record and one target_done, finished; the record passes every output
 * format's checks (fuzz_check_outputs); the client sends only what a scan may send — CAPA,
 * USER with a probe name, STLS, AUTH NTLM, the anonymous NEGOTIATE, "*", QUIT — and never a
 * credential (PASS, APOP, another AUTH); the scan ends within its deadline.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tests/testserver/conn.h"
#include "engine.h"
#include "fp.h"
#include "p3fp_builtin.h"
#include "fuzz.h"
#include "pop3.h"
#include "record.h"
#include "../tests/testserver/script.h"
#include "../tests/testserver/tls.h"

enum { A_GREETING, A_CAPA, A_USER, A_STLS, A_AUTH, A_NEGOTIATE, A_CANCEL, A_QUIT, A_OTHER,
       A_EXTRA, A_COUNT };

/* What the server matches each answer on, in order (the first that matches wins). */
static const char *const PREFIX[A_COUNT] = {
    [A_CAPA] = "CAPA", [A_USER] = "USER ", [A_STLS] = "STLS", [A_AUTH] = "AUTH ",
    [A_NEGOTIATE] = "TlRMTVNTUA", [A_CANCEL] = "*", [A_QUIT] = "QUIT"};

static struct event_base *base;
static struct p3fp_db *db;
/* One engine per combination of the scan's options, kept for the process: p3s_engine_start runs
 * each input as a new batch (creating an engine costs more than most dialogues). */
static struct p3s_engine *engines[128];
static struct conn_server srv;
static evutil_socket_t lfd[2] = {-1, -1}; /* cleartext, implicit TLS */
static uint16_t lport[2];

struct run {
    int submitted;
    unsigned records, done;
    const void *binary[16]; /* connections that sent something no command looks like */
    size_t nbinary;
};

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    int tls = arg != NULL;
    evutil_socket_t c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    evutil_make_socket_nonblocking(c);
    conn_accept(c, tls);
}

static void listen_on(int i)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(lfd[i] >= 0);
    CHECK(bind(lfd[i], (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(lfd[i], 64) == 0);
    CHECK(getsockname(lfd[i], (struct sockaddr *)&a, &alen) == 0);
    lport[i] = ntohs(a.sin_port);
    evutil_make_socket_nonblocking(lfd[i]);
    struct event *ev = event_new(base, lfd[i], EV_READ | EV_PERSIST, on_accept, i ? &srv : NULL);
    CHECK(ev != NULL && event_add(ev, NULL) == 0);
}

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

static int is(const char *line, size_t len, const char *cmd)
{
    return len == strlen(cmd) && memcmp(line, cmd, len) == 0;
}

/* Every line the client sends, before the server answers it. */
static void on_line(void *ctx, const void *conn, const char *line, size_t len, int tls)
{
    struct run *r = ctx;
    if (getenv("FUZZ_TRACE"))
        fprintf(stderr, "server %p%s got: %.*s\n", conn, tls ? " (TLS)" : "", (int)len, line);
    for (size_t i = 0; i < r->nbinary; i++)
        if (r->binary[i] == conn)
            return;
    if (len && (unsigned char)line[0] == 0x16) {
        /* A ClientHello (TLS detection, a version probe, a handshake the server does not
         * speak): the rest of this connection is TLS records, not commands. */
        if (r->nbinary < sizeof r->binary / sizeof r->binary[0])
            r->binary[r->nbinary++] = conn;
        return;
    }
    if (len > 5 && memcmp(line, "USER ", 5) == 0) {
        CHECK(len - 5 <= 40 && printable(line + 5, len - 5) && !memchr(line + 5, ' ', len - 5));
        return;
    }
    if (!(is(line, len, "CAPA") || is(line, len, "STLS") || is(line, len, "QUIT") ||
          is(line, len, "AUTH NTLM") || is(line, len, P3_NTLM_NEGOTIATE_B64) ||
          is(line, len, "*"))) {
        fprintf(stderr, "the client sent: %.*s\n", (int)(len > 80 ? 80 : len), line);
        CHECK(!"a command a scan never sends");
    }
}

static int feed(void *ctx)
{
    struct run *r = ctx;
    return !r->submitted; /* the job was submitted before start: nothing more */
}

static void record(void *ctx, const struct p3s_record *rec, void *tag)
{
    struct run *r = ctx;
    (void)tag;
    r->records++;
    CHECK(strcmp(rec->target, "fuzz") == 0);
    fuzz_check_outputs(rec);
}

static void target_done(void *ctx, void *tag, int finished)
{
    struct run *r = ctx;
    (void)tag;
    CHECK(finished);
    r->done++;
}

static void idle(void *ctx)
{
    (void)ctx;
    event_base_loopbreak(base);
}

static void trace(void *ctx, const char *line)
{
    (void)ctx;
    struct timeval now;
    event_base_gettimeofday_cached(base, &now);
    fprintf(stderr, "%ld.%06ld engine: %s\n", (long)now.tv_sec, (long)now.tv_usec, line);
}

static void too_long(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
    CHECK(!"the scan outlived its deadline");
}

static void add_send(struct action_list *l, const uint8_t *p, size_t n)
{
    struct action *a = &l->v[l->n++];
    a->type = ACT_SEND;
    a->data = malloc(n ? n : 1);
    CHECK(a->data != NULL);
    memcpy(a->data, p, n);
    a->len = n;
}

static void add_act(struct action_list *l, enum act_type type, int keep)
{
    struct action *a = &l->v[l->n++];
    a->type = type;
    a->keep = keep;
}

/* The script the input describes: one profile, answers by command. */
static void build_script(struct script *s, unsigned opt, const uint8_t *p, size_t n)
{
    const uint8_t *ans[A_COUNT] = {0};
    size_t alen[A_COUNT] = {0};
    for (int k = 0; k < A_COUNT; k++) {
        const uint8_t *sep = memchr(p, 0xff, n);
        ans[k] = p;
        alen[k] = (size_t)((sep ? sep : p + n) - p);
        if (!sep)
            break;
        n -= alen[k] + 1;
        p = sep + 1;
    }
    memset(s, 0, sizeof *s);
    s->profiles = calloc(1, sizeof *s->profiles);
    CHECK(s->profiles != NULL);
    s->n = 1;
    struct profile *pr = &s->profiles[0];
    s->fallback = pr;
    pr->name = strdup("fuzz");
    pr->tls = (opt & 0x80) ? TLSMODE_NONE : TLSMODE_NORMAL;
    pr->start.v = calloc(1, sizeof(struct action));
    pr->handlers = calloc(A_COUNT, sizeof *pr->handlers);
    CHECK(pr->name && pr->start.v && pr->handlers);
    if (ans[A_GREETING])
        add_send(&pr->start, ans[A_GREETING], alen[A_GREETING]);
    unsigned srv_opt = opt >> 8;
    for (int k = A_CAPA; k <= A_OTHER; k++) {
        struct handler *h = &pr->handlers[pr->nhandlers++];
        if (PREFIX[k]) {
            h->prefix = strdup(PREFIX[k]);
            CHECK(h->prefix != NULL);
            h->plen = strlen(PREFIX[k]);
        }
        h->acts.v = calloc(2, sizeof(struct action));
        CHECK(h->acts.v != NULL);
        if (ans[k])
            add_send(&h->acts, ans[k], alen[k]);
        if (k == A_STLS && (srv_opt & 1)) {
            add_act(&h->acts, ACT_STARTTLS, (srv_opt & 2) != 0);
            s->uses_starttls = 1;
        } else if ((k == A_QUIT && (srv_opt & 4)) || (k == A_OTHER && (srv_opt & 16))) {
            add_act(&h->acts, ACT_CLOSE, 0);
        }
    }
    if ((srv_opt & 8) && ans[A_EXTRA]) {
        pr->extra = malloc(alen[A_EXTRA] ? alen[A_EXTRA] : 1);
        CHECK(pr->extra != NULL);
        memcpy(pr->extra, ans[A_EXTRA], alen[A_EXTRA]);
        pr->extra_len = alen[A_EXTRA];
        pr->has_extra = 1;
    }
}

static void setup(void)
{
    char err[256];
    signal(SIGPIPE, SIG_IGN); /* as engine.h asks of its caller */
    base = p3s_engine_base_new();
    db = p3fp_db_new();
    CHECK(base && db && p3fp_db_load_builtin(db, err, sizeof err) == 0);
    srv.base = base;
    srv.tls = tls_server_ctx(NULL, NULL);
    srv.on_line = on_line;
    CHECK(srv.tls != NULL);
    conn_init(&srv);
    listen_on(0);
    listen_on(1);
}

static struct run run; /* the input being run: the hooks' context */

static struct p3s_engine *engine_for(unsigned opt)
{
    struct p3s_engine **e = &engines[opt & 0x7f];
    if (*e)
        return *e;
    struct p3s_engine_opts eo = {
        .connect_timeout_ms = 1000, .read_timeout_ms = 15, .deadline_ms = 300,
        .concurrency = 8, .family = 4, .dns_concurrency = 1,
        .user_probe = (opt & 2) != 0, .stls = (opt & 4) != 0, .ntlm = (opt & 8) != 0,
        .tls_detect = (opt & 16) != 0, .stls_injection = (opt & 32) != 0,
        .tls_versions = (opt & 64) != 0, .fp = db};
    struct p3s_engine_hooks hooks = {.feed = feed, .record = record,
                                     .target_done = target_done, .idle = idle};
    if (getenv("FUZZ_TRACE"))
        hooks.trace = trace;
    char err[256];
    *e = p3s_engine_new(base, &eo, &hooks, &run, err, sizeof err);
    if (!*e)
        fprintf(stderr, "p3s_engine_new: %s\n", err);
    CHECK(*e != NULL);
    return *e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 16 * 1024)
        return 0;
    if (!base)
        setup();
    unsigned opt = data[0] | (unsigned)data[1] << 8;
    struct script script;
    build_script(&script, opt, data + 2, size - 2);
    srv.script = &script;
    memset(&run, 0, sizeof run);
    srv.line_ctx = &run;
    struct p3s_engine *e = engine_for(opt);

    int tls = opt & 1;
    struct p3s_engine_port port = {.port = lport[tls], .tls = (uint8_t)tls};
    struct p3s_engine_job job = {.target = "fuzz", .ports = &port, .nports = 1};
    struct sockaddr_in *sin = (struct sockaddr_in *)&job.addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(p3s_engine_submit(e, &job) == 0);
    run.submitted = 1;

    /* Every follow-up adds its own read and deadline timeouts: far below this. */
    struct event *watchdog = evtimer_new(base, too_long, NULL);
    struct timeval limit = {8, 0};
    CHECK(watchdog && event_priority_set(watchdog, 0) == 0 && evtimer_add(watchdog, &limit) == 0);
    p3s_engine_start(e);
    event_base_dispatch(base);
    event_free(watchdog);

    CHECK(run.records == 1 && run.done == 1);
    conn_free_all();
    srv.script = NULL;
    script_free(&script);
    return 0;
}
