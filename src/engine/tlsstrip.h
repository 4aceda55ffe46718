/* tlsstrip.h — a TLS client's socket BIO that sets aside the cleartext lines a server sends
 * after its +OK to STLS, before its first TLS record.
 *
 * A correct server sends nothing between "+OK" and its ServerHello. A server that answers out of
 * step does: the real "+OK Begin TLS" after a stale line that was taken as STLS's answer, or a
 * cleartext answer to a command that was pipelined after STLS. OpenSSL would read those bytes
 * as a TLS record and fail with "wrong version number", and a working STLS would be reported
 * broken. This BIO hands each such line (lib/pop3 p3_cleartext_line decides what is one) to a
 * callback, which records it, and passes everything from the first byte that is not text on to
 * OpenSSL unchanged. It strips at most STRIP_MAX_LINES lines, only before the first TLS byte.
 */
#ifndef POP3SCAN_TLSSTRIP_H
#define POP3SCAN_TLSSTRIP_H

#include <openssl/bio.h>
#include <stddef.h>

/* line: the bytes of one line, terminator excluded; only valid during the call. */
typedef void (*p3s_strip_cb)(void *arg, const char *line, size_t n);

/* A socket BIO for fd (not closed by the BIO) under the stripping filter, ready for
 * SSL_set_bio(ssl, b, b); NULL when out of memory. */
BIO *p3s_strip_bio_new(int fd, p3s_strip_cb cb, void *arg);

#endif
