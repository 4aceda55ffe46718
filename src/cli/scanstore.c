/* scanstore.c — the history of the scan being run (scanstore.h): what the scan row says about
 * it, the campaign it is a shard of, the output module that stores each record, and the
 * warning when the store fails. */
#include "scanstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonw.h"
#include "store.h"
#include "writer.h"

#ifndef P3S_VERSION
#define P3S_VERSION "0.1.0"
#endif

struct p3s_scanstore {
    const struct p3s_config *cfg;
    char path[4096]; /* as shown (a URI's password redacted) */
    int explicit;  /* --db PATH: a failure is exit status 3 */
    int failed;
    int warned;
    int ended;
    int refused;   /* the scan must not run: its exit status (campaign) */
    struct p3s_store *st;
    struct p3s_store_writer *w;
    struct p3s_scan_info info;
    struct p3s_rowbuf rb;
    struct p3s_jw jw;
};

static char *command_line; /* JSON array, from p3s_scanstore_argv */

void p3s_scanstore_argv(int argc, char **argv)
{
    struct p3s_jw w;
    memset(&w, 0, sizeof w);
    p3s_jw_array(&w);
    /* A database URI's password is not kept (nor is it ever shown). */
    for (int i = 0; i < argc; i++) {
        const char *uri = strncmp(argv[i], "--db=", 5) == 0 ? argv[i] + 5 : argv[i];
        if (!p3s_store_is_pg(uri)) {
            p3s_jw_str(&w, argv[i]);
            continue;
        }
        char shown[4200];
        size_t pre = (size_t)(uri - argv[i]);
        memcpy(shown, argv[i], pre);
        p3s_store_redact(uri, shown + pre, sizeof shown - pre);
        p3s_jw_str(&w, shown);
    }
    p3s_jw_end(&w);
    p3s_jw_raw(&w, "", 1);
    free(command_line);
    command_line = p3s_jw_ok(&w) ? strdup(w.buf) : NULL;
    p3s_jw_free(&w);
}

/* ---- warnings --------------------------------------------------------------------------- */

/* Called from the writer thread too: failed is read by the scan's thread. */
static void warn(struct p3s_scanstore *ss, const char *why, int midway)
{
    __atomic_store_n(&ss->failed, 1, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&ss->warned, 1, __ATOMIC_SEQ_CST))
        return;
    if (ss->cfg->campaign)
        fprintf(stderr,
                "pop3scan: history database %s: %s; %s (exit status 3)\n", ss->path, why,
                midway ? "the campaign's shard stops here: the records not stored are scanned "
                         "again when it is run again (--resume FILE goes on from what was "
                         "stored)"
                       : "the campaign's shard is not scanned");
    else if (ss->explicit)
        fprintf(stderr,
                "pop3scan: history database %s: %s; %s (exit status 3 at the end)\n", ss->path,
                why, midway ? "records from here on are not stored, the scan goes on"
                            : "the scan goes on without it");
    else
        fprintf(stderr,
                "pop3scan: warning: scan history not kept in %s: %s; the scan goes on "
                "(--db FILE picks another file, --no-db turns the history off)\n",
                ss->path[0] ? ss->path : "the default file", why);
}

static void on_writer_fail(void *arg, const char *why)
{
    warn(arg, why, 1);
}

/* The database went away, or came back (the writer thread waits for it: writer.h). */
static void on_writer_note(void *arg, const char *what)
{
    struct p3s_scanstore *ss = arg;
    fprintf(stderr, "pop3scan: history database %s: %s\n", ss->path, what);
}

/* ---- the scan row --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sorted JSON array of strings: the order targets were named in covers the same targets. */
static void sorted_array(struct p3s_jw *w, const char *key, const char *const *v, size_t n)
{
    const char **copy = malloc((n ? n : 1) * sizeof *copy);
    p3s_jw_key(w, key);
    p3s_jw_array(w);
    if (copy) {
        if (n)
            memcpy(copy, v, n * sizeof *copy);
        qsort(copy, n, sizeof *copy, cmp_str);
        for (size_t i = 0; i < n; i++)
            p3s_jw_str(w, copy[i]);
    }
    p3s_jw_end(w);
    free(copy);
}

/* The port list as ranges: "110,995,tls:8995-8999". */
static void ports_text(struct p3s_jw *w, const struct p3s_portlist *pl)
{
    char *buf = malloc(pl->n * 20 + 1);
    size_t n = 0;
    if (!buf) {
        p3s_jw_null(w);
        return;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < pl->n;) {
        size_t j = i;
        while (j + 1 < pl->n && pl->v[j + 1].port == pl->v[j].port + 1 &&
               pl->v[j + 1].tls == pl->v[i].tls)
            j++;
        n += (size_t)sprintf(buf + n, "%s%s%u", n ? "," : "", pl->v[i].tls ? "tls:" : "",
                             pl->v[i].port);
        if (j > i)
            n += (size_t)sprintf(buf + n, "-%u", pl->v[j].port);
        i = j + 1;
    }
    p3s_jw_str(w, buf);
    free(buf);
}

/* What the scan covers: two scans with the same text cover the same targets (diff pairs them). */
static char *targets_json(const struct p3s_config *c)
{
    struct p3s_jw w;
    memset(&w, 0, sizeof w);
    p3s_jw_object(&w);
    sorted_array(&w, "targets", (const char *const *)c->target_exprs, c->ntarget_exprs);
    sorted_array(&w, "input_lists", c->input_files, c->ninput_files);
    sorted_array(&w, "exclude", c->excludes, c->nexcludes);
    sorted_array(&w, "exclude_files", c->exclude_files, c->nexclude_files);
    p3s_jw_key(&w, "ports");
    ports_text(&w, &c->ports);
    p3s_jw_key(&w, "shard");
    char shard[32];
    snprintf(shard, sizeof shard, "%u/%u", c->shard_index, c->shard_count);
    p3s_jw_str(&w, c->shard_count > 1 ? shard : NULL);
    p3s_jw_key(&w, "family");
    p3s_jw_int(&w, c->family);
    p3s_jw_end(&w);
    p3s_jw_raw(&w, "", 1);
    char *out = p3s_jw_ok(&w) ? strdup(w.buf) : NULL;
    p3s_jw_free(&w);
    return out;
}

/* The options that change what a scan sees (diff says when two scans differ in them). */
static char *options_json(const struct p3s_config *c)
{
    struct p3s_jw w;
    memset(&w, 0, sizeof w);
    p3s_jw_object(&w);
    p3s_jw_key(&w, "stls");
    p3s_jw_bool(&w, c->stls);
    p3s_jw_key(&w, "user_probe");
    p3s_jw_bool(&w, c->user_probe);
    p3s_jw_key(&w, "tls_versions");
    p3s_jw_bool(&w, c->tls_versions);
    p3s_jw_key(&w, "ntlm");
    p3s_jw_bool(&w, c->ntlm);
    sorted_array(&w, "fingerprints", c->fingerprint_files, c->nfingerprint_files);
    p3s_jw_key(&w, "connect_timeout_ms");
    p3s_jw_int(&w, c->connect_timeout_ms);
    p3s_jw_key(&w, "read_timeout_ms");
    p3s_jw_int(&w, c->read_timeout_ms);
    p3s_jw_key(&w, "deadline_ms");
    p3s_jw_int(&w, c->deadline_ms);
    p3s_jw_key(&w, "retries");
    p3s_jw_int(&w, c->retries);
    p3s_jw_key(&w, "resolver");
    p3s_jw_str(&w, c->resolver);
    p3s_jw_end(&w);
    p3s_jw_raw(&w, "", 1);
    char *out = p3s_jw_ok(&w) ? strdup(w.buf) : NULL;
    p3s_jw_free(&w);
    return out;
}

static int begin(struct p3s_scanstore *ss)
{
    const struct p3s_config *c = ss->cfg;
    static char host[256], shard[32];
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    snprintf(shard, sizeof shard, "%u/%u", c->shard_index, c->shard_count);
    struct p3s_scan_info *in = &ss->info;
    p3s_store_iso_time(-1, in->started, sizeof in->started);
    in->command = command_line;
    char *targets = targets_json(c), *options = options_json(c);
    in->targets = targets;
    in->options = options;
    in->shard = c->shard_count > 1 ? shard : NULL;
    in->host = host;
    in->pid = getpid();
    in->version = P3S_VERSION;
    /* A campaign covers what its shards cover together: the targets without the shard. */
    struct p3s_campaign_join join = {c->campaign, c->shard_count > 1 ? c->shard_index : 0,
                                     c->shard_count > 1 ? c->shard_count : 1, NULL,
                                     c->resuming};
    char *whole = NULL;
    if (c->campaign) {
        struct p3s_config unsharded = *c;
        unsharded.shard_count = 0;
        unsharded.shard_index = 0;
        whole = targets_json(&unsharded);
        join.targets = whole;
        in->join = &join;
    }
    int ok = targets && options && (!c->campaign || whole);
    int rc = ok ? ss->st->ops->begin_scan(ss->st, in) : -1;
    if (!ok)
        snprintf(ss->st->err, sizeof ss->st->err, "out of memory");
    free(targets);
    free(options);
    free(whole);
    in->targets = in->options = NULL;
    in->join = NULL;
    return rc;
}

struct p3s_scanstore *p3s_scanstore_open(const struct p3s_config *cfg)
{
    if (cfg->no_db)
        return NULL;
    struct p3s_scanstore *ss = calloc(1, sizeof *ss);
    if (!ss)
        return NULL;
    ss->cfg = cfg;
    ss->explicit = cfg->db_path != NULL;
    p3s_rowbuf_init(&ss->rb);
    char err[512], path[4096];
    /* A campaign's shard is its records in the store: without the store it does not run. */
    int fatal = cfg->campaign ? 3 : 0;
    if (cfg->db_path)
        snprintf(path, sizeof path, "%s", cfg->db_path);
    else if (p3s_store_default_path(path, sizeof path, 1, err, sizeof err)) {
        warn(ss, err, 0);
        ss->refused = fatal;
        return ss;
    }
    p3s_store_redact(path, ss->path, sizeof ss->path);
    ss->st = p3s_store_open(path, P3S_STORE_WRITE, err, sizeof err);
    if (!ss->st) {
        warn(ss, err, 0);
        ss->refused = fatal;
        return ss;
    }
    int rc = begin(ss);
    if (rc == P3S_STORE_REFUSED) {
        fprintf(stderr, "pop3scan: --campaign: %s\n", ss->st->err);
        ss->refused = 2;
        ss->failed = ss->warned = 1;
    } else if (rc) {
        warn(ss, ss->st->err, 0);
        ss->refused = fatal;
    }
    if (rc) {
        p3s_store_close(ss->st);
        ss->st = NULL;
        return ss;
    }
    ss->w = p3s_writer_start(ss->st, ss->info.id, on_writer_fail, ss);
    if (!ss->w) {
        warn(ss, "cannot start the writer thread", 0);
        ss->refused = fatal;
        return ss;
    }
    p3s_writer_set_retry(ss->w, cfg->db_retry_s * 1000, on_writer_note);
    return ss;
}

int p3s_scanstore_refused(const struct p3s_scanstore *ss)
{
    return ss ? ss->refused : 0;
}

/* ---- the output module ------------------------------------------------------------------ */

static int store_begin(struct p3s_output *o)
{
    (void)o;
    return 0;
}

static int store_record(struct p3s_output *o, const struct p3s_record *r)
{
    struct p3s_scanstore *ss = o->state;
    if (__atomic_load_n(&ss->failed, __ATOMIC_SEQ_CST))
        return 0;
    p3s_jw_reset(&ss->jw);
    p3s_jsonl_record(&ss->jw, r);
    if (!p3s_jw_ok(&ss->jw) ||
        p3s_rowbuf_from_record(&ss->rb, r, ss->jw.buf, ss->jw.len) != 0) {
        warn(ss, "out of memory", 1);
        return 0;
    }
    p3s_writer_add(ss->w, &ss->rb); /* a failure has been reported by the writer */
    return 0;
}

static const char *final_status(const struct p3s_scanstore *ss, const struct p3s_summary *s)
{
    if (ss->failed)
        return P3S_SCAN_INCOMPLETE;
    if (s && (s->interrupted || s->input_failed))
        return P3S_SCAN_INTERRUPTED;
    if (!s)
        return P3S_SCAN_FAILED;
    /* A campaign's shard keeps one scan row across its runs: a run that got to the end
     * completes the shard, the earlier runs' records included. */
    return ss->cfg->resuming && !ss->cfg->campaign ? P3S_SCAN_RESUMED : P3S_SCAN_COMPLETE;
}

static void finish(struct p3s_scanstore *ss, const struct p3s_summary *s)
{
    if (ss->ended || !ss->st)
        return;
    ss->ended = 1;
    if (ss->w && p3s_writer_finish(ss->w) != 0 && !ss->failed)
        warn(ss, "not every record could be stored", 1);
    /* Even after a failure, try to say so in the file: the scan is then not picked by diff. */
    int64_t stored = ss->w ? p3s_writer_stored(ss->w) : 0;
    if (ss->st->ops->end_scan(ss->st, ss->info.id, final_status(ss, s), stored) != 0)
        warn(ss, ss->st->err, 1);
}

static int store_end(struct p3s_output *o, const struct p3s_summary *s)
{
    finish(o->state, s);
    return 0;
}

static int store_durable(struct p3s_output *o, uint64_t *taken, uint64_t *stored)
{
    struct p3s_scanstore *ss = o->state;
    int64_t handed = 0, done = 0;
    int rc = ss->w ? p3s_writer_progress(ss->w, &handed, &done) : -1;
    *taken = (uint64_t)handed;
    *stored = (uint64_t)done;
    if (rc < 0 || __atomic_load_n(&ss->failed, __ATOMIC_SEQ_CST))
        return ss->cfg->campaign ? -2 : -1;
    return 0;
}

static const struct p3s_output_module STORE_MODULE = {"history", store_begin, store_record,
                                                      store_end};

int p3s_scanstore_output(struct p3s_scanstore *ss, struct p3s_output *o)
{
    if (!ss || !ss->st || !ss->w || ss->failed)
        return 0;
    memset(o, 0, sizeof *o);
    o->module = &STORE_MODULE;
    o->state = ss;
    o->durable = store_durable;
    /* No stream: the scan's per-pass fflush(o->fp) then flushes stdio's own streams, which
     * costs nothing the other outputs do not already cost. */
    o->fp = NULL;
    return 1;
}

int p3s_scanstore_close(struct p3s_scanstore *ss)
{
    free(command_line);
    command_line = NULL;
    if (!ss)
        return 0;
    finish(ss, NULL);
    p3s_writer_free(ss->w);
    p3s_store_close(ss->st);
    p3s_rowbuf_free(&ss->rb);
    p3s_jw_free(&ss->jw);
    int rc = ss->failed && ss->explicit ? 3 : 0;
    free(ss);
    return rc;
}
