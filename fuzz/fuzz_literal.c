/* fuzz_literal.c — libFuzzer target for the fingerprint matcher's prefilter (lib/fp/fp_literal.c):
 * is one of the literals taken from a pattern really in every text the pattern matches?
 *
 * Input: a first byte (bit 0: compile the pattern multi-line, as for the capa source), the
 * pattern, a NUL byte, the subject. When the pattern compiles as the loader compiles patterns
 * and matches the subject, one of the literals p3fp_required_literals() gives must occur in the
 * subject (ASCII letters compared without case), and the subject's trigram set must say it may —
 * else the prefilter would hide a match. Also: each literal is 3 to P3FP_LITERAL_MAX bytes,
 * NUL-terminated, lower-case.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fp_internal.h"

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Does the subject contain lit (lower-case) when its letters are lower-cased? */
static int contains(const uint8_t *s, size_t n, const char *lit, size_t ln)
{
    for (size_t i = 0; i + ln <= n; i++) {
        size_t k = 0;
        while (k < ln && lower(s[i + k]) == (unsigned char)lit[k])
            k++;
        if (k == ln)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int multiline = data[0] & 1;
    const uint8_t *pat = data + 1;
    const uint8_t *nul = memchr(pat, 0, size - 1);
    if (!nul)
        return 0;
    size_t plen = (size_t)(nul - pat);
    const uint8_t *subj = nul + 1;
    size_t slen = size - 1 - plen - 1;

    char lit[P3FP_LITERAL_ALTS][P3FP_LITERAL_MAX + 1];
    size_t len[P3FP_LITERAL_ALTS];
    memset(lit, 'x', sizeof lit);
    size_t nlit = p3fp_required_literals((const char *)pat, plen, lit, len);
    if (nlit > P3FP_LITERAL_ALTS)
        abort();
    for (size_t k = 0; k < nlit; k++) {
        if (len[k] > P3FP_LITERAL_MAX || len[k] < 3 || lit[k][len[k]] != 0)
            abort();
        for (size_t i = 0; i < len[k]; i++)
            if (lit[k][i] >= 'A' && lit[k][i] <= 'Z')
                abort();
    }

    int ec;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | (multiline ? PCRE2_MULTILINE : 0);
    pcre2_code *re = pcre2_compile(pat, plen, opts, &ec, &off, NULL);
    if (!re)
        return 0;
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!mctx || !md)
        abort();
    pcre2_set_match_limit(mctx, 20000);
    pcre2_set_depth_limit(mctx, 2000);
    int rc = pcre2_match(re, subj, slen, 0, 0, md, mctx);
    if (rc >= 0 && nlit) {
        struct p3fp_trigrams t;
        p3fp_trigrams_build(&t, (const char *)subj, slen);
        size_t k = 0;
        while (k < nlit && !(contains(subj, slen, lit[k], len[k]) &&
                             p3fp_trigrams_may_contain(&t, lit[k], len[k])))
            k++;
        if (k == nlit)
            abort(); /* the prefilter would have hidden this match */
    }
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
    pcre2_code_free(re);
    return 0;
}
