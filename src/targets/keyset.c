/* keyset.c — see keyset.h. Linear probing, the table kept at most half full; FNV-1a then the
 * splitmix64 finaliser as the hash. */
#include "keyset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t key_hash(const unsigned char *k, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ k[i]) * 0x100000001b3ULL;
    return p3s_mix64(h);
}

/* The slot holding k (*found = 1) or the empty slot where it would go. */
static size_t keyset_probe(const struct p3s_keyset *ks, const unsigned char *k, size_t len,
                           int *found)
{
    size_t mask = ks->nslots - 1;
    for (size_t i = (size_t)key_hash(k, len) & mask;; i = (i + 1) & mask) {
        if (!ks->slot[i]) {
            *found = 0;
            return i;
        }
        const unsigned char *e = ks->arena + ks->slot[i] - 1;
        if ((size_t)(e[0] | e[1] << 8) == len && memcmp(e + 2, k, len) == 0) {
            *found = 1;
            return i;
        }
    }
}

static void keyset_grow(struct p3s_keyset *ks)
{
    uint32_t *old = ks->slot;
    size_t nold = ks->nslots;
    ks->nslots = nold ? nold * 2 : 1024;
    ks->slot = p3s_xcalloc(ks->nslots, sizeof *ks->slot);
    for (size_t i = 0; i < nold; i++) {
        if (!old[i])
            continue;
        const unsigned char *e = ks->arena + old[i] - 1;
        int found;
        ks->slot[keyset_probe(ks, e + 2, (size_t)(e[0] | e[1] << 8), &found)] = old[i];
    }
    free(old);
}

int p3s_keyset_has(const struct p3s_keyset *ks, const unsigned char *k, size_t len)
{
    int found = 0;
    if (ks->n)
        keyset_probe(ks, k, len, &found);
    return found;
}

int p3s_keyset_seen(struct p3s_keyset *ks, const unsigned char *k, size_t len, size_t cap)
{
    if (ks->n >= cap || ks->alen > UINT32_MAX - P3S_KEYSET_KEY_MAX - 3)
        return p3s_keyset_has(ks, k, len);
    if ((ks->n + 1) * 2 > ks->nslots)
        keyset_grow(ks);
    int found;
    size_t i = keyset_probe(ks, k, len, &found);
    if (found)
        return 1;
    if (ks->alen + len + 2 > ks->acap) {
        ks->acap = ks->acap ? ks->acap * 2 : 16384;
        ks->arena = p3s_xrealloc(ks->arena, ks->acap);
    }
    unsigned char *e = ks->arena + ks->alen;
    e[0] = (unsigned char)len;
    e[1] = (unsigned char)(len >> 8);
    memcpy(e + 2, k, len);
    ks->slot[i] = (uint32_t)(ks->alen + 1);
    ks->alen += len + 2;
    ks->n++;
    return 0;
}

void p3s_keyset_free(struct p3s_keyset *ks)
{
    free(ks->slot);
    free(ks->arena);
}
