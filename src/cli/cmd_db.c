/* cmd_db.c — `pop3scan db prune|vacuum|path`: keeping the history file to a size. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd_db.h"
#include "cmd_common.h"
#include "store.h"

static const char USAGE[] =
    "Usage: pop3scan db prune [--db FILE] [--keep N] [--older-than AGE]\n"
    "       pop3scan db vacuum [--db FILE]\n"
    "       pop3scan db path\n"
    "Keep the scan history to a size.\n"
    "\n"
    "  prune   delete old scans and their records: those beyond the newest N (--keep N)\n"
    "          and/or started more than AGE ago (--older-than 180d; also w, h, m, s). With\n"
    "          both, a scan goes only when both say so. Scans still running are kept.\n"
    "  vacuum  give the space of deleted scans back to the file system\n"
    "  path    print the history file scans use when --db is not given\n"
    "\n"
    "      --db FILE|URI       the history (default $XDG_STATE_HOME/pop3scan/history.sqlite3;\n"
    "                          postgresql://… for PostgreSQL)\n"
    "      --keep N            prune: keep the N newest scans\n"
    "      --older-than AGE    prune: delete scans started more than AGE ago\n"
    "  -h, --help              this help\n";

enum { OPT_DB = 256, OPT_KEEP, OPT_OLDER };

static const struct option OPTS[] = {{"db", required_argument, NULL, OPT_DB},
                                     {"keep", required_argument, NULL, OPT_KEEP},
                                     {"older-than", required_argument, NULL, OPT_OLDER},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};

/* Bytes of the file and its WAL (what the user sees on disk). */
static long long disk_size(const char *path)
{
    char wal[4200];
    struct stat sb;
    long long total = stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &sb) == 0)
        total += (long long)sb.st_size;
    return total;
}

static void human(long long bytes, char *out, size_t n)
{
    if (bytes < 10 * 1024)
        snprintf(out, n, "%lld bytes", bytes);
    else if (bytes < 10LL * 1024 * 1024)
        snprintf(out, n, "%.1f KiB", bytes / 1024.0);
    else
        snprintf(out, n, "%.1f MiB", bytes / 1048576.0);
}

static int cmd_path(void)
{
    char path[4096], err[512];
    if (p3s_store_default_path(path, sizeof path, 0, err, sizeof err)) {
        fprintf(stderr, "pop3scan db: %s\n", err);
        return 2;
    }
    puts(path);
    return fflush(stdout) == 0 ? 0 : 3;
}

int p3s_cmd_db(int argc, char **argv)
{
    const char *db = NULL;
    int keep = -1, c;
    long long older = -1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", OPTS, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            if (!*optarg)
                return p3s_cmd_bad("db", "--db", optarg, "expected a file name or URI");
            db = optarg;
            break;
        case OPT_KEEP: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 0 || v > 1000000000)
                return p3s_cmd_bad("db", "--keep", optarg, "expected a number of scans");
            keep = (int)v;
            break;
        }
        case OPT_OLDER:
            if ((older = p3s_store_parse_age(optarg)) < 0)
                return p3s_cmd_bad("db", "--older-than", optarg,
                                   "expected an age such as 180d, 26w or 12h");
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 0;
        default:
            return p3s_cmd_usage_error("db", c, optopt, argv[optind - 1]);
        }
    }
    const char *what = optind < argc ? argv[optind] : NULL;
    if (!what || optind + 1 < argc ||
        (strcmp(what, "prune") && strcmp(what, "vacuum") && strcmp(what, "path"))) {
        fprintf(stderr, "pop3scan db: expected prune, vacuum or path%s%s%s\n",
                what ? ", not '" : "", what ? argv[argc - 1] : "", what ? "'" : "");
        fputs("Try 'pop3scan db --help'.\n", stderr);
        return 2;
    }
    int is_prune = strcmp(what, "prune") == 0;
    if (is_prune && keep < 0 && older < 0) {
        fputs("pop3scan db prune: say what to delete: --keep N and/or --older-than AGE\n"
              "Try 'pop3scan db --help'.\n", stderr);
        return 2;
    }
    if (!is_prune && (keep >= 0 || older >= 0)) {
        fprintf(stderr, "pop3scan db %s: --keep and --older-than are for prune\n", what);
        return 2;
    }
    if (strcmp(what, "path") == 0)
        return db ? (puts(db), 0) : cmd_path();
    int rc = 0;
    struct p3s_store *st = p3s_cmd_open_store("db", db, P3S_STORE_MODIFY, &rc);
    if (!st)
        return rc;
    char before_size[32], after_size[32];
    /* A file: its bytes on disk and its WAL's; a database server: what its tables take. */
    int server = p3s_store_is_pg(st->path);
    long long before = server ? (long long)st->ops->size(st) : disk_size(st->path);
    if (is_prune) {
        char cut[32];
        if (older >= 0)
            p3s_store_iso_time((long long)time(NULL) - older, cut, sizeof cut);
        int64_t scans, records;
        if (st->ops->prune(st, keep, older >= 0 ? cut : NULL, &scans, &records)) {
            fprintf(stderr, "pop3scan db prune: history database %s: %s\n", st->path, st->err);
            rc = 3;
        } else {
            printf("pruned %lld scan%s (%lld records) from %s%s\n", (long long)scans,
                   scans == 1 ? "" : "s", (long long)records, st->path,
                   scans ? "; pop3scan db vacuum gives the space back" : "");
        }
    } else if (st->ops->vacuum(st)) {
        fprintf(stderr, "pop3scan db vacuum: history database %s: %s\n", st->path, st->err);
        rc = 3;
    } else {
        human(before, before_size, sizeof before_size);
        human(server ? (long long)st->ops->size(st) : disk_size(st->path), after_size,
              sizeof after_size);
        printf("vacuumed %s: %s -> %s\n", st->path, before_size, after_size);
    }
    p3s_store_close(st);
    if (rc == 0 && fflush(stdout) != 0)
        rc = 3;
    return rc;
}
