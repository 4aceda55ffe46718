/* util.c — see util.h. Out of memory is a fatal runtime error: exit status 3. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void *check(void *p)
{
    if (!p) {
        fputs("pop3scan: out of memory\n", stderr);
        exit(3);
    }
    return p;
}

void *p3s_xmalloc(size_t n)
{
    return check(malloc(n ? n : 1));
}

void *p3s_xcalloc(size_t n, size_t size)
{
    return check(calloc(n ? n : 1, size ? size : 1));
}

void *p3s_xrealloc(void *p, size_t n)
{
    return check(realloc(p, n ? n : 1));
}

char *p3s_xstrdup(const char *s)
{
    return check(strdup(s ? s : ""));
}

double p3s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int64_t p3s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

void p3s_rfc3339(int64_t ms, char out[P3S_RFC3339_LEN])
{
    /* By hand rather than strftime: once per record, thousands a second. */
    time_t secs = (time_t)(ms / 1000);
    unsigned frac = (unsigned)(ms % 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999) {
        memcpy(out, "1970-01-01T00:00:00.000Z", P3S_RFC3339_LEN);
        return;
    }
    memcpy(out, "0000-00-00T00:00:00.000Z", P3S_RFC3339_LEN);
    put_digits(out, (unsigned)tm.tm_year + 1900, 4);
    put_digits(out + 5, (unsigned)tm.tm_mon + 1, 2);
    put_digits(out + 8, (unsigned)tm.tm_mday, 2);
    put_digits(out + 11, (unsigned)tm.tm_hour, 2);
    put_digits(out + 14, (unsigned)tm.tm_min, 2);
    put_digits(out + 17, (unsigned)tm.tm_sec, 2);
    put_digits(out + 20, frac, 3);
}

char *p3s_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (16 << 20)) {
        snprintf(err, errlen, "%s: %s", path,
                 !f ? strerror(errno)
                    : S_ISDIR(st.st_mode) ? "is a directory"
                                          : "not a regular file of at most 16 MiB");
        if (f)
            fclose(f);
        return NULL;
    }
    char *buf = p3s_xmalloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: read error", path);
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

void p3s_strlcpy(char *dst, const char *src, size_t n)
{
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

int p3s_parse_decimal(const char *s, double *v, const char **unit)
{
    if (!(*s >= '0' && *s <= '9'))
        return -1;
    const char *u = s;
    while ((*u >= '0' && *u <= '9') || *u == '.')
        u++;
    char *end;
    *v = strtod(s, &end);
    if (end != u || !(*v >= 0))
        return -1;
    *unit = u;
    return 0;
}
