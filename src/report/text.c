/* text.c — see text.h: the display form of server strings and its escaping per context. */
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

static const char HEX[] = "0123456789abcdef";

static void reserve(struct p3s_rbuf *b, size_t more)
{
    if (b->cap - b->n > more)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n <= more)
        cap *= 2;
    b->p = p3s_xrealloc(b->p, cap);
    b->cap = cap;
}

void p3s_rbuf_put(struct p3s_rbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void p3s_rbuf_puts(struct p3s_rbuf *b, const char *s)
{
    p3s_rbuf_put(b, s, strlen(s));
}

void p3s_rbuf_putc(struct p3s_rbuf *b, char c)
{
    reserve(b, 1);
    b->p[b->n++] = c;
}

void p3s_rbuf_printf(struct p3s_rbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof small) {
        p3s_rbuf_put(b, small, (size_t)k);
        return;
    }
    reserve(b, (size_t)k + 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

const char *p3s_rbuf_str(struct p3s_rbuf *b)
{
    reserve(b, 1);
    b->p[b->n] = '\0';
    return b->p;
}

void p3s_rbuf_free(struct p3s_rbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

int p3s_rbuf_flush(struct p3s_rbuf *b, FILE *fp)
{
    int rc = b->n && fwrite(b->p, 1, b->n, fp) != b->n ? -1 : 0;
    b->n = 0;
    return rc;
}

/* The code point of a valid sequence of n bytes (p3s_utf8_len said so). */
static unsigned decode(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3f);
    return cp;
}

/* Characters that are valid but must not be shown as they are: they would reorder the text
 * around them, hide in it, or break its lines. */
static int hidden(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

void p3s_display(struct p3s_rbuf *b, const char *s, size_t n, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    reserve(b, n + 16);
    while (i < n) {
        if (max && i >= max) {
            p3s_rbuf_printf(b, " \xe2\x80\xa6 [%zu more bytes]", n - i);
            return;
        }
        size_t k = p3s_utf8_len(u + i, n - i);
        if (k == 0 || (k == 1 && ((u[i] < 0x20 && u[i] != '\n') || u[i] == 0x7f))) {
            char esc[4] = {'\\', 'x', HEX[u[i] >> 4], HEX[u[i] & 15]};
            p3s_rbuf_put(b, esc, 4);
            i++;
            continue;
        }
        unsigned cp = k > 1 ? decode(u + i, k) : u[i];
        if (hidden(cp))
            p3s_rbuf_printf(b, "\\u{%04x}", cp);
        else
            p3s_rbuf_put(b, s + i, k);
        i += k;
    }
}

void p3s_esc_html(struct p3s_rbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    size_t run = 0; /* bytes copied as they are, written in one go */
    for (size_t i = 0; i < n; i++) {
        const char *ref = NULL;
        switch (s[i]) {
        case '&': ref = "&amp;"; break;
        case '<': ref = "&lt;"; break;
        case '>': ref = "&gt;"; break;
        case '"': ref = "&quot;"; break;
        case '\'': ref = "&#39;"; break;
        default: continue;
        }
        p3s_rbuf_put(b, s + run, i - run);
        p3s_rbuf_puts(b, ref);
        run = i + 1;
    }
    p3s_rbuf_put(b, s + run, n - run);
}

static void u_escape(struct p3s_rbuf *b, unsigned v)
{
    char e[6] = {'\\', 'u', HEX[v >> 12 & 15], HEX[v >> 8 & 15], HEX[v >> 4 & 15], HEX[v & 15]};
    p3s_rbuf_put(b, e, 6);
}

void p3s_esc_json(struct p3s_rbuf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    reserve(b, n + 2);
    p3s_rbuf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' &&
                    c != '&' && c != '\'';
        if (plain) {
            i++;
            continue;
        }
        p3s_rbuf_put(b, s + run, i - run);
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            p3s_rbuf_put(b, e, 2);
            i++;
        } else if (c == '\n') {
            p3s_rbuf_put(b, "\\n", 2);
            i++;
        } else if (c < 0x80) {
            u_escape(b, c);
            i++;
        } else {
            size_t k = p3s_utf8_len(u + i, n - i);
            unsigned cp = k ? decode(u + i, k) : 0xfffd;
            i += k ? k : 1;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                u_escape(b, 0xd800 + (cp >> 10));
                u_escape(b, 0xdc00 + (cp & 0x3ff));
            } else {
                u_escape(b, cp);
            }
        }
        run = i;
    }
    p3s_rbuf_put(b, s + run, n - run);
    p3s_rbuf_putc(b, '"');
}

void p3s_esc_md(struct p3s_rbuf *b, const char *s, size_t n)
{
    static const char PUNCT[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    reserve(b, n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n') {
            p3s_rbuf_puts(b, "<br>");
        } else if (c && strchr(PUNCT, c)) {
            char e[2] = {'\\', c};
            p3s_rbuf_put(b, e, 2);
        } else if ((unsigned char)c < 0x20 || c == 0x7f) {
            char e[4] = {'\\', 'x', HEX[(unsigned char)c >> 4], HEX[c & 15]};
            p3s_rbuf_put(b, "\\", 1); /* the backslash of \xHH, itself escaped */
            p3s_rbuf_put(b, e, 4);
        } else {
            p3s_rbuf_putc(b, c);
        }
    }
}

size_t p3s_cut_chars(const char *s, size_t n, size_t max, int *cut)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    while (i < n && chars < max) {
        size_t k = p3s_utf8_len(u + i, n - i);
        i += k ? k : 1;
        chars++;
    }
    *cut = i < n;
    return i;
}
