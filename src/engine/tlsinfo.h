/* tlsinfo.h — what a TLS session tells about a server (issue 5): the certificate's fields (struct
 * p3s_certinfo, record/tls.h), its chain verification and host name match (RFC 7817).
 *
 * Pure functions over OpenSSL objects: no sockets, the current time is passed in, so every rule
 * is a unit test (tests/unit/test_tlsinfo.c). The one piece of state is the system trust store,
 * loaded once on first use and freed by p3s_tlsinfo_cleanup().
 */
#ifndef POP3SCAN_TLSINFO_H
#define POP3SCAN_TLSINFO_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <time.h>

#include "tls.h"

/* Fills *out from the leaf certificate and the chain as the server sent it (the untrusted
 * intermediates; may be NULL and may contain the leaf itself).
 *
 * name is the host name the user scanned: NULL (or "") skips the name check. An IPv4 or IPv6
 * literal is checked against the iPAddress SANs (X509_check_ip_asc). A name is checked as a DNS-ID
 * per RFC 7817 section 3 / RFC 6125: the dNSName SANs, the subject CN only when there is no
 * dNSName SAN, a wildcard only as the whole left-most label and matching exactly one label
 * (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS).
 *
 * store holds the trust anchors; NULL means the system default store (loaded once, see
 * p3s_tls_system_store). Verification runs at time `now`, for the TLS server purpose.
 *
 * A NULL leaf gives present = 0 and returns 0. Returns -1 when memory ran out (out is still
 * consistent and must be freed). Always call p3s_certinfo_free(out) afterwards. */
int p3s_cert_inspect(X509 *leaf, STACK_OF(X509) *chain, const char *name, time_t now,
                     X509_STORE *store, struct p3s_certinfo *out);
/* The same for the peer of an established client session (SSL_get0_peer_certificate and
 * SSL_get_peer_cert_chain). */
int p3s_cert_inspect_ssl(const SSL *ssl, const char *name, time_t now, X509_STORE *store,
                         struct p3s_certinfo *out);

/* The system trust store, loaded on the first call: the bundle file (SSL_CERT_FILE or OpenSSL's
 * default) in memory; the hashed directory only without a bundle, or when SSL_CERT_DIR names
 * one. NULL when it cannot be created. Owned here: do not free. */
X509_STORE *p3s_tls_system_store(void);
/* Frees the system store, if it was loaded. */
void p3s_tlsinfo_cleanup(void);

#endif
