/* tlshello.h — what a TLS server's first answer to a ClientHello says, read without a TLS stack:
 * the protocol version and cipher suite its ServerHello chose, its refusal (an alert), or that it
 * does not speak TLS at all.
 *
 * The TLS version probes (src/engine/tlsprobe.c) send one ClientHello offering a single version and need
 * only this answer: a version is accepted or refused as soon as the ServerHello or an alert
 * arrives, so nothing after it — certificate, key exchange, Finished — is read, computed or kept.
 *
 * Bytes in, verdict out, after picohttpparser: no sockets, no allocation, no global state. The
 * caller hands everything received so far; NEED_MORE asks for more. The server's bytes are
 * hostile: every length is checked before it is used, records and the ServerHello may be split
 * anywhere (a handshake message over several records is put back together, up to
 * P3TH_HELLO_MAX bytes), and anything that is not a well-formed answer gets its own verdict.
 * Formats: RFC 8446 §4.1.3 (ServerHello, HelloRetryRequest, supported_versions), §5.1 (records),
 * §6 (alerts); RFC 5246 §7.4.1.3 for the versions before it.
 */
#ifndef POP3SCAN_TLSHELLO_H
#define POP3SCAN_TLSHELLO_H

#include <stddef.h>
#include <stdint.h>

/* Longest ServerHello read (its 4-byte header included); longer is P3TH_MALFORMED. Real ones are
 * under 200 bytes. */
#define P3TH_HELLO_MAX 2048

enum p3th_verdict {
    P3TH_NEED_MORE = 0,   /* no verdict yet: read more */
    P3TH_SERVER_HELLO,    /* version, cipher and hello_retry are set */
    P3TH_ALERT,           /* alert_level and alert_desc are set */
    P3TH_UNEXPECTED,      /* a handshake message other than ServerHello came first (msg_type) */
    P3TH_NOT_TLS,         /* the first bytes are not a TLS handshake or alert record */
    P3TH_MALFORMED        /* TLS records, but lengths or fields that do not add up */
};

struct p3th_answer {
    uint16_t version;     /* the version chosen: supported_versions when sent, else the
                             ServerHello's legacy_version (0x0301 TLS 1.0 ... 0x0304 TLS 1.3) */
    uint16_t cipher;      /* the cipher suite chosen */
    int hello_retry;      /* a TLS 1.3 HelloRetryRequest: version chosen, key share asked again */
    uint8_t alert_level;  /* 1 warning, 2 fatal */
    uint8_t alert_desc;   /* RFC 8446 §6 AlertDescription (70: protocol_version) */
    uint8_t msg_type;     /* P3TH_UNEXPECTED: the message's HandshakeType */
};

/* Reads the len bytes a server sent after our ClientHello. Returns the verdict; fills out for
 * the verdicts that say so. Pure: the same bytes always give the same answer. */
enum p3th_verdict p3th_read_answer(const uint8_t *buf, size_t len, struct p3th_answer *out);

/* "ServerHello", "alert", ...: the verdict's name. */
const char *p3th_verdict_name(enum p3th_verdict v);

#endif
