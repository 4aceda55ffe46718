/* store.c — what every back end of the scan history shares (store.h): the default file in the
 * user's state directory, times and ages, and telling a killed scan
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

int p3s_store_is_pg(const char *path)
{
    return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

void p3s_store_redact(const char *path, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", path ? path : "");
    if (!p3s_store_is_pg(out))
        return;
    /* scheme://user:password@host…: the password ends at the last '@' before the path. */
    char *auth = strstr(out, "://") + 3;
    char *end = auth + strcspn(auth, "/?#");
    char *at = NULL;
    for (char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon && at - colon > 1) {
        memmove(colon + 4, at, strlen(at) + 1);
        memcpy(colon + 1, "***", 3);
    }
    /* ?password=…&: the same in the parameters. */
    for (char *p = strstr(out, "password="); p; p = strstr(p + 1, "password=")) {
        if (p[-1] != '?' && p[-1] != '&')
            continue;
        char *v = p + 9, *e = v + strcspn(v, "&#");
        if (e - v >= 3) {
            memcpy(v, "***", 3);
            memmove(v + 3, e, strlen(e) + 1);
        }
    }
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
    if (strcmp(scan->status, P3S_SCAN_RUNNING) != 0)
        return 0;
    if (scan->alive >= 0) /* the database knows (PostgreSQL: the scan's lock is held or not) */
        return scan->alive == 0;
    if (scan->pid <= 0 || !scan->host)
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

/* Copies n texts into one allocation of their own, pointing dst at the copies. */
static int own_texts(const char **const dst[], size_t n, void **mem_out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += *dst[i] ? strlen(*dst[i]) + 1 : 0;
    char *mem = malloc(total ? total : 1), *p = mem;
    if (!mem)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!*dst[i])
            continue;
        size_t len = strlen(*dst[i]) + 1;
        memcpy(p, *dst[i], len);
        *dst[i] = p;
        p += len;
    }
    *mem_out = mem;
    return 0;
}

int p3s_campaign_own(struct p3s_campaign *c)
{
    const char **const dst[] = {&c->name, &c->targets, &c->options};
    return own_texts(dst, 3, &c->mem);
}

void p3s_campaign_free(struct p3s_campaign *c)
{
    free(c->mem);
    c->mem = NULL;
}

int p3s_scan_info_own(struct p3s_scan_info *info)
{
    const char **const dst[] = {&info->command, &info->targets, &info->options, &info->shard,
                                &info->host,    &info->version, &info->campaign};
    info->join = NULL;
    return own_texts(dst, 7, &info->mem);
}

void p3s_scan_info_free(struct p3s_scan_info *info)
{
    free(info->mem);
    info->mem = NULL;
}

/* ---- campaigns: the rules both back ends apply (store.h) ------------------------------- */

int p3s_campaign_check(const struct p3s_campaign *c, const struct p3s_scan_info *info,
                       char *err, size_t errlen)
{
    const struct p3s_campaign_join *j = info->join;
    const char *what = c->shards != (int64_t)j->shard_count ? "another number of shards"
                       : strcmp(c->targets, j->targets) != 0 ? "other targets or ports"
                       : strcmp(c->options, info->options ? info->options : "{}") != 0
                           ? "other options"
                           : NULL;
    if (!what)
        return 0;
    snprintf(err, errlen,
             "campaign '%.100s' (made %s, %lld shards) was run with %s: every shard of a "
             "campaign scans the same targets with the same options and --shard I/%lld; "
             "campaign names are unique, so a new run needs a new name",
             c->name, c->created, (long long)c->shards, what, (long long)c->shards);
    return P3S_STORE_REFUSED;
}

int p3s_campaign_shard_check(const struct p3s_scan_info *shard, const struct p3s_scan_info *info,
                             char *err, size_t errlen)
{
    const struct p3s_campaign_join *j = info->join;
    if (strcmp(shard->status, P3S_SCAN_RUNNING) == 0 && !p3s_scan_is_dead(shard)) {
        snprintf(err, errlen,
                 "shard %u/%u of campaign '%.100s' is being run now (scan %lld, host %.100s, "
                 "pid %lld)%s",
                 j->shard_index, j->shard_count, j->name, (long long)shard->id,
                 shard->host ? shard->host : "?", (long long)shard->pid,
                 shard->alive < 0 ? "; if that process is gone, run it again on that host"
                                  : "");
        return P3S_STORE_REFUSED;
    }
    if (strcmp(shard->status, P3S_SCAN_COMPLETE) == 0 && !j->resuming) {
        snprintf(err, errlen,
                 "shard %u/%u of campaign '%.100s' is complete (scan %lld, ended %s): campaign "
                 "names are unique, so a new run needs a new name (--resume with the shard's "
                 "state file goes on with an unfinished one)",
                 j->shard_index, j->shard_count, j->name, (long long)shard->id, shard->ended);
        return P3S_STORE_REFUSED;
    }
    return 0;
}
