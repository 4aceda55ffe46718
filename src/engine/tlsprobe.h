/* tlsprobe.h — which protocol versions a POP3 server accepts (issue 5).
 *
 * One probe is one connection: connect, optionally upgrade with STLS (read the greeting, send
 * "STLS", expect +OK), then a TLS handshake offering exactly one version (min = max) with every
 * cipher OpenSSL has, at security level 0 so TLS 1.0 and 1.1 can be offered at all. After the
 * handshake the probe sends QUIT, waits briefly for the server to answer or close, closes, and
 * reports. Certificates are not verified here (tlsinfo.c does that on the scanner's own session).
 *
 * Driven by the caller's libevent loop; single-threaded. The callback runs exactly once per
 * probe that started (p3s_tlsprobe_start returned 0), never from inside p3s_tlsprobe_start, and
 * only after the probe's socket, bufferevents and timer are released.
 */
#ifndef POP3SCAN_TLSPROBE_H
#define POP3SCAN_TLSPROBE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "tls.h"

struct event_base;

/* detail is never NULL and only valid during the call. */
typedef void (*p3s_tlsprobe_cb)(void *arg, int version, enum p3s_tlsprobe_result result,
                                const char *detail);

/* Starts one probe of `version` (SSL3_VERSION, TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION or
 * TLS1_3_VERSION) at the address sa (IPv4 or IPv6). stls: upgrade with STLS first, otherwise
 * the port speaks TLS at once (995). sni: the server name to send (NULL, "" or an IP literal:
 * none). timeout bounds everything up to the end of the handshake (NULL: 10 s); the QUIT that
 * follows an accepted handshake waits at most min(timeout, 1 s) more.
 *
 * Returns 0 when started: cb will be called once. Returns -1 with errno set, and cb will not be
 * called, when the arguments are invalid (EINVAL: unknown version, bad address) or no socket
 * could be made (EMFILE, ENFILE, ENOMEM...: the caller can retry later). A version this OpenSSL
 * cannot offer starts nothing on the network and reports P3S_TLSPROBE_UNSUPPORTED. */
int p3s_tlsprobe_start(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
                       int stls, int version, const char *sni, const struct timeval *timeout,
                       p3s_tlsprobe_cb cb, void *arg);

/* Whether this OpenSSL can offer `version` as a client at all (checked once per version by
 * producing a ClientHello in memory). Returns 1 or 0; on 0 writes why into why (may be NULL). */
int p3s_tlsprobe_supported(int version, char *why, size_t cap);

/* Probes started and not yet reported. */
size_t p3s_tlsprobe_active(void);

/* Ends every probe in flight now, each reporting P3S_TLSPROBE_ERROR "aborted" (for a second
 * SIGINT). Probes started by those callbacks are left running. */
void p3s_tlsprobe_abort_all(void);

/* Frees the shared SSL_CTXs (one per version, made on first use). Probes still in flight keep
 * their own reference and finish normally; a later probe makes a new context. */
void p3s_tlsprobe_cleanup(void);


#endif
