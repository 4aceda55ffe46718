/* jsonw.h — a streaming JSON writer into a growing buffer, for the JSONL and nuclei outputs.
 *
 * Why not build jansson objects: at ten thousand records a second, building and dumping a
 * jansson tree per record took over 40 % of the scanner's user time (bench/RESULTS.md). This
 * writer appends to one reused buffer and never allocates once it has grown. jansson stays the
 * oracle: the unit tests and the fuzz target parse what this writes with it.
 *
 * Output is always valid JSON and pure ASCII. Strings go through the lossless escaping of
 * escape.h: valid UTF-8 is kept (as \uXXXX escapes), a byte that is not valid UTF-8 becomes the
 * four characters \xHH and a backslash becomes two, so the exact bytes can be recovered.
 * Nesting is limited to P3S_JW_DEPTH levels; past it, or out of memory, the writer marks itself
 * failed and p3s_jw_ok() says so.
 */
#ifndef POP3SCAN_JSONW_H
#define POP3SCAN_JSONW_H

#include <stddef.h>

#define P3S_JW_DEPTH 16

struct p3s_jw {
    char *buf;
    size_t len, cap;
    unsigned depth;
    unsigned char first[P3S_JW_DEPTH + 1]; /* nothing written yet at this level */
    char closer[P3S_JW_DEPTH + 1];         /* '}' or ']' */
    int after_key;
    int failed;
};

/* Starts an empty document (keeps the buffer). A zeroed struct is also a valid start. */
void p3s_jw_reset(struct p3s_jw *w);
void p3s_jw_free(struct p3s_jw *w);
int p3s_jw_ok(const struct p3s_jw *w);

void p3s_jw_object(struct p3s_jw *w);
void p3s_jw_array(struct p3s_jw *w);
void p3s_jw_end(struct p3s_jw *w); /* closes the innermost object or array */

/* A member name (trusted ASCII from the program, written as given but escaped all the same). */
void p3s_jw_key(struct p3s_jw *w, const char *key);
/* The same for a string literal that needs no escaping (letters, digits, '_', '-'): the quoted
 * name and its colon are put together at compile time and written in one copy. Records have
 * some sixty members, and the per-character check of p3s_jw_key was a visible share of the
 * scanner's user time at scale. */
#define P3S_JW_KEY(w, lit) p3s_jw_member((w), "\"" lit "\":", sizeof(lit) + 2)
void p3s_jw_member(struct p3s_jw *w, const char *quoted_with_colon, size_t n);

/* String values: n bytes of anything, escaped losslessly; or a C string (NULL writes null). */
void p3s_jw_bytes(struct p3s_jw *w, const char *p, size_t n);
void p3s_jw_str(struct p3s_jw *w, const char *s);
void p3s_jw_int(struct p3s_jw *w, long long v);
/* Six significant digits, as the records have always had; NaN and infinities write null. */
void p3s_jw_real(struct p3s_jw *w, double v);
/* A fixed-point number with three decimals, trailing zeros dropped ("0.103", "12.5", "7"): the
 * timings, in milliseconds to the microsecond. Written without printf; magnitudes of 1e15 and
 * more go through p3s_jw_real, NaN and infinities write null. */
void p3s_jw_milli(struct p3s_jw *w, double v);
void p3s_jw_bool(struct p3s_jw *w, int v);
void p3s_jw_null(struct p3s_jw *w);
/* Appends bytes as they are, outside the JSON grammar (the newline that ends a JSONL record). */
void p3s_jw_raw(struct p3s_jw *w, const char *p, size_t n);

#endif
