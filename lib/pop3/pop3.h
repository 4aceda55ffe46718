/* pop3.h — the pure POP3 protocol core of pop3scan.
 *
 * Bytes in, decisions out: no sockets, no clock, no allocation, no global state. The I/O engine
 * (src/conn.c) owns the buffer of bytes received from a server and hands it to
 * p3_session_feed(), which consumes at most one line per call and returns an event saying what the
 * line was and what the engine must do next (send a command, start TLS, finish). The engine keeps
 * what it wants from each event; the core keeps only the few bits it needs to choose the next step.
 *
 * The dialogue (PRODUCT.md, "Detection"): greeting, CAPA, on a cleartext connection USER with a
 * name that cannot exist, STLS when offered (asked twice when a server that accepted USER refuses
 * it), CAPA again under TLS, QUIT. The core never produces PASS, APOP or any credential. Every
 * line is capped (P3_LINE_MAX) and every multi-line answer is capped (P3_MULTILINE_MAX), so a
 * hostile server cannot make the caller buffer without bound.
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
    P3_NEXT_FINISH    /* the dialogue is over; send event.send if set, then close */
};

enum p3_event_type {
    P3_EV_NONE = 0,  /* nothing complete yet */
    P3_EV_GREETING,  /* line is the greeting; service says what it looks like */
    P3_EV_REPLY,     /* line answers cmd with status */
    P3_EV_CAPA_ITEM, /* line is one capability (dot-stuffing removed); tls says when */
    P3_EV_CAPA_END,  /* the CAPA list ended ("."), or overflowed (overflow set) */
    P3_EV_SKIPPED    /* a line the dialogue did not ask for (after a truncated line) */
};

struct p3_event {
    enum p3_event_type type;
    enum p3_cmd cmd;
    enum p3_status status;
    enum p3_service service;
    struct p3_line line;
    int tls;      /* the line came over TLS */
    int overflow; /* a multi-line answer passed its caps */
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
    uint16_t capa_lines;
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

/* Whether the dialogue reached a POP3 verdict, and how sure it is. */
int p3_session_is_pop3(const struct p3_session *s);

#endif
