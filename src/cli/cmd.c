/* cmd.c — finding the subcommand, and what the subcommands share: opening the history and
 * the messages for bad usage (see cmd.h). */
#include "cmd.h"
#include "cmd_report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int p3s_subcommand(int argc, char **argv)
{
    if (argc < 2)
        return -1;
    /* A host named "diff" is still scanned as "diff." or after "--". */
    if (strcmp(argv[1], "diff") == 0)
        return p3s_cmd_diff(argc - 1, argv + 1);
    if (strcmp(argv[1], "history") == 0)
        return p3s_cmd_history(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return p3s_cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "discover") == 0)
        return p3s_cmd_discover(argc - 1, argv + 1);
    if (strcmp(argv[1], "db") == 0)
        return p3s_cmd_db(argc - 1, argv + 1);
    return -1;
}

struct p3s_store *p3s_cmd_open_store(const char *cmd, const char *db, enum p3s_store_mode mode,
                                     int *status)
{
    char path[4096], err[512];
    if (!db) {
        if (p3s_store_default_path(path, sizeof path, 0, err, sizeof err)) {
            fprintf(stderr, "pop3scan %s: %s\n", cmd, err);
            *status = 2;
            return NULL;
        }
        db = path;
    }
    struct stat sb;
    char shown[4096];
    p3s_store_redact(db, shown, sizeof shown);
    if (!p3s_store_is_pg(db) && stat(db, &sb) != 0 && errno == ENOENT) {
        fprintf(stderr, "pop3scan %s: no scan history at %s (no scan has been stored there; "
                        "--db FILE names another file)\n", cmd, db);
        *status = 2;
        return NULL;
    }
    struct p3s_store *st = p3s_store_open(db, mode, err, sizeof err);
    if (!st) {
        fprintf(stderr, "pop3scan %s: history database %s: %s\n", cmd, shown, err);
        /* A database without a history yet is as a missing file: nothing to read. */
        *status = strstr(err, P3S_STORE_EMPTY) ? 2 : 3;
    }
    return st;
}

int p3s_cmd_bad(const char *cmd, const char *opt, const char *val, const char *why)
{
    fprintf(stderr, "pop3scan %s: bad value '%s' for %s: %s\n", cmd, val, opt, why);
    fprintf(stderr, "Try 'pop3scan %s --help'.\n", cmd);
    return 2;
}

int p3s_cmd_usage_error(const char *cmd, int c, int optopt_, const char *arg)
{
    if (c == ':')
        fprintf(stderr, "pop3scan %s: option '%s' needs a value\n", cmd, arg);
    else if (optopt_)
        fprintf(stderr, "pop3scan %s: unknown option '-%c'\n", cmd, optopt_);
    else
        fprintf(stderr, "pop3scan %s: unknown option '%s'\n", cmd, arg);
    fprintf(stderr, "Try 'pop3scan %s --help'.\n", cmd);
    return 2;
}
