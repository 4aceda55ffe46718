/* tlssniff.h — does a port speak TLS? For TLS detection on cleartext ports that say nothing
 * (engine.c): one connection, one ClientHello written here by hand, and the first bytes of the
 * answer. A TLS server answers a ClientHello with a handshake record (its ServerHello) or an
 * alert record, whatever it thinks of the hello; anything else, or nothing, is no TLS.
 *
 * No OpenSSL session is made: a probe holds a socket and a few hundred bytes, where a real
 * handshake costs tens of KiB, and a scan of a range full of silent ports may hold thousands
 * of these probes at once. The hello offers TLS 1.0 to 1.3 (supported_versions, an X25519 key
 * share of random bytes, the usual cipher suites and signature algorithms) so that servers of
 * every age answer it; the probe never gets past the server's first record.
 *
 * Driven by the caller's libevent loop; single-threaded. The callback runs exactly once per
 * probe that started, never from inside p3s_tlssniff_start, after the socket is closed.
 */
#ifndef POP3SCAN_TLSSNIFF_H
#define POP3SCAN_TLSSNIFF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

struct event_base;

enum p3s_tlssniff_result {
    P3S_TLSSNIFF_TLS = 1,  /* a TLS handshake record came back (0 means "not known yet") */
    P3S_TLSSNIFF_ALERT,    /* a TLS alert record came back: TLS, that refused the hello */
    P3S_TLSSNIFF_NOT_TLS,  /* other bytes, or the connection closed or reset */
    P3S_TLSSNIFF_TIMEOUT,  /* no answer to the connect or the hello in time */
    P3S_TLSSNIFF_ERROR,    /* the connect failed, or aborted */
};

typedef void (*p3s_tlssniff_cb)(void *arg, enum p3s_tlssniff_result result);

/* The largest ClientHello p3s_tls_client_hello() writes (an SNI of 255 bytes included). */
#define P3S_TLS_HELLO_MAX 640

/* Writes a ClientHello record into out (cap at least P3S_TLS_HELLO_MAX) with the 64 bytes of
 * rnd as its random, session id and key share; sni (NULL: none) is sent as server_name when it
 * is a host name of at most 255 bytes. Returns its length. */
size_t p3s_tls_client_hello(unsigned char *out, size_t cap, const char *sni,
                            const unsigned char rnd[64]);

/* What the first n bytes a server sent say: 0 too few to tell, P3S_TLSSNIFF_TLS (a handshake
 * record header), P3S_TLSSNIFF_ALERT (an alert record header), or P3S_TLSSNIFF_NOT_TLS. */
int p3s_tls_record_kind(const unsigned char *p, size_t n);

/* Connects to sa, sends the ClientHello, reads the answer. timeout bounds it all. Returns 0
 * when started (cb will be called once), -1 with errno when no socket could be made. */
int p3s_tlssniff_start(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
                       const char *sni, const unsigned char rnd[64],
                       const struct timeval *timeout, p3s_tlssniff_cb cb, void *arg);

/* Ends every probe in flight now, each reporting P3S_TLSSNIFF_ERROR. */
void p3s_tlssniff_abort_all(void);

#endif
