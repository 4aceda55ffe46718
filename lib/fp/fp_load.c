/* fp_load.c — the loader half of the fingerprint matcher: parses fingerprint files
 * (fingerprints/README.md) into rules of PCRE2 conditions, checks templates and CPE names, checks
 * every rule's examples with the matcher (fp_match.c), and owns the database: its lifetime and the
 * queries on it. See fp.h for the contract, fp_internal.h for the shared structs. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_internal.h"

/* ---- limits ----------------------------------------------------------------------------- */

#define MAX_ID 64             /* longest rule id */
#define MAX_PATTERN 2048      /* longest pattern */
#define MATCH_LIMIT 100000    /* pcre2 match limit (backtracking steps) */
#define DEPTH_LIMIT 2000      /* pcre2 depth limit (interpreter backtracking depth) */
#define HEAP_LIMIT_KIB 4096   /* pcre2 heap limit for backtracking frames */
#define PRIORITY_LIMIT 1000000
#define DEFAULT_PRIORITY 100

/* ---- data --------------------------------------------------------------------------------- */

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
    for (size_t i = 0; i < r->ncond; i++) {
        pcre2_code_free(r->cond[i].re);
        free(r->cond[i].lf);
    }
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
    out->confidence = r->confidence;
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
    in->user = e->field[SRC_USER];
    in->user_len = e->len[SRC_USER];
    in->stls = e->field[SRC_STLS];
    in->stls_len = e->len[SRC_STLS];
    in->quit = e->field[SRC_QUIT];
    in->quit_len = e->len[SRC_QUIT];
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
            return fail(p, line, "%s: '}' without '{'", p3fp_out_names[field]);
        if (*q != '{')
            continue;
        const char *e = strchr(q + 1, '}');
        if (!e)
            return fail(p, line, "%s: '{' without '}'", p3fp_out_names[field]);
        const char *bar = memchr(q + 1, '|', (size_t)(e - q - 1));
        size_t nlen = bar ? (size_t)(bar - q - 1) : (size_t)(e - q - 1);
        if (bar && !p3fp_word_eq(bar + 1, (size_t)(e - bar - 1), "b64utf16"))
            return fail(p, line, "%s: unknown filter '%.*s' (known: b64utf16)",
                        p3fp_out_names[field], (int)(e - bar - 1), bar + 1);
        int known = 0;
        int oi = p3fp_out_index(q + 1, nlen);
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
                if (p3fp_word_eq(q + 1, nlen, (const char *)(table + (size_t)j * esize + 2)))
                    known = 1;
        }
        if (!known)
            return fail(p, line, "%s: {%.*s} names no capture of this rule", p3fp_out_names[field],
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
    if (p3fp_cpe_min_len(t) >= P3FP_FIELD_MAX)
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
        snprintf(buf, cap, "%s \"%.60s\"", p3fp_src_names[src], e->field[src]);
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
    for (size_t i = 0; i < r->ncond; i++)
        if (r->cond[i].kind == COND_MATCH)
            r->sources |= 1u << r->cond[i].src;
    if (!r->sources)
        return fail(p, r->line, "rule %s: needs at least one matching condition "
                                "(greeting, implementation, capa, error, cert, user, stls or "
                                "quit)",
                    r->id);
    if (r->confidence == P3FP_CONF_NONE) /* the bands of fingerprints/README.md */
        r->confidence = r->priority >= 90   ? P3FP_CONF_CERTAIN
                        : r->priority >= 60 ? P3FP_CONF_LIKELY
                                            : P3FP_CONF_GUESS;
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
        p3fp_input_fields(&in, f, l);
        struct p3fp_prefilter pf;
        pf.built = 0;
        int hit = p3fp_eval_rule(p->db, r, f, l, md, &pf, &m);
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
            if (e->expect[o] && strcmp(e->expect[o], p3fp_out_field(&m, o)) != 0)
                rc = fail(p, e->line, "rule %s: example gives %s \"%s\", expected \"%s\"", r->id,
                          p3fp_out_names[o], p3fp_out_field(&m, o), e->expect[o]);
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
            return fail(p, line, "%s: missing pattern", p3fp_src_names[src]);
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
        /* best effort: the interpreter else */
        c->jit = pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE) == 0;
        c->lf = p3fp_litfilter_new(pat, plen);
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
        if (p3fp_word_eq(id, n, p->db->rules[i].id))
            return 1;
    for (size_t i = 0; i < p->n; i++)
        if (p3fp_word_eq(id, n, p->rules[i].id))
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
    int src = p3fp_src_index(v, (size_t)(colon - v));
    if (src < 0)
        return fail(p, line, "unknown source '%.*s' (greeting, implementation, capa, "
                             "error, cert, user, stls, quit)",
                    (int)(colon - v), v);
    if (e->field[src])
        return fail(p, line, "%s given twice in one example", p3fp_src_names[src]);
    const char *t = colon + 1;
    while (t < v + vn && p3fp_is_blank(*t))
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
        if (!p3fp_is_alnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.')
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
    if (kn == 0 || (kn < n && !p3fp_is_blank(s[kn])))
        return fail(p, line, "expected KEY VALUE");
    const char *v = s + kn;
    while (v < s + n && p3fp_is_blank(*v))
        v++;
    size_t vn = (size_t)(s + n - v);

    if (p3fp_word_eq(s, kn, "rule"))
        return new_rule(p, line, v, vn);
    struct rule *r = p->cur;
    if (!r)
        return fail(p, line, "'%.*s' before the first rule", (int)kn, s);

    int src = p3fp_src_index(s, kn);
    if (src >= 0)
        return compile_cond(p, line, r, src, COND_MATCH, v, vn);
    if (p3fp_word_eq(s, kn, "not") || p3fp_word_eq(s, kn, "absent") ||
        p3fp_word_eq(s, kn, "present")) {
        size_t wn = 0;
        while (wn < vn && !p3fp_is_blank(v[wn]))
            wn++;
        int cs = p3fp_src_index(v, wn);
        if (cs < 0)
            return fail(p, line, "%.*s: unknown source '%.*s'", (int)kn, s, (int)wn, v);
        const char *pat = v + wn;
        while (pat < v + vn && p3fp_is_blank(*pat))
            pat++;
        size_t pn = (size_t)(v + vn - pat);
        if (p3fp_word_eq(s, kn, "not"))
            return compile_cond(p, line, r, cs, COND_NOT, pat, pn);
        if (pn)
            return fail(p, line, "%.*s %s takes no pattern", (int)kn, s, p3fp_src_names[cs]);
        return compile_cond(p, line, r, cs,
                            p3fp_word_eq(s, kn, "absent") ? COND_ABSENT : COND_PRESENT, NULL, 0);
    }
    int oi = p3fp_out_index(s, kn);
    if (oi >= 0) {
        if (r->out[oi])
            return fail(p, line, "%s given twice in rule %s", p3fp_out_names[oi], r->id);
        if (vn == 0)
            return fail(p, line, "%s: missing value", p3fp_out_names[oi]);
        r->out[oi] = dupn(v, vn);
        r->out_line[oi] = line;
        return r->out[oi] ? 0 : fail(p, line, "out of memory");
    }
    if (p3fp_word_eq(s, kn, "priority")) {
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
    if (p3fp_word_eq(s, kn, "confidence")) {
        if (r->confidence != P3FP_CONF_NONE)
            return fail(p, line, "confidence given twice in rule %s", r->id);
        for (int c = P3FP_CONF_GUESS; c <= P3FP_CONF_CERTAIN; c++)
            if (p3fp_word_eq(v, vn, p3fp_confidence_name((enum p3fp_confidence)c)))
                r->confidence = (enum p3fp_confidence)c;
        if (r->confidence == P3FP_CONF_NONE)
            return fail(p, line, "confidence: expected certain, likely or guess");
        return 0;
    }
    if (p3fp_word_eq(s, kn, "example"))
        return add_example(p, line, 0, v, vn);
    if (p3fp_word_eq(s, kn, "counterexample"))
        return add_example(p, line, 1, v, vn);
    if (p3fp_word_eq(s, kn, "with")) {
        if (!p->last_ex)
            return fail(p, line, "with: no example before it in rule %s", r->id);
        return parse_example_field(p, line, p->last_ex, v, vn);
    }
    if (p3fp_word_eq(s, kn, "expect")) {
        if (!p->last_ex || p->last_ex->counter)
            return fail(p, line, "expect: no example before it in rule %s", r->id);
        const char *colon = memchr(v, ':', vn);
        int ef = colon ? p3fp_out_index(v, (size_t)(colon - v)) : -1;
        if (ef < 0)
            return fail(p, line, "expect: expected FIELD: VALUE (vendor, product, version, cpe, "
                                 "os, host)");
        if (p->last_ex->expect[ef])
            return fail(p, line, "expect %s given twice for one example", p3fp_out_names[ef]);
        const char *t = colon + 1;
        while (t < v + vn && p3fp_is_blank(*t))
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
        while (b > a && (p3fp_is_blank(b[-1]) || b[-1] == '\r'))
            b--;
        while (a < b && p3fp_is_blank(*a))
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
