/* fuzz_escape.c — every escaper of lib/util/escape.h on hostile bytes.
 *
 * Input: one byte choosing the output buffer size for p3s_escape_term, then the bytes.
 *  - p3s_utf8_len against an independent UTF-8 decoder (fuzz_utf8, RFC 3629).
 *  - p3s_escape_lossless: output valid UTF-8, at most 4 bytes per input byte, NUL-terminated,
 *    decoded back to exactly the input; through jansson (as output_jsonl.c does it) the JSON
 *    text is valid UTF-8 with no raw C0 control byte and parses back to the same string (DEL and
 *    C1 controls stay raw there: JSON allows them).
 *  - p3s_escape_term: output NUL-terminated within the buffer, valid UTF-8, with no C0 control,
 *    DEL, C1 control or bidirectional override; with room enough it is whole and decodes back to
 *    the input; with less it is a prefix of the whole output cut between characters.
 *  - p3s_fputs_term writes exactly the whole p3s_escape_term output.
 *  - the streaming JSON writer (jsonw.h): the bytes as one string value come out pure ASCII and
 *    parse (jansson) to exactly the lossless escaping of the input; and the input read as a
 *    program of writer calls (objects, arrays, keys, strings, numbers incl. NaN, nesting past
 *    P3S_JW_DEPTH) gives a valid, ASCII-only JSON document whenever the writer says it is ok,
 *    and a failed writer exactly when the nesting went too deep.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"
#include "fuzz.h"


static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static size_t put_utf8(unsigned cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes \\, \xHH and (when braces) \u{HHHH}; everything else is copied. Returns the length,
 * or (size_t)-1 on a malformed escape. */
static size_t unescape(const char *in, size_t len, unsigned char *out, int braces)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] != '\\') {
            out[o++] = (unsigned char)in[i++];
            continue;
        }
        if (i + 1 < len && in[i + 1] == '\\') {
            out[o++] = '\\';
            i += 2;
        } else if (i + 3 < len && in[i + 1] == 'x' && hexval(in[i + 2]) >= 0 &&
                   hexval(in[i + 3]) >= 0) {
            out[o++] = (unsigned char)(hexval(in[i + 2]) << 4 | hexval(in[i + 3]));
            i += 4;
        } else if (braces && i + 2 < len && in[i + 1] == 'u' && in[i + 2] == '{') {
            unsigned cp = 0;
            size_t j = i + 3, digits = 0;
            while (j < len && hexval(in[j]) >= 0 && digits < 6) {
                cp = cp << 4 | (unsigned)hexval(in[j++]);
                digits++;
            }
            if (j >= len || in[j] != '}' || digits < 4)
                return (size_t)-1;
            o += put_utf8(cp, out + o);
            i = j + 1;
        } else {
            return (size_t)-1;
        }
    }
    return o;
}

static int dangerous(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void check_utf8_len(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned cp;
        size_t want = fuzz_utf8(s + i, len - i, &cp);
        size_t got = p3s_utf8_len(s + i, len - i);
        CHECK(got == want);
    }
}

static void check_lossless(const char *in, size_t len)
{
    size_t olen = (size_t)-1;
    char *out = p3s_escape_lossless(in, len, &olen);
    CHECK(out != NULL);
    CHECK(olen <= 4 * len && out[olen] == '\0');
    CHECK(fuzz_valid_utf8(out, olen));
    unsigned char *back = malloc(len + 1);
    CHECK(back != NULL);
    CHECK(unescape(out, olen, back, 0) == len);
    CHECK(memcmp(back, in, len) == 0);
    free(back);

    /* The JSONL path: a jansson string from the escaped bytes, dumped and parsed back. */
    json_t *str = json_stringn(out, olen);
    CHECK(str != NULL);
    char *text = json_dumps(str, JSON_ENCODE_ANY);
    CHECK(text != NULL);
    size_t tlen = strlen(text);
    CHECK(fuzz_valid_utf8(text, tlen));
    for (size_t i = 0; i < tlen; i++) /* RFC 8259: U+0000 to U+001F are always escaped */
        CHECK((unsigned char)text[i] >= 0x20);
    json_error_t err;
    json_t *again = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    CHECK(again != NULL && json_is_string(again));
    CHECK(json_string_length(again) == olen && memcmp(json_string_value(again), out, olen) == 0);
    json_decref(again);
    free(text);
    json_decref(str);
    free(out);
}

/* Output of p3s_escape_term: terminated, valid UTF-8, nothing a terminal acts on. */
static void check_term_text(const char *out, size_t n, size_t cap)
{
    CHECK(n < cap && out[n] == '\0');
    CHECK(fuzz_valid_utf8(out, n));
    const unsigned char *s = (const unsigned char *)out;
    unsigned cp;
    for (size_t i = 0; i < n;) {
        size_t k = fuzz_utf8(s + i, n - i, &cp);
        CHECK(!dangerous(cp));
        i += k;
    }
}

static void check_term(const char *in, size_t len, unsigned capsel)
{
    size_t full_cap = 4 * len + 1; /* at most 4 output bytes per input byte */
    char *full = malloc(full_cap);
    CHECK(full != NULL);
    size_t n = p3s_escape_term(in, len, full, full_cap);
    check_term_text(full, n, full_cap);
    unsigned char *back = malloc(len + 1);
    CHECK(back != NULL);
    CHECK(unescape(full, n, back, 1) == len); /* whole, and lossless */
    CHECK(memcmp(back, in, len) == 0);
    free(back);

    /* A smaller buffer: a prefix of the whole output, cut between escaped characters. */
    size_t cap = capsel == 0 ? 0 : capsel % (full_cap + 1);
    char *small = malloc(cap + 1);
    CHECK(small != NULL);
    small[0] = 'Z';
    size_t m = p3s_escape_term(in, len, small, cap);
    if (cap == 0) {
        CHECK(m == 0 && small[0] == 'Z');
    } else {
        check_term_text(small, m, cap);
        CHECK(m <= n && memcmp(small, full, m) == 0);
        /* Cut at a boundary: what is kept decodes (no dangling half escape). */
        unsigned char *part = malloc(m + 1);
        CHECK(part != NULL);
        size_t pl = unescape(small, m, part, 1);
        CHECK(pl != (size_t)-1 && pl <= len && memcmp(part, in, pl) == 0);
        free(part);
    }
    free(small);

    /* p3s_fputs_term writes the same as one whole p3s_escape_term. */
    char *mem = NULL;
    size_t memlen = 0;
    FILE *fp = open_memstream(&mem, &memlen);
    CHECK(fp != NULL);
    p3s_fputs_term(fp, in, len);
    CHECK(fclose(fp) == 0);
    CHECK(memlen == n && memcmp(mem, full, n) == 0);
    free(mem);
    free(full);
}

static void check_ascii_json(const struct p3s_jw *w, json_t **parsed)
{
    for (size_t i = 0; i < w->len; i++)
        CHECK((unsigned char)w->buf[i] >= 0x20 && (unsigned char)w->buf[i] < 0x7f);
    json_error_t err;
    *parsed = json_loadb(w->buf, w->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!*parsed)
        fprintf(stderr, "jansson: %s at %d: %.*s\n", err.text, err.position, (int)w->len, w->buf);
    CHECK(*parsed != NULL);
}

static void check_jsonw_string(const char *in, size_t len)
{
    struct p3s_jw w = {0};
    p3s_jw_bytes(&w, in, len);
    CHECK(p3s_jw_ok(&w));
    json_t *v;
    check_ascii_json(&w, &v);
    size_t olen;
    char *want = p3s_escape_lossless(in, len, &olen);
    CHECK(want != NULL && json_is_string(v));
    CHECK(json_string_length(v) == olen && memcmp(json_string_value(v), want, olen) == 0);
    free(want);
    json_decref(v);
    p3s_jw_free(&w);
}

/* The input as writer calls, kept grammatical: a key before each value inside an object. */
static void check_jsonw_program(const unsigned char *p, size_t len)
{
    static const char *const keys[] = {"a", "greeting", "\"q\\", "", "\x01k"};
    struct p3s_jw w = {0};
    p3s_jw_reset(&w);
    char stack[64]; /* 'o' or 'a' per open container */
    unsigned depth = 0, deepest = 0, values = 0;
    for (size_t i = 0; i < len && values < 512;) {
        unsigned op = p[i++] % 10;
        if (depth == 0 && values > 0)
            break; /* one top-level value */
        if (op == 2) {
            if (depth == 0)
                continue;
            p3s_jw_end(&w);
            depth--;
            continue;
        }
        if (depth && stack[depth - 1] == 'o')
            p3s_jw_key(&w, keys[(i < len ? p[i] : 0) % 5]);
        values++;
        switch (op) {
        case 0:
        case 1:
            if (depth < sizeof stack)
                stack[depth] = op == 0 ? 'o' : 'a';
            op == 0 ? p3s_jw_object(&w) : p3s_jw_array(&w);
            depth++;
            if (depth > deepest)
                deepest = depth;
            if (depth >= sizeof stack)
                goto out;
            break;
        case 3:
        case 4: { /* a string: a length byte, then that many bytes */
            size_t n = i < len ? p[i++] : 0;
            if (n > len - i)
                n = len - i;
            p3s_jw_bytes(&w, (const char *)p + i, n);
            i += n;
            break;
        }
        case 5: {
            long long v = 0;
            for (int k = 0; k < 8 && i < len; k++)
                v = (long long)((unsigned long long)v << 8 | p[i++]);
            p3s_jw_int(&w, v);
            break;
        }
        case 6: {
            unsigned char b[8] = {0};
            for (int k = 0; k < 8 && i < len; k++)
                b[k] = p[i++];
            double d;
            memcpy(&d, b, sizeof d);
            p3s_jw_real(&w, d);
            break;
        }
        case 7:
            p3s_jw_bool(&w, i < len && (p[i] & 1));
            break;
        case 8:
            p3s_jw_null(&w);
            break;
        default:
            p3s_jw_str(&w, (i < len && (p[i] & 1)) ? NULL : "text \xff\x1b");
            break;
        }
    }
out:
    while (depth) {
        p3s_jw_end(&w);
        depth--;
    }
    if (values == 0) {
        CHECK(w.len == 0);
    } else if (deepest > P3S_JW_DEPTH) {
        CHECK(!p3s_jw_ok(&w)); /* too deep: the writer says so */
    } else {
        CHECK(p3s_jw_ok(&w));
        json_t *v;
        check_ascii_json(&w, &v);
        json_decref(v);
    }
    p3s_jw_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    check_utf8_len((const unsigned char *)in, len);
    check_lossless(in, len);
    check_term(in, len, data[0]);
    check_jsonw_string(in, len);
    check_jsonw_program(data, size);
    return 0;
}
