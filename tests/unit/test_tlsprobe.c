/* test_tlsprobe.c — the TLS version prober (src/engine/tlsprobe.c) against in-process servers.
 *
 * Each test runs one libevent loop holding both sides: a TLS server on 127.0.0.1:0 (implicit TLS,
 * or a POP3 greeting and STLS first) with a self-signed P-256 certificate made here, whose
 * SSL_CTX accepts a chosen range of versions at security level 0, and the probes. It checks the
 * result per version (accepted / refused / unsupported by this OpenSSL), that no probe completes
 * a handshake (the ServerHello decides), STLS refused, a closed
 * port, a silent server (timeout within the limit), a plaintext server behind an implicit-TLS
 * probe, p3s_tlsprobe_abort_all, and that no descriptor is left open afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tlsprobe.h"

static const int VERSIONS[] = {SSL3_VERSION, TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
                               TLS1_3_VERSION};
#define NV 5

static X509 *cert;
static EVP_PKEY *key;

/* ---- the server ------------------------------------------------------------------------- */

enum mode { M_IMPLICIT, M_STLS, M_STLS_REFUSED, M_PLAIN };

struct sconn {
    struct sconn *next;
    struct bufferevent *bev;
    struct server *srv;
    int tls;
    int handshake_counted;
};

struct server {
    struct event_base *base;
    struct evconnlistener *lis;
    SSL_CTX *ctx;
    enum mode mode;
    struct sconn *conns;
    struct sockaddr_in addr;
    int accepted;
    int handshakes; /* connections whose TLS handshake completed on the server side */
};

static SSL_CTX *server_ctx(int min, int max)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    SSL_CTX_set_security_level(ctx, 0);
    assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0"), 1);
    assert_int_equal(SSL_CTX_set_min_proto_version(ctx, min), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(ctx, max), 1);
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    return ctx;
}

static void sconn_close(struct sconn *c)
{
    struct sconn **pp = &c->srv->conns;
    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    bufferevent_free(c->bev);
    free(c);
}

static void s_read(struct bufferevent *bev, void *arg);
static void s_event(struct bufferevent *bev, short what, void *arg);

/* libevent may hand over the data that came with the client's Finished (QUIT) before the
 * CONNECTED event: either counts, once. */
static void handshake_seen(struct sconn *c)
{
    if (c->tls && !c->handshake_counted) {
        c->handshake_counted = 1;
        c->srv->handshakes++;
    }
}

static void s_read(struct bufferevent *bev, void *arg)
{
    struct sconn *c = arg;
    char *line;
    size_t n;
    handshake_seen(c);
    while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF))) {
        int quit = strcmp(line, "QUIT") == 0;
        int stls = strcmp(line, "STLS") == 0;
        free(line);
        if (quit) {
            sconn_close(c); /* the probe sees the close */
            return;
        }
        if (stls && !c->tls && c->srv->mode == M_STLS) {
            bufferevent_write(bev, "+OK Begin TLS negotiation\r\n", 27);
            struct bufferevent *tls = bufferevent_openssl_filter_new(
                c->srv->base, bev, SSL_new(c->srv->ctx), BUFFEREVENT_SSL_ACCEPTING,
                BEV_OPT_CLOSE_ON_FREE);
            assert_non_null(tls);
            c->bev = tls;
            c->tls = 1;
            bufferevent_setcb(tls, s_read, NULL, s_event, c);
            bufferevent_enable(tls, EV_READ | EV_WRITE);
            return;
        }
        if (stls)
            bufferevent_write(bev, "-ERR TLS not available\r\n", 24);
        else
            bufferevent_write(bev, "-ERR unknown command\r\n", 22);
    }
}

static void s_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct sconn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        handshake_seen(c);
        if (c->srv->mode == M_IMPLICIT)
            bufferevent_write(c->bev, "+OK hi\r\n", 8);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        while (bufferevent_get_openssl_error(c->bev))
            ;
        sconn_close(c);
    }
}

static void s_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                     int salen, void *arg)
{
    (void)lis;
    (void)sa;
    (void)salen;
    struct server *srv = arg;
    struct sconn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->srv = srv;
    srv->accepted++;
    if (srv->mode == M_IMPLICIT) {
        c->bev = bufferevent_openssl_socket_new(srv->base, fd, SSL_new(srv->ctx),
                                                BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        c->tls = 1;
    } else {
        c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
        bufferevent_write(c->bev, "+OK hi\r\n", 8);
    }
    assert_non_null(c->bev);
    c->next = srv->conns;
    srv->conns = c;
    bufferevent_setcb(c->bev, s_read, NULL, s_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void server_start(struct server *srv, struct event_base *base, enum mode mode, int min,
                         int max)
{
    memset(srv, 0, sizeof *srv);
    srv->base = base;
    srv->mode = mode;
    srv->ctx = server_ctx(min, max);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    srv->lis = evconnlistener_new_bind(base, s_accept, srv,
                                       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
                                       (struct sockaddr *)&sin, sizeof sin);
    assert_non_null(srv->lis);
    socklen_t len = sizeof srv->addr;
    assert_int_equal(getsockname(evconnlistener_get_fd(srv->lis), (struct sockaddr *)&srv->addr,
                                 &len),
                     0);
}

static void server_stop(struct server *srv)
{
    while (srv->conns)
        sconn_close(srv->conns);
    evconnlistener_free(srv->lis);
    SSL_CTX_free(srv->ctx);
}

/* A socket that listens and never accepts: connects complete, nothing is ever said. */
static int silent_listener(struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof *addr;
    assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
    return fd;
}

/* A loopback port nobody listens on. */
static void closed_port(struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    socklen_t len = sizeof *addr;
    assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
    close(fd);
}

/* ---- the probes ------------------------------------------------------------------------- */

struct outcome {
    int done;
    int calls;
    enum p3s_tlsprobe_result result;
    char detail[256];
    double ms; /* from the start of the run to the report */
};

struct run {
    struct event_base *base;
    struct outcome out[NV];
    int pending;
    struct timespec t0;
    struct event *guard;
};

static double since_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1000.0 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int vindex(int version)
{
    for (int i = 0; i < NV; i++)
        if (VERSIONS[i] == version)
            return i;
    return -1;
}

static void on_result(void *arg, int version, enum p3s_tlsprobe_result result, const char *detail)
{
    struct run *r = arg;
    int i = vindex(version);
    assert_true(i >= 0);
    struct outcome *o = &r->out[i];
    o->calls++;
    o->done = 1;
    o->result = result;
    snprintf(o->detail, sizeof o->detail, "%s", detail);
    o->ms = since_ms(&r->t0);
    if (--r->pending == 0)
        event_base_loopbreak(r->base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct run *r = arg;
    event_base_loopbreak(r->base);
}

static void run_init(struct run *r, struct event_base *base)
{
    memset(r, 0, sizeof *r);
    r->base = base;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->guard = evtimer_new(base, on_guard, r);
    struct timeval ten = {10, 0};
    evtimer_add(r->guard, &ten);
}

static void run_start(struct run *r, const struct sockaddr_in *addr, int stls, int version,
                      int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    assert_int_equal(p3s_tlsprobe_start(r->base, (const struct sockaddr *)addr, sizeof *addr, stls,
                                        version, "mail.example.test", &tv, on_result, r),
                     0);
    r->pending++;
}

/* Runs the loop until every probe reported, then lets deferred frees happen. */
static void run_wait(struct run *r)
{
    if (r->pending)
        event_base_dispatch(r->base);
    assert_int_equal(r->pending, 0);
    event_free(r->guard);
    for (int i = 0; i < 3; i++)
        event_base_loop(r->base, EVLOOP_NONBLOCK);
    assert_int_equal(p3s_tlsprobe_active(), 0);
}

static void print_outcomes(const char *what, const struct run *r)
{
    for (int i = 0; i < NV; i++)
        if (r->out[i].done)
            print_message("  %-10s 0x%04x %-11s %6.1f ms  %s\n", what, VERSIONS[i],
                          p3s_tlsprobe_result_name(r->out[i].result), r->out[i].ms,
                          r->out[i].detail);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void expect(const struct run *r, int version, enum p3s_tlsprobe_result result)
{
    const struct outcome *o = &r->out[vindex(version)];
    if (!o->done || o->result != result)
        print_error("version 0x%04x: %s (%s), expected %s\n", version,
                    o->done ? p3s_tlsprobe_result_name(o->result) : "no report", o->detail,
                    p3s_tlsprobe_result_name(result));
    assert_int_equal(o->calls, 1);
    assert_int_equal(o->result, result);
}

/* The SSLv3 probe: unsupported on a build without it (Debian), never a claim about the server. */
static void expect_ssl3(const struct run *r)
{
    char why[200];
    const struct outcome *o = &r->out[vindex(SSL3_VERSION)];
    if (!p3s_tlsprobe_supported(SSL3_VERSION, why, sizeof why)) {
        expect(r, SSL3_VERSION, P3S_TLSPROBE_UNSUPPORTED);
        assert_string_equal(o->detail, why);
        assert_non_null(strstr(o->detail, "unsupported by this OpenSSL"));
    } else { /* the server never takes SSLv3 here (OpenSSL 3 servers cannot) */
        assert_int_not_equal(o->result, P3S_TLSPROBE_ACCEPTED);
    }
}

/* Probes every version at once against a server of mode accepting [min, max]. */
static void probe_all(enum mode mode, int stls, int min, int max, struct run *r,
                      struct server *srv)
{
    struct event_base *base = event_base_new();
    assert_non_null(base);
    server_start(srv, base, mode, min, max);
    run_init(r, base);
    for (int i = 0; i < NV; i++)
        run_start(r, &srv->addr, stls, VERSIONS[i], 3000);
    run_wait(r);
    server_stop(srv);
    event_base_free(base);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void check_range(enum mode mode, int stls, int min, int max, const char *label)
{
    int fds = count_fds();
    struct run r;
    struct server srv;
    probe_all(mode, stls, min, max, &r, &srv);
    print_outcomes(label, &r);
    expect_ssl3(&r);
    int accepted = 0;
    for (int i = 1; i < NV; i++) {
        int v = VERSIONS[i];
        if (v >= min && v <= max) {
            expect(&r, v, P3S_TLSPROBE_ACCEPTED);
            assert_true(strlen(r.out[i].detail) > 0); /* the cipher */
            accepted++;
        } else {
            expect(&r, v, P3S_TLSPROBE_REFUSED);
        }
    }
    assert_true(accepted > 0);
    /* A version is judged by the ServerHello: no probe completes a handshake. */
    assert_int_equal(srv.handshakes, 0);
    assert_int_equal(count_fds(), fds);
}

static void test_implicit_tls10_to_13(void **state)
{
    (void)state;
    check_range(M_IMPLICIT, 0, TLS1_VERSION, TLS1_3_VERSION, "implicit");
}

static void test_implicit_tls12_and_up(void **state)
{
    (void)state;
    check_range(M_IMPLICIT, 0, TLS1_2_VERSION, TLS1_3_VERSION, "implicit");
}

static void test_implicit_tls12_only(void **state)
{
    (void)state;
    check_range(M_IMPLICIT, 0, TLS1_2_VERSION, TLS1_2_VERSION, "implicit");
}

static void test_implicit_tls10_to_11(void **state)
{
    (void)state;
    check_range(M_IMPLICIT, 0, TLS1_VERSION, TLS1_1_VERSION, "implicit");
}

static void test_stls_tls10_to_13(void **state)
{
    (void)state;
    check_range(M_STLS, 1, TLS1_VERSION, TLS1_3_VERSION, "stls");
}

static void test_stls_tls12_and_up(void **state)
{
    (void)state;
    check_range(M_STLS, 1, TLS1_2_VERSION, TLS1_3_VERSION, "stls");
}

static void test_accepted_reports_cipher(void **state)
{
    (void)state;
    struct run r;
    struct server srv;
    probe_all(M_IMPLICIT, 0, TLS1_VERSION, TLS1_3_VERSION, &r, &srv);
    /* TLS 1.3 suites have their own names; TLS 1.0 cannot negotiate a GCM suite */
    assert_non_null(strstr(r.out[vindex(TLS1_3_VERSION)].detail, "TLS_"));
    assert_null(strstr(r.out[vindex(TLS1_VERSION)].detail, "GCM"));
    assert_null(strstr(r.out[vindex(TLS1_VERSION)].detail, "TLS_"));
}

static void test_refused_detail(void **state)
{
    (void)state;
    struct run r;
    struct server srv;
    probe_all(M_IMPLICIT, 0, TLS1_2_VERSION, TLS1_2_VERSION, &r, &srv);
    /* an old ClientHello: the server alerts; a newer one: the server answers for 1.2 */
    assert_non_null(strstr(r.out[vindex(TLS1_VERSION)].detail, "protocol version"));
    assert_true(strlen(r.out[vindex(TLS1_3_VERSION)].detail) > 0);
}

static void test_stls_refused(void **state)
{
    (void)state;
    int fds = count_fds();
    struct run r;
    struct server srv;
    probe_all(M_STLS_REFUSED, 1, TLS1_VERSION, TLS1_3_VERSION, &r, &srv);
    print_outcomes("stls-err", &r);
    expect_ssl3(&r);
    for (int i = 1; i < NV; i++) {
        expect(&r, VERSIONS[i], P3S_TLSPROBE_ERROR);
        assert_string_equal(r.out[i].detail, "STLS refused: -ERR TLS not available");
    }
    assert_int_equal(srv.handshakes, 0);
    assert_int_equal(count_fds(), fds);
}

static void test_plaintext_server_on_implicit_probe(void **state)
{
    (void)state;
    /* A POP3 server without TLS: the greeting is not a TLS record. */
    struct run r;
    struct server srv;
    probe_all(M_PLAIN, 0, TLS1_VERSION, TLS1_3_VERSION, &r, &srv);
    print_outcomes("plain", &r);
    for (int i = 1; i < NV; i++)
        expect(&r, VERSIONS[i], P3S_TLSPROBE_REFUSED);
}

static void test_closed_port(void **state)
{
    (void)state;
    int fds = count_fds();
    struct event_base *base = event_base_new();
    struct sockaddr_in addr;
    closed_port(&addr);
    struct run r;
    run_init(&r, base);
    run_start(&r, &addr, 0, TLS1_2_VERSION, 2000);
    run_start(&r, &addr, 1, TLS1_3_VERSION, 2000);
    run_wait(&r);
    print_outcomes("closed", &r);
    expect(&r, TLS1_2_VERSION, P3S_TLSPROBE_ERROR);
    expect(&r, TLS1_3_VERSION, P3S_TLSPROBE_ERROR);
    assert_string_equal(r.out[vindex(TLS1_2_VERSION)].detail, "connect: Connection refused");
    assert_string_equal(r.out[vindex(TLS1_3_VERSION)].detail, "connect: Connection refused");
    assert_true(r.out[vindex(TLS1_2_VERSION)].ms < 1000);
    event_base_free(base);
    assert_int_equal(count_fds(), fds);
}

static void test_silent_server_times_out(void **state)
{
    (void)state;
    int fds = count_fds();
    struct event_base *base = event_base_new();
    struct sockaddr_in addr;
    int lfd = silent_listener(&addr);
    struct run r;
    run_init(&r, base);
    run_start(&r, &addr, 0, TLS1_2_VERSION, 300); /* waits in the handshake */
    run_start(&r, &addr, 1, TLS1_3_VERSION, 300); /* waits for the greeting */
    run_wait(&r);
    print_outcomes("silent", &r);
    expect(&r, TLS1_2_VERSION, P3S_TLSPROBE_TIMEOUT);
    expect(&r, TLS1_3_VERSION, P3S_TLSPROBE_TIMEOUT);
    assert_string_equal(r.out[vindex(TLS1_2_VERSION)].detail, "TLS handshake timed out (300 ms)");
    assert_string_equal(r.out[vindex(TLS1_3_VERSION)].detail, "no greeting within 300 ms");
    for (int i = 3; i < NV; i++) {
        assert_true(r.out[i].ms >= 290);
        assert_true(r.out[i].ms < 300 + 700); /* within the timeout, with slack for ASan */
    }
    event_base_free(base);
    close(lfd);
    assert_int_equal(count_fds(), fds);
}

static void test_server_closes_at_once(void **state)
{
    (void)state;
    /* Accepts, then closes without a word: refused during the handshake (implicit TLS), an
     * error before the greeting (STLS). */
    int fds = count_fds();
    struct event_base *base = event_base_new();
    struct sockaddr_in addr;
    int lfd = silent_listener(&addr);
    struct run r;
    run_init(&r, base);
    run_start(&r, &addr, 0, TLS1_2_VERSION, 2000);
    run_start(&r, &addr, 1, TLS1_3_VERSION, 2000);
    for (int i = 0; i < 2; i++) {
        int c;
        while ((c = accept(lfd, NULL, NULL)) < 0) {
            event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
            usleep(1000);
        }
        close(c);
    }
    run_wait(&r);
    print_outcomes("closes", &r);
    expect(&r, TLS1_2_VERSION, P3S_TLSPROBE_REFUSED);
    expect(&r, TLS1_3_VERSION, P3S_TLSPROBE_ERROR);
    assert_string_equal(r.out[vindex(TLS1_3_VERSION)].detail,
                        "connection closed before the greeting");
    event_base_free(base);
    close(lfd);
    assert_int_equal(count_fds(), fds);
}

static void on_abort_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    p3s_tlsprobe_abort_all();
}

static void test_abort_all(void **state)
{
    (void)state;
    int fds = count_fds();
    struct event_base *base = event_base_new();
    struct sockaddr_in addr;
    int lfd = silent_listener(&addr);
    struct run r;
    run_init(&r, base);
    for (int i = 1; i < NV; i++)
        run_start(&r, &addr, i % 2, VERSIONS[i], 5000);
    assert_int_equal(p3s_tlsprobe_active(), NV - 1);
    struct event *t = evtimer_new(base, on_abort_timer, NULL);
    struct timeval ms50 = {0, 50000};
    evtimer_add(t, &ms50);
    run_wait(&r);
    event_free(t);
    for (int i = 1; i < NV; i++) {
        expect(&r, VERSIONS[i], P3S_TLSPROBE_ERROR);
        assert_string_equal(r.out[i].detail, "aborted");
        assert_true(r.out[i].ms < 2000);
    }
    event_base_free(base);
    close(lfd);
    assert_int_equal(count_fds(), fds);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct sockaddr_in addr;
    closed_port(&addr);
    struct run r;
    run_init(&r, base);
    errno = 0;
    assert_int_equal(p3s_tlsprobe_start(base, (struct sockaddr *)&addr, sizeof addr, 0, 0x0200,
                                        NULL, NULL, on_result, &r),
                     -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(p3s_tlsprobe_start(base, (struct sockaddr *)&addr, 4, 0, TLS1_2_VERSION,
                                        NULL, NULL, on_result, &r),
                     -1);
    assert_int_equal(p3s_tlsprobe_start(base, (struct sockaddr *)&addr, sizeof addr, 0,
                                        TLS1_2_VERSION, NULL, NULL, NULL, &r),
                     -1);
    assert_int_equal(p3s_tlsprobe_active(), 0);
    run_wait(&r);
    event_base_free(base);
    assert_int_equal(p3s_tlsprobe_supported(0x0200, NULL, 0), 0);
    char why[64];
    assert_int_equal(p3s_tlsprobe_supported(0x0200, why, sizeof why), 0);
    assert_string_equal(why, "unknown protocol version");
}

static void test_local_support(void **state)
{
    (void)state;
    char why[200] = "";
    /* What this OpenSSL can offer as a client at security level 0. */
    for (int i = 0; i < NV; i++) {
        int ok = p3s_tlsprobe_supported(VERSIONS[i], why, sizeof why);
        print_message("  local 0x%04x %s %s\n", VERSIONS[i], ok ? "supported" : "unsupported",
                      ok ? "" : why);
        if (i > 0)
            assert_true(ok); /* TLS 1.0 to 1.3 */
    }
#ifdef OPENSSL_NO_SSL3
    assert_int_equal(p3s_tlsprobe_supported(SSL3_VERSION, why, sizeof why), 0);
    assert_string_equal(why, "unsupported by this OpenSSL (built without SSLv3)");
#endif
    assert_string_equal(p3s_tlsprobe_result_name(P3S_TLSPROBE_ACCEPTED), "accepted");
    assert_string_equal(p3s_tlsprobe_result_name(P3S_TLSPROBE_REFUSED), "refused");
    assert_string_equal(p3s_tlsprobe_result_name(P3S_TLSPROBE_UNSUPPORTED), "unsupported");
    assert_string_equal(p3s_tlsprobe_result_name(P3S_TLSPROBE_TIMEOUT), "timeout");
    assert_string_equal(p3s_tlsprobe_result_name(P3S_TLSPROBE_ERROR), "error");
    /* cleanup then use again: contexts are made anew */
    p3s_tlsprobe_cleanup();
    assert_int_equal(p3s_tlsprobe_supported(TLS1_VERSION, why, sizeof why), 1);
}

static void test_unsupported_sends_nothing(void **state)
{
    (void)state;
    if (p3s_tlsprobe_supported(SSL3_VERSION, NULL, 0))
        skip();
    /* SSLv3 against a live server: reported at once, the server never sees a connection */
    struct event_base *base = event_base_new();
    struct server srv;
    server_start(&srv, base, M_IMPLICIT, TLS1_VERSION, TLS1_3_VERSION);
    struct run r;
    run_init(&r, base);
    run_start(&r, &srv.addr, 0, SSL3_VERSION, 2000);
    assert_int_equal(r.out[0].done, 0); /* never from inside p3s_tlsprobe_start */
    run_wait(&r);
    expect(&r, SSL3_VERSION, P3S_TLSPROBE_UNSUPPORTED);
    assert_int_equal(srv.accepted, 0);
    server_stop(&srv);
    event_base_free(base);
}

static int setup(void **state)
{
    (void)state;
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    if (!key || !cert)
        return -1;
    X509_NAME *name = X509_get_subject_name(cert);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"mail.example.test",
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    return X509_sign(cert, key, EVP_sha256()) > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    p3s_tlsprobe_cleanup();
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_support),
        cmocka_unit_test(test_implicit_tls10_to_13),
        cmocka_unit_test(test_implicit_tls12_and_up),
        cmocka_unit_test(test_implicit_tls12_only),
        cmocka_unit_test(test_implicit_tls10_to_11),
        cmocka_unit_test(test_stls_tls10_to_13),
        cmocka_unit_test(test_stls_tls12_and_up),
        cmocka_unit_test(test_accepted_reports_cipher),
        cmocka_unit_test(test_refused_detail),
        cmocka_unit_test(test_stls_refused),
        cmocka_unit_test(test_plaintext_server_on_implicit_probe),
        cmocka_unit_test(test_closed_port),
        cmocka_unit_test(test_silent_server_times_out),
        cmocka_unit_test(test_server_closes_at_once),
        cmocka_unit_test(test_abort_all),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_unsupported_sends_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
