/* tls.h — what a record keeps of TLS, and how it is judged: the one list of protocol versions
 * (everything that names, numbers or orders SSLv3 ... TLS 1.3 reads it from here), the result of a
 * version check, the certificate's fields, and the summaries behind the findings pop3-tls-weak
 * and pop3-tls-cert. The engine fills these (engine/tlsinfo.c inspects certificates with OpenSSL,
 * engine/tlsprobe.c checks versions); the findings and the outputs read them. No I/O.
 */
#ifndef POP3SCAN_TLS_H
#define POP3SCAN_TLS_H

#include <stddef.h>

/* The protocol versions a server is checked for, oldest first. */
enum p3s_tls_proto { P3S_PROTO_SSL3 = 0, P3S_PROTO_TLS10, P3S_PROTO_TLS11, P3S_PROTO_TLS12,
                     P3S_PROTO_TLS13, P3S_PROTO_COUNT };

struct p3s_tls_proto_info {
    int code;                /* the wire version: 0x0300 (SSLv3) ... 0x0304 (TLS 1.3), as
                                OpenSSL's SSL3_VERSION ... TLS1_3_VERSION */
    const char *label;       /* as pop3scan writes it: "SSLv3", "TLSv1.0" ... "TLSv1.3" */
    const char *openssl;     /* as OpenSSL's SSL_get_version() says it: "SSLv3", "TLSv1" ... */
    int weak;                /* accepting it is a weakness (pop3-tls-weak) */
};
extern const struct p3s_tls_proto_info P3S_TLS_PROTOS[P3S_PROTO_COUNT];

/* The index of a wire version, of a name ("TLSv1", "TLSv1.0", "TLSv1.3"), or -1. */
int p3s_tls_proto_of_code(int code);
int p3s_tls_proto_of_name(const char *name);

/* Versions as bits of an "accepted" mask: 1u << enum p3s_tls_proto. */
#define P3S_TLSV_BIT(proto) (1u << (proto))

/* The outcome of one version check (engine/tlsprobe.h), as the record keeps it. */
enum p3s_tlsprobe_result {
    /* The handshake completed at that version. detail: the cipher negotiated (OpenSSL name). */
    P3S_TLSPROBE_ACCEPTED = 0,
    /* The server did not take the version: the handshake failed after our ClientHello (an alert
     * such as "tlsv1 alert protocol version", a ServerHello for another version, not TLS at
     * all, or the connection closed or reset during the handshake). detail says which. */
    P3S_TLSPROBE_REFUSED,
    /* This OpenSSL cannot offer the version (Debian 12 builds without SSLv3). Nothing was sent:
     * the server's support is unknown. detail: "unsupported by this OpenSSL (...)". */
    P3S_TLSPROBE_UNSUPPORTED,
    /* No answer within the timeout: to the connect, for the greeting, to STLS, or during the
     * handshake. detail says which. */
    P3S_TLSPROBE_TIMEOUT,
    /* The version could not be tried: the connect failed ("connect: Connection refused"), the
     * greeting was not +OK, STLS was refused ("STLS refused: -ERR ..."), the connection closed
     * before TLS started, out of memory, or p3s_tlsprobe_abort_all(). */
    P3S_TLSPROBE_ERROR,
};

const char *p3s_tlsprobe_result_name(enum p3s_tlsprobe_result result);

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
 * probes found accepted (P3S_TLSV_BIT). Same buffer rules as above. Reasons, in this order:
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
