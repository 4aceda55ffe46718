/* pop3.c — the pure POP3 protocol core: framing, classification and the scanner's dialogue.
 *
 * See pop3.h. Everything here is a function of its arguments and the small session struct, so
 * every edge case (split lines, bare LF, dot-stuffing, over-long lines, foreign services) is a
 * unit test in tests/unit/test_pop3.c and a fuzz target.
 */
#include "pop3.h"

#include <string.h>

enum step {
    STEP_GREETING = 0,
    STEP_CAPA_STATUS, /* waiting for the first line of the CAPA answer */
    STEP_CAPA_LIST,   /* inside the multi-line CAPA answer */
    STEP_USER,
    STEP_STLS,
    STEP_TLS_WAIT, /* the engine is doing the TLS handshake */
    STEP_NTLM_AUTH,      /* AUTH NTLM sent */
    STEP_NTLM_NEGOTIATE, /* NEGOTIATE sent, the CHALLENGE expected */
    STEP_NTLM_CANCEL,    /* "*" sent */
    STEP_QUIT,
    STEP_DONE,
    STEP_SETTLE /* waiting a short while before the next command (settle_next) */
};

static const char CMD_CAPA[] = "CAPA\r\n";
static const char CMD_STLS[] = "STLS\r\n";
static const char CMD_QUIT[] = "QUIT\r\n";
static const char CMD_AUTH_NTLM[] = "AUTH NTLM\r\n";
static const char CMD_NTLM_NEGOTIATE[] = P3_NTLM_NEGOTIATE_B64 "\r\n";
static const char CMD_CANCEL[] = "*\r\n";

/* ---- line framing ---------------------------------------------------------------------- */

size_t p3_read_line(struct p3_reader *r, const char *buf, size_t len, struct p3_line *line,
                    int *have_line)
{
    *have_line = 0;
    const char *lf = memchr(buf, '\n', len);
    if (r->discarding) {
        if (!lf)
            return len;
        r->discarding = 0;
        return (size_t)(lf - buf) + 1;
    }
    if (!lf) {
        /* A line of exactly P3_LINE_MAX whose CR is in but whose LF is not yet is not long. */
        if (len <= P3_LINE_MAX || (len == P3_LINE_MAX + 1 && buf[P3_LINE_MAX] == '\r'))
            return 0;
        line->text = buf;
        line->len = P3_LINE_MAX;
        line->truncated = 1;
        *have_line = 1;
        r->discarding = 1;
        return P3_LINE_MAX;
    }
    size_t n = (size_t)(lf - buf);
    size_t consumed = n + 1;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    line->text = buf;
    line->truncated = n > P3_LINE_MAX;
    line->len = line->truncated ? P3_LINE_MAX : n;
    *have_line = 1;
    return consumed;
}

/* ---- classification -------------------------------------------------------------------- */

static int has_prefix_ci(const char *text, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = text[i], b = prefix[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 32);
        if (a != b)
            return 0;
    }
    return 1;
}

static int contains_ci(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (has_prefix_ci(text + i, len - i, needle))
            return 1;
    return 0;
}

/* "+OK" or "-ERR" followed by the end of the line or a separator: "+OKAY" is not POP3. */
static int has_status_word(const char *text, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (!has_prefix_ci(text, len, word))
        return 0;
    return len == n || text[n] == ' ' || text[n] == '\t' || text[n] == '\r' || text[n] == '[';
}

static int looks_binary(const char *text, size_t len)
{
    size_t odd = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            odd++;
    }
    return len > 0 && odd * 4 >= len;
}

enum p3_service p3_classify_greeting(const char *text, size_t len)
{
    if (len == 0)
        return P3_SVC_EMPTY;
    if (len >= 2 && (text[0] == 0x16 || text[0] == 0x15) && text[1] == 0x03)
        return P3_SVC_TLS;
    if (has_status_word(text, len, "+OK"))
        return P3_SVC_POP3;
    if (has_status_word(text, len, "-ERR"))
        return P3_SVC_POP3_ERR;
    if (has_prefix_ci(text, len, "220") || has_prefix_ci(text, len, "421") ||
        has_prefix_ci(text, len, "554")) /* "220 ftp.example.com ESMTP" is SMTP */
        return contains_ci(text, len, "FTP") && !contains_ci(text, len, "SMTP") ? P3_SVC_FTP
                                                                                : P3_SVC_SMTP;
    if (has_prefix_ci(text, len, "* OK") || has_prefix_ci(text, len, "* PREAUTH") ||
        has_prefix_ci(text, len, "* BYE"))
        return P3_SVC_IMAP;
    if (has_prefix_ci(text, len, "HTTP/"))
        return P3_SVC_HTTP;
    if (has_prefix_ci(text, len, "SSH-"))
        return P3_SVC_SSH;
    if (looks_binary(text, len))
        return P3_SVC_BINARY;
    return P3_SVC_UNKNOWN;
}

const char *p3_service_name(enum p3_service svc)
{
    static const char *const names[] = {
        [P3_SVC_UNKNOWN] = "unknown", [P3_SVC_POP3] = "pop3",  [P3_SVC_POP3_ERR] = "pop3",
        [P3_SVC_SMTP] = "smtp",       [P3_SVC_FTP] = "ftp",    [P3_SVC_IMAP] = "imap",
        [P3_SVC_HTTP] = "http",       [P3_SVC_SSH] = "ssh",    [P3_SVC_TLS] = "tls",
        [P3_SVC_BINARY] = "binary",   [P3_SVC_EMPTY] = "empty"};
    if ((unsigned)svc >= sizeof names / sizeof names[0])
        return "unknown";
    return names[svc];
}

enum p3_status p3_reply_status(const char *text, size_t len)
{
    if (has_status_word(text, len, "+OK"))
        return P3_ST_OK;
    if (has_status_word(text, len, "-ERR"))
        return P3_ST_ERR;
    return P3_ST_OTHER;
}

const char *p3_status_name(enum p3_status st)
{
    switch (st) {
    case P3_ST_OK:
        return "ok";
    case P3_ST_ERR:
        return "err";
    case P3_ST_OTHER:
        return "other";
    default:
        return "none";
    }
}

size_t p3_reply_text(const char *text, size_t len)
{
    size_t skip = has_status_word(text, len, "+OK")    ? 3
                  : has_status_word(text, len, "-ERR") ? 4
                                                       : 0;
    if (skip && skip < len && (text[skip] == ' ' || text[skip] == '\t'))
        skip++;
    return skip;
}

int p3_capa_argument(const char *text, size_t len, const char *kw, size_t *at)
{
    size_t n = p3_word_len(text, len);
    if (n != strlen(kw) || !has_prefix_ci(text, n, kw))
        return 0;
    while (n < len && (text[n] == ' ' || text[n] == '\t'))
        n++;
    if (n == len)
        return 0;
    *at = n;
    return 1;
}

int p3_apop_timestamp(const char *text, size_t len, size_t *start, size_t *tlen)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '<')
            continue;
        int at = 0;
        for (size_t j = i + 1; j < len; j++) {
            char c = text[j];
            if (c == '@')
                at = 1;
            else if (c == '<' || c == ' ' || c == '\t')
                break;
            else if (c == '>') {
                if (!at || j == i + 1)
                    break;
                *start = i;
                *tlen = j - i + 1;
                return 1;
            }
        }
    }
    return 0;
}

size_t p3_word_len(const char *text, size_t len)
{
    size_t n = 0;
    while (n < len && text[n] != ' ' && text[n] != '\t')
        n++;
    return n;
}

static int word_is(const char *w, size_t n, const char *kw)
{
    return n == strlen(kw) && has_prefix_ci(w, n, kw);
}

unsigned p3_capa_bits(const char *text, size_t len)
{
    size_t n = p3_word_len(text, len);
    if (word_is(text, n, "STLS"))
        return P3_CAPA_STLS;
    if (word_is(text, n, "USER"))
        return P3_CAPA_USER;
    if (word_is(text, n, "APOP"))
        return P3_CAPA_APOP;
    if (word_is(text, n, "IMPLEMENTATION"))
        return P3_CAPA_IMPLEMENTATION;
    if (!word_is(text, n, "SASL"))
        return 0;
    unsigned bits = P3_CAPA_SASL;
    for (size_t i = n; i < len;) {
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        size_t m = p3_word_len(text + i, len - i);
        if (word_is(text + i, m, "PLAIN"))
            bits |= P3_CAPA_SASL_PLAIN;
        else if (word_is(text + i, m, "LOGIN"))
            bits |= P3_CAPA_SASL_LOGIN;
        else if (word_is(text + i, m, "NTLM"))
            bits |= P3_CAPA_SASL_NTLM;
        i += m;
    }
    return bits;
}

/* ---- the dialogue ---------------------------------------------------------------------- */

void p3_session_init(struct p3_session *s, unsigned opts, const char *probe_user)
{
    memset(s, 0, sizeof *s);
    s->opts = (uint8_t)opts;
    s->tls = (opts & P3_OPT_IMPLICIT_TLS) != 0;
    s->step = STEP_GREETING;
    size_t n = 0;
    memcpy(s->user_cmd, "USER ", 5);
    n = 5;
    for (const char *p = probe_user ? probe_user : ""; *p && n < 5 + 32; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.')
            s->user_cmd[n++] = c;
    }
    if (n == 5)
        s->opts &= (uint8_t)~P3_OPT_USER_PROBE;
    s->user_cmd[n++] = '\r';
    s->user_cmd[n++] = '\n';
    s->user_cmd_len = (uint8_t)n;
}

/* Asks the caller to send cmd (P3_CMD_NONE: nothing) and then do `next`. The event names the
 * command as well as its bytes, so the caller never reads the bytes back to know it. */
static void set_send(struct p3_session *s, struct p3_event *ev, enum p3_next next,
                     enum p3_cmd cmd)
{
    static const struct {
        const char *text;
        size_t len;
    } fixed[] = {
        [P3_CMD_NONE] = {NULL, 0},
        [P3_CMD_CAPA] = {CMD_CAPA, sizeof CMD_CAPA - 1},
        [P3_CMD_STLS] = {CMD_STLS, sizeof CMD_STLS - 1},
        [P3_CMD_QUIT] = {CMD_QUIT, sizeof CMD_QUIT - 1},
        [P3_CMD_AUTH_NTLM] = {CMD_AUTH_NTLM, sizeof CMD_AUTH_NTLM - 1},
        [P3_CMD_NTLM_NEGOTIATE] = {CMD_NTLM_NEGOTIATE, sizeof CMD_NTLM_NEGOTIATE - 1},
        [P3_CMD_NTLM_CANCEL] = {CMD_CANCEL, sizeof CMD_CANCEL - 1},
    };
    ev->next = next;
    ev->send_cmd = cmd;
    if (cmd != P3_CMD_NONE) {
        s->prev_cmd = s->last_cmd;
        s->last_cmd = (uint8_t)cmd;
    }
    if (cmd == P3_CMD_USER) {
        ev->send = s->user_cmd;
        ev->send_len = s->user_cmd_len;
    } else {
        ev->send = fixed[cmd].text;
        ev->send_len = fixed[cmd].len;
    }
}

static void send_quit(struct p3_session *s, struct p3_event *ev)
{
    s->step = STEP_QUIT;
    set_send(s, ev, P3_NEXT_SEND, P3_CMD_QUIT);
}

/* A line no command awaits: consumed and reported, the dialogue stays where it is. A stale line
 * came before the last command went out, so after the one before it. */
static void unsolicited(const struct p3_session *s, struct p3_event *ev, int stale)
{
    ev->type = P3_EV_UNSOLICITED;
    ev->cmd = (enum p3_cmd)(stale ? s->prev_cmd : s->last_cmd);
    ev->status = p3_reply_status(ev->line.text, ev->line.len);
    ev->next = P3_NEXT_READ;
}

/* Ends the dialogue at once, with a QUIT for politeness when the peer speaks POP3. */
static void finish(struct p3_session *s, struct p3_event *ev, int quit)
{
    s->step = STEP_DONE;
    if (quit)
        set_send(s, ev, P3_NEXT_FINISH, P3_CMD_QUIT);
    else
        set_send(s, ev, P3_NEXT_FINISH, P3_CMD_NONE);
}

int p3_continuation(const char *text, size_t len, size_t *payload)
{
    if (len == 0 || text[0] != '+' || (len > 1 && text[1] != ' '))
        return 0;
    *payload = len > 1 ? 2 : 1;
    return 1;
}

static uint8_t step_of(enum p3_cmd cmd)
{
    switch (cmd) {
    case P3_CMD_CAPA:
        return STEP_CAPA_STATUS;
    case P3_CMD_USER:
        return STEP_USER;
    case P3_CMD_STLS:
        return STEP_STLS;
    case P3_CMD_AUTH_NTLM:
        return STEP_NTLM_AUTH;
    case P3_CMD_NTLM_NEGOTIATE:
        return STEP_NTLM_NEGOTIATE;
    case P3_CMD_NTLM_CANCEL:
        return STEP_NTLM_CANCEL;
    default:
        return STEP_QUIT;
    }
}

/* Sends cmd now, or first settles (rule 2 of pop3.h) when a stray or late line could be taken
 * for its answer (STLS) or could have been taken for the answer just read (an accepted USER). */
static void next_command(struct p3_session *s, struct p3_event *ev, enum p3_cmd cmd, int settle)
{
    if (settle) {
        s->step = STEP_SETTLE;
        s->settle_next = (uint8_t)cmd;
        set_send(s, ev, P3_NEXT_SETTLE, P3_CMD_NONE);
        return;
    }
    s->step = step_of(cmd);
    set_send(s, ev, P3_NEXT_SEND, cmd);
}

/* After a CAPA answer (or its refusal): USER probe, then STLS, then NTLM, then QUIT. NTLM waits
 * for the final connection, so that after STLS it is asked under TLS, as a client would. */
static void after_capa(struct p3_session *s, struct p3_event *ev)
{
    int user_accepted = ev->cmd == P3_CMD_USER && ev->status == P3_ST_OK;
    if (!s->tls && (s->opts & P3_OPT_USER_PROBE) && s->user_status == P3_ST_NONE) {
        next_command(s, ev, P3_CMD_USER, 0);
        return;
    }
    if (!s->tls && (s->opts & P3_OPT_STLS) && (s->capa_bits & P3_CAPA_STLS) &&
        s->stls_status == P3_ST_NONE) {
        next_command(s, ev, P3_CMD_STLS, 1);
        return;
    }
    if ((s->opts & P3_OPT_NTLM) && !s->ntlm_tried) {
        s->ntlm_tried = 1;
        next_command(s, ev, P3_CMD_AUTH_NTLM, user_accepted);
        return;
    }
    next_command(s, ev, P3_CMD_QUIT, user_accepted);
}

/* The answers of the NTLM exchange: a continuation goes on, anything else ends it with QUIT.
 * The CHALLENGE itself is the line of the P3_CMD_NTLM_NEGOTIATE reply; the engine decodes it. */
static void on_ntlm_reply(struct p3_session *s, struct p3_event *ev, enum p3_cmd cmd)
{
    size_t at;
    ev->type = P3_EV_REPLY;
    ev->cmd = cmd;
    int more = p3_continuation(ev->line.text, ev->line.len, &at);
    ev->status = more ? P3_ST_OTHER : p3_reply_status(ev->line.text, ev->line.len);
    ev->continuation = more;
    ev->payload = more ? at : 0;
    if (cmd == P3_CMD_AUTH_NTLM && more) {
        s->step = STEP_NTLM_NEGOTIATE;
        set_send(s, ev, P3_NEXT_SEND, P3_CMD_NTLM_NEGOTIATE);
    } else if (cmd == P3_CMD_NTLM_NEGOTIATE && more) {
        s->step = STEP_NTLM_CANCEL;
        set_send(s, ev, P3_NEXT_SEND, P3_CMD_NTLM_CANCEL);
    } else {
        send_quit(s, ev);
    }
}

static void on_greeting(struct p3_session *s, struct p3_event *ev)
{
    ev->type = P3_EV_GREETING;
    ev->service = p3_classify_greeting(ev->line.text, ev->line.len);
    s->service = (uint8_t)ev->service;
    if (ev->service == P3_SVC_POP3) {
        s->step = STEP_CAPA_STATUS;
        set_send(s, ev, P3_NEXT_SEND, P3_CMD_CAPA);
    } else {
        finish(s, ev, ev->service == P3_SVC_POP3_ERR);
    }
}

static void on_capa_status(struct p3_session *s, struct p3_event *ev)
{
    ev->type = P3_EV_REPLY;
    ev->cmd = P3_CMD_CAPA;
    ev->status = p3_reply_status(ev->line.text, ev->line.len);
    if (ev->status == P3_ST_OK) {
        s->step = STEP_CAPA_LIST;
        s->capa_lines = 0;
        s->capa_bytes = 0;
        return;
    }
    if (ev->status == P3_ST_ERR) {
        s->confirmed = 1;
        after_capa(s, ev);
        return;
    }
    finish(s, ev, 0); /* not POP3-shaped: stop talking to it */
}

static void on_capa_line(struct p3_session *s, struct p3_event *ev)
{
    const char *t = ev->line.text;
    size_t n = ev->line.len;
    if (!ev->line.truncated && n == 1 && t[0] == '.') {
        ev->type = P3_EV_CAPA_END;
        s->confirmed = 1;
        after_capa(s, ev);
        return;
    }
    if (!ev->line.truncated && p3_reply_status(t, n) != P3_ST_OTHER) { /* rule 4 of pop3.h */
        if (s->capa_lines == 0) {
            ev->resync = 1;
            on_capa_status(s, ev);
        } else {
            unsolicited(s, ev, 0);
        }
        return;
    }
    s->capa_lines++;
    s->capa_bytes += (uint32_t)n;
    if (s->capa_lines > P3_CAPA_MAX_LINES || s->capa_bytes > P3_MULTILINE_MAX) {
        /* The rest of the answer cannot be told from replies to later commands: stop. */
        ev->type = P3_EV_CAPA_END;
        ev->overflow = 1;
        s->confirmed = 1;
        finish(s, ev, 1);
        return;
    }
    if (n > 0 && t[0] == '.') { /* dot-stuffing (RFC 1939 §3) */
        ev->line.text = t + 1;
        ev->line.len = n - 1;
    }
    ev->type = P3_EV_CAPA_ITEM;
    unsigned bits = p3_capa_bits(ev->line.text, ev->line.len);
    if (s->tls)
        s->capa_tls_bits |= bits;
    else
        s->capa_bits |= bits;
}

static void on_user_reply(struct p3_session *s, struct p3_event *ev)
{
    ev->type = P3_EV_REPLY;
    ev->cmd = P3_CMD_USER;
    ev->status = p3_reply_status(ev->line.text, ev->line.len);
    s->user_status = (uint8_t)ev->status;
    after_capa(s, ev);
}

static void on_stls_reply(struct p3_session *s, struct p3_event *ev)
{
    ev->type = P3_EV_REPLY;
    ev->cmd = P3_CMD_STLS;
    ev->status = p3_reply_status(ev->line.text, ev->line.len);
    s->stls_status = (uint8_t)ev->status;
    if (ev->status == P3_ST_OK) {
        s->step = STEP_TLS_WAIT;
        set_send(s, ev, P3_NEXT_STARTTLS, P3_CMD_NONE);
        return;
    }
    /* RFC 1939 allows only PASS or QUIT after a USER that got +OK. A strict server (GNU Mailutils)
     * answers the STLS that follows the probe with -ERR, and that -ERR ends the USER state: ask
     * once more before taking STLS as refused, or a working STLS would be reported broken. */
    if (ev->status == P3_ST_ERR && s->user_status == P3_ST_OK && !s->stls_retried) {
        s->stls_retried = 1;
        set_send(s, ev, P3_NEXT_SEND, P3_CMD_STLS);
        return;
    }
    send_quit(s, ev);
}

size_t p3_session_feed(struct p3_session *s, const char *buf, size_t len, struct p3_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->tls = s->tls;
    /* A TLS record never ends in a line: say so as soon as its header is seen. */
    if (s->step == STEP_GREETING && len >= 2 && !s->rd.discarding &&
        p3_classify_greeting(buf, 2) == P3_SVC_TLS) {
        ev->line.text = buf;
        ev->line.len = len < P3_LINE_MAX ? len : P3_LINE_MAX;
        on_greeting(s, ev);
        return len;
    }
    int have = 0;
    int stale = s->stale > 0; /* the line starts in bytes received before the last command */
    size_t used = p3_read_line(&s->rd, buf, len, &ev->line, &have);
    s->stale = used >= s->stale ? 0 : s->stale - (uint32_t)used;
    if (!have)
        return used;
    if (s->step != STEP_GREETING && (stale || !p3_session_awaiting(s))) {
        unsolicited(s, ev, stale);
        return used;
    }
    switch (s->step) {
    case STEP_GREETING:
        on_greeting(s, ev);
        break;
    case STEP_CAPA_STATUS:
        on_capa_status(s, ev);
        break;
    case STEP_CAPA_LIST:
        on_capa_line(s, ev);
        break;
    case STEP_USER:
        on_user_reply(s, ev);
        break;
    case STEP_STLS:
        on_stls_reply(s, ev);
        break;
    case STEP_NTLM_AUTH:
        on_ntlm_reply(s, ev, P3_CMD_AUTH_NTLM);
        break;
    case STEP_NTLM_NEGOTIATE:
        on_ntlm_reply(s, ev, P3_CMD_NTLM_NEGOTIATE);
        break;
    case STEP_NTLM_CANCEL:
        on_ntlm_reply(s, ev, P3_CMD_NTLM_CANCEL);
        break;
    case STEP_QUIT:
        ev->type = P3_EV_REPLY;
        ev->cmd = P3_CMD_QUIT;
        ev->status = p3_reply_status(ev->line.text, ev->line.len);
        finish(s, ev, 0);
        break;
    default:
        ev->type = P3_EV_SKIPPED;
        break;
    }
    return used;
}

void p3_session_eof(struct p3_session *s, const char *buf, size_t len, struct p3_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->tls = s->tls;
    if (s->step != STEP_GREETING) {
        finish(s, ev, 0);
        return;
    }
    ev->line.text = buf;
    ev->line.len = len < P3_LINE_MAX ? len : P3_LINE_MAX;
    ev->line.truncated = len > P3_LINE_MAX;
    on_greeting(s, ev);
    finish(s, ev, 0);
}

void p3_session_tls_started(struct p3_session *s, struct p3_event *ev)
{
    memset(ev, 0, sizeof *ev);
    s->tls = 1;
    s->rd.discarding = 0;
    s->stale = 0; /* the cleartext buffer is gone */
    s->step = STEP_CAPA_STATUS;
    ev->tls = 1;
    set_send(s, ev, P3_NEXT_SEND, P3_CMD_CAPA);
}

void p3_session_sent(struct p3_session *s, size_t pending)
{
    s->stale = pending > UINT32_MAX ? UINT32_MAX : (uint32_t)pending;
}

void p3_session_settled(struct p3_session *s, struct p3_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->tls = s->tls;
    if (s->step != STEP_SETTLE) {
        set_send(s, ev, P3_NEXT_READ, P3_CMD_NONE);
        return;
    }
    next_command(s, ev, (enum p3_cmd)s->settle_next, 0);
}

int p3_session_awaiting(const struct p3_session *s)
{
    switch (s->step) {
    case STEP_CAPA_STATUS:
    case STEP_CAPA_LIST:
    case STEP_USER:
    case STEP_STLS:
    case STEP_NTLM_AUTH:
    case STEP_NTLM_NEGOTIATE:
    case STEP_NTLM_CANCEL:
    case STEP_QUIT:
        return 1;
    default:
        return 0;
    }
}

int p3_session_is_pop3(const struct p3_session *s)
{
    return s->service == P3_SVC_POP3 || s->service == P3_SVC_POP3_ERR;
}

/* ---- cleartext after STLS ---------------------------------------------------------------- */

int p3_cleartext_line(const char *buf, size_t len, size_t *n)
{
    if (len == 0)
        return 0;
    unsigned char first = (unsigned char)buf[0];
    if (first == '\r' && len == 1)
        return 0;
    if (first == '\n' || (first == '\r' && buf[1] == '\n')) { /* an empty line */
        *n = first == '\n' ? 1 : 2;
        return 1;
    }
    if (first < 0x20 || first >= 0x7f) /* a TLS content type (20-24) or an SSLv2 header */
        return -1;
    size_t cap = len < P3_LINE_MAX + 2 ? len : P3_LINE_MAX + 2;
    const char *lf = memchr(buf, '\n', cap);
    if (!lf)
        return len >= P3_LINE_MAX + 2 ? -1 : 0;
    *n = (size_t)(lf - buf) + 1;
    return 1;
}

/* ---- STLS command injection ---------------------------------------------------------------- */

void p3_inject_init(struct p3_inject *st)
{
    memset(st, 0, sizeof *st);
}

void p3_inject_line(struct p3_inject *st, const char *text, size_t len)
{
    if (len == 1 && text[0] == '.' && (st->after_ok || st->in_list)) {
        st->vulnerable = 1; /* "+OK", maybe lines, ".": an answer we never asked for */
        st->after_ok = st->in_list = 0;
        return;
    }
    enum p3_status status = p3_reply_status(text, len);
    if (status != P3_ST_OTHER) {
        st->status_lines++;
        st->after_ok = status == P3_ST_OK;
        st->in_list = 0;
        return;
    }
    if (st->after_ok || st->in_list)
        st->in_list = 1;
    else
        st->other_lines++;
}

enum p3_inject_verdict p3_inject_verdict(const struct p3_inject *st)
{
    if (st->vulnerable)
        return P3_INJ_VULNERABLE;
    if (st->status_lines == 1 && st->other_lines == 0 && !st->in_list)
        return P3_INJ_NOT_VULNERABLE;
    return P3_INJ_INCONCLUSIVE;
}

const char *p3_inject_verdict_name(enum p3_inject_verdict v)
{
    switch (v) {
    case P3_INJ_NOT_VULNERABLE:
        return "not-vulnerable";
    case P3_INJ_VULNERABLE:
        return "vulnerable";
    case P3_INJ_INCONCLUSIVE:
        return "inconclusive";
    default:
        return "unknown";
    }
}
