/* pool.c — see pool.h. FNV-1a hashing, linear probing, growth at half load. */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint32_t hash_bytes(const void *s, size_t n)
{
    const unsigned char *u = s;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= u[i];
        h *= 16777619u;
    }
    return h;
}

void p3s_pool_init(struct p3s_pool *p)
{
    memset(p, 0, sizeof *p);
}

void p3s_pool_free(struct p3s_pool *p)
{
    free(p->data);
    free(p->ent);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

static uint32_t lookup(const struct p3s_pool *p, const void *s, size_t n, uint32_t h,
                       uint32_t *slot)
{
    uint32_t mask = p->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = p->slots[i];
        if (!v) {
            *slot = i;
            return P3S_NONE;
        }
        const struct p3s_pool_entry *e = &p->ent[v - 1];
        if (e->hash == h && e->len == n && memcmp(p->data + e->off, s, n) == 0)
            return v - 1;
    }
}

static void grow_slots(struct p3s_pool *p)
{
    uint32_t nslots = p->nslots ? p->nslots * 2 : 64;
    free(p->slots);
    p->slots = p3s_xcalloc(nslots, sizeof *p->slots);
    p->nslots = nslots;
    for (uint32_t id = 0; id < p->count; id++) {
        uint32_t mask = nslots - 1, i = p->ent[id].hash & mask;
        while (p->slots[i])
            i = (i + 1) & mask;
        p->slots[i] = id + 1;
    }
}

uint32_t p3s_pool_find(const struct p3s_pool *p, const void *s, size_t n)
{
    uint32_t slot;
    if (!p->nslots)
        return P3S_NONE;
    return lookup(p, s, n, hash_bytes(s, n), &slot);
}

uint32_t p3s_pool_add(struct p3s_pool *p, const void *s, size_t n)
{
    if (n > UINT32_MAX - 1)
        n = UINT32_MAX - 1;
    if ((p->count + 1) * 2 > p->nslots)
        grow_slots(p);
    uint32_t h = hash_bytes(s, n), slot;
    uint32_t id = lookup(p, s, n, h, &slot);
    if (id != P3S_NONE)
        return id;
    if (p->count == p->ent_cap) {
        p->ent_cap = p->ent_cap ? p->ent_cap * 2 : 64;
        p->ent = p3s_xrealloc(p->ent, p->ent_cap * sizeof *p->ent);
    }
    if (p->cap - p->len < n + 1) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap - p->len < n + 1)
            cap *= 2;
        p->data = p3s_xrealloc(p->data, cap);
        p->cap = cap;
    }
    memcpy(p->data + p->len, s, n);
    p->data[p->len + n] = '\0';
    p->ent[p->count] = (struct p3s_pool_entry){p->len, (uint32_t)n, h};
    p->len += n + 1;
    p->slots[slot] = p->count + 1;
    return p->count++;
}

const char *p3s_pool_get(const struct p3s_pool *p, uint32_t id, size_t *n)
{
    if (id >= p->count) {
        if (n)
            *n = 0;
        return "";
    }
    if (n)
        *n = p->ent[id].len;
    return p->data + p->ent[id].off;
}

void p3s_idmap_free(struct p3s_idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static uint32_t idhash(uint32_t k)
{
    return (uint32_t)p3s_mix64(k);
}

static void idmap_grow(struct p3s_idmap *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 64, *keys = p3s_xcalloc(cap, sizeof *keys),
             *vals = p3s_xcalloc(cap, sizeof *vals);
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        uint32_t j = idhash(m->keys[i] - 1) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
}

uint32_t *p3s_idmap_slot(struct p3s_idmap *m, uint32_t key)
{
    if ((m->n + 1) * 2 > m->cap)
        idmap_grow(m);
    uint32_t j = idhash(key) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != key + 1)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) {
        m->keys[j] = key + 1;
        m->vals[j] = 0;
        m->n++;
    }
    return &m->vals[j];
}

uint32_t p3s_idmap_get(const struct p3s_idmap *m, uint32_t key, uint32_t def)
{
    if (!m->cap)
        return def;
    uint32_t j = idhash(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key + 1)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return def;
}
