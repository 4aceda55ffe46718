/* row.h — one record as the store keeps it: the fields users query (and `pop3scan diff`
 * compares) as canonical texts, the port, and the full JSONL record.
 *
 * A row comes from two places that must agree to the byte: a finished struct p3s_record during
 * a scan (cheap: no JSON parsing on the scan's path), and a JSONL record read back with jansson
 * (a file given to diff, a migration re-deriving columns from the stored JSON). Both go through
 * the same canonical forms:
 *  - text from a server (greeting, capability lines, product fields, errors) is its raw bytes
 *    written with p3s_row_escape(): valid UTF-8 kept, a backslash doubled, and every invalid
 *    byte, control character and bidirectional control written as \xHH or \u{HHHH}. The result
 *    is safe on a terminal and one-to-one with the bytes (p3s_row_unescape() gives them back);
 *    the JSONL side first undoes the lossless JSON escaping (docs/output.md) to get the bytes;
 *  - lists are their escaped items joined by '\n' (an escaped item holds no newline); an
 *    empty list is "" and an absent one NULL;
 *  - the rest is words the program writes: state names, "accepted", "TLSv1.3 …".
 * tests/unit/test_store.c builds records, writes them with the JSONL writer, reads them back,
 * and holds both paths to the same row.
 */
#ifndef POP3SCAN_ROW_H
#define POP3SCAN_ROW_H

#include <stddef.h>

struct p3s_record;
struct json_t;

/* X(enum suffix, column name). The key is target, ip, port, transport; ip is "" when the target
 * did not resolve; target, ip and transport are never NULL. */
#define P3S_ROW_COLUMNS(X)                                                                    \
    X(TARGET, "target")                                                                       \
    X(IP, "ip")                                                                               \
    X(TRANSPORT, "transport")             /* plain, tls */                                    \
    X(STATE, "state")                     /* pop3, other-service, closed, … */                \
    X(CONFIDENCE, "confidence")           /* pop3: confirmed, probable */                     \
    X(SERVICE, "service")                 /* what the greeting looked like */                 \
    X(GREETING, "greeting")                                                                   \
    X(VENDOR, "vendor")                                                                       \
    X(PRODUCT, "product")                                                                     \
    X(VERSION, "version")                                                                     \
    X(PRODUCT_CONFIDENCE, "product_confidence") /* certain, likely, guess */                  \
    X(CAPABILITIES, "capabilities")       /* CAPA before TLS */                               \
    X(CAPABILITIES_TLS, "capabilities_tls")                                                   \
    X(STLS, "stls")                       /* none, advertised, upgraded; NULL implicit TLS */ \
    X(PLAINTEXT_LOGIN, "plaintext_login") /* accepted, refused, unknown; NULL implicit TLS */ \
    X(TLS_VERSION, "tls_version")         /* negotiated */                                    \
    X(TLS_CIPHER, "tls_cipher")                                                               \
    X(TLS_VERSIONS, "tls_versions")       /* accepted ones, "TLSv1.2 TLSv1.3"; NULL unprobed */ \
    X(CERT_SHA256, "cert_sha256")                                                             \
    X(CERT_SUBJECT, "cert_subject")                                                           \
    X(CERT_NOT_AFTER, "cert_not_after")   /* ISO 8601 UTC */                                  \
    X(FINDINGS, "findings")               /* "id severity" lines */                           \
    X(ERROR, "error")

#define P3S_ROW_ENUM(e, name) P3S_COL_##e,
enum p3s_col { P3S_ROW_COLUMNS(P3S_ROW_ENUM) P3S_COL_COUNT };
#undef P3S_ROW_ENUM

extern const char *const P3S_COL_NAMES[P3S_COL_COUNT];

struct p3s_row {
    const char *col[P3S_COL_COUNT];
    int port;          /* 0 when the record has none */
    const char *json;  /* the JSONL record without its newline; NULL when not read */
    size_t json_len;
};

/* Builds rows in one growing buffer; reuse it for row after row. */
struct p3s_rowbuf {
    char *buf;
    size_t len, cap;
    long off[P3S_COL_COUNT]; /* -1: NULL */
    long json_off;
    size_t json_len;
    int port;
    int failed;   /* out of memory */
    char *tmp;    /* scratch: a JSON string's raw bytes */
    size_t tmpcap;
};

void p3s_rowbuf_init(struct p3s_rowbuf *b);
void p3s_rowbuf_free(struct p3s_rowbuf *b);
/* The row of a finished record; json (json_len bytes, may be NULL) is its JSONL form. Returns 0,
 * -1 when out of memory. */
int p3s_rowbuf_from_record(struct p3s_rowbuf *b, const struct p3s_record *r, const char *json,
                           size_t json_len);
/* The row of a JSONL record parsed by jansson (JSON_ALLOW_NUL). Returns 0, or -1 with why in
 * err (not a record, a member of the wrong type, out of memory). The JSON text itself is kept
 * only when json is not NULL. */
int p3s_rowbuf_from_json(struct p3s_rowbuf *b, const struct json_t *rec, const char *json,
                         size_t json_len, char *err, size_t errlen);
/* Points out's columns into b (valid until b changes). */
void p3s_rowbuf_view(const struct p3s_rowbuf *b, struct p3s_row *out);
/* A copy of the row in one allocation (free() it), or NULL when out of memory. */
struct p3s_row *p3s_row_pack(const struct p3s_rowbuf *b);
/* Bytes a packed row takes (a multiple of 16), and the copy made into such memory. */
size_t p3s_rowbuf_size(const struct p3s_rowbuf *b);
struct p3s_row *p3s_row_pack_into(const struct p3s_rowbuf *b, void *mem);

/* The canonical escaping of n raw bytes, appended to the buffer (see the top of this file). */
void p3s_row_escape(struct p3s_rowbuf *b, const char *p, size_t n);
/* Undoes p3s_row_escape on a NUL-terminated text: writes the raw bytes to out (at most as long
 * as s) and returns how many. */
size_t p3s_row_unescape(const char *s, char *out);
/* Byte order of the key (target, ip, port, transport), as the store's ORDER BY gives it. */
int p3s_row_key_cmp(const struct p3s_row *a, const struct p3s_row *b);

#endif
