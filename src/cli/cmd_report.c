/* cmd_report.c — `pop3scan report [OPTIONS] FILE...`: a report of a scan from its JSONL files
 * (several files, the shards of one scan, make one report), with how the scan ran, the history
 * and the changes since the last scan as optional JSON inputs; or `pop3scan report [SCAN]`: a
 * scan of the history (the latest, a scan id, campaign:NAME), which brings all of those itself
 * (report_store.h). Written as one self-contained HTML file or as Markdown (src/report/,
 * docs/report.md).
 *
 * Every input line is checked as it is read; a bad one stops the command with exit status 2 and
 * a message naming the file and the line. The output is written to a temporary file beside the
 * one named and renamed over it at the end, so a failed run never leaves half a report.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_common.h"
#include "cmd_report.h"
#include "escape.h"
#include "report.h"
#include "report_store.h"
#include "unit.h"
#include "util.h"

#define MAX_LINE (16u << 20) /* a JSONL record longer than this is not one of ours */

static const char USAGE[] =
    "Usage: pop3scan report [OPTIONS] FILE...\n"
    "       pop3scan report [OPTIONS] [SCAN-ID | campaign:NAME]\n"
    "Write a report of a scan: one self-contained HTML page, or a Markdown summary.\n"
    "\n"
    "FILE is a JSONL file written by pop3scan -f jsonl (- is standard input); the\n"
    "files of several shards of one scan make one report. Without a file, the scan\n"
    "comes from the scan history: the latest complete one, or the one named (an id\n"
    "of pop3scan history, or a campaign), with the earlier scans of the same targets\n"
    "as its history and the changes since the last of them.\n"
    "\n"
    "      --db FILE         the history: a SQLite file or a postgresql:// URI\n"
    "                        (default: the one scans write)\n"
    "      --partial         a campaign not every shard of which completed: report\n"
    "                        what it has\n"
    "  -f, --format FORMAT   html (default; markdown when -o names a .md file) or\n"
    "                        markdown\n"
    "  -o, --output FILE     write to FILE (default: standard output)\n"
    "      --title TEXT      the report's title\n"
    "      --scan FILE       with FILEs: how the scan ran: one JSON object, as\n"
    "                        pop3scan --meta FILE writes it (or a line of pop3scan\n"
    "                        history -f jsonl)\n"
    "      --history FILE    earlier scans, one JSON object a line: started,\n"
    "                        services, high\n"
    "      --changes FILE    changes since the last scan: what pop3scan diff -f jsonl\n"
    "                        writes\n"
    "      --rows N          Markdown: rows of the findings and changes tables\n"
    "                        (default 200; 0: all)\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 written; 2 bad usage or input (the message names the file and\n"
    "line); 3 the report could not be written.\n";

enum { OPT_TITLE = 256, OPT_SCAN, OPT_HISTORY, OPT_CHANGES, OPT_ROWS, OPT_DB, OPT_PARTIAL };

static const struct option OPTS[] = {{"format", required_argument, NULL, 'f'},
                                     {"output", required_argument, NULL, 'o'},
                                     {"title", required_argument, NULL, OPT_TITLE},
                                     {"scan", required_argument, NULL, OPT_SCAN},
                                     {"history", required_argument, NULL, OPT_HISTORY},
                                     {"changes", required_argument, NULL, OPT_CHANGES},
                                     {"rows", required_argument, NULL, OPT_ROWS},
                                     {"db", required_argument, NULL, OPT_DB},
                                     {"partial", no_argument, NULL, OPT_PARTIAL},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};

static int bad(const char *opt, const char *val, const char *why)
{
    fprintf(stderr, "pop3scan report: bad value '%s' for %s: %s\n", val, opt, why);
    fprintf(stderr, "Try 'pop3scan report --help'.\n");
    return 2;
}

/* A file name for a message: escaped for the terminal. */
static void put_name(const char *name)
{
    p3s_fputs_term(stderr, name, strlen(name));
}

/* One line of at most MAX_LINE bytes, its newline (and a CR before it) removed. 1 a line, 0 the
 * end, -1 too long or a read error. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
    *len = 0;
    for (;;) {
        if (*cap - *len < 4096) {
            size_t ncap = *cap ? *cap * 2 : 65536;
            if (ncap > MAX_LINE + 8192) {
                errno = EFBIG;
                return -1;
            }
            *buf = p3s_xrealloc(*buf, ncap);
            *cap = ncap;
        }
        if (!fgets(*buf + *len, (int)(*cap - *len), f))
            return ferror(f) ? -1 : *len > 0;
        /* fgets gives no length: a NUL inside the line (not JSON anyway) ends it early. */
        *len += strlen(*buf + *len);
        if (*len && (*buf)[*len - 1] == '\n') {
            (*buf)[--*len] = '\0';
            if (*len && (*buf)[*len - 1] == '\r')
                (*buf)[--*len] = '\0';
            return 1;
        }
        if (feof(f))
            return 1;
        if (*len > MAX_LINE) {
            errno = EFBIG;
            return -1;
        }
    }
}

/* Adds every line of path as an item of kind. 0, or 2 after a message. */
static int read_items(struct p3s_report *rep, const char *path, enum p3s_report_input kind)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fputs("pop3scan report: cannot read '", stderr);
        put_name(path);
        fprintf(stderr, "': %s\n", strerror(errno));
        return 2;
    }
    char *buf = NULL, err[512];
    size_t cap = 0, len, lineno = 0;
    int got, rc = 0;
    while ((got = read_line(f, &buf, &cap, &len)) == 1) {
        lineno++;
        size_t start = 0;
        while (start < len && (buf[start] == ' ' || buf[start] == '\t'))
            start++;
        if (start == len)
            continue; /* blank lines are no records */
        if (p3s_report_add_text(rep, kind, buf + start, len - start, err, sizeof err) < 0) {
            fputs("pop3scan report: ", stderr);
            put_name(path);
            fprintf(stderr, ":%zu: %s\n", lineno, err);
            rc = 2;
            break;
        }
    }
    if (got < 0) {
        fputs("pop3scan report: ", stderr);
        put_name(path);
        fprintf(stderr, ":%zu: %s\n", lineno + 1,
                errno == EFBIG ? "a line longer than 16 MiB" : strerror(errno));
        rc = 2;
    }
    free(buf);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* --scan FILE: one JSON object (the first value of the file). */
static int read_meta(struct p3s_report *rep, const char *path, char **files, int nfiles)
{
    json_error_t jerr;
    json_t *meta = strcmp(path, "-") == 0
                       ? json_loadf(stdin, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &jerr)
                       : json_load_file(path, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &jerr);
    char err[256];
    if (!meta) {
        fputs("pop3scan report: --scan ", stderr);
        put_name(path);
        fprintf(stderr, ": not JSON: %s\n", jerr.text);
        return 2;
    }
    if (json_is_object(meta) && !json_object_get(meta, "sources"))
        json_object_set_new(meta, "sources", p3s_report_texts_json(files, nfiles));
    int rc = p3s_report_set_meta(rep, meta, err, sizeof err);
    json_decref(meta);
    if (rc < 0) {
        fputs("pop3scan report: --scan ", stderr);
        put_name(path);
        fprintf(stderr, ": %s\n", err);
        return 2;
    }
    return 0;
}

static int default_meta(struct p3s_report *rep, char **files, int nfiles)
{
    json_t *meta = json_object();
    char err[256];
    json_object_set_new(meta, "sources", p3s_report_texts_json(files, nfiles));
    int rc = p3s_report_set_meta(rep, meta, err, sizeof err);
    json_decref(meta);
    return rc < 0 ? 3 : 0;
}

/* Writes the document to path through a temporary file renamed over it. */
static int write_report(struct p3s_report *rep, const char *path, int markdown,
                        const struct p3s_report_opts *opts)
{
    if (!path || strcmp(path, "-") == 0) {
        int rc = markdown ? p3s_report_write_markdown(rep, stdout, opts)
                          : p3s_report_write_html(rep, stdout, opts);
        if (rc < 0)
            fprintf(stderr, "pop3scan report: cannot write the report: %s\n", strerror(errno));
        return rc < 0 ? 3 : 0;
    }
    size_t n = strlen(path);
    char *tmp = p3s_xmalloc(n + 16);
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd >= 0) { /* mkstemp makes it 0600: give it the mode a new file gets */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    int rc = -1;
    if (fp) {
        rc = markdown ? p3s_report_write_markdown(rep, fp, opts)
                      : p3s_report_write_html(rep, fp, opts);
        if (fclose(fp) != 0)
            rc = -1;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = -1;
    } else if (fd >= 0) {
        close(fd);
    }
    if (rc < 0) {
        int e = errno;
        if (fd >= 0)
            unlink(tmp);
        fputs("pop3scan report: cannot write '", stderr);
        put_name(path);
        fprintf(stderr, "': %s\n", strerror(e));
    }
    free(tmp);
    return rc < 0 ? 3 : 0;
}

/* A lone argument that is not a file but a scan id or campaign:NAME, as diff reads them. */
static int names_scan(const char *arg)
{
    struct stat sb;
    if (strcmp(arg, "-") == 0 || stat(arg, &sb) == 0)
        return 0;
    if (p3s_unit_is_campaign(arg))
        return 1;
    size_t n = strspn(arg, "0123456789");
    return n > 0 && arg[n] == '\0';
}

static int from_store(struct p3s_report *rep, const char *db, const char *which, int partial)
{
    int rc = 0;
    struct p3s_store *st = p3s_cmd_open_store("report", db, P3S_STORE_READ, &rc);
    if (!st)
        return rc;
    char err[1024];
    rc = p3s_report_from_store(rep, st, which, partial, err, sizeof err);
    if (rc) {
        fputs("pop3scan report: ", stderr);
        p3s_fputs_term(stderr, err, strlen(err));
        fputc('\n', stderr);
    }
    p3s_store_close(st);
    return rc;
}

int p3s_cmd_report(int argc, char **argv)
{
    const char *format = NULL, *output = NULL, *scan = NULL, *db = NULL;
    const char *history[16], *changes[16];
    int nhistory = 0, nchanges = 0, partial = 0;
    struct p3s_report_opts opts = {NULL, 200, time(NULL)};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:o:h", OPTS, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "html") != 0 && strcmp(optarg, "markdown") != 0)
                return bad("--format", optarg, "expected html or markdown");
            format = optarg;
            break;
        case 'o':
            if (!*optarg)
                return bad("--output", optarg, "expected a file name");
            output = optarg;
            break;
        case OPT_TITLE:
            opts.title = optarg;
            break;
        case OPT_SCAN:
            scan = optarg;
            break;
        case OPT_DB:
            if (!*optarg)
                return bad("--db", optarg, "expected a file name or a postgresql:// URI");
            db = optarg;
            break;
        case OPT_PARTIAL:
            partial = 1;
            break;
        case OPT_HISTORY:
        case OPT_CHANGES: {
            const char **list = c == OPT_HISTORY ? history : changes;
            int *n = c == OPT_HISTORY ? &nhistory : &nchanges;
            if (*n == 16)
                return bad(c == OPT_HISTORY ? "--history" : "--changes", optarg,
                           "given too many times");
            list[(*n)++] = optarg;
            break;
        }
        case OPT_ROWS: {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 0 || v > 10000000 || errno)
                return bad("--rows", optarg, "expected 0 to 10000000");
            opts.md_rows = (size_t)v;
            break;
        }
        case 'h':
            fputs(USAGE, stdout);
            return 0;
        case ':':
            fprintf(stderr, "pop3scan report: option '%s' needs a value\n", argv[optind - 1]);
            fputs("Try 'pop3scan report --help'.\n", stderr);
            return 2;
        default:
            if (optopt)
                fprintf(stderr, "pop3scan report: unknown option '-%c'\n", optopt);
            else
                fprintf(stderr, "pop3scan report: unknown option '%s'\n", argv[optind - 1]);
            fputs("Try 'pop3scan report --help'.\n", stderr);
            return 2;
        }
    }
    char **files = argv + optind;
    int nfiles = argc - optind, rc = 0;
    if (!format)
        format = output ? p3s_report_format_of(output) : "html";
    int from_history = nfiles == 0 || (nfiles == 1 && names_scan(files[0]));
    if (from_history && (scan || nhistory || nchanges)) {
        fprintf(stderr, "pop3scan report: --%s is for reports of JSONL files; a scan of the "
                        "history brings its own\nTry 'pop3scan report --help'.\n",
                scan ? "scan" : nhistory ? "history" : "changes");
        return 2;
    }
    struct p3s_report *rep = p3s_report_new();
    if (from_history) {
        rc = from_store(rep, db, nfiles ? files[0] : NULL, partial);
        nfiles = 0;
    }
    for (int i = 0; i < nfiles && rc == 0; i++)
        rc = read_items(rep, files[i], P3S_REPORT_RECORD);
    for (int i = 0; i < nhistory && rc == 0; i++)
        rc = read_items(rep, history[i], P3S_REPORT_HISTORY);
    for (int i = 0; i < nchanges && rc == 0; i++)
        rc = read_items(rep, changes[i], P3S_REPORT_CHANGE);
    if (rc == 0 && scan)
        rc = read_meta(rep, scan, files, nfiles);
    else if (rc == 0 && nfiles)
        rc = default_meta(rep, files, nfiles);
    if (rc == 0)
        rc = write_report(rep, output, strcmp(format, "markdown") == 0, &opts);
    p3s_report_free(rep);
    return rc;
}
