/* escape.h — making untrusted server bytes safe for each output.
 *
 * Server bytes are hostile: they may hold ANSI escape sequences, NUL, invalid UTF-8. Each output
 * format gets them through one of these functions and never raw:
 *  - p3s_escape_lossless: for JSON strings. Valid UTF-8 (controls included: the JSON encoder
 *    escapes those) is kept; a byte that is not valid UTF-8 becomes the four characters \xHH and a
 *    backslash becomes \\, so the exact bytes can always be recovered (docs/output.md).
 *  - p3s_escape_term: for terminals and text files. Every control byte (C0, DEL, C1), every
 *    invalid byte and the bidirectional overrides are written as \xHH or \u{HHHH}.
 */
#ifndef POP3SCAN_ESCAPE_H
#define POP3SCAN_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when the byte there starts none. */
size_t p3s_utf8_len(const unsigned char *s, size_t len);
/* The code point of a sequence p3s_utf8_len found valid (n its length). */
unsigned p3s_utf8_decode(const unsigned char *s, size_t n);


/* Escapes in (len bytes) losslessly into a new NUL-terminated string; *out_len gets its length.
 * Returns NULL when out of memory. */
char *p3s_escape_lossless(const char *in, size_t len, size_t *out_len);

/* Writes in (len bytes) to a buffer of size cap with every control byte escaped; returns the
 * length written (always NUL-terminated when cap > 0, cut at a character boundary). */
size_t p3s_escape_term(const char *in, size_t len, char *out, size_t cap);

/* Writes in, escaped for a terminal, to fp. */
void p3s_fputs_term(FILE *fp, const char *in, size_t len);

#endif
