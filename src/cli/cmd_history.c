/* cmd_history.c — `pop3scan history [TARGET]`: the scans of the history, newest first; or one
 * target's records scan after scan, oldest first, to see how it changed; or, with --campaign,
 * the shards of a campaign and which of them are complete. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_history.h"
#include "cmd_common.h"
#include "escape.h"
#include "scanjson.h"
#include "store.h"

static const char USAGE[] =
    "Usage: pop3scan history [OPTIONS] [TARGET]\n"
    "       pop3scan history [OPTIONS] --campaign NAME\n"
    "List the scans kept in the history, newest first; with TARGET (a target as it was\n"
    "named, or an address), that target's records in every scan, oldest first.\n"
    "\n"
    "      --db FILE|URI       the history (default $XDG_STATE_HOME/pop3scan/history.sqlite3;\n"
    "                          postgresql://… for PostgreSQL)\n"
    "      --campaign NAME     the campaign's shards: which are complete, running, killed\n"
    "                          or missing (never started)\n"
    "  -f, --format FORMAT     text (default) or jsonl (one scan, one record with its\n"
    "                          scan, or one shard, per line)\n"
    "  -n, --limit N           at most the N newest scans\n"
    "  -h, --help              this help\n"
    "\n"
    "A scan's status: complete; interrupted (a signal, or its target list could not be\n"
    "read); incomplete (the history failed during it: records are missing); resumed (run\n"
    "again with its resume file: only what the earlier run left); failed (it did not run);\n"
    "running (no end yet), or killed when it ran here and its process is gone.\n";

enum { OPT_DB = 256, OPT_CAMPAIGN };

static const struct option OPTS[] = {{"db", required_argument, NULL, OPT_DB},
                                     {"campaign", required_argument, NULL, OPT_CAMPAIGN},
                                     {"format", required_argument, NULL, 'f'},
                                     {"limit", required_argument, NULL, 'n'},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};

struct hist {
    int jsonl;
    size_t n;
    int failed;
};

static void put_text(const char *s)
{
    p3s_fputs_term(stdout, s ? s : "", s ? strlen(s) : 0);
}

/* How long a scan took, "12s", "3m04s", "-" without an end. */
static void duration(const struct p3s_scan_info *s, char *out, size_t n)
{
    long long a = p3s_store_parse_iso(s->started), b = p3s_store_parse_iso(s->ended);
    if (a < 0 || b < 0)
        snprintf(out, n, "-");
    else if (b - a < 60)
        snprintf(out, n, "%llds", b - a);
    else if (b - a < 3600)
        snprintf(out, n, "%lldm%02llds", (b - a) / 60, (b - a) % 60);
    else
        snprintf(out, n, "%lldh%02lldm", (b - a) / 3600, (b - a) % 3600 / 60);
}

/* What a scan covered, as its command line would say it: "127.0.0.0/24 -p 110,tls:995". */
static void targets_text(const char *targets_json)
{
    json_t *t = json_loads(targets_json ? targets_json : "{}", 0, NULL);
    static const char *const LISTS[][2] = {
        {"targets", ""}, {"input_lists", "-iL "}, {"exclude", "--exclude "},
        {"exclude_files", "--exclude-file "}};
    const char *sep = "";
    for (size_t l = 0; l < 4; l++) {
        json_t *a = json_object_get(t, LISTS[l][0]);
        for (size_t i = 0; i < json_array_size(a); i++) {
            fputs(sep, stdout);
            fputs(LISTS[l][1], stdout);
            put_text(json_string_value(json_array_get(a, i)));
            sep = " ";
        }
    }
    if (json_is_string(json_object_get(t, "ports"))) {
        fputs(sep, stdout);
        fputs("-p ", stdout);
        put_text(json_string_value(json_object_get(t, "ports")));
    }
    if (json_is_string(json_object_get(t, "shard"))) {
        fputs(" --shard ", stdout);
        put_text(json_string_value(json_object_get(t, "shard")));
    }
    json_decref(t);
}

static int print_json(struct hist *h, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(v);
    if (!text || puts(text) == EOF)
        h->failed = 1;
    free(text);
    return h->failed;
}

/* ---- --campaign NAME ------------------------------------------------------------------- */

struct shards {
    struct hist *h;
    const struct p3s_campaign *c;
    int64_t next, complete;
};

static void shard_json(struct shards *sh, int64_t index, const struct p3s_scan_info *s)
{
    json_t *o = json_object();
    char shard[64];
    snprintf(shard, sizeof shard, "%lld/%lld", (long long)index, (long long)sh->c->shards);
    json_object_set_new(o, "campaign", json_string(sh->c->name));
    json_object_set_new(o, "shard", json_string(shard));
    json_object_set_new(o, "scan", s ? json_integer(s->id) : json_null());
    json_object_set_new(o, "status", json_string(s ? p3s_scan_status_shown(s) : "missing"));
    json_object_set_new(o, "started", s ? json_string(s->started) : json_null());
    json_object_set_new(o, "ended", s && s->ended[0] ? json_string(s->ended) : json_null());
    json_object_set_new(o, "host", s && s->host ? json_string(s->host) : json_null());
    json_object_set_new(o, "pid", s ? json_integer(s->pid) : json_null());
    json_object_set_new(o, "runs", json_integer(s ? s->attempts : 0));
    json_object_set_new(o, "records", json_integer(s ? s->records : 0));
    json_object_set_new(o, "pop3", json_integer(s ? s->pop3 : 0));
    print_json(sh->h, o);
}

static void shard_line(struct shards *sh, int64_t index, const struct p3s_scan_info *s)
{
    if (sh->h->jsonl) {
        shard_json(sh, index, s);
        return;
    }
    char shard[64], took[32], scan[32];
    snprintf(shard, sizeof shard, "%lld/%lld", (long long)index, (long long)sh->c->shards);
    if (!s) {
        printf("%9s  %6s  %-11s\n", shard, "-", "missing");
        return;
    }
    duration(s, took, sizeof took);
    snprintf(scan, sizeof scan, "%lld", (long long)s->id);
    printf("%9s  %6s  %-11s  %-20s  %8s  %8lld  %6lld  %4lld  ", shard, scan,
           p3s_scan_status_shown(s), s->started, took, (long long)s->records,
           (long long)s->pop3, (long long)s->attempts);
    put_text(s->host ? s->host : "");
    putchar('\n');
}

static int on_shard(void *arg, const struct p3s_scan_info *s)
{
    struct shards *sh = arg;
    for (; sh->next < s->shard_index; sh->next++)
        shard_line(sh, sh->next, NULL);
    shard_line(sh, s->shard_index, s);
    sh->complete += strcmp(s->status, P3S_SCAN_COMPLETE) == 0;
    sh->next = s->shard_index + 1;
    sh->h->n++;
    return sh->h->failed;
}

/* The campaign's shards, missing ones included; 0, 2 no such campaign, 3 error. */
static int show_campaign(struct p3s_store *st, const char *name, struct hist *h)
{
    struct p3s_campaign c;
    memset(&c, 0, sizeof c);
    struct shards sh = {h, &c, 0, 0};
    /* The header needs the campaign before its shards: read it alone first. */
    int got = st->ops->get_campaign(st, name, &c, NULL, NULL);
    if (got == 0) {
        fputs("pop3scan history: no campaign '", stderr);
        p3s_fputs_term(stderr, name, strlen(name));
        fprintf(stderr, "' in %s\n", st->path);
        return 2;
    }
    if (got > 0 && !h->jsonl) {
        fputs("Campaign ", stdout);
        put_text(c.name);
        printf(": %lld shard%s, made %s; covers ", (long long)c.shards, c.shards == 1 ? "" : "s",
               c.created);
        targets_text(c.targets);
        printf("\n%9s  %6s  %-11s  %-20s  %8s  %8s  %6s  %4s  %s\n", "SHARD", "SCAN", "STATUS",
               "STARTED", "TOOK", "RECORDS", "POP3", "RUNS", "HOST");
    }
    struct p3s_campaign again;
    if (got > 0)
        got = st->ops->get_campaign(st, name, &again, on_shard, &sh);
    if (got > 0) {
        for (; sh.next < c.shards; sh.next++)
            shard_line(&sh, sh.next, NULL);
        p3s_campaign_free(&again);
        if (!h->jsonl)
            printf("%lld of %lld shards complete%s\n", (long long)sh.complete,
                   (long long)c.shards,
                   sh.complete == c.shards ? "" : " (diff and report need --partial)");
    }
    p3s_campaign_free(&c);
    if (got < 0 && !h->failed) {
        fprintf(stderr, "pop3scan history: history database %s: %s\n", st->path, st->err);
        return 3;
    }
    h->n = 1; /* said, even with no shard started */
    return 0;
}

static int on_scan(void *arg, const struct p3s_scan_info *s)
{
    struct hist *h = arg;
    if (h->jsonl)
        return print_json(h, p3s_scan_info_json(s));
    if (h->n++ == 0)
        printf("%5s  %-20s  %8s  %-11s  %8s  %6s  %s\n", "ID", "STARTED", "TOOK", "STATUS",
               "RECORDS", "POP3", "TARGETS");
    char took[32];
    duration(s, took, sizeof took);
    printf("%5lld  %-20s  %8s  %-11s  %8lld  %6lld  ", (long long)s->id, s->started, took,
           p3s_scan_status_shown(s), (long long)s->records, (long long)s->pop3);
    targets_text(s->targets);
    if (s->campaign) {
        fputs(" (campaign ", stdout);
        put_text(s->campaign);
        fputs(")", stdout);
    }
    putchar('\n');
    return 0;
}

/* "pop3-detected, pop3-tls-cert" from the "id severity" lines. */
static void findings_text(const char *lines)
{
    const char *sep = "";
    for (const char *s = lines; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        const char *sp = memchr(s, ' ', n);
        fputs(sep, stdout);
        p3s_fputs_term(stdout, s, sp ? (size_t)(sp - s) : n);
        sep = ", ";
        s += n + (nl != NULL);
    }
    if (!*sep)
        fputs("-", stdout);
}

static int on_row(void *arg, const struct p3s_scan_info *s, const struct p3s_row *r)
{
    struct hist *h = arg;
    if (h->jsonl) {
        json_t *o = json_object();
        json_object_set_new(o, "scan", json_integer(s->id));
        json_object_set_new(o, "started", json_string(s->started));
        json_object_set_new(o, "status", json_string(p3s_scan_status_shown(s)));
        json_object_set_new(o, "record", p3s_stored_json(r->json, r->json_len));
        h->n++;
        return print_json(h, o);
    }
    if (h->n++ == 0)
        printf("%5s  %-20s  %-28s  %-13s  %-24s  %-8s  %s\n", "SCAN", "STARTED", "ADDRESS",
               "STATE", "PRODUCT", "TLS", "FINDINGS");
    char addr[128];
    const char *ip = r->col[P3S_COL_IP][0] ? r->col[P3S_COL_IP] : r->col[P3S_COL_TARGET];
    int v6 = strchr(ip, ':') != NULL;
    snprintf(addr, sizeof addr, "%s%s%s:%d/%s", v6 ? "[" : "", ip, v6 ? "]" : "", r->port,
             r->col[P3S_COL_TRANSPORT]);
    char product[256];
    const char *name = r->col[P3S_COL_PRODUCT] ? r->col[P3S_COL_PRODUCT] : "-";
    snprintf(product, sizeof product, "%s%s%s", name,
             r->col[P3S_COL_VERSION] ? " " : "",
             r->col[P3S_COL_VERSION] ? r->col[P3S_COL_VERSION] : "");
    printf("%5lld  %-20s  ", (long long)s->id, s->started);
    put_text(addr);
    printf("%*s  %-13s  ", (int)(strlen(addr) < 28 ? 28 - strlen(addr) : 0), "",
           r->col[P3S_COL_STATE]);
    put_text(product);
    printf("%*s  %-8s  ", (int)(strlen(product) < 24 ? 24 - strlen(product) : 0), "",
           r->col[P3S_COL_TLS_VERSION] ? r->col[P3S_COL_TLS_VERSION] : "-");
    findings_text(r->col[P3S_COL_FINDINGS]);
    putchar('\n');
    return 0;
}

int p3s_cmd_history(int argc, char **argv)
{
    const char *db = NULL, *campaign = NULL;
    struct hist h = {0, 0, 0};
    int limit = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:n:h", OPTS, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            if (!*optarg)
                return p3s_cmd_bad("history", "--db", optarg, "expected a file name or URI");
            db = optarg;
            break;
        case OPT_CAMPAIGN:
            if (!*optarg)
                return p3s_cmd_bad("history", "--campaign", optarg, "expected a name");
            campaign = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "jsonl") != 0)
                return p3s_cmd_bad("history", "--format", optarg, "expected text or jsonl");
            h.jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1000000000)
                return p3s_cmd_bad("history", "--limit", optarg, "expected a positive number");
            limit = (int)v;
            break;
        }
        case 'h':
            fputs(USAGE, stdout);
            return 0;
        default:
            return p3s_cmd_usage_error("history", c, optopt, argv[optind - 1]);
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "pop3scan history: one target at most, not '%s'\n"
                        "Try 'pop3scan history --help'.\n", argv[optind + 1]);
        return 2;
    }
    const char *target = optind < argc ? argv[optind] : NULL;
    if (campaign && target) {
        fprintf(stderr, "pop3scan history: --campaign or a target, not both\n"
                        "Try 'pop3scan history --help'.\n");
        return 2;
    }
    int rc = 0;
    struct p3s_store *st = p3s_cmd_open_store("history", db, P3S_STORE_READ, &rc);
    if (!st)
        return rc;
    if (campaign) {
        rc = show_campaign(st, campaign, &h);
        if (rc == 0 && (h.failed || fflush(stdout) != 0)) {
            fprintf(stderr, "pop3scan history: cannot write the output\n");
            rc = 3;
        }
        p3s_store_close(st);
        return rc;
    }
    int got = target ? st->ops->target_rows(st, target, on_row, &h)
                     : st->ops->list_scans(st, limit, on_scan, &h);
    if (got < 0 && !h.failed) {
        fprintf(stderr, "pop3scan history: history database %s: %s\n", st->path, st->err);
        rc = 3;
    } else if (h.failed || fflush(stdout) != 0) {
        fprintf(stderr, "pop3scan history: cannot write the output\n");
        rc = 3;
    } else if (h.n == 0) {
        if (target) {
            fputs("pop3scan history: no record of '", stderr);
            p3s_fputs_term(stderr, target, strlen(target));
            fprintf(stderr, "' in %s\n", st->path);
        } else {
            fprintf(stderr, "pop3scan history: no scan in %s yet\n", st->path);
        }
    }
    p3s_store_close(st);
    return rc;
}
