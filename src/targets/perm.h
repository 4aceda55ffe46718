/* perm.h — the keyed permutation behind --randomize: a balanced Feistel network over the
 * smallest even power of two >= n, walked until it lands in [0, n) (cycle walking). A bijection
 * on [0, n) that needs no memory and is fixed by the seed; fewer than four steps per position
 * on average. The target generator (targetgen.c) visits the command-line set in this order.
 */
#ifndef POP3SCAN_PERM_H
#define POP3SCAN_PERM_H

#include <stdint.h>

#define P3S_PERM_ROUNDS 6

struct p3s_perm {
    uint64_t n, mask;
    unsigned half;
    uint64_t key[P3S_PERM_ROUNDS];
};

void p3s_perm_init(struct p3s_perm *p, uint64_t n, uint64_t seed);
/* The position x (< n) maps to. */
uint64_t p3s_perm_at(const struct p3s_perm *p, uint64_t x);

#endif
