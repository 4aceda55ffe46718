/* tls.c — the protocol versions, version-check results, certificate fields and the TLS
 * summaries of a record (see tls.h). */
#include "tls.h"

#include <ctype.h>
#include <openssl/x509_vfy.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct p3s_tls_proto_info P3S_TLS_PROTOS[P3S_PROTO_COUNT] = {
    [P3S_PROTO_SSL3] = {0x0300, "SSLv3", "SSLv3", 1},
    [P3S_PROTO_TLS10] = {0x0301, "TLSv1.0", "TLSv1", 1},
    [P3S_PROTO_TLS11] = {0x0302, "TLSv1.1", "TLSv1.1", 1},
    [P3S_PROTO_TLS12] = {0x0303, "TLSv1.2", "TLSv1.2", 0},
    [P3S_PROTO_TLS13] = {0x0304, "TLSv1.3", "TLSv1.3", 0},
};

int p3s_tls_proto_of_code(int code)
{
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        if (P3S_TLS_PROTOS[i].code == code)
            return i;
    return -1;
}

int p3s_tls_proto_of_name(const char *name)
{
    for (int i = 0; name && i < P3S_PROTO_COUNT; i++)
        if (strcmp(name, P3S_TLS_PROTOS[i].label) == 0 ||
            strcmp(name, P3S_TLS_PROTOS[i].openssl) == 0)
            return i;
    return -1;
}

const char *p3s_tlsprobe_result_name(enum p3s_tlsprobe_result result)
{
    switch (result) {
    case P3S_TLSPROBE_ACCEPTED:
        return "accepted";
    case P3S_TLSPROBE_REFUSED:
        return "refused";
    case P3S_TLSPROBE_UNSUPPORTED:
        return "unsupported";
    case P3S_TLSPROBE_TIMEOUT:
        return "timeout";
    case P3S_TLSPROBE_ERROR:
        return "error";
    }
    return "error";
}

void p3s_certinfo_free(struct p3s_certinfo *ci)
{
    if (!ci)
        return;
    for (size_t i = 0; i < ci->nsans; i++) {
        free(ci->sans[i]);
        ci->sans[i] = NULL;
    }
    ci->nsans = 0;
}

/* ---- summaries ------------------------------------------------------------------------- */

struct reasons {
    char *buf;
    size_t cap, len;
    size_t count;
    int full;
};

static void reason(struct reasons *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason(struct reasons *r, const char *fmt, ...)
{
    r->count++;
    if (!r->buf || r->cap == 0 || r->full)
        return;
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    const char *sep = r->len ? "; " : "";
    size_t need = strlen(sep) + strlen(tmp);
    if (r->len + need < r->cap) {
        r->len += (size_t)snprintf(r->buf + r->len, r->cap - r->len, "%s%s", sep, tmp);
        return;
    }
    /* Cut, and say so when there is room for it. */
    snprintf(r->buf + r->len, r->cap - r->len, "%s%s", sep, tmp);
    r->full = 1;
    if (r->cap >= 4)
        memcpy(r->buf + r->cap - 4, "...", 4);
    r->len = strlen(r->buf);
}

static void reasons_init(struct reasons *r, char *buf, size_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->len = 0;
    r->count = 0;
    r->full = 0;
    if (buf && cap)
        buf[0] = '\0';
}

size_t p3s_tls_cert_problems(const struct p3s_certinfo *ci, char *buf, size_t cap)
{
    struct reasons r;
    reasons_init(&r, buf, cap);
    if (!ci || !ci->present) {
        reason(&r, "no certificate");
        return r.count;
    }
    if (ci->expired)
        reason(&r, "expired on %s", ci->not_after);
    if (ci->not_yet_valid)
        reason(&r, "not valid before %s", ci->not_before);
    if (ci->self_signed)
        reason(&r, "self-signed");
    if (!ci->chain_verified) {
        int said = (ci->verify_depth == 0 &&
                    ((ci->expired && ci->verify_code == X509_V_ERR_CERT_HAS_EXPIRED) ||
                     (ci->not_yet_valid && ci->verify_code == X509_V_ERR_CERT_NOT_YET_VALID))) ||
                   (ci->self_signed && ci->verify_code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
        if (!said) {
            if (ci->verify_depth > 0)
                reason(&r, "untrusted chain: %s (depth %d)", ci->verify_error, ci->verify_depth);
            else
                reason(&r, "untrusted chain: %s", ci->verify_error);
        }
    }
    if (ci->name_checked && !ci->name_matches) {
        char list[800];
        size_t len = 0;
        list[0] = '\0';
        for (size_t i = 0; i < ci->nsans && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                                    ci->sans[i]);
        if (ci->nsans)
            reason(&r, "host name %s does not match %s%s", ci->name, list,
                   ci->sans_truncated ? ", ..." : "");
        else
            reason(&r, "host name %s does not match the subject %s", ci->name, ci->subject);
    }
    return r.count;
}

static int has(const char *s, const char *needle)
{
    return strstr(s, needle) != NULL;
}

/* The weak traits of a cipher, by its OpenSSL or IANA name, joined by ", ". */
static void cipher_traits(const char *c, int bits, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
#define TRAIT(cond, text)                                                                    \
    do {                                                                                     \
        if ((cond) && len < cap)                                                             \
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", (text)); \
    } while (0)
    TRAIT(has(c, "EXP") || has(c, "EXPORT"), "export");
    TRAIT(has(c, "NULL"), "NULL encryption");
    TRAIT(has(c, "RC4"), "RC4");
    TRAIT(has(c, "RC2"), "RC2");
    int triple = has(c, "DES-CBC3") || has(c, "3DES") || has(c, "DES_EDE") || has(c, "DES-EDE");
    TRAIT(triple, "3DES");
    TRAIT(!triple && (has(c, "DES-CBC") || has(c, "DES_CBC") || has(c, "-DES-") ||
                      strncmp(c, "DES-", 4) == 0),
          "DES");
    TRAIT(strncmp(c, "ADH-", 4) == 0 || strncmp(c, "AECDH-", 6) == 0 || has(c, "anon") ||
              strncmp(c, "ADH", 3) == 0,
          "anonymous");
    size_t n = strlen(c);
    TRAIT(n >= 4 && (strcmp(c + n - 4, "-MD5") == 0 || strcmp(c + n - 4, "_MD5") == 0),
          "MD5 MAC");
    if (bits > 0 && bits < 128 && len < cap)
        len += (size_t)snprintf(out + len, cap - len, "%s%d-bit", len ? ", " : "", bits);
#undef TRAIT
}

static int weak_hash_sig(const char *alg, const char **which)
{
    static const struct {
        const char *needle, *name;
    } weak[] = {{"sha1", "SHA-1"}, {"sha-1", "SHA-1"}, {"md5", "MD5"}, {"md4", "MD4"},
                {"md2", "MD2"}};
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        size_t nl = strlen(weak[i].needle);
        for (const char *p = alg; *p; p++)
            if (strncasecmp(p, weak[i].needle, nl) == 0 && !isdigit((unsigned char)p[nl])) {
                *which = weak[i].name;
                return 1;
            }
    }
    return 0;
}

size_t p3s_tls_weaknesses(const char *version, const char *cipher, int cipher_bits,
                          const struct p3s_certinfo *ci, unsigned accepted_mask, char *buf,
                          size_t cap)
{
    struct reasons r;
    reasons_init(&r, buf, cap);
    int neg = p3s_tls_proto_of_name(version);
    if (version && strcmp(version, "SSLv2") == 0)
        reason(&r, "SSLv2 negotiated");
    else if (neg >= 0 && P3S_TLS_PROTOS[neg].weak)
        reason(&r, "%s negotiated", P3S_TLS_PROTOS[neg].label);
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        if (P3S_TLS_PROTOS[i].weak && (accepted_mask & P3S_TLSV_BIT(i)) && neg != i)
            reason(&r, "%s accepted", P3S_TLS_PROTOS[i].label);
    if (cipher && *cipher) {
        char traits[200];
        cipher_traits(cipher, cipher_bits, traits, sizeof traits);
        if (traits[0])
            reason(&r, "weak cipher %s (%s)", cipher, traits);
    }
    if (ci && ci->present) {
        const char *t = ci->key_type;
        int small = ((strcmp(t, "RSA") == 0 || strcmp(t, "RSA-PSS") == 0 || strcmp(t, "DSA") == 0 ||
                      strcmp(t, "DH") == 0) &&
                     ci->key_bits < 2048) ||
                    (strcmp(t, "EC") == 0 && ci->key_bits < 224);
        if (small)
            reason(&r, "%s %d-bit key", t, ci->key_bits);
        const char *which;
        if (weak_hash_sig(ci->sig_alg, &which))
            reason(&r, "%s signature (%s)", which, ci->sig_alg);
    }
    return r.count;
}
