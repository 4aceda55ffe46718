/* tlshello.c — reads a TLS server's first answer: records, then the ServerHello or an alert.
 * See tlshello.h. */
#include "tlshello.h"

#include <string.h>

enum { REC_ALERT = 21, REC_HANDSHAKE = 22, HS_SERVER_HELLO = 2, EXT_SUPPORTED_VERSIONS = 43 };

/* The random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3). */
static const uint8_t HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A record's header is TLS: a content type we expect and major version 3. The record layer
 * version says nothing more (servers put 0x0301 there for every version). */
static int record_header_ok(const uint8_t *p)
{
    return (p[0] == REC_ALERT || p[0] == REC_HANDSHAKE) && p[1] == 3 && p[2] <= 4;
}

/* The extensions of a ServerHello: the version supported_versions selects, when sent. */
static enum p3th_verdict read_extensions(const uint8_t *p, size_t n, struct p3th_answer *out)
{
    if (n < 2 || be16(p) != n - 2)
        return P3TH_MALFORMED;
    for (size_t i = 2; i < n;) {
        if (n - i < 4)
            return P3TH_MALFORMED;
        uint16_t type = be16(p + i), len = be16(p + i + 2);
        i += 4;
        if (len > n - i)
            return P3TH_MALFORMED;
        if (type == EXT_SUPPORTED_VERSIONS) {
            if (len != 2)
                return P3TH_MALFORMED;
            out->version = be16(p + i);
        }
        i += len;
    }
    return P3TH_SERVER_HELLO;
}

/* body: the ServerHello without its 4-byte handshake header. */
static enum p3th_verdict read_server_hello(const uint8_t *body, size_t n, struct p3th_answer *out)
{
    if (n < 2 + 32 + 1)
        return P3TH_MALFORMED;
    out->version = be16(body);
    out->hello_retry = memcmp(body + 2, HRR_RANDOM, sizeof HRR_RANDOM) == 0;
    size_t sid = body[34];
    size_t at = 35 + sid;
    if (sid > 32 || n < at + 3)
        return P3TH_MALFORMED;
    out->cipher = be16(body + at);
    at += 3; /* cipher suite and compression method */
    if (at == n)
        return P3TH_SERVER_HELLO; /* no extensions: an SSLv3 or early TLS server */
    return read_extensions(body + at, n - at, out);
}

static enum p3th_verdict read_answer(const uint8_t *buf, size_t len, struct p3th_answer *out)
{
    uint8_t hs[P3TH_HELLO_MAX]; /* the handshake bytes, record headers taken out */
    size_t have = 0, at = 0;
    while (len - at >= 5) {
        const uint8_t *rec = buf + at;
        if (!record_header_ok(rec))
            return have ? P3TH_MALFORMED : P3TH_NOT_TLS;
        size_t rlen = be16(rec + 3);
        if (rlen == 0 || rlen > (1u << 14) + 2048)
            return P3TH_MALFORMED;
        if (rec[0] == REC_ALERT) {
            if (have) /* an alert inside a ServerHello split over records */
                return P3TH_MALFORMED;
            if (len - at - 5 < 2)
                return P3TH_NEED_MORE;
            out->alert_level = rec[5];
            out->alert_desc = rec[6];
            return P3TH_ALERT;
        }
        size_t take = len - at - 5 < rlen ? len - at - 5 : rlen; /* a record still arriving */
        if (take > sizeof hs - have)
            take = sizeof hs - have;
        memcpy(hs + have, rec + 5, take);
        have += take;
        if (have >= 1 && hs[0] != HS_SERVER_HELLO) {
            out->msg_type = hs[0];
            return P3TH_UNEXPECTED;
        }
        if (have >= 4) {
            size_t mlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
            if (mlen + 4 > sizeof hs)
                return P3TH_MALFORMED;
            if (have >= mlen + 4)
                return read_server_hello(hs + 4, mlen, out);
        }
        if (take < rlen)
            return have == sizeof hs ? P3TH_MALFORMED : P3TH_NEED_MORE;
        at += 5 + rlen;
    }
    /* Fewer than 5 bytes of the next record: judge what there is of its header. */
    if (at < len && !(buf[at] == REC_ALERT || buf[at] == REC_HANDSHAKE))
        return have ? P3TH_MALFORMED : P3TH_NOT_TLS;
    if (len - at >= 2 && buf[at + 1] != 3)
        return have ? P3TH_MALFORMED : P3TH_NOT_TLS;
    return P3TH_NEED_MORE;
}

enum p3th_verdict p3th_read_answer(const uint8_t *buf, size_t len, struct p3th_answer *out)
{
    memset(out, 0, sizeof *out);
    enum p3th_verdict v = read_answer(buf, len, out);
    if (v == P3TH_NEED_MORE || v == P3TH_NOT_TLS || v == P3TH_MALFORMED)
        memset(out, 0, sizeof *out); /* what a half-read ServerHello set means nothing */
    return v;
}

const char *p3th_verdict_name(enum p3th_verdict v)
{
    switch (v) {
    case P3TH_NEED_MORE:
        return "need more";
    case P3TH_SERVER_HELLO:
        return "ServerHello";
    case P3TH_ALERT:
        return "alert";
    case P3TH_UNEXPECTED:
        return "unexpected handshake message";
    case P3TH_NOT_TLS:
        return "not TLS";
    case P3TH_MALFORMED:
        return "malformed";
    }
    return "?";
}
