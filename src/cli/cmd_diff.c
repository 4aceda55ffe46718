/* cmd_diff.c — `pop3scan diff [OLD [NEW]]`: what changed between two scans of the history, or
 * two JSONL files, or one of each (src/store/diff.h has the rules).
 *
 * Both sides stream in key order: scans from the history through its index, JSONL files after
 * they are loaded into a private temporary SQLite database on disk (SQLite sorts; nothing holds
 * all the records in memory). Text output puts a summary first, so the details go to a
 * temporary file until the summary is known.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_diff.h"
#include "cmd_common.h"
#include "diff.h"
#include "diffjson.h"
#include "unit.h"
#include "escape.h"
#include "jsonw.h"
#include "store.h"

#define MAX_LINE (16u << 20) /* a JSONL record longer than this is not one of ours */
#define IMPORT_BATCH 500 /* records per transaction of the temporary database */

static const char USAGE[] =
    "Usage: pop3scan diff [OPTIONS] [OLD [NEW]]\n"
    "Say what changed between two scans.\n"
    "\n"
    "OLD and NEW are scan ids of the history (see pop3scan history), campaigns\n"
    "(campaign:NAME: the scans of all its shards as one) or JSONL files written by\n"
    "pop3scan -f jsonl (- is standard input; a file named by digits only: ./123).\n"
    "Without them: the last two complete scans of the same targets. With OLD alone: OLD and\n"
    "the last complete scan; a campaign alone: the complete campaign before it of the same\n"
    "targets, and it.\n"
    "\n"
    "      --db FILE|URI       the history (default $XDG_STATE_HOME/pop3scan/history.sqlite3;\n"
    "                          postgresql://… for PostgreSQL)\n"
    "      --partial           compare a campaign whose shards did not all complete\n"
    "  -f, --format FORMAT     text (default: a summary, then the details) or jsonl (one\n"
    "                          change per line with its old and new values)\n"
    "      --expiring AGE      also report certificates that end within AGE (30d, 2w, 12h)\n"
    "      --fail-on-change    exit 1 when anything changed (cron, CI)\n"
    "  -h, --help              this help\n"
    "\n"
    "Exit status: 0 compared; 1 changes and --fail-on-change; 2 bad usage or input;\n"
    "3 the history cannot be read.\n";

enum { OPT_DB = 256, OPT_EXPIRING, OPT_FAIL_ON_CHANGE, OPT_PARTIAL };

static const struct option OPTS[] = {{"db", required_argument, NULL, OPT_DB},
                                     {"partial", no_argument, NULL, OPT_PARTIAL},
                                     {"format", required_argument, NULL, 'f'},
                                     {"expiring", required_argument, NULL, OPT_EXPIRING},
                                     {"fail-on-change", no_argument, NULL, OPT_FAIL_ON_CHANGE},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};

/* One side of the comparison: a scan of the history, or a JSONL file loaded into the temporary
 * store. */
struct side {
    const char *arg;
    int is_file;
    int campaign; /* campaign:NAME */
    int64_t id;
    struct p3s_store *st; /* where its rows are read from */
    struct p3s_store_cursor *cur;
    struct p3s_unit unit; /* a scan or a campaign of the history */
    struct p3s_scan_info info; /* its row (unit.info; texts owned by unit) */
    size_t records;
    char label[300];      /* campaign:NAME as old_scan/new_scan say it */
};

static int is_scan_id(const char *s)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return strlen(s) < 19;
}

/* ---- loading a JSONL file ---------------------------------------------------------------- */

/* One line of at most MAX_LINE bytes (without its newline) into *buf. 1 a line, 0 end of file,
 * -1 too long or a read error (errno). */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
    *len = 0;
    for (;;) {
        if (*cap - *len < 4096) {
            size_t ncap = *cap ? *cap * 2 : 65536;
            char *p = ncap <= MAX_LINE + 8192 ? realloc(*buf, ncap) : NULL;
            if (!p) {
                errno = ncap > MAX_LINE + 8192 ? EFBIG : ENOMEM;
                return -1;
            }
            *buf = p;
            *cap = ncap;
        }
        if (!fgets(*buf + *len, (int)(*cap - *len), f))
            return ferror(f) ? -1 : *len > 0;
        *len += strlen(*buf + *len);
        if (*len && (*buf)[*len - 1] == '\n') {
            (*buf)[--*len] = '\0';
            if (*len && (*buf)[*len - 1] == '\r')
                (*buf)[--*len] = '\0';
            return 1;
        }
        if (*len > MAX_LINE) {
            errno = EFBIG;
            return -1;
        }
    }
}

static void free_batch(struct p3s_row **batch, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(batch[i]);
}

/* Loads the records of a JSONL file as one scan of the temporary store. Returns 0, 2 for a file
 * that cannot be read or holds something else, 3 when the temporary store fails. */
static int load_file(struct side *sd, struct p3s_store *tmp)
{
    FILE *f = strcmp(sd->arg, "-") == 0 ? stdin : fopen(sd->arg, "r");
    if (!f) {
        fprintf(stderr, "pop3scan diff: cannot read '%s': %s\n", sd->arg, strerror(errno));
        return 2;
    }
    struct p3s_scan_info info;
    memset(&info, 0, sizeof info);
    if (tmp->ops->begin_scan(tmp, &info)) {
        fprintf(stderr, "pop3scan diff: temporary database: %s\n", tmp->err);
        if (f != stdin)
            fclose(f);
        return 3;
    }
    sd->id = info.id;
    sd->st = tmp;
    struct p3s_rowbuf rb;
    p3s_rowbuf_init(&rb);
    struct p3s_row *batch[IMPORT_BATCH];
    size_t nbatch = 0, len = 0, cap = 0, lineno = 0;
    char *line = NULL, why[256];
    int got, rc = 0;
    while (rc == 0 && (got = read_line(f, &line, &cap, &len)) != 0) {
        lineno++;
        if (got < 0) {
            fprintf(stderr, "pop3scan diff: %s:%zu: %s\n", sd->arg, lineno,
                    errno == EFBIG ? "line too long for a record" : strerror(errno));
            rc = 2;
            break;
        }
        if (strspn(line, " \t") == len)
            continue;
        json_error_t jerr;
        json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
        if (!j) {
            fprintf(stderr, "pop3scan diff: %s:%zu: not JSON: %s\n", sd->arg, lineno, jerr.text);
            rc = 2;
            break;
        }
        /* Lines of another kind (not a record: a schema other than pop3scan/record/…) are
         * passed over; anything else must be a record. */
        const json_t *schema = json_object_get(j, "schema");
        int other = json_is_string(schema) &&
                    strncmp(json_string_value(schema), "pop3scan/record/", 16) != 0 &&
                    strncmp(json_string_value(schema), "pop3scan/", 9) == 0;
        if (!other && p3s_rowbuf_from_json(&rb, j, NULL, 0, why, sizeof why) != 0) {
            fprintf(stderr, "pop3scan diff: %s:%zu: %s\n", sd->arg, lineno, why);
            rc = 2;
        } else if (!other) {
            struct p3s_row *r = p3s_row_pack(&rb);
            if (!r) {
                fprintf(stderr, "pop3scan diff: out of memory\n");
                rc = 3;
            } else {
                batch[nbatch++] = r;
                sd->records++;
            }
        }
        json_decref(j);
        if (rc == 0 && nbatch == IMPORT_BATCH) {
            if (tmp->ops->add_rows(tmp, sd->id, batch, nbatch)) {
                fprintf(stderr, "pop3scan diff: temporary database: %s\n", tmp->err);
                rc = 3;
            }
            free_batch(batch, nbatch);
            nbatch = 0;
        }
    }
    if (rc == 0 && nbatch && tmp->ops->add_rows(tmp, sd->id, batch, nbatch)) {
        fprintf(stderr, "pop3scan diff: temporary database: %s\n", tmp->err);
        rc = 3;
    }
    free_batch(batch, nbatch);
    free(line);
    p3s_rowbuf_free(&rb);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* ---- choosing the two sides -------------------------------------------------------------- */

/* A scan (id) or a campaign (name) of the history as one side. A campaign that is not
 * complete is refused unless --partial. */
static int load_unit(struct side *sd, struct p3s_store *db, int64_t id, const char *campaign,
                     int partial)
{
    int got = campaign ? p3s_unit_load_campaign(db, campaign, &sd->unit)
                       : p3s_unit_load_scan(db, id, &sd->unit);
    if (got < 0) {
        fprintf(stderr, "pop3scan diff: history database %s: %s\n", db->path, db->err);
        return 3;
    }
    if (got == 0 && campaign) {
        fputs("pop3scan diff: no campaign '", stderr);
        p3s_fputs_term(stderr, campaign, strlen(campaign));
        fprintf(stderr, "' in %s (see pop3scan history)\n", db->path);
        return 2;
    }
    if (got == 0) {
        fprintf(stderr, "pop3scan diff: no scan %lld in %s (see pop3scan history)\n",
                (long long)id, db->path);
        return 2;
    }
    sd->st = db;
    sd->campaign = campaign != NULL;
    sd->info = sd->unit.info;
    sd->id = campaign ? 0 : id;
    sd->records = (size_t)sd->info.records;
    if (campaign) {
        snprintf(sd->label, sizeof sd->label, P3S_CAMPAIGN_PREFIX "%s", campaign);
        sd->arg = sd->label;
    }
    if (campaign && !p3s_unit_complete(&sd->unit) && !partial) {
        fputs("pop3scan diff: campaign '", stderr);
        p3s_fputs_term(stderr, campaign, strlen(campaign));
        fprintf(stderr, "' is not complete: %lld of %lld shards are; not complete: %s "
                        "(pop3scan history --campaign NAME; --partial compares what it has)\n",
                (long long)sd->unit.complete, (long long)sd->unit.campaign.shards,
                sd->unit.missing);
        return 2;
    }
    return 0;
}

static int load_scan(struct side *sd, struct p3s_store *db, int64_t id)
{
    return load_unit(sd, db, id, NULL, 0);
}

struct diff_opts {
    const char *db;
    int jsonl;
    long long expiring_s;
    int fail_on_change;
    int partial;
};

/* A campaign alone: the complete campaign before it of the same targets, and it. */
static int previous_campaign(struct side sides[2], struct p3s_store *db, int partial)
{
    sides[1] = sides[0];
    memset(&sides[0], 0, sizeof sides[0]);
    struct p3s_unit prev;
    int got = p3s_unit_previous_campaign(db, &sides[1].unit, &prev);
    if (got < 0) {
        fprintf(stderr, "pop3scan diff: history database %s: %s\n", db->path, db->err);
        return 3;
    }
    if (got == 0) {
        fprintf(stderr, "pop3scan diff: %s holds no complete campaign before %s of the same "
                        "targets and options (name two scans or campaigns to compare others)\n",
                db->path, sides[1].arg);
        return 2;
    }
    char name[256];
    snprintf(name, sizeof name, "%s", prev.campaign.name);
    p3s_unit_free(&prev);
    return load_unit(&sides[0], db, 0, name, partial);
}

/* Fills both sides from the arguments; opens the history when a side needs it. */
static int choose(struct side sides[2], int nargs, char **args, struct p3s_store **db,
                  struct p3s_store **tmp, const struct diff_opts *o)
{
    int rc = 0;
    int need_db = nargs < 2;
    for (int i = 0; i < nargs; i++)
        need_db |= is_scan_id(args[i]) || p3s_unit_is_campaign(args[i]);
    if (need_db && !(*db = p3s_cmd_open_store("diff", o->db, P3S_STORE_READ, &rc)))
        return rc;
    for (int i = 0; i < nargs && i < 2; i++) {
        sides[i].arg = args[i];
        sides[i].is_file = !is_scan_id(args[i]) && !p3s_unit_is_campaign(args[i]);
        if (p3s_unit_is_campaign(args[i])) {
            if ((rc = load_unit(&sides[i], *db, 0, args[i] + strlen(P3S_CAMPAIGN_PREFIX),
                                o->partial)))
                return rc;
            continue;
        }
        if (!sides[i].is_file) {
            if ((rc = load_scan(&sides[i], *db, strtoll(args[i], NULL, 10))))
                return rc;
            continue;
        }
        if (!*tmp) {
            char err[512];
            if (!(*tmp = p3s_store_open(NULL, P3S_STORE_TEMP, err, sizeof err))) {
                fprintf(stderr, "pop3scan diff: temporary database: %s\n", err);
                return 3;
            }
        }
        if ((rc = load_file(&sides[i], *tmp)))
            return rc;
    }
    if (nargs == 1 && sides[0].campaign)
        return previous_campaign(sides, *db, o->partial);
    int64_t old_id = 0, new_id = 0;
    int got = 1;
    if (nargs == 0)
        got = (*db)->ops->latest_pair(*db, &old_id, &new_id);
    else if (nargs == 1)
        got = (*db)->ops->latest_complete(*db, sides[0].is_file ? 0 : sides[0].id, &new_id);
    if (got < 0) {
        fprintf(stderr, "pop3scan diff: history database %s: %s\n", (*db)->path, (*db)->err);
        return 3;
    }
    if (got == 0 && nargs == 0) {
        fprintf(stderr, "pop3scan diff: %s holds no two complete scans of the same targets "
                        "(see pop3scan history; name two scans or files to compare others)\n",
                (*db)->path);
        return 2;
    }
    if (got == 0) {
        fprintf(stderr, "pop3scan diff: %s holds no other complete scan to compare %s with\n",
                (*db)->path, args[0]);
        return 2;
    }
    if (nargs == 0 && (rc = load_scan(&sides[0], *db, old_id)))
        return rc;
    if (nargs < 2 && (rc = load_scan(&sides[1], *db, new_id)))
        return rc;
    return 0;
}

/* ---- writing the changes ------------------------------------------------------------------ */

struct out {
    int jsonl;
    FILE *fp;      /* where changes go: stdout (JSONL) or the details file (text) */
    struct p3s_jw jw;
    struct p3s_diffjson dj;
    char key[1024]; /* text: the key of the last group header */
    const struct side *sides;
    size_t opened_by_sev[4];
    int failed;
};

static const char *SEVERITIES[] = {"info", "low", "medium", "high"};

static void jsonl_change(struct out *o, const struct p3s_change *c)
{
    struct p3s_diffjson_side sides[2];
    for (int i = 0; i < 2; i++) {
        sides[i].text = o->sides[i].is_file ? o->sides[i].arg
                        : o->sides[i].campaign ? o->sides[i].arg
                                               : NULL;
        sides[i].id = o->sides[i].id;
    }
    struct p3s_jw *w = &o->jw;
    p3s_jw_reset(w);
    o->dj.jw = w;
    p3s_diffjson_change(&o->dj, c, &sides[0], &sides[1]);
    p3s_jw_raw(w, "\n", 1);
    if (o->dj.failed || !p3s_jw_ok(w) || fwrite(w->buf, 1, w->len, o->fp) != w->len)
        o->failed = 1;
}

/* ---- text -------------------------------------------------------------------------------- */

static void put_text(FILE *fp, const char *s)
{
    p3s_fputs_term(fp, s, strlen(s));
}

static void put_value(FILE *fp, const char *s, int quoted)
{
    if (!s) {
        fputs("none", fp);
        return;
    }
    if (quoted)
        fputc('"', fp);
    put_text(fp, s);
    if (quoted)
        fputc('"', fp);
}

/* "127.0.0.1:110/plain", "[::1]:995/tls (mail.example.test)": the key of a group of changes. */
static void text_key(struct out *o, const struct p3s_row *r)
{
    const char *ip = r->col[P3S_COL_IP], *target = r->col[P3S_COL_TARGET];
    const char *host = ip[0] ? ip : target;
    char key[1024];
    int v6 = strchr(host, ':') != NULL;
    snprintf(key, sizeof key, "%s%s%s:%d/%s", v6 ? "[" : "", host, v6 ? "]" : "", r->port,
             r->col[P3S_COL_TRANSPORT]);
    size_t n = strlen(key);
    if (ip[0] && strcmp(ip, target) != 0)
        snprintf(key + n, sizeof key - n, " (%s)", target);
    if (strcmp(key, o->key) == 0)
        return;
    snprintf(o->key, sizeof o->key, "%s", key);
    fputc('\n', o->fp);
    put_text(o->fp, key);
    fputc('\n', o->fp);
}

/* "added X, Y; removed Z" for two '\n' lists. */
static void text_list_delta(FILE *fp, const char *old, const char *new)
{
    const char *lists[2][2] = {{new, old}, {old, new}};
    const char *words[2] = {"added ", "removed "};
    int any = 0;
    if (!old || !new) {
        fputs(old ? "no longer answered" : "now answered: ", fp);
        for (const char *s = new; s && *s;) {
            const char *e = strchr(s, '\n');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            p3s_fputs_term(fp, s, n);
            fputs(e ? ", " : "", fp);
            s += n + (e != NULL);
        }
        return;
    }
    for (int k = 0; k < 2; k++) {
        int first = 1;
        for (const char *s = lists[k][0]; s && *s;) {
            const char *e = strchr(s, '\n');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (n && !p3s_list_has(lists[k][1], s, n)) {
                fputs(first ? (any ? "; " : "") : ", ", fp);
                if (first)
                    fputs(words[k], fp);
                p3s_fputs_term(fp, s, n);
                first = 0;
                any = 1;
            }
            s += n + (e != NULL);
        }
    }
    if (!any)
        fputs("reordered", fp);
}

static void text_finding(FILE *fp, const char *line)
{
    const char *sp = strchr(line, ' ');
    p3s_fputs_term(fp, line, sp ? (size_t)(sp - line) : strlen(line));
    if (sp)
        fprintf(fp, " (%s)", sp + 1);
}

static void text_change(struct out *o, const struct p3s_change *c)
{
    FILE *fp = o->fp;
    text_key(o, c->new ? c->new : c->old);
    fprintf(fp, "  %s: ", P3S_CHANGE_NAMES[c->kind]);
    switch (c->kind) {
    case P3S_CH_APPEARED:
        fputs("a POP3 service", fp);
        if (c->old_val) {
            fputs(" (was ", fp);
            put_text(fp, c->old_val);
            fputs(")", fp);
        }
        break;
    case P3S_CH_DISAPPEARED:
        fputs("no POP3 service any more", fp);
        fputs(c->new_val ? " (now " : " (no record)", fp);
        if (c->new_val) {
            put_text(fp, c->new_val);
            fputs(")", fp);
        }
        break;
    case P3S_CH_STATE:
        fputs(c->old_val ? "" : "no record -> ", fp);
        if (c->old_val)
            put_value(fp, c->old_val, 0);
        fputs(c->old_val ? " -> " : "", fp);
        put_value(fp, c->new_val ? c->new_val : "no record", 0);
        break;
    case P3S_CH_FINDING_OPENED:
        text_finding(fp, c->new_val);
        break;
    case P3S_CH_FINDING_CLOSED:
        text_finding(fp, c->old_val);
        break;
    case P3S_CH_CAPABILITIES:
    case P3S_CH_CAPABILITIES_TLS:
        text_list_delta(fp, c->old_val, c->new_val);
        break;
    case P3S_CH_CERT_EXPIRING:
        fprintf(fp, "%s ", c->days_left < 0 ? "ended" : "ends");
        put_text(fp, c->new_val);
        if (c->days_left < 0)
            fprintf(fp, " (%lld days ago)", -c->days_left);
        else
            fprintf(fp, " (%lld days left)", c->days_left);
        break;
    case P3S_CH_CERTIFICATE:
        for (int side = 0; side < 2; side++) {
            const struct p3s_row *r = side ? c->new : c->old;
            fprintf(fp, "%.16s... ", r->col[P3S_COL_CERT_SHA256]);
            put_value(fp, r->col[P3S_COL_CERT_SUBJECT], 0);
            fputs(", ends ", fp);
            put_value(fp, r->col[P3S_COL_CERT_NOT_AFTER], 0);
            fputs(side ? "" : " -> ", fp);
        }
        break;
    default:
        put_value(fp, c->old_val, c->kind == P3S_CH_GREETING);
        fputs(" -> ", fp);
        put_value(fp, c->new_val, c->kind == P3S_CH_GREETING);
        break;
    }
    fputc('\n', fp);
}

static int on_change(void *arg, const struct p3s_change *c)
{
    struct out *o = arg;
    if (c->kind == P3S_CH_FINDING_OPENED) {
        const char *sp = strchr(c->new_val, ' ');
        for (int i = 0; i < 4; i++)
            if (sp && strcmp(sp + 1, SEVERITIES[i]) == 0)
                o->opened_by_sev[i]++;
    }
    if (o->jsonl)
        jsonl_change(o, c);
    else
        text_change(o, c);
    return o->failed ? -3 : 0;
}

/* Singular and plural of each change kind, for the summary. */
static const char *const SUMMARY[P3S_CH_COUNT][2] = {
    {"new POP3 service", "new POP3 services"},
    {"POP3 service gone", "POP3 services gone"},
    {"other state change", "other state changes"},
    {"greeting changed", "greetings changed"},
    {"product changed", "products changed"},
    {"version changed", "versions changed"},
    {"identification confidence changed", "identification confidences changed"},
    {"finding opened", "findings opened"},
    {"finding closed", "findings closed"},
    {"negotiated TLS version changed", "negotiated TLS versions changed"},
    {"set of accepted TLS versions changed", "sets of accepted TLS versions changed"},
    {"cipher changed", "ciphers changed"},
    {"certificate changed", "certificates changed"},
    {"certificate expiring", "certificates expiring"},
    {"capability list changed", "capability lists changed"},
    {"capability list under TLS changed", "capability lists under TLS changed"},
    {"SASL mechanism list changed", "SASL mechanism lists changed"},
    {"SASL mechanism list under TLS changed", "SASL mechanism lists under TLS changed"},
    {"STLS change", "STLS changes"},
    {"cleartext login change", "cleartext login changes"},
};

static void describe(FILE *fp, const struct side *sd)
{
    if (sd->is_file) {
        fputs("file ", fp);
        put_text(fp, sd->arg);
        fprintf(fp, " (%zu record%s)", sd->records, sd->records == 1 ? "" : "s");
        return;
    }
    if (sd->campaign) {
        fputs("campaign ", fp);
        put_text(fp, sd->unit.campaign.name);
        fprintf(fp, " (%s, %lld of %lld shards complete, %zu record%s)", sd->info.started,
                (long long)sd->unit.complete, (long long)sd->unit.campaign.shards, sd->records,
                sd->records == 1 ? "" : "s");
        return;
    }
    fprintf(fp, "scan %lld (%s, %s, %zu record%s)", (long long)sd->id, sd->info.started,
            p3s_scan_status_shown(&sd->info), sd->records, sd->records == 1 ? "" : "s");
}

static void text_report(FILE *fp, const struct side sides[2], const struct p3s_diff *d,
                        const struct out *o, long long expiring_s)
{
    fputs("Comparing ", fp);
    describe(fp, &sides[0]);
    fputs("\n     with ", fp);
    describe(fp, &sides[1]);
    fputs(".\n", fp);
    if (!sides[0].is_file && !sides[1].is_file) {
        if (strcmp(sides[0].info.targets, sides[1].info.targets) != 0)
            fputs("Note: the scans cover different targets; what only one of them covers shows "
                  "as appeared, gone or a state change.\n", fp);
        if (strcmp(sides[0].info.options, sides[1].info.options) != 0)
            fputs("Note: the scans ran with different options; what one of them did not learn "
                  "is not compared.\n", fp);
    }
    size_t total = 0;
    for (int k = 0; k < P3S_CH_COUNT; k++)
        total += d->counts[k];
    if (total == 0) {
        fprintf(fp, "\nNo changes (%zu address%s and ports compared).\n", d->keys,
                d->keys == 1 ? "" : "es");
        return;
    }
    fprintf(fp, "\n%zu change%s on %zu of %zu addresses and ports:\n", total,
            total == 1 ? "" : "s", d->keys_changed, d->keys);
    for (int k = 0; k < P3S_CH_COUNT; k++) {
        if (!d->counts[k])
            continue;
        fprintf(fp, "  %zu %s", d->counts[k], SUMMARY[k][d->counts[k] != 1]);
        if (k == P3S_CH_CERT_EXPIRING)
            fprintf(fp, " within %lld days", expiring_s / 86400);
        if (k == P3S_CH_FINDING_OPENED) {
            const char *sep = " (";
            for (int s = 3; s >= 0; s--)
                if (o->opened_by_sev[s]) {
                    fprintf(fp, "%s%zu %s", sep, o->opened_by_sev[s], SEVERITIES[s]);
                    sep = ", ";
                }
            fputs(")", fp);
        }
        fputc('\n', fp);
    }
}

/* ---- the command -------------------------------------------------------------------------- */

static int next_side(void *ctx, const struct p3s_row **row)
{
    struct side *sd = ctx;
    return sd->st->ops->next_row(sd->cur, row);
}

static int copy_file(FILE *from, FILE *to)
{
    char buf[65536];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return -1;
    return ferror(from) ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct diff_opts *o)
{
    int c;
    opterr = 0;
    optind = 1;
    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, ":f:h", OPTS, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            if (!*optarg)
                return p3s_cmd_bad("diff", "--db", optarg, "expected a file name or URI");
            o->db = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "jsonl") != 0)
                return p3s_cmd_bad("diff", "--format", optarg, "expected text or jsonl");
            o->jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case OPT_EXPIRING:
            if ((o->expiring_s = p3s_store_parse_age(optarg)) <= 0)
                return p3s_cmd_bad("diff", "--expiring", optarg,
                                   "expected an age such as 30d, 2w or 12h");
            break;
        case OPT_FAIL_ON_CHANGE:
            o->fail_on_change = 1;
            break;
        case OPT_PARTIAL:
            o->partial = 1;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return -1;
        default:
            return p3s_cmd_usage_error("diff", c, optopt, argv[optind - 1]);
        }
    }
    if (argc - optind > 2) {
        fprintf(stderr, "pop3scan diff: at most two scans or files to compare, not '%s'\n"
                        "Try 'pop3scan diff --help'.\n", argv[optind + 2]);
        return 2;
    }
    return 0;
}

int p3s_cmd_diff(int argc, char **argv)
{
    struct diff_opts opts;
    int rc = parse_opts(argc, argv, &opts);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct side sides[2];
    memset(sides, 0, sizeof sides);
    struct p3s_store *db = NULL, *tmp = NULL;
    struct p3s_diff d;
    struct out o;
    memset(&o, 0, sizeof o);
    p3s_diff_init(&d, on_change, &o);
    rc = choose(sides, argc - optind, argv + optind, &db, &tmp, &opts);
    for (int i = 0; rc == 0 && i < 2; i++)
        if (!(sides[i].cur = sides[i].is_file
                                 ? sides[i].st->ops->open_rows(sides[i].st, &sides[i].id, 1, 0)
                                 : sides[i].st->ops->open_rows(sides[i].st, sides[i].unit.ids,
                                                               sides[i].unit.n, 0))) {
            fprintf(stderr, "pop3scan diff: %s\n", sides[i].st->err);
            rc = 3;
        }
    o.jsonl = opts.jsonl;
    o.sides = sides;
    o.fp = opts.jsonl ? stdout : tmpfile();
    if (rc == 0 && !o.fp) {
        fprintf(stderr, "pop3scan diff: cannot make a temporary file: %s\n", strerror(errno));
        rc = 3;
    }
    if (rc == 0) {
        d.expiring_s = opts.expiring_s;
        d.now = (long long)time(NULL);
        int m = p3s_diff_merge(&d, next_side, &sides[0], next_side, &sides[1]);
        if (m == -2) {
            fprintf(stderr, "pop3scan diff: records out of key order (a bug: please report)\n");
            rc = 3;
        } else if (m != 0 || o.failed) {
            const struct p3s_store *bad = sides[0].st->err[0] ? sides[0].st : sides[1].st;
            fprintf(stderr, "pop3scan diff: %s\n",
                    o.failed ? "cannot write the changes" : bad->err[0] ? bad->err
                                                                      : "out of memory");
            rc = 3;
        }
    }
    if (rc == 0 && !opts.jsonl) {
        text_report(stdout, sides, &d, &o, opts.expiring_s);
        if (copy_file(o.fp, stdout))
            rc = 3;
    }
    if (rc == 0 && fflush(stdout) != 0)
        rc = 3;
    size_t total = 0;
    for (int k = 0; k < P3S_CH_COUNT; k++)
        total += d.counts[k];
    if (rc == 0 && opts.fail_on_change && total)
        rc = 1;
    if (o.fp && o.fp != stdout)
        fclose(o.fp);
    for (int i = 0; i < 2; i++) {
        if (sides[i].cur)
            sides[i].st->ops->close_rows(sides[i].cur);
        p3s_unit_free(&sides[i].unit);
    }
    p3s_diff_free(&d);
    p3s_jw_free(&o.jw);
    p3s_diffjson_free(&o.dj);
    p3s_store_close(db);
    p3s_store_close(tmp);
    return rc;
}
