/* diff.c — the rules of diff.h: what changed for one key, and the walk over two sorted
 * streams of rows. */
#include "diff.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"

#define P3S_CHANGE_NAME(e, name) name,
const char *const P3S_CHANGE_NAMES[P3S_CH_COUNT] = {P3S_CHANGE_KINDS(P3S_CHANGE_NAME)};
#undef P3S_CHANGE_NAME

/* scratch buffers */
enum { S_OLD_LIST, S_NEW_LIST, S_OLD_SASL, S_NEW_SASL, S_OLD_PRODUCT, S_NEW_PRODUCT };

void p3s_diff_init(struct p3s_diff *d, p3s_change_cb cb, void *arg)
{
    memset(d, 0, sizeof *d);
    d->cb = cb;
    d->arg = arg;
}

void p3s_diff_free(struct p3s_diff *d)
{
    for (size_t i = 0; i < sizeof d->scratch / sizeof d->scratch[0]; i++)
        free(d->scratch[i].p);
    memset(d->scratch, 0, sizeof d->scratch);
}

static void put(struct p3s_diff *d, struct p3s_dbuf *b, const char *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            d->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* ---- per key ---------------------------------------------------------------------------- */

struct pair {
    struct p3s_diff *d;
    const struct p3s_row *old, *new;
    int changed;
    int stop;
};

static void report(struct pair *p, enum p3s_change_kind kind, const char *old_val,
                   const char *new_val, long long days_left)
{
    if (p->stop)
        return;
    struct p3s_change c = {kind, p->old, p->new, old_val, new_val, days_left};
    p->d->counts[kind]++;
    p->changed = 1;
    p->stop = p->d->cb ? p->d->cb(p->d->arg, &c) : 0;
}

static const char *col(const struct p3s_row *r, enum p3s_col c)
{
    return r ? r->col[c] : NULL;
}

static int is_pop3(const struct p3s_row *r)
{
    return r && same(r->col[P3S_COL_STATE], "pop3");
}

/* First word of a capability line, compared without case. */
static int capa_is(const char *line, size_t n, const char *word)
{
    size_t k = strlen(word);
    return n >= k && strncasecmp(line, word, k) == 0 && (n == k || line[k] == ' ');
}

/* The list without its STLS and SASL lines, into b; the SASL line's mechanisms into sasl.
 * NULL stays NULL (the list was not there). */
static const char *split_capa(struct p3s_diff *d, const char *list, struct p3s_dbuf *b,
                              struct p3s_dbuf *sasl, const char **mechs)
{
    b->n = sasl->n = 0;
    *mechs = NULL;
    if (!list)
        return NULL;
    put(d, b, "", 0);
    for (const char *s = list; *s || s == list;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (capa_is(s, n, "SASL")) {
            put(d, sasl, "", 0);
            for (size_t i = 4; i < n;) { /* the mechanisms, one space between them */
                while (i < n && s[i] == ' ')
                    i++;
                size_t j = i;
                while (j < n && s[j] != ' ')
                    j++;
                if (j > i) {
                    if (sasl->n)
                        put(d, sasl, " ", 1);
                    put(d, sasl, s + i, j - i);
                }
                i = j;
            }
            *mechs = sasl->p;
        } else if (!capa_is(s, n, "STLS") && n) {
            if (b->n)
                put(d, b, "\n", 1);
            put(d, b, s, n);
        }
        if (!nl)
            break;
        s = nl + 1;
    }
    return b->p;
}

int p3s_list_has(const char *list, const char *item, size_t n)
{
    for (const char *s = list; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t k = nl ? (size_t)(nl - s) : strlen(s);
        if (k == n && memcmp(s, item, n) == 0)
            return 1;
        if (!nl)
            break;
        s = nl + 1;
    }
    return 0;
}

/* Every line of a is in b. */
static int subset(const char *a, const char *b)
{
    for (const char *s = a; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (!p3s_list_has(b, s, n))
            return 0;
        if (!nl)
            break;
        s = nl + 1;
    }
    return 1;
}

static int same_set(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return subset(a, b) && subset(b, a);
}

static void compare_capa(struct pair *p, enum p3s_col c, enum p3s_change_kind list_kind,
                         enum p3s_change_kind sasl_kind, int both_needed)
{
    struct p3s_diff *d = p->d;
    const char *old = col(p->old, c), *new = col(p->new, c);
    if (both_needed && (!old || !new))
        return;
    const char *old_sasl, *new_sasl;
    const char *o = split_capa(d, old, &d->scratch[S_OLD_LIST], &d->scratch[S_OLD_SASL],
                               &old_sasl);
    const char *n = split_capa(d, new, &d->scratch[S_NEW_LIST], &d->scratch[S_NEW_SASL],
                               &new_sasl);
    if (d->failed)
        return;
    if (!same_set(o, n))
        report(p, list_kind, o, n, 0);
    if (old && new && !same(old_sasl, new_sasl))
        report(p, sasl_kind, old_sasl, new_sasl, 0);
}

/* The finding lines ("id severity") of a whose id is not among b's. */
static void findings_missing(struct pair *p, const char *a, const char *b,
                             enum p3s_change_kind kind)
{
    for (const char *s = a; s && *s && !p->stop;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        const char *sp = memchr(s, ' ', n);
        size_t idlen = sp ? (size_t)(sp - s) : n;
        int found = 0;
        for (const char *t = b; t && *t && !found;) {
            const char *tnl = strchr(t, '\n');
            size_t tn = tnl ? (size_t)(tnl - t) : strlen(t);
            found = tn >= idlen && memcmp(t, s, idlen) == 0 && (tn == idlen || t[idlen] == ' ');
            t = tnl ? tnl + 1 : t + tn;
        }
        if (!found) {
            struct p3s_dbuf *line = &p->d->scratch[S_OLD_LIST];
            line->n = 0;
            put(p->d, line, s, n);
            if (p->d->failed)
                return;
            report(p, kind, kind == P3S_CH_FINDING_CLOSED ? line->p : NULL,
                   kind == P3S_CH_FINDING_OPENED ? line->p : NULL, 0);
        }
        s = nl ? nl + 1 : s + n;
    }
}

/* "vendor name", or the one of them there is. */
static const char *product_text(struct p3s_diff *d, const struct p3s_row *r, struct p3s_dbuf *b)
{
    const char *v = r->col[P3S_COL_VENDOR], *n = r->col[P3S_COL_PRODUCT];
    if (!v || !n)
        return v ? v : n;
    b->n = 0;
    if (strncmp(n, v, strlen(v)) != 0) { /* "Dovecot Dovecot" says it once */
        put(d, b, v, strlen(v));
        put(d, b, " ", 1);
    }
    put(d, b, n, strlen(n));
    return d->failed ? n : b->p;
}

static void compare_pop3(struct pair *p)
{
    struct p3s_diff *d = p->d;
    const struct p3s_row *o = p->old, *n = p->new;
#define DIFFERS(c) (!same(o->col[c], n->col[c]))
#define BOTH(c) (o->col[c] && n->col[c])
    if (DIFFERS(P3S_COL_GREETING))
        report(p, P3S_CH_GREETING, o->col[P3S_COL_GREETING], n->col[P3S_COL_GREETING], 0);
    int same_product = !DIFFERS(P3S_COL_VENDOR) && !DIFFERS(P3S_COL_PRODUCT);
    if (!same_product)
        report(p, P3S_CH_PRODUCT, product_text(d, o, &d->scratch[S_OLD_PRODUCT]),
               product_text(d, n, &d->scratch[S_NEW_PRODUCT]), 0);
    if (DIFFERS(P3S_COL_VERSION))
        report(p, P3S_CH_VERSION, o->col[P3S_COL_VERSION], n->col[P3S_COL_VERSION], 0);
    if (same_product && DIFFERS(P3S_COL_PRODUCT_CONFIDENCE))
        report(p, P3S_CH_CONFIDENCE, o->col[P3S_COL_PRODUCT_CONFIDENCE],
               n->col[P3S_COL_PRODUCT_CONFIDENCE], 0);
    findings_missing(p, n->col[P3S_COL_FINDINGS], o->col[P3S_COL_FINDINGS],
                     P3S_CH_FINDING_OPENED);
    findings_missing(p, o->col[P3S_COL_FINDINGS], n->col[P3S_COL_FINDINGS],
                     P3S_CH_FINDING_CLOSED);
    if (DIFFERS(P3S_COL_TLS_VERSION))
        report(p, P3S_CH_TLS_VERSION, o->col[P3S_COL_TLS_VERSION], n->col[P3S_COL_TLS_VERSION],
               0);
    if (BOTH(P3S_COL_TLS_VERSIONS) && DIFFERS(P3S_COL_TLS_VERSIONS))
        report(p, P3S_CH_TLS_VERSIONS, o->col[P3S_COL_TLS_VERSIONS],
               n->col[P3S_COL_TLS_VERSIONS], 0);
    if (BOTH(P3S_COL_TLS_CIPHER) && DIFFERS(P3S_COL_TLS_CIPHER))
        report(p, P3S_CH_TLS_CIPHER, o->col[P3S_COL_TLS_CIPHER], n->col[P3S_COL_TLS_CIPHER], 0);
    if (BOTH(P3S_COL_CERT_SHA256) && DIFFERS(P3S_COL_CERT_SHA256))
        report(p, P3S_CH_CERTIFICATE, o->col[P3S_COL_CERT_SHA256], n->col[P3S_COL_CERT_SHA256],
               0);
    compare_capa(p, P3S_COL_CAPABILITIES, P3S_CH_CAPABILITIES, P3S_CH_SASL, 0);
    compare_capa(p, P3S_COL_CAPABILITIES_TLS, P3S_CH_CAPABILITIES_TLS, P3S_CH_SASL_TLS, 1);
    if (BOTH(P3S_COL_STLS) && DIFFERS(P3S_COL_STLS))
        report(p, P3S_CH_STLS, o->col[P3S_COL_STLS], n->col[P3S_COL_STLS], 0);
    if (BOTH(P3S_COL_PLAINTEXT_LOGIN) && DIFFERS(P3S_COL_PLAINTEXT_LOGIN) &&
        !same(o->col[P3S_COL_PLAINTEXT_LOGIN], "unknown") &&
        !same(n->col[P3S_COL_PLAINTEXT_LOGIN], "unknown"))
        report(p, P3S_CH_PLAINTEXT_LOGIN, o->col[P3S_COL_PLAINTEXT_LOGIN],
               n->col[P3S_COL_PLAINTEXT_LOGIN], 0);
#undef DIFFERS
#undef BOTH
}

static void check_expiry(struct pair *p)
{
    const char *end = col(p->new, P3S_COL_CERT_NOT_AFTER);
    if (p->d->expiring_s <= 0 || !end)
        return;
    long long t = p3s_store_parse_iso(end);
    if (t < 0)
        return;
    long long left = t - p->d->now;
    if (left >= p->d->expiring_s)
        return;
    /* whole days, rounded down: ending in 36 hours is 1 day left, ended an hour ago -1 */
    long long days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
    report(p, P3S_CH_CERT_EXPIRING, col(p->old, P3S_COL_CERT_NOT_AFTER), end, days);
}

int p3s_diff_pair(struct p3s_diff *d, const struct p3s_row *old, const struct p3s_row *new)
{
    struct pair p = {d, old, new, 0, 0};
    const char *os = col(old, P3S_COL_STATE), *ns = col(new, P3S_COL_STATE);
    d->keys++;
    d->old_rows += old != NULL;
    d->new_rows += new != NULL;
    if (is_pop3(old) && !is_pop3(new))
        report(&p, P3S_CH_DISAPPEARED, os, ns, 0);
    else if (!is_pop3(old) && is_pop3(new))
        report(&p, P3S_CH_APPEARED, os, ns, 0);
    else if (!same(os, ns))
        report(&p, P3S_CH_STATE, os, ns, 0);
    else if (is_pop3(old) && is_pop3(new))
        compare_pop3(&p);
    check_expiry(&p);
    d->keys_changed += p.changed;
    if (d->failed)
        return -1;
    return p.stop;
}

/* ---- the walk -------------------------------------------------------------------------- */

/* The previous key of a stream, to check the stream is sorted. */
struct lastkey {
    struct p3s_dbuf text; /* target \0 ip \0 transport */
    struct p3s_row row;
    int set;
};

static int in_order(struct p3s_diff *d, struct lastkey *k, const struct p3s_row *r)
{
    if (k->set && p3s_row_key_cmp(&k->row, r) > 0)
        return 0;
    k->text.n = 0;
    const char *t = r->col[P3S_COL_TARGET], *ip = r->col[P3S_COL_IP],
               *tr = r->col[P3S_COL_TRANSPORT];
    size_t a = strlen(t) + 1, b = strlen(ip) + 1;
    put(d, &k->text, t, a);
    put(d, &k->text, ip, b);
    put(d, &k->text, tr, strlen(tr));
    if (d->failed)
        return 1;
    k->row.col[P3S_COL_TARGET] = k->text.p;
    k->row.col[P3S_COL_IP] = k->text.p + a;
    k->row.col[P3S_COL_TRANSPORT] = k->text.p + a + b;
    k->row.port = r->port;
    k->set = 1;
    return 1;
}

int p3s_diff_merge(struct p3s_diff *d, p3s_row_next next_old, void *old_ctx,
                   p3s_row_next next_new, void *new_ctx)
{
    const struct p3s_row *o = NULL, *n = NULL;
    struct lastkey ko, kn;
    memset(&ko, 0, sizeof ko);
    memset(&kn, 0, sizeof kn);
    int ho = next_old(old_ctx, &o), hn = next_new(new_ctx, &n), rc = 0;
    while (rc == 0 && ho >= 0 && hn >= 0 && (ho || hn)) {
        if ((ho && !in_order(d, &ko, o)) || (hn && !in_order(d, &kn, n))) {
            rc = -2;
            break;
        }
        int c = !ho ? 1 : !hn ? -1 : p3s_row_key_cmp(o, n);
        rc = p3s_diff_pair(d, c <= 0 ? o : NULL, c >= 0 ? n : NULL);
        if (c <= 0)
            ho = next_old(old_ctx, &o);
        if (c >= 0)
            hn = next_new(new_ctx, &n);
    }
    free(ko.text.p);
    free(kn.text.p);
    if (rc == 0 && (ho < 0 || hn < 0))
        rc = -1;
    return rc;
}
