/* jsonw.c — see jsonw.h: a JSON writer that appends to one buffer, escaping losslessly. */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "grow.h"

static const char HEX[] = "0123456789abcdef";

void p3s_jw_reset(struct p3s_jw *w)
{
    w->len = 0;
    w->depth = 0;
    w->first[0] = 1;
    w->after_key = 0;
    w->failed = 0;
}

void p3s_jw_free(struct p3s_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

int p3s_jw_ok(const struct p3s_jw *w)
{
    return !w->failed && w->depth == 0;
}

/* Room for n more bytes; 0 when there is none (the writer is then failed). */
static int reserve(struct p3s_jw *w, size_t n)
{
    if (!w->failed && !p3s_grow(&w->buf, &w->cap, w->len, n))
        w->failed = 1;
    return !w->failed;
}

static inline void put(struct p3s_jw *w, const char *s, size_t n)
{
    if (n && (w->cap - w->len >= n || reserve(w, n))) { /* room already: the usual case */
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

/* The comma before a value or member, unless it comes right after its key. */
static void separate(struct p3s_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth && !w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = 0;
}

static void open(struct p3s_jw *w, char c)
{
    separate(w);
    if (w->depth >= P3S_JW_DEPTH) {
        w->failed = 1;
        return;
    }
    put(w, &c, 1);
    w->depth++;
    w->first[w->depth] = 1;
    w->closer[w->depth] = c == '{' ? '}' : ']';
}

void p3s_jw_object(struct p3s_jw *w)
{
    open(w, '{');
}

void p3s_jw_array(struct p3s_jw *w)
{
    open(w, '[');
}

void p3s_jw_end(struct p3s_jw *w)
{
    if (w->depth == 0 || !w->len) {
        w->failed = 1;
        return;
    }
    put(w, &w->closer[w->depth], 1);
    w->depth--;
}

static void u_escape(struct p3s_jw *w, unsigned u)
{
    char e[6] = {'\\', 'u', HEX[u >> 12 & 15], HEX[u >> 8 & 15], HEX[u >> 4 & 15], HEX[u & 15]};
    put(w, e, 6);
}

/* One code point of a valid UTF-8 sequence, as JSON text in ASCII. */
static void put_code_point(struct p3s_jw *w, unsigned cp)
{
    char c = (char)cp;
    switch (cp) {
    case '"':
        put(w, "\\\"", 2);
        return;
    case '\n':
        put(w, "\\n", 2);
        return;
    case '\r':
        put(w, "\\r", 2);
        return;
    case '\t':
        put(w, "\\t", 2);
        return;
    default:
        break;
    }
    if (cp >= 0x20 && cp < 0x7f) {
        put(w, &c, 1);
        return;
    }
    if (cp < 0x10000) {
        u_escape(w, cp);
        return;
    }
    cp -= 0x10000;
    u_escape(w, 0xd800 + (cp >> 10));
    u_escape(w, 0xdc00 + (cp & 0x3ff));
}

void p3s_jw_bytes(struct p3s_jw *w, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    separate(w);
    put(w, "\"", 1);
    for (size_t i = 0; i < n && !w->failed;) {
        size_t run = i; /* printable ASCII that needs no escape goes in one piece */
        while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            put(w, p + i, run - i);
            i = run;
            continue;
        }
        size_t k = p3s_utf8_len(s + i, n - i);
        if (k == 0) { /* not UTF-8: the text \xHH, its backslash escaped for JSON */
            char e[5] = {'\\', '\\', 'x', HEX[s[i] >> 4], HEX[s[i] & 15]};
            put(w, e, 5);
            i++;
        } else if (s[i] == '\\') { /* lossless: \ is \\ in the string, \\\\ in JSON */
            put(w, "\\\\\\\\", 4);
            i++;
        } else {
            put_code_point(w, p3s_utf8_decode(s + i, k));
            i += k;
        }
    }
    put(w, "\"", 1);
}

void p3s_jw_str(struct p3s_jw *w, const char *s)
{
    if (s)
        p3s_jw_bytes(w, s, strlen(s));
    else
        p3s_jw_null(w);
}

void p3s_jw_key(struct p3s_jw *w, const char *key)
{
    separate(w);
    size_t n = strlen(key);
    int plain = 1; /* the program's own names: written as they are unless they need escaping */
    for (size_t i = 0; i < n && plain; i++)
        plain = key[i] >= 0x20 && key[i] < 0x7f && key[i] != '"' && key[i] != '\\';
    if (plain && reserve(w, n + 3)) {
        w->buf[w->len++] = '"';
        memcpy(w->buf + w->len, key, n);
        w->len += n;
        w->buf[w->len++] = '"';
        w->buf[w->len++] = ':';
    } else {
        w->after_key = 1; /* the name is written like a value, without a comma */
        p3s_jw_bytes(w, key, n);
        put(w, ":", 1);
    }
    w->after_key = 1;
}

void p3s_jw_member(struct p3s_jw *w, const char *quoted_with_colon, size_t n)
{
    separate(w);
    put(w, quoted_with_colon, n);
    w->after_key = 1;
}

/* The decimal digits of v, written backwards ending at end; returns where they start. */
static char *digits(char *end, unsigned long long v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void p3s_jw_int(struct p3s_jw *w, long long v)
{
    char b[24];
    char *end = b + sizeof b;
    /* The magnitude as unsigned: -LLONG_MIN does not fit a long long. */
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    char *p = digits(end, m);
    if (v < 0)
        *--p = '-';
    separate(w);
    put(w, p, (size_t)(end - p));
}

void p3s_jw_milli(struct p3s_jw *w, double v)
{
    if (!isfinite(v) || fabs(v) >= 1e15) {
        p3s_jw_real(w, v);
        return;
    }
    long long thousandths = llround(v * 1000.0);
    unsigned long long m =
        thousandths < 0 ? 0ull - (unsigned long long)thousandths : (unsigned long long)thousandths;
    char b[32];
    char *end = b + sizeof b;
    char *p = end;
    unsigned frac = (unsigned)(m % 1000);
    if (frac) { /* the decimals, without trailing zeros */
        int n = 3;
        while (frac % 10 == 0) {
            frac /= 10;
            n--;
        }
        for (int i = 0; i < n; i++, frac /= 10)
            *--p = (char)('0' + frac % 10);
        *--p = '.';
    }
    p = digits(p, m / 1000);
    if (thousandths < 0)
        *--p = '-';
    separate(w);
    put(w, p, (size_t)(end - p));
}

void p3s_jw_real(struct p3s_jw *w, double v)
{
    if (!isfinite(v)) {
        p3s_jw_null(w);
        return;
    }
    char b[32];
    separate(w);
    int n = snprintf(b, sizeof b, "%.6g", v);
    /* %g may print an integer ("12"): still a JSON number, and the schema takes numbers. */
    put(w, b, (size_t)n);
}

void p3s_jw_bool(struct p3s_jw *w, int v)
{
    separate(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void p3s_jw_null(struct p3s_jw *w)
{
    separate(w);
    put(w, "null", 4);
}

void p3s_jw_raw(struct p3s_jw *w, const char *p, size_t n)
{
    put(w, p, n);
}
