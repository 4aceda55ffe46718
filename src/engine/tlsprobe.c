/* tlsprobe.c — one connection per protocol version to learn which ones a server accepts (see
 * tlsprobe.h).
 *
 * A probe moves through phases: connect → (greeting → STLS reply, with STLS) → ClientHello sent →
 * the server's answer. The answer is read by lib/tlshello, not by a TLS stack: a ServerHello for
 * the version offered means accepted, an alert or another version refused, and the probe closes
 * right there. No handshake is completed, so a probe holds no TLS session: its socket, a small
 * input buffer and, only when it sends a server name, a ClientHello of its own. The ClientHello
 * bytes come from OpenSSL (one SSL_CTX per version, offering that version alone), made once per
 * version and shared by every probe without a server name. The POP3 preamble of STLS is read
 * with the protocol core's framing and status words (lib/pop3).
 *
 * One timer per probe: the overall timeout, and a zero delay to report results decided inside
 * p3s_tlsprobe_start. Every path ends in finish(), which releases everything and only then calls
 * back.
 */
#include "tlsprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pop3.h"
#include "tlshello.h"

/* What a probe keeps of what it received: a POP3 line and its terminator (the greeting, the
 * STLS answer), or the server's answer up to the end of its ServerHello. */
#define IN_MAX (P3TH_HELLO_MAX + 5 * 4)

enum phase { PH_CONNECT, PH_GREETING, PH_STLS, PH_HELLO, PH_DONE };

struct probe {
    struct probe *prev, *next; /* in `live` */
    struct event_base *base;
    evutil_socket_t fd;
    struct event io;           /* the socket: read/write readiness, edge-triggered */
    struct event timer;
    int io_added;
    enum phase phase;
    int stls, version;
    const uint8_t *out;        /* still to send: a command or a ClientHello (not owned) */
    size_t out_len;
    uint8_t *own_hello;        /* a ClientHello with this probe's server name, or NULL */
    size_t own_hello_len;
    char *sni;
    struct timeval timeout;
    enum p3s_tlsprobe_result result;
    char detail[256];
    p3s_tlsprobe_cb cb;
    void *arg;
    struct p3_reader rd;
    size_t in_len;
    uint8_t in[IN_MAX];
};

static struct probe *live;
static size_t nlive;

/* ---- one SSL_CTX per version ------------------------------------------------------------ */

#define NVERSIONS P3S_PROTO_COUNT

static struct vctx {
    int tried;
    int supported;
    SSL_CTX *ctx;
    SSL *names;     /* a session of ctx kept to name the cipher suites servers choose */
    uint8_t *hello; /* the ClientHello without a server name, shared by the probes */
    size_t hello_len;
    char why[160];
} vctxs[NVERSIONS];

static int version_index(int version)
{
    return p3s_tls_proto_of_code(version);
}

static void last_ssl_error(char *buf, size_t cap, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    if (e) {
        const char *r = ERR_reason_error_string(e);
        if (r)
            snprintf(buf, cap, "%s", r);
        else
            ERR_error_string_n(e, buf, cap);
    } else {
        snprintf(buf, cap, "%s", fallback);
    }
    ERR_clear_error();
}

/* The ClientHello a session of ctx sends (with sni, when not NULL), written in memory: nothing
 * is sent. Returns a malloc'd copy, or NULL with why filled. */
static uint8_t *make_hello(SSL_CTX *ctx, const char *sni, size_t *len, char *why, size_t cap)
{
    SSL *ssl = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    uint8_t *hello = NULL;
    if (!ssl || !rb || !wb) {
        snprintf(why, cap, "out of memory");
        BIO_free(rb);
        BIO_free(wb);
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_bio(ssl, rb, wb);
    SSL_set_connect_state(ssl);
    if (sni)
        SSL_set_tlsext_host_name(ssl, sni);
    int r = SSL_do_handshake(ssl);
    char *data;
    long n = BIO_get_mem_data(wb, &data);
    if (r < 0 && SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ && n > 0 &&
        (hello = malloc((size_t)n))) {
        memcpy(hello, data, (size_t)n);
        *len = (size_t)n;
    } else {
        last_ssl_error(why, cap, n > 0 ? "out of memory" : "no ClientHello");
    }
    ERR_clear_error();
    SSL_free(ssl);
    return hello;
}

static SSL_CTX *make_ctx(int version, char *why, size_t cap)
{
#ifdef OPENSSL_NO_SSL3
    if (version == SSL3_VERSION) {
        snprintf(why, cap, "unsupported by this OpenSSL (built without SSLv3)");
        return NULL;
    }
#endif
    char reason[120];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        last_ssl_error(reason, sizeof reason, "SSL_CTX_new failed");
        snprintf(why, cap, "cannot create a TLS context: %s", reason);
        return NULL;
    }
    /* Old versions on purpose: security level 0 for these probes only, every cipher, servers
     * without secure renegotiation (RFC 5746) allowed. */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
    int ok = SSL_CTX_set_min_proto_version(ctx, version) == 1 &&
             SSL_CTX_set_max_proto_version(ctx, version) == 1;
    if (ok && version == TLS1_3_VERSION)
        ok = SSL_CTX_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                                           "TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:"
                                           "TLS_AES_128_CCM_8_SHA256") == 1;
    else if (ok)
        ok = SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") == 1;
    if (!ok) {
        last_ssl_error(reason, sizeof reason, "cannot set the version");
        snprintf(why, cap, "unsupported by this OpenSSL (%s)", reason);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The context of a version, its shared ClientHello and its naming session, made on first use.
 * A version whose ClientHello OpenSSL cannot write is unsupported. */
static struct vctx *vctx_for(int version)
{
    int i = version_index(version);
    if (i < 0)
        return NULL;
    struct vctx *v = &vctxs[i];
    if (v->tried)
        return v;
    v->tried = 1;
    v->why[0] = '\0';
    v->ctx = make_ctx(version, v->why, sizeof v->why);
    if (!v->ctx)
        return v;
    char reason[120];
    v->hello = make_hello(v->ctx, NULL, &v->hello_len, reason, sizeof reason);
    v->names = v->hello ? SSL_new(v->ctx) : NULL;
    if (!v->names) {
        snprintf(v->why, sizeof v->why, "unsupported by this OpenSSL (%s)",
                 v->hello ? "out of memory" : reason);
        free(v->hello);
        v->hello = NULL;
        SSL_CTX_free(v->ctx);
        v->ctx = NULL;
        return v;
    }
    v->supported = 1;
    return v;
}

int p3s_tlsprobe_supported(int version, char *why, size_t cap)
{
    struct vctx *v = vctx_for(version);
    if (v && v->supported)
        return 1;
    if (why && cap)
        snprintf(why, cap, "%s", v ? v->why : "unknown protocol version");
    return 0;
}

void p3s_tlsprobe_cleanup(void)
{
    for (int i = 0; i < NVERSIONS; i++) {
        SSL_free(vctxs[i].names);
        SSL_CTX_free(vctxs[i].ctx);
        free(vctxs[i].hello); /* probes in flight with it are gone: see the header */
        memset(&vctxs[i], 0, sizeof vctxs[i]);
    }
}

size_t p3s_tlsprobe_active(void)
{
    return nlive;
}

/* ---- the probe -------------------------------------------------------------------------- */

static void finish(struct probe *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else if (live == p)
        live = p->next;
    if (p->next)
        p->next->prev = p->prev;
    nlive--;
    if (p->io_added)
        event_del(&p->io);
    if (p->fd >= 0)
        close(p->fd);
    event_del(&p->timer);
    free(p->own_hello);
    free(p->sni);
    char detail[sizeof p->detail];
    memcpy(detail, p->detail, sizeof detail);
    enum p3s_tlsprobe_result result = p->result;
    int version = p->version;
    p3s_tlsprobe_cb cb = p->cb;
    void *arg = p->arg;
    free(p);
    cb(arg, version, result, detail);
}

static void end(struct probe *p, enum p3s_tlsprobe_result result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decides the result; the timer finishes, at once, from the loop. Never freed here: the
 * callers (inside p3s_tlsprobe_start, or deep in an I/O callback) still hold p, and look at
 * p->phase to know it ended. */
static void end(struct probe *p, enum p3s_tlsprobe_result result, const char *fmt, ...)
{
    static const struct timeval now = {0, 0};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
    p->result = result;
    p->phase = PH_DONE;
    if (p->io_added)
        event_del(&p->io);
    p->io_added = 0;
    evtimer_add(&p->timer, &now);
}

/* A server line for a detail: printable ASCII only, cut at 120 bytes. */
static void clean_line(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap && i < 120; i++)
        out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 120 && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Sends what is left of p->out; the rest waits for the socket to be writable (the next edge).
 * A failed send is left to the read side, which sees the reset or the close. */
static void flush_out(struct probe *p)
{
    while (p->out_len) {
        ssize_t k = send(p->fd, p->out, p->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k <= 0)
            return;
        p->out += k;
        p->out_len -= (size_t)k;
    }
}

static void send_bytes(struct probe *p, const void *data, size_t len)
{
    p->out = data;
    p->out_len = len;
    flush_out(p);
}

static void send_hello(struct probe *p)
{
    struct vctx *v = vctx_for(p->version);
    const uint8_t *hello = v->hello;
    size_t len = v->hello_len;
    if (p->sni) {
        char why[120];
        p->own_hello = make_hello(v->ctx, p->sni, &p->own_hello_len, why, sizeof why);
        if (!p->own_hello) {
            end(p, P3S_TLSPROBE_ERROR, "cannot write a ClientHello: %s", why);
            return;
        }
        hello = p->own_hello;
        len = p->own_hello_len;
    }
    p->phase = PH_HELLO;
    p->in_len = 0;
    send_bytes(p, hello, len);
}

static const char *version_name(uint16_t code)
{
    int i = version_index(code);
    return i < 0 ? NULL : P3S_TLS_PROTOS[i].openssl;
}

/* The server's answer to the ClientHello decides. Returns 0 while it needs more bytes. */
static int judge_answer(struct probe *p)
{
    struct p3th_answer a;
    enum p3th_verdict verdict = p3th_read_answer(p->in, p->in_len, &a);
    char clean[160];
    switch (verdict) {
    case P3TH_NEED_MORE:
        if (p->in_len < sizeof p->in)
            return 0;
        end(p, P3S_TLSPROBE_REFUSED, "an answer longer than %zu bytes before any ServerHello",
            sizeof p->in);
        return 1;
    case P3TH_SERVER_HELLO: {
        if (a.version != p->version) {
            const char *name = version_name(a.version);
            if (name)
                end(p, P3S_TLSPROBE_REFUSED, "the server chose %s instead", name);
            else
                end(p, P3S_TLSPROBE_REFUSED, "the server chose version 0x%04x instead",
                    a.version);
            return 1;
        }
        uint8_t code[2] = {(uint8_t)(a.cipher >> 8), (uint8_t)a.cipher};
        const SSL_CIPHER *c = SSL_CIPHER_find(vctx_for(p->version)->names, code);
        if (c)
            end(p, P3S_TLSPROBE_ACCEPTED, "%s", SSL_CIPHER_get_name(c));
        else
            end(p, P3S_TLSPROBE_ACCEPTED, "cipher suite 0x%04x", a.cipher);
        return 1;
    }
    case P3TH_ALERT: {
        /* OpenSSL's own words for a received alert, as a completed handshake would report. */
        const char *r = ERR_reason_error_string(
            ERR_PACK(ERR_LIB_SSL, 0, SSL_AD_REASON_OFFSET + a.alert_desc));
        if (r)
            end(p, P3S_TLSPROBE_REFUSED, "%s", r);
        else
            end(p, P3S_TLSPROBE_REFUSED, "alert %u", a.alert_desc);
        return 1;
    }
    case P3TH_UNEXPECTED:
        end(p, P3S_TLSPROBE_REFUSED, "handshake message %u instead of a ServerHello",
            a.msg_type);
        return 1;
    case P3TH_NOT_TLS:
        clean_line((const char *)p->in, p->in_len, clean, sizeof clean);
        end(p, P3S_TLSPROBE_REFUSED, "not a TLS answer: %s", clean);
        return 1;
    case P3TH_MALFORMED:
        end(p, P3S_TLSPROBE_REFUSED, "a malformed ServerHello");
        return 1;
    }
    return 1;
}

/* The greeting and the answer to STLS, one line each, framed and judged by the core. Returns 0
 * while a line is incomplete. */
static int read_preamble(struct probe *p)
{
    for (;;) {
        struct p3_line line;
        int have = 0;
        size_t used = p3_read_line(&p->rd, (const char *)p->in, p->in_len, &line, &have);
        if (!have) {
            p->in_len -= used;
            memmove(p->in, p->in + used, p->in_len);
            return 0;
        }
        char clean[160];
        if (p->phase == PH_GREETING) {
            if (p3_classify_greeting(line.text, line.len) != P3_SVC_POP3) {
                clean_line(line.text, line.len, clean, sizeof clean);
                end(p, P3S_TLSPROBE_ERROR, "greeting not +OK: %s", clean);
                return 1;
            }
            p->in_len -= used;
            memmove(p->in, p->in + used, p->in_len);
            p->phase = PH_STLS;
            send_bytes(p, "STLS\r\n", 6);
            continue;
        }
        if (p3_reply_status(line.text, line.len) != P3_ST_OK) {
            clean_line(line.text, line.len, clean, sizeof clean);
            end(p, P3S_TLSPROBE_ERROR, "STLS refused: %s", clean);
            return 1;
        }
        /* Bytes after the +OK were sent in cleartext: never read them as TLS. */
        send_hello(p);
        return 1;
    }
}

/* Acts on what is in p->in. Returns 1 when the probe ended or moved on to the ClientHello. */
static int process(struct probe *p)
{
    if (p->phase == PH_GREETING || p->phase == PH_STLS)
        return read_preamble(p);
    if (p->phase == PH_HELLO)
        return judge_answer(p);
    p->in_len = 0; /* nothing is read in the other phases */
    return 0;
}

/* The socket ended (EOF or an error) before a verdict. */
static void on_closed(struct probe *p, int err)
{
    const char *how = err ? strerror(err) : "connection closed";
    switch (p->phase) {
    case PH_CONNECT:
        end(p, P3S_TLSPROBE_ERROR, "connect: %s", err ? strerror(err) : "failed");
        break;
    case PH_GREETING:
        end(p, P3S_TLSPROBE_ERROR, "%s before the greeting", how);
        break;
    case PH_STLS:
        end(p, P3S_TLSPROBE_ERROR, "%s after STLS", how);
        break;
    case PH_HELLO:
        end(p, P3S_TLSPROBE_REFUSED, "%s during the handshake", how);
        break;
    case PH_DONE:
        break;
    }
}

/* Reads until the socket has nothing more or the probe ended. */
static void read_more(struct probe *p)
{
    for (;;) {
        if (p->in_len == sizeof p->in && process(p))
            return;
        size_t room = sizeof p->in - p->in_len;
        ssize_t k = room ? recv(p->fd, p->in + p->in_len, room, 0) : 0;
        if (k > 0) {
            p->in_len += (size_t)k;
            if (process(p))
                return;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (room == 0) { /* full and still undecided: the preamble skips, the answer ends */
            if (p->phase == PH_HELLO)
                return;
            continue;
        }
        on_closed(p, k < 0 ? errno : 0);
        return;
    }
}

/* Returns -1 when the probe ended, 0 when it goes on. */
static int connected(struct probe *p)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        end(p, P3S_TLSPROBE_ERROR, "connect: %s", strerror(err));
        return -1;
    }
    if (p->stls)
        p->phase = PH_GREETING;
    else
        send_hello(p);
    return 0;
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct probe *p = arg;
    if (p->phase == PH_DONE)
        return;
    if (p->phase == PH_CONNECT) {
        if (connected(p) < 0)
            return;
    } else if ((what & EV_WRITE) && p->out_len) {
        flush_out(p);
    }
    if ((what & EV_READ) && p->phase != PH_DONE)
        read_more(p);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct probe *p = arg;
    long ms = (long)p->timeout.tv_sec * 1000 + p->timeout.tv_usec / 1000;
    switch (p->phase) {
    case PH_DONE:
        finish(p);
        return;
    case PH_CONNECT:
        end(p, P3S_TLSPROBE_TIMEOUT, "no answer to connect within %ld ms", ms);
        return;
    case PH_GREETING:
        end(p, P3S_TLSPROBE_TIMEOUT, "no greeting within %ld ms", ms);
        return;
    case PH_STLS:
        end(p, P3S_TLSPROBE_TIMEOUT, "no answer to STLS within %ld ms", ms);
        return;
    case PH_HELLO:
        end(p, P3S_TLSPROBE_TIMEOUT, "TLS handshake timed out (%ld ms)", ms);
        return;
    }
}

static int is_ip_literal(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int p3s_tlsprobe_start(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
                       int stls, int version, const char *sni, const struct timeval *timeout,
                       p3s_tlsprobe_cb cb, void *arg)
{
    if (!base || !sa || !cb || version_index(version) < 0 ||
        !((sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(struct sockaddr_in)) ||
          (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(struct sockaddr_in6)))) {
        errno = EINVAL;
        return -1;
    }
    struct probe *p = calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    p->base = base;
    p->fd = -1;
    p->stls = stls;
    p->version = version;
    p->cb = cb;
    p->arg = arg;
    p->timeout = timeout ? *timeout : (struct timeval){10, 0};
    evtimer_assign(&p->timer, base, on_timer, p);
    if (sni && *sni && !is_ip_literal(sni) && !(p->sni = strdup(sni))) {
        free(p);
        errno = ENOMEM;
        return -1;
    }
    struct vctx *v = vctx_for(version);
    if (v->supported) {
        p->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (p->fd < 0) {
            int e = errno;
            free(p->sni);
            free(p);
            errno = e;
            return -1;
        }
    }
    /* Live from here on: cb will be called. */
    p->next = live;
    if (live)
        live->prev = p;
    live = p;
    nlive++;
    if (!v->supported) {
        end(p, P3S_TLSPROBE_UNSUPPORTED, "%s", v->why);
    } else {
        p->phase = PH_CONNECT;
        evtimer_add(&p->timer, &p->timeout);
        if (connect(p->fd, sa, salen) < 0 && errno != EINPROGRESS) {
            end(p, P3S_TLSPROBE_ERROR, "connect: %s", strerror(errno));
        } else {
            /* Registered once for the socket's life: edges say connected, readable, writable. */
            event_assign(&p->io, base, p->fd, EV_READ | EV_WRITE | EV_PERSIST | EV_ET, on_io, p);
            if (event_add(&p->io, NULL) < 0)
                end(p, P3S_TLSPROBE_ERROR, "cannot watch the socket");
            else
                p->io_added = 1;
        }
    }
    return 0;
}

void p3s_tlsprobe_abort_all(void)
{
    /* Detach the list: probes the callbacks start go to a fresh `live` and are left alone.
     * finish() unlinks correctly from the detached list too (its head has no prev). */
    struct probe *list = live;
    live = NULL;
    while (list) {
        struct probe *p = list;
        list = p->next;
        if (p->phase != PH_DONE) { /* a decided probe keeps its result */
            p->result = P3S_TLSPROBE_ERROR;
            snprintf(p->detail, sizeof p->detail, "aborted");
        }
        finish(p);
    }
}
