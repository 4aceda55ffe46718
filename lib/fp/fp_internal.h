/* fp_internal.h — what the two halves of the fingerprint matcher share and nothing else uses: the
 * compiled rules and the database (struct p3fp_db of fp.h), the numbering of sources and fields,
 * and the helpers each half lends the other. fp_load.c parses fingerprint files into these
 * structs, owns the database and checks every rule's examples with p3fp_eval_rule(); fp_match.c
 * evaluates the rules against an input. Private to lib/fp: not installed, included nowhere else. */
#ifndef P3FP_INTERNAL_H
#define P3FP_INTERNAL_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fp.h"

#define MAX_CONDS 8 /* conditions per rule */
#define P3FP_LITERAL_MAX 15 /* longest required literal kept per pattern (its prefix is kept) */
#define P3FP_LITERAL_ALTS 8 /* a pattern may require one of up to this many literals */
#define P3FP_TRIGRAM_BITS 12 /* a subject's three-byte sequences hashed into 4096 bits */

/* ---- data --------------------------------------------------------------------------------- */

/* The sources a condition reads and the fields a rule gives; the names are the words of the
 * file format (fingerprints/README.md). */
enum {
    SRC_GREETING = P3FP_SRC_GREETING,
    SRC_IMPLEMENTATION = P3FP_SRC_IMPLEMENTATION,
    SRC_CAPA = P3FP_SRC_CAPA,
    SRC_ERROR = P3FP_SRC_ERROR,
    SRC_CERT = P3FP_SRC_CERT,
    SRC_USER = P3FP_SRC_USER,
    SRC_STLS = P3FP_SRC_STLS,
    SRC_QUIT = P3FP_SRC_QUIT,
    SRC_N = P3FP_SRC_COUNT
};
enum { OUT_VENDOR, OUT_PRODUCT, OUT_VERSION, OUT_CPE, OUT_OS, OUT_HOST, OUT_N };
extern const char *const p3fp_out_names[OUT_N];

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
    int jit;        /* re was JIT-compiled: matched with pcre2_jit_match (no per-call checks) */
    struct litfilter *lf; /* the prefilter's literals (fp_literal.c); NULL: none known, the
                             pattern always runs */
};

/* Every match of a pattern contains one of nlit literals, lower-cased; tri holds each literal's
 * three-byte sequences as hashed by the prefilter (len - 2 of them). Kept out of struct cond so
 * the rule array the matcher walks stays small. */
struct litfilter {
    size_t nlit;
    size_t len[P3FP_LITERAL_ALTS];
    char lit[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1];
    uint16_t tri[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX - 2];
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
    enum p3fp_confidence confidence; /* as written, else from the priority (finish_rule) */
    unsigned sources;                /* bits of the sources of its COND_MATCH conditions */
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

static inline int p3fp_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline int p3fp_is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static inline int p3fp_word_eq(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* fp_names.c: the source words, and the SRC_ or OUT_ index of a word (-1 when it names none). */
extern const char *const p3fp_src_names[SRC_N];
int p3fp_src_index(const char *s, size_t n);
int p3fp_out_index(const char *s, size_t n);

/* ---- the prefilter (fp_literal.c) ------------------------------------------------------------ */

/* What every match of pattern p[0..n) contains: one of the returned number of literals (each
 * at least 3 bytes, at most P3FP_LITERAL_MAX — a longer one is cut to its prefix — lower-cased
 * and NUL-terminated in out, their lengths in len); 0 when nothing is known. The alternatives of
 * the pattern, and of groups that must match (not optional, not assertions), each give theirs;
 * otherwise only text outside groups and classes and not under a quantifier counts. Conservative:
 * an alternative without a literal, the x option, conditionals, back references or an escape
 * the reader does not know give nothing. */
size_t p3fp_required_literals(const char *p, size_t n,
                              char out[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1],
                              size_t len[P3FP_LITERAL_ALTS]);
/* The same when the pattern needs one literal (no alternatives): its length, else 0. */
size_t p3fp_required_literal(const char *p, size_t n, char out[P3FP_LITERAL_MAX + 1]);

/* The set of a text's three-byte sequences (ASCII letters lower-cased), as hashed bits: a
 * literal with a sequence not in the set is certainly not in the text. */
struct p3fp_trigrams {
    uint64_t bit[(1u << P3FP_TRIGRAM_BITS) / 64];
};
void p3fp_trigrams_build(struct p3fp_trigrams *t, const char *s, size_t n);
int p3fp_trigrams_may_contain(const struct p3fp_trigrams *t, const char *lit, size_t n);
/* The literals of pattern p[0..n) with their sequences hashed, or NULL when none is known (or
 * out of memory: the pattern then always runs). Freed with free(). */
struct litfilter *p3fp_litfilter_new(const char *p, size_t n);
/* May a text with trigram set t match a pattern with filter lf? */
int p3fp_litfilter_may_match(const struct litfilter *lf, const struct p3fp_trigrams *t);

/* The trigram sets of one input's sources, built on first use during one identification. */
struct p3fp_prefilter {
    unsigned built; /* bit (1u << SRC_x): src[SRC_x] is built */
    struct p3fp_trigrams src[SRC_N];
};

/* ---- evaluation (fp_match.c) --------------------------------------------------------------- */

/* The sources of an input as texts (NULL: not seen), each cut at P3FP_SUBJECT_MAX. */
void p3fp_input_fields(const struct p3fp_input *in, const char *f[SRC_N], size_t l[SRC_N]);

/* Does rule r hold for the fields? Fills out (when not NULL) when it does. md holds
 * db->max_pairs pairs; pf is the prefilter of these fields (pf->built 0 before the first rule). */
int p3fp_eval_rule(const struct p3fp_db *db, const struct rule *r, const char *f[SRC_N],
                   const size_t l[SRC_N], pcre2_match_data *md, struct p3fp_prefilter *pf,
                   struct p3fp_match *out);

/* The field of m numbered by OUT_ index i. */
char *p3fp_out_field(struct p3fp_match *m, int i);

/* Length of a CPE template with each placeholder counted as one character ("*"). */
size_t p3fp_cpe_min_len(const char *p);

#endif
