/* test_pop3.c — unit tests of the pure POP3 protocol core (lib/pop3/pop3.c): line framing
 * (split feeds, bare LF, over-long lines), greeting classification of POP3 and foreign services,
 * the scanner's dialogue state machine (CAPA, USER probe, STLS, CAPA under TLS, QUIT), its caps,
 * and the helpers p3_apop_timestamp, p3_capa_bits and p3_reply_status. Every command the core
 * asks to send is checked: it must be CAPA, USER, STLS or QUIT, never PASS, APOP or anything
 * with an embedded line break.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntlm.h"
#include "pop3.h"

/* ---- a tiny engine: buffers bytes, feeds the core, records every event ------------------ */

#define MAX_EVENTS 1024

struct rec_ev {
    enum p3_event_type type;
    enum p3_cmd cmd;
    enum p3_status status;
    enum p3_service service;
    char text[P3_LINE_MAX + 1];
    size_t len;
    int truncated;
    int tls;
    int overflow;
    int resync;
    enum p3_next next;
    char send[64];
    size_t send_len;
    int has_send;
};

struct drv {
    struct p3_session s;
    char *buf;
    size_t len, cap;
    struct rec_ev *ev;
    size_t nev;
    int finished; /* P3_NEXT_FINISH seen */
    int starttls; /* P3_NEXT_STARTTLS seen, waiting for drv_tls */
    /* The settle step (P3_NEXT_SETTLE): with auto_settle (the default) it ends before the next
     * bytes arrive, and the event that asked for it shows the command sent after it (so the
     * older transcripts read as before); without, drv_settle() ends it. */
    int auto_settle;
    int settling;
    unsigned settles;
    /* With mark_stale, the bytes still buffered when a command goes out are reported to the
     * core as received before it (p3_session_sent), as the engine does. */
    int mark_stale;
};

/* How many commands check_send() examined, over the whole run. */
static unsigned long sends_checked;

/* Every command the core asks for: one of CAPA, USER <name>, STLS, QUIT, CRLF-terminated, with no
 * other CR or LF (no command injection), and never PASS or APOP. */
static void check_send(const struct p3_event *ev)
{
    if (ev->next == P3_NEXT_SEND)
        assert_non_null(ev->send);
    if (ev->next == P3_NEXT_STARTTLS || ev->next == P3_NEXT_READ)
        assert_null(ev->send);
    if (!ev->send) {
        assert_int_equal(ev->send_len, 0);
        assert_int_equal(ev->send_cmd, P3_CMD_NONE);
        return;
    }
    sends_checked++;
    const char *s = ev->send;
    size_t n = ev->send_len;
    assert_true(n >= 3);
    assert_true(n < 64);
    assert_memory_equal(s + n - 2, "\r\n", 2);
    for (size_t i = 0; i + 2 < n; i++) {
        assert_true(s[i] != '\r' && s[i] != '\n' && s[i] != '\0');
    }
    /* The bytes are one of the known commands, and the event names that one. */
    enum p3_cmd named = n == 6 && memcmp(s, "CAPA\r\n", 6) == 0   ? P3_CMD_CAPA
                        : n == 6 && memcmp(s, "STLS\r\n", 6) == 0 ? P3_CMD_STLS
                        : n == 6 && memcmp(s, "QUIT\r\n", 6) == 0 ? P3_CMD_QUIT
                        : n > 7 && memcmp(s, "USER ", 5) == 0    ? P3_CMD_USER
                        : n == 11 && memcmp(s, "AUTH NTLM\r\n", 11) == 0 ? P3_CMD_AUTH_NTLM
                        : n == 3 && memcmp(s, "*\r\n", 3) == 0            ? P3_CMD_NTLM_CANCEL
                        : n == sizeof P3_NTLM_NEGOTIATE_B64 + 1 &&
                                memcmp(s, P3_NTLM_NEGOTIATE_B64,
                                       sizeof P3_NTLM_NEGOTIATE_B64 - 1) == 0
                            ? P3_CMD_NTLM_NEGOTIATE
                            : P3_CMD_NONE;
    assert_int_not_equal(named, P3_CMD_NONE);
    assert_int_equal(ev->send_cmd, named);
    assert_true(n < 4 || memcmp(s, "PASS", 4) != 0);
    assert_true(n < 4 || memcmp(s, "APOP", 4) != 0);
    if (n > 5 && memcmp(s, "USER ", 5) == 0) { /* a single word of safe characters */
        for (size_t i = 5; i + 2 < n; i++) {
            char c = s[i];
            assert_true((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
        }
    }
}

static void record(struct drv *d, const struct p3_event *ev)
{
    check_send(ev);
    assert_true(d->nev < MAX_EVENTS);
    struct rec_ev *r = &d->ev[d->nev++];
    memset(r, 0, sizeof *r);
    r->type = ev->type;
    r->cmd = ev->cmd;
    r->status = ev->status;
    r->service = ev->service;
    assert_true(ev->line.len <= P3_LINE_MAX);
    if (ev->line.len)
        memcpy(r->text, ev->line.text, ev->line.len);
    r->len = ev->line.len;
    r->truncated = ev->line.truncated;
    r->tls = ev->tls;
    r->overflow = ev->overflow;
    r->resync = ev->resync;
    r->next = ev->next;
    if (ev->send) {
        memcpy(r->send, ev->send, ev->send_len);
        r->send_len = ev->send_len;
        r->has_send = 1;
    }
}

static struct drv *drv_new(unsigned opts, const char *probe)
{
    struct drv *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->ev = calloc(MAX_EVENTS, sizeof *d->ev);
    assert_non_null(d->ev);
    d->cap = 64; /* like the engine, never hand the core a NULL buffer, even when empty */
    d->buf = malloc(d->cap);
    assert_non_null(d->buf);
    p3_session_init(&d->s, opts, probe);
    d->auto_settle = 1;
    return d;
}

static void drv_free(struct drv *d)
{
    free(d->buf);
    free(d->ev);
    free(d);
}

/* Appends bytes as if received, then runs the core like the engine does. */
static void drv_push(struct drv *d, const char *data, size_t n)
{
    if (d->len + n > d->cap) {
        d->cap = (d->len + n) * 2 + 16;
        d->buf = realloc(d->buf, d->cap);
        assert_non_null(d->buf);
    }
    if (n)
        memcpy(d->buf + d->len, data, n);
    d->len += n;
    while (!d->finished && !d->starttls) {
        struct p3_event ev;
        size_t used = p3_session_feed(&d->s, d->buf, d->len, &ev);
        assert_true(used <= d->len);
        int interesting = ev.type != P3_EV_NONE || ev.next != P3_NEXT_READ;
        if (interesting) {
            assert_true(used > 0); /* every event consumes what it reports */
            record(d, &ev);
        }
        memmove(d->buf, d->buf + used, d->len - used);
        d->len -= used;
        if (ev.next == P3_NEXT_SETTLE) {
            d->settles++;
            assert_null(ev.send);
            if (d->auto_settle) { /* the settle ends at once: merge its command in */
                struct p3_event sev;
                p3_session_settled(&d->s, &sev);
                check_send(&sev);
                assert_int_equal(sev.next, P3_NEXT_SEND);
                struct rec_ev *r = &d->ev[d->nev - 1];
                r->next = sev.next;
                memcpy(r->send, sev.send, sev.send_len);
                r->send_len = sev.send_len;
                r->has_send = 1;
                ev.next = sev.next;
            } else {
                d->settling = 1;
            }
        }
        if (ev.next == P3_NEXT_SEND && d->mark_stale)
            p3_session_sent(&d->s, d->len);
        if (ev.next == P3_NEXT_STARTTLS) {
            d->starttls = 1;
            d->len = 0; /* the engine drops cleartext bytes left after +OK */
        } else if (ev.next == P3_NEXT_FINISH) {
            d->finished = 1;
        } else if (!interesting && used == 0) {
            break;
        }
    }
}

#define PUSH(d, lit) drv_push((d), (lit), sizeof(lit) - 1)

/* Ends a settle step that auto_settle left open: the core sends its next command. */
static void drv_settle(struct drv *d)
{
    struct p3_event ev;
    assert_true(d->settling);
    d->settling = 0;
    p3_session_settled(&d->s, &ev);
    record(d, &ev);
    if (ev.next == P3_NEXT_SEND && d->mark_stale)
        p3_session_sent(&d->s, d->len);
    drv_push(d, "", 0);
}

static void drv_tls(struct drv *d)
{
    struct p3_event ev;
    assert_true(d->starttls);
    p3_session_tls_started(&d->s, &ev);
    record(d, &ev);
    d->starttls = 0;
}

static void drv_eof(struct drv *d)
{
    struct p3_event ev;
    p3_session_eof(&d->s, d->buf, d->len, &ev);
    record(d, &ev);
    d->len = 0;
    d->finished = 1;
}

static void assert_text(const struct rec_ev *e, const char *text)
{
    assert_int_equal(e->len, strlen(text));
    assert_memory_equal(e->text, text, e->len);
}

static void assert_send(const struct rec_ev *e, enum p3_next next, const char *cmd)
{
    assert_int_equal(e->next, next);
    if (!cmd) {
        assert_false(e->has_send);
        return;
    }
    assert_true(e->has_send);
    assert_int_equal(e->send_len, strlen(cmd));
    assert_memory_equal(e->send, cmd, e->send_len);
}

static int rec_equal(const struct rec_ev *a, const struct rec_ev *b)
{
    return a->type == b->type && a->cmd == b->cmd && a->status == b->status &&
           a->service == b->service && a->len == b->len && memcmp(a->text, b->text, a->len) == 0 &&
           a->truncated == b->truncated && a->tls == b->tls && a->overflow == b->overflow &&
           a->next == b->next && a->has_send == b->has_send && a->send_len == b->send_len &&
           memcmp(a->send, b->send, a->send_len) == 0;
}

static void assert_same_events(const struct drv *a, const struct drv *b)
{
    assert_int_equal(a->nev, b->nev);
    for (size_t i = 0; i < a->nev; i++)
        assert_true(rec_equal(&a->ev[i], &b->ev[i]));
    assert_int_equal(a->finished, b->finished);
    assert_int_equal(a->starttls, b->starttls);
}

static const unsigned OPTS = P3_OPT_USER_PROBE | P3_OPT_STLS;
#define PROBE "p3sprobe7x"
#define USER_CMD "USER " PROBE "\r\n"

/* ---- framing ---------------------------------------------------------------------------- */

static void test_greeting_byte_by_byte(void **state)
{
    (void)state;
    static const char g[] = "+OK POP3 server ready\r\n";
    struct drv *d = drv_new(OPTS, PROBE);
    for (size_t i = 0; i < sizeof g - 1; i++) {
        drv_push(d, g + i, 1);
        if (g[i] != '\n') {
            assert_int_equal(d->nev, 0);
            assert_int_equal(d->len, i + 1); /* nothing consumed before the line is complete */
        }
    }
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->len, 0);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3);
    assert_text(&d->ev[0], "+OK POP3 server ready");
    assert_false(d->ev[0].truncated);
    assert_false(d->ev[0].tls);
    assert_send(&d->ev[0], P3_NEXT_SEND, "CAPA\r\n");
    assert_true(p3_session_is_pop3(&d->s));
    drv_free(d);
}

static const char CAPA_HEAD[] = "+OK hello\r\n+OK Capability list follows\r\nUSER\r\nSASL PLAIN";
static const char CAPA_TERM[] = "\r\n.\r\n";

static void check_capa_events(const struct drv *d)
{
    assert_int_equal(d->nev, 5);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[1].type, P3_EV_REPLY);
    assert_int_equal(d->ev[1].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[1].status, P3_ST_OK);
    assert_send(&d->ev[1], P3_NEXT_READ, NULL);
    assert_int_equal(d->ev[2].type, P3_EV_CAPA_ITEM);
    assert_text(&d->ev[2], "USER");
    assert_int_equal(d->ev[3].type, P3_EV_CAPA_ITEM);
    assert_text(&d->ev[3], "SASL PLAIN");
    assert_int_equal(d->ev[4].type, P3_EV_CAPA_END);
    assert_false(d->ev[4].overflow);
    assert_send(&d->ev[4], P3_NEXT_SEND, USER_CMD);
    assert_int_equal(d->len, 0);
}

static void test_capa_terminator_split_everywhere(void **state)
{
    (void)state;
    for (size_t k = 0; k <= sizeof CAPA_TERM - 1; k++) {
        struct drv *d = drv_new(OPTS, PROBE);
        drv_push(d, CAPA_HEAD, sizeof CAPA_HEAD - 1);
        drv_push(d, CAPA_TERM, k);
        if (k < 2) /* "SASL PLAIN" not yet terminated */
            assert_int_equal(d->nev, 3);
        else if (k < 5) /* the item is out, the end is not */
            assert_int_equal(d->nev, 4);
        else
            assert_int_equal(d->nev, 5);
        drv_push(d, CAPA_TERM + k, sizeof CAPA_TERM - 1 - k);
        check_capa_events(d);
        drv_free(d);
    }
    /* and split in three pieces at every pair of positions */
    for (size_t a = 0; a <= 5; a++)
        for (size_t b = a; b <= 5; b++) {
            struct drv *d = drv_new(OPTS, PROBE);
            drv_push(d, CAPA_HEAD, sizeof CAPA_HEAD - 1);
            drv_push(d, CAPA_TERM, a);
            drv_push(d, CAPA_TERM + a, b - a);
            drv_push(d, CAPA_TERM + b, 5 - b);
            check_capa_events(d);
            drv_free(d);
        }
}

/* Runs a transcript in one piece, then split in two at every position, then byte by byte: the
 * events must always be the same. */
static void check_split_invariance(unsigned opts, const char *t, size_t n)
{
    struct drv *ref = drv_new(opts, PROBE);
    drv_push(ref, t, n);
    assert_true(ref->nev > 0);
    for (size_t k = 0; k <= n; k++) {
        struct drv *d = drv_new(opts, PROBE);
        drv_push(d, t, k);
        drv_push(d, t + k, n - k);
        assert_same_events(ref, d);
        drv_free(d);
    }
    struct drv *d = drv_new(opts, PROBE);
    for (size_t i = 0; i < n; i++)
        drv_push(d, t + i, 1);
    assert_same_events(ref, d);
    drv_free(d);
    drv_free(ref);
}

static void test_transcripts_split_everywhere(void **state)
{
    (void)state;
    static const char dovecot[] =
        "+OK Dovecot (Debian) ready.\r\n+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\n"
        "AUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n..stuffed\r\n.\r\n"
        "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections.\r\n"
        "+OK Begin TLS negotiation now.\r\n";
    check_split_invariance(OPTS, dovecot, sizeof dovecot - 1);
    static const char bare[] = "+OK hi\n-ERR no CAPA\n+OK user\nQUIT?\n";
    check_split_invariance(OPTS, bare, sizeof bare - 1);
    static const char smtp[] = "220 mx.example.com ESMTP Postfix\r\n250 ok\r\n";
    check_split_invariance(OPTS, smtp, sizeof smtp - 1);
}

static void test_bare_lf(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK ready\n+OK\nUSER\r\nSTLS\n.\n+OK\n");
    assert_int_equal(d->nev, 6);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3);
    assert_text(&d->ev[0], "+OK ready");
    assert_int_equal(d->ev[1].status, P3_ST_OK);
    assert_text(&d->ev[1], "+OK");
    assert_text(&d->ev[2], "USER");
    assert_text(&d->ev[3], "STLS");
    assert_int_equal(d->ev[4].type, P3_EV_CAPA_END);
    assert_send(&d->ev[4], P3_NEXT_SEND, USER_CMD);
    assert_int_equal(d->ev[5].cmd, P3_CMD_USER);
    assert_int_equal(d->ev[5].status, P3_ST_OK);
    assert_send(&d->ev[5], P3_NEXT_SEND, "STLS\r\n");
    assert_int_equal(d->s.capa_bits, P3_CAPA_USER | P3_CAPA_STLS);
    drv_free(d);

    /* a CR not followed by LF stays in the line; only the one right before LF is dropped */
    struct p3_reader rd = {0};
    struct p3_line line;
    int have;
    static const char x[] = "a\rb\r\r\n";
    size_t used = p3_read_line(&rd, x, sizeof x - 1, &line, &have);
    assert_int_equal(used, sizeof x - 1);
    assert_true(have);
    assert_int_equal(line.len, 4);
    assert_memory_equal(line.text, "a\rb\r", 4);
    /* an empty line */
    used = p3_read_line(&rd, "\n", 1, &line, &have);
    assert_int_equal(used, 1);
    assert_true(have);
    assert_int_equal(line.len, 0);
    used = p3_read_line(&rd, "\r\n", 2, &line, &have);
    assert_int_equal(used, 2);
    assert_true(have);
    assert_int_equal(line.len, 0);
    /* no LF yet: nothing consumed */
    used = p3_read_line(&rd, "+OK\r", 4, &line, &have);
    assert_int_equal(used, 0);
    assert_false(have);
}

static void test_dot_stuffing(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n..foo\r\n..\r\n...\r\n.X-DOT\r\n.\r\n");
    assert_int_equal(d->nev, 7);
    assert_int_equal(d->ev[2].type, P3_EV_CAPA_ITEM);
    assert_text(&d->ev[2], ".foo");
    assert_int_equal(d->ev[3].type, P3_EV_CAPA_ITEM);
    assert_text(&d->ev[3], ".");
    assert_int_equal(d->ev[4].type, P3_EV_CAPA_ITEM);
    assert_text(&d->ev[4], "..");
    assert_int_equal(d->ev[5].type, P3_EV_CAPA_ITEM);
    assert_text(&d->ev[5], "X-DOT");
    assert_int_equal(d->ev[6].type, P3_EV_CAPA_END);
    /* ".STLS" is the capability STLS once unstuffed */
    struct drv *e = drv_new(OPTS, PROBE);
    PUSH(e, "+OK\r\n+OK\r\n.STLS\r\n.\r\n");
    assert_int_equal(e->s.capa_bits, P3_CAPA_STLS);
    drv_free(e);
    drv_free(d);
}

static char *repeat(char c, size_t n)
{
    char *p = malloc(n + 1);
    assert_non_null(p);
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

static void test_overlong_line_with_lf(void **state)
{
    (void)state;
    char *x = repeat('x', 1500);
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK ");
    drv_push(d, x, 1500);
    PUSH(d, "\r\n+OK\r\n.\r\n");
    assert_int_equal(d->nev, 3);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3);
    assert_true(d->ev[0].truncated);
    assert_int_equal(d->ev[0].len, P3_LINE_MAX);
    assert_memory_equal(d->ev[0].text, "+OK xxxx", 8);
    assert_int_equal(d->ev[1].type, P3_EV_REPLY);
    assert_int_equal(d->ev[1].status, P3_ST_OK);
    assert_false(d->ev[1].truncated);
    assert_text(&d->ev[1], "+OK");
    assert_int_equal(d->ev[2].type, P3_EV_CAPA_END);
    assert_int_equal(d->len, 0);
    drv_free(d);

    /* an over-long capability line: cut, then the next item is parsed normally */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n");
    drv_push(d, x, 1500);
    PUSH(d, "\r\nUSER\r\n.\r\n");
    assert_int_equal(d->nev, 5);
    assert_int_equal(d->ev[2].type, P3_EV_CAPA_ITEM);
    assert_true(d->ev[2].truncated);
    assert_int_equal(d->ev[2].len, P3_LINE_MAX);
    assert_int_equal(d->ev[3].type, P3_EV_CAPA_ITEM);
    assert_false(d->ev[3].truncated);
    assert_text(&d->ev[3], "USER");
    assert_int_equal(d->ev[4].type, P3_EV_CAPA_END);
    assert_int_equal(d->s.capa_bits, P3_CAPA_USER);
    drv_free(d);
    free(x);
}

static void test_overlong_line_without_lf(void **state)
{
    (void)state;
    char *x = repeat('x', 2000);
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK ");
    drv_push(d, x, 2000);
    /* cut at P3_LINE_MAX with no LF in sight; the rest is skipped without being buffered */
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_true(d->ev[0].truncated);
    assert_int_equal(d->ev[0].len, P3_LINE_MAX);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3);
    assert_send(&d->ev[0], P3_NEXT_SEND, "CAPA\r\n");
    assert_int_equal(d->len, 0);
    drv_push(d, x, 2000); /* still the same line */
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->len, 0);
    PUSH(d, "tail\r\n-ERR no\r\n");
    assert_int_equal(d->nev, 2);
    assert_int_equal(d->ev[1].type, P3_EV_REPLY);
    assert_int_equal(d->ev[1].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[1].status, P3_ST_ERR);
    assert_text(&d->ev[1], "-ERR no");
    assert_false(d->ev[1].truncated);
    drv_free(d);

    /* in the framing directly */
    struct p3_reader rd = {0};
    struct p3_line line;
    int have;
    size_t used = p3_read_line(&rd, x, P3_LINE_MAX, &line, &have);
    assert_int_equal(used, 0); /* exactly P3_LINE_MAX: may still end in time */
    assert_false(have);
    used = p3_read_line(&rd, x, P3_LINE_MAX + 1, &line, &have);
    assert_int_equal(used, P3_LINE_MAX);
    assert_true(have);
    assert_true(line.truncated);
    assert_int_equal(line.len, P3_LINE_MAX);
    assert_true(rd.discarding);
    used = p3_read_line(&rd, x, 10, &line, &have);
    assert_int_equal(used, 10);
    assert_false(have);
    used = p3_read_line(&rd, "ab\r\nnext\r\n", 10, &line, &have);
    assert_int_equal(used, 4);
    assert_false(have);
    assert_false(rd.discarding);
    used = p3_read_line(&rd, "next\r\n", 6, &line, &have);
    assert_int_equal(used, 6);
    assert_true(have);
    assert_false(line.truncated);
    assert_int_equal(line.len, 4);
    free(x);
}

/* A line of exactly P3_LINE_MAX bytes is whole, however its CRLF is split across feeds. */
static void test_line_of_max_length(void **state)
{
    (void)state;
    size_t n = P3_LINE_MAX + 2;
    char *t = repeat('y', n);
    t[n - 2] = '\r';
    t[n - 1] = '\n';
    for (size_t k = 0; k < n; k++) {
        struct p3_reader rd = {0};
        struct p3_line line = {0};
        int have = 0;
        size_t used = p3_read_line(&rd, t, k, &line, &have);
        assert_false(have);
        assert_int_equal(used, 0);
        used = p3_read_line(&rd, t, n, &line, &have);
        assert_true(have);
        assert_int_equal(used, n);
        assert_false(line.truncated);
        assert_int_equal(line.len, P3_LINE_MAX);
    }
    /* and through the session, split at every position */
    char *g = malloc(n + 1);
    assert_non_null(g);
    memcpy(g, t, n);
    memcpy(g, "+OK ", 4);
    check_split_invariance(OPTS, g, n);
    struct drv *d = drv_new(OPTS, PROBE);
    drv_push(d, g, n);
    assert_int_equal(d->nev, 1);
    assert_false(d->ev[0].truncated);
    assert_int_equal(d->ev[0].len, P3_LINE_MAX);
    drv_free(d);
    free(g);
    free(t);
}

/* ---- greetings -------------------------------------------------------------------------- */

static void test_err_greeting(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "-ERR [SYS/TEMP] too many connections\r\n");
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3_ERR);
    assert_text(&d->ev[0], "-ERR [SYS/TEMP] too many connections");
    assert_send(&d->ev[0], P3_NEXT_FINISH, "QUIT\r\n");
    assert_true(d->finished);
    assert_true(p3_session_is_pop3(&d->s));
    assert_false(d->s.confirmed);
    /* the dialogue is over: further lines are only reported as unsolicited */
    struct p3_event ev;
    assert_int_equal(p3_session_feed(&d->s, "+OK\r\n", 5, &ev), 5);
    assert_int_equal(ev.type, P3_EV_UNSOLICITED);
    assert_int_equal(ev.next, P3_NEXT_READ);
    assert_null(ev.send);
    assert_string_equal(p3_service_name(P3_SVC_POP3_ERR), "pop3");
    drv_free(d);
}

struct foreign {
    const char *bytes;
    size_t len;
    enum p3_service svc;
    const char *name;
};

#define F(lit, svc, name) {lit, sizeof(lit) - 1, svc, name}

static const struct foreign FOREIGN[] = {
    F("220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n", P3_SVC_SMTP, "smtp"),
    F("220 mail.example.org ESMTP Exim 4.96 Mon, 01 Jan 2024\r\n", P3_SVC_SMTP, "smtp"),
    F("554 mx.example.com ESMTP not accepting connections\r\n", P3_SVC_SMTP, "smtp"),
    /* a mail host whose name contains "ftp" is still SMTP */
    F("220 ftp.example.com ESMTP Postfix\r\n", P3_SVC_SMTP, "smtp"),
    F("220 (vsFTPd 3.0.3)\r\n", P3_SVC_FTP, "ftp"),
    F("220 ProFTPD Server (Debian) [::ffff:10.0.0.1]\r\n", P3_SVC_FTP, "ftp"),
    F("220 Microsoft FTP Service\r\n", P3_SVC_FTP, "ftp"),
    F("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot (Debian) ready.\r\n", P3_SVC_IMAP, "imap"),
    F("* PREAUTH IMAP4rev1 server logged in as user\r\n", P3_SVC_IMAP, "imap"),
    F("* BYE server shutting down\r\n", P3_SVC_IMAP, "imap"),
    F("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", P3_SVC_SSH, "ssh"),
    F("SSH-2.0-OpenSSH_9.2\n", P3_SVC_SSH, "ssh"),
    F("HTTP/1.1 400 Bad Request\r\n", P3_SVC_HTTP, "http"),
    F("HTTP/1.0 200 OK\r\n", P3_SVC_HTTP, "http"),
    F("\x01\x02\x03\xff\xfe\x00\x05\x7f\x1b\n", P3_SVC_BINARY, "binary"),
    F("\x00\x00\x00\x00\x00\x00\n", P3_SVC_BINARY, "binary"),
    F("hello there\r\n", P3_SVC_UNKNOWN, "unknown"),
    F("+OKAY not pop3\r\n", P3_SVC_UNKNOWN, "unknown"),
    F("\r\n", P3_SVC_EMPTY, "empty"),
};

static void test_foreign_services(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FOREIGN / sizeof FOREIGN[0]; i++) {
        const struct foreign *f = &FOREIGN[i];
        struct drv *d = drv_new(OPTS, PROBE);
        drv_push(d, f->bytes, f->len);
        assert_int_equal(d->nev, 1);
        assert_int_equal(d->ev[0].type, P3_EV_GREETING);
        assert_int_equal(d->ev[0].service, f->svc);
        assert_send(&d->ev[0], P3_NEXT_FINISH, NULL); /* nothing sent to a foreign service */
        assert_true(d->finished);
        assert_false(p3_session_is_pop3(&d->s));
        assert_string_equal(p3_service_name(f->svc), f->name);
        /* the classifier agrees on the line itself */
        size_t n = f->len - 1;
        if (n > 0 && f->bytes[n - 1] == '\r')
            n--;
        assert_int_equal(p3_classify_greeting(f->bytes, n), f->svc);
        drv_free(d);
    }
    assert_int_equal(p3_classify_greeting("", 0), P3_SVC_EMPTY);
    assert_int_equal(p3_classify_greeting("+ok lower case", 14), P3_SVC_POP3);
    assert_int_equal(p3_classify_greeting("+OK", 3), P3_SVC_POP3);
    assert_int_equal(p3_classify_greeting("-ERR", 4), P3_SVC_POP3_ERR);
    assert_string_equal(p3_service_name((enum p3_service)99), "unknown");
}

static void test_tls_record_greeting(void **state)
{
    (void)state;
    /* a TLS alert/handshake record has no LF: classified as soon as two bytes are in */
    static const char rec[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, rec);
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_TLS);
    assert_send(&d->ev[0], P3_NEXT_FINISH, NULL);
    assert_int_equal(d->ev[0].len, sizeof rec - 1);
    assert_memory_equal(d->ev[0].text, rec, sizeof rec - 1);
    assert_int_equal(d->len, 0);
    assert_false(p3_session_is_pop3(&d->s));
    drv_free(d);

    /* one byte at a time: nothing on the first, the verdict on the second */
    d = drv_new(OPTS, PROBE);
    drv_push(d, "\x15", 1);
    assert_int_equal(d->nev, 0);
    drv_push(d, "\x03", 1);
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].service, P3_SVC_TLS);
    assert_send(&d->ev[0], P3_NEXT_FINISH, NULL);
    assert_string_equal(p3_service_name(P3_SVC_TLS), "tls");
    drv_free(d);

    /* a binary greeting does not need a TLS header to be refused */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "\x80\x81\x82\x83\x01\x02\x03\x04\r\n");
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].service, P3_SVC_BINARY);
    assert_send(&d->ev[0], P3_NEXT_FINISH, NULL);
    drv_free(d);
}

/* ---- the dialogue ----------------------------------------------------------------------- */

static void test_capa_err(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK popa3d ready\r\n-ERR Unknown command\r\n");
    assert_int_equal(d->nev, 2);
    assert_int_equal(d->ev[1].type, P3_EV_REPLY);
    assert_int_equal(d->ev[1].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[1].status, P3_ST_ERR);
    assert_true(d->s.confirmed);
    assert_send(&d->ev[1], P3_NEXT_SEND, USER_CMD);
    PUSH(d, "+OK\r\n");
    assert_int_equal(d->nev, 3);
    assert_int_equal(d->ev[2].cmd, P3_CMD_USER);
    assert_int_equal(d->ev[2].status, P3_ST_OK);
    assert_send(&d->ev[2], P3_NEXT_SEND, "QUIT\r\n"); /* no CAPA list, so no STLS */
    PUSH(d, "+OK bye\r\n");
    assert_int_equal(d->nev, 4);
    assert_int_equal(d->ev[3].cmd, P3_CMD_QUIT);
    assert_send(&d->ev[3], P3_NEXT_FINISH, NULL);
    assert_true(d->finished);
    drv_free(d);
}

static void test_capa_not_pop3_shaped(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK hi\r\n500 what?\r\n");
    assert_int_equal(d->nev, 2);
    assert_int_equal(d->ev[1].status, P3_ST_OTHER);
    assert_send(&d->ev[1], P3_NEXT_FINISH, NULL);
    assert_false(d->s.confirmed);
    assert_true(p3_session_is_pop3(&d->s)); /* probable, not confirmed */
    drv_free(d);
}

static void test_empty_capa(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n.\r\n");
    assert_int_equal(d->nev, 3);
    assert_int_equal(d->ev[1].type, P3_EV_REPLY);
    assert_int_equal(d->ev[1].status, P3_ST_OK);
    assert_int_equal(d->ev[2].type, P3_EV_CAPA_END);
    assert_false(d->ev[2].overflow);
    assert_send(&d->ev[2], P3_NEXT_SEND, USER_CMD);
    assert_int_equal(d->s.capa_bits, 0);
    assert_true(d->s.confirmed);
    drv_free(d);
}

static void test_dovecot_dialogue(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK Dovecot (Debian) ready.\r\n");
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3);
    assert_send(&d->ev[0], P3_NEXT_SEND, "CAPA\r\n");

    PUSH(d, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n"
            "STLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n");
    assert_int_equal(d->nev, 1 + 1 + 9 + 1);
    assert_int_equal(d->ev[1].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[1].status, P3_ST_OK);
    static const char *const items[] = {"CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING",
                                        "AUTH-RESP-CODE", "STLS", "USER", "SASL PLAIN LOGIN"};
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(d->ev[2 + i].type, P3_EV_CAPA_ITEM);
        assert_false(d->ev[2 + i].tls);
        assert_text(&d->ev[2 + i], items[i]);
        assert_send(&d->ev[2 + i], P3_NEXT_READ, NULL);
    }
    assert_int_equal(d->ev[11].type, P3_EV_CAPA_END);
    assert_send(&d->ev[11], P3_NEXT_SEND, USER_CMD);
    assert_int_equal(d->s.capa_bits, P3_CAPA_STLS | P3_CAPA_USER | P3_CAPA_SASL |
                                         P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN);
    assert_int_equal(d->s.capa_tls_bits, 0);
    assert_true(d->s.confirmed);

    PUSH(d, "+OK\r\n");
    assert_int_equal(d->nev, 13);
    assert_int_equal(d->ev[12].type, P3_EV_REPLY);
    assert_int_equal(d->ev[12].cmd, P3_CMD_USER);
    assert_int_equal(d->ev[12].status, P3_ST_OK);
    assert_send(&d->ev[12], P3_NEXT_SEND, "STLS\r\n");

    /* the +OK to STLS, with injected cleartext behind it that must never be read */
    PUSH(d, "+OK Begin TLS negotiation now.\r\n+OK injected\r\n");
    assert_int_equal(d->nev, 14);
    assert_int_equal(d->ev[13].cmd, P3_CMD_STLS);
    assert_int_equal(d->ev[13].status, P3_ST_OK);
    assert_send(&d->ev[13], P3_NEXT_STARTTLS, NULL);
    assert_true(d->starttls);
    /* while the handshake runs, a line is only reported: it answers nothing */
    struct p3_event ev;
    assert_int_equal(p3_session_feed(&d->s, "+OK\r\n", 5, &ev), 5);
    assert_int_equal(ev.type, P3_EV_UNSOLICITED);
    assert_int_equal(ev.cmd, P3_CMD_STLS);
    assert_int_equal(ev.next, P3_NEXT_READ);

    drv_tls(d);
    assert_int_equal(d->nev, 15);
    assert_true(d->ev[14].tls);
    assert_send(&d->ev[14], P3_NEXT_SEND, "CAPA\r\n");

    PUSH(d, "+OK\r\nCAPA\r\nTOP\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n");
    assert_int_equal(d->nev, 15 + 1 + 4 + 1);
    assert_int_equal(d->ev[15].cmd, P3_CMD_CAPA);
    assert_true(d->ev[15].tls);
    for (size_t i = 16; i < 20; i++) {
        assert_int_equal(d->ev[i].type, P3_EV_CAPA_ITEM);
        assert_true(d->ev[i].tls);
    }
    assert_int_equal(d->ev[20].type, P3_EV_CAPA_END);
    assert_true(d->ev[20].tls);
    assert_send(&d->ev[20], P3_NEXT_SEND, "QUIT\r\n");
    assert_int_equal(d->s.capa_tls_bits,
                     P3_CAPA_USER | P3_CAPA_SASL | P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN);
    /* the cleartext set is unchanged by what came under TLS */
    assert_int_equal(d->s.capa_bits, P3_CAPA_STLS | P3_CAPA_USER | P3_CAPA_SASL |
                                         P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN);

    PUSH(d, "+OK Logging out.\r\n");
    assert_int_equal(d->nev, 22);
    assert_int_equal(d->ev[21].cmd, P3_CMD_QUIT);
    assert_int_equal(d->ev[21].status, P3_ST_OK);
    assert_true(d->ev[21].tls);
    assert_send(&d->ev[21], P3_NEXT_FINISH, NULL);
    assert_true(d->finished);
    assert_int_equal(d->s.user_status, P3_ST_OK);
    assert_int_equal(d->s.stls_status, P3_ST_OK);
    assert_true(d->s.confirmed);

    /* exactly one of each command was asked for, in order */
    const char *expect[] = {"CAPA\r\n", USER_CMD, "STLS\r\n", "CAPA\r\n", "QUIT\r\n"};
    size_t k = 0;
    for (size_t i = 0; i < d->nev; i++) {
        if (!d->ev[i].has_send)
            continue;
        assert_true(k < 5);
        assert_int_equal(d->ev[i].send_len, strlen(expect[k]));
        assert_memory_equal(d->ev[i].send, expect[k], d->ev[i].send_len);
        k++;
    }
    assert_int_equal(k, 5);
    drv_free(d);
}

static void test_stls_refused(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n-ERR no\r\n-ERR TLS unavailable\r\n");
    assert_int_equal(d->nev, 6);
    assert_int_equal(d->ev[4].cmd, P3_CMD_USER);
    assert_int_equal(d->ev[4].status, P3_ST_ERR);
    assert_send(&d->ev[4], P3_NEXT_SEND, "STLS\r\n");
    assert_int_equal(d->ev[5].cmd, P3_CMD_STLS);
    assert_int_equal(d->ev[5].status, P3_ST_ERR);
    assert_send(&d->ev[5], P3_NEXT_SEND, "QUIT\r\n");
    assert_int_equal(d->s.stls_status, P3_ST_ERR);
    assert_int_equal(d->s.user_status, P3_ST_ERR);
    drv_free(d);
}

/* GNU Mailutils: after USER got +OK only PASS or QUIT are valid (RFC 1939), so the STLS that
 * follows gets -ERR, which ends the USER state; asked once more, STLS works. */
static void test_stls_asked_again_after_accepted_user(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK POP3 Ready <1.2@vm>\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n+OK\r\n"
            "-ERR Invalid command\r\n");
    assert_int_equal(d->nev, 7);
    assert_int_equal(d->ev[5].cmd, P3_CMD_USER);
    assert_int_equal(d->ev[5].status, P3_ST_OK);
    assert_send(&d->ev[5], P3_NEXT_SEND, "STLS\r\n");
    assert_int_equal(d->ev[6].cmd, P3_CMD_STLS);
    assert_int_equal(d->ev[6].status, P3_ST_ERR);
    assert_send(&d->ev[6], P3_NEXT_SEND, "STLS\r\n");
    PUSH(d, "+OK Begin TLS negotiation\r\n");
    assert_int_equal(d->nev, 8);
    assert_int_equal(d->ev[7].cmd, P3_CMD_STLS);
    assert_int_equal(d->ev[7].status, P3_ST_OK);
    assert_send(&d->ev[7], P3_NEXT_STARTTLS, NULL);
    assert_int_equal(d->s.stls_status, P3_ST_OK);
    drv_free(d);

    /* Once only: a second -ERR is a refusal, and QUIT follows. */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK\r\n-ERR no\r\n-ERR still no\r\n");
    assert_int_equal(d->nev, 7);
    assert_send(&d->ev[5], P3_NEXT_SEND, "STLS\r\n");
    assert_int_equal(d->ev[6].cmd, P3_CMD_STLS);
    assert_int_equal(d->ev[6].status, P3_ST_ERR);
    assert_send(&d->ev[6], P3_NEXT_SEND, "QUIT\r\n");
    assert_int_equal(d->s.stls_status, P3_ST_ERR);
    drv_free(d);

    /* Without the USER probe nothing stands between CAPA and STLS: a -ERR is final at once. */
    d = drv_new(OPTS & ~P3_OPT_USER_PROBE, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n-ERR no\r\n");
    assert_int_equal(d->nev, 5);
    assert_int_equal(d->ev[4].cmd, P3_CMD_STLS);
    assert_send(&d->ev[4], P3_NEXT_SEND, "QUIT\r\n");
    drv_free(d);
}

/* An over-long +OK to STLS: the rest of it is cleartext the engine drops, and the framing starts
 * afresh under TLS instead of skipping the first TLS line. */
static void test_stls_reply_overlong(void **state)
{
    (void)state;
    char *x = repeat('x', 2000);
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK\r\n+OK ");
    drv_push(d, x, 2000);
    assert_int_equal(d->nev, 6);
    assert_int_equal(d->ev[5].cmd, P3_CMD_STLS);
    assert_int_equal(d->ev[5].status, P3_ST_OK);
    assert_true(d->ev[5].truncated);
    assert_send(&d->ev[5], P3_NEXT_STARTTLS, NULL);
    drv_tls(d);
    PUSH(d, "+OK\r\nUSER\r\n.\r\n");
    assert_int_equal(d->nev, 10);
    assert_int_equal(d->ev[7].type, P3_EV_REPLY);
    assert_int_equal(d->ev[7].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[7].status, P3_ST_OK);
    assert_true(d->ev[7].tls);
    assert_text(&d->ev[8], "USER");
    assert_int_equal(d->ev[9].type, P3_EV_CAPA_END);
    assert_send(&d->ev[9], P3_NEXT_SEND, "QUIT\r\n");
    assert_int_equal(d->s.capa_tls_bits, P3_CAPA_USER);
    drv_free(d);
    free(x);
}

static void test_implicit_tls(void **state)
{
    (void)state;
    struct drv *d = drv_new(P3_OPT_IMPLICIT_TLS | OPTS, PROBE);
    PUSH(d, "+OK Dovecot ready.\r\n");
    assert_true(d->ev[0].tls);
    assert_send(&d->ev[0], P3_NEXT_SEND, "CAPA\r\n");
    PUSH(d, "+OK\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n");
    assert_int_equal(d->nev, 6);
    for (size_t i = 0; i < d->nev; i++)
        assert_true(d->ev[i].tls);
    assert_int_equal(d->ev[5].type, P3_EV_CAPA_END);
    assert_send(&d->ev[5], P3_NEXT_SEND, "QUIT\r\n"); /* no USER, no STLS */
    assert_int_equal(d->s.capa_bits, 0);
    assert_int_equal(d->s.capa_tls_bits,
                     P3_CAPA_STLS | P3_CAPA_USER | P3_CAPA_SASL | P3_CAPA_SASL_PLAIN);
    PUSH(d, "+OK\r\n");
    assert_send(&d->ev[6], P3_NEXT_FINISH, NULL);
    for (size_t i = 0; i < d->nev; i++) {
        if (d->ev[i].has_send) {
            assert_true(memcmp(d->ev[i].send, "USER", 4) != 0);
            assert_true(memcmp(d->ev[i].send, "STLS", 4) != 0);
        }
    }
    assert_int_equal(d->s.user_status, P3_ST_NONE);
    drv_free(d);

    /* CAPA refused on an implicit-TLS port: QUIT */
    d = drv_new(P3_OPT_IMPLICIT_TLS | OPTS, PROBE);
    PUSH(d, "+OK\r\n-ERR\r\n");
    assert_send(&d->ev[1], P3_NEXT_SEND, "QUIT\r\n");
    drv_free(d);
}

static void test_no_stls_when_not_advertised(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nUSER\r\nSASL PLAIN\r\nX-STLS\r\n.\r\n+OK\r\n");
    assert_int_equal(d->nev, 7);
    assert_send(&d->ev[5], P3_NEXT_SEND, USER_CMD);
    assert_send(&d->ev[6], P3_NEXT_SEND, "QUIT\r\n");
    assert_int_equal(d->s.capa_bits & P3_CAPA_STLS, 0);
    drv_free(d);

    /* advertised, but the caller turned STLS off */
    d = drv_new(P3_OPT_USER_PROBE, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK\r\n");
    assert_send(&d->ev[3], P3_NEXT_SEND, USER_CMD);
    assert_send(&d->ev[4], P3_NEXT_SEND, "QUIT\r\n");
    drv_free(d);

    /* the caller turned the USER probe off: straight to STLS */
    d = drv_new(P3_OPT_STLS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n");
    assert_send(&d->ev[3], P3_NEXT_SEND, "STLS\r\n");
    drv_free(d);
}

static void test_user_probe_name(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, "a b\r\nPASS x");
    PUSH(d, "+OK\r\n+OK\r\n.\r\n");
    assert_int_equal(d->nev, 3);
    assert_send(&d->ev[2], P3_NEXT_SEND, "USER abPASSx\r\n");
    drv_free(d);

    /* at most 32 characters of name */
    d = drv_new(OPTS, "abcdefghijklmnopqrstuvwxyz0123456789EXTRA");
    PUSH(d, "+OK\r\n+OK\r\n.\r\n");
    assert_send(&d->ev[2], P3_NEXT_SEND, "USER abcdefghijklmnopqrstuvwxyz012345\r\n");
    drv_free(d);

    /* no usable name: no USER at all */
    static const char *const bad[] = {"", "\r\n \t:", NULL};
    for (size_t i = 0; i < 3; i++) {
        d = drv_new(OPTS, bad[i]);
        PUSH(d, "+OK\r\n+OK\r\n.\r\n");
        assert_send(&d->ev[2], P3_NEXT_SEND, "QUIT\r\n");
        drv_free(d);
    }
}

static void test_eof(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK partial");
    assert_int_equal(d->nev, 0);
    drv_eof(d);
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_POP3);
    assert_text(&d->ev[0], "+OK partial");
    assert_send(&d->ev[0], P3_NEXT_FINISH, NULL); /* the peer is gone: nothing to send */
    assert_true(p3_session_is_pop3(&d->s));
    drv_free(d);

    d = drv_new(OPTS, PROBE);
    drv_eof(d);
    assert_int_equal(d->nev, 1);
    assert_int_equal(d->ev[0].type, P3_EV_GREETING);
    assert_int_equal(d->ev[0].service, P3_SVC_EMPTY);
    assert_int_equal(d->ev[0].len, 0);
    assert_send(&d->ev[0], P3_NEXT_FINISH, NULL);
    assert_false(p3_session_is_pop3(&d->s));
    assert_string_equal(p3_service_name(P3_SVC_EMPTY), "empty");
    drv_free(d);

    /* after the greeting: just the end */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nUS");
    drv_eof(d);
    assert_int_equal(d->nev, 3);
    assert_int_equal(d->ev[2].type, P3_EV_NONE);
    assert_send(&d->ev[2], P3_NEXT_FINISH, NULL);
    drv_free(d);
}

static void test_capa_overflow_lines(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n");
    for (int i = 0; i < P3_CAPA_MAX_LINES + 10; i++)
        PUSH(d, "X-CAP\r\n");
    PUSH(d, ".\r\n");
    /* greeting, reply, P3_CAPA_MAX_LINES items, then the end with overflow */
    assert_int_equal(d->nev, 2 + P3_CAPA_MAX_LINES + 1);
    for (size_t i = 2; i < 2 + P3_CAPA_MAX_LINES; i++)
        assert_int_equal(d->ev[i].type, P3_EV_CAPA_ITEM);
    const struct rec_ev *end = &d->ev[2 + P3_CAPA_MAX_LINES];
    assert_int_equal(end->type, P3_EV_CAPA_END);
    assert_true(end->overflow);
    assert_send(end, P3_NEXT_FINISH, "QUIT\r\n");
    assert_true(d->finished);
    assert_true(d->s.confirmed);
    drv_free(d);

    /* exactly P3_CAPA_MAX_LINES lines is fine */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n");
    for (int i = 0; i < P3_CAPA_MAX_LINES; i++)
        PUSH(d, "X-CAP\r\n");
    PUSH(d, ".\r\n");
    assert_int_equal(d->nev, 2 + P3_CAPA_MAX_LINES + 1);
    assert_false(d->ev[d->nev - 1].overflow);
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, USER_CMD);
    drv_free(d);
}

static void test_capa_overflow_bytes(void **state)
{
    (void)state;
    char *x = repeat('C', P3_LINE_MAX);
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n");
    size_t lines = P3_MULTILINE_MAX / P3_LINE_MAX + 5;
    for (size_t i = 0; i < lines && !d->finished; i++) {
        drv_push(d, x, P3_LINE_MAX);
        PUSH(d, "\r\n");
    }
    assert_true(d->finished);
    size_t items = P3_MULTILINE_MAX / P3_LINE_MAX; /* the one past the cap is the end */
    assert_int_equal(d->nev, 2 + items + 1);
    assert_int_equal(d->ev[d->nev - 1].type, P3_EV_CAPA_END);
    assert_true(d->ev[d->nev - 1].overflow);
    assert_send(&d->ev[d->nev - 1], P3_NEXT_FINISH, "QUIT\r\n");
    drv_free(d);
    free(x);
}

static void test_hostile_replies_never_lead_to_credentials(void **state)
{
    (void)state;
    static const char *const transcripts[] = {
        "+OK <1896.697170952@dbc.mtview.ca.us>\r\n+OK\r\nAPOP\r\nUSER\r\nSTLS\r\n.\r\n"
        "+OK now send PASS\r\n-ERR no\r\n+OK\r\n",
        "+OK\r\n+OK\r\nSASL PLAIN LOGIN CRAM-MD5 NTLM\r\n.\r\n+ \r\n+OK\r\n",
        "+OK\r\n-ERR\r\n+OK password required for user\r\n+OK\r\n",
        "+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK\r\n+OK go\r\n",
    };
    unsigned long before = sends_checked;
    for (size_t i = 0; i < sizeof transcripts / sizeof transcripts[0]; i++) {
        struct drv *d = drv_new(OPTS, PROBE);
        drv_push(d, transcripts[i], strlen(transcripts[i]));
        if (d->starttls) {
            drv_tls(d);
            PUSH(d, "+OK\r\nUSER\r\n.\r\n+OK\r\n");
        }
        for (size_t k = 0; k < d->nev; k++) {
            if (!d->ev[k].has_send)
                continue;
            assert_true(memcmp(d->ev[k].send, "PASS", 4) != 0);
            assert_true(memcmp(d->ev[k].send, "APOP", 4) != 0);
            assert_true(memcmp(d->ev[k].send, "AUTH", 4) != 0);
        }
        assert_true(d->finished);
        drv_free(d);
    }
    assert_true(sends_checked > before);
}

/* ---- NTLM (--ntlm) ---------------------------------------------------------------------- */

static const char CHALLENGE[] = "+ TlRMTVNTUAACAAAADgAOADgAAAAFgomiASNFZ4mrze8AAAAAAAAAAJoAmgBGAAAA";

static void test_ntlm_exchange(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS | P3_OPT_NTLM, PROBE);
    PUSH(d, "+OK hi\r\n+OK\r\nUSER\r\nSASL NTLM\r\n.\r\n");
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "USER " PROBE "\r\n");
    PUSH(d, "-ERR\r\n"); /* no STLS offered: NTLM in cleartext, after the USER probe */
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "AUTH NTLM\r\n");
    PUSH(d, "+ \r\n");
    assert_int_equal(d->ev[d->nev - 1].cmd, P3_CMD_AUTH_NTLM);
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, P3_NTLM_NEGOTIATE_B64 "\r\n");
    drv_push(d, CHALLENGE, sizeof CHALLENGE - 1);
    PUSH(d, "\r\n");
    const struct rec_ev *e = &d->ev[d->nev - 1];
    assert_int_equal(e->type, P3_EV_REPLY);
    assert_int_equal(e->cmd, P3_CMD_NTLM_NEGOTIATE);
    assert_text(e, CHALLENGE); /* the engine decodes it */
    assert_send(e, P3_NEXT_SEND, "*\r\n");
    PUSH(d, "-ERR canceled\r\n");
    assert_int_equal(d->ev[d->nev - 1].cmd, P3_CMD_NTLM_CANCEL);
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "QUIT\r\n");
    PUSH(d, "+OK\r\n");
    assert_true(d->finished);
    drv_free(d);

    /* Refused at once: QUIT, nothing more. */
    d = drv_new(P3_OPT_NTLM, PROBE);
    PUSH(d, "+OK\r\n-ERR\r\n-ERR unknown mechanism\r\n");
    assert_int_equal(d->ev[d->nev - 1].cmd, P3_CMD_AUTH_NTLM);
    assert_int_equal(d->ev[d->nev - 1].status, P3_ST_ERR);
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "QUIT\r\n");
    drv_free(d);

    /* A "+OK" is not a continuation: no NEGOTIATE is sent into a reply of another shape. */
    d = drv_new(P3_OPT_NTLM, PROBE);
    PUSH(d, "+OK\r\n-ERR\r\n+OK whatever\r\n");
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "QUIT\r\n");
    drv_free(d);
}

static void test_ntlm_after_stls_is_under_tls(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS | P3_OPT_NTLM, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nSTLS\r\n.\r\n-ERR\r\n+OK go\r\n");
    assert_true(d->starttls);
    for (size_t i = 0; i < d->nev; i++)
        if (d->ev[i].has_send)
            assert_true(memcmp(d->ev[i].send, "AUTH", 4) != 0);
    drv_tls(d);
    PUSH(d, "+OK\r\nSASL NTLM\r\n.\r\n");
    const struct rec_ev *e = &d->ev[d->nev - 1];
    assert_true(e->tls);
    assert_send(e, P3_NEXT_SEND, "AUTH NTLM\r\n");
    drv_free(d);

    d = drv_new(P3_OPT_IMPLICIT_TLS | OPTS | P3_OPT_NTLM, PROBE);
    PUSH(d, "+OK\r\n+OK\r\n.\r\n");
    assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "AUTH NTLM\r\n");
    drv_free(d);
}

static void test_continuation(void **state)
{
    (void)state;
    size_t at = 99;
    assert_true(p3_continuation("+", 1, &at));
    assert_int_equal(at, 1);
    assert_true(p3_continuation("+ ", 2, &at));
    assert_int_equal(at, 2);
    assert_true(p3_continuation("+ TlRM", 6, &at));
    assert_int_equal(at, 2);
    assert_false(p3_continuation("+OK", 3, &at));
    assert_false(p3_continuation("", 0, &at));
    assert_false(p3_continuation("-ERR", 4, &at));
}

static void test_negotiate_matches_ntlm_module(void **state)
{
    (void)state;
    char b64[128];
    int n = p3ntlm_negotiate_b64(b64, sizeof b64);
    assert_int_equal(n, (int)strlen(P3_NTLM_NEGOTIATE_B64));
    assert_string_equal(b64, P3_NTLM_NEGOTIATE_B64);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static void test_apop_timestamp(void **state)
{
    (void)state;
    size_t start = 99, len = 99;
    static const char g[] = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>";
    assert_int_equal(p3_apop_timestamp(g, sizeof g - 1, &start, &len), 1);
    assert_int_equal(start, 22);
    assert_int_equal(len, strlen("<1896.697170952@dbc.mtview.ca.us>"));
    assert_memory_equal(g + start, "<1896.697170952@dbc.mtview.ca.us>", len);

    static const char g2[] = "+OK ready <1896.697170952@dbc.mtview.ca.us>";
    assert_int_equal(p3_apop_timestamp(g2, sizeof g2 - 1, &start, &len), 1);
    assert_memory_equal(g2 + start, "<1896.697170952@dbc.mtview.ca.us>", len);

    /* a bad candidate before a good one */
    static const char g3[] = "+OK <junk <a@b> trailing";
    assert_int_equal(p3_apop_timestamp(g3, sizeof g3 - 1, &start, &len), 1);
    assert_int_equal(start, 10);
    assert_int_equal(len, 5);

    static const char *const none[] = {
        "+OK ready",         "+OK ready <>",          "+OK ready <abc>",
        "+OK ready <a@b",    "+OK ready <1.2@host",   "+OK <a b@c>",
        "+OK <a@b\t>",       "+OK <<>>",              "",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        start = len = 77;
        assert_int_equal(p3_apop_timestamp(none[i], strlen(none[i]), &start, &len), 0);
        assert_int_equal(start, 77); /* untouched */
        assert_int_equal(len, 77);
    }
    /* the length bounds the search: a timestamp past it is not seen */
    assert_int_equal(p3_apop_timestamp(g2, sizeof g2 - 2, &start, &len), 0);
}

static void test_capa_bits(void **state)
{
    (void)state;
#define BITS(lit) p3_capa_bits(lit, sizeof(lit) - 1)
    assert_int_equal(BITS("SASL PLAIN LOGIN"), P3_CAPA_SASL | P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN);
    assert_int_equal(BITS("sasl ntlm"), P3_CAPA_SASL | P3_CAPA_SASL_NTLM);
    assert_int_equal(BITS("SASL\tCRAM-MD5  PLAIN"), P3_CAPA_SASL | P3_CAPA_SASL_PLAIN);
    assert_int_equal(BITS("SASL"), P3_CAPA_SASL);
    assert_int_equal(BITS("SASL PLAINX LOGINS"), P3_CAPA_SASL);
    assert_int_equal(BITS("STLS"), P3_CAPA_STLS);
    assert_int_equal(BITS("stls"), P3_CAPA_STLS);
    assert_int_equal(BITS("USER"), P3_CAPA_USER);
    assert_int_equal(BITS("APOP"), P3_CAPA_APOP);
    assert_int_equal(BITS("IMPLEMENTATION Cyrus"), P3_CAPA_IMPLEMENTATION);
    assert_int_equal(BITS("IMPLEMENTATION USER STLS"), P3_CAPA_IMPLEMENTATION);
    assert_int_equal(BITS("STLSX"), 0);
    assert_int_equal(BITS("USERS"), 0);
    assert_int_equal(BITS("X-PLAIN"), 0);
    assert_int_equal(BITS("TOP"), 0);
    assert_int_equal(BITS(""), 0);
    assert_int_equal(p3_capa_bits("STLS trailing", 4), P3_CAPA_STLS);
#undef BITS
    assert_int_equal(p3_word_len("SASL PLAIN", 10), 4);
    assert_int_equal(p3_word_len("SASL\tPLAIN", 10), 4);
    assert_int_equal(p3_word_len("TOP", 3), 3);
    assert_int_equal(p3_word_len(" x", 2), 0);
    assert_int_equal(p3_word_len("", 0), 0);
}

static void test_reply_status(void **state)
{
    (void)state;
#define ST(lit) p3_reply_status(lit, sizeof(lit) - 1)
    assert_int_equal(ST("+OK"), P3_ST_OK);
    assert_int_equal(ST("+OK "), P3_ST_OK);
    assert_int_equal(ST("+OK 2 320"), P3_ST_OK);
    assert_int_equal(ST("+ok"), P3_ST_OK);
    assert_int_equal(ST("+OKAY"), P3_ST_OTHER);
    assert_int_equal(ST("+OK."), P3_ST_OTHER);
    assert_int_equal(ST("-ERR"), P3_ST_ERR);
    assert_int_equal(ST("-ERR [AUTH] x"), P3_ST_ERR);
    assert_int_equal(ST("-ERR[AUTH] x"), P3_ST_ERR);
    assert_int_equal(ST("-ERROR"), P3_ST_OTHER);
    assert_int_equal(ST(""), P3_ST_OTHER);
    assert_int_equal(ST("+"), P3_ST_OTHER);
    assert_int_equal(ST("+ "), P3_ST_OTHER);
    assert_int_equal(ST(" +OK"), P3_ST_OTHER);
    assert_int_equal(ST("220 ok"), P3_ST_OTHER);
#undef ST
    assert_int_equal(p3_reply_status("+OK there", 2), P3_ST_OTHER); /* the length bounds it */
    assert_string_equal(p3_status_name(P3_ST_OK), "ok");
    assert_string_equal(p3_status_name(P3_ST_ERR), "err");
    assert_string_equal(p3_status_name(P3_ST_OTHER), "other");
    assert_string_equal(p3_status_name(P3_ST_NONE), "none");
}

/* ---- keeping replies in step (issue 19) --------------------------------------------------- */

#define CAPA_STLS "+OK\r\nSTLS\r\nUSER\r\n.\r\n"

/* The events of type t, from index from on. */
static size_t find_event(const struct drv *d, size_t from, enum p3_event_type t)
{
    for (size_t i = from; i < d->nev; i++)
        if (d->ev[i].type == t)
            return i;
    return (size_t)-1;
}

/* Rule 1: a line that was already received when the command went out is not its answer. */
static void test_stale_line_is_unsolicited(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    d->mark_stale = 1;
    PUSH(d, "+OK hello\r\n+OK extra line\r\n");
    assert_int_equal(d->nev, 2);
    assert_send(&d->ev[0], P3_NEXT_SEND, "CAPA\r\n");
    assert_int_equal(d->ev[1].type, P3_EV_UNSOLICITED);
    assert_int_equal(d->ev[1].cmd, P3_CMD_NONE); /* it came after the greeting, before CAPA */
    assert_int_equal(d->ev[1].status, P3_ST_OK);
    assert_text(&d->ev[1], "+OK extra line");
    assert_send(&d->ev[1], P3_NEXT_READ, NULL);
    assert_int_equal(p3_session_awaiting(&d->s), 1); /* still waiting for CAPA's answer */
    PUSH(d, "-ERR no CAPA\r\n");
    assert_int_equal(d->ev[2].type, P3_EV_REPLY);
    assert_int_equal(d->ev[2].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[2].status, P3_ST_ERR);
    drv_free(d);
}

/* A stale line still incomplete when the command went out stays stale when its end arrives;
 * the count goes down byte by byte, so the next line is an answer again. */
static void test_stale_partial_line(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    d->mark_stale = 1;
    PUSH(d, "+OK hello\r\n+OK ext");
    assert_int_equal(d->nev, 1);
    PUSH(d, "ra\r\n+OK\r\n.\r\n");
    assert_int_equal(d->ev[1].type, P3_EV_UNSOLICITED);
    assert_text(&d->ev[1], "+OK extra");
    assert_int_equal(d->ev[2].type, P3_EV_REPLY);
    assert_int_equal(d->ev[2].cmd, P3_CMD_CAPA);
    assert_int_equal(d->ev[3].type, P3_EV_CAPA_END);
    assert_send(&d->ev[3], P3_NEXT_SEND, USER_CMD);
    drv_free(d);
}

/* CPython's test server: USER answered twice, "-ERR no such user" then "+OK password
 * required". In one segment the second line is already there when the settle starts; in two it
 * comes during the settle. Either way it is unsolicited and STLS gets its own answer. */
static void test_double_answer_to_user(void **state)
{
    (void)state;
    for (int split = 0; split < 2; split++) {
        struct drv *d = drv_new(OPTS, PROBE);
        d->mark_stale = 1;
        d->auto_settle = 0;
        PUSH(d, "+OK dummy pop3 server ready. <timestamp>\r\n");
        PUSH(d, CAPA_STLS);
        if (split) {
            PUSH(d, "-ERR no such user\r\n");
            assert_true(d->settling);
            PUSH(d, "+OK password required\r\n");
        } else {
            PUSH(d, "-ERR no such user\r\n+OK password required\r\n");
        }
        size_t u = find_event(d, 0, P3_EV_REPLY);
        u = find_event(d, u + 1, P3_EV_REPLY); /* the first is CAPA's */
        assert_int_equal(d->ev[u].cmd, P3_CMD_USER);
        assert_int_equal(d->ev[u].status, P3_ST_ERR);
        assert_send(&d->ev[u], P3_NEXT_SETTLE, NULL);
        assert_int_equal(d->ev[u + 1].type, P3_EV_UNSOLICITED);
        assert_int_equal(d->ev[u + 1].cmd, P3_CMD_USER);
        assert_text(&d->ev[u + 1], "+OK password required");
        assert_int_equal(p3_session_awaiting(&d->s), 0);
        assert_int_equal(d->s.user_status, P3_ST_ERR);
        drv_settle(d);
        assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, "STLS\r\n");
        PUSH(d, "+OK Begin TLS negotiation\r\n");
        assert_int_equal(d->ev[d->nev - 1].cmd, P3_CMD_STLS);
        assert_send(&d->ev[d->nev - 1], P3_NEXT_STARTTLS, NULL);
        assert_int_equal(d->settles, 1);
        drv_free(d);
    }
}

/* The settle step costs time, so it comes only where a reply matters: before STLS, and after a
 * USER probe the server accepted (pop3-plaintext-login rests on it). */
static void test_settle_only_when_needed(void **state)
{
    (void)state;
    struct {
        unsigned opts;
        const char *capa, *user;
        unsigned settles;
        const char *next; /* the command after the last answer */
    } cases[] = {
        {OPTS, "+OK\r\nUSER\r\n.\r\n", "-ERR no\r\n", 0, "QUIT\r\n"},
        {OPTS, "+OK\r\nUSER\r\n.\r\n", "+OK\r\n", 1, "QUIT\r\n"},
        {OPTS, CAPA_STLS, "-ERR no\r\n", 1, "STLS\r\n"},
        {P3_OPT_STLS, CAPA_STLS, NULL, 1, "STLS\r\n"},
        {OPTS | P3_OPT_NTLM, "+OK\r\nUSER\r\n.\r\n", "+OK\r\n", 1, "AUTH NTLM\r\n"},
        {OPTS | P3_OPT_NTLM, "+OK\r\nUSER\r\n.\r\n", "-ERR\r\n", 0, "AUTH NTLM\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct drv *d = drv_new(cases[i].opts, PROBE);
        d->auto_settle = 0;
        PUSH(d, "+OK\r\n");
        drv_push(d, cases[i].capa, strlen(cases[i].capa));
        if (cases[i].user)
            drv_push(d, cases[i].user, strlen(cases[i].user));
        assert_int_equal(d->settles, cases[i].settles);
        if (d->settling)
            drv_settle(d);
        assert_send(&d->ev[d->nev - 1], P3_NEXT_SEND, cases[i].next);
        drv_free(d);
    }
}

/* Rule 4: an extra greeting line that crossed our CAPA is taken as CAPA's status; the real
 * status line, where the list should start, puts the dialogue back in step. */
static void test_status_line_resyncs_capa(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK hello\r\n+OK extra\r\n+OK Capability list follows\r\nSTLS\r\nUSER\r\n.\r\n");
    assert_int_equal(d->ev[1].type, P3_EV_REPLY);
    assert_text(&d->ev[1], "+OK extra");
    assert_false(d->ev[1].resync);
    assert_int_equal(d->ev[2].type, P3_EV_REPLY);
    assert_int_equal(d->ev[2].cmd, P3_CMD_CAPA);
    assert_true(d->ev[2].resync);
    assert_text(&d->ev[2], "+OK Capability list follows");
    assert_int_equal(d->ev[3].type, P3_EV_CAPA_ITEM);
    assert_int_equal(d->ev[4].type, P3_EV_CAPA_ITEM);
    assert_int_equal(d->ev[5].type, P3_EV_CAPA_END);
    assert_int_equal(d->s.capa_bits, P3_CAPA_STLS | P3_CAPA_USER);
    drv_free(d);

    /* the real answer was -ERR: CAPA is refused, the dialogue goes on to USER */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK hello\r\n+OK extra\r\n-ERR no CAPA\r\n");
    assert_int_equal(d->ev[2].type, P3_EV_REPLY);
    assert_true(d->ev[2].resync);
    assert_int_equal(d->ev[2].status, P3_ST_ERR);
    assert_send(&d->ev[2], P3_NEXT_SEND, USER_CMD);
    drv_free(d);

    /* further down a list, a status line is unsolicited and the list goes on */
    d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n+OK\r\nUSER\r\n-ERR odd\r\nSTLS\r\n.\r\n");
    assert_int_equal(d->ev[3].type, P3_EV_UNSOLICITED);
    assert_int_equal(d->ev[3].cmd, P3_CMD_CAPA);
    assert_text(&d->ev[3], "-ERR odd");
    assert_int_equal(d->ev[4].type, P3_EV_CAPA_ITEM);
    assert_int_equal(d->ev[5].type, P3_EV_CAPA_END);
    assert_int_equal(d->s.capa_bits, P3_CAPA_STLS | P3_CAPA_USER);
    drv_free(d);
}

/* Rule 3: lines past the reply awaited are consumed and reported, during the handshake and
 * after the last answer. */
static void test_lines_past_the_reply(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    PUSH(d, "+OK\r\n" CAPA_STLS "-ERR\r\n+OK go\r\n");
    assert_true(d->starttls);
    assert_int_equal(p3_session_awaiting(&d->s), 0);
    struct p3_event ev;
    assert_int_equal(p3_session_feed(&d->s, "-ERR late\r\n+OK", 15, &ev), 11);
    assert_int_equal(ev.type, P3_EV_UNSOLICITED);
    assert_int_equal(ev.cmd, P3_CMD_STLS);
    assert_false(ev.tls);
    assert_int_equal(ev.next, P3_NEXT_READ);
    assert_int_equal(p3_session_feed(&d->s, "+OK", 3, &ev), 0); /* no line yet */
    assert_int_equal(ev.type, P3_EV_NONE);
    drv_tls(d);
    PUSH(d, "+OK\r\nUSER\r\n.\r\n+OK bye\r\n");
    assert_true(d->finished);
    assert_int_equal(p3_session_feed(&d->s, "+OK again\r\n", 11, &ev), 11);
    assert_int_equal(ev.type, P3_EV_UNSOLICITED);
    assert_int_equal(ev.cmd, P3_CMD_QUIT);
    assert_true(ev.tls);
    drv_free(d);
}

static void test_awaiting(void **state)
{
    (void)state;
    struct drv *d = drv_new(OPTS, PROBE);
    d->auto_settle = 0;
    assert_int_equal(p3_session_awaiting(&d->s), 0); /* the greeting is no reply */
    PUSH(d, "+OK\r\n");
    assert_int_equal(p3_session_awaiting(&d->s), 1);
    PUSH(d, "+OK\r\nSTLS\r\n");
    assert_int_equal(p3_session_awaiting(&d->s), 1); /* inside the list */
    PUSH(d, ".\r\n-ERR\r\n");
    assert_true(d->settling);
    assert_int_equal(p3_session_awaiting(&d->s), 0);
    drv_settle(d);
    assert_int_equal(p3_session_awaiting(&d->s), 1);
    /* settled twice: nothing more happens */
    struct p3_event ev;
    p3_session_settled(&d->s, &ev);
    assert_int_equal(ev.next, P3_NEXT_READ);
    assert_null(ev.send);
    drv_free(d);
}

static void test_cleartext_line(void **state)
{
    (void)state;
    size_t n = 0;
#define CL(lit) p3_cleartext_line(lit, sizeof(lit) - 1, &n)
    assert_int_equal(CL("+OK Begin TLS\r\n\x16\x03\x03"), 1);
    assert_int_equal(n, 15);
    assert_int_equal(CL("-ERR x\n"), 1);
    assert_int_equal(n, 7);
    assert_int_equal(CL("\r\n"), 1);
    assert_int_equal(n, 2);
    assert_int_equal(CL("\n"), 1);
    assert_int_equal(n, 1);
    assert_int_equal(CL("\r"), 0);
    assert_int_equal(CL("+OK Beg"), 0);
    assert_int_equal(CL(""), 0);
    assert_int_equal(CL("\x16\x03\x03\x00\x7a"), -1); /* a handshake record */
    assert_int_equal(CL("\x15\x03\x01\x00\x02"), -1); /* an alert */
    assert_int_equal(CL("\x80\x2e\x02"), -1);         /* an SSLv2 header */
    assert_int_equal(CL("\rX"), -1);
#undef CL
    char *x = repeat('x', P3_LINE_MAX + 2);
    assert_int_equal(p3_cleartext_line(x, P3_LINE_MAX + 1, &n), 0);
    assert_int_equal(p3_cleartext_line(x, P3_LINE_MAX + 2, &n), -1); /* too long for a line */
    free(x);
}

static enum p3_inject_verdict inject_verdict(const char *const *lines)
{
    struct p3_inject st;
    p3_inject_init(&st);
    for (size_t i = 0; lines[i]; i++)
        p3_inject_line(&st, lines[i], strlen(lines[i]));
    return p3_inject_verdict(&st);
}

static void test_inject_verdict(void **state)
{
    (void)state;
    const char *quit_only[] = {"+OK bye", NULL};
    const char *quit_err[] = {"-ERR no", NULL};
    const char *capa_then_quit[] = {"+OK Capability list follows", "TOP", "UIDL", ".",
                                    "+OK bye", NULL};
    const char *empty_list[] = {"+OK", ".", "+OK bye", NULL};
    const char *list_then_close[] = {"+OK caps", "TOP", ".", NULL};
    const char *nothing[] = {NULL};
    const char *two_replies[] = {"-ERR CAPA not allowed", "+OK bye", NULL};
    const char *cut_list[] = {"+OK caps", "TOP", NULL};
    const char *noise[] = {"hello", "+OK bye", NULL};
    const char *stray_dot[] = {".", "+OK bye", NULL};
    assert_int_equal(inject_verdict(quit_only), P3_INJ_NOT_VULNERABLE);
    assert_int_equal(inject_verdict(quit_err), P3_INJ_NOT_VULNERABLE);
    assert_int_equal(inject_verdict(capa_then_quit), P3_INJ_VULNERABLE);
    assert_int_equal(inject_verdict(empty_list), P3_INJ_VULNERABLE);
    assert_int_equal(inject_verdict(list_then_close), P3_INJ_VULNERABLE);
    assert_int_equal(inject_verdict(nothing), P3_INJ_INCONCLUSIVE);
    assert_int_equal(inject_verdict(two_replies), P3_INJ_INCONCLUSIVE);
    assert_int_equal(inject_verdict(cut_list), P3_INJ_INCONCLUSIVE);
    assert_int_equal(inject_verdict(noise), P3_INJ_INCONCLUSIVE);
    assert_int_equal(inject_verdict(stray_dot), P3_INJ_INCONCLUSIVE);
    assert_string_equal(p3_inject_verdict_name(P3_INJ_VULNERABLE), "vulnerable");
    assert_string_equal(p3_inject_verdict_name(P3_INJ_NOT_VULNERABLE), "not-vulnerable");
    assert_string_equal(p3_inject_verdict_name(P3_INJ_INCONCLUSIVE), "inconclusive");
    assert_string_equal(P3_STLS_INJECT, "STLS\r\nCAPA\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greeting_byte_by_byte),
        cmocka_unit_test(test_stale_line_is_unsolicited),
        cmocka_unit_test(test_stale_partial_line),
        cmocka_unit_test(test_double_answer_to_user),
        cmocka_unit_test(test_settle_only_when_needed),
        cmocka_unit_test(test_status_line_resyncs_capa),
        cmocka_unit_test(test_lines_past_the_reply),
        cmocka_unit_test(test_awaiting),
        cmocka_unit_test(test_cleartext_line),
        cmocka_unit_test(test_inject_verdict),
        cmocka_unit_test(test_capa_terminator_split_everywhere),
        cmocka_unit_test(test_transcripts_split_everywhere),
        cmocka_unit_test(test_bare_lf),
        cmocka_unit_test(test_dot_stuffing),
        cmocka_unit_test(test_overlong_line_with_lf),
        cmocka_unit_test(test_overlong_line_without_lf),
        cmocka_unit_test(test_line_of_max_length),
        cmocka_unit_test(test_err_greeting),
        cmocka_unit_test(test_foreign_services),
        cmocka_unit_test(test_tls_record_greeting),
        cmocka_unit_test(test_capa_err),
        cmocka_unit_test(test_capa_not_pop3_shaped),
        cmocka_unit_test(test_empty_capa),
        cmocka_unit_test(test_dovecot_dialogue),
        cmocka_unit_test(test_stls_refused),
        cmocka_unit_test(test_stls_asked_again_after_accepted_user),
        cmocka_unit_test(test_stls_reply_overlong),
        cmocka_unit_test(test_implicit_tls),
        cmocka_unit_test(test_no_stls_when_not_advertised),
        cmocka_unit_test(test_user_probe_name),
        cmocka_unit_test(test_eof),
        cmocka_unit_test(test_capa_overflow_lines),
        cmocka_unit_test(test_capa_overflow_bytes),
        cmocka_unit_test(test_hostile_replies_never_lead_to_credentials),
        cmocka_unit_test(test_ntlm_exchange),
        cmocka_unit_test(test_ntlm_after_stls_is_under_tls),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_negotiate_matches_ntlm_module),
        cmocka_unit_test(test_apop_timestamp),
        cmocka_unit_test(test_capa_bits),
        cmocka_unit_test(test_reply_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
