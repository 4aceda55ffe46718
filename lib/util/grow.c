/* grow.c — see grow.h. */
#include "grow.h"

#include <stdlib.h>

int p3s_grow(char **buf, size_t *cap, size_t len, size_t n)
{
    if (*cap - len >= n)
        return 1;
    size_t c = *cap ? *cap : 1024;
    while (c - len < n) {
        if (c > ((size_t)-1) / 2)
            return 0;
        c *= 2;
    }
    char *p = realloc(*buf, c);
    if (!p)
        return 0;
    *buf = p;
    *cap = c;
    return 1;
}
