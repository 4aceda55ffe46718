/* followup.h — the connections that follow a dialogue: one ClientHello per TLS version, to learn
 * which versions the server accepts (tlsprobe.c), and the STLS command injection check
 * (injprobe.c). They start when the dialogue's connection has ended, hold a slot each while they
 * run, and complete its record; the engine lends them what they need through a host.
 */
#ifndef POP3SCAN_FOLLOWUP_H
#define POP3SCAN_FOLLOWUP_H

#include <openssl/ssl.h>
#include <sys/socket.h>

struct event_base;
struct p3s_record;

struct p3s_followup_env {
    struct event_base *base;
    SSL_CTX *ssl_ctx;       /* the scanner's own TLS context (the injection check's handshake) */
    int read_timeout_ms, deadline_ms;
    int tls_versions;       /* one ClientHello per version after a dialogue that did TLS */
    int stls_injection;     /* the injection check after an STLS upgrade */
};

/* What the engine lends the follow-ups. */
struct p3s_followup_host {
    void *ctx;
    /* A follow-up connection opened (+1) or ended (-1): it holds a slot meanwhile. */
    void (*slot)(void *ctx, int delta);
    /* Every follow-up of rec ended: the record is complete (hold is the caller's). */
    void (*finished)(void *ctx, struct p3s_record *rec, void *hold);
};

/* Starts what should follow the dialogue of rec (a POP3 service) at addr. Returns 1 when the
 * follow-ups own rec now (finished() comes when they end, possibly before this returns), 0 when
 * none applies (the caller finishes rec itself). */
int p3s_followup_start(const struct p3s_followup_env *env, const struct p3s_followup_host *host,
                       struct p3s_record *rec, const struct sockaddr *addr, socklen_t addrlen,
                       int sni, void *hold);

#endif
