/* resume.c — the --resume state: a low watermark and a bitmap of finished positions above it,
 * saved as a small text file (see resume.h for what it guarantees).
 *
 * File format, one item per line:
 *   pop3scan-resume 1
 *   key 0123456789abcdef      the hash of the options that decide the target stream
 *   seed 1234                 only when --randomize drew one
 *   low 4096                  every position below is finished
 *   done 4100-4163            finished ranges above low (any number of lines)
 *   complete 0                1 once the stream was scanned to its end
 */
#include "resume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

struct p3s_resume {
    char *path;
    uint64_t key;
    int has_seed;
    uint64_t seed;
    int complete;
    uint64_t low;  /* lowest position not finished */
    uint64_t base; /* position of bit 0 of words[0]; a multiple of 64, at most low */
    uint64_t *words;
    size_t nwords;
};

/* FNV-1a: stable across builds and machines, which is all a key needs. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, char tag, const char *s)
{
    h = fnv(h, &tag, 1);
    return fnv(h, s, strlen(s) + 1);
}

static uint64_t fnv_u64(uint64_t h, char tag, uint64_t v)
{
    h = fnv(h, &tag, 1);
    return fnv(h, &v, sizeof v);
}

uint64_t p3s_resume_key(const struct p3s_config *cfg, char **exprs, size_t nexprs)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < cfg->ports.n; i++)
        h = fnv_u64(h, 'p', (uint64_t)cfg->ports.v[i].port << 1 | (cfg->ports.v[i].tls & 1));
    for (size_t i = 0; i < nexprs; i++)
        h = fnv_str(h, 't', exprs[i]);
    for (size_t i = 0; i < cfg->ninput_files; i++)
        h = fnv_str(h, 'i', cfg->input_files[i]);
    for (size_t i = 0; i < cfg->nexcludes; i++)
        h = fnv_str(h, 'x', cfg->excludes[i]);
    for (size_t i = 0; i < cfg->nexclude_files; i++)
        h = fnv_str(h, 'X', cfg->exclude_files[i]);
    h = fnv_u64(h, 's', (uint64_t)cfg->shard_index << 32 | cfg->shard_count);
    h = fnv_u64(h, 'r', (uint64_t)cfg->randomize);
    if (cfg->seed_given)
        h = fnv_u64(h, 'S', cfg->seed);
    return fnv_u64(h, 'f', (uint64_t)cfg->family);
}

static int bit(const struct p3s_resume *r, uint64_t pos)
{
    uint64_t i = pos - r->base;
    return i / 64 < r->nwords && (r->words[i / 64] >> (i % 64) & 1);
}

int p3s_resume_is_done(const struct p3s_resume *r, uint64_t pos)
{
    return pos < r->low || (pos >= r->base && bit(r, pos));
}

/* Drops the words wholly below low once they are a good part of the bitmap. */
static void compact(struct p3s_resume *r)
{
    size_t drop = (size_t)((r->low - r->base) / 64);
    if (drop == 0 || drop < r->nwords / 2)
        return;
    memmove(r->words, r->words + drop, (r->nwords - drop) * sizeof *r->words);
    memset(r->words + (r->nwords - drop), 0, drop * sizeof *r->words);
    r->base += (uint64_t)drop * 64;
}

void p3s_resume_mark(struct p3s_resume *r, uint64_t pos)
{
    if (pos < r->low)
        return;
    uint64_t i = pos - r->base;
    if (i / 64 >= r->nwords) {
        size_t n = r->nwords ? r->nwords : 16;
        while (n <= i / 64)
            n *= 2;
        r->words = p3s_xrealloc(r->words, n * sizeof *r->words);
        memset(r->words + r->nwords, 0, (n - r->nwords) * sizeof *r->words);
        r->nwords = n;
    }
    r->words[i / 64] |= 1ULL << (i % 64);
    while (bit(r, r->low))
        r->low++;
    compact(r);
}

size_t p3s_resume_pending(const struct p3s_resume *r)
{
    size_t n = 0;
    for (uint64_t p = r->low; p - r->base < (uint64_t)r->nwords * 64; p++)
        n += (size_t)bit(r, p);
    return n;
}

int p3s_resume_seed(const struct p3s_resume *r, uint64_t *seed)
{
    if (r->has_seed)
        *seed = r->seed;
    return r->has_seed;
}

void p3s_resume_set_seed(struct p3s_resume *r, uint64_t seed)
{
    r->has_seed = 1;
    r->seed = seed;
}

int p3s_resume_complete(const struct p3s_resume *r)
{
    return r->complete;
}

static int parse_line(struct p3s_resume *r, const char *line, int *version)
{
    unsigned long long x, y;
    int v;
    if (sscanf(line, "pop3scan-resume %d", &v) == 1) {
        *version = v;
        return v == 1 ? 0 : -1;
    }
    if (sscanf(line, "key %llx", &x) == 1) {
        r->key = x;
        return 0;
    }
    if (sscanf(line, "seed %llu", &x) == 1) {
        p3s_resume_set_seed(r, x);
        return 0;
    }
    if (sscanf(line, "low %llu", &x) == 1) {
        r->low = x;
        r->base = x - x % 64;
        return 0;
    }
    if (sscanf(line, "done %llu-%llu", &x, &y) == 2 && x <= y && y - x < (1ULL << 32)) {
        for (uint64_t p = x; p <= y; p++)
            p3s_resume_mark(r, p);
        return 0;
    }
    if (sscanf(line, "complete %d", &v) == 1) {
        r->complete = v == 1;
        return 0;
    }
    return -1;
}

static int load(struct p3s_resume *r, FILE *f, uint64_t key, char *err, size_t errlen)
{
    char line[128];
    int version = 0, lineno = 0;
    uint64_t want = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (parse_line(r, line, &version) < 0 || version != 1) {
            snprintf(err, errlen, "%s:%d: not a pop3scan resume file", r->path, lineno);
            return -1;
        }
        if (lineno == 2)
            want = r->key;
    }
    if (lineno < 2) {
        snprintf(err, errlen, "%s: not a pop3scan resume file", r->path);
        return -1;
    }
    if (want != key) {
        snprintf(err, errlen,
                 "%s: saved by a scan of other targets or options (same targets, ports, "
                 "exclusions, shard and seed are needed)",
                 r->path);
        return -1;
    }
    return 0;
}

struct p3s_resume *p3s_resume_open(const char *path, uint64_t key, int *existed, char *err,
                                   size_t errlen)
{
    struct p3s_resume *r = p3s_xcalloc(1, sizeof *r);
    r->path = p3s_xstrdup(path);
    r->key = key;
    *existed = 0;
    FILE *f = fopen(path, "r");
    if (!f && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        p3s_resume_free(r);
        return NULL;
    }
    if (f) {
        *existed = 1;
        int rc = load(r, f, key, err, errlen);
        fclose(f);
        if (rc < 0) {
            p3s_resume_free(r);
            return NULL;
        }
    }
    return r;
}

void p3s_resume_free(struct p3s_resume *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->words);
    free(r);
}

static void write_state(const struct p3s_resume *r, FILE *f, int complete)
{
    fprintf(f, "pop3scan-resume 1\nkey %016" PRIx64 "\n", r->key);
    if (r->has_seed)
        fprintf(f, "seed %" PRIu64 "\n", r->seed);
    fprintf(f, "low %" PRIu64 "\n", r->low);
    uint64_t end = r->base + (uint64_t)r->nwords * 64;
    for (uint64_t p = r->low; p < end; p++) {
        if (!bit(r, p))
            continue;
        uint64_t q = p;
        while (q + 1 < end && bit(r, q + 1))
            q++;
        fprintf(f, "done %" PRIu64 "-%" PRIu64 "\n", p, q);
        p = q;
    }
    fprintf(f, "complete %d\n", complete ? 1 : 0);
}

int p3s_resume_save(struct p3s_resume *r, int complete, char *err, size_t errlen)
{
    size_t n = strlen(r->path) + 5;
    char *tmp = p3s_xmalloc(n);
    snprintf(tmp, n, "%s.tmp", r->path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f) {
        write_state(r, f, complete);
        /* The final state must survive a crash of the machine too, not only of the process. */
        int bad = fflush(f) != 0 || ferror(f) || (complete && fsync(fileno(f)) != 0);
        bad |= fclose(f) != 0;
        if (!bad && rename(tmp, r->path) == 0)
            rc = 0;
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot save the resume state to %s: %s", r->path,
                 strerror(errno));
        unlink(tmp);
    } else {
        r->complete = complete;
    }
    free(tmp);
    return rc;
}
