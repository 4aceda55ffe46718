/* tlssniff.c — a hand-written ClientHello and a look at the first bytes of the answer (see
 * tlssniff.h). */
#include "tlssniff.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the ClientHello --------------------------------------------------------------------- */

struct out {
    unsigned char *p;
    size_t n, cap;
};

static void put(struct out *o, const void *p, size_t n)
{
    if (o->n + n <= o->cap)
        memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void put8(struct out *o, unsigned v)
{
    unsigned char b = (unsigned char)v;
    put(o, &b, 1);
}

static void put16(struct out *o, unsigned v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    put(o, b, 2);
}

/* Writes the 16-bit length of what was written since `at` (less its own two bytes) there. */
static void fill16(struct out *o, size_t at)
{
    size_t len = o->n - at - 2;
    if (at + 2 <= o->cap) {
        o->p[at] = (unsigned char)(len >> 8);
        o->p[at + 1] = (unsigned char)len;
    }
}

static int is_host_name(const char *s, size_t len)
{
    unsigned char a[16];
    if (len == 0 || len > 255 || inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == '_'))
            return 0;
    return 1;
}

/* TLS 1.3 first, then the ECDHE AEAD and CBC suites of TLS 1.2 and before, then plain RSA: what
 * servers from the last twenty years pick from. */
static const uint16_t SUITES[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                  0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c,
                                  0x009d, 0x002f, 0x0035, 0x000a};
static const uint16_t GROUPS[] = {0x001d, 0x0017, 0x0018};
static const uint16_t SIGALGS[] = {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
                                   0x0401, 0x0501, 0x0601, 0x0201, 0x0203};

static void put16_list(struct out *o, const uint16_t *v, size_t n)
{
    put16(o, (unsigned)(2 * n));
    for (size_t i = 0; i < n; i++)
        put16(o, v[i]);
}

size_t p3s_tls_client_hello(unsigned char *buf, size_t cap, const char *sni,
                            const unsigned char rnd[64])
{
    struct out o = {buf, 0, cap};
    put8(&o, 0x16); /* handshake record, version 1.0 for the oldest servers' sake */
    put16(&o, 0x0301);
    size_t rec = o.n;
    put16(&o, 0);
    put8(&o, 0x01); /* ClientHello, 24-bit length */
    size_t hs = o.n;
    put8(&o, 0);
    put16(&o, 0);
    put16(&o, 0x0303);
    put(&o, rnd, 32);
    put8(&o, 32); /* a session id, as TLS 1.3 clients send for middleboxes */
    put(&o, rnd + 32, 32);
    put16_list(&o, SUITES, sizeof SUITES / sizeof SUITES[0]);
    put8(&o, 1); /* compression: null only */
    put8(&o, 0);
    size_t exts = o.n;
    put16(&o, 0);
    size_t sni_len = sni ? strlen(sni) : 0;
    if (sni && is_host_name(sni, sni_len)) {
        put16(&o, 0x0000); /* server_name */
        put16(&o, (unsigned)(sni_len + 5));
        put16(&o, (unsigned)(sni_len + 3));
        put8(&o, 0);
        put16(&o, (unsigned)sni_len);
        put(&o, sni, sni_len);
    }
    put16(&o, 0x000a); /* supported_groups */
    put16(&o, 2 + 2 * (unsigned)(sizeof GROUPS / sizeof GROUPS[0]));
    put16_list(&o, GROUPS, sizeof GROUPS / sizeof GROUPS[0]);
    put16(&o, 0x000b); /* ec_point_formats: uncompressed */
    put16(&o, 2);
    put8(&o, 1);
    put8(&o, 0);
    put16(&o, 0x000d); /* signature_algorithms */
    put16(&o, 2 + 2 * (unsigned)(sizeof SIGALGS / sizeof SIGALGS[0]));
    put16_list(&o, SIGALGS, sizeof SIGALGS / sizeof SIGALGS[0]);
    put16(&o, 0x002b); /* supported_versions: 1.3 to 1.0 */
    put16(&o, 9);
    put8(&o, 8);
    put16(&o, 0x0304);
    put16(&o, 0x0303);
    put16(&o, 0x0302);
    put16(&o, 0x0301);
    put16(&o, 0x002d); /* psk_key_exchange_modes: psk_dhe_ke */
    put16(&o, 2);
    put8(&o, 1);
    put8(&o, 1);
    put16(&o, 0x0033); /* key_share: X25519; any 32 bytes are a public key */
    put16(&o, 38);
    put16(&o, 36);
    put16(&o, 0x001d);
    put16(&o, 32);
    put(&o, rnd + 16, 32);
    put16(&o, 0xff01); /* renegotiation_info, empty: old servers want it */
    put16(&o, 1);
    put8(&o, 0);
    fill16(&o, exts);
    size_t hs_len = o.n - hs - 3;
    if (hs + 3 <= cap) {
        buf[hs] = (unsigned char)(hs_len >> 16);
        buf[hs + 1] = (unsigned char)(hs_len >> 8);
        buf[hs + 2] = (unsigned char)hs_len;
    }
    fill16(&o, rec);
    return o.n <= cap ? o.n : 0;
}

int p3s_tls_record_kind(const unsigned char *p, size_t n)
{
    /* A record header: type, then the version's major byte 3 and a minor byte 0 to 4. */
    if (n >= 1 && p[0] != 0x16 && p[0] != 0x15)
        return P3S_TLSSNIFF_NOT_TLS;
    if (n >= 2 && p[1] != 0x03)
        return P3S_TLSSNIFF_NOT_TLS;
    if (n >= 3 && p[2] > 0x04)
        return P3S_TLSSNIFF_NOT_TLS;
    if (n < 3)
        return 0;
    return p[0] == 0x16 ? P3S_TLSSNIFF_TLS : P3S_TLSSNIFF_ALERT;
}

/* ---- the probe --------------------------------------------------------------------------- */

struct sniff {
    struct sniff *prev, *next; /* in `live` */
    struct event_base *base;
    evutil_socket_t fd;
    struct event *io, *timer;
    int connected;
    int done;              /* result decided; finishing from the timer */
    enum p3s_tlssniff_result result;
    unsigned char got[3];
    size_t ngot;
    unsigned char hello[P3S_TLS_HELLO_MAX];
    size_t hello_len, sent;
    p3s_tlssniff_cb cb;
    void *arg;
};

static struct sniff *live;

static void finish(struct sniff *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else if (live == s)
        live = s->next;
    if (s->next)
        s->next->prev = s->prev;
    event_free(s->io);
    event_free(s->timer);
    close(s->fd);
    p3s_tlssniff_cb cb = s->cb;
    void *arg = s->arg;
    enum p3s_tlssniff_result result = s->result;
    free(s);
    cb(arg, result);
}

/* Decides the result; the callback runs from the timer (never inside the start, nor inside
 * an I/O callback that would go on using s). */
static void decide(struct sniff *s, enum p3s_tlssniff_result result)
{
    static const struct timeval now = {0, 0};
    if (s->done)
        return;
    s->done = 1;
    s->result = result;
    event_del(s->io);
    evtimer_add(s->timer, &now);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct sniff *s = arg;
    if (!s->done)
        s->result = P3S_TLSSNIFF_TIMEOUT;
    finish(s);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    struct sniff *s = arg;
    if (!s->connected && (what & EV_WRITE)) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err) {
            decide(s, P3S_TLSSNIFF_ERROR);
            return;
        }
        s->connected = 1;
    }
    if (s->connected && s->sent < s->hello_len && (what & EV_WRITE)) {
        ssize_t k = send(fd, s->hello + s->sent, s->hello_len - s->sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0)
            s->sent += (size_t)k;
        else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            decide(s, P3S_TLSSNIFF_NOT_TLS);
            return;
        }
        if (s->sent == s->hello_len) { /* all sent: from now on only reading (the socket
                                          stays writable; a level-triggered write would spin) */
            event_del(s->io);
            event_assign(s->io, s->base, fd, EV_READ | EV_PERSIST, on_io, s);
            event_add(s->io, NULL);
        }
    }
    if (!(what & EV_READ))
        return;
    for (;;) {
        ssize_t k = recv(fd, s->got + s->ngot, sizeof s->got - s->ngot, 0);
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) { /* closed or reset before the answer said anything */
            decide(s, s->connected || k == 0 ? P3S_TLSSNIFF_NOT_TLS : P3S_TLSSNIFF_ERROR);
            return;
        }
        s->ngot += (size_t)k;
        int kind = p3s_tls_record_kind(s->got, s->ngot);
        if (kind) {
            decide(s, (enum p3s_tlssniff_result)kind);
            return;
        }
    }
}

int p3s_tlssniff_start(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
                       const char *sni, const unsigned char rnd[64],
                       const struct timeval *timeout, p3s_tlssniff_cb cb, void *arg)
{
    struct sniff *s = calloc(1, sizeof *s);
    if (!s) {
        errno = ENOMEM;
        return -1;
    }
    s->hello_len = p3s_tls_client_hello(s->hello, sizeof s->hello, sni, rnd);
    s->base = base;
    s->cb = cb;
    s->arg = arg;
    s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        int e = errno;
        free(s);
        errno = e;
        return -1;
    }
    s->io = event_new(base, s->fd, EV_READ | EV_WRITE | EV_PERSIST, on_io, s);
    s->timer = evtimer_new(base, on_timer, s);
    if (!s->io || !s->timer || event_add(s->io, NULL) < 0) {
        if (s->io)
            event_free(s->io);
        if (s->timer)
            event_free(s->timer);
        close(s->fd);
        free(s);
        errno = ENOMEM;
        return -1;
    }
    evtimer_add(s->timer, timeout);
    s->next = live;
    if (live)
        live->prev = s;
    live = s;
    if (connect(s->fd, sa, salen) < 0 && errno != EINPROGRESS)
        decide(s, P3S_TLSSNIFF_ERROR);
    return 0;
}

void p3s_tlssniff_abort_all(void)
{
    struct sniff *list = live;
    live = NULL;
    while (list) {
        struct sniff *s = list;
        list = s->next;
        s->prev = NULL;
        s->next = NULL;
        if (!s->done)
            s->result = P3S_TLSSNIFF_ERROR;
        s->done = 1;
        finish(s);
    }
}
