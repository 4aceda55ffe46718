/* memcap.h — -c fitted to memory: a scan's peak memory grows with the connections open at once
 * (engine.h says how much each takes), so a large -c on a TLS-heavy target set could take more
 * than the machine has. Before the scan, -c is lowered to what the budget allows: --max-memory
 * SIZE, or by default half of the memory available when the scan starts (MemAvailable, or what a
 * container's memory limit leaves, whichever is less), the way the descriptor limit lowers it.
 */
#ifndef POP3SCAN_MEMCAP_H
#define POP3SCAN_MEMCAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A size: digits with an optional fraction and a unit K, M, G or T (powers of 1024, optionally
 * followed by "B" or "iB"; none: bytes), e.g. 512M, 2G, 1.5GiB. Returns 0, or -1 when s is not
 * one or is 0 or more than 2^60 bytes. */
int p3s_parse_size(const char *s, uint64_t *out);

/* The memory one connection of this scan may take (engine.h): a TLS connection's whenever TLS
 * may happen (a TLS port, STLS, TLS detection), more when --tls-handshakes lets more than half
 * of them handshake at once; else a cleartext one's. */
size_t p3s_memcap_per_conn(const struct p3s_config *cfg);

/* The most connections that fit in budget bytes with per_conn each (at least 1), or 0 when not
 * even one does. */
size_t p3s_memcap_fit(uint64_t budget, size_t per_conn);

/* Bytes available to a new process: MemAvailable of meminfo_path (/proc/meminfo), or less when
 * the cgroup files under cgroup_root (/sys/fs/cgroup: v2 memory.max and memory.current, or v1
 * memory/memory.limit_in_bytes and memory.usage_in_bytes) leave less. 0 when unknown. */
uint64_t p3s_memory_available(const char *meminfo_path, const char *cgroup_root);

/* Lowers *concurrency to what the budget allows (cfg->max_memory, or half of the memory
 * available), saying so on standard error. Returns 1 when it lowered it, 0 when it fits. */
int p3s_memcap_apply(const struct p3s_config *cfg, size_t *concurrency);

/* The same with the memory available given (bytes; 0: unknown, nothing lowered without
 * --max-memory), so that the default budget can be tested whatever the machine has. */
int p3s_memcap_apply_to(const struct p3s_config *cfg, uint64_t available, size_t *concurrency);

#endif
