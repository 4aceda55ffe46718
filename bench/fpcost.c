/*
 * bench/fpcost.c — what identification costs with the whole built-in fingerprint database
 * (issue 12 item 6): p3fp_identify() on every service of the accuracy corpus, uncached, ITER
 * times over, and the worst inputs there are for it — a masked greeting that no rule matches
 * (every rule is tried and fails) and a greeting that names its product (the winner is followed
 * by the conflict check over every rule below it). Also what loading the database costs (each
 * pattern compiled, every example checked), paid once per scan.
 *
 * Built by CMake as an optional target, not by default:
 *   cmake --build build --target fpcost && build/bench/fpcost [-n ITER] [CORPUS]
 * CORPUS defaults to bench/corpus/greetings.tsv of the source tree (format: its header).
 * The inputs are those the scanner builds (src/engine/engine.c p3s_identify) from what the benchmark's test
 * server answers: greeting, CAPA list and IMPLEMENTATION, the USER reply (in clear), its -ERR text
 * or CAPA's, STLS "-ERR" when offered in clear, QUIT "+OK", the certificate subject on TLS.
 *
 * Output, one line each: the database, the load time, the corpus's mean and slowest
 * microseconds per identification (each service's figure the best of three timings), and the
 * two single inputs. Exit 0, or 1 when the database or corpus cannot be read.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fp.h"
#include "p3fp_builtin.h"

#ifndef P3S_SOURCE_DIR
#define P3S_SOURCE_DIR "."
#endif

#define FIELD 4096 /* P3FP_SUBJECT_MAX: the matcher looks at no more */

/* One corpus service as the scanner would present it to the matcher. */
struct entry {
    char greeting[FIELD], capa[FIELD], impl[512], error[FIELD], user[FIELD], cert[FIELD];
    struct p3fp_input in;
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Unescapes \t \n \\ in place (the corpus format). */
static void unescape(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *d++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *d++ = *s;
        }
    }
    *d = 0;
}

static void copy(char *dst, const char *src)
{
    snprintf(dst, FIELD, "%s", src);
}

/* Text after "+OK"/"-ERR" and one blank, as src/engine/engine.c after_status(). */
static const char *after_status(const char *s)
{
    if (strncmp(s, "+OK", 3) == 0)
        s += 3;
    else if (strncmp(s, "-ERR", 4) == 0)
        s += 4;
    return *s == ' ' ? s + 1 : s;
}

/* CAPA column -> upper-cased names joined by '\n', and the IMPLEMENTATION argument. */
static void set_capa(struct entry *e, const char *col)
{
    size_t k = 0;
    for (const char *p = col; *p && k + 1 < sizeof e->capa;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l > 15 && strncasecmp(p, "IMPLEMENTATION ", 15) == 0 && l - 15 < sizeof e->impl) {
            memcpy(e->impl, p + 15, l - 15);
            e->impl[l - 15] = 0;
            e->in.implementation = e->impl;
            e->in.implementation_len = l - 15;
        }
        for (size_t j = 0; j < l && k + 1 < sizeof e->capa; j++)
            e->capa[k++] = (char)(p[j] >= 'a' && p[j] <= 'z' ? p[j] - 32 : p[j]);
        if (nl && k + 1 < sizeof e->capa)
            e->capa[k++] = '\n';
        p = nl ? nl + 1 : p + l;
    }
    e->capa[k] = 0;
    e->in.capa = e->capa;
    e->in.capa_len = k;
}

/* Fills e from the corpus columns (greeting, capa, user, cert). */
static void make_input(struct entry *e, char **col, int nc)
{
    memset(&e->in, 0, sizeof e->in);
    const char *capa = nc > 4 ? col[4] : "", *user = nc > 5 ? col[5] : "";
    int tls = nc > 6 && col[6][0];
    copy(e->greeting, after_status(col[3]));
    e->in.greeting = e->greeting;
    e->in.greeting_len = strlen(e->greeting);
    if (capa[0] && strncmp(capa, "-ERR", 4) != 0)
        set_capa(e, capa);
    const char *err = !tls && strncmp(user, "-ERR", 4) == 0 ? user
                      : strncmp(capa, "-ERR", 4) == 0       ? capa
                      : capa[0] == 0                         ? "-ERR"
                                                             : NULL;
    if (err) {
        copy(e->error, after_status(err));
        e->in.error = e->error;
        e->in.error_len = strlen(e->error);
    }
    if (tls) {
        copy(e->cert, col[6]);
        e->in.cert = e->cert;
        e->in.cert_len = strlen(e->cert);
    } else {
        copy(e->user, user[0] ? user : "+OK");
        e->in.user = e->user;
        e->in.user_len = strlen(e->user);
        if (e->in.capa && strstr(e->in.capa, "STLS")) {
            e->in.stls = "-ERR";
            e->in.stls_len = 4;
        }
    }
    e->in.quit = "+OK";
    e->in.quit_len = 3;
}

/* Reads the corpus into *out (entries allocated one by one); returns their number, or -1. */
static int read_corpus(const char *path, struct entry ***out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "fpcost: cannot open %s\n", path);
        return -1;
    }
    char line[16384];
    int n = 0, cap = 0;
    struct entry **ents = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        char *col[8] = {0};
        int nc = 0;
        for (char *p = line; nc < 8;) {
            col[nc++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = 0;
            p = tab + 1;
        }
        if (nc < 4)
            continue;
        for (int i = 0; i < nc; i++)
            unescape(col[i]);
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            struct entry **grown = realloc(ents, (size_t)cap * sizeof *ents);
            if (!grown)
                break;
            ents = grown;
        }
        if (!(ents[n] = calloc(1, sizeof **ents)))
            break;
        make_input(ents[n++], col, nc);
    }
    fclose(f);
    *out = ents;
    return n;
}

/* Mean and slowest µs per identification of n inputs, iter rounds each after one untimed
 * round. Each input's figure is the best of three timings, so that a preemption on a shared
 * machine does not make it. Returns how many inputs matched. */
static int measure(const struct p3fp_db *db, const struct p3fp_input *const *in, int n, int iter,
                   double *mean, double *worst)
{
    struct p3fp_match m;
    int matched = 0;
    for (int i = 0; i < n; i++)
        matched += p3fp_identify(db, in[i], &m);
    *worst = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        double best = 0;
        for (int rep = 0; rep < 3; rep++) {
            double s = now_us();
            for (int k = 0; k < iter; k++)
                (void)p3fp_identify(db, in[i], &m);
            double per = (now_us() - s) / iter;
            if (rep == 0 || per < best)
                best = per;
        }
        total += best;
        if (best > *worst)
            *worst = best;
    }
    *mean = total / n;
    return matched;
}

int main(int argc, char **argv)
{
    int iter = 200;
    const char *path = P3S_SOURCE_DIR "/bench/corpus/greetings.tsv";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            iter = atoi(argv[++i]);
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: fpcost [-n ITER] [CORPUS]\n");
            return 1;
        } else
            path = argv[i];
    }
    if (iter < 1)
        iter = 1;

    char err[512];
    double t0 = now_us();
    struct p3fp_db *db = p3fp_db_new();
    if (!db || p3fp_db_load_builtin(db, err, sizeof err) != 0) {
        fprintf(stderr, "fpcost: built-in fingerprints: %s\n", db ? err : "out of memory");
        return 1;
    }
    double load_ms = (now_us() - t0) / 1e3;

    struct entry **ents = NULL;
    int n = read_corpus(path, &ents);
    const struct p3fp_input **ptr = n > 0 ? malloc((size_t)n * sizeof *ptr) : NULL;
    if (!ptr) {
        p3fp_db_free(db);
        return 1;
    }
    for (int i = 0; i < n; i++)
        ptr[i] = &ents[i]->in;

    printf("database: %zu rules, %zu products (%zu files); load and self-check %.1f ms\n",
           p3fp_db_rules(db), p3fp_db_products(db), p3fp_builtin_nfiles, load_ms);
    double mean, worst;
    int hit = measure(db, ptr, n, iter, &mean, &worst);
    printf("corpus %s: %d services (%d named), %d rounds: %.2f us per identification, "
           "slowest service %.2f us\n",
           path, n, hit, iter, mean, worst);

    /* No rule matches: every rule is tried. */
    struct p3fp_input masked;
    memset(&masked, 0, sizeof masked);
    masked.greeting = "POP3 server ready <1234.1700000000@mail.example.com>";
    masked.greeting_len = strlen(masked.greeting);
    masked.capa = "TOP\nUIDL\nUSER\nSASL PLAIN LOGIN\nSTLS";
    masked.capa_len = strlen(masked.capa);
    masked.user = masked.quit = "+OK";
    masked.user_len = masked.quit_len = 3;
    masked.stls = "+OK Begin TLS negotiation";
    masked.stls_len = strlen(masked.stls);
    const struct p3fp_input *one = &masked;
    hit = measure(db, &one, 1, iter * 50, &mean, &worst);
    printf("masked greeting, generic CAPA and replies (no match%s): %.2f us (best of 3)\n",
           hit ? "?!" : "", worst);

    /* The first rule by priority that names its product at 100, then the conflict check. */
    struct p3fp_input named = masked;
    named.greeting = "Dovecot (Debian) ready.";
    named.greeting_len = strlen(named.greeting);
    one = &named;
    hit = measure(db, &one, 1, iter * 50, &mean, &worst);
    printf("named greeting, same CAPA and replies (%s): %.2f us (best of 3)\n",
           hit ? "match" : "no match?!", worst);
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    free(ptr);
    p3fp_db_free(db);
    return 0;
}
