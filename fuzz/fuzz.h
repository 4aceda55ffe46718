/* fuzz.h — what the fuzz targets share (fuzz/check.c): the CHECK that turns a broken property
 * into a crash libFuzzer keeps, a UTF-8 decoder of their own, and the checks every output format
 * must pass on a record.
 *
 * fuzz_utf8() is deliberately not lib/util's decoder: it is the independent oracle the escapers
 * and the output modules are checked against, written from RFC 3629 alone, so a shared mistake
 * cannot hide itself.
 */
#ifndef POP3SCAN_FUZZ_H
#define POP3SCAN_FUZZ_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                               \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);            \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

struct p3s_record;

/* Length of the valid UTF-8 sequence at s and its code point, 0 if none (RFC 3629). */
size_t fuzz_utf8(const unsigned char *s, size_t len, unsigned *cp);
int fuzz_valid_utf8(const char *p, size_t n);
/* Valid UTF-8 whose only control characters are those in allowed; no C1 control, no
 * bidirectional override. */
void fuzz_check_text(const char *p, size_t n, const char *allowed);
/* Every line ends with LF and is a JSON object (jansson). */
void fuzz_check_json_lines(const char *p, size_t n);
/* The record through every output module (text, text in ASCII, jsonl, csv, nuclei, html,
 * markdown) into memory, each checked for its format: JSON lines parse, CSV is RFC 4180 with
 * no formula, text has no control byte, the reports hold no markup a server made. */
void fuzz_check_outputs(const struct p3s_record *r);

#endif
