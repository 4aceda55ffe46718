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

/* fp_load.c: the OUT_ index of a field name, -1 when it names none. */
int p3fp_out_index(const char *s, size_t n);

/* ---- evaluation (fp_match.c) --------------------------------------------------------------- */

/* The sources of an input as texts (NULL: not seen), each cut at P3FP_SUBJECT_MAX. */
void p3fp_input_fields(const struct p3fp_input *in, const char *f[SRC_N], size_t l[SRC_N]);

/* Does rule r hold for the fields? Fills out (when not NULL) when it does. md holds
 * db->max_pairs pairs. */
int p3fp_eval_rule(const struct p3fp_db *db, const struct rule *r, const char *f[SRC_N],
                   const size_t l[SRC_N], pcre2_match_data *md, struct p3fp_match *out);

/* The field of m numbered by OUT_ index i. */
char *p3fp_out_field(struct p3fp_match *m, int i);

/* Length of a CPE template with each placeholder counted as one character ("*"). */
size_t p3fp_cpe_min_len(const char *p);

#endif
