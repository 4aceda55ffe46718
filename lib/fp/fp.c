/* fp.c — the fingerprint matcher: parses fingerprint files (fingerprints/README.md) into rules of
 * PCRE2 conditions, checks every rule's examples while loading, and picks the best rule for what a
 * dialogue saw. See fp.h for the contract. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"

/* ---- limits ----------------------------------------------------------------------------- */

#define MAX_CONDS 8           /* conditions per rule */
#define MAX_CAPS 32           /* named captures kept per evaluation */
#define MAX_ID 64             /* longest rule id */
#define MAX_PATTERN 2048      /* longest pattern */
#define MATCH_LIMIT 100000    /* pcre2 match limit (backtracking steps) */
#define DEPTH_LIMIT 2000      /* pcre2 depth limit (interpreter backtracking depth) */
#define HEAP_LIMIT_KIB 4096   /* pcre2 heap limit for backtracking frames */
#define PRIORITY_LIMIT 1000000
#define DEFAULT_PRIORITY 100

/* ---- data --------------------------------------------------------------------------------- */

enum { SRC_GREETING, SRC_IMPLEMENTATION, SRC_CAPA, SRC_ERROR, SRC_CERT, SRC_N };
static const char *const src_names[SRC_N] = {"greeting", "implementation", "capa", "error", "cert"};

enum { OUT_VENDOR, OUT_PRODUCT, OUT_VERSION, OUT_CPE, OUT_OS, OUT_HOST, OUT_N };
static const char *const out_names[OUT_N] = {"vendor", "product", "version",
                                              "cpe",    "os",      "host"};

enum cond_kind {
    COND_MATCH,   /* SOURCE PATTERN: present and matches */
    COND_NOT,     /* not SOURCE PATTERN: absent, or present and does not match */
    COND_ABSENT,  /* absent SOURCE */
    COND_PRESENT  /* present SOURCE */
};

struct cond {
    int src;
    enum cond_kind kind;
    pcre2_code *re; /* COND_MATCH, COND_NOT */
};

struct example {
    int counter;
    unsigned line;
    char *field[SRC_N]; /* decoded text, NULL when the example does not give the source */
    size_t len[SRC_N];
    char *expect[OUT_N];
};

struct rule {
    char *id;
    const char *file; /* owned by the db */
    unsigned line;
    int priority, has_priority;
    char *out[OUT_N]; /* templates as written; NULL when not given */
    unsigned out_line[OUT_N];
    struct cond cond[MAX_CONDS];
    size_t ncond;
    struct example *ex;
    size_t nex;
};

struct p3fp_db {
    struct rule *rules;
    size_t n;
    size_t *order; /* evaluation order: priority descending, then load order */
    char **files;
    size_t nfiles;
    uint32_t max_pairs; /* ovector pairs the largest pattern needs */
    pcre2_match_context *mctx;
    pcre2_compile_context *cctx;
};

/* ---- small helpers ------------------------------------------------------------------------- */

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int word_eq(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

static int src_index(const char *s, size_t n)
{
    for (int i = 0; i < SRC_N; i++)
        if (word_eq(s, n, src_names[i]))
            return i;
    return -1;
}

static int out_index(const char *s, size_t n)
{
    for (int i = 0; i < OUT_N; i++)
        if (word_eq(s, n, out_names[i]))
            return i;
    return -1;
}

/* ---- bounded string building -------------------------------------------------------------- */

struct sbuf {
    char *b;
    size_t n, cap; /* cap includes the terminating NUL */
    int cut;
};

static void sb_init(struct sbuf *s, char *b, size_t cap)
{
    s->b = b;
    s->n = 0;
    s->cap = cap;
    s->cut = 0;
    b[0] = 0;
}

/* Appends server or template bytes: control bytes become '?'. */
static void sb_put(struct sbuf *s, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s->n + 1 >= s->cap) {
            s->cut = 1;
            break;
        }
        unsigned char c = (unsigned char)p[i];
        s->b[s->n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    s->b[s->n] = 0;
}

/* After a cut, drop a UTF-8 sequence left incomplete at the end so the value stays as valid as
 * it was. */
static void sb_finish(struct sbuf *s)
{
    if (!s->cut || s->n == 0)
        return;
    size_t i = s->n, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)s->b[i - 1] & 0xc0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s->b[i - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (lead >= 0xc0 && need > back + 1) {
        s->n = i - 1;
        s->b[s->n] = 0;
    }
}

/* ---- captures and templates -------------------------------------------------------------- */

struct cap {
    const char *name;
    const char *s;
    size_t len;
};

struct capset {
    size_t n;
    struct cap c[MAX_CAPS];
};

static const struct cap *cap_find(const struct capset *cs, const char *name, size_t nlen)
{
    for (size_t i = 0; i < cs->n; i++)
        if (word_eq(name, nlen, cs->c[i].name))
            return &cs->c[i];
    return NULL;
}

/* Filter b64utf16: the text is base64 of UTF-16LE (Microsoft Exchange's bracketed server name);
 * decodes it, keeping printable ASCII and writing '?' for anything else. */
static size_t b64utf16(const char *s, size_t len, char *dst, size_t cap)
{
    unsigned acc = 0, bits = 0, have = 0, lo = 0;
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            break;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            unsigned byte = (acc >> bits) & 0xff;
            if (!have) {
                lo = byte;
                have = 1;
            } else {
                unsigned unit = lo | (byte << 8);
                dst[n++] = (unit >= 0x20 && unit < 0x7f) ? (char)unit : '?';
                have = 0;
            }
        }
    }
    dst[n] = 0;
    return n;
}

/* Values a template may name: a capture, or (in vendor, product and cpe) a finished field. */
struct tctx {
    const struct capset *caps;
    const char *final[OUT_N]; /* finished fields, NULL where a template may not name them */
};

/* Resolves {name} or {name|filter}; tmp receives filtered text. Returns the value (empty when
 * the capture did not take part). */
static const char *resolve(const struct tctx *t, const char *ref, size_t rlen, char *tmp,
                           size_t tmpcap, size_t *vlen)
{
    const char *bar = memchr(ref, '|', rlen);
    size_t nlen = bar ? (size_t)(bar - ref) : rlen;
    const char *v = "";
    size_t len = 0;
    int oi = out_index(ref, nlen);
    if (oi >= 0 && t->final[oi]) {
        v = t->final[oi];
        len = strlen(v);
    } else {
        const struct cap *c = cap_find(t->caps, ref, nlen);
        if (c) {
            v = c->s;
            len = c->len;
        }
    }
    if (bar && len) {
        len = b64utf16(v, len, tmp, tmpcap);
        v = tmp;
    }
    *vlen = len;
    return v;
}

static void render(const char *tmpl, const struct tctx *t, char *dst)
{
    struct sbuf s;
    char tmp[P3FP_FIELD_MAX];
    sb_init(&s, dst, P3FP_FIELD_MAX);
    for (const char *p = tmpl; *p;) {
        if (*p == '{') {
            const char *e = strchr(p, '}'); /* validated at load */
            size_t vlen;
            const char *v = resolve(t, p + 1, (size_t)(e - p - 1), tmp, sizeof tmp, &vlen);
            sb_put(&s, v, vlen);
            p = e + 1;
        } else {
            const char *e = strchr(p, '{');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            sb_put(&s, p, n);
            p += n;
        }
    }
    sb_finish(&s);
}

/* Length of a CPE template with each placeholder counted as one character ("*"). */
static size_t cpe_min_len(const char *p)
{
    size_t n = 0;
    while (*p) {
        if (*p == '{') {
            p = strchr(p, '}') + 1;
            n++;
        } else {
            p++;
            n++;
        }
    }
    return n;
}

/* Escapes one CPE 2.3 formatted-string component value: letters (lower-cased), digits, '_', '.'
 * and '-' as they are, blanks as '_', other printable ASCII with a backslash, everything else
 * dropped; never more than budget bytes (budget >= 1) and never half an escape. An empty result is
 * "*" (ANY); a lone "-" would read as NA and is escaped. */
static size_t cpe_escape(const char *v, size_t len, char *dst, size_t budget)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        char a = 0, b = 0;
        if (is_alnum(c) || c == '_' || c == '.' || c == '-')
            a = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        else if (is_blank((char)c))
            a = '_';
        else if (c > 0x20 && c < 0x7f) {
            a = '\\';
            b = (char)c;
        } else
            continue;
        size_t need = b ? 2 : 1;
        if (n + need > budget)
            break;
        dst[n++] = a;
        if (b)
            dst[n++] = b;
    }
    if (n == 0) {
        dst[n++] = '*';
    } else if (n == 1 && dst[0] == '-') {
        if (budget >= 2) {
            dst[0] = '\\';
            dst[1] = '-';
            n = 2;
        } else {
            dst[0] = '*';
        }
    }
    return n;
}

static void render_cpe(const char *tmpl, const struct tctx *t, char *dst)
{
    size_t n = 0, max = P3FP_FIELD_MAX - 1;
    char tmp[P3FP_FIELD_MAX];
    for (const char *p = tmpl; *p;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            size_t vlen;
            const char *v = resolve(t, p + 1, (size_t)(e - p - 1), tmp, sizeof tmp, &vlen);
            size_t rest = cpe_min_len(e + 1);
            size_t budget = max - n - rest; /* >= 1: the template's minimum fits (checked) */
            n += cpe_escape(v, vlen, dst + n, budget);
            p = e + 1;
        } else {
            dst[n++] = *p++;
        }
    }
    dst[n] = 0;
}

/* ---- evaluation ----------------------------------------------------------------------------- */

static void input_fields(const struct p3fp_input *in, const char *f[SRC_N], size_t l[SRC_N])
{
    f[SRC_GREETING] = in->greeting;
    l[SRC_GREETING] = in->greeting_len;
    f[SRC_IMPLEMENTATION] = in->implementation;
    l[SRC_IMPLEMENTATION] = in->implementation_len;
    f[SRC_CAPA] = in->capa;
    l[SRC_CAPA] = in->capa_len;
    f[SRC_ERROR] = in->error;
    l[SRC_ERROR] = in->error_len;
    f[SRC_CERT] = in->cert;
    l[SRC_CERT] = in->cert_len;
    for (int i = 0; i < SRC_N; i++)
        if (l[i] > P3FP_SUBJECT_MAX)
            l[i] = P3FP_SUBJECT_MAX;
}

/* 1 match, 0 no match, -1 a limit was hit or another matching error. */
static int run(const struct p3fp_db *db, const pcre2_code *re, const char *s, size_t len,
               pcre2_match_data *md)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)(s ? s : ""), s ? len : 0, 0, 0, md, db->mctx);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static void collect_caps(const pcre2_code *re, const char *subject, pcre2_match_data *md,
                         struct capset *cs)
{
    uint32_t count = 0, esize = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
    if (count == 0)
        return;
    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * esize;
        uint32_t g = ((uint32_t)e[0] << 8) | e[1];
        const char *name = (const char *)(e + 2);
        if (g >= pairs || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
            continue;
        if (cap_find(cs, name, strlen(name)) || cs->n >= MAX_CAPS)
            continue; /* the first condition that sets a name wins */
        cs->c[cs->n].name = name;
        cs->c[cs->n].s = subject + ov[2 * g];
        cs->c[cs->n].len = ov[2 * g + 1] - ov[2 * g];
        cs->n++;
    }
}

static void match_clear(struct p3fp_match *out)
{
    out->rule_id = NULL;
    out->vendor[0] = out->product[0] = out->version[0] = 0;
    out->cpe[0] = out->os[0] = out->host[0] = 0;
}

static char *out_field(struct p3fp_match *m, int i)
{
    switch (i) {
    case OUT_VENDOR: return m->vendor;
    case OUT_PRODUCT: return m->product;
    case OUT_VERSION: return m->version;
    case OUT_CPE: return m->cpe;
    case OUT_OS: return m->os;
    default: return m->host;
    }
}

/* Does rule r hold for the fields? Fills out when it does. */
static int eval_rule(const struct p3fp_db *db, const struct rule *r, const char *f[SRC_N],
                     const size_t l[SRC_N], pcre2_match_data *md, struct p3fp_match *out)
{
    struct capset cs;
    cs.n = 0;
    for (size_t i = 0; i < r->ncond; i++) {
        const struct cond *c = &r->cond[i];
        const char *s = f[c->src];
        switch (c->kind) {
        case COND_ABSENT:
            if (s)
                return 0;
            break;
        case COND_PRESENT:
            if (!s)
                return 0;
            break;
        case COND_NOT:
            if (s && run(db, c->re, s, l[c->src], md) != 0)
                return 0; /* matched, or a limit was hit: the rule does not apply */
            break;
        case COND_MATCH:
            if (!s || run(db, c->re, s, l[c->src], md) != 1)
                return 0;
            collect_caps(c->re, s, md, &cs);
            break;
        }
    }
    if (!out)
        return 1;

    struct tctx t;
    memset(&t, 0, sizeof t);
    t.caps = &cs;
    match_clear(out);
    out->rule_id = r->id;
    /* version, os, host: the template when given (naming captures), else the same-named capture */
    static const int own[] = {OUT_VERSION, OUT_OS, OUT_HOST};
    for (size_t k = 0; k < 3; k++) {
        int o = own[k];
        char *dst = out_field(out, o);
        if (r->out[o]) {
            render(r->out[o], &t, dst);
        } else {
            const struct cap *c = cap_find(&cs, out_names[o], strlen(out_names[o]));
            struct sbuf sb;
            sb_init(&sb, dst, P3FP_FIELD_MAX);
            if (c)
                sb_put(&sb, c->s, c->len);
            sb_finish(&sb);
        }
    }
    t.final[OUT_VERSION] = out->version;
    t.final[OUT_OS] = out->os;
    t.final[OUT_HOST] = out->host;
    render(r->out[OUT_VENDOR], &t, out->vendor);
    render(r->out[OUT_PRODUCT], &t, out->product);
    t.final[OUT_VENDOR] = out->vendor;
    t.final[OUT_PRODUCT] = out->product;
    if (r->out[OUT_CPE])
        render_cpe(r->out[OUT_CPE], &t, out->cpe);
    return 1;
}

int p3fp_identify(const struct p3fp_db *db, const struct p3fp_input *in, struct p3fp_match *out)
{
    match_clear(out);
    if (!db || !in || db->n == 0)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create(db->max_pairs, NULL);
    if (!md)
        return 0;
    const char *f[SRC_N];
    size_t l[SRC_N];
    input_fields(in, f, l);
    int found = 0;
    for (size_t k = 0; k < db->n && !found; k++)
        found = eval_rule(db, &db->rules[db->order[k]], f, l, md, out);
    pcre2_match_data_free(md);
    if (!found)
        match_clear(out);
    return found;
}

int p3fp_rule_match(const struct p3fp_db *db, size_t rule, const struct p3fp_input *in,
                    struct p3fp_match *out)
{
    match_clear(out);
    if (!db || !in || rule >= db->n)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create(db->max_pairs, NULL);
    if (!md)
        return 0;
    const char *f[SRC_N];
    size_t l[SRC_N];
    input_fields(in, f, l);
    int found = eval_rule(db, &db->rules[rule], f, l, md, out);
    pcre2_match_data_free(md);
    if (!found)
        match_clear(out);
    return found;
}

/* ---- database lifetime and queries ------------------------------------------------------- */

static void example_free(struct example *e)
{
    for (int i = 0; i < SRC_N; i++)
        free(e->field[i]);
    for (int i = 0; i < OUT_N; i++)
        free(e->expect[i]);
}

static void rule_free(struct rule *r)
{
    free(r->id);
    for (int i = 0; i < OUT_N; i++)
        free(r->out[i]);
    for (size_t i = 0; i < r->ncond; i++)
        pcre2_code_free(r->cond[i].re);
    for (size_t i = 0; i < r->nex; i++)
        example_free(&r->ex[i]);
    free(r->ex);
}

struct p3fp_db *p3fp_db_new(void)
{
    struct p3fp_db *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    db->max_pairs = 1;
    db->mctx = pcre2_match_context_create(NULL);
    db->cctx = pcre2_compile_context_create(NULL);
    if (!db->mctx || !db->cctx) {
        p3fp_db_free(db);
        return NULL;
    }
    pcre2_set_match_limit(db->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(db->mctx, DEPTH_LIMIT);
    pcre2_set_heap_limit(db->mctx, HEAP_LIMIT_KIB);
    pcre2_set_max_pattern_length(db->cctx, MAX_PATTERN);
    return db;
}

void p3fp_db_free(struct p3fp_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++)
        rule_free(&db->rules[i]);
    free(db->rules);
    free(db->order);
    for (size_t i = 0; i < db->nfiles; i++)
        free(db->files[i]);
    free(db->files);
    pcre2_match_context_free(db->mctx);
    pcre2_compile_context_free(db->cctx);
    free(db);
}

size_t p3fp_db_rules(const struct p3fp_db *db)
{
    return db ? db->n : 0;
}

size_t p3fp_db_products(const struct p3fp_db *db)
{
    size_t count = 0;
    if (!db)
        return 0;
    for (size_t i = 0; i < db->n; i++) {
        const struct rule *r = &db->rules[i];
        size_t j = 0;
        for (; j < i; j++) {
            const struct rule *q = &db->rules[j];
            if (strcmp(q->out[OUT_VENDOR], r->out[OUT_VENDOR]) == 0 &&
                strcmp(q->out[OUT_PRODUCT], r->out[OUT_PRODUCT]) == 0)
                break;
        }
        if (j == i)
            count++;
    }
    return count;
}

int p3fp_db_rule(const struct p3fp_db *db, size_t index, struct p3fp_rule_info *out)
{
    if (!db || index >= db->n)
        return -1;
    const struct rule *r = &db->rules[index];
    out->id = r->id;
    out->vendor = r->out[OUT_VENDOR];
    out->product = r->out[OUT_PRODUCT];
    out->file = r->file;
    out->line = r->line;
    out->priority = r->priority;
    out->examples = r->nex;
    return 0;
}

static void example_input(const struct example *e, struct p3fp_input *in)
{
    in->greeting = e->field[SRC_GREETING];
    in->greeting_len = e->len[SRC_GREETING];
    in->implementation = e->field[SRC_IMPLEMENTATION];
    in->implementation_len = e->len[SRC_IMPLEMENTATION];
    in->capa = e->field[SRC_CAPA];
    in->capa_len = e->len[SRC_CAPA];
    in->error = e->field[SRC_ERROR];
    in->error_len = e->len[SRC_ERROR];
    in->cert = e->field[SRC_CERT];
    in->cert_len = e->len[SRC_CERT];
}

int p3fp_db_example(const struct p3fp_db *db, size_t rule, size_t i, struct p3fp_example *out)
{
    if (!db || rule >= db->n || i >= db->rules[rule].nex)
        return -1;
    const struct rule *r = &db->rules[rule];
    const struct example *e = &r->ex[i];
    out->counter = e->counter;
    out->file = r->file;
    out->line = e->line;
    example_input(e, &out->in);
    out->expect_vendor = e->expect[OUT_VENDOR];
    out->expect_product = e->expect[OUT_PRODUCT];
    out->expect_version = e->expect[OUT_VERSION];
    out->expect_cpe = e->expect[OUT_CPE];
    out->expect_os = e->expect[OUT_OS];
    out->expect_host = e->expect[OUT_HOST];
    return 0;
}

/* ---- parsing ------------------------------------------------------------------------------- */

struct parser {
    struct p3fp_db *db;
    const char *name;
    char *err;
    size_t errlen;
    struct rule *rules; /* rules of this file, added to the db only when all of it is good */
    size_t n, cap;
    struct rule *cur;
    struct example *last_ex; /* target of "with" and "expect" */
    const char *file;        /* db-owned copy of name */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(struct parser *p, unsigned line, const char *fmt, ...)
{
    if (p->err && p->errlen) {
        int k = snprintf(p->err, p->errlen, "%s:%u: ", p->name, line);
        if (k >= 0 && (size_t)k < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* Decodes an example or expect text: \n \r \t \\ \xHH. */
static int decode_text(struct parser *p, unsigned line, const char *s, size_t n, char **out,
                       size_t *olen)
{
    char *d = malloc(n + 1);
    size_t k = 0;
    if (!d)
        return fail(p, line, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            d[k++] = s[i];
            continue;
        }
        if (i + 1 >= n) {
            free(d);
            return fail(p, line, "text ends in a lone backslash");
        }
        char c = s[++i];
        if (c == 'n')
            d[k++] = '\n';
        else if (c == 'r')
            d[k++] = '\r';
        else if (c == 't')
            d[k++] = '\t';
        else if (c == '\\')
            d[k++] = '\\';
        else if (c == 'x' && i + 2 < n) {
            unsigned v = 0;
            for (int j = 1; j <= 2; j++) {
                char h = s[i + j];
                v <<= 4;
                if (h >= '0' && h <= '9')
                    v |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f')
                    v |= (unsigned)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F')
                    v |= (unsigned)(h - 'A' + 10);
                else {
                    free(d);
                    return fail(p, line, "bad \\x escape");
                }
            }
            d[k++] = (char)v;
            i += 2;
        } else {
            free(d);
            return fail(p, line, "unknown escape \\%c (use \\n \\r \\t \\\\ \\xHH)", c);
        }
    }
    d[k] = 0;
    *out = d;
    *olen = k;
    return 0;
}

/* Checks the {name} and {name|filter} references of a template. Plain fields (version, os, host)
 * may name captures of the rule; vendor, product and cpe may also name version, os and host. */
static int check_template(struct parser *p, const struct rule *r, int field)
{
    const char *t = r->out[field];
    unsigned line = r->out_line[field];
    for (const char *q = t; *q; q++) {
        if (*q == '}')
            return fail(p, line, "%s: '}' without '{'", out_names[field]);
        if (*q != '{')
            continue;
        const char *e = strchr(q + 1, '}');
        if (!e)
            return fail(p, line, "%s: '{' without '}'", out_names[field]);
        const char *bar = memchr(q + 1, '|', (size_t)(e - q - 1));
        size_t nlen = bar ? (size_t)(bar - q - 1) : (size_t)(e - q - 1);
        if (bar && !word_eq(bar + 1, (size_t)(e - bar - 1), "b64utf16"))
            return fail(p, line, "%s: unknown filter '%.*s' (known: b64utf16)", out_names[field],
                        (int)(e - bar - 1), bar + 1);
        int known = 0;
        int oi = out_index(q + 1, nlen);
        if ((field == OUT_VENDOR || field == OUT_PRODUCT || field == OUT_CPE) &&
            (oi == OUT_VERSION || oi == OUT_OS || oi == OUT_HOST))
            known = 1;
        for (size_t i = 0; i < r->ncond && !known; i++) {
            const pcre2_code *re = r->cond[i].re;
            uint32_t count = 0, esize = 0;
            PCRE2_SPTR table = NULL;
            if (!re || r->cond[i].kind != COND_MATCH)
                continue;
            pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
            pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
            pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
            for (uint32_t j = 0; j < count && !known; j++)
                if (word_eq(q + 1, nlen, (const char *)(table + (size_t)j * esize + 2)))
                    known = 1;
        }
        if (!known)
            return fail(p, line, "%s: {%.*s} names no capture of this rule", out_names[field],
                        (int)nlen, q + 1);
        q = e;
    }
    return 0;
}

/* cpe:2.3:PART:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other
 * — 13 components, placeholders standing for one escaped value each. */
static int check_cpe(struct parser *p, const struct rule *r)
{
    const char *t = r->out[OUT_CPE];
    unsigned line = r->out_line[OUT_CPE];
    if (strncmp(t, "cpe:2.3:", 8) != 0 || (t[8] != 'a' && t[8] != 'o' && t[8] != 'h') ||
        t[9] != ':')
        return fail(p, line, "cpe: must start cpe:2.3:a:, cpe:2.3:o: or cpe:2.3:h:");
    size_t comps = 1;
    for (const char *q = t; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '{') {
            q = strchr(q, '}');
            continue;
        }
        if (c == '\\') {
            if (!q[1])
                return fail(p, line, "cpe: ends in a lone backslash");
            c = (unsigned char)*++q;
            if (c == '{' || c == '}')
                return fail(p, line, "cpe: a placeholder cannot be escaped");
        } else if (c == ':')
            comps++;
        if (c <= 0x20 || c >= 0x7f)
            return fail(p, line, "cpe: blanks and control bytes are not allowed");
    }
    if (comps != 13)
        return fail(p, line, "cpe: %zu components, a CPE 2.3 name has 13", comps);
    if (cpe_min_len(t) >= P3FP_FIELD_MAX)
        return fail(p, line, "cpe: template too long");
    return 0;
}

static const char *describe_input(const struct example *e, char *buf, size_t cap)
{
    int src = -1;
    for (int i = 0; i < SRC_N && src < 0; i++)
        if (e->field[i])
            src = i;
    if (src < 0)
        snprintf(buf, cap, "(empty)");
    else
        snprintf(buf, cap, "%s \"%.60s\"", src_names[src], e->field[src]);
    return buf;
}

/* A finished rule: required keys, templates, and its own examples. */
static int finish_rule(struct parser *p)
{
    struct rule *r = p->cur;
    if (!r)
        return 0;
    p->cur = NULL;
    p->last_ex = NULL;
    if (!r->out[OUT_VENDOR])
        return fail(p, r->line, "rule %s: missing vendor", r->id);
    if (!r->out[OUT_PRODUCT])
        return fail(p, r->line, "rule %s: missing product", r->id);
    int positive = 0;
    for (size_t i = 0; i < r->ncond; i++)
        if (r->cond[i].kind == COND_MATCH)
            positive = 1;
    if (!positive)
        return fail(p, r->line, "rule %s: needs at least one matching condition "
                                "(greeting, implementation, capa, error or cert)",
                    r->id);
    int examples = 0;
    for (size_t i = 0; i < r->nex; i++)
        if (!r->ex[i].counter)
            examples++;
    if (!examples)
        return fail(p, r->line, "rule %s: needs at least one example", r->id);
    for (int f = 0; f < OUT_N; f++)
        if (r->out[f] && check_template(p, r, f) < 0)
            return -1;
    if (r->out[OUT_CPE] && check_cpe(p, r) < 0)
        return -1;

    pcre2_match_data *md = pcre2_match_data_create(p->db->max_pairs, NULL);
    if (!md)
        return fail(p, r->line, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < r->nex && rc == 0; i++) {
        struct example *e = &r->ex[i];
        struct p3fp_input in;
        struct p3fp_match m;
        const char *f[SRC_N];
        size_t l[SRC_N];
        char desc[128];
        example_input(e, &in);
        input_fields(&in, f, l);
        int hit = eval_rule(p->db, r, f, l, md, &m);
        if (e->counter) {
            if (hit)
                rc = fail(p, e->line, "rule %s matches its counterexample %s", r->id,
                          describe_input(e, desc, sizeof desc));
            continue;
        }
        if (!hit) {
            rc = fail(p, e->line, "rule %s does not match its example %s", r->id,
                      describe_input(e, desc, sizeof desc));
            continue;
        }
        for (int o = 0; o < OUT_N && rc == 0; o++)
            if (e->expect[o] && strcmp(e->expect[o], out_field(&m, o)) != 0)
                rc = fail(p, e->line, "rule %s: example gives %s \"%s\", expected \"%s\"", r->id,
                          out_names[o], out_field(&m, o), e->expect[o]);
    }
    pcre2_match_data_free(md);
    return rc;
}

static int compile_cond(struct parser *p, unsigned line, struct rule *r, int src,
                        enum cond_kind kind, const char *pat, size_t plen)
{
    if (r->ncond >= MAX_CONDS)
        return fail(p, line, "rule %s: more than %d conditions", r->id, MAX_CONDS);
    struct cond *c = &r->cond[r->ncond];
    c->src = src;
    c->kind = kind;
    c->re = NULL;
    if (kind == COND_MATCH || kind == COND_NOT) {
        if (plen == 0)
            return fail(p, line, "%s: missing pattern", src_names[src]);
        uint32_t opts = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP;
        if (src == SRC_CAPA)
            opts |= PCRE2_MULTILINE; /* ^ and $ at each capability line */
        int ec;
        PCRE2_SIZE off;
        c->re = pcre2_compile((PCRE2_SPTR)pat, plen, opts, &ec, &off, p->db->cctx);
        if (!c->re) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof msg);
            return fail(p, line, "bad pattern at offset %zu: %s", (size_t)off, (char *)msg);
        }
        (void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE); /* best effort: interpreter else */
        uint32_t groups = 0;
        pcre2_pattern_info(c->re, PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups + 1 > p->db->max_pairs)
            p->db->max_pairs = groups + 1;
    }
    r->ncond++;
    return 0;
}

static int id_taken(const struct parser *p, const char *id, size_t n)
{
    for (size_t i = 0; i < p->db->n; i++)
        if (word_eq(id, n, p->db->rules[i].id))
            return 1;
    for (size_t i = 0; i < p->n; i++)
        if (word_eq(id, n, p->rules[i].id))
            return 1;
    return 0;
}

/* "SOURCE: TEXT" of example, counterexample and with lines. */
static int parse_example_field(struct parser *p, unsigned line, struct example *e, const char *v,
                               size_t vn)
{
    const char *colon = memchr(v, ':', vn);
    if (!colon)
        return fail(p, line, "expected SOURCE: TEXT");
    int src = src_index(v, (size_t)(colon - v));
    if (src < 0)
        return fail(p, line, "unknown source '%.*s' (greeting, implementation, capa, "
                             "error, cert)",
                    (int)(colon - v), v);
    if (e->field[src])
        return fail(p, line, "%s given twice in one example", src_names[src]);
    const char *t = colon + 1;
    while (t < v + vn && is_blank(*t))
        t++;
    return decode_text(p, line, t, (size_t)(v + vn - t), &e->field[src], &e->len[src]);
}

static int new_rule(struct parser *p, unsigned line, const char *v, size_t vn)
{
    if (finish_rule(p) < 0)
        return -1;
    if (vn == 0)
        return fail(p, line, "rule: missing id");
    if (vn > MAX_ID)
        return fail(p, line, "rule: id longer than %d", MAX_ID);
    for (size_t i = 0; i < vn; i++)
        if (!is_alnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.')
            return fail(p, line, "rule: id may hold letters, digits, '-', '_' and '.'");
    if (id_taken(p, v, vn))
        return fail(p, line, "rule: id %.*s used twice", (int)vn, v);
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        struct rule *nr = realloc(p->rules, nc * sizeof *nr);
        if (!nr)
            return fail(p, line, "out of memory");
        p->rules = nr;
        p->cap = nc;
    }
    struct rule *r = &p->rules[p->n++];
    memset(r, 0, sizeof *r);
    r->id = dupn(v, vn);
    if (!r->id)
        return fail(p, line, "out of memory");
    r->file = p->file;
    r->line = line;
    r->priority = DEFAULT_PRIORITY;
    p->cur = r;
    return 0;
}

static int add_example(struct parser *p, unsigned line, int counter, const char *v, size_t vn)
{
    struct rule *r = p->cur;
    struct example *ne = realloc(r->ex, (r->nex + 1) * sizeof *ne);
    if (!ne)
        return fail(p, line, "out of memory");
    r->ex = ne;
    struct example *e = &r->ex[r->nex++];
    memset(e, 0, sizeof *e);
    e->counter = counter;
    e->line = line;
    p->last_ex = e;
    return parse_example_field(p, line, e, v, vn);
}

static int parse_line(struct parser *p, unsigned line, const char *s, size_t n)
{
    size_t kn = 0;
    while (kn < n && ((s[kn] >= 'a' && s[kn] <= 'z') || s[kn] == '-'))
        kn++;
    if (kn == 0 || (kn < n && !is_blank(s[kn])))
        return fail(p, line, "expected KEY VALUE");
    const char *v = s + kn;
    while (v < s + n && is_blank(*v))
        v++;
    size_t vn = (size_t)(s + n - v);

    if (word_eq(s, kn, "rule"))
        return new_rule(p, line, v, vn);
    struct rule *r = p->cur;
    if (!r)
        return fail(p, line, "'%.*s' before the first rule", (int)kn, s);

    int src = src_index(s, kn);
    if (src >= 0)
        return compile_cond(p, line, r, src, COND_MATCH, v, vn);
    if (word_eq(s, kn, "not") || word_eq(s, kn, "absent") || word_eq(s, kn, "present")) {
        size_t wn = 0;
        while (wn < vn && !is_blank(v[wn]))
            wn++;
        int cs = src_index(v, wn);
        if (cs < 0)
            return fail(p, line, "%.*s: unknown source '%.*s'", (int)kn, s, (int)wn, v);
        const char *pat = v + wn;
        while (pat < v + vn && is_blank(*pat))
            pat++;
        size_t pn = (size_t)(v + vn - pat);
        if (word_eq(s, kn, "not"))
            return compile_cond(p, line, r, cs, COND_NOT, pat, pn);
        if (pn)
            return fail(p, line, "%.*s %s takes no pattern", (int)kn, s, src_names[cs]);
        return compile_cond(p, line, r, cs, word_eq(s, kn, "absent") ? COND_ABSENT : COND_PRESENT,
                            NULL, 0);
    }
    int oi = out_index(s, kn);
    if (oi >= 0) {
        if (r->out[oi])
            return fail(p, line, "%s given twice in rule %s", out_names[oi], r->id);
        if (vn == 0)
            return fail(p, line, "%s: missing value", out_names[oi]);
        r->out[oi] = dupn(v, vn);
        r->out_line[oi] = line;
        return r->out[oi] ? 0 : fail(p, line, "out of memory");
    }
    if (word_eq(s, kn, "priority")) {
        if (r->has_priority)
            return fail(p, line, "priority given twice in rule %s", r->id);
        char buf[16];
        char *end;
        if (vn == 0 || vn >= sizeof buf)
            return fail(p, line, "priority: expected an integer");
        memcpy(buf, v, vn);
        buf[vn] = 0;
        long pr = strtol(buf, &end, 10);
        if (*end || pr < -PRIORITY_LIMIT || pr > PRIORITY_LIMIT)
            return fail(p, line, "priority: expected an integer from %d to %d", -PRIORITY_LIMIT,
                        PRIORITY_LIMIT);
        r->priority = (int)pr;
        r->has_priority = 1;
        return 0;
    }
    if (word_eq(s, kn, "example"))
        return add_example(p, line, 0, v, vn);
    if (word_eq(s, kn, "counterexample"))
        return add_example(p, line, 1, v, vn);
    if (word_eq(s, kn, "with")) {
        if (!p->last_ex)
            return fail(p, line, "with: no example before it in rule %s", r->id);
        return parse_example_field(p, line, p->last_ex, v, vn);
    }
    if (word_eq(s, kn, "expect")) {
        if (!p->last_ex || p->last_ex->counter)
            return fail(p, line, "expect: no example before it in rule %s", r->id);
        const char *colon = memchr(v, ':', vn);
        int ef = colon ? out_index(v, (size_t)(colon - v)) : -1;
        if (ef < 0)
            return fail(p, line, "expect: expected FIELD: VALUE (vendor, product, version, cpe, "
                                 "os, host)");
        if (p->last_ex->expect[ef])
            return fail(p, line, "expect %s given twice for one example", out_names[ef]);
        const char *t = colon + 1;
        while (t < v + vn && is_blank(*t))
            t++;
        size_t tl;
        return decode_text(p, line, t, (size_t)(v + vn - t), &p->last_ex->expect[ef], &tl);
    }
    return fail(p, line, "unknown key '%.*s'", (int)kn, s);
}

static void parser_discard(struct parser *p)
{
    for (size_t i = 0; i < p->n; i++)
        rule_free(&p->rules[i]);
    free(p->rules);
    p->rules = NULL;
    p->n = p->cap = 0;
}

int p3fp_db_load(struct p3fp_db *db, const char *buf, size_t len, const char *name, char *err,
                 size_t errlen)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    p.db = db;
    p.name = name ? name : "(fingerprints)";
    p.err = err;
    p.errlen = errlen;
    if (err && errlen)
        err[0] = 0;
    if (!db || (!buf && len))
        return fail(&p, 0, "no database or no buffer");

    char **nf = realloc(db->files, (db->nfiles + 1) * sizeof *nf);
    if (!nf)
        return fail(&p, 0, "out of memory");
    db->files = nf;
    char *fname = dupn(p.name, strlen(p.name));
    if (!fname)
        return fail(&p, 0, "out of memory");
    db->files[db->nfiles++] = fname; /* kept even on failure: freed with the db */
    p.file = fname;

    const char *q = buf, *end = buf + len;
    unsigned line = 0;
    int rc = 0;
    while (q < end && rc == 0) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end;
        line++;
        const char *a = q, *b = le;
        q = nl ? nl + 1 : end;
        if (memchr(a, 0, (size_t)(b - a))) {
            rc = fail(&p, line, "NUL byte");
            break;
        }
        while (b > a && (is_blank(b[-1]) || b[-1] == '\r'))
            b--;
        while (a < b && is_blank(*a))
            a++;
        if (a == b || *a == '#')
            continue;
        rc = parse_line(&p, line, a, (size_t)(b - a));
    }
    if (rc == 0)
        rc = finish_rule(&p);
    if (rc < 0) {
        parser_discard(&p);
        return -1;
    }

    /* Append this file's rules and recompute the evaluation order. */
    struct rule *all = realloc(db->rules, (db->n + p.n) * sizeof *all);
    size_t *order = all ? realloc(db->order, (db->n + p.n) * sizeof *order) : NULL;
    if (all)
        db->rules = all;
    if (!all || !order) {
        parser_discard(&p);
        return fail(&p, line, "out of memory");
    }
    db->order = order;
    if (p.n)
        memcpy(db->rules + db->n, p.rules, p.n * sizeof *p.rules);
    free(p.rules);
    db->n += p.n;
    /* Insertion sort: stable, so equal priorities keep load order. */
    for (size_t i = 0; i < db->n; i++) {
        size_t j = i;
        while (j > 0 && db->rules[db->order[j - 1]].priority < db->rules[i].priority) {
            db->order[j] = db->order[j - 1];
            j--;
        }
        db->order[j] = i;
    }
    return 0;
}
