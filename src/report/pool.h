/* pool.h — interned byte strings for the report: each distinct string is kept once and named by
 * a small integer id. A /16 of identical servers has 65,536 records but one greeting, one
 * capability list and one certificate; the report stores and embeds each of them once, and a
 * record only refers to them. Ids are dense, in order of first appearance.
 */
#ifndef POP3SCAN_REPORT_POOL_H
#define POP3SCAN_REPORT_POOL_H

#include <stddef.h>
#include <stdint.h>

#define P3S_NONE UINT32_MAX /* no string */

struct p3s_pool_entry {
    size_t off;
    uint32_t len;
    uint32_t hash;
};

struct p3s_pool {
    char *data; /* every string, each followed by a NUL */
    size_t len, cap;
    struct p3s_pool_entry *ent;
    uint32_t count, ent_cap;
    uint32_t *slots; /* open addressing: id + 1, 0 empty */
    uint32_t nslots; /* a power of two, at least twice count */
};

void p3s_pool_init(struct p3s_pool *p);
void p3s_pool_free(struct p3s_pool *p);
/* The id of these n bytes, added when new. Strings longer than 4 GiB are cut (never happens:
 * the report caps what it keeps). */
uint32_t p3s_pool_add(struct p3s_pool *p, const void *s, size_t n);
/* The id of a string already there, or P3S_NONE. */
uint32_t p3s_pool_find(const struct p3s_pool *p, const void *s, size_t n);
/* The bytes of id (NUL-terminated) and their length. */
const char *p3s_pool_get(const struct p3s_pool *p, uint32_t id, size_t *n);

/* A map from an id to a count or an index, for the tallies (products, finding kinds). */
struct p3s_idmap {
    uint32_t *keys; /* key + 1, 0 empty */
    uint32_t *vals;
    uint32_t n, cap;
};
void p3s_idmap_free(struct p3s_idmap *m);
/* The value slot of key, made 0 when new. */
uint32_t *p3s_idmap_slot(struct p3s_idmap *m, uint32_t key);
/* The value of key, or def when absent. */
uint32_t p3s_idmap_get(const struct p3s_idmap *m, uint32_t key, uint32_t def);

#endif
