/* perm.c — see perm.h. The round keys are drawn from the seed with splitmix64; the round
 * function is p3s_mix64() of the right half and the round key, cut to a half. */
#include "perm.h"

#include "util.h"

void p3s_perm_init(struct p3s_perm *p, uint64_t n, uint64_t seed)
{
    unsigned bits = 2;
    while (bits < 64 && ((uint64_t)1 << bits) < n)
        bits++;
    bits += bits & 1;
    p->n = n;
    p->half = bits / 2;
    p->mask = ((uint64_t)1 << p->half) - 1;
    for (int i = 0; i < P3S_PERM_ROUNDS; i++)
        p->key[i] = p3s_mix64(seed += 0x9e3779b97f4a7c15ULL);
}

uint64_t p3s_perm_at(const struct p3s_perm *p, uint64_t x)
{
    do {
        uint64_t l = x >> p->half, r = x & p->mask;
        for (int i = 0; i < P3S_PERM_ROUNDS; i++) {
            uint64_t t = l ^ (p3s_mix64(r ^ p->key[i]) & p->mask);
            l = r;
            r = t;
        }
        x = l << p->half | r;
    } while (x >= p->n);
    return x;
}
