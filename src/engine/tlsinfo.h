/* tlsinfo.h — what a TLS session tells about a server (issue 5): the certificate's fields, its
 * chain verification and host name match (RFC 7817), and the summaries behind the findings
 * pop3-tls-weak and pop3-tls-cert.
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

/* Protocol versions, as bits of an "accepted" mask (see tlsprobe.h). */
#define P3S_TLSV_SSL3 (1u << 0)
#define P3S_TLSV_TLS10 (1u << 1)
#define P3S_TLSV_TLS11 (1u << 2)
#define P3S_TLSV_TLS12 (1u << 3)
#define P3S_TLSV_TLS13 (1u << 4)
#define P3S_TLSV_WEAK (P3S_TLSV_SSL3 | P3S_TLSV_TLS10 | P3S_TLSV_TLS11)

/* SSL3_VERSION … TLS1_3_VERSION to its bit above; 0 for anything else. */
unsigned p3s_tls_version_bit(int version);
/* SSL3_VERSION … TLS1_3_VERSION to "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3";
 * "unknown" for anything else. */
const char *p3s_tls_version_name(int version);

#define P3S_TLS_MAX_SANS 32

struct p3s_certinfo {
    int present; /* the server sent a certificate; when 0 nothing below is set */
    char subject[512], issuer[512]; /* RFC 2253 one-line; non-ASCII and controls escaped */
    /* subjectAltName entries in certificate order, heap strings: "DNS:x", "IP:1.2.3.4",
     * "IP:::1", "email:x", "URI:x", "DirName:<RFC 2253>", "RID:<oid>", "othername:<oid>".
     * Bytes outside printable ASCII (and the backslash) appear as \xHH. */
    char *sans[P3S_TLS_MAX_SANS];
    size_t nsans;
    int sans_truncated; /* the certificate had more than P3S_TLS_MAX_SANS */
    char not_before[32], not_after[32]; /* ISO 8601 UTC "2026-01-01T00:00:00Z" */
    int expired, not_yet_valid;         /* relative to the `now` given */
    char key_type[16];                  /* "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA" … */
    int key_bits;                       /* EVP_PKEY_get_bits: RSA modulus, EC field size */
    char sig_alg[64];                   /* OpenSSL long name: "sha256WithRSAEncryption" */
    char sha256[65];                    /* of the DER certificate, lowercase hex */
    int self_signed;                    /* issuer == subject and its own key verifies it */
    int chain_verified;                 /* to a trust anchor of the store, at `now` */
    char verify_error[128];             /* why not (X509_verify_cert_error_string); "" if ok */
    int verify_code, verify_depth;      /* X509_V_ERR_* and the depth it was raised at */
    int name_checked;                   /* 0 when no name was given */
    int name_matches;                   /* RFC 7817 section 3 (see p3s_cert_inspect) */
    char name[256];                     /* the name checked (trailing dot removed) */
};

/* Frees the SAN strings; the structure can be inspected again afterwards. */
void p3s_certinfo_free(struct p3s_certinfo *ci);

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

/* The system trust store (X509_STORE_set_default_paths), loaded on the first call; NULL when it
 * cannot be created. Owned here: do not free. */
X509_STORE *p3s_tls_system_store(void);
/* Frees the system store, if it was loaded. */
void p3s_tlsinfo_cleanup(void);

/* The problems of a certificate, for the finding pop3-tls-cert. Writes the reasons, joined by
 * "; ", into buf (NUL-terminated, cut with "..." when cap is too small; buf may be NULL when cap
 * is 0) and returns how many there are (0: nothing to report). Reasons, in this order:
 *   "no certificate"
 *   "expired on 2021-01-01T00:00:00Z"
 *   "not valid before 2030-01-01T00:00:00Z"
 *   "self-signed"
 *   "untrusted chain: unable to get local issuer certificate" (" (depth 1)" when not the leaf;
 *     left out when it only repeats the expiry or self-signature reported before)
 *   "host name mail.example.test does not match DNS:a.example.test, DNS:b.example.test"
 *     (or "... does not match the subject CN=..., O=..." when there are no SANs) */
size_t p3s_tls_cert_problems(const struct p3s_certinfo *ci, char *buf, size_t cap);

/* The weaknesses of a TLS service, for the finding pop3-tls-weak. version and cipher are what
 * the scanner's own session negotiated (SSL_get_version, SSL_get_cipher_name; NULL or "" when
 * unknown), cipher_bits its secret bits (SSL_get_cipher_bits; <= 0 when unknown), ci the
 * certificate (NULL or not present: no key or signature checks), accepted_mask the versions the
 * probes found accepted (P3S_TLSV_*). Same buffer rules as above. Reasons, in this order:
 *   "TLSv1.0 negotiated"                               (SSLv2, SSLv3, TLSv1.0, TLSv1.1)
 *   "SSLv3 accepted", "TLSv1.0 accepted", "TLSv1.1 accepted" (not repeating the one negotiated)
 *   "weak cipher DES-CBC3-SHA (3DES, 112-bit)"        (export, NULL, RC4, DES, 3DES, RC2,
 *                                                       anonymous, MD5 MAC, < 128 bits)
 *   "RSA 1024-bit key"                                 (RSA/RSA-PSS/DSA < 2048, EC < 224)
 *   "SHA-1 signature (sha1WithRSAEncryption)"          (also MD5, MD4, MD2) */
size_t p3s_tls_weaknesses(const char *version, const char *cipher, int cipher_bits,
                          const struct p3s_certinfo *ci, unsigned accepted_mask, char *buf,
                          size_t cap);

#endif
