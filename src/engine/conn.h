/* conn.h — one connection of the engine: the POP3 dialogue with one address and port, ended by
 * exactly one record handed to a callback (see conn.c). The engine (engine.c) starts them and
 * keeps them in slots; a connection knows nothing of the engine but what env and its callback
 * give it.
 */
#ifndef POP3SCAN_CONN_H
#define POP3SCAN_CONN_H

#include <openssl/ssl.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct event_base;
struct p3s_hsgate;
struct timeval;
struct p3s_conn;
struct p3s_conn_inbuf;
struct p3s_record;

/* An IPv4 or IPv6 address with its port, as connect() takes it: 28 bytes where a
 * sockaddr_storage takes 128, kept once per connection in flight. */
union p3s_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
};

/* What the connections of one engine share; owned by the engine, alive as long as they are. */
struct p3s_conn_env {
    struct event_base *base;
    SSL_CTX *ssl_ctx;
    int connect_timeout_ms, read_timeout_ms, deadline_ms;
    int retries;
    const struct timeval *read_tv, *connect_tv; /* common timeouts of those two durations */
    unsigned dialogue;   /* P3_OPT_USER_PROBE, P3_OPT_STLS, P3_OPT_NTLM (lib/pop3/pop3.h) */
    struct p3s_conn_inbuf *inbuf; /* the read buffer they share (p3s_conn_inbuf_new) */
    /* Handshake admission (hsgate.h), NULL: none. A connection that must wait for its TLS
     * handshake (implicit, or after STLS) has no timer meanwhile: its read timeout starts
     * with the handshake, and its deadline moves by the time it waited, since the wait is the
     * scan's doing, not the server's. */
    struct p3s_hsgate *hsgate;
    /* A TLS handshake starts (arg: the done callback's); waited_ms is how long it waited for
     * admission. NULL: not told. */
    void (*tls_starting)(void *arg, double waited_ms);
};

/* The read buffer of the connections of one event loop (conn.c says why one is enough). */
struct p3s_conn_inbuf *p3s_conn_inbuf_new(void);
void p3s_conn_inbuf_free(struct p3s_conn_inbuf *b);

/* The one thing to scan. Copied: nothing here must outlive p3s_conn_start(). */
struct p3s_conn_job {
    const char *target;              /* the record's target */
    const char *ip;                  /* the address as text, for the record */
    const struct sockaddr *addr;     /* the address and port to connect to */
    socklen_t addrlen;
    int tls;                         /* implicit TLS */
    int sni;                         /* target is a name: send it as SNI, check the certificate */
    uint64_t rnd;                    /* randomness for the probe's user name */
};

/* The connection ended: rec is the caller's now. */
typedef void (*p3s_conn_done_cb)(void *arg, struct p3s_record *rec);

/* The shortest settle wait (lib/pop3/pop3.h rule 2; conn.c says how long it is). */
#define P3S_SETTLE_MIN_MS 100

/* Opens the connection and starts the dialogue. Returns 0 and sets *out (NULL when it ended at
 * once — a refused connect — and done was called already), or -1 with errno when no socket could
 * be made (EMFILE, ENFILE, ENOBUFS, ENOMEM: the caller keeps the job for later; done is not
 * called). */
int p3s_conn_start(const struct p3s_conn_env *env, const struct p3s_conn_job *job,
                   p3s_conn_done_cb done, void *arg, struct p3s_conn **out);
/* Ends the connection now with its record marked "scan interrupted" (done is called). */
void p3s_conn_abort(struct p3s_conn *c);
/* Ends the connection now: TLS detection found TLS on its port (done is called). */
void p3s_conn_end_for_tls(struct p3s_conn *c);
/* When the TCP connect completed (monotonic ms), 0 before. */
double p3s_conn_connected_ms(const struct p3s_conn *c);
/* Whether the server sent a byte in cleartext. */
int p3s_conn_heard(const struct p3s_conn *c);

#endif
