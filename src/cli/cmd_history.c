/* cmd_history.c — `pop3scan history [TARGET]`: the scans of the history, newest first; or one
 * target's records scan after scan, oldest first, to see how it changed. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "escape.h"
#include "store.h"

static const char USAGE[] =
    "Usage: pop3scan history [OPTIONS] [TARGET]\n"
    "List the scans kept in the history, newest first; with TARGET (a target as it was\n"
    "named, or an address), that target's records in every scan, oldest first.\n"
    "\n"
    "      --db FILE           the history (default $XDG_STATE_HOME/pop3scan/history.sqlite3)\n"
    "  -f, --format FORMAT     text (default) or jsonl (one scan, or one record with its\n"
    "                          scan, per line)\n"
    "  -n, --limit N           at most the N newest scans\n"
    "  -h, --help              this help\n"
    "\n"
    "A scan's status: complete; interrupted (a signal, or its target list could not be\n"
    "read); incomplete (the history failed during it: records are missing); resumed (run\n"
    "again with its resume file: only what the earlier run left); failed (it did not run);\n"
    "running (no end yet), or killed when it ran here and its process is gone.\n";

enum { OPT_DB = 256 };

static const struct option OPTS[] = {{"db", required_argument, NULL, OPT_DB},
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

/* A JSON text kept by the store, as a jansson value (null when it does not parse). */
static json_t *stored_json(const char *s, size_t n)
{
    json_t *v = s ? json_loadb(s, n, JSON_ALLOW_NUL, NULL) : NULL;
    return v ? v : json_null();
}

static json_t *scan_json(const struct p3s_scan_info *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(s->id));
    json_object_set_new(o, "started", json_string(s->started));
    json_object_set_new(o, "ended", s->ended[0] ? json_string(s->ended) : json_null());
    json_object_set_new(o, "status", json_string(p3s_scan_status_shown(s)));
    json_object_set_new(o, "records", json_integer(s->records));
    json_object_set_new(o, "pop3", json_integer(s->pop3));
    json_object_set_new(o, "command", stored_json(s->command, s->command ? strlen(s->command) : 0));
    json_object_set_new(o, "targets", stored_json(s->targets, s->targets ? strlen(s->targets) : 0));
    json_object_set_new(o, "options", stored_json(s->options, s->options ? strlen(s->options) : 0));
    json_object_set_new(o, "shard", s->shard ? json_string(s->shard) : json_null());
    json_object_set_new(o, "host", json_string(s->host ? s->host : ""));
    json_object_set_new(o, "pid", json_integer(s->pid));
    json_object_set_new(o, "version", json_string(s->version ? s->version : ""));
    return o;
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

static int on_scan(void *arg, const struct p3s_scan_info *s)
{
    struct hist *h = arg;
    if (h->jsonl)
        return print_json(h, scan_json(s));
    if (h->n++ == 0)
        printf("%5s  %-20s  %8s  %-11s  %8s  %6s  %s\n", "ID", "STARTED", "TOOK", "STATUS",
               "RECORDS", "POP3", "TARGETS");
    char took[32];
    duration(s, took, sizeof took);
    printf("%5lld  %-20s  %8s  %-11s  %8lld  %6lld  ", (long long)s->id, s->started, took,
           p3s_scan_status_shown(s), (long long)s->records, (long long)s->pop3);
    targets_text(s->targets);
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
        json_object_set_new(o, "record", stored_json(r->json, r->json_len));
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
    const char *db = NULL;
    struct hist h = {0, 0, 0};
    int limit = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:n:h", OPTS, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            if (!*optarg)
                return p3s_cmd_bad("history", "--db", optarg, "expected a file name");
            db = optarg;
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
    int rc = 0;
    struct p3s_store *st = p3s_cmd_open_store("history", db, P3S_STORE_READ, &rc);
    if (!st)
        return rc;
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
