/* fuzz_line.c — line framing and the line classifiers of the POP3 protocol core.
 *
 * Input: one byte choosing how the rest arrives (bits 0-1: everything at once, one byte at a
 * time, 1 to 16 or 1 to 1500 bytes; bits 2-7 seed the sizes), then the bytes. They are framed
 * twice with p3_read_line(): from the whole buffer, and as conn.c does it (bytes arriving in
 * chunks, the reader shown at most P3_LINE_MAX + 2 of them). Both must give the same lines, each
 * inside the buffer, without LF, at most P3_LINE_MAX long. Every line then goes through
 * p3_classify_greeting, p3_reply_status, p3_apop_timestamp, p3_capa_bits and p3_word_len,
 * whose results are checked against what they promise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3.h"
#include "fuzz.h"


#define WINDOW (P3_LINE_MAX + 2)
#define MAX_LINES 65536

struct seen {
    size_t start; /* offset of the line in the input */
    size_t len;
    int truncated;
};

static struct seen whole[MAX_LINES], chunked[MAX_LINES];

static void check_line(const char *text, size_t len)
{
    enum p3_service svc = p3_classify_greeting(text, len);
    CHECK(svc >= P3_SVC_UNKNOWN && svc <= P3_SVC_EMPTY);
    CHECK((svc == P3_SVC_EMPTY) == (len == 0));
    CHECK(p3_service_name(svc) != NULL);
    enum p3_status st = p3_reply_status(text, len);
    CHECK(st == P3_ST_OK || st == P3_ST_ERR || st == P3_ST_OTHER);
    CHECK(p3_status_name(st) != NULL);
    /* A greeting is POP3 exactly when it reads as a POP3 status. */
    if (!(len >= 2 && (text[0] == 0x16 || text[0] == 0x15) && text[1] == 0x03)) {
        CHECK((svc == P3_SVC_POP3) == (st == P3_ST_OK));
        CHECK((svc == P3_SVC_POP3_ERR) == (st == P3_ST_ERR));
    }

    size_t start = 12345, tlen = 67890;
    if (p3_apop_timestamp(text, len, &start, &tlen)) {
        CHECK(tlen >= 3 && start + tlen <= len);
        CHECK(text[start] == '<' && text[start + tlen - 1] == '>');
        CHECK(memchr(text + start + 1, '@', tlen - 2) != NULL);
        for (size_t i = start + 1; i < start + tlen - 1; i++)
            CHECK(text[i] != '<' && text[i] != '>' && text[i] != ' ' && text[i] != '\t');
    } else {
        CHECK(start == 12345 && tlen == 67890); /* untouched on failure */
    }

    size_t w = p3_word_len(text, len);
    CHECK(w <= len);
    CHECK(memchr(text, ' ', w) == NULL && memchr(text, '\t', w) == NULL);
    CHECK(w == len || text[w] == ' ' || text[w] == '\t');
    unsigned bits = p3_capa_bits(text, len);
    CHECK((bits & ~0xffu) == 0);
    /* SASL mechanisms only come with SASL, and a single keyword is a single bit. */
    if (bits & (P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN | P3_CAPA_SASL_NTLM))
        CHECK(bits & P3_CAPA_SASL);
    if (!(bits & P3_CAPA_SASL))
        CHECK((bits & (bits - 1)) == 0);
    if (bits)
        CHECK(w >= 4);
}

static size_t frame_whole(const char *buf, size_t len, size_t *rest)
{
    struct p3_reader r = {0};
    size_t off = 0, n = 0;
    for (;;) {
        struct p3_line line;
        int have = 0;
        size_t used = p3_read_line(&r, buf + off, len - off, &line, &have);
        CHECK(used <= len - off);
        if (have) {
            CHECK(used > 0);
            CHECK(line.text == buf + off && line.len <= P3_LINE_MAX && line.len <= used);
            CHECK(memchr(line.text, '\n', line.len) == NULL);
            if (!line.truncated) {
                /* A whole line: its terminator follows it. */
                CHECK(line.len + 1 == used || (line.len + 2 == used && buf[off + line.len] == '\r'));
                CHECK(buf[off + used - 1] == '\n');
            }
            CHECK(n < MAX_LINES);
            whole[n++] = (struct seen){off, line.len, line.truncated};
            check_line(line.text, line.len);
        }
        if (used == 0)
            break;
        off += used;
        if (off == len)
            break;
    }
    *rest = r.discarding ? 0 : len - off;
    return n;
}

static uint32_t rng(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static size_t frame_chunked(const char *in, size_t len, unsigned mode, size_t *rest)
{
    static char buf[WINDOW + 1500];
    struct p3_reader r = {0};
    size_t have_len = 0, base = 0, next = 0, n = 0; /* base: input offset of buf[0] */
    uint32_t seed = 0x9e3779b9u ^ (mode >> 2) * 0x01000193u;
    while (next < len) {
        size_t chunk = (mode & 3) == 0 ? len : (mode & 3) == 1 ? 1
                       : (mode & 3) == 2                       ? 1 + rng(&seed) % 16
                                                               : 1 + rng(&seed) % 1500;
        if (chunk > len - next)
            chunk = len - next;
        if (chunk > sizeof buf - have_len)
            chunk = sizeof buf - have_len;
        memcpy(buf + have_len, in + next, chunk);
        have_len += chunk;
        next += chunk;
        for (;;) {
            size_t w = have_len < WINDOW ? have_len : WINDOW;
            struct p3_line line;
            int have = 0;
            size_t used = p3_read_line(&r, buf, w, &line, &have);
            CHECK(used <= w);
            if (have) {
                CHECK(n < MAX_LINES && line.text == buf);
                chunked[n++] = (struct seen){base, line.len, line.truncated};
            }
            if (used == 0) {
                CHECK(w < WINDOW); /* a full window always frames something */
                break;
            }
            memmove(buf, buf + used, have_len - used);
            have_len -= used;
            base += used;
        }
    }
    *rest = r.discarding ? 0 : have_len;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    size_t rest_whole, rest_chunked;
    size_t nw = frame_whole(in, len, &rest_whole);
    size_t nc = frame_chunked(in, len, data[0], &rest_chunked);
    CHECK(nw == nc);
    for (size_t i = 0; i < nw; i++) {
        CHECK(whole[i].start == chunked[i].start);
        CHECK(whole[i].len == chunked[i].len);
        CHECK(whole[i].truncated == chunked[i].truncated);
    }
    CHECK(rest_whole == rest_chunked);
    check_line(in, len); /* the input as one unframed text too */
    return 0;
}
