/* fp_literal.c — the fingerprint matcher's prefilter. With a few hundred rules, most of
 * identification's cost was calling PCRE2 once per rule only to hear "no match" (bench/fpcost.c).
 * So the loader takes from each pattern the literals one of which every match must contain
 * (p3fp_required_literals: one per alternative, from the text outside groups and classes or from
 * a group that must match) and hashes their three-byte sequences (p3fp_litfilter_new); the
 * matcher keeps, per source and per identification, the set of the text's three-byte sequences
 * (p3fp_trigrams_build): a pattern none of whose literals can be in the text is not run. Both
 * sides lower-case ASCII letters, so case-blind patterns are covered and case-sensitive ones are
 * filtered a little less sharply — never wrongly. The reading is conservative: when in doubt, no
 * literal, and the pattern runs. tests/unit/test_fp.c and fuzz/fuzz_literal.c hold it to that. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fp_internal.h"

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Index just past the character class starting at p[i] == '[', or SIZE_MAX when it does not
 * close or holds what PCRE2 reads in ways this reader does not follow: a '[' (POSIX classes
 * "[:alpha:]" and their near misses, which PCRE2 takes literally) or a quoted \Q…\E. A ']' right
 * after '[' or '[^' is a member. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && p[j] == '^')
        j++;
    if (j < n && p[j] == ']')
        j++;
    while (j < n) {
        if (p[j] == '\\') {
            if (j + 1 < n && (p[j + 1] == 'Q' || p[j + 1] == 'E'))
                return SIZE_MAX;
            j += 2;
        } else if (p[j] == '[') {
            return SIZE_MAX;
        } else if (p[j] == ']') {
            return j + 1;
        } else {
            j++;
        }
    }
    return SIZE_MAX;
}

/* Index just past the group starting at p[i] == '(', or SIZE_MAX when it does not close. */
static size_t skip_group(const char *p, size_t n, size_t i)
{
    int depth = 0;
    for (size_t j = i; j < n;) {
        if (p[j] == '\\') {
            if (j + 1 < n && (p[j + 1] == 'Q' || p[j + 1] == 'E'))
                return SIZE_MAX; /* quoted text: its parentheses are not groups */
            j += 2;
        } else if (p[j] == '[') {
            j = skip_class(p, n, j);
            if (j == SIZE_MAX)
                return SIZE_MAX;
        } else {
            if (p[j] == '(')
                depth++;
            else if (p[j] == ')' && --depth == 0)
                return j + 1;
            j++;
        }
    }
    return SIZE_MAX;
}

/* An inline option setting "(?i)", "(?J)", "(?-i)": its length, 0 when p[i] starts something
 * else; -1 when it sets x or xx (blanks and '#' stop being literals). */
static long option_setting(const char *p, size_t n, size_t i)
{
    if (i + 2 >= n || p[i + 1] != '?')
        return 0;
    size_t j = i + 2;
    while (j < n && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
                     p[j] == '-' || p[j] == '^'))
        j++;
    if (j == i + 2 || j >= n || p[j] != ')')
        return 0;
    if (memchr(p + i + 2, 'x', j - i - 2))
        return -1;
    return (long)(j + 1 - i);
}

/* The length of a counted quantifier "{n}", "{n,}", "{n,m}", "{,m}" at p[i], 0 when p[i] is a
 * '{' that starts none (PCRE2 then takes it literally). */
static size_t counted_quantifier(const char *p, size_t n, size_t i)
{
    size_t j = i + 1, digits = 0;
    while (j < n && p[j] >= '0' && p[j] <= '9')
        j++, digits++;
    if (j < n && p[j] == ',') {
        j++;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            j++, digits++;
    }
    return j < n && p[j] == '}' && digits > 0 ? j + 1 - i : 0;
}

/* Escapes that match one class of characters or a position (they end a literal); any other
 * letter or digit escape (\x.., \Q, back references, \p{..}) makes the pattern too involved. */
static int is_class_escape(unsigned char e)
{
    return strchr("dDwWsSbBAzZGhHvVRXKnrtfea", e) != NULL;
}

/* What a piece of a pattern requires: one of n literals (n 0: nothing known). */
struct litset {
    size_t n;
    size_t len[P3FP_LITERAL_ALTS];
    char s[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1];
};

/* How sharp a requirement is: its shortest literal (a set is as weak as its weakest member). */
static size_t score(const struct litset *ls)
{
    size_t m = ls->n ? ls->len[0] : 0;
    for (size_t i = 1; i < ls->n; i++)
        if (ls->len[i] < m)
            m = ls->len[i];
    return m;
}

/* Keeps cand in best when it is sharper (or as sharp with fewer literals). */
static void keep_better(struct litset *best, const struct litset *cand)
{
    size_t a = score(cand), b = score(best);
    if (a >= 3 && (a > b || (a == b && cand->n < best->n)))
        *best = *cand;
}

/* One alternative being read: the current run of literal characters and the best requirement
 * seen so far in it. */
struct alt {
    char run[P3FP_LITERAL_MAX + 1];
    size_t rl;
    int last_lit; /* the previous token was a character added to run */
    struct litset best;
};

static void end_run(struct alt *a)
{
    if (a->rl >= 3) {
        struct litset one;
        one.n = 1;
        one.len[0] = a->rl;
        memcpy(one.s[0], a->run, a->rl);
        one.s[0][a->rl] = 0;
        keep_better(&a->best, &one);
    }
    a->rl = 0;
    a->last_lit = 0;
}

static void add_char(struct alt *a, unsigned char c)
{
    if (a->rl < P3FP_LITERAL_MAX) { /* a prefix of a required literal is required too */
        a->run[a->rl++] = (char)lower(c);
        a->last_lit = 1;
    } else {
        a->last_lit = 0; /* not in run: a quantifier after it must not drop another */
    }
}

/* A quantifier after a character makes it optional or repeated: it leaves the run, which ends. */
static void quantifier(struct alt *a)
{
    if (a->last_lit && a->rl > 0)
        a->rl--;
    end_run(a);
}

/* Adds alternative a's requirement to the union u of the alternatives read so far; -1 when the
 * union requires nothing (an alternative with no literal, or too many literals). */
static int add_alternative(struct litset *u, struct alt *a)
{
    end_run(a);
    if (a->best.n == 0 || u->n + a->best.n > P3FP_LITERAL_ALTS)
        return -1;
    for (size_t i = 0; i < a->best.n; i++) {
        size_t k = 0;
        while (k < u->n && strcmp(u->s[k], a->best.s[i]) != 0)
            k++;
        if (k < u->n)
            continue; /* "(?:Zoho|ZOHO)": one literal once lower-cased */
        u->len[u->n] = a->best.len[i];
        memcpy(u->s[u->n], a->best.s[i], sizeof u->s[0]);
        u->n++;
    }
    return 0;
}

/* Is the quantifier at p[i] (if any) one that allows zero repetitions? */
static int allows_zero(const char *p, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (p[i] == '?' || p[i] == '*')
        return 1;
    if (p[i] == '{' && counted_quantifier(p, n, i)) {
        size_t j = i + 1, v = 0;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            v = v * 10 + (size_t)(p[j++] - '0');
        return j == i + 1 || v == 0; /* "{,m}" or "{0…" */
    }
    return 0;
}

/* Where the content of the group at p[i] == '(' starts, for groups that match text of their own
 * (capturing, named, non-capturing, with options, atomic, branch reset); 0 for assertions and
 * comments (skipped: they consume nothing); SIZE_MAX for what the reader does not follow
 * (conditionals, recursion, verbs, the x option): no literal then. */
static size_t group_content(const char *p, size_t n, size_t i)
{
    if (i + 1 < n && p[i + 1] == '*')
        return SIZE_MAX;
    if (i + 1 >= n || p[i + 1] != '?')
        return i + 1;
    if (i + 2 >= n)
        return SIZE_MAX;
    char k = p[i + 2];
    if (k == ':' || k == '>' || k == '|')
        return i + 3;
    if (k == '=' || k == '!' || k == '#')
        return 0;
    if (k == '<' && i + 3 < n && (p[i + 3] == '=' || p[i + 3] == '!'))
        return 0;
    if (k == '<' || k == '\'' || (k == 'P' && i + 3 < n && p[i + 3] == '<')) {
        char close = k == '\'' ? '\'' : '>';
        const char *e = memchr(p + i + 3, close, n - i - 3);
        return e ? (size_t)(e - p) + 1 : SIZE_MAX;
    }
    /* options for the group: "(?i:", "(?-i:" */
    size_t j = i + 2;
    while (j < n && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
                     p[j] == '-' || p[j] == '^'))
        j++;
    if (j > i + 2 && j < n && p[j] == ':' && !memchr(p + i + 2, 'x', j - i - 2))
        return j + 1;
    return SIZE_MAX;
}

/* Reads the alternatives of p[*i..n) up to a ')' closing this level (or the end): what a match
 * of them requires goes to out. Returns -1 when the pattern is beyond the reader. */
static int read_alternatives(const char *p, size_t n, size_t *i, int depth, struct litset *out)
{
    if (depth > 16)
        return -1;
    struct litset u;
    struct alt a;
    int none = 0;
    u.n = 0;
    memset(&a, 0, sizeof a);
    while (*i < n && p[*i] != ')') {
        unsigned char c = (unsigned char)p[*i];
        if (c == '(') {
            long opt = option_setting(p, n, *i);
            if (opt < 0)
                return -1;
            end_run(&a);
            if (opt > 0) {
                *i += (size_t)opt;
                continue;
            }
            size_t end = skip_group(p, n, *i), content = group_content(p, n, *i);
            if (end == SIZE_MAX || content == SIZE_MAX)
                return -1;
            if (content && !allows_zero(p, n, end)) {
                struct litset inner;
                size_t k = content;
                if (read_alternatives(p, end - 1, &k, depth + 1, &inner) < 0)
                    return -1;
                keep_better(&a.best, &inner);
            }
            *i = end;
        } else if (c == '[') {
            end_run(&a);
            *i = skip_class(p, n, *i);
            if (*i == SIZE_MAX)
                return -1;
        } else if (c == '|') {
            if (add_alternative(&u, &a) < 0)
                none = 1;
            memset(&a, 0, sizeof a);
            (*i)++;
        } else if (c == '?' || c == '*') {
            quantifier(&a);
            (*i)++;
        } else if (c == '{') {
            size_t q = counted_quantifier(p, n, *i);
            if (q) {
                quantifier(&a);
                *i += q;
            } else { /* a '{' that starts no quantifier is a literal; not taken, to be safe */
                end_run(&a);
                (*i)++;
            }
        } else if (c == '+') {
            end_run(&a); /* once at least: the character stays, the run ends */
            (*i)++;
        } else if (c == '^' || c == '$' || c == '.') {
            end_run(&a);
            (*i)++;
        } else if (c == '\\') {
            if (*i + 1 >= n)
                return -1;
            unsigned char e = (unsigned char)p[*i + 1];
            if (!p3fp_is_alnum(e) && e < 0x80)
                add_char(&a, e); /* an escaped punctuation character is itself */
            else if (is_class_escape(e))
                end_run(&a);
            else
                return -1;
            *i += 2;
        } else {
            add_char(&a, c);
            (*i)++;
        }
    }
    if (add_alternative(&u, &a) < 0)
        none = 1;
    if (none)
        u.n = 0;
    *out = u;
    return 0;
}

size_t p3fp_required_literals(const char *p, size_t n,
                              char out[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1],
                              size_t len[P3FP_LITERAL_ALTS])
{
    struct litset ls;
    size_t i = 0;
    if (read_alternatives(p, n, &i, 0, &ls) < 0 || i != n || score(&ls) < 3)
        return 0;
    for (size_t k = 0; k < ls.n; k++) {
        memcpy(out[k], ls.s[k], sizeof out[k]);
        len[k] = ls.len[k];
    }
    return ls.n;
}

size_t p3fp_required_literal(const char *p, size_t n, char out[P3FP_LITERAL_MAX + 1])
{
    char lits[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1];
    size_t len[P3FP_LITERAL_ALTS];
    if (p3fp_required_literals(p, n, lits, len) != 1)
        return 0;
    memcpy(out, lits[0], len[0] + 1);
    return len[0];
}

static unsigned trigram(unsigned char a, unsigned char b, unsigned char c)
{
    uint32_t v = (uint32_t)lower(a) << 16 | (uint32_t)lower(b) << 8 | lower(c);
    return (unsigned)((v * 2654435761u) >> (32 - P3FP_TRIGRAM_BITS));
}

void p3fp_trigrams_build(struct p3fp_trigrams *t, const char *s, size_t n)
{
    memset(t->bit, 0, sizeof t->bit);
    for (size_t i = 0; i + 2 < n; i++) {
        unsigned h = trigram((unsigned char)s[i], (unsigned char)s[i + 1],
                             (unsigned char)s[i + 2]);
        t->bit[h >> 6] |= (uint64_t)1 << (h & 63);
    }
}

int p3fp_trigrams_may_contain(const struct p3fp_trigrams *t, const char *lit, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        unsigned h = trigram((unsigned char)lit[i], (unsigned char)lit[i + 1],
                             (unsigned char)lit[i + 2]);
        if (!(t->bit[h >> 6] & (uint64_t)1 << (h & 63)))
            return 0;
    }
    return 1;
}

struct litfilter *p3fp_litfilter_new(const char *p, size_t n)
{
    struct litfilter tmp;
    tmp.nlit = p3fp_required_literals(p, n, tmp.lit, tmp.len);
    if (tmp.nlit == 0)
        return NULL;
    for (size_t k = 0; k < tmp.nlit; k++)
        for (size_t i = 0; i + 2 < tmp.len[k]; i++)
            tmp.tri[k][i] = (uint16_t)trigram((unsigned char)tmp.lit[k][i],
                                              (unsigned char)tmp.lit[k][i + 1],
                                              (unsigned char)tmp.lit[k][i + 2]);
    struct litfilter *lf = malloc(sizeof *lf);
    if (lf)
        *lf = tmp;
    return lf;
}

int p3fp_litfilter_may_match(const struct litfilter *lf, const struct p3fp_trigrams *t)
{
    for (size_t k = 0; k < lf->nlit; k++) {
        size_t i = 0, n = lf->len[k] - 2;
        while (i < n && (t->bit[lf->tri[k][i] >> 6] & (uint64_t)1 << (lf->tri[k][i] & 63)))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}
