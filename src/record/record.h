/* record.h — one scan result: a target, an address and a port, and everything learned there.
 *
 * The engine (conn.c) fills a record as the dialogue goes; findings.c derives the findings from
 * it; the output modules (output_*.c) only read it. Server bytes are kept raw here (struct
 * p3s_bytes) and escaped by each output for its own format.
 */
#ifndef POP3SCAN_RECORD_H
#define POP3SCAN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "fp.h"
#include "ntlm.h"
#include "pop3.h"
#include "tls.h"

enum p3s_state {
    P3S_STATE_POP3 = 0,
    P3S_STATE_OTHER,     /* other-service */
    P3S_STATE_CLOSED,    /* connection refused */
    P3S_STATE_FILTERED,  /* connect timed out */
    P3S_STATE_TIMEOUT,   /* connected, no complete greeting in time */
    P3S_STATE_TLS_ERROR, /* implicit-TLS handshake failed */
    P3S_STATE_ERROR      /* reset, DNS failure … (see error) */
};

enum p3s_severity { P3S_SEV_INFO = 0, P3S_SEV_LOW, P3S_SEV_MEDIUM, P3S_SEV_HIGH };

enum p3s_tristate { P3S_UNKNOWN = -1, P3S_NO = 0, P3S_YES = 1 };

/* The big parts of a record are allocated only when there is something to put there: a scan
 * holds one record per open connection. */

/* Raw bytes from a server (may hold NUL and anything else). */
struct p3s_bytes {
    char *p;
    size_t n;
};

struct p3s_list {
    struct p3s_bytes *v;
    size_t n, cap;
    int present; /* the list was asked for and answered (+OK) */
};

/* A record's small pieces (its target, server bytes, lists, finding evidence) come from the
 * record's own memory: a block inside it, then more blocks as needed, all freed with it. At
 * ten thousand records a second, a dozen malloc/free pairs per record were the largest part of
 * the scanner's user time; the caps on what a server may send bound what one record holds. */
#define P3S_RECORD_MEM 512
struct p3s_record_block; /* record.c */

struct p3s_finding {
    const struct p3s_finding_def *def;
    char *evidence; /* raw server bytes or a short description built from them */
    size_t evidence_len;
};

#define P3S_MAX_FINDINGS 12

/* A line the server sent that no command awaited (lib/pop3/pop3.h, "Keeping replies in step"). */
struct p3s_unsolicited {
    enum p3_cmd after; /* the command sent last before it (P3_CMD_NONE: only the greeting) */
    int tls;           /* it came under TLS */
    struct p3s_bytes line;
};
#define P3S_MAX_UNSOLICITED 16 /* kept per record; more are only counted */

/* A finding the rules would give but that rests on a reply taken out of step: not reported,
 * only noted with the reason. */
struct p3s_withheld {
    const struct p3s_finding_def *def;
    const char *reason; /* static text */
};
#define P3S_MAX_WITHHELD 4

/* TLS protocol versions probed one connection each (tlsprobe.c), in this order. */

/* --ntlm: what became of the AUTH NTLM exchange. */
enum p3s_ntlm_state {
    P3S_NTLM_NOT_TRIED = 0,
    P3S_NTLM_REFUSED,   /* AUTH NTLM answered -ERR (or not POP3-shaped) */
    P3S_NTLM_DECODED,   /* a CHALLENGE came back and was decoded (maybe partly: ntlm_error) */
};

/* --discover: how a record's address and port were found from a domain (src/engine/discover.c).
 * A record found several ways keeps them all. */
enum p3s_via {
    P3S_VIA_SRV,  /* an RFC 6186 SRV record: _pop3._tcp or _pop3s._tcp */
    P3S_VIA_MX,   /* a mail exchanger of the domain */
    P3S_VIA_NAME, /* a conventional name under the domain (pop, mail, …) */
    P3S_VIA_INPUT /* the domain itself */
};
#define P3S_VIA_COUNT 4

struct p3s_way {
    enum p3s_via via;
    char *query;   /* the name asked: "_pop3s._tcp.example.org", "example.org" (MX, the domain
                      itself), "pop.example.org" */
    char *host;    /* the host it named ("." for an SRV record saying "no service") */
    char **chain;  /* host, then every CNAME target up to the name that holds the address */
    size_t nchain;
    int priority;  /* SRV priority, MX preference; -1 for the other ways */
    int weight;    /* SRV; -1 for the other ways */
    int port;      /* SRV's port; -1 for the other ways (they take the -p ports) */
};

struct p3s_discovery {
    char *domain;  /* the domain asked */
    struct p3s_way *ways; /* in order: SRV, MX, names, the domain; then priority, host */
    size_t nways;
    char **notes;  /* what went wrong for the domain (a SERVFAIL for its MX, caps reached) */
    size_t nnotes;
};

/* "srv", "mx", "name", "input" */
const char *p3s_via_name(enum p3s_via v);

struct p3s_record {
    char *target; /* as the user named it; for --discover, the host found */
    char ip[64];  /* empty when the name did not resolve */
    uint16_t port;
    int implicit_tls;
    int tls_detected;   /* a cleartext port that gave no greeting spoke TLS: this record is the
                           implicit-TLS retry of it (engine.c) */
    int64_t started_ms; /* wall clock, ms since the epoch: when the dialogue started (for a
                           name that did not resolve, when the lookup failed) */

    enum p3s_state state;
    int confirmed;                /* pop3: a second exchange got a POP3-shaped answer */
    enum p3_service service;      /* what the greeting looked like */
    struct p3s_bytes greeting;    /* exact bytes, terminator excluded */
    int greeting_truncated;

    struct p3s_list capa;     /* CAPA on the connection before any TLS upgrade */
    struct p3s_bytes capa_reply; /* first line of the CAPA answer (e.g. -ERR) */
    struct p3s_list capa_tls; /* CAPA under TLS: after STLS, or on an implicit-TLS port */
    struct p3s_bytes capa_tls_reply; /* first line of the CAPA answer after STLS */
    unsigned capa_bits, capa_tls_bits;

    /* STLS */
    int stls_advertised;
    int stls_attempted;
    struct p3s_bytes stls_reply;
    int stls_upgraded;
    int stls_extra_bytes; /* bytes the server sent after its +OK, before TLS (injection risk) */
    /* STLS command injection, on a connection of its own after the dialogue (injprobe.c) */
    int inject_tested;
    enum p3_inject_verdict inject;
    char *inject_detail;          /* what the verdict rests on, in words */
    struct p3s_bytes inject_evidence; /* the injected CAPA's answer, lines joined by \n */
    struct p3s_bytes inject_cleartext; /* lines sent in cleartext after +OK there, joined */

    /* TLS in use (implicit or after STLS) */
    char tls_version[16];
    char tls_cipher[64];
    int tls_cipher_bits;
    char *tls_error;
    struct p3s_certinfo *cert; /* the server's certificate (NULL: no TLS, or none sent) */
    /* Per version: -1 not probed, else an enum p3s_tlsprobe_result (tlsprobe.h). */
    signed char tls_proto[P3S_PROTO_COUNT];

    /* Identification (fingerprints/), from the greeting, CAPA, replies and the certificate;
     * NULL when nothing matched. Filled when the record is finished (engine/identify.c). */
    struct p3fp_match *product;

    /* --ntlm */
    enum p3s_ntlm_state ntlm_state;
    struct p3ntlm_info *ntlm; /* NULL unless a CHALLENGE came back */
    const char *ntlm_error; /* a decoding problem (the fields decoded before it are kept):
                               static text, NULL when none */

    /* cleartext login before TLS */
    int login_advertised;
    enum p3s_tristate login_accepted;
    struct p3s_bytes user_reply;
    char probe_user[16]; /* "p3s" and 12 hex digits (conn.c) */
    struct p3s_bytes quit_reply; /* the answer to QUIT, when one came (identification) */

    int unresolved; /* the target is a name that did not resolve (the error says why) */
    const struct p3s_discovery *discovery; /* --discover: how it was found (NULL otherwise);
                                              owned by the engine, valid as long as the record
                                              is handed over */
    double connect_ms, total_ms;
    char *error;

    struct p3s_unsolicited *unsolicited; /* P3S_MAX_UNSOLICITED slots, NULL until the first */
    size_t nunsolicited;
    size_t unsolicited_dropped; /* more than the slots hold */

    /* P3S_MAX_FINDINGS and P3S_MAX_WITHHELD slots in the record's memory, NULL until the first:
     * a connection in flight has none yet, and 15,000 of them must not hold the room */
    struct p3s_finding *findings;
    size_t nfindings;
    struct p3s_withheld *withheld;
    size_t nwithheld;

    struct p3s_record_block *more; /* blocks past mem, newest first */
    size_t mem_used;
    _Alignas(16) char mem[P3S_RECORD_MEM];
};

struct p3s_record *p3s_record_new(const char *target, const char *ip, uint16_t port,
                                  int implicit_tls);
void p3s_record_free(struct p3s_record *r);
/* n bytes of the record's memory, 16-byte aligned, freed with the record (never alone). */
void *p3s_record_alloc(struct p3s_record *r, size_t n);
/* Sets b (a member of r) to a copy of n bytes with a NUL after them; a value it held before
 * stays in the record's memory until the record is freed. */
void p3s_bytes_set(struct p3s_record *r, struct p3s_bytes *b, const char *p, size_t n);
void p3s_list_add(struct p3s_record *r, struct p3s_list *l, const char *p, size_t n);
/* Keeps an unsolicited line (the first P3S_MAX_UNSOLICITED; later ones are counted). */
void p3s_record_add_unsolicited(struct p3s_record *r, enum p3_cmd after, int tls, const char *p,
                                size_t n);
/* "USER", "STLS", … for a command of the dialogue; "greeting" for P3_CMD_NONE. */
const char *p3s_cmd_name(enum p3_cmd cmd);
void p3s_record_set_error(struct p3s_record *r, enum p3s_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *p3s_state_name(enum p3s_state st);
const char *p3s_severity_name(enum p3s_severity sev);
int p3s_severity_parse(const char *s, enum p3s_severity *out);
/* Whether a service answered on the port (what --open shows): POP3 or another service, any
 * bytes received, or a TLS handshake that failed on an answer rather than a timeout. */
int p3s_record_answered(const struct p3s_record *r);

#endif
