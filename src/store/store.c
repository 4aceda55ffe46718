/* store.c — what every back end of the scan history shares (store.h): choosing the back end,
 * the default file in the user's state directory, times and ages, and telling a killed scan
 * from a running one. */
#include "store.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct p3s_store *p3s_store_open(const char *path, enum p3s_store_mode mode, char *err,
                                 size_t errlen)
{
    /* Only SQLite for now; a "postgresql://" path will choose the PostgreSQL back end. */
    return p3s_store_sqlite_open(path, mode, err, errlen);
}

void p3s_store_close(struct p3s_store *s)
{
    if (s)
        s->ops->close(s);
}

/* mkdir -p for the directories of the default path, each new one 0700: the history holds what
 * was found where, which is nobody else's business. */
static int make_dirs(char *path, char *err, size_t errlen)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
            *p = c;
            return -1;
        }
        *p = c;
        if (c == '\0')
            return 0;
    }
}

int p3s_store_default_path(char *out, size_t outlen, int create, char *err, size_t errlen)
{
    char dir[4096];
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    /* The XDG base directory specification: a relative XDG_STATE_HOME is to be ignored. */
    if (xdg && xdg[0] == '/') {
        snprintf(dir, sizeof dir, "%s/pop3scan", xdg);
    } else {
        if (!home || home[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
        }
        if (!home) {
            snprintf(err, errlen, "no home directory (set XDG_STATE_HOME or HOME, or give --db)");
            return -1;
        }
        snprintf(dir, sizeof dir, "%s/.local/state/pop3scan", home);
    }
    if (create && make_dirs(dir, err, errlen))
        return -1;
    if ((size_t)snprintf(out, outlen, "%s/history.sqlite3", dir) >= outlen) {
        snprintf(err, errlen, "the state directory's path is too long");
        return -1;
    }
    return 0;
}

void p3s_store_iso_time(long long t, char *out, size_t outlen)
{
    time_t when = t < 0 ? time(NULL) : (time_t)t;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long p3s_store_parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char z = 0;
    int n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
        z != 'Z' || s[n] != '\0')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

long long p3s_store_parse_age(const char *s)
{
    if (!s || !(*s >= '0' && *s <= '9'))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || v < 0 || v > 100LL * 366 * 86400)
        return -1;
    long long unit = *end == '\0' || strcmp(end, "d") == 0 ? 86400
                     : strcmp(end, "w") == 0               ? 7 * 86400
                     : strcmp(end, "h") == 0               ? 3600
                     : strcmp(end, "m") == 0               ? 60
                     : strcmp(end, "s") == 0               ? 1
                                                           : 0;
    if (!unit || v > 100LL * 366 * 86400 / unit)
        return -1;
    return v * unit;
}

int p3s_scan_is_dead(const struct p3s_scan_info *scan)
{
    if (strcmp(scan->status, P3S_SCAN_RUNNING) != 0 || scan->pid <= 0 || !scan->host)
        return 0;
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || strcmp(host, scan->host) != 0)
        return 0; /* another machine's scan: cannot tell */
    if ((pid_t)scan->pid == getpid())
        return 0;
    return kill((pid_t)scan->pid, 0) != 0 && errno == ESRCH;
}

const char *p3s_scan_status_shown(const struct p3s_scan_info *scan)
{
    return p3s_scan_is_dead(scan) ? "killed" : scan->status;
}

int p3s_scan_info_own(struct p3s_scan_info *info)
{
    const char *texts[] = {info->command, info->targets, info->options,
                           info->shard,   info->host,    info->version};
    size_t total = 0;
    for (size_t i = 0; i < 6; i++)
        total += texts[i] ? strlen(texts[i]) + 1 : 0;
    char *mem = malloc(total ? total : 1), *p = mem;
    if (!mem)
        return -1;
    const char **dst[] = {&info->command, &info->targets, &info->options,
                          &info->shard,   &info->host,    &info->version};
    for (size_t i = 0; i < 6; i++) {
        if (!texts[i])
            continue;
        size_t n = strlen(texts[i]) + 1;
        memcpy(p, texts[i], n);
        *dst[i] = p;
        p += n;
    }
    info->mem = mem;
    return 0;
}

void p3s_scan_info_free(struct p3s_scan_info *info)
{
    free(info->mem);
    info->mem = NULL;
}
