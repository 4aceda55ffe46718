/* tlsinfo.c — certificate inspection (see tlsinfo.h). No sockets and no clock: everything comes from the OpenSSL objects and `now`. */
#include "tlsinfo.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- certificate fields ----------------------------------------------------------------- */

static void copy_trunc(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* RFC 2253 one-line form of a name; XN_FLAG_RFC2253 escapes controls and non-ASCII bytes. */
static void name_oneline(const X509_NAME *name, char *dst, size_t cap)
{
    dst[0] = '\0';
    if (!name)
        return;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        if (n > 0)
            copy_trunc(dst, cap, p, (size_t)n);
    }
    BIO_free(bio);
}

/* "prefix" + bytes, with everything outside printable ASCII and the backslash as \xHH. */
static char *escaped(const char *prefix, const unsigned char *p, size_t n)
{
    size_t plen = strlen(prefix);
    char *s = malloc(plen + n * 4 + 1);
    if (!s)
        return NULL;
    memcpy(s, prefix, plen);
    char *o = s + plen;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
            *o++ = (char)p[i];
        } else {
            sprintf(o, "\\x%02x", p[i]);
            o += 4;
        }
    }
    *o = '\0';
    return s;
}

static char *san_string(const GENERAL_NAME *gn)
{
    char buf[600];
    switch (gn->type) {
    case GEN_DNS:
        return escaped("DNS:", ASN1_STRING_get0_data(gn->d.dNSName),
                       (size_t)ASN1_STRING_length(gn->d.dNSName));
    case GEN_EMAIL:
        return escaped("email:", ASN1_STRING_get0_data(gn->d.rfc822Name),
                       (size_t)ASN1_STRING_length(gn->d.rfc822Name));
    case GEN_URI:
        return escaped("URI:", ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
                       (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier));
    case GEN_IPADD: {
        const unsigned char *ip = ASN1_STRING_get0_data(gn->d.iPAddress);
        int len = ASN1_STRING_length(gn->d.iPAddress);
        char addr[INET6_ADDRSTRLEN];
        if ((len == 4 && inet_ntop(AF_INET, ip, addr, sizeof addr)) ||
            (len == 16 && inet_ntop(AF_INET6, ip, addr, sizeof addr))) {
            snprintf(buf, sizeof buf, "IP:%s", addr);
            break;
        }
        return escaped("IP:bad-length:", ip, len > 0 ? (size_t)len : 0);
    }
    case GEN_DIRNAME: {
        char dn[512];
        name_oneline(gn->d.directoryName, dn, sizeof dn);
        snprintf(buf, sizeof buf, "DirName:%s", dn);
        break;
    }
    case GEN_RID: {
        char oid[128];
        OBJ_obj2txt(oid, sizeof oid, gn->d.registeredID, 1);
        snprintf(buf, sizeof buf, "RID:%s", oid);
        break;
    }
    case GEN_OTHERNAME: {
        char oid[128];
        OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1);
        snprintf(buf, sizeof buf, "othername:%s", oid);
        break;
    }
    default:
        snprintf(buf, sizeof buf, "other:%d", gn->type);
        break;
    }
    return strdup(buf);
}

static int collect_sans(X509 *leaf, struct p3s_certinfo *out)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return 0;
    int rc = 0;
    int n = sk_GENERAL_NAME_num(gens);
    for (int i = 0; i < n; i++) {
        if (out->nsans == P3S_TLS_MAX_SANS) {
            out->sans_truncated = 1;
            break;
        }
        char *s = san_string(sk_GENERAL_NAME_value(gens, i));
        if (!s) {
            rc = -1;
            break;
        }
        out->sans[out->nsans++] = s;
    }
    GENERAL_NAMES_free(gens);
    return rc;
}

static void iso_time(const ASN1_TIME *t, char *dst, size_t cap)
{
    struct tm tm;
    dst[0] = '\0';
    if (t && ASN1_TIME_to_tm(t, &tm) == 1)
        strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void key_info(X509 *leaf, struct p3s_certinfo *out)
{
    EVP_PKEY *pk = X509_get0_pubkey(leaf);
    snprintf(out->key_type, sizeof out->key_type, "unknown");
    if (!pk)
        return;
    const char *type;
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
        type = "RSA";
        break;
    case EVP_PKEY_RSA_PSS:
        type = "RSA-PSS";
        break;
    case EVP_PKEY_EC:
        type = "EC";
        break;
    case EVP_PKEY_ED25519:
        type = "Ed25519";
        break;
    case EVP_PKEY_ED448:
        type = "Ed448";
        break;
    case EVP_PKEY_DSA:
        type = "DSA";
        break;
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
        type = "DH";
        break;
    default:
        type = EVP_PKEY_get0_type_name(pk);
        break;
    }
    if (type)
        snprintf(out->key_type, sizeof out->key_type, "%s", type);
    out->key_bits = EVP_PKEY_get_bits(pk);
}

static void sig_info(X509 *leaf, struct p3s_certinfo *out)
{
    int nid = X509_get_signature_nid(leaf);
    const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    if (ln) {
        snprintf(out->sig_alg, sizeof out->sig_alg, "%s", ln);
        return;
    }
    const X509_ALGOR *alg;
    const ASN1_OBJECT *obj;
    X509_get0_signature(NULL, &alg, leaf);
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    if (OBJ_obj2txt(out->sig_alg, sizeof out->sig_alg, obj, 1) <= 0)
        snprintf(out->sig_alg, sizeof out->sig_alg, "unknown");
}

static void fingerprint(X509 *leaf, struct p3s_certinfo *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out->sha256[0] = '\0';
    if (X509_digest(leaf, EVP_sha256(), md, &n) != 1 || n != 32)
        return;
    for (unsigned i = 0; i < n; i++)
        sprintf(out->sha256 + 2 * i, "%02x", md[i]);
}

static X509_STORE *system_store;

/* The system's trust anchors, read into memory once: the bundle file (SSL_CERT_FILE, else
 * OpenSSL's default, Debian's /usr/lib/ssl/cert.pem). X509_STORE_set_default_paths adds
 * lookups in the hashed directory as well, and in OpenSSL 3 an OSSL_STORE over it, which run
 * whenever an issuer is not in memory: for every self-signed or privately issued certificate —
 * most of what a scan meets — a read of the whole directory and a few stats per target (15
 * system calls; a third of the client's system time in bench/tls.sh). The bundle holds the same
 * anchors as the directory (update-ca-certificates writes both), so the directory is looked in
 * only when there is no bundle, or when SSL_CERT_DIR names one. */
X509_STORE *p3s_tls_system_store(void)
{
    if (system_store)
        return system_store;
    X509_STORE *st = X509_STORE_new();
    if (!st)
        return NULL;
    const char *file = getenv(X509_get_default_cert_file_env());
    const char *dir = getenv(X509_get_default_cert_dir_env());
    int loaded = X509_STORE_load_file(st, file ? file : X509_get_default_cert_file()) == 1;
    if (!loaded || dir)
        X509_STORE_load_path(st, dir ? dir : X509_get_default_cert_dir());
    ERR_clear_error(); /* what is missing leaves a smaller store: fewer chains verify */
    system_store = st;
    return st;
}

void p3s_tlsinfo_cleanup(void)
{
    X509_STORE_free(system_store);
    system_store = NULL;
}

static void verify_chain(X509 *leaf, STACK_OF(X509) *chain, time_t now, X509_STORE *store,
                         struct p3s_certinfo *out)
{
    out->chain_verified = 0;
    out->verify_code = X509_V_ERR_UNSPECIFIED;
    out->verify_depth = 0;
    if (!store)
        store = p3s_tls_system_store();
    X509_STORE_CTX *ctx = store ? X509_STORE_CTX_new() : NULL;
    if (!ctx || X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
        snprintf(out->verify_error, sizeof out->verify_error, "cannot set up the verification");
        X509_STORE_CTX_free(ctx);
        ERR_clear_error();
        return;
    }
    X509_STORE_CTX_set_time(ctx, 0, now);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    int ok = X509_verify_cert(ctx) == 1;
    out->verify_code = ok ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    out->verify_depth = ok ? 0 : X509_STORE_CTX_get_error_depth(ctx);
    if (!ok && out->verify_code == X509_V_OK) /* failed without saying why */
        out->verify_code = X509_V_ERR_UNSPECIFIED;
    out->chain_verified = ok;
    if (ok)
        out->verify_error[0] = '\0';
    else
        snprintf(out->verify_error, sizeof out->verify_error, "%s",
                 X509_verify_cert_error_string(out->verify_code));
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
}

static int is_ip_literal(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static void check_name(X509 *leaf, const char *name, struct p3s_certinfo *out)
{
    out->name_checked = 0;
    out->name_matches = 0;
    out->name[0] = '\0';
    if (!name || !*name)
        return;
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '.') /* the absolute form names the same host */
        n--;
    copy_trunc(out->name, sizeof out->name, name, n);
    out->name_checked = 1;
    if (n >= sizeof out->name) /* longer than any DNS name: cannot match */
        return;
    if (is_ip_literal(out->name))
        out->name_matches = X509_check_ip_asc(leaf, out->name, 0) == 1;
    else
        out->name_matches = X509_check_host(leaf, out->name, n,
                                            X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    ERR_clear_error();
}

int p3s_cert_inspect(X509 *leaf, STACK_OF(X509) *chain, const char *name, time_t now,
                     X509_STORE *store, struct p3s_certinfo *out)
{
    memset(out, 0, sizeof *out);
    if (!leaf)
        return 0;
    out->present = 1;
    name_oneline(X509_get_subject_name(leaf), out->subject, sizeof out->subject);
    name_oneline(X509_get_issuer_name(leaf), out->issuer, sizeof out->issuer);
    int rc = collect_sans(leaf, out);
    const ASN1_TIME *nb = X509_get0_notBefore(leaf), *na = X509_get0_notAfter(leaf);
    iso_time(nb, out->not_before, sizeof out->not_before);
    iso_time(na, out->not_after, sizeof out->not_after);
    /* RFC 5280 4.1.2.5: both dates are inclusive. An unreadable date counts as outside. */
    int cb = nb ? ASN1_TIME_cmp_time_t(nb, now) : -2;
    int ca = na ? ASN1_TIME_cmp_time_t(na, now) : -2;
    out->not_yet_valid = cb == 1 || cb == -2;
    out->expired = ca == -1 || ca == -2;
    key_info(leaf, out);
    sig_info(leaf, out);
    fingerprint(leaf, out);
    out->self_signed = X509_self_signed(leaf, 1) == 1;
    verify_chain(leaf, chain, now, store, out);
    check_name(leaf, name, out);
    ERR_clear_error();
    return rc;
}

int p3s_cert_inspect_ssl(const SSL *ssl, const char *name, time_t now, X509_STORE *store,
                         struct p3s_certinfo *out)
{
    return p3s_cert_inspect(SSL_get0_peer_certificate(ssl), SSL_get_peer_cert_chain(ssl), name,
                            now, store, out);
}

