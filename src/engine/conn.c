/* conn.c — one connection of the engine: connect, optional implicit TLS, the POP3 dialogue
 * decided by the protocol core, STLS upgrade, timeouts and the per-target deadline.
 *
 * A connection moves through phases (connect → TLS handshake → dialogue → STLS handshake →
 * dialogue). One timer per connection is armed for the current step: the connect timeout, the read
 * timeout, or what is left of the deadline, whichever ends first. Whatever happens, the connection
 * ends in conn_finish(), which hands exactly one record to the callback the engine gave.
 *
 * Every connection is driven the same way, in cleartext and under TLS: one edge-triggered event
 * registered once for the socket's life, reads into a buffer the engine's connections share
 * (struct p3s_conn_inbuf) until the socket has nothing more, and each command written at once. Cleartext uses recv() and send(); TLS
 * (implicit, or after STLS) puts an OpenSSL session on the same socket and uses SSL_read() and
 * SSL_write(), waiting for the next edge whenever OpenSSL wants to read or write. Nothing else
 * holds bytes: OpenSSL's own record buffers are released whenever a read would block
 * (SSL_MODE_RELEASE_BUFFERS), so a connection waiting for its next answer holds its SSL object,
 * its cipher state and this structure. Libevent's bufferevents did the same work with two
 * evbuffers and a read buffer kept per connection, and for cleartext a FIONREAD ioctl per read
 * and an epoll_ctl per enable/disable, which made the scan twice as expensive as the work itself.
 *
 * A handshake (implicit TLS, or after STLS) starts only when the engine's handshake admission
 * lets it (hsgate.h, env->hsgate): OpenSSL's handshake state is the largest thing a connection
 * ever holds, so a connection past the cap waits in PH_TLS_WAIT, its socket connected, no
 * timer running, until one ends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "hsgate.h"
#include "ntlm.h"
#include "pop3.h"
#include "record.h"
#include "tlsinfo.h"
#include "tlsstrip.h"
#include "util.h"

/* PH_TLS_WAIT: connected (or +OK to STLS read), waiting for admission to its handshake. */
enum phase { PH_CONNECT, PH_TLS_WAIT, PH_TLS, PH_DIALOGUE, PH_STLS_TLS };

/* Received cleartext not yet consumed: the core needs a whole line (P3_LINE_MAX bytes and its
 * terminator) in one piece to decide, never more. */
#define IN_CAP (P3_LINE_MAX + 64)

/* How long the core's settle step (P3_NEXT_SETTLE: before STLS, after an accepted USER) waits
 * for a second or late answer: two round trips of the first exchange, at least
 * P3S_SETTLE_MIN_MS. The floor is for near servers, where a round trip is far below the
 * scheduling delays of a server that writes its two answers one after the other (CPython's test
 * server makes two send() calls); it costs only the targets that offer STLS or accept USER. */
#define SETTLE_MIN_MS P3S_SETTLE_MIN_MS

/* How a read ended the stream (on_closed's `what`). */
#define END_EOF 1
#define END_ERROR 2

/* Why an SSL call failed, taken at once: OpenSSL's error queue is per thread and the next call
 * on any connection clears it. */
struct tls_fail {
    int ssl_error;       /* SSL_get_error() */
    int sys_error;       /* errno, for SSL_ERROR_SYSCALL */
    unsigned long code;  /* the first error of OpenSSL's queue, 0 when none */
};

struct p3s_conn {
    const struct p3s_conn_env *env;
    struct p3s_record *rec;
    evutil_socket_t fd;      /* the socket, ours to close */
    struct event io;         /* read/write readiness, edge-triggered */
    int io_added;
    SSL *ssl;                /* TLS over the socket (implicit, or after STLS); NULL in cleartext */
    struct p3s_hsgate_node gate; /* handshake admission (hsgate.h) */
    enum phase tls_phase;    /* PH_TLS or PH_STLS_TLS: the handshake waiting for admission */
    double gate_since;       /* when it started waiting */
    int tls_ended;           /* an SSL_read ended the stream (tls_end says how); acted on by the
                                read handler */
    struct tls_fail tls_end;
    int read_wants_write;    /* SSL_read asked to write first: read again when writable */
    struct event timer;
    char *out;               /* bytes the socket (or SSL_write) did not take yet (rare) */
    size_t out_len;
    char *in;                /* received bytes not consumed yet: NULL, the engine's shared
                                buffer while a callback of this connection runs, or a buffer of
                                its own for a partial line between callbacks (in_put) */
    size_t in_len;
    struct p3_session sess;
    enum phase phase;
    enum p3_cmd waiting;  /* the command whose answer is awaited */
    int settling;         /* the core's settle step: the timer ends it */
    int kernel_empty;     /* read_plain() just read the socket to EAGAIN */
    int timer_is_deadline; /* the armed timer is the deadline, not a step timeout */
    double t_sent;        /* when the last command went out */
    double rtt_ms;        /* the first exchange's round trip (-1: not measured yet) */
    int sni;
    int retries_left;
    union p3s_sockaddr addr; /* where to connect (again, on a retry) */
    socklen_t addrlen;
    double t_start, t_deadline;
    double connected_ms;  /* when the TCP connect completed, 0 before (TLS detection) */
    int heard;            /* a byte of cleartext came from the server (TLS detection) */
    p3s_conn_done_cb done;
    void *done_arg;
};

/* The read buffer the connections of one engine share. A connection reads into it only while
 * one of its callbacks runs and hands every whole line to the core before returning, so between
 * callbacks almost no connection has bytes left over: 15,000 connections in flight hold one
 * buffer, not 15,000 (a partial line moves to a buffer of the connection's own). */
struct p3s_conn_inbuf {
    struct p3s_conn *holder;  /* the connection reading into data, or NULL */
    struct p3s_conn *current; /* the connection whose callback runs, while it is alive */
    char data[IN_CAP];
};

struct p3s_conn_inbuf *p3s_conn_inbuf_new(void)
{
    return p3s_xcalloc(1, sizeof(struct p3s_conn_inbuf));
}

void p3s_conn_inbuf_free(struct p3s_conn_inbuf *b)
{
    free(b);
}

/* Gives c a buffer to read into: the shared one unless another connection holds it. */
static void in_take(struct p3s_conn *c)
{
    if (c->in)
        return;
    struct p3s_conn_inbuf *b = c->env->inbuf;
    if (!b->holder) {
        b->holder = c;
        c->in = b->data;
    } else {
        c->in = p3s_xmalloc(IN_CAP);
    }
}

/* Gives the buffer back at the end of a callback: kept, in a buffer of c's own, only for bytes
 * not consumed yet. */
static void in_put(struct p3s_conn *c)
{
    struct p3s_conn_inbuf *b = c->env->inbuf;
    if (c->in == b->data) {
        b->holder = NULL;
        c->in = c->in_len ? memcpy(p3s_xmalloc(IN_CAP), b->data, c->in_len) : NULL;
    } else if (c->in && !c->in_len) {
        free(c->in);
        c->in = NULL;
    }
}

/* The connection ends: its buffer goes. */
static void in_release(struct p3s_conn *c)
{
    struct p3s_conn_inbuf *b = c->env->inbuf;
    if (c->in == b->data)
        b->holder = NULL;
    else
        free(c->in);
    if (b->current == c)
        b->current = NULL;
    c->in = NULL;
    c->in_len = 0;
}

/* A callback of c starts: c may end in it (conn_finish frees it), so the end of the callback
 * asks the shared buffer, not c, whether c still needs its buffer put back. */
static struct p3s_conn_inbuf *callback_enter(struct p3s_conn *c)
{
    struct p3s_conn_inbuf *b = c->env->inbuf;
    b->current = c;
    return b;
}

static void callback_leave(struct p3s_conn_inbuf *b)
{
    if (b->current)
        in_put(b->current);
    b->current = NULL;
}

static const char *cmd_name(enum p3_cmd cmd)
{
    return cmd == P3_CMD_NONE ? "the greeting" : p3s_cmd_name(cmd);
}

/* Arms the timer for a step of step_ms, never past the deadline. */
static void arm(struct p3s_conn *c, int step_ms)
{
    double left = c->t_deadline - p3s_now_ms();
    double ms = step_ms;
    c->timer_is_deadline = left <= ms;
    if (!c->timer_is_deadline) { /* the usual case: one of the engine's common timeouts */
        const struct p3s_conn_env *env = c->env;
        const struct timeval *common = step_ms == env->read_timeout_ms      ? env->read_tv
                                       : step_ms == env->connect_timeout_ms ? env->connect_tv
                                                                            : NULL;
        if (common) {
            evtimer_add(&c->timer, common);
            return;
        }
    }
    if (c->timer_is_deadline)
        ms = left > 0 ? left : 0;
    long us = (long)(ms * 1000) + 1; /* never before the deadline: rounded up, not down */
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    evtimer_add(&c->timer, &tv);
}

/* Closes the socket. */
static void close_plain(struct p3s_conn *c)
{
    if (c->io_added)
        event_del(&c->io);
    c->io_added = 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->out);
    c->out = NULL;
    c->out_len = 0;
}

static void leave_gate(struct p3s_conn *c);

static void conn_finish(struct p3s_conn *c)
{
    struct p3s_record *rec = c->rec;
    leave_gate(c);
    rec->confirmed = rec->state == P3S_STATE_POP3 && c->sess.confirmed;
    rec->total_ms = p3s_now_ms() - c->t_start;
    if (c->ssl) /* no close_notify: the socket closes now, nothing waits for an answer */
        SSL_free(c->ssl);
    close_plain(c);
    in_release(c);
    event_del(&c->timer);
    p3s_conn_done_cb done = c->done;
    void *arg = c->done_arg;
    free(c);
    done(arg, rec);
}

/* Sends a last command (QUIT) without waiting for it, on cleartext only: the socket closes
 * next, and a failure here changes nothing in the record. */
static void send_last(struct p3s_conn *c, const char *cmd, size_t len)
{
    if (!cmd || c->fd < 0 || c->ssl || c->sess.tls || c->out_len)
        return;
    (void)!send(c->fd, cmd, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Sends cleartext; what the socket does not take now waits for it to be writable. A failed
 * send is left to the read side, which sees the reset or the close. */
static void send_plain(struct p3s_conn *c, const char *p, size_t n)
{
    if (!c->out_len) {
        ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return;
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        }
        if (!n)
            return;
    }
    c->out = p3s_xrealloc(c->out, c->out_len + n);
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

static void flush_plain(struct p3s_conn *c)
{
    ssize_t k = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k <= 0)
        return;
    c->out_len -= (size_t)k;
    memmove(c->out, c->out + k, c->out_len);
}

/* What an SSL call that returned rc <= 0 means; OpenSSL's queue is left empty. */
static struct tls_fail tls_fail_of(SSL *ssl, int rc)
{
    struct tls_fail f = {SSL_get_error(ssl, rc), errno, ERR_get_error()};
    ERR_clear_error();
    return f;
}

/* Whether a failed SSL call only has to wait for the socket. */
static int tls_would_block(const struct tls_fail *f)
{
    return f->ssl_error == SSL_ERROR_WANT_READ || f->ssl_error == SSL_ERROR_WANT_WRITE;
}

/* Whether the stream just ended without a TLS error of its own: close_notify, a close without
 * it (a dirty shutdown, allowed: many POP3 servers close that way after QUIT), or a reset. */
static int tls_fail_is_eof(const struct tls_fail *f)
{
    if (f->ssl_error == SSL_ERROR_ZERO_RETURN)
        return 1;
    if (f->ssl_error == SSL_ERROR_SYSCALL && !f->code)
        return 1;
    return f->ssl_error == SSL_ERROR_SSL && ERR_GET_LIB(f->code) == ERR_LIB_SSL &&
           ERR_GET_REASON(f->code) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* Writes under TLS. What OpenSSL cannot send now (the socket is full, or TLS 1.2 renegotiation
 * wants a read first) is kept in c->out and written again, from the start, on the next event:
 * OpenSSL wants the same bytes again (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets them move). A
 * failure is left to the read side, made to run: it sees the reset or the close. */
static void flush_tls(struct p3s_conn *c)
{
    errno = 0;
    int k = SSL_write(c->ssl, c->out, (int)c->out_len);
    if (k > 0) {
        c->out_len = 0;
        free(c->out);
        c->out = NULL;
        return;
    }
    struct tls_fail f = tls_fail_of(c->ssl, k);
    if (tls_would_block(&f))
        return;
    c->out_len = 0; /* it will never go: the read side ends the connection */
    free(c->out);
    c->out = NULL;
    event_active(&c->io, EV_READ, 0);
}

static void send_tls(struct p3s_conn *c, const char *p, size_t n)
{
    c->out = p3s_xrealloc(c->out, c->out_len + n);
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    if (c->out_len == n) /* nothing was waiting before it */
        flush_tls(c);
}

static void conn_send(struct p3s_conn *c, const char *p, size_t n)
{
    if (c->ssl)
        send_tls(c, p, n);
    else
        send_plain(c, p, n);
}

/* What TLS was negotiated, and the certificate. Its name is checked (RFC 7817) only when the
 * target is a name: scanning an address says nothing of the name clients use. */
static void record_tls(struct p3s_conn *c)
{
    SSL *ssl = c->ssl;
    struct p3s_record *r = c->rec;
    snprintf(r->tls_version, sizeof r->tls_version, "%s", SSL_get_version(ssl));
    snprintf(r->tls_cipher, sizeof r->tls_cipher, "%s", SSL_get_cipher_name(ssl));
    r->tls_cipher_bits = SSL_get_cipher_bits(ssl, NULL);
    if (!r->cert) {
        r->cert = p3s_xcalloc(1, sizeof *r->cert);
        p3s_cert_inspect_ssl(ssl, c->sni ? r->target : NULL, time(NULL), NULL, r->cert);
    }
}

/* --ntlm: the CHALLENGE (the answer to the NEGOTIATE) says who the server is. */
static void record_ntlm(struct p3s_conn *c, const struct p3_event *ev)
{
    struct p3s_record *r = c->rec;
    if (!ev->continuation) {
        r->ntlm_state = P3S_NTLM_REFUSED;
        return;
    }
    size_t at = ev->payload;
    if (ev->cmd == P3_CMD_AUTH_NTLM)
        return; /* "+ ": go on */
    r->ntlm_state = P3S_NTLM_DECODED;
    if (!r->ntlm)
        r->ntlm = p3s_xcalloc(1, sizeof *r->ntlm);
    int rc = p3ntlm_decode_challenge_b64(ev->line.text + at, ev->line.len - at, r->ntlm);
    if (rc != P3NTLM_OK || ev->line.truncated)
        r->ntlm_error = rc != P3NTLM_OK ? p3ntlm_strerror(rc) : "challenge line cut at its cap";
}

/* The record's tls_error: what failed, and OpenSSL's reason when it gave one. */
static void set_tls_error(struct p3s_conn *c, const char *what, unsigned long code)
{
    char buf[200];
    if (code) {
        char reason[120];
        ERR_error_string_n(code, reason, sizeof reason);
        snprintf(buf, sizeof buf, "%s: %s", what, reason);
    } else {
        snprintf(buf, sizeof buf, "%s", what);
    }
    free(c->rec->tls_error);
    c->rec->tls_error = p3s_xstrdup(buf);
}

static int retry_connect(struct p3s_conn *c);
static int handshake_step(struct p3s_conn *c);
static void on_ended(struct p3s_conn *c, short what, int err, const char *how);
static void on_tls_failed(struct p3s_conn *c, const struct tls_fail *f);

/* A cleartext line after +OK to STLS that the TLS BIO set aside (tlsstrip.h). */
static void on_stripped(void *arg, const char *line, size_t n)
{
    struct p3s_conn *c = arg;
    c->rec->stls_extra_bytes = 1;
    p3s_record_add_unsolicited(c->rec, P3_CMD_STLS, 0, line, n);
}

/* Puts a TLS session on the socket and sends the ClientHello. Returns -1 (the caller's read loop
 * must stop: the connection ended, or reads go through TLS from now on). */
static int begin_tls(struct p3s_conn *c, enum phase phase)
{
    SSL *ssl = SSL_new(c->env->ssl_ctx);
    if (!ssl) {
        ERR_clear_error();
        set_tls_error(c, "cannot create a TLS session", 0);
        conn_finish(c);
        return -1;
    }
    if (c->sni)
        SSL_set_tlsext_host_name(ssl, c->rec->target);
    /* cleartext before the ServerHello after STLS is recorded, not read as TLS */
    BIO *bio = phase == PH_STLS_TLS ? p3s_strip_bio_new(c->fd, on_stripped, c)
                                    : BIO_new_socket(c->fd, BIO_NOCLOSE);
    if (!bio) {
        SSL_free(ssl);
        ERR_clear_error();
        set_tls_error(c, "cannot start TLS", 0);
        conn_finish(c);
        return -1;
    }
    SSL_set_bio(ssl, bio, bio);
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_connect_state(ssl);
    c->ssl = ssl;
    c->phase = phase;
    c->kernel_empty = 0; /* it was about the cleartext read that led here */
    arm(c, c->env->read_timeout_ms);
    handshake_step(c);
    return -1;
}

/* The connection is done with handshake admission (its handshake ended, or it ended while
 * waiting): the next one waiting is admitted. Its handshake starts from the loop (its I/O
 * event made active), not from here: a handshake that fails at once would end its connection
 * and admit the next from inside this call, a recursion as deep as the queue. */
static void leave_gate(struct p3s_conn *c)
{
    if (!c->env->hsgate)
        return;
    double now = p3s_now_ms();
    struct p3s_hsgate_node *n = p3s_hsgate_leave(c->env->hsgate, &c->gate, now);
    for (; n; n = p3s_hsgate_next(c->env->hsgate, now)) {
        struct p3s_conn *next = (struct p3s_conn *)((char *)n - offsetof(struct p3s_conn, gate));
        event_active(&next->io, EV_WRITE, 0);
    }
}

/* A waiting connection was admitted: its read timeout starts now, and its deadline moves by
 * the wait (conn.h). */
static void start_admitted(struct p3s_conn *c)
{
    double waited = p3s_now_ms() - c->gate_since;
    c->t_deadline += waited;
    if (c->env->tls_starting)
        c->env->tls_starting(c->done_arg, waited);
    begin_tls(c, c->tls_phase);
}

/* Starts the TLS handshake when admission allows, else queues for it: the connection then
 * holds its socket and this structure, and no timer (conn.h). Returns -1 as begin_tls(). */
static int start_tls(struct p3s_conn *c, enum phase phase)
{
    double now = c->env->hsgate ? p3s_now_ms() : 0;
    if (c->env->hsgate && !p3s_hsgate_enter(c->env->hsgate, &c->gate, now)) {
        c->phase = PH_TLS_WAIT;
        c->tls_phase = phase;
        c->gate_since = now;
        event_del(&c->timer);
        return -1;
    }
    if (c->env->tls_starting)
        c->env->tls_starting(c->done_arg, 0);
    return begin_tls(c, phase);
}

/* Keeps what the record needs from one event of the core. Runs before the bytes are drained. */
static void take_event(struct p3s_conn *c, const struct p3_event *ev)
{
    struct p3s_record *r = c->rec;
    switch (ev->type) {
    case P3_EV_GREETING:
        p3s_bytes_set(r, &r->greeting, ev->line.text, ev->line.len);
        r->greeting_truncated = ev->line.truncated;
        r->service = ev->service;
        r->state = p3_session_is_pop3(&c->sess) ? P3S_STATE_POP3 : P3S_STATE_OTHER;
        break;
    case P3_EV_REPLY:
        if (ev->cmd == P3_CMD_CAPA) {
            (ev->tls ? &r->capa_tls : &r->capa)->present = ev->status == P3_ST_OK;
            struct p3s_bytes *reply = ev->tls && !r->implicit_tls ? &r->capa_tls_reply
                                                                 : &r->capa_reply;
            if (ev->resync && reply->p) /* the line taken for the answer was a stray one */
                p3s_record_add_unsolicited(r, P3_CMD_CAPA, ev->tls, reply->p, reply->n);
            p3s_bytes_set(r, reply, ev->line.text, ev->line.len);
        } else if (ev->cmd == P3_CMD_USER) {
            p3s_bytes_set(r, &r->user_reply, ev->line.text, ev->line.len);
            r->login_accepted = ev->status == P3_ST_OK ? P3S_YES : P3S_NO;
        } else if (ev->cmd == P3_CMD_STLS) {
            p3s_bytes_set(r, &r->stls_reply, ev->line.text, ev->line.len);
        } else if (ev->cmd == P3_CMD_QUIT) {
            p3s_bytes_set(r, &r->quit_reply, ev->line.text, ev->line.len);
        } else if (ev->cmd == P3_CMD_AUTH_NTLM || ev->cmd == P3_CMD_NTLM_NEGOTIATE) {
            record_ntlm(c, ev);
        }
        break;
    case P3_EV_CAPA_ITEM:
        p3s_list_add(r, ev->tls ? &r->capa_tls : &r->capa, ev->line.text, ev->line.len);
        break;
    case P3_EV_UNSOLICITED:
        p3s_record_add_unsolicited(r, ev->cmd, ev->tls, ev->line.text, ev->line.len);
        if (ev->cmd == P3_CMD_STLS && !ev->tls)
            r->stls_extra_bytes = 1;
        break;
    default:
        break;
    }
    if (ev->type == P3_EV_REPLY && c->rtt_ms < 0 && c->t_sent > 0)
        c->rtt_ms = p3s_now_ms() - c->t_sent;
    r->capa_bits = c->sess.capa_bits;
    r->capa_tls_bits = c->sess.capa_tls_bits;
    if (!r->implicit_tls) {
        r->stls_advertised = (r->capa_bits & P3_CAPA_STLS) != 0;
        r->login_advertised =
            (r->capa_bits & (P3_CAPA_USER | P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN)) != 0;
    }
}

/* Bytes received so far and not consumed. */
static size_t pending_input(struct p3s_conn *c)
{
    return c->in_len;
}

/* One SSL_read of at most want bytes into the buffer. Returns the bytes read, 0 when OpenSSL has
 * nothing now and waits for the socket, -1 when the stream ended (c->tls_end says how; later
 * calls say so again without asking OpenSSL). */
static int read_tls_some(struct p3s_conn *c, size_t want)
{
    if (c->tls_ended)
        return -1;
    errno = 0;
    in_take(c);
    int k = SSL_read(c->ssl, c->in + c->in_len, (int)want);
    if (k > 0)
        return k;
    struct tls_fail f = tls_fail_of(c->ssl, k);
    if (f.ssl_error == SSL_ERROR_WANT_WRITE) /* renegotiation, KeyUpdate: the socket is full */
        c->read_wants_write = 1;
    if (tls_would_block(&f))
        return 0;
    c->tls_ended = 1;
    c->tls_end = f;
    return -1;
}

/* Reads what the socket holds now into the buffer, without waiting, in cleartext or under TLS.
 * Returns 1 when the stream ended (EOF, reset, a TLS error: left for the read handler). */
static int pull_socket(struct p3s_conn *c)
{
    if (c->ssl) {
        while (c->in_len < IN_CAP) {
            int k = read_tls_some(c, IN_CAP - c->in_len);
            if (k <= 0)
                return k < 0;
            c->in_len += (size_t)k;
        }
        return 0;
    }
    in_take(c);
    while (c->in_len < IN_CAP) {
        ssize_t k = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, MSG_DONTWAIT);
        if (k > 0) {
            c->in_len += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        return !(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    }
    return 0;
}

/* Takes into the buffer what the socket (and OpenSSL) holds now, without waiting: whatever
 * arrived before a command goes out cannot answer it (pop3.h rule 1), so it must count as
 * pending. An end or error is left to the read handler, made to run in the next loop pass, as is
 * anything past a full buffer. */
static void pull_pending(struct p3s_conn *c)
{
    if (c->fd < 0 || c->kernel_empty)
        return;
    size_t before = c->in_len;
    int ended = pull_socket(c);
    /* What was taken (and an end) is handled by the read handler, in the next loop pass. */
    if (c->io_added && (ended || c->in_len > before))
        event_active(&c->io, EV_READ, 0);
}

static void process_stale(struct p3s_conn *c);

/* The settle step of the core: wait, reading; the timer (on_timer) ends it. */
static void start_settle(struct p3s_conn *c)
{
    int ms = c->rtt_ms > 0 ? (int)(2 * c->rtt_ms) : 0;
    if (ms < SETTLE_MIN_MS)
        ms = SETTLE_MIN_MS;
    if (ms > c->env->read_timeout_ms)
        ms = c->env->read_timeout_ms;
    c->settling = 1;
    arm(c, ms);
}

/* Acts on what the core decided. Returns 0 when the connection goes on, -1 when it ended. */
static int act(struct p3s_conn *c, const struct p3_event *ev)
{
    switch (ev->next) {
    case P3_NEXT_READ:
        return 0;
    case P3_NEXT_SETTLE:
        start_settle(c);
        return 0;
    case P3_NEXT_SEND:
        pull_pending(c);
        conn_send(c, ev->send, ev->send_len);
        p3_session_sent(&c->sess, pending_input(c));
        c->waiting = ev->send_cmd;
        c->t_sent = p3s_now_ms();
        if (c->waiting == P3_CMD_STLS)
            c->rec->stls_attempted = 1;
        arm(c, c->env->read_timeout_ms);
        return 0;
    case P3_NEXT_STARTTLS:
        /* Bytes the server sent in cleartext after +OK are recorded, never read as TLS. */
        pull_pending(c);
        process_stale(c);
        if (c->in_len) {
            c->rec->stls_extra_bytes = 1;
            c->in_len = 0;
            in_put(c);
        }
        return start_tls(c, PH_STLS_TLS); /* the cleartext read loop must stop */
    case P3_NEXT_FINISH:
        if (ev->type == P3_EV_REPLY && ev->cmd == P3_CMD_QUIT)
            process_stale(c); /* lines past the last answer */
        send_last(c, ev->send, ev->send_len);
        conn_finish(c);
        return -1;
    }
    return 0;
}

/* The first bytes received and not yet consumed, at most cap of them, contiguous. */
static const char *peek_input(struct p3s_conn *c, size_t cap, size_t *n)
{
    *n = c->in_len < cap ? c->in_len : cap;
    return c->in ? c->in : "";
}

static void drain_input(struct p3s_conn *c, size_t n)
{
    c->in_len -= n;
    memmove(c->in, c->in + n, c->in_len);
}

/* Lines still buffered when no reply is awaited any more (before TLS, at the end): the core
 * reports each as unsolicited, and they are recorded. */
static void process_stale(struct p3s_conn *c)
{
    for (;;) {
        size_t n;
        const char *buf = peek_input(c, P3_LINE_MAX + 2, &n);
        struct p3_event ev;
        size_t used = p3_session_feed(&c->sess, buf, n, &ev);
        if (!used)
            return;
        take_event(c, &ev);
        drain_input(c, used);
    }
}

/* Hands the bytes received to the core, line by line, acting on each decision. Returns -1 when
 * the connection ended or was handed to TLS (c may be freed), 0 when it waits for more. */
static int process_input(struct p3s_conn *c)
{
    for (;;) {
        size_t n;
        const char *buf = peek_input(c, P3_LINE_MAX + 2, &n);
        struct p3_event ev;
        size_t used = p3_session_feed(&c->sess, buf, n, &ev);
        take_event(c, &ev);
        if (ev.type == P3_EV_NONE && used == 0)
            return 0;
        drain_input(c, used);
        if (act(c, &ev) < 0)
            return -1;
    }
}

static void read_tls(struct p3s_conn *c);

/* The TCP connect completed. Returns -1 when the connection ended or went to TLS. */
static int on_connected(struct p3s_conn *c)
{
    c->rec->connect_ms = p3s_now_ms() - c->t_start;
    c->connected_ms = c->t_start + c->rec->connect_ms;
    if (c->rec->implicit_tls)
        return start_tls(c, PH_TLS);
    c->phase = PH_DIALOGUE;
    arm(c, c->env->read_timeout_ms);
    return 0;
}

/* The handshake completed: the dialogue starts (implicit TLS) or goes on (STLS). What came
 * with the server's last handshake flight, the greeting say, is read at once: no edge would
 * come for bytes that are in already. */
static void on_tls_established(struct p3s_conn *c)
{
    leave_gate(c);
    record_tls(c);
    c->phase = PH_DIALOGUE;
    if (c->rec->implicit_tls) {
        arm(c, c->env->read_timeout_ms);
    } else {
        c->rec->stls_upgraded = 1;
        struct p3_event ev;
        p3_session_tls_started(&c->sess, &ev);
        if (act(c, &ev) < 0)
            return;
    }
    read_tls(c);
}

/* One step of the handshake, on every event until it completes. Returns -1 when it ended the
 * connection or completed (the dialogue has taken over), 0 when it waits for the socket. */
static int handshake_step(struct p3s_conn *c)
{
    errno = 0;
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        on_tls_established(c);
        return -1;
    }
    struct tls_fail f = tls_fail_of(c->ssl, rc);
    if (tls_would_block(&f))
        return 0;
    on_tls_failed(c, &f);
    return -1;
}

/* What came of a greeting that never ended (a close, a reset, a timeout): the core judges the
 * bytes (p3_session_eof) and the record keeps them. Returns how many there were. */
static size_t take_partial_greeting(struct p3s_conn *c)
{
    size_t n;
    const char *buf = peek_input(c, P3_LINE_MAX + 1, &n);
    if (n) {
        struct p3_event ev;
        p3_session_eof(&c->sess, buf, n, &ev);
        take_event(c, &ev);
    }
    return n;
}

/* The socket ended (EOF, reset, refused) before the dialogue finished; how says so in words, or
 * is NULL for the words of what and err. */
static void on_ended(struct p3s_conn *c, short what, int err, const char *how)
{
    struct p3s_record *r = c->rec;
    if (!how)
        how = (what & END_EOF) ? "connection closed by the server"
              : err            ? strerror(err)
                               : "connection error";
    switch (c->phase) {
    case PH_CONNECT:
        if (err == ECONNREFUSED)
            p3s_record_set_error(r, P3S_STATE_CLOSED, "connection refused");
        else if (err == ENETUNREACH || err == EHOSTUNREACH || err == ETIMEDOUT)
            p3s_record_set_error(r, P3S_STATE_FILTERED, "%s", strerror(err));
        else
            p3s_record_set_error(r, P3S_STATE_ERROR, "connect: %s", how);
        break;
    case PH_TLS_WAIT: /* not read while it waits: seen once its handshake starts */
    case PH_TLS:
    case PH_STLS_TLS:
        break; /* on_tls_failed */
    case PH_DIALOGUE:
        if (c->waiting == P3_CMD_NONE) { /* no complete greeting yet */
            size_t n = take_partial_greeting(c);
            if (err == ECONNRESET || err == EPIPE || !(what & END_EOF))
                p3s_record_set_error(r, P3S_STATE_ERROR, "%s during the greeting", how);
            else if (n == 0 && !r->greeting.p)
                p3s_record_set_error(r, P3S_STATE_ERROR, "closed before any greeting");
            else
                p3s_record_set_error(r, r->state, "closed after an unterminated greeting");
        } else if (c->settling) {
            p3s_record_set_error(r, r->state, "%s after the answer to %s", how,
                                 cmd_name(c->waiting));
        } else if (c->waiting == P3_CMD_STLS) {
            r->tls_error = p3s_xstrdup("connection closed after STLS");
        } else if (c->waiting != P3_CMD_QUIT) {
            p3s_record_set_error(r, r->state, "%s while waiting for the answer to %s", how,
                                 cmd_name(c->waiting));
        }
        break;
    }
    conn_finish(c);
}

static void on_closed(struct p3s_conn *c, short what, int err)
{
    on_ended(c, what, err, NULL);
}

/* A handshake that failed: the record says how, in OpenSSL's words when it has some. A reset,
 * or a close_notify, is "connection closed"; a close without close_notify is OpenSSL's
 * "unexpected eof while reading". Only on an implicit-TLS port is the record a TLS error (after
 * STLS the POP3 dialogue before it stands, and the finding says STLS is broken). */
static void on_tls_failed(struct p3s_conn *c, const struct tls_fail *f)
{
    struct p3s_record *r = c->rec;
    int stls = c->phase == PH_STLS_TLS;
    int closed = f->ssl_error == SSL_ERROR_ZERO_RETURN ||
                 (f->ssl_error == SSL_ERROR_SYSCALL && !f->code);
    const char *what = closed ? (stls ? "TLS handshake after STLS: connection closed"
                                      : "TLS handshake: connection closed")
                              : (stls ? "TLS handshake after STLS failed" : "TLS handshake failed");
    set_tls_error(c, what, closed ? 0 : f->code);
    if (!stls)
        p3s_record_set_error(r, P3S_STATE_TLS_ERROR, "%s", r->tls_error);
    conn_finish(c);
}

/* The TLS stream of the dialogue ended: as a close or a reset of the socket would. A TLS error
 * of its own (a bad record, a fatal alert) is an error of the connection, in OpenSSL's words. */
static void on_tls_ended(struct p3s_conn *c)
{
    const struct tls_fail *f = &c->tls_end;
    if (f->ssl_error == SSL_ERROR_SYSCALL && f->sys_error) {
        on_closed(c, END_ERROR, f->sys_error);
    } else if (tls_fail_is_eof(f)) {
        on_closed(c, END_EOF, 0);
    } else {
        char how[160] = "TLS error";
        if (f->code) {
            char reason[120];
            ERR_error_string_n(f->code, reason, sizeof reason);
            snprintf(how, sizeof how, "TLS error (%s)", reason);
        }
        on_ended(c, END_ERROR, 0, how);
    }
}

/* Bytes read from one socket in one callback: a server that never stops sending must not keep
 * the loop (and every other connection's timers) to itself. */
#define READ_BUDGET (64 * 1024)

/* What one recv of a cleartext socket gave (k bytes, or -1 and err): 1 read on, 0 the socket is
 * drained, -1 the connection ended or went to TLS. Bytes are only buffered here; read_plain()
 * hands them to the core once the socket has nothing more, so that whatever the server sent
 * before our next command counts as received before it (pop3.h, rule 1) without a system call
 * of its own. The event is edge-triggered, so reading goes on to EAGAIN: a short read is no
 * proof of that, because libevent reports a reset that came in with the last bytes as plain
 * readiness, and no later edge would come for it. An end is acted on after what came before
 * it was processed. */
static int take_read(struct p3s_conn *c, ssize_t k, int err)
{
    if (k > 0) {
        c->heard = 1; /* it speaks: no TLS detection */
        c->in_len += (size_t)k;
        return 1;
    }
    if (k < 0 && (err == EAGAIN || err == EWOULDBLOCK))
        return 0;
    if (k < 0 && err == EINTR)
        return 1;
    if (c->in_len && process_input(c) < 0)
        return -1; /* the dialogue finished on those bytes */
    on_closed(c, err ? END_ERROR : END_EOF, err);
    return -1;
}

/* Reads until the socket has nothing more (or the buffer is full), then hands what came to the
 * core; past the budget, the event is made active again to go on in the next loop pass. While
 * the core acts on bytes read up to EAGAIN the socket is known empty (kernel_empty): a command
 * sent then needs no look for more first (pull_pending). */
static void read_plain(struct p3s_conn *c)
{
    size_t budget = READ_BUDGET;
    for (;;) {
        in_take(c);
        size_t want = IN_CAP - c->in_len;
        if (want > budget)
            want = budget;
        if (want == 0) { /* full buffer or budget spent: let the core consume first */
            if (process_input(c) < 0)
                return;
            if (budget == 0) {
                event_active(&c->io, EV_READ, 0);
                return;
            }
            continue;
        }
        ssize_t k = recv(c->fd, c->in + c->in_len, want, 0);
        int r = take_read(c, k, k < 0 ? errno : 0);
        if (r < 0)
            return;
        if (r == 0) {
            c->kernel_empty = 1;
            if (process_input(c) == 0)
                c->kernel_empty = 0;
            return;
        }
        if (k > 0)
            budget -= (size_t)k;
    }
}

/* read_plain() under TLS: SSL_read() to the same buffer, under the same budget, until OpenSSL
 * waits for the socket (it read the socket to EAGAIN, which is what the edge-triggered event
 * needs) or the stream ends. */
static void read_tls(struct p3s_conn *c)
{
    size_t budget = READ_BUDGET;
    c->read_wants_write = 0;
    for (;;) {
        in_take(c);
        size_t want = IN_CAP - c->in_len;
        if (want > budget)
            want = budget;
        if (want == 0) {
            if (process_input(c) < 0)
                return;
            if (budget == 0) {
                event_active(&c->io, EV_READ, 0);
                return;
            }
            continue;
        }
        int k = read_tls_some(c, want);
        if (k > 0) {
            c->in_len += (size_t)k;
            budget -= (size_t)k;
            continue;
        }
        if (k == 0) {
            c->kernel_empty = 1;
            if (process_input(c) == 0)
                c->kernel_empty = 0;
            return;
        }
        if (c->in_len && process_input(c) < 0)
            return; /* the dialogue finished on those bytes */
        on_tls_ended(c);
        return;
    }
}

/* The first event of a cleartext connect. WRITE alone means it connected: every libevent
 * backend reports an error or hang-up as READ and WRITE together. With READ, the first recv
 * tells: bytes or an end mean it connected, and an error other than a reset is the connect's
 * own, the one SO_ERROR would give (a reset means it did connect, then the server reset it).
 * Either way one system call, where asking SO_ERROR and then reading took two. Returns as
 * take_read(). */
static int connect_done_plain(struct p3s_conn *c, short what)
{
    if (!(what & EV_READ)) {
        on_connected(c);
        return 0;
    }
    in_take(c);
    ssize_t k = recv(c->fd, c->in, IN_CAP, 0);
    int err = k < 0 ? errno : 0;
    if (k < 0 && err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECONNRESET &&
        err != EPIPE) {
        on_closed(c, END_ERROR, err);
        return -1;
    }
    on_connected(c);
    return take_read(c, k, err);
}

/* The first event of an implicit-TLS connect: the handshake reads the socket from here, so the
 * error is asked for (only when READ says there may be one) rather than read. */
static void connect_done_tls(struct p3s_conn *c, short what)
{
    int err = 0;
    socklen_t len = sizeof err;
    if ((what & EV_READ) && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err && err != ECONNRESET && err != EPIPE) { /* a reset: it did connect */
        on_closed(c, END_ERROR, err);
        return;
    }
    on_connected(c);
}

/* An event of a TLS dialogue: what waits to be written goes first, then the reads (also when
 * a read waited for the socket to take a write). */
static void tls_io(struct p3s_conn *c, short what)
{
    if (c->out_len)
        flush_tls(c);
    if ((what & EV_READ) || c->read_wants_write || c->tls_ended)
        read_tls(c);
}

static void io_step(struct p3s_conn *c, short what)
{
    if (c->phase == PH_CONNECT) {
        if (c->rec->implicit_tls) {
            connect_done_tls(c, what);
            return;
        }
        if (connect_done_plain(c, what) <= 0)
            return;
    } else if (c->phase == PH_TLS_WAIT) { /* only admission ends the wait */
        if (c->gate.state == P3S_HSGATE_IN)
            start_admitted(c);
        return;
    } else if (c->phase == PH_TLS || c->phase == PH_STLS_TLS) {
        handshake_step(c);
        return;
    } else if (c->ssl) {
        tls_io(c, what);
        return;
    } else if ((what & EV_WRITE) && c->out_len) {
        flush_plain(c);
    }
    if (what & EV_READ)
        read_plain(c);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct p3s_conn_inbuf *b = callback_enter(arg);
    io_step(arg, what);
    callback_leave(b);
}

static void timer_step(struct p3s_conn *c)
{
    struct p3s_record *r = c->rec;
    const struct p3s_conn_env *cfg = c->env;
    char limit[64];
    if (c->settling && c->phase == PH_DIALOGUE) { /* the settle step is over */
        c->settling = 0;
        if (!c->timer_is_deadline) {
            struct p3_event ev;
            p3_session_settled(&c->sess, &ev);
            act(c, &ev);
            return;
        }
        p3s_record_set_error(r, r->state, "deadline of %d ms reached after the answer to %s",
                             cfg->deadline_ms, cmd_name(c->waiting));
        conn_finish(c);
        return;
    }
    if (c->timer_is_deadline)
        snprintf(limit, sizeof limit, "deadline of %d ms", cfg->deadline_ms);
    else
        snprintf(limit, sizeof limit, "%d ms",
                 c->phase == PH_CONNECT ? cfg->connect_timeout_ms : cfg->read_timeout_ms);
    switch (c->phase) {
    case PH_CONNECT:
        if (retry_connect(c) == 0)
            return;
        p3s_record_set_error(r, P3S_STATE_FILTERED, "no answer to connect within %s", limit);
        break;
    case PH_TLS_WAIT: /* no timer runs while it waits (conn.h) */
    case PH_TLS:
        r->tls_error = p3s_xstrdup("TLS handshake timed out");
        p3s_record_set_error(r, P3S_STATE_TLS_ERROR, "TLS handshake timed out (%s)", limit);
        break;
    case PH_STLS_TLS:
        r->tls_error = p3s_xstrdup("TLS handshake after STLS timed out");
        p3s_record_set_error(r, r->state, "TLS handshake after STLS timed out (%s)", limit);
        break;
    case PH_DIALOGUE:
        if (c->waiting == P3_CMD_NONE) {
            take_partial_greeting(c);
            p3s_record_set_error(r, P3S_STATE_TIMEOUT, "no complete greeting within %s", limit);
        } else if (c->waiting != P3_CMD_QUIT) {
            p3s_record_set_error(r, r->state, "no answer to %s within %s", cmd_name(c->waiting),
                                 limit);
        }
        break;
    }
    conn_finish(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct p3s_conn_inbuf *b = callback_enter(arg);
    timer_step(arg);
    callback_leave(b);
}

/* Opens the socket and starts the non-blocking connect. Returns 0 when it runs, 1 when it
 * ended at once (c is gone: its record went to the callback), -1 with errno when no socket could
 * be made (out of descriptors: the caller keeps the job and retries later). */
static int open_and_connect(struct p3s_conn *c)
{
    int fd = socket(c->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    c->fd = fd;
    c->phase = PH_CONNECT;
    arm(c, c->env->connect_timeout_ms);
    if (connect(fd, &c->addr.sa, c->addrlen) < 0 && errno != EINPROGRESS) {
        on_closed(c, END_ERROR, errno);
        return 1;
    }
    /* Registered once for the socket's life: edges say when to connect-check, read or send. */
    event_assign(&c->io, c->env->base, fd, EV_READ | EV_WRITE | EV_PERSIST | EV_ET, on_io, c);
    if (event_add(&c->io, NULL) < 0) {
        on_closed(c, END_ERROR, ENOMEM);
        return 1;
    }
    c->io_added = 1;
    return 0;
}

/* A connect that timed out is tried again (--retries) while the deadline allows. Returns 0 when
 * the connection goes on (or ended on its own), -1 when it is not retried. */
static int retry_connect(struct p3s_conn *c)
{
    if (c->retries_left <= 0 || p3s_now_ms() >= c->t_deadline)
        return -1;
    c->retries_left--;
    close_plain(c);
    return open_and_connect(c) < 0 ? -1 : 0;
}

/* "p3s" and 48 random bits in 12 hex digits: a user name no server has, new per target. */
static void probe_user_name(char out[static 16], uint64_t rnd)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "p3s", 3);
    for (int i = 0; i < 12; i++)
        out[3 + i] = hex[(rnd >> (44 - 4 * i)) & 15];
    out[15] = '\0';
}

int p3s_conn_start(const struct p3s_conn_env *env, const struct p3s_conn_job *job,
                   p3s_conn_done_cb done, void *arg, struct p3s_conn **out)
{
    if (job->addrlen > sizeof(union p3s_sockaddr)) {
        errno = EINVAL;
        return -1;
    }
    struct p3s_conn *c = p3s_xcalloc(1, sizeof *c);
    c->env = env;
    c->done = done;
    c->done_arg = arg;
    memcpy(&c->addr, job->addr, job->addrlen);
    c->addrlen = job->addrlen;
    uint16_t port =
        ntohs(c->addr.sa.sa_family == AF_INET6 ? c->addr.v6.sin6_port : c->addr.v4.sin_port);
    c->rec = p3s_record_new(job->target, job->ip, port, job->tls);
    c->sni = job->sni;
    c->retries_left = env->retries;
    c->t_start = p3s_now_ms();
    c->t_deadline = c->t_start + env->deadline_ms;
    c->rtt_ms = -1;
    c->fd = -1;
    evtimer_assign(&c->timer, env->base, on_timer, c);
    event_priority_set(&c->timer, 0); /* a deadline goes before any I/O (p3s_engine_base_new) */
    probe_user_name(c->rec->probe_user, job->rnd);
    unsigned opts = (job->tls ? P3_OPT_IMPLICIT_TLS : 0) | env->dialogue;
    p3_session_init(&c->sess, opts, c->rec->probe_user);
    *out = c;
    int rc = open_and_connect(c);
    if (rc > 0) { /* refused at once: its record went to the callback */
        *out = NULL;
        return 0;
    }
    if (rc < 0) {
        int err = errno;
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
            /* Not this target's fault: the caller keeps the job, to start it later. */
            event_del(&c->timer);
            p3s_record_free(c->rec);
            free(c);
            *out = NULL;
            errno = err;
            return -1;
        }
        p3s_record_set_error(c->rec, P3S_STATE_ERROR, "cannot connect: %s", strerror(err));
        *out = NULL;
        conn_finish(c);
    }
    return 0;
}

void p3s_conn_end_for_tls(struct p3s_conn *c)
{
    p3s_record_set_error(c->rec, P3S_STATE_TIMEOUT, "no greeting; the port speaks TLS");
    conn_finish(c);
}

void p3s_conn_abort(struct p3s_conn *c)
{
    struct p3s_record *r = c->rec;
    if (r->state == P3S_STATE_POP3 || r->state == P3S_STATE_OTHER)
        p3s_record_set_error(r, r->state, "scan interrupted");
    else
        p3s_record_set_error(r, P3S_STATE_ERROR, "scan interrupted");
    conn_finish(c);
}

double p3s_conn_connected_ms(const struct p3s_conn *c)
{
    return c->connected_ms;
}

int p3s_conn_heard(const struct p3s_conn *c)
{
    return c->heard;
}
