/* escape.c — see escape.h: lossless escaping for JSON, control-free escaping for terminals. */
#include "escape.h"

#include <stdlib.h>
#include <string.h>

size_t p3s_utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static const char HEX[] = "0123456789abcdef";

char *p3s_escape_lossless(const char *in, size_t len, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)in;
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = p3s_utf8_len(s + i, len - i);
        if (n == 0) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = HEX[s[i] >> 4];
            out[o++] = HEX[s[i] & 15];
            i++;
        } else if (s[i] == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
            i++;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

unsigned p3s_utf8_decode(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3f);
    return cp;
}

/* Code points a terminal may act on: C1 controls and the bidirectional controls that reorder
 * text on screen ("Trojan Source"). */
static int is_dangerous(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t p3s_escape_term(const char *in, size_t len, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len;) {
        char tmp[16];
        size_t tn;
        size_t n = p3s_utf8_len(s + i, len - i);
        if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            tn = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", s[i]);
            n = 1;
        } else if (n == 1 && s[i] == '\\') {
            tn = (size_t)snprintf(tmp, sizeof tmp, "\\\\");
        } else if (n > 1 && is_dangerous(p3s_utf8_decode(s + i, n))) {
            tn = (size_t)snprintf(tmp, sizeof tmp, "\\u{%04x}", p3s_utf8_decode(s + i, n));
        } else {
            memcpy(tmp, s + i, n);
            tn = n;
        }
        if (o + tn >= cap)
            break;
        memcpy(out + o, tmp, tn);
        o += tn;
        i += n;
    }
    out[o] = '\0';
    return o;
}

void p3s_fputs_term(FILE *fp, const char *in, size_t len)
{
    char buf[1024];
    size_t i = 0;
    /* Escape in chunks small enough that no escaped chunk overflows buf (at most 8x growth). */
    while (i < len) {
        /* Cut where p3s_escape_term would: whole valid sequences, or single invalid bytes. */
        size_t chunk = 0;
        while (chunk < 120 && chunk < len - i) {
            size_t n = p3s_utf8_len((const unsigned char *)in + i + chunk, len - i - chunk);
            chunk += n ? n : 1;
        }
        size_t n = p3s_escape_term(in + i, chunk, buf, sizeof buf);
        fwrite(buf, 1, n, fp);
        i += chunk;
    }
}
