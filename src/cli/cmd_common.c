/* cmd_common.c — what the subcommands share (cmd_common.h): opening the history and the
 * messages for bad usage. */
#include "cmd_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
