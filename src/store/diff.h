/* diff.h — what changed between two scans: pure functions over two streams of rows (row.h) in
 * key order (target, ip, port, transport), as the store's cursors or a sorted file give them.
 * Nothing is held but the current row of each side, so memory stays flat in the number of
 * records. tests/unit/test_diff.c holds every rule below to a case.
 *
 * The rules, per key:
 *  - only in the old scan: "disappeared" when it was a POP3 service, else "state" (old -> none);
 *    only in the new: "appeared" when it is one, else "state" (none -> new);
 *  - in both: "appeared" / "disappeared" when the state went to or from pop3, "state" when it
 *    changed between two others; when both are pop3, one change per fact that moved:
 *    greeting; product (vendor or name); version; confidence (same product only); each finding
 *    opened or closed; the negotiated TLS version; the set of accepted TLS versions, the cipher
 *    and the certificate (when both scans know them); capabilities before and under TLS (as
 *    sets, without the STLS and SASL lines, which have changes of their own: stls, sasl,
 *    sasl-tls); cleartext login accepted or refused (when both scans probed it);
 *  - with an expiry window, every record of the new scan whose certificate ends within it
 *    (or has ended) gets "certificate-expiring", changed or not.
 * A value the scan did not learn (not probed, --no-stls, --no-user-probe) is never compared
 * with one it did: unknown is not a change.
 */
#ifndef POP3SCAN_DIFF_H
#define POP3SCAN_DIFF_H

#include <stddef.h>

#include "row.h"

#define P3S_CHANGE_KINDS(X)                           \
    X(APPEARED, "appeared")                           \
    X(DISAPPEARED, "disappeared")                     \
    X(STATE, "state")                                 \
    X(GREETING, "greeting")                           \
    X(PRODUCT, "product")                             \
    X(VERSION, "version")                             \
    X(CONFIDENCE, "confidence")                       \
    X(FINDING_OPENED, "finding-opened")               \
    X(FINDING_CLOSED, "finding-closed")               \
    X(TLS_VERSION, "tls-version")                     \
    X(TLS_VERSIONS, "tls-versions")                   \
    X(TLS_CIPHER, "tls-cipher")                       \
    X(CERTIFICATE, "certificate")                     \
    X(CERT_EXPIRING, "certificate-expiring")          \
    X(CAPABILITIES, "capabilities")                   \
    X(CAPABILITIES_TLS, "capabilities-tls")           \
    X(SASL, "sasl")                                   \
    X(SASL_TLS, "sasl-tls")                           \
    X(STLS, "stls")                                   \
    X(PLAINTEXT_LOGIN, "plaintext-login")

#define P3S_CHANGE_ENUM(e, name) P3S_CH_##e,
enum p3s_change_kind { P3S_CHANGE_KINDS(P3S_CHANGE_ENUM) P3S_CH_COUNT };
#undef P3S_CHANGE_ENUM

extern const char *const P3S_CHANGE_NAMES[P3S_CH_COUNT];

struct p3s_change {
    enum p3s_change_kind kind;
    const struct p3s_row *old, *new; /* the records; one is NULL when the key is on one side */
    /* What was compared, as the rows' canonical texts (NULL: absent). appeared/disappeared/
     * state: the states; product: "vendor name" (or the one of them there is); finding-*: the
     * "id severity" line; capabilities: the '\n' lists without STLS and SASL; sasl: the
     * mechanisms, space-separated; certificate-expiring: new_val the end date. */
    const char *old_val, *new_val;
    long long days_left; /* certificate-expiring: whole days to the end (negative: ended) */
};

typedef int (*p3s_change_cb)(void *arg, const struct p3s_change *c);

struct p3s_dbuf {
    char *p;
    size_t n, cap;
};

struct p3s_diff {
    long long expiring_s; /* > 0: report certificates ending within that many seconds */
    long long now;        /* the time the expiry window starts (seconds since the epoch) */
    p3s_change_cb cb;
    void *arg;
    size_t counts[P3S_CH_COUNT]; /* changes reported, by kind */
    size_t keys;                 /* keys compared */
    size_t keys_changed;         /* keys with at least one change */
    size_t old_rows, new_rows;
    struct p3s_dbuf scratch[6];
    int failed; /* out of memory */
};

void p3s_diff_init(struct p3s_diff *d, p3s_change_cb cb, void *arg);
void p3s_diff_free(struct p3s_diff *d);
/* Compares the records of one key (either may be NULL). Returns what the callback returned
 * first when not 0 (stop), else 0; -1 when out of memory. */
int p3s_diff_pair(struct p3s_diff *d, const struct p3s_row *old, const struct p3s_row *new);

/* A stream of rows in key order: 1 and a row (valid until the next call), 0 at the end, -1 on
 * error. */
typedef int (*p3s_row_next)(void *ctx, const struct p3s_row **row);
/* Walks both streams together; returns 0, -1 when a stream failed or memory ran out, -2 when a
 * stream is out of order (the caller's sort is wrong), or what a callback returned to stop. */
int p3s_diff_merge(struct p3s_diff *d, p3s_row_next next_old, void *old_ctx,
                   p3s_row_next next_new, void *new_ctx);

/* Does the '\n' list hold this item (n bytes)? For the added/removed lines of a list change. */
int p3s_list_has(const char *list, const char *item, size_t n);

#endif
