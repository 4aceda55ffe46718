/* keyset.h — an exact set of short byte strings, for the target generator (targetgen.c): the
 * single targets already given (duplicates) and the names excluded. Open addressing over one
 * arena that holds the keys (a 2-byte length, then the bytes); the table holds arena offsets,
 * 4 bytes a slot, so a million keys cost about 8 MB plus the keys. The caller encodes what a
 * key means; the set only compares bytes.
 *
 * A zeroed struct is an empty set; p3s_keyset_free() releases it.
 */
#ifndef POP3SCAN_KEYSET_H
#define POP3SCAN_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#define P3S_KEYSET_KEY_MAX 260 /* the longest key, in bytes */

struct p3s_keyset {
    uint32_t *slot; /* 1 + arena offset of the key; 0: empty */
    size_t nslots, n;
    unsigned char *arena;
    size_t alen, acap;
};

/* Whether the set holds k (len bytes). */
int p3s_keyset_has(const struct p3s_keyset *ks, const unsigned char *k, size_t len);
/* Whether k was seen; if not, remembers it unless the set already holds cap keys. */
int p3s_keyset_seen(struct p3s_keyset *ks, const unsigned char *k, size_t len, size_t cap);
void p3s_keyset_free(struct p3s_keyset *ks);

#endif
