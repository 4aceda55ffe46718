/* fp_match.c — the matching half of the fingerprint matcher: evaluates the rules fp_load.c loaded
 * against what a dialogue saw (conditions, named captures, templates and their filter, CPE
 * escaping) and picks the best rule (p3fp_identify) or tries one (p3fp_rule_match). The loader
 * also uses p3fp_eval_rule() to check each rule's examples. A pattern runs only when the text of
 * its source has the literal the pattern needs (the prefilter, fp_literal.c). See fp.h for the
 * contract, fp_internal.h for the shared structs. */
#include <stdint.h>
#include <string.h>

#include "fp_internal.h"

#define MAX_CAPS 32 /* named captures kept per evaluation */

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
        if (p3fp_word_eq(name, nlen, cs->c[i].name))
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
    int oi = p3fp_out_index(ref, nlen);
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
size_t p3fp_cpe_min_len(const char *p)
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
        if (p3fp_is_alnum(c) || c == '_' || c == '.' || c == '-')
            a = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        else if (p3fp_is_blank((char)c))
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
            size_t rest = p3fp_cpe_min_len(e + 1);
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

void p3fp_input_fields(const struct p3fp_input *in, const char *f[SRC_N], size_t l[SRC_N])
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
    f[SRC_USER] = in->user;
    l[SRC_USER] = in->user_len;
    f[SRC_STLS] = in->stls;
    l[SRC_STLS] = in->stls_len;
    f[SRC_QUIT] = in->quit;
    l[SRC_QUIT] = in->quit_len;
    for (int i = 0; i < SRC_N; i++)
        if (l[i] > P3FP_SUBJECT_MAX)
            l[i] = P3FP_SUBJECT_MAX;
}

/* 1 match, 0 no match, -1 a limit was hit or another matching error. A JIT-compiled pattern
 * goes straight to its machine code: pcre2_match's own checks and dispatch were as much CPU as
 * the matching itself with a few hundred short patterns (bench/fpcost.c). The match limit
 * holds either way; the depth limit is the interpreter's (JIT code has its own stack). */
static int run(const struct p3fp_db *db, const struct cond *c, const char *s, size_t len,
               pcre2_match_data *md)
{
    PCRE2_SPTR subject = (PCRE2_SPTR)(s ? s : "");
    size_t n = s ? len : 0;
    int rc = c->jit ? pcre2_jit_match(c->re, subject, n, 0, 0, md, db->mctx)
                    : pcre2_match(c->re, subject, n, 0, 0, md, db->mctx);
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
    out->confidence = P3FP_CONF_NONE;
    out->sources = 0;
    out->conflict_rule = NULL;
    out->conflict_vendor[0] = out->conflict_product[0] = 0;
}

char *p3fp_out_field(struct p3fp_match *m, int i)
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

/* Whether condition c's pattern can match the text of its source at all: false when the text
 * certainly lacks every literal one of which the pattern needs (fp_literal.c). */
static int may_match(const struct cond *c, const char *s, size_t len, struct p3fp_prefilter *pf)
{
    if (!c->lf)
        return 1;
    unsigned bit = 1u << c->src;
    if (!(pf->built & bit)) {
        p3fp_trigrams_build(&pf->src[c->src], s, len);
        pf->built |= bit;
    }
    return p3fp_litfilter_may_match(c->lf, &pf->src[c->src]);
}

/* The cheap half of p3fp_eval_rule: false when a condition certainly fails (a source it needs
 * was not seen, one it forbids was, a pattern's literal is missing). Called before the rule is
 * evaluated, it spares most rules the evaluation's set-up as well as the pattern matching. */
static int rule_may_match(const struct rule *r, const char *f[SRC_N], const size_t l[SRC_N],
                          struct p3fp_prefilter *pf)
{
    for (size_t i = 0; i < r->ncond; i++) {
        const struct cond *c = &r->cond[i];
        const char *s = f[c->src];
        if ((c->kind == COND_ABSENT && s) || (c->kind == COND_PRESENT && !s))
            return 0;
        if (c->kind == COND_MATCH && (!s || !may_match(c, s, l[c->src], pf)))
            return 0;
    }
    return 1;
}

/* Does rule r hold for the fields? Fills out when it does. */
int p3fp_eval_rule(const struct p3fp_db *db, const struct rule *r, const char *f[SRC_N],
                   const size_t l[SRC_N], pcre2_match_data *md, struct p3fp_prefilter *pf,
                   struct p3fp_match *out)
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
            if (s && may_match(c, s, l[c->src], pf) && run(db, c, s, l[c->src], md) != 0)
                return 0; /* matched, or a limit was hit: the rule does not apply */
            break;
        case COND_MATCH:
            if (!s || !may_match(c, s, l[c->src], pf) || run(db, c, s, l[c->src], md) != 1)
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
    out->confidence = r->confidence;
    out->sources = r->sources;
    /* version, os, host: the template when given (naming captures), else the same-named capture */
    static const int own[] = {OUT_VERSION, OUT_OS, OUT_HOST};
    for (size_t k = 0; k < 3; k++) {
        int o = own[k];
        char *dst = p3fp_out_field(out, o);
        if (r->out[o]) {
            render(r->out[o], &t, dst);
        } else {
            const struct cap *c = cap_find(&cs, p3fp_out_names[o], strlen(p3fp_out_names[o]));
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

/* The first of n rules (indexes into db->rules) that matches, written to out: its position in
 * rules, or n when none matches. */
static size_t match_first(const struct p3fp_db *db, const size_t *rules, size_t n,
                          const char *f[SRC_N], const size_t l[SRC_N], pcre2_match_data *md,
                          struct p3fp_prefilter *pf, struct p3fp_match *out)
{
    for (size_t k = 0; k < n; k++)
        if (rule_may_match(&db->rules[rules[k]], f, l, pf) &&
            p3fp_eval_rule(db, &db->rules[rules[k]], f, l, md, pf, out))
            return k;
    match_clear(out);
    return n;
}

/* Whether rule r, which did not win, may contradict the winner w: it reads none of the sources
 * w's patterns matched (a variant and its parent read the same greeting: no contradiction) and
 * weighs at least as much as w, or is more than a heuristic (a capability list alone never
 * lowers a product that names itself). */
static int may_contradict(const struct rule *r, const struct rule *w)
{
    if (r->sources & w->sources)
        return 0;
    return r->confidence >= w->confidence || r->confidence >= P3FP_CONF_LIKELY;
}

/* Lowers out's confidence one step when a later rule (in evaluation order) that may contradict
 * the winner matches and names another vendor; keeps the first such rule as the reason. */
static void check_conflicts(const struct p3fp_db *db, size_t won, const char *f[SRC_N],
                            const size_t l[SRC_N], pcre2_match_data *md,
                            struct p3fp_prefilter *pf, struct p3fp_match *out)
{
    const struct rule *w = &db->rules[db->order[won]];
    struct p3fp_match other;
    for (size_t k = won + 1; k < db->n; k++) {
        const struct rule *r = &db->rules[db->order[k]];
        if (!may_contradict(r, w) || !rule_may_match(r, f, l, pf) ||
            !p3fp_eval_rule(db, r, f, l, md, pf, &other) ||
            strcmp(other.vendor, out->vendor) == 0)
            continue;
        out->conflict_rule = r->id;
        memcpy(out->conflict_vendor, other.vendor, sizeof out->conflict_vendor);
        memcpy(out->conflict_product, other.product, sizeof out->conflict_product);
        out->confidence = (enum p3fp_confidence)(out->confidence - 1);
        return;
    }
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
    p3fp_input_fields(in, f, l);
    struct p3fp_prefilter pf;
    pf.built = 0;
    size_t won = match_first(db, db->order, db->n, f, l, md, &pf, out);
    if (won < db->n)
        check_conflicts(db, won, f, l, md, &pf, out);
    pcre2_match_data_free(md);
    if (won == db->n || out->confidence == P3FP_CONF_NONE) {
        match_clear(out);
        return 0;
    }
    return 1;
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
    p3fp_input_fields(in, f, l);
    struct p3fp_prefilter pf;
    pf.built = 0;
    size_t k = match_first(db, &rule, 1, f, l, md, &pf, out);
    pcre2_match_data_free(md);
    return k == 0;
}
