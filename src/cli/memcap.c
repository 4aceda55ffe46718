/* memcap.c — -c fitted to memory (see memcap.h). */
#include "memcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "util.h"

int p3s_parse_size(const char *s, uint64_t *out)
{
    double v;
    const char *unit;
    if (p3s_parse_decimal(s, &v, &unit))
        return -1;
    static const char UNITS[] = "KMGT";
    const char *u = *unit ? strchr(UNITS, *unit & ~0x20) : NULL;
    if (u) {
        for (const char *k = UNITS; k <= u; k++)
            v *= 1024;
        unit++;
        if (*unit == 'i' && unit[1] == 'B')
            unit += 2;
        else if (*unit == 'B')
            unit++;
    }
    if (*unit || !(v >= 1) || v > (double)(1ull << 60))
        return -1;
    *out = (uint64_t)v;
    return 0;
}

size_t p3s_memcap_per_conn(const struct p3s_config *cfg)
{
    int tls = cfg->stls || cfg->tls_detect;
    for (size_t i = 0; i < cfg->ports.n && !tls; i++)
        tls = cfg->ports.v[i].tls;
    if (!tls)
        return P3S_ENGINE_MEM_PLAIN_CONN;
    /* --tls-handshakes 0, or a cap above the default's half of -c: more connections may be
     * inside their handshakes at once */
    int uncapped = cfg->tls_handshakes < 0 || cfg->tls_handshakes > cfg->concurrency / 2;
    return uncapped ? P3S_ENGINE_MEM_TLS_CONN_UNCAPPED : P3S_ENGINE_MEM_TLS_CONN;
}

size_t p3s_memcap_fit(uint64_t budget, size_t per_conn)
{
    if (budget < P3S_ENGINE_MEM_BASE + per_conn)
        return 0;
    uint64_t n = (budget - P3S_ENGINE_MEM_BASE) / per_conn;
    return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

/* The first number in a file (a cgroup file holds one, or "max"). 0 when there is none. */
static uint64_t read_number(const char *root, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long long v = 0;
    if (fscanf(f, "%llu", &v) != 1)
        v = 0;
    fclose(f);
    return v;
}

/* What a cgroup's limit leaves (limit - usage), or 0 when there is no limit to speak of. */
static uint64_t cgroup_left(const char *root, const char *limit_name, const char *usage_name)
{
    uint64_t limit = read_number(root, limit_name);
    if (!limit || limit >= (1ull << 60)) /* v1 says "no limit" with a huge number */
        return 0;
    uint64_t usage = read_number(root, usage_name);
    return usage < limit ? limit - usage : 1;
}

uint64_t p3s_memory_available(const char *meminfo_path, const char *cgroup_root)
{
    uint64_t avail = 0;
    FILE *f = fopen(meminfo_path, "r");
    if (f) {
        char line[256];
        unsigned long long kib;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
                avail = (uint64_t)kib * 1024;
                break;
            }
        fclose(f);
    }
    uint64_t left = cgroup_left(cgroup_root, "memory.max", "memory.current");
    if (!left)
        left = cgroup_left(cgroup_root, "memory/memory.limit_in_bytes",
                           "memory/memory.usage_in_bytes");
    if (left && (!avail || left < avail))
        avail = left;
    return avail;
}

/* "4.6 GiB", "512.0 MiB" */
static void human(uint64_t bytes, char *out, size_t cap)
{
    if (bytes >= 1024ull * 1024 * 1024)
        snprintf(out, cap, "%.1f GiB", (double)bytes / (1024.0 * 1024 * 1024));
    else
        snprintf(out, cap, "%.1f MiB", (double)bytes / (1024.0 * 1024));
}

int p3s_memcap_apply(const struct p3s_config *cfg, size_t *concurrency)
{
    uint64_t available = 0;
    if (!cfg->max_memory)
        available = p3s_memory_available("/proc/meminfo", "/sys/fs/cgroup");
    return p3s_memcap_apply_to(cfg, available, concurrency);
}

int p3s_memcap_apply_to(const struct p3s_config *cfg, uint64_t available, size_t *concurrency)
{
    size_t per_conn = p3s_memcap_per_conn(cfg);
    uint64_t budget = cfg->max_memory;
    if (!budget) {
        budget = available / 2;
        if (!budget)
            return 0; /* unknown: nothing to fit to */
    }
    uint64_t need = P3S_ENGINE_MEM_BASE + (uint64_t)*concurrency * per_conn;
    if (need <= budget)
        return 0;
    size_t fit = p3s_memcap_fit(budget, per_conn);
    if (fit < 1)
        fit = 1; /* only for the automatic budget: cli.c refuses a --max-memory below one */
    char need_s[32], budget_s[32], avail_s[32];
    human(need, need_s, sizeof need_s);
    human(budget, budget_s, sizeof budget_s);
    human(available, avail_s, sizeof avail_s);
    if (cfg->max_memory)
        fprintf(stderr,
                "pop3scan: -c %zu may take about %s (%zu KiB a %s connection), more than "
                "--max-memory %s; using -c %zu\n",
                *concurrency, need_s, per_conn / 1024, per_conn != P3S_ENGINE_MEM_PLAIN_CONN
                                                           ? "TLS" : "cleartext",
                cfg->max_memory_arg ? cfg->max_memory_arg : budget_s, fit);
    else
        fprintf(stderr,
                "pop3scan: -c %zu may take about %s (%zu KiB a %s connection), more than half "
                "the memory available (%s of %s); using -c %zu (--max-memory sets the limit)\n",
                *concurrency, need_s, per_conn / 1024,
                per_conn != P3S_ENGINE_MEM_PLAIN_CONN ? "TLS" : "cleartext", budget_s, avail_s,
                fit);
    *concurrency = fit;
    return 1;
}
