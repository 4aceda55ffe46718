/* ivset.h — sorted, merged sets of intervals of 128-bit integers. The target generator
 * (targetgen.c) holds addresses as such integers, one set per address family, for the
 * exclusions and for the ranges the command line and the files gave: exclusion and overlap are
 * then interval arithmetic, never per-address state.
 *
 * A zeroed struct is an empty set; p3s_ivset_free() releases it.
 */
#ifndef POP3SCAN_IVSET_H
#define POP3SCAN_IVSET_H

#include <stddef.h>

__extension__ typedef unsigned __int128 p3s_u128;

struct p3s_iv {
    p3s_u128 lo, hi; /* inclusive */
};

struct p3s_ivset {
    struct p3s_iv *v; /* sorted by lo, disjoint and not touching (once normalized) */
    size_t n, cap;
};

/* Appends without keeping order: call p3s_ivset_normalize() before any lookup. */
void p3s_ivset_push(struct p3s_ivset *s, p3s_u128 lo, p3s_u128 hi);
/* Sorts and merges what p3s_ivset_push() appended. */
void p3s_ivset_normalize(struct p3s_ivset *s);
int p3s_ivset_contains(const struct p3s_ivset *s, p3s_u128 x);
/* Adds [lo, hi] keeping the set sorted and merged. A new interval is refused once the set
 * holds cap of them (a merge with existing ones is always done). O(n) per new interval, but
 * nearly free when input comes in ascending order, as lists from other tools usually do. */
void p3s_ivset_insert(struct p3s_ivset *s, p3s_u128 lo, p3s_u128 hi, size_t cap);
/* The first point of [cur, hi] that none of the nsets sets holds, and the end of the free run
 * starting there. Returns 0 when the sets hold all of [cur, hi]. */
int p3s_ivsets_free_run(const struct p3s_ivset *const *sets, size_t nsets, p3s_u128 cur,
                        p3s_u128 hi, p3s_u128 *start, p3s_u128 *end);
void p3s_ivset_free(struct p3s_ivset *s);

#endif
