/* util.h — allocation that cannot fail silently, and small helpers shared by src/. */
#ifndef POP3SCAN_UTIL_H
#define POP3SCAN_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *p3s_xmalloc(size_t n);
void *p3s_xcalloc(size_t n, size_t size);
void *p3s_xrealloc(void *p, size_t n);
char *p3s_xstrdup(const char *s);
/* A whole regular file of at most 16 MiB, NUL-terminated (*len excludes the NUL); NULL with
 * err naming the path and the reason. */
char *p3s_read_file(const char *path, size_t *len, char *err, size_t errlen);
/* Copies the C string src into dst of size n (n > 0), cut to fit, always NUL-terminated; what
 * snprintf(dst, n, "%s", src) does, without the format machinery on a per-target path. */
void p3s_strlcpy(char *dst, const char *src, size_t n);
/* A decimal number at the start of s — digits and at most a fraction, as options write sizes
 * and durations ("1.5G", "500ms") — into *v; *unit is set to what follows it. strtod alone
 * would also take "nan", hex and exponents. Returns 0, or -1 when s does not start so. */
int p3s_parse_decimal(const char *s, double *v, const char **unit);
/* Monotonic milliseconds, for timings. */
double p3s_now_ms(void);
/* The wall clock in milliseconds since the epoch, for timestamps. */
int64_t p3s_wall_ms(void);
/* A wall-clock time as RFC 3339 in UTC with milliseconds: "2026-12-04T05:25:57.123Z" (24
 * characters and the NUL). */
#define P3S_RFC3339_LEN 25
void p3s_rfc3339(int64_t ms, char out[P3S_RFC3339_LEN]);

/* The splitmix64 finaliser, a bijective 64-bit mix with good avalanche: the end of keyset.c's
 * hash and the round function of perm.c. Inline, as both call it for every target. */
static inline uint64_t p3s_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ x >> 31;
}

#endif
