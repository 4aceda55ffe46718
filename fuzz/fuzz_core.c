/* fuzz_core.c — a whole server conversation through the POP3 protocol core alone (fuzz_session.c
 * drives the same conversations through the real connection code).
 *
 * Input: two header bytes, then the bytes the server sends.
 *   byte 0: options: bit 0 implicit TLS, bit 1 USER probe, bit 2 STLS, bit 3 the TLS handshake
 *           after STLS fails, bit 4 an unusable probe name, bit 5 an over-long probe name,
 *           bit 6 the bytes buffered when a command goes out are stale (p3_session_sent, as the
 *           engine does), bit 7 a settle step lasts one more chunk of input (else it ends at
 *           once): whatever lines the input holds between two steps — extra, doubled or late
 *           answers — then arrive before the command, while settling or after it.
 *   byte 1: how the bytes arrive: bits 0-1 the chunk sizes (0: everything at once, 1: one byte
 *           at a time, 2: 1 to 16 bytes, 3: 1 to 1500 bytes), bits 2-7 seed their sequence.
 * The driver behaves like src/engine/conn.c: it shows the core at most P3_LINE_MAX + 2 buffered bytes,
 * drains what the core consumed, sends what it asks for, drops the buffer on STARTTLS and calls
 * p3_session_tls_started() (unless the handshake fails), and at the end of the input calls
 * p3_session_eof(). Out of step (issue 19): a line that starts in stale bytes is never a reply,
 * only unsolicited; while settling every line is unsolicited; unsolicited lines never move the
 * dialogue on; lines left at STARTTLS are unsolicited after STLS. It checks that every event is
 * well formed (lines inside the buffer and at
 * most P3_LINE_MAX, statuses and services agreeing with the classifiers, commands only CAPA,
 * USER <safe name>, STLS, QUIT, in an order the dialogue allows), that the core always makes
 * progress on a full window (so the engine's buffer stays bounded), and that the session ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3.h"
#include "fuzz.h"


#define WINDOW (P3_LINE_MAX + 2) /* what conn.c's peek_input() shows the core */

struct drv {
    struct p3_session s;
    unsigned opts;
    int fail_handshake;
    const char *probe; /* the probe name as given */
    char buf[WINDOW + 2048];
    size_t len;      /* bytes buffered, not consumed */
    int greeted;     /* a P3_EV_GREETING was seen */
    int finished;    /* P3_NEXT_FINISH */
    int tls_wait;    /* P3_NEXT_STARTTLS, handshake not done */
    int tls;         /* TLS is active (implicit or after STLS) */
    int in_capa;     /* inside a multi-line CAPA answer */
    enum p3_cmd waiting;
    enum p3_cmd last_sent, prev_sent;
    int mark_stale;  /* bit 6 */
    int slow_settle; /* bit 7 */
    int settling;    /* P3_NEXT_SETTLE, not yet ended */
    size_t stale;    /* the driver's own count of stale bytes still buffered */
    unsigned capa_sent, user_sent, stls_sent, quit_sent;
    int user_ok; /* the USER probe got +OK */
    unsigned stls_seen; /* STLS listed in the cleartext CAPA */
    unsigned capa_lines;
};

static enum p3_cmd cmd_of(const char *s, size_t n)
{
    if (n == 6 && memcmp(s, "CAPA\r\n", 6) == 0)
        return P3_CMD_CAPA;
    if (n == 6 && memcmp(s, "STLS\r\n", 6) == 0)
        return P3_CMD_STLS;
    if (n == 6 && memcmp(s, "QUIT\r\n", 6) == 0)
        return P3_CMD_QUIT;
    if (n > 7 && memcmp(s, "USER ", 5) == 0)
        return P3_CMD_USER;
    return P3_CMD_NONE;
}

/* The command the core asks for: CRLF-terminated, nothing else that ends a line, a known one. */
static void check_send(struct drv *d, const struct p3_event *ev)
{
    /* Before anything returns: an accepted USER probe is followed by a settle wait, not a send. */
    if (ev->type == P3_EV_REPLY && ev->cmd == P3_CMD_USER && ev->status == P3_ST_OK)
        d->user_ok = 1;
    if (ev->next == P3_NEXT_READ || ev->next == P3_NEXT_STARTTLS ||
        ev->next == P3_NEXT_SETTLE) {
        CHECK(ev->send == NULL && ev->send_len == 0 && ev->send_cmd == P3_CMD_NONE);
        return;
    }
    if (ev->next == P3_NEXT_FINISH && !ev->send) {
        CHECK(ev->send_len == 0 && ev->send_cmd == P3_CMD_NONE);
        return;
    }
    CHECK(ev->send != NULL);
    size_t n = ev->send_len;
    CHECK(n >= 6 && n <= 5 + 32 + 2);
    CHECK(memcmp(ev->send + n - 2, "\r\n", 2) == 0);
    for (size_t i = 0; i + 2 < n; i++)
        CHECK(ev->send[i] != '\r' && ev->send[i] != '\n' && ev->send[i] != '\0');
    enum p3_cmd c = cmd_of(ev->send, n);
    CHECK(c != P3_CMD_NONE && c == ev->send_cmd);
    if (ev->next == P3_NEXT_FINISH)
        CHECK(c == P3_CMD_QUIT); /* a parting QUIT only */
    if (c == P3_CMD_USER) {
        for (size_t i = 5; i + 2 < n; i++) {
            char ch = ev->send[i];
            CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.');
        }
        /* The name is the probe name's safe characters, cut at 32. */
        char want[40];
        size_t w = 0;
        for (const char *p = d->probe; *p && w < 32; p++) {
            char ch = *p;
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')
                want[w++] = ch;
        }
        CHECK(n - 7 == w && memcmp(ev->send + 5, want, w) == 0);
    }
    if (ev->next != P3_NEXT_SEND)
        return;
    /* The dialogue's order: CAPA after the greeting and after TLS starts; USER once, in
     * cleartext, when asked for; STLS once, in cleartext, when asked for and listed — twice only
     * when the first got -ERR after the USER probe got +OK (RFC 1939: PASS or QUIT only there). */
    switch (c) {
    case P3_CMD_CAPA:
        d->capa_sent++;
        CHECK(d->capa_sent <= 2);
        break;
    case P3_CMD_USER:
        d->user_sent++;
        CHECK(d->user_sent == 1 && !d->tls && (d->opts & P3_OPT_USER_PROBE));
        break;
    case P3_CMD_STLS:
        d->stls_sent++;
        CHECK(!d->tls && (d->opts & P3_OPT_STLS) && d->stls_seen);
        CHECK(d->stls_sent == 1 ||
              (d->stls_sent == 2 && d->user_ok && ev->type == P3_EV_REPLY &&
               ev->cmd == P3_CMD_STLS && ev->status == P3_ST_ERR));
        break;
    case P3_CMD_QUIT:
        d->quit_sent++;
        CHECK(d->quit_sent == 1);
        break;
    default:
        break;
    }
    d->waiting = c;
    d->prev_sent = d->last_sent;
    d->last_sent = c;
}

static int inside(const char *p, size_t n, const char *buf, size_t len)
{
    return p >= buf && p + n <= buf + len;
}

static void check_event(struct drv *d, const struct p3_event *ev, const char *buf, size_t len,
                        size_t used)
{
    CHECK(ev->tls == d->tls);
    CHECK(ev->next >= P3_NEXT_READ && ev->next <= P3_NEXT_SETTLE);
    enum p3_cmd waiting = d->waiting; /* the command this line answers */
    enum p3_cmd last = d->last_sent, prev = d->prev_sent;
    int stale = d->stale > 0; /* the line starts in bytes that came before the last command */
    d->stale = used >= d->stale ? 0 : d->stale - used;
    check_send(d, ev);
    if (ev->type == P3_EV_NONE) {
        CHECK(ev->next == P3_NEXT_READ);
        return;
    }
    /* A line that came before the command, or while settling, never answers anything. */
    if ((stale || d->settling || d->tls_wait) && ev->type != P3_EV_GREETING)
        CHECK(ev->type == P3_EV_UNSOLICITED);
    if (ev->type == P3_EV_UNSOLICITED) {
        CHECK(ev->next == P3_NEXT_READ && ev->send == NULL);
        CHECK(ev->cmd == (stale ? prev : last) || (!stale && ev->cmd == prev));
        CHECK(ev->status == p3_reply_status(ev->line.text, ev->line.len));
    }
    if (ev->next == P3_NEXT_SETTLE) {
        CHECK(!d->settling && !d->tls && ev->send == NULL);
        CHECK(ev->type == P3_EV_REPLY || ev->type == P3_EV_CAPA_END);
        d->settling = 1;
    }
    CHECK(used > 0 && used <= len); /* an event consumes: the engine's loop always advances */
    const struct p3_line *l = &ev->line;
    CHECK(l->len <= P3_LINE_MAX);
    CHECK(l->text != NULL && inside(l->text, l->len, buf, used));
    if (l->len && ev->type != P3_EV_GREETING)
        CHECK(memchr(l->text, '\n', l->len) == NULL);
    switch (ev->type) {
    case P3_EV_GREETING:
        CHECK(!d->greeted);
        d->greeted = 1;
        CHECK(ev->service == p3_classify_greeting(l->text, l->len));
        CHECK(p3_session_is_pop3(&d->s) ==
              (ev->service == P3_SVC_POP3 || ev->service == P3_SVC_POP3_ERR));
        if (ev->service == P3_SVC_POP3)
            CHECK(ev->next == P3_NEXT_SEND && cmd_of(ev->send, ev->send_len) == P3_CMD_CAPA);
        else
            CHECK(ev->next == P3_NEXT_FINISH);
        break;
    case P3_EV_REPLY:
        CHECK(d->greeted);
        CHECK(ev->cmd == waiting);
        CHECK(ev->status == p3_reply_status(l->text, l->len));
        if (ev->resync) /* only where a CAPA list should have started */
            CHECK(ev->cmd == P3_CMD_CAPA && d->in_capa && d->capa_lines == 0);
        if (ev->cmd == P3_CMD_CAPA && ev->status == P3_ST_OK) {
            CHECK(ev->next == P3_NEXT_READ);
            d->in_capa = 1;
            d->capa_lines = 0;
        }
        if (ev->cmd == P3_CMD_STLS)
            CHECK((ev->next == P3_NEXT_STARTTLS) == (ev->status == P3_ST_OK));
        if (ev->cmd == P3_CMD_QUIT)
            CHECK(ev->next == P3_NEXT_FINISH && ev->send == NULL);
        break;
    case P3_EV_CAPA_ITEM:
        CHECK(d->in_capa);
        d->capa_lines++;
        CHECK(d->capa_lines <= P3_CAPA_MAX_LINES);
        CHECK(ev->next == P3_NEXT_READ);
        /* The item's bits are in the session's set for this side of TLS. */
        unsigned bits = p3_capa_bits(l->text, l->len);
        CHECK(((d->tls ? d->s.capa_tls_bits : d->s.capa_bits) & bits) == bits);
        if (!d->tls && (bits & P3_CAPA_STLS))
            d->stls_seen = 1;
        break;
    case P3_EV_CAPA_END:
        CHECK(d->in_capa);
        d->in_capa = 0;
        if (ev->overflow)
            CHECK(ev->next == P3_NEXT_FINISH);
        else
            CHECK(l->len == 1 && l->text[0] == '.' && !l->truncated);
        break;
    case P3_EV_SKIPPED:
    case P3_EV_UNSOLICITED:
        break;
    default:
        CHECK(0);
    }
    /* Once TLS is active the session never goes back to cleartext bits. */
    if (d->opts & P3_OPT_IMPLICIT_TLS)
        CHECK(d->s.capa_bits == 0);
}

static void process_stale(struct drv *d);

/* The settle step is over: the core names the command that was waiting for it. */
static void end_settle(struct drv *d)
{
    struct p3_event ev;
    d->settling = 0;
    p3_session_settled(&d->s, &ev);
    CHECK(ev.type == P3_EV_NONE && ev.next == P3_NEXT_SEND);
    CHECK(ev.send_cmd == P3_CMD_STLS || ev.send_cmd == P3_CMD_QUIT ||
          ev.send_cmd == P3_CMD_AUTH_NTLM);
    check_send(d, &ev);
    if (d->mark_stale) {
        p3_session_sent(&d->s, d->len);
        d->stale = d->len;
    }
}

/* Acts on an event as conn.c's act() does. */
static void act(struct drv *d, const struct p3_event *ev)
{
    switch (ev->next) {
    case P3_NEXT_READ:
        break;
    case P3_NEXT_SETTLE:
        if (!d->slow_settle)
            end_settle(d);
        break;
    case P3_NEXT_SEND:
        if (d->mark_stale) {
            p3_session_sent(&d->s, d->len);
            d->stale = d->len;
        }
        break;
    case P3_NEXT_STARTTLS:
        CHECK(!d->tls);
        d->tls_wait = 1;
        process_stale(d); /* lines the server sent after +OK: unsolicited, then dropped */
        d->len = 0; /* bytes the server sent in cleartext after +OK are never read as TLS */
        d->stale = 0;
        if (d->fail_handshake) {
            d->finished = 1;
            break;
        }
        struct p3_event tev;
        p3_session_tls_started(&d->s, &tev);
        d->tls_wait = 0;
        d->tls = 1;
        CHECK(tev.type == P3_EV_NONE && tev.tls == 1);
        CHECK(tev.next == P3_NEXT_SEND && cmd_of(tev.send, tev.send_len) == P3_CMD_CAPA);
        check_send(d, &tev);
        break;
    case P3_NEXT_FINISH:
        d->finished = 1;
        break;
    }
}

/* conn.c's process_stale(): the complete lines left when no reply is awaited any more. */
static void process_stale(struct drv *d)
{
    for (;;) {
        size_t n = d->len < WINDOW ? d->len : WINDOW;
        struct p3_event ev;
        size_t used = p3_session_feed(&d->s, d->buf, n, &ev);
        CHECK(used <= n);
        if (!used)
            return;
        check_event(d, &ev, d->buf, n, used);
        CHECK(ev.type == P3_EV_UNSOLICITED || ev.type == P3_EV_NONE);
        if (ev.type == P3_EV_UNSOLICITED)
            CHECK(ev.cmd == P3_CMD_STLS || ev.cmd == P3_CMD_QUIT || ev.cmd == d->last_sent);
        memmove(d->buf, d->buf + used, d->len - used);
        d->len -= used;
    }
}

/* conn.c's process_input(): feed the window until the core waits for more or the dialogue
 * ends. */
static void process(struct drv *d)
{
    for (unsigned iter = 0; !d->finished && !d->tls_wait; iter++) {
        CHECK(iter <= sizeof d->buf + 2); /* every pass consumes a byte or stops */
        size_t n = d->len < WINDOW ? d->len : WINDOW;
        struct p3_event ev;
        size_t used = p3_session_feed(&d->s, d->buf, n, &ev);
        CHECK(used <= n);
        check_event(d, &ev, d->buf, n, used);
        if (ev.type == P3_EV_NONE && used == 0) {
            /* Waiting for more bytes is only allowed while the window is not full. */
            CHECK(n < WINDOW);
            return;
        }
        memmove(d->buf, d->buf + used, d->len - used);
        d->len -= used;
        act(d, &ev);
    }
}

static uint32_t rng(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static struct drv d;
    memset(&d, 0, sizeof d);
    unsigned flags = data[0], chunking = data[1];
    d.opts = (flags & 1 ? P3_OPT_IMPLICIT_TLS : 0) | (flags & 2 ? P3_OPT_USER_PROBE : 0) |
             (flags & 4 ? P3_OPT_STLS : 0);
    d.fail_handshake = (flags & 8) != 0;
    d.mark_stale = (flags & 64) != 0;
    d.slow_settle = (flags & 128) != 0;
    d.probe = (flags & 16) ? "<>\r\n @:;!/ \t\x01" /* no usable character */
              : (flags & 32) ? "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF\r\nPASS x"
                             : "p3s0123456789ab";
    p3_session_init(&d.s, d.opts, d.probe);
    if (flags & 16)
        d.opts &= ~(unsigned)P3_OPT_USER_PROBE; /* the core drops the probe: nothing to send */
    d.tls = (d.opts & P3_OPT_IMPLICIT_TLS) != 0;
    CHECK(!p3_session_is_pop3(&d.s));

    const char *in = (const char *)data + 2;
    size_t left = size - 2;
    uint32_t seed = 0x9e3779b9u ^ (chunking >> 2) * 0x01000193u;
    while (left && !d.finished) {
        size_t chunk;
        switch (chunking & 3) {
        case 0:
            chunk = left;
            break;
        case 1:
            chunk = 1;
            break;
        case 2:
            chunk = 1 + rng(&seed) % 16;
            break;
        default:
            chunk = 1 + rng(&seed) % 1500;
            break;
        }
        if (chunk > left)
            chunk = left;
        /* The engine reads into an unbounded buffer; the driver's holds what the core cannot
         * leave behind (at most WINDOW - 1 bytes) plus one read. */
        if (chunk > sizeof d.buf - d.len)
            chunk = sizeof d.buf - d.len;
        CHECK(chunk > 0);
        memcpy(d.buf + d.len, in, chunk);
        d.len += chunk;
        in += chunk;
        left -= chunk;
        process(&d);
        if (d.settling && !d.finished) { /* the settle wait ran out after this chunk */
            end_settle(&d);
            process(&d);
        }
        if (!d.finished)
            CHECK(d.len < WINDOW); /* the buffer stays bounded */
    }
    if (!d.finished) {
        /* The server closed: during the greeting the rest is an unterminated greeting. */
        size_t n = d.len < P3_LINE_MAX ? d.len : P3_LINE_MAX;
        int greeted = d.greeted;
        struct p3_event ev;
        p3_session_eof(&d.s, d.buf, n, &ev);
        CHECK(ev.next == P3_NEXT_FINISH && ev.send == NULL && ev.tls == d.tls);
        if (!greeted) {
            CHECK(ev.type == P3_EV_GREETING);
            CHECK(ev.line.len == n && ev.line.text == d.buf);
            CHECK(ev.service == p3_classify_greeting(d.buf, n));
        } else {
            CHECK(ev.type == P3_EV_NONE);
        }
        d.finished = 1;
    }
    /* A finished session stays finished: a line is only unsolicited (or, inside an over-long
     * line, the rest of it). */
    struct p3_event ev;
    int discarding = d.s.rd.discarding;
    CHECK(p3_session_feed(&d.s, "+OK\r\n", 5, &ev) == 5);
    CHECK(ev.type == (discarding ? P3_EV_NONE : P3_EV_UNSOLICITED));
    CHECK(ev.next == P3_NEXT_READ && ev.send == NULL);
    if (d.s.confirmed)
        CHECK(p3_session_is_pop3(&d.s));
    return 0;
}
