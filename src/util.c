/* util.c — see util.h. Out of memory is a fatal runtime error: exit status 3. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
