/* identify.c — identification of a finished record (see identify.h): the record's replies made
 * into the input of the fingerprint matcher (lib/fp), through a cache of recent answers. */
#include "identify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"
#include "pop3.h"
#include "record.h"
#include "util.h"

/* The text after the status word and its blank ("+OK Dovecot ready." -> "Dovecot ready."). */
static void after_status(const struct p3s_bytes *b, const char **p, size_t *n)
{
    size_t skip = p3_reply_text(b->p, b->n);
    *p = b->p + skip;
    *n = b->n - skip;
}

static int is_err(const struct p3s_bytes *b)
{
    return b->p && p3_reply_status(b->p, b->n) == P3_ST_ERR;
}

/* Identification is a pure function of its inputs, and a scan meets the same software over and
 * over (a range of one provider's servers): the answers for recent inputs are kept, keyed by the
 * exact bytes of every field, so the rules run once per distinct server rather than per target.
 * It took a sixth of the scanner's user time on a /16. */
#define FP_CACHE_SLOTS 256
#define FP_CACHE_KEY_MAX 4096

struct fp_cache_slot {
    uint64_t hash;
    char *key;
    size_t len;
    int matched;
    struct p3fp_match m;
};

struct p3s_identifier {
    const struct p3fp_db *db;
    struct fp_cache_slot slot[FP_CACHE_SLOTS];
};

static size_t key_field(char *key, size_t at, const char *p, size_t n)
{
    if (at + 5 + n > FP_CACHE_KEY_MAX)
        return SIZE_MAX;
    key[at] = p ? 1 : 0; /* seen and empty differs from not seen */
    memcpy(key + at + 1, &n, 4);
    memcpy(key + at + 5, p ? p : "", n);
    return at + 5 + n;
}

/* The cache key of an input, or 0 when it is too long to keep. */
static size_t input_key(const struct p3fp_input *in, char *key)
{
    const char *p[] = {in->greeting, in->implementation, in->capa, in->error,
                       in->cert,     in->user,           in->stls, in->quit};
    size_t n[] = {in->greeting_len, in->implementation_len, in->capa_len, in->error_len,
                  in->cert_len,     in->user_len,           in->stls_len, in->quit_len};
    size_t at = 0;
    for (size_t i = 0; i < sizeof p / sizeof p[0] && at != SIZE_MAX; i++)
        at = n[i] >= FP_CACHE_KEY_MAX ? SIZE_MAX : key_field(key, at, p[i], n[i]);
    return at == SIZE_MAX ? 0 : at;
}

static int identify_cached(struct p3s_identifier *id, const struct p3fp_input *in,
                           struct p3fp_match *m)
{
    char key[FP_CACHE_KEY_MAX];
    size_t len = input_key(in, key);
    if (!len)
        return p3fp_identify(id->db, in, m);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
    struct fp_cache_slot *s = &id->slot[h % FP_CACHE_SLOTS];
    if (s->key && s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
        *m = s->m;
        return s->matched;
    }
    int matched = p3fp_identify(id->db, in, m);
    free(s->key);
    s->key = p3s_xmalloc(len);
    memcpy(s->key, key, len);
    s->len = len;
    s->hash = h;
    s->matched = matched;
    s->m = *m;
    return matched;
}

struct p3s_identifier *p3s_identifier_new(const struct p3fp_db *db)
{
    struct p3s_identifier *id = p3s_xcalloc(1, sizeof *id);
    id->db = db;
    return id;
}

void p3s_identifier_free(struct p3s_identifier *id)
{
    if (!id)
        return;
    for (size_t i = 0; i < FP_CACHE_SLOTS; i++)
        free(id->slot[i].key);
    free(id);
}

/* Fills rec->product from what the dialogue saw (fingerprints/README.md lists the sources). */
void p3s_identify(struct p3s_identifier *id, struct p3s_record *rec)
{
    if (!id || !id->db || rec->state != P3S_STATE_POP3 || !rec->greeting.p)
        return;
    struct p3fp_input in;
    memset(&in, 0, sizeof in);
    after_status(&rec->greeting, &in.greeting, &in.greeting_len);
    const struct p3s_list *capa = rec->capa.present ? &rec->capa : &rec->capa_tls;
    char *names = NULL, *cert = NULL;
    if (capa->present) {
        size_t n = 0;
        for (size_t i = 0; i < capa->n; i++)
            n += capa->v[i].n + 1;
        names = p3s_xmalloc(n + 1);
        char *w = names;
        for (size_t i = 0; i < capa->n; i++) {
            const struct p3s_bytes *b = &capa->v[i];
            size_t at;
            if (!in.implementation && p3_capa_argument(b->p, b->n, "IMPLEMENTATION", &at)) {
                in.implementation = b->p + at;
                in.implementation_len = b->n - at;
            }
            for (size_t k = 0; k < b->n; k++)
                *w++ = (char)(b->p[k] >= 'a' && b->p[k] <= 'z' ? b->p[k] - 32 : b->p[k]);
            *w++ = '\n';
        }
        in.capa = names;
        in.capa_len = n ? n - 1 : 0;
    }
    const struct p3s_bytes *err = is_err(&rec->user_reply)   ? &rec->user_reply
                                  : is_err(&rec->capa_reply) ? &rec->capa_reply
                                                             : NULL;
    if (err)
        after_status(err, &in.error, &in.error_len);
    in.user = rec->user_reply.p;
    in.user_len = rec->user_reply.n;
    in.stls = rec->stls_reply.p;
    in.stls_len = rec->stls_reply.n;
    in.quit = rec->quit_reply.p;
    in.quit_len = rec->quit_reply.n;
    if (rec->cert && rec->cert->present) {
        size_t n = strlen(rec->cert->subject) + strlen(rec->cert->issuer) + 3;
        cert = p3s_xmalloc(n);
        in.cert_len = (size_t)snprintf(cert, n, "%s, %s", rec->cert->subject, rec->cert->issuer);
        in.cert = cert;
    }
    struct p3fp_match m;
    if (identify_cached(id, &in, &m)) {
        rec->product = p3s_xmalloc(sizeof m);
        *rec->product = m;
    }
    free(names);
    free(cert);
}

