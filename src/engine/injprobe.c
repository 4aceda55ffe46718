/* injprobe.c — the STLS command injection check on a connection of its own (see injprobe.h).
 *
 * Phases: connect → greeting → (settle) → "STLS\r\nCAPA\r\n" → +OK → handshake → QUIT → every
 * line up to the close. One timer per check: the step timeout of the phase (never past the
 * check's total time), the settle wait, and after each answer under TLS a short quiet wait for a
 * server that does not close after QUIT. Every path ends in finish(), which releases everything
 * and only then calls back.
 */
#include "injprobe.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsstrip.h"
#include "util.h"

#define TEXT_MAX 2048 /* evidence and cleartext kept, each */
/* After an answer under TLS, how long a list that would follow it may take. A vulnerable server
 * writes the injected CAPA's whole answer at once, before QUIT's; the wait is only for servers
 * that do not close after QUIT. */
#define QUIET_MS 1000

enum phase { PH_CONNECT, PH_GREETING, PH_SETTLE, PH_STLS, PH_HANDSHAKE, PH_AFTER, PH_DONE };

struct text {
    char *p;
    size_t n;
};

struct probe {
    struct probe *prev, *next; /* in `live` */
    struct event_base *base;
    SSL_CTX *ctx;
    struct bufferevent *bev; /* the socket (it does not close it), then TLS over it (it does) */
    int fd;                  /* ours to close until the TLS bufferevent owns it (-1) */
    struct event *timer;
    enum phase phase;
    char *sni;
    int settle_ms, step_ms;
    double t_end;
    int starting; /* inside p3s_injprobe_start: results are deferred to the timer */
    struct p3_inject inj;
    enum p3_inject_verdict verdict;
    char detail[256];
    struct text evidence, cleartext;
    p3s_injprobe_cb cb;
    void *arg;
};

static struct probe *live;
static size_t nlive;

size_t p3s_injprobe_active(void)
{
    return nlive;
}

/* Appends a line to a capped text, a newline between two lines. */
static void text_add(struct text *t, const char *p, size_t n)
{
    size_t sep = t->n ? 1 : 0;
    if (t->n + sep >= TEXT_MAX)
        return;
    if (n > TEXT_MAX - t->n - sep)
        n = TEXT_MAX - t->n - sep;
    t->p = p3s_xrealloc(t->p, t->n + sep + n + 1);
    if (sep)
        t->p[t->n++] = '\n';
    memcpy(t->p + t->n, p, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void finish(struct probe *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else if (live == p)
        live = p->next;
    if (p->next)
        p->next->prev = p->prev;
    nlive--;
    if (p->bev)
        bufferevent_free(p->bev); /* closes the socket when TLS owns it */
    if (p->fd >= 0)
        close(p->fd);
    event_free(p->timer);
    free(p->sni);
    char detail[sizeof p->detail];
    memcpy(detail, p->detail, sizeof detail);
    struct p3s_injprobe_result res = {
        p->verdict, detail,         p->evidence.p ? p->evidence.p : "", p->evidence.n,
        p->cleartext.p ? p->cleartext.p : "", p->cleartext.n};
    p3s_injprobe_cb cb = p->cb;
    void *arg = p->arg;
    struct text ev = p->evidence, ct = p->cleartext;
    free(p); /* before the callback, which may start another check */
    cb(arg, &res);
    free(ev.p);
    free(ct.p);
}

static void end(struct probe *p, enum p3_inject_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decides the verdict and finishes, or, inside p3s_injprobe_start, lets the timer finish. */
static void end(struct probe *p, enum p3_inject_verdict v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
    p->verdict = v;
    p->phase = PH_DONE;
    if (p->starting) {
        static const struct timeval now = {0, 0};
        evtimer_add(p->timer, &now);
        if (p->bev)
            bufferevent_disable(p->bev, EV_READ | EV_WRITE);
        return;
    }
    finish(p);
}

/* Arms the timer for ms, never past the check's total time. */
static void arm(struct probe *p, int ms)
{
    double left = p->t_end - p3s_now_ms();
    if (left < ms)
        ms = left > 0 ? (int)left : 0;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(p->timer, &tv);
}

/* A server line for a detail: printable ASCII only, cut at 100 bytes. */
static void clean_line(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap && i < 100; i++)
        out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 100 && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* The next line of the input (terminator dropped) into line; 0 when none is complete. A line
 * longer than the core's cap is cut there and its rest dropped. */
static int next_line(struct probe *p, char *line, size_t *n)
{
    struct evbuffer *in = bufferevent_get_input(p->bev);
    struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
    size_t avail = evbuffer_get_length(in);
    if (eol.pos < 0 && avail <= P3_LINE_MAX)
        return 0;
    size_t len = eol.pos < 0 ? P3_LINE_MAX : (size_t)eol.pos;
    size_t keep = len < P3_LINE_MAX ? len : P3_LINE_MAX;
    evbuffer_remove(in, line, keep);
    evbuffer_drain(in, len - keep + (eol.pos < 0 ? 0 : 1));
    if (keep > 0 && line[keep - 1] == '\r')
        keep--;
    *n = keep;
    return 1;
}

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static void on_stripped(void *arg, const char *line, size_t n)
{
    struct probe *p = arg;
    text_add(&p->cleartext, line, n);
}

/* Sends STLS and CAPA in one write. Bytes received before it cannot answer it: dropped. */
static void send_inject(struct probe *p)
{
    struct evbuffer *in = bufferevent_get_input(p->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    p->phase = PH_STLS;
    bufferevent_write(p->bev, P3_STLS_INJECT, sizeof P3_STLS_INJECT - 1);
    arm(p, p->step_ms);
}

static void start_tls(struct probe *p)
{
    /* What followed +OK in cleartext (the pipelined CAPA answered before TLS): set aside. */
    char line[P3_LINE_MAX];
    size_t n;
    while (next_line(p, line, &n))
        text_add(&p->cleartext, line, n);
    struct evbuffer *in = bufferevent_get_input(p->bev);
    if (evbuffer_get_length(in))
        text_add(&p->cleartext, "(an unterminated line)", 22);
    bufferevent_free(p->bev); /* the socket stays open: this one does not own it */
    p->bev = NULL;
    SSL *ssl = SSL_new(p->ctx);
    BIO *bio = ssl ? p3s_strip_bio_new(p->fd, on_stripped, p) : NULL;
    if (!bio) {
        SSL_free(ssl);
        ERR_clear_error();
        end(p, P3_INJ_INCONCLUSIVE, "cannot start TLS");
        return;
    }
    SSL_set_bio(ssl, bio, bio);
    if (p->sni)
        SSL_set_tlsext_host_name(ssl, p->sni);
    struct bufferevent *tls = bufferevent_openssl_socket_new(p->base, p->fd, ssl,
                                                             BUFFEREVENT_SSL_CONNECTING,
                                                             BEV_OPT_CLOSE_ON_FREE);
    if (!tls) { /* libevent has freed the SSL on this path */
        end(p, P3_INJ_INCONCLUSIVE, "cannot start TLS");
        return;
    }
    p->fd = -1;
    bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
    p->bev = tls;
    p->phase = PH_HANDSHAKE;
    bufferevent_setcb(tls, on_read, NULL, on_event, p);
    bufferevent_enable(tls, EV_READ | EV_WRITE);
    arm(p, p->step_ms);
}

/* Under TLS now: only QUIT is sent; what comes back decides. */
static void handshake_done(struct probe *p)
{
    p->phase = PH_AFTER;
    bufferevent_write(p->bev, "QUIT\r\n", 6);
    arm(p, p->step_ms);
}

static void decide(struct probe *p)
{
    const struct p3_inject *st = &p->inj;
    switch (p3_inject_verdict(st)) {
    case P3_INJ_VULNERABLE:
        end(p, P3_INJ_VULNERABLE,
            "a multi-line answer came under TLS before the answer to QUIT: the CAPA sent in "
            "cleartext with STLS ran inside TLS");
        return;
    case P3_INJ_NOT_VULNERABLE:
        end(p, P3_INJ_NOT_VULNERABLE, "only QUIT was answered under TLS%s",
            p->cleartext.n ? " (the server sent cleartext after +OK to STLS)" : "");
        return;
    default:
        if (!st->status_lines && !st->other_lines && !st->in_list)
            end(p, P3_INJ_INCONCLUSIVE, "no answer to QUIT under TLS");
        else
            end(p, P3_INJ_INCONCLUSIVE,
                "%u status and %u other lines under TLS for one QUIT, no complete list",
                (unsigned)st->status_lines, (unsigned)(st->other_lines + st->in_list));
        return;
    }
}

static void read_greeting(struct probe *p)
{
    char line[P3_LINE_MAX], clean[128];
    size_t n;
    if (!next_line(p, line, &n))
        return;
    if (p3_reply_status(line, n) != P3_ST_OK) {
        clean_line(line, n, clean, sizeof clean);
        end(p, P3_INJ_INCONCLUSIVE, "greeting not +OK: %s", clean);
        return;
    }
    if (p->settle_ms > 0) {
        p->phase = PH_SETTLE;
        arm(p, p->settle_ms);
        return;
    }
    send_inject(p);
}

static void read_stls(struct probe *p)
{
    char line[P3_LINE_MAX], clean[128];
    size_t n;
    if (!next_line(p, line, &n))
        return;
    if (p3_reply_status(line, n) != P3_ST_OK) {
        clean_line(line, n, clean, sizeof clean);
        end(p, P3_INJ_INCONCLUSIVE, "STLS followed by CAPA was answered: %s", clean);
        return;
    }
    start_tls(p);
}

static void read_after(struct probe *p)
{
    char line[P3_LINE_MAX];
    size_t n;
    while (p->phase == PH_AFTER && next_line(p, line, &n)) {
        p3_inject_line(&p->inj, line, n);
        text_add(&p->evidence, line, n);
        if (!p->inj.in_list) /* an answer ended, or may have: wait briefly for more */
            arm(p, p->step_ms < QUIET_MS ? p->step_ms : QUIET_MS);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct probe *p = arg;
    switch (p->phase) {
    case PH_GREETING:
        read_greeting(p);
        return;
    case PH_STLS:
        read_stls(p);
        return;
    case PH_HANDSHAKE: /* data through TLS: the handshake is done even if not reported yet */
        handshake_done(p);
        read_after(p);
        return;
    case PH_AFTER:
        read_after(p);
        return;
    default: /* settling, or done: what arrives now is dropped */
        evbuffer_drain(bufferevent_get_input(p->bev), (size_t)-1);
        return;
    }
}

static void handshake_failed(struct probe *p, short what, int err)
{
    unsigned long e = bufferevent_get_openssl_error(p->bev), first = e;
    while (e)
        e = bufferevent_get_openssl_error(p->bev);
    ERR_clear_error();
    char reason[160];
    if (first)
        ERR_error_string_n(first, reason, sizeof reason);
    else
        snprintf(reason, sizeof reason, "%s",
                 (what & BEV_EVENT_EOF) ? "connection closed" : err ? strerror(err) : "failed");
    /* No TLS session carried the pipelined CAPA, but that does not show the server would not
     * run it: Dovecot feeds the bytes to its TLS layer and gives up, while CPython's test server
     * runs the CAPA at once and dies writing its answer before the handshake is done. From here
     * both are the same close. */
    end(p, P3_INJ_INCONCLUSIVE,
        "the TLS handshake failed when CAPA followed STLS in one write (%s): no TLS session "
        "carried the command, whether the server would run it is not known",
        reason);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct probe *p = arg;
    int err = EVUTIL_SOCKET_ERROR();
    if (p->phase == PH_DONE)
        return;
    if (what & BEV_EVENT_CONNECTED) {
        if (p->phase == PH_CONNECT) {
            p->phase = PH_GREETING;
            bufferevent_enable(p->bev, EV_READ);
            arm(p, p->step_ms);
        } else if (p->phase == PH_HANDSHAKE) {
            handshake_done(p);
        }
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    const char *how = (what & BEV_EVENT_ERROR) && err ? strerror(err) : "connection closed";
    switch (p->phase) {
    case PH_CONNECT:
        end(p, P3_INJ_INCONCLUSIVE, "connect: %s", err ? strerror(err) : "failed");
        return;
    case PH_HANDSHAKE:
        handshake_failed(p, what, (what & BEV_EVENT_ERROR) ? err : 0);
        return;
    case PH_AFTER:
        while (bufferevent_get_openssl_error(p->bev))
            ;
        ERR_clear_error();
        read_after(p); /* lines that came with the close */
        if (p->phase == PH_AFTER)
            decide(p);
        return;
    default:
        end(p, P3_INJ_INCONCLUSIVE, "%s before TLS", how);
        return;
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct probe *p = arg;
    switch (p->phase) {
    case PH_DONE:
        finish(p);
        return;
    case PH_SETTLE:
        send_inject(p);
        return;
    case PH_AFTER:
        decide(p);
        return;
    case PH_HANDSHAKE:
        end(p, P3_INJ_INCONCLUSIVE, "TLS handshake after STLS and CAPA timed out");
        return;
    default:
        end(p, P3_INJ_INCONCLUSIVE, "no answer %s in time",
            p->phase == PH_CONNECT ? "to connect" : p->phase == PH_GREETING ? "(greeting)"
                                                                              : "to STLS");
        return;
    }
}

int p3s_injprobe_start(struct event_base *base, SSL_CTX *ctx, const struct sockaddr *sa,
                       socklen_t salen, const char *sni, int settle_ms, int step_ms,
                       int total_ms, p3s_injprobe_cb cb, void *arg)
{
    if (!base || !ctx || !sa || !cb || step_ms <= 0 || total_ms <= 0 ||
        !((sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(struct sockaddr_in)) ||
          (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(struct sockaddr_in6)))) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct probe *p = p3s_xcalloc(1, sizeof *p);
    p->base = base;
    p->ctx = ctx;
    p->fd = fd;
    p->settle_ms = settle_ms;
    p->step_ms = step_ms;
    p->t_end = p3s_now_ms() + total_ms;
    p->cb = cb;
    p->arg = arg;
    p->sni = sni && *sni ? p3s_xstrdup(sni) : NULL;
    p3_inject_init(&p->inj);
    p->timer = evtimer_new(base, on_timer, p);
    p->bev = p->timer ? bufferevent_socket_new(base, fd, 0) : NULL;
    if (!p->bev) {
        if (p->timer)
            event_free(p->timer);
        free(p->sni);
        free(p);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    /* Live from here on: cb will be called. */
    p->next = live;
    if (live)
        live->prev = p;
    live = p;
    nlive++;
    p->starting = 1;
    p->phase = PH_CONNECT;
    bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
    arm(p, step_ms);
    /* A connect that fails at once calls on_event from in here: `starting` defers it. */
    if (bufferevent_socket_connect(p->bev, (struct sockaddr *)sa, (int)salen) < 0 &&
        p->phase != PH_DONE)
        end(p, P3_INJ_INCONCLUSIVE, "connect: %s", strerror(EVUTIL_SOCKET_ERROR()));
    p->starting = 0;
    return 0;
}

void p3s_injprobe_abort_all(void)
{
    struct probe *list = live;
    live = NULL;
    while (list) {
        struct probe *p = list;
        list = p->next;
        if (p->phase != PH_DONE) {
            p->verdict = P3_INJ_INCONCLUSIVE;
            snprintf(p->detail, sizeof p->detail, "aborted");
        }
        finish(p);
    }
}
