/* tlsprobe.c — one connection per protocol version to learn which ones a server accepts (see
 * tlsprobe.h).
 *
 * A probe moves through phases: connect → (greeting → STLS reply, with STLS) → handshake → quit.
 * One timer per probe: the overall timeout until the handshake ends, then the short wait after
 * QUIT, and a zero delay to report results decided inside p3s_tlsprobe_start. Every path ends in
 * finish(), which releases everything and only then calls back.
 */
#include "tlsprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048 /* a greeting or STLS answer longer than this is not POP3 */
#define QUIT_WAIT_MS 1000

enum phase { PH_CONNECT, PH_GREETING, PH_STLS, PH_HANDSHAKE, PH_QUIT, PH_DONE };

struct probe {
    struct probe *prev, *next; /* in `live` */
    struct event_base *base;
    struct bufferevent *bev; /* the top: the socket, or TLS over it */
    struct event *timer;
    enum phase phase;
    int stls, version;
    char *sni;
    int quit_lines; /* lines still awaited after QUIT (greeting and/or the +OK) */
    struct timeval timeout;
    int starting; /* inside p3s_tlsprobe_start: results are deferred to the timer */
    enum p3s_tlsprobe_result result;
    char detail[256];
    p3s_tlsprobe_cb cb;
    void *arg;
};

static struct probe *live;
static size_t nlive;

/* ---- one SSL_CTX per version ------------------------------------------------------------ */

#define NVERSIONS 5

static struct vctx {
    int tried;
    int supported;
    SSL_CTX *ctx;
    char why[160];
} vctxs[NVERSIONS];

static int version_index(int version)
{
    switch (version) {
    case SSL3_VERSION:
        return 0;
    case TLS1_VERSION:
        return 1;
    case TLS1_1_VERSION:
        return 2;
    case TLS1_2_VERSION:
        return 3;
    case TLS1_3_VERSION:
        return 4;
    default:
        return -1;
    }
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

/* Whether a session from ctx can write a ClientHello: done in memory, nothing is sent. */
static int can_hello(SSL_CTX *ctx, char *why, size_t cap)
{
    SSL *ssl = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    int ok = 0;
    if (!ssl || !rb || !wb) {
        snprintf(why, cap, "out of memory");
        BIO_free(rb);
        BIO_free(wb);
        SSL_free(ssl);
        return 0;
    }
    SSL_set_bio(ssl, rb, wb);
    SSL_set_connect_state(ssl);
    int r = SSL_do_handshake(ssl);
    ok = r < 0 && SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ && BIO_pending(wb) > 0;
    if (!ok)
        last_ssl_error(why, cap, "no ClientHello");
    ERR_clear_error();
    SSL_free(ssl);
    return ok;
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
     * without secure renegotiation (RFC 5746) allowed, no verification. */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
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
    if (!can_hello(ctx, reason, sizeof reason)) {
        snprintf(why, cap, "unsupported by this OpenSSL (%s)", reason);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static struct vctx *vctx_for(int version)
{
    int i = version_index(version);
    if (i < 0)
        return NULL;
    struct vctx *v = &vctxs[i];
    if (!v->tried) {
        v->tried = 1;
        v->why[0] = '\0';
        v->ctx = make_ctx(version, v->why, sizeof v->why);
        v->supported = v->ctx != NULL;
    }
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
        SSL_CTX_free(vctxs[i].ctx); /* sessions in flight hold their own reference */
        memset(&vctxs[i], 0, sizeof vctxs[i]);
    }
}

const char *p3s_tlsprobe_result_name(enum p3s_tlsprobe_result result)
{
    switch (result) {
    case P3S_TLSPROBE_ACCEPTED:
        return "accepted";
    case P3S_TLSPROBE_REFUSED:
        return "refused";
    case P3S_TLSPROBE_UNSUPPORTED:
        return "unsupported";
    case P3S_TLSPROBE_TIMEOUT:
        return "timeout";
    case P3S_TLSPROBE_ERROR:
        return "error";
    }
    return "error";
}

size_t p3s_tlsprobe_active(void)
{
    return nlive;
}

/* ---- the probe -------------------------------------------------------------------------- */

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

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
        bufferevent_free(p->bev); /* closes the socket (and frees the SSL) */
    event_free(p->timer);
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

/* Decides the result and finishes, or, inside p3s_tlsprobe_start, lets the timer finish. */
static void end(struct probe *p, enum p3s_tlsprobe_result result, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
    p->result = result;
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

static void ssl_failure(struct probe *p, short what, int err)
{
    unsigned long e = bufferevent_get_openssl_error(p->bev), first = e;
    while (e)
        e = bufferevent_get_openssl_error(p->bev);
    ERR_clear_error();
    if (first) {
        char reason[160];
        const char *r = ERR_reason_error_string(first);
        if (r)
            snprintf(reason, sizeof reason, "%s", r);
        else
            ERR_error_string_n(first, reason, sizeof reason);
        int code = ERR_GET_REASON(first);
        if (ERR_GET_LIB(first) == ERR_LIB_SSL &&
            (code == SSL_R_NO_PROTOCOLS_AVAILABLE || code == SSL_R_NO_CIPHERS_AVAILABLE ||
             code == SSL_R_UNSUPPORTED_SSL_VERSION))
            end(p, P3S_TLSPROBE_UNSUPPORTED, "unsupported by this OpenSSL (%s)", reason);
        else
            end(p, P3S_TLSPROBE_REFUSED, "%s", reason);
    } else if (what & BEV_EVENT_EOF) {
        end(p, P3S_TLSPROBE_REFUSED, "connection closed during the handshake");
    } else if (err) {
        end(p, P3S_TLSPROBE_REFUSED, "%s during the handshake", strerror(err));
    } else {
        end(p, P3S_TLSPROBE_REFUSED, "handshake failed");
    }
}

static void start_tls(struct probe *p)
{
    struct vctx *v = vctx_for(p->version);
    SSL *ssl = v && v->ctx ? SSL_new(v->ctx) : NULL;
    if (!ssl) {
        ERR_clear_error();
        end(p, P3S_TLSPROBE_ERROR, "cannot create a TLS session");
        return;
    }
    if (p->sni)
        SSL_set_tlsext_host_name(ssl, p->sni);
    struct bufferevent *tls = bufferevent_openssl_filter_new(p->base, p->bev, ssl,
                                                             BUFFEREVENT_SSL_CONNECTING,
                                                             BEV_OPT_CLOSE_ON_FREE);
    if (!tls) {
        /* Out of memory only. libevent 2.1 has then already freed the SSL and, depending on
         * where it failed, the socket bufferevent: touching either could free them twice. */
        p->bev = NULL;
        end(p, P3S_TLSPROBE_ERROR, "cannot start TLS");
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
    p->bev = tls;
    p->phase = PH_HANDSHAKE;
    bufferevent_setcb(tls, on_read, NULL, on_event, p);
    bufferevent_enable(tls, EV_READ | EV_WRITE);
}

/* Returns -1 when the probe ended (p is gone), 0 when it waits for the answer to QUIT. */
static int handshake_done(struct probe *p)
{
    SSL *ssl = bufferevent_openssl_get_ssl(p->bev);
    int got = ssl ? SSL_version(ssl) : 0;
    if (got != p->version) { /* cannot happen with min = max, but never report a wrong one */
        end(p, P3S_TLSPROBE_REFUSED, "negotiated %s instead", ssl ? SSL_get_version(ssl) : "?");
        return -1;
    }
    p->result = P3S_TLSPROBE_ACCEPTED;
    snprintf(p->detail, sizeof p->detail, "%s", SSL_get_cipher_name(ssl));
    /* Leave politely: QUIT, then wait for the greeting (implicit TLS) and the answer, or the
     * close, but not long. */
    p->phase = PH_QUIT;
    p->quit_lines = p->stls ? 1 : 2;
    bufferevent_write(p->bev, "QUIT\r\n", 6);
    long ms = (long)p->timeout.tv_sec * 1000 + p->timeout.tv_usec / 1000;
    if (ms > QUIT_WAIT_MS)
        ms = QUIT_WAIT_MS;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(p->timer, &tv);
    return 0;
}

/* The next CRLF- or LF-terminated line, or NULL. Sets *toolong when none fits the limit. */
static char *next_line(struct probe *p, size_t *n, int *toolong)
{
    struct evbuffer *in = bufferevent_get_input(p->bev);
    char *line = evbuffer_readln(in, n, EVBUFFER_EOL_CRLF);
    *toolong = !line && evbuffer_get_length(in) > LINE_MAX_BYTES;
    return line;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct probe *p = arg;
    for (;;) {
        size_t n;
        int toolong;
        char *line;
        char clean[160];
        switch (p->phase) {
        case PH_GREETING:
            line = next_line(p, &n, &toolong);
            if (!line) {
                if (toolong)
                    end(p, P3S_TLSPROBE_ERROR, "greeting longer than %d bytes", LINE_MAX_BYTES);
                return;
            }
            if (strncmp(line, "+OK", 3) != 0) {
                clean_line(line, n, clean, sizeof clean);
                free(line);
                end(p, P3S_TLSPROBE_ERROR, "greeting not +OK: %s", clean);
                return;
            }
            free(line);
            p->phase = PH_STLS;
            bufferevent_write(p->bev, "STLS\r\n", 6);
            break;
        case PH_STLS:
            line = next_line(p, &n, &toolong);
            if (!line) {
                if (toolong)
                    end(p, P3S_TLSPROBE_ERROR, "STLS answer longer than %d bytes",
                        LINE_MAX_BYTES);
                return;
            }
            if (strncmp(line, "+OK", 3) != 0) {
                clean_line(line, n, clean, sizeof clean);
                free(line);
                end(p, P3S_TLSPROBE_ERROR, "STLS refused: %s", clean);
                return;
            }
            free(line);
            /* Bytes after the +OK were sent in cleartext: never read them as TLS. */
            struct evbuffer *in = bufferevent_get_input(p->bev);
            evbuffer_drain(in, evbuffer_get_length(in));
            start_tls(p);
            return;
        case PH_HANDSHAKE:
            /* Data through TLS: the handshake is done, whether or not libevent has reported
             * CONNECTED yet (it may hand the data over first). */
            if (handshake_done(p) < 0)
                return;
            break;
        case PH_QUIT:
            line = next_line(p, &n, &toolong);
            if (!line) {
                if (toolong)
                    evbuffer_drain(bufferevent_get_input(p->bev), (size_t)-1);
                return;
            }
            free(line);
            if (--p->quit_lines <= 0) {
                finish(p); /* the result is already set */
                return;
            }
            break;
        default: /* nothing is read in the other phases */
            evbuffer_drain(bufferevent_get_input(p->bev), (size_t)-1);
            return;
        }
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct probe *p = arg;
    int err = EVUTIL_SOCKET_ERROR();
    if (p->phase == PH_DONE) /* deferred already */
        return;
    if (what & BEV_EVENT_CONNECTED) {
        if (p->phase == PH_CONNECT) {
            if (p->stls) {
                p->phase = PH_GREETING;
                bufferevent_enable(p->bev, EV_READ);
            } else {
                start_tls(p);
            }
        } else if (p->phase == PH_HANDSHAKE) {
            (void)handshake_done(p);
        }
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    int error = (what & BEV_EVENT_ERROR) != 0;
    switch (p->phase) {
    case PH_CONNECT:
        end(p, P3S_TLSPROBE_ERROR, "connect: %s", err ? strerror(err) : "failed");
        break;
    case PH_GREETING:
        end(p, P3S_TLSPROBE_ERROR, "%s before the greeting",
            error && err ? strerror(err) : "connection closed");
        break;
    case PH_STLS:
        end(p, P3S_TLSPROBE_ERROR, "%s after STLS",
            error && err ? strerror(err) : "connection closed");
        break;
    case PH_HANDSHAKE:
        ssl_failure(p, what, error ? err : 0);
        break;
    case PH_QUIT:
        while (bufferevent_get_openssl_error(p->bev))
            ;
        ERR_clear_error();
        finish(p); /* accepted; the server closed after QUIT */
        break;
    case PH_DONE:
        break;
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct probe *p = arg;
    long ms = (long)p->timeout.tv_sec * 1000 + p->timeout.tv_usec / 1000;
    switch (p->phase) {
    case PH_DONE:
    case PH_QUIT:
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
    case PH_HANDSHAKE:
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
    p->stls = stls;
    p->version = version;
    p->cb = cb;
    p->arg = arg;
    p->timeout = timeout ? *timeout : (struct timeval){10, 0};
    p->timer = evtimer_new(base, on_timer, p);
    if (sni && *sni && !is_ip_literal(sni))
        p->sni = strdup(sni);
    if (!p->timer || (sni && *sni && !is_ip_literal(sni) && !p->sni)) {
        if (p->timer)
            event_free(p->timer);
        free(p->sni);
        free(p);
        errno = ENOMEM;
        return -1;
    }
    struct vctx *v = vctx_for(version);
    int fd = -1;
    if (v->supported) {
        fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            p->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
            if (!p->bev) {
                close(fd);
                errno = ENOMEM;
            }
        }
        if (!p->bev) {
            int e = errno;
            event_free(p->timer);
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
    p->starting = 1;
    if (!v->supported) {
        end(p, P3S_TLSPROBE_UNSUPPORTED, "%s", v->why);
    } else {
        p->phase = PH_CONNECT;
        bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
        evtimer_add(p->timer, &p->timeout);
        /* A connect that fails at once calls on_event from in here: `starting` defers it. */
        if (bufferevent_socket_connect(p->bev, (struct sockaddr *)sa, (int)salen) < 0 &&
            p->phase != PH_DONE)
            end(p, P3S_TLSPROBE_ERROR, "connect: %s", strerror(EVUTIL_SOCKET_ERROR()));
    }
    p->starting = 0;
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
        if (p->phase != PH_QUIT && p->phase != PH_DONE) { /* those know their result */
            p->result = P3S_TLSPROBE_ERROR;
            snprintf(p->detail, sizeof p->detail, "aborted");
        }
        finish(p);
    }
}
