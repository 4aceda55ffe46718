/* pop3.h — the pure POP3 protocol core of pop3scan.
 *
 * Bytes in, decisions out: no sockets, no clock, no allocation, no global state. The I/O engine
 * (src/engine/conn.c) owns the buffer of bytes received from a server and hands it to
 * p3_session_feed(), which consumes at most one line per call and returns an event saying what the
 * line was and what the engine must do next (send a command, start TLS, finish). The engine keeps
 * what it wants from each event; the core keeps only the few bits it needs to choose the next step.
 *
 * The dialogue (PRODUCT.md, "Detection"): greeting, CAPA, on a cleartext connection USER with a
 * name that cannot exist, STLS when offered (asked twice when a server that accepted USER refuses
 * it), CAPA again under TLS, QUIT. The core never produces PASS, APOP or any credential. Every line is capped (P3_LINE_MAX) and every multi-line answer is
 * capped (P3_MULTILINE_MAX), so a hostile server cannot make the caller buffer without bound.
 *
 * Keeping replies in step (issue 19). The core sends one command at a time and awaits exactly
 * one reply to it (p3_session_awaiting()): one line, or for CAPA one multi-line answer. Servers
 * that answer twice (CPython's test server answers an unknown USER with "-ERR no such user" and
 * then "+OK password required"), add a line after a reply or after the greeting, or answer late
 * would otherwise shift every later reply by one, and a stale "+OK" would be read as the answer
 * to STLS or USER. Three rules keep them apart, none of them a guess about the contents:
 *   1. What arrived before a command was sent cannot answer it. The engine calls
 *      p3_session_sent() with the number of received bytes still unconsumed when the command
 *      went out; the core counts them down as it consumes, and every line that starts inside
 *      them is P3_EV_UNSOLICITED, never a reply. (TCP keeps order, so stale bytes always come
 *      before the answer; a line the server sent before it read our command and that was still
 *      in flight when we sent it is the one case rule 1 cannot see — rules 2 and 3 are for it.)
 *   2. Before STLS, and after a USER probe the server accepted (the reply a high finding rests
 *      on), the core settles (P3_NEXT_SETTLE): the engine waits a short while (a few round
 *      trips, src/engine/conn.c) and every line that arrives meanwhile is P3_EV_UNSOLICITED — the late
 *      second answer, or the real answer to a command whose taken reply was a stray line. Only
 *      then does p3_session_settled() send the next command. Nothing else waits, so a server
 *      that refuses USER and offers no STLS (most of a large scan) costs no time.
 *   3. Lines past the reply awaited — after +OK to STLS before the handshake (cleartext that
 *      must never be read as TLS), and after the last reply — are P3_EV_UNSOLICITED too, so the
 *      engine records them rather than dropping them.
 *   4. A status line (+OK, -ERR) where a CAPA list should start shows that the status line taken
 *      before it was stray (an extra greeting line that crossed our CAPA): it is taken as the
 *      real answer (P3_EV_REPLY with resync set; the engine records the earlier one as
 *      unsolicited). A status line further down a list is P3_EV_UNSOLICITED.
 * The engine records every unsolicited line; src/record/findings.c withholds the findings that rest on
 * a reply of a session that was out of step (pop3-plaintext-login, pop3-stls-broken) and says so.
 */
#ifndef POP3SCAN_POP3_H
#define POP3SCAN_POP3_H

#include <stddef.h>
#include <stdint.h>

/* Longest line kept, terminator excluded. RFC 2449 allows 512 octets; real servers exceed it a
 * little, hostile ones by megabytes. Longer lines are cut here and the rest is skipped. */
#define P3_LINE_MAX 1024
/* Most bytes a multi-line CAPA answer may take before the dialogue is abandoned. */
#define P3_MULTILINE_MAX (64 * 1024)
/* Most capability lines a CAPA answer may list. */
#define P3_CAPA_MAX_LINES 128

/* ---- line framing ---------------------------------------------------------------------- */

struct p3_reader {
    unsigned char discarding; /* inside an over-long line, skipping to its end */
};

struct p3_line {
    const char *text; /* points into the caller's buffer; terminator excluded */
    size_t len;
    int truncated; /* the line was longer than P3_LINE_MAX; the rest was skipped */
};

/* Frames one line of buf. Returns the number of bytes consumed (0: need more bytes). Sets
 * *have_line when line holds a line: LF ends a line, a CR before it is dropped. A line longer than
 * P3_LINE_MAX is returned cut with truncated set; its remainder is consumed by later calls. */
size_t p3_read_line(struct p3_reader *r, const char *buf, size_t len, struct p3_line *line,
                    int *have_line);

/* ---- classification -------------------------------------------------------------------- */

/* What a greeting looks like. */
enum p3_service {
    P3_SVC_UNKNOWN = 0, /* text that is none of the below */
    P3_SVC_POP3,        /* +OK */
    P3_SVC_POP3_ERR,    /* -ERR: a POP3 server refusing the session */
    P3_SVC_SMTP,        /* 220 */
    P3_SVC_FTP,         /* 220 … FTP */
    P3_SVC_IMAP,        /* * OK, * PREAUTH, * BYE */
    P3_SVC_HTTP,        /* HTTP/ */
    P3_SVC_SSH,         /* SSH- */
    P3_SVC_TLS,         /* a TLS record where cleartext was expected */
    P3_SVC_BINARY,      /* mostly non-text bytes */
    P3_SVC_EMPTY        /* the server closed without sending anything */
};

enum p3_status {
    P3_ST_NONE = 0, /* no answer (yet) */
    P3_ST_OK,       /* +OK */
    P3_ST_ERR,      /* -ERR */
    P3_ST_OTHER     /* anything else: not POP3-shaped */
};

enum p3_service p3_classify_greeting(const char *text, size_t len);
const char *p3_service_name(enum p3_service svc);
enum p3_status p3_reply_status(const char *text, size_t len);
const char *p3_status_name(enum p3_status st);

/* Where the text of a reply starts: after its status word (+OK or -ERR, any case) and the blank
 * that follows it ("+OK Dovecot ready." -> "Dovecot ready."); 0 when the line has no status
 * word. */
size_t p3_reply_text(const char *text, size_t len);

/* The argument of a capability line whose keyword is kw, any case ("IMPLEMENTATION Courier Mail
 * Server" -> "Courier Mail Server"). Returns 1 and sets *at to where it starts, or 0 when the
 * keyword differs or nothing follows it. */
int p3_capa_argument(const char *text, size_t len, const char *kw, size_t *at);

/* The APOP timestamp of a greeting (RFC 1939 §7: "<" … "@" … ">"). Returns 1 and sets *start and
 * *tlen to it, brackets included, or returns 0. */
int p3_apop_timestamp(const char *text, size_t len, size_t *start, size_t *tlen);

/* Capabilities the core and the findings care about (bits of a capability set). */
enum p3_capa_bit {
    P3_CAPA_STLS = 1u << 0,
    P3_CAPA_USER = 1u << 1,
    P3_CAPA_SASL = 1u << 2,
    P3_CAPA_SASL_PLAIN = 1u << 3,
    P3_CAPA_SASL_LOGIN = 1u << 4,
    P3_CAPA_SASL_NTLM = 1u << 5,
    P3_CAPA_IMPLEMENTATION = 1u << 6,
    P3_CAPA_APOP = 1u << 7
};
/* The bits one capability line sets. */
unsigned p3_capa_bits(const char *text, size_t len);
/* Length of the first word (the capability's keyword) of a line. */
size_t p3_word_len(const char *text, size_t len);

/* ---- the dialogue ---------------------------------------------------------------------- */

enum p3_cmd {
    P3_CMD_NONE = 0,
    P3_CMD_CAPA,
    P3_CMD_USER,
    P3_CMD_STLS,
    P3_CMD_QUIT,
    P3_CMD_AUTH_NTLM,      /* "AUTH NTLM": the answer is "+ " to go on, or -ERR */
    P3_CMD_NTLM_NEGOTIATE, /* the NEGOTIATE message: the answer is "+ <CHALLENGE>" */
    P3_CMD_NTLM_CANCEL     /* "*": ends the exchange (RFC 5034), -ERR expected */
};

/* The NTLM NEGOTIATE message the core sends with P3_OPT_NTLM, in base64 (lib/ntlm builds the
 * same bytes; a unit test keeps the two equal). It asks for the target information but gives
 * no name, domain or workstation of ours. */
#define P3_NTLM_NEGOTIATE_B64 "TlRMTVNTUAABAAAAB4IIogAAAAAoAAAAAAAAACgAAAAAAAAAAAAAAA=="

/* Whether a line is a SASL continuation ("+ ..." or a bare "+"), and where its payload starts. */
int p3_continuation(const char *text, size_t len, size_t *payload);

enum p3_next {
    P3_NEXT_READ = 0, /* keep reading */
    P3_NEXT_SEND,     /* send event.send, then keep reading */
    P3_NEXT_STARTTLS, /* drop any bytes left in the buffer, do a TLS handshake, then call
                         p3_session_tls_started() */
    P3_NEXT_FINISH,   /* the dialogue is over; send event.send if set, then close */
    P3_NEXT_SETTLE    /* wait a short while, feeding what arrives (unsolicited lines), then
                         call p3_session_settled() for the next command */
};

enum p3_event_type {
    P3_EV_NONE = 0,  /* nothing complete yet */
    P3_EV_GREETING,  /* line is the greeting; service says what it looks like */
    P3_EV_REPLY,     /* line answers cmd with status */
    P3_EV_CAPA_ITEM, /* line is one capability (dot-stuffing removed); tls says when */
    P3_EV_CAPA_END,  /* the CAPA list ended ("."), or overflowed (overflow set) */
    P3_EV_SKIPPED,   /* a line the dialogue did not ask for (after a truncated line) */
    P3_EV_UNSOLICITED /* a line no command awaited (see "Keeping replies in step"); cmd is the
                         command it came after (P3_CMD_NONE: only the greeting; for a stale
                         line the one before the command it was pending at), tls how it came */
};

struct p3_event {
    enum p3_event_type type;
    enum p3_cmd cmd;
    enum p3_status status;
    enum p3_service service;
    struct p3_line line;
    int tls;      /* the line came over TLS */
    int overflow; /* a multi-line answer passed its caps */
    int continuation; /* a REPLY of the NTLM exchange is a SASL continuation ("+ ..."): its
                         payload (the base64 CHALLENGE) starts at line.text + payload */
    size_t payload;
    int resync;   /* this REPLY is the real answer to cmd: the line taken for it before was a
                     stray one (a status line where the CAPA list should start) */
    enum p3_next next;
    enum p3_cmd send_cmd; /* the command in send, P3_CMD_NONE when there is none */
    const char *send;     /* the command to send, CRLF included (static or inside the session) */
    size_t send_len;
};

/* Options of a session. */
enum {
    P3_OPT_IMPLICIT_TLS = 1u << 0, /* the connection is TLS from the start (port 995) */
    P3_OPT_USER_PROBE = 1u << 1,   /* send USER with a non-existent name before TLS */
    P3_OPT_STLS = 1u << 2,         /* upgrade with STLS when offered */
    P3_OPT_NTLM = 1u << 3          /* last, on the final (TLS if any) connection: AUTH NTLM
                                      with a NEGOTIATE, to read the CHALLENGE; then "*" */
};

struct p3_session {
    struct p3_reader rd;
    uint8_t step;
    uint8_t opts;
    uint8_t tls;       /* TLS is active */
    uint8_t confirmed; /* a second exchange got a POP3-shaped answer */
    uint8_t service;   /* enum p3_service of the greeting */
    uint8_t user_status;
    uint8_t stls_status;
    uint8_t stls_retried; /* STLS was asked again after a -ERR that followed an accepted USER */
    uint8_t ntlm_tried;
    uint8_t settle_next; /* enum p3_cmd to send once settled */
    uint8_t last_cmd;    /* enum p3_cmd sent last */
    uint8_t prev_cmd;    /* enum p3_cmd sent before it */
    uint16_t capa_lines;
    uint32_t stale;         /* bytes received before the last command was sent, unconsumed */
    uint32_t capa_bytes;
    unsigned capa_bits;     /* capabilities listed in cleartext */
    unsigned capa_tls_bits; /* capabilities listed under TLS (after STLS or implicit) */
    char user_cmd[48];      /* "USER <probe name>\r\n" */
    uint8_t user_cmd_len;
};

/* Starts a session. probe_user is the non-existent name for the USER probe (letters and digits,
 * at most 32; the caller makes it random, the core has no randomness). */
void p3_session_init(struct p3_session *s, unsigned opts, const char *probe_user);

/* Feeds the bytes received and not yet consumed. Handles at most one line: returns the number of
 * bytes consumed and fills ev. Call again while it consumes bytes or returns an event. */
size_t p3_session_feed(struct p3_session *s, const char *buf, size_t len, struct p3_event *ev);

/* The server closed (or the caller gives up) with len unconsumed bytes in buf. During the
 * greeting those bytes are classified as an unterminated greeting (P3_EV_GREETING). */
void p3_session_eof(struct p3_session *s, const char *buf, size_t len, struct p3_event *ev);

/* The TLS handshake after STLS succeeded: the next step is CAPA over TLS. */
void p3_session_tls_started(struct p3_session *s, struct p3_event *ev);

/* The engine sent the command of the last event; pending bytes it had received were still
 * unconsumed then (they cannot be the answer: rule 1 above). */
void p3_session_sent(struct p3_session *s, size_t pending);

/* The wait asked for by P3_NEXT_SETTLE is over: fills ev with the next command. */
void p3_session_settled(struct p3_session *s, struct p3_event *ev);

/* Replies the core awaits now: 1 while a command is unanswered, else 0 (greeting, settling,
 * TLS handshake, done). Every other line that arrives is unsolicited. */
int p3_session_awaiting(const struct p3_session *s);

/* Whether the dialogue reached a POP3 verdict, and how sure it is. */
int p3_session_is_pop3(const struct p3_session *s);

/* ---- cleartext after STLS ---------------------------------------------------------------- */

/* What starts buf, where a TLS record is expected after +OK to STLS: returns 1 when it is a
 * complete line of text (*n: its bytes, terminator included), 0 when it may become one and more
 * bytes are needed, -1 when it is not text (a TLS record's first byte is a content type, 20 to
 * 24, or an SSLv2 header with the top bit set; or a line longer than P3_LINE_MAX): hand it to
 * TLS. The engine strips such lines before the handshake reads them (a late or second answer in
 * cleartext) and records them. */
int p3_cleartext_line(const char *buf, size_t len, size_t *n);

/* ---- STLS command injection (CVE-2011-0411, CVE-2011-1926) --------------------------------
 *
 * A separate connection sends P3_STLS_INJECT ("STLS" and "CAPA" in one write), does the TLS
 * handshake after +OK, and then sends only QUIT under TLS. A correct server throws away the
 * cleartext bytes it had buffered when TLS starts, so the only answer under TLS is QUIT's: one
 * line, then the close. A vulnerable one runs the buffered CAPA as if it had come over TLS, and
 * since commands are answered in order, its multi-line capability list arrives before the answer
 * to QUIT. We never send CAPA under TLS on that connection and QUIT's answer is one line, so a
 * complete multi-line answer ("+OK", lines, ".") can only be the injected CAPA's: the verdict
 * needs no timing, only the lines up to the close (or the read timeout after QUIT's answer). */

#define P3_STLS_INJECT "STLS\r\nCAPA\r\n"

enum p3_inject_verdict {
    P3_INJ_UNKNOWN = 0,     /* not enough seen yet */
    P3_INJ_NOT_VULNERABLE,  /* only QUIT's one-line answer came under TLS */
    P3_INJ_VULNERABLE,      /* a complete multi-line answer came: the injected CAPA ran */
    P3_INJ_INCONCLUSIVE     /* something else: no answer at all, or extra one-line replies */
};

struct p3_inject {
    uint8_t after_ok;      /* the last status line was +OK: a list may follow */
    uint8_t in_list;       /* lines came after that +OK: inside a multi-line answer */
    uint8_t vulnerable;    /* a multi-line answer ended with "." */
    uint32_t status_lines; /* +OK / -ERR lines seen */
    uint32_t other_lines;  /* lines that were neither and not inside a list */
};

void p3_inject_init(struct p3_inject *st);
/* One line received under TLS on the injection connection (everything after the handshake). */
void p3_inject_line(struct p3_inject *st, const char *text, size_t len);
/* The verdict once the server closed or went quiet. */
enum p3_inject_verdict p3_inject_verdict(const struct p3_inject *st);
const char *p3_inject_verdict_name(enum p3_inject_verdict v);

#endif
