/* ivset.c — see ivset.h. Lookups are binary searches for the first interval ending at or
 * after a point. */
#include "ivset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void ivset_reserve(struct p3s_ivset *s, size_t n)
{
    if (n <= s->cap)
        return;
    s->cap = s->cap ? s->cap * 2 : 16;
    if (s->cap < n)
        s->cap = n;
    s->v = p3s_xrealloc(s->v, s->cap * sizeof *s->v);
}

void p3s_ivset_push(struct p3s_ivset *s, p3s_u128 lo, p3s_u128 hi)
{
    ivset_reserve(s, s->n + 1);
    s->v[s->n++] = (struct p3s_iv){lo, hi};
}

static int iv_cmp(const void *a, const void *b)
{
    const struct p3s_iv *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Whether an interval starting at lo overlaps or touches one ending at hi (written so that
 * neither side overflows at the ends of the address space). */
static int touches(p3s_u128 lo, p3s_u128 hi)
{
    return lo <= hi || lo - 1 <= hi;
}

void p3s_ivset_normalize(struct p3s_ivset *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof *s->v, iv_cmp);
    size_t w = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (touches(s->v[i].lo, s->v[w].hi)) {
            if (s->v[i].hi > s->v[w].hi)
                s->v[w].hi = s->v[i].hi;
        } else {
            s->v[++w] = s->v[i];
        }
    }
    s->n = w + 1;
}

/* The index of the first interval ending at or after x (s->n if none). */
static size_t ivset_lower(const struct p3s_ivset *s, p3s_u128 x)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].hi < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int p3s_ivset_contains(const struct p3s_ivset *s, p3s_u128 x)
{
    size_t i = ivset_lower(s, x);
    return i < s->n && s->v[i].lo <= x;
}

void p3s_ivset_insert(struct p3s_ivset *s, p3s_u128 lo, p3s_u128 hi, size_t cap)
{
    size_t i = ivset_lower(s, lo ? lo - 1 : 0), j = i;
    for (; j < s->n && touches(s->v[j].lo, hi); j++) {
        if (s->v[j].lo < lo)
            lo = s->v[j].lo;
        if (s->v[j].hi > hi)
            hi = s->v[j].hi;
    }
    if (i == j) {
        if (s->n >= cap)
            return;
        ivset_reserve(s, s->n + 1);
        memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof *s->v);
        s->n++;
    } else {
        memmove(s->v + i + 1, s->v + j, (s->n - j) * sizeof *s->v);
        s->n -= j - i - 1;
    }
    s->v[i] = (struct p3s_iv){lo, hi};
}

int p3s_ivsets_free_run(const struct p3s_ivset *const *sets, size_t nsets, p3s_u128 cur,
                        p3s_u128 hi, p3s_u128 *start, p3s_u128 *end)
{
    size_t k = 0;
    *end = hi;
    while (k < nsets) {
        const struct p3s_ivset *s = sets[k++];
        size_t i = ivset_lower(s, cur);
        if (i == s->n)
            continue;
        if (s->v[i].lo <= cur) { /* cur is held: skip the interval and look again */
            if (s->v[i].hi >= hi)
                return 0;
            cur = s->v[i].hi + 1;
            *end = hi;
            k = 0;
        } else if (s->v[i].lo - 1 < *end) {
            *end = s->v[i].lo - 1;
        }
    }
    *start = cur;
    return 1;
}

void p3s_ivset_free(struct p3s_ivset *s)
{
    free(s->v);
}
