/* test_memcap.c — -c fitted to memory (src/cli/memcap.c): sizes as --max-memory takes them, the
 * cost of a connection by what the scan may do, how many fit in a budget, the memory available
 * read from meminfo and cgroup files (made here, in a temporary directory), and -c lowered with a
 * message only when it does not fit, by --max-memory or by default to half of what is available. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "memcap.h"

#define KIB 1024ull
#define MIB (1024ull * 1024)
#define GIB (1024ull * 1024 * 1024)

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/p3s-memcap-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"meminfo", "memory.max", "memory.current",
                           "memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        remove_file(names[i]);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/memory", dir);
    rmdir(sub);
    rmdir(dir);
    return 0;
}

static uint64_t size_of(const char *s)
{
    uint64_t v = 0;
    assert_int_equal(p3s_parse_size(s, &v), 0);
    return v;
}

static void test_sizes(void **state)
{
    (void)state;
    assert_true(size_of("512M") == 512 * MIB);
    assert_true(size_of("512m") == 512 * MIB);
    assert_true(size_of("2G") == 2 * GIB);
    assert_true(size_of("1.5GiB") == 3 * GIB / 2);
    assert_true(size_of("64MB") == 64 * MIB);
    assert_true(size_of("100K") == 100 * KIB);
    assert_true(size_of("1T") == 1024 * GIB);
    assert_true(size_of("1048576") == MIB); /* no unit: bytes */
    uint64_t v = 7;
    const char *bad[] = {"", "0", "0M", "M", "-1M", "1e9", "0x10", "nan", "1.2.3G", "5Q", "2 G",
                         "2Gb", "2GiBs", "1P", "2000000T", " 1G", "1G "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(p3s_parse_size(bad[i], &v), -1);
        assert_true(v == 7); /* untouched */
    }
}

static void test_cost_of_a_connection(void **state)
{
    (void)state;
    struct p3s_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct p3s_port plain = {110, 0}, tls = {995, 1};
    cfg.ports.v = &plain;
    cfg.ports.n = 1;
    /* cleartext only when nothing can turn to TLS */
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_PLAIN_CONN);
    cfg.stls = 1; /* STLS upgrades */
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_TLS_CONN);
    cfg.stls = 0;
    cfg.tls_detect = 1; /* a silent cleartext port is scanned again with TLS */
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_TLS_CONN);
    cfg.tls_detect = 0;
    cfg.ports.v = &tls; /* implicit TLS */
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_TLS_CONN);
    /* more handshakes at once than the default half of -c: each may be inside its own */
    cfg.concurrency = 1000;
    cfg.tls_handshakes = 500;
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_TLS_CONN);
    cfg.tls_handshakes = 501;
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_TLS_CONN_UNCAPPED);
    cfg.tls_handshakes = -1; /* --tls-handshakes 0: no cap */
    assert_int_equal(p3s_memcap_per_conn(&cfg), P3S_ENGINE_MEM_TLS_CONN_UNCAPPED);
}

static void test_fit(void **state)
{
    (void)state;
    size_t tls = P3S_ENGINE_MEM_TLS_CONN;
    assert_int_equal(p3s_memcap_fit(P3S_ENGINE_MEM_BASE + 10 * tls, tls), 10);
    assert_int_equal(p3s_memcap_fit(P3S_ENGINE_MEM_BASE + 10 * tls + tls - 1, tls), 10);
    assert_int_equal(p3s_memcap_fit(P3S_ENGINE_MEM_BASE + tls, tls), 1);
    assert_int_equal(p3s_memcap_fit(P3S_ENGINE_MEM_BASE + tls - 1, tls), 0);
    assert_int_equal(p3s_memcap_fit(0, tls), 0);
    assert_int_equal(p3s_memcap_fit(2 * GIB, tls), (2 * GIB - P3S_ENGINE_MEM_BASE) / tls);
}

static void test_memory_available(void **state)
{
    (void)state;
    char meminfo[128], missing[128];
    snprintf(meminfo, sizeof meminfo, "%s/meminfo", dir);
    snprintf(missing, sizeof missing, "%s/nothing-here", dir);
    /* unknown: no file */
    assert_true(p3s_memory_available(missing, missing) == 0);
    write_file("meminfo", "MemTotal:        8000000 kB\nMemFree:  100 kB\n"
                          "MemAvailable:    4000000 kB\nBuffers: 1 kB\n");
    assert_true(p3s_memory_available(meminfo, missing) == 4000000 * KIB);
    /* a cgroup v2 limit that leaves less: limit - usage */
    write_file("memory.max", "2147483648\n");
    write_file("memory.current", "1073741824\n");
    assert_true(p3s_memory_available(meminfo, dir) == GIB);
    /* "max": no limit */
    write_file("memory.max", "max\n");
    assert_true(p3s_memory_available(meminfo, dir) == 4000000 * KIB);
    remove_file("memory.max");
    remove_file("memory.current");
    /* cgroup v1, and its "no limit" (a huge number) */
    char sub[128];
    snprintf(sub, sizeof sub, "%s/memory", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("memory/memory.limit_in_bytes", "536870912\n");
    write_file("memory/memory.usage_in_bytes", "268435456\n");
    assert_true(p3s_memory_available(meminfo, dir) == 256 * MIB);
    write_file("memory/memory.limit_in_bytes", "9223372036854771712\n");
    assert_true(p3s_memory_available(meminfo, dir) == 4000000 * KIB);
    /* a limit more than the machine has left changes nothing */
    write_file("memory/memory.limit_in_bytes", "68719476736\n");
    assert_true(p3s_memory_available(meminfo, dir) == 4000000 * KIB);
    /* no meminfo, a limit: the limit */
    write_file("memory/memory.limit_in_bytes", "536870912\n");
    assert_true(p3s_memory_available(missing, dir) == 256 * MIB);
}

static void test_apply(void **state)
{
    (void)state;
    struct p3s_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct p3s_port tls = {995, 1};
    cfg.ports.v = &tls;
    cfg.ports.n = 1;
    cfg.max_memory = 64 * MIB;
    cfg.max_memory_arg = "64M";
    size_t c = 100000;
    assert_int_equal(p3s_memcap_apply(&cfg, &c), 1);
    assert_int_equal(c, (64 * MIB - P3S_ENGINE_MEM_BASE) / P3S_ENGINE_MEM_TLS_CONN);
    size_t fitting = c;
    assert_int_equal(p3s_memcap_apply(&cfg, &c), 0); /* it fits now: unchanged */
    assert_int_equal(c, fitting);
    c = 10;
    assert_int_equal(p3s_memcap_apply(&cfg, &c), 0);
    assert_int_equal(c, 10);
}

/* Without --max-memory the budget is half of what is available; unknown: nothing lowered. */
static void test_apply_default_budget(void **state)
{
    (void)state;
    struct p3s_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct p3s_port tls = {995, 1}, plain = {110, 0};
    cfg.ports.v = &tls;
    cfg.ports.n = 1;
    size_t c = 100000;
    assert_int_equal(p3s_memcap_apply_to(&cfg, 2 * GIB, &c), 1);
    assert_int_equal(c, (GIB - P3S_ENGINE_MEM_BASE) / P3S_ENGINE_MEM_TLS_CONN);
    c = 100000;
    assert_int_equal(p3s_memcap_apply_to(&cfg, 0, &c), 0);
    assert_int_equal(c, 100000);
    c = 1000; /* the default -c on a machine with 1 GiB free: fits */
    assert_int_equal(p3s_memcap_apply_to(&cfg, GIB, &c), 0);
    assert_int_equal(c, 1000);
    /* a cleartext-only scan counts its cheaper connections: -c 100000 takes about 800 MiB */
    cfg.ports.v = &plain;
    c = 100000;
    assert_int_equal(p3s_memcap_apply_to(&cfg, 2 * GIB, &c), 0);
    assert_int_equal(c, 100000);
    assert_int_equal(p3s_memcap_apply_to(&cfg, GIB, &c), 1);
    assert_int_equal(c, (GIB / 2 - P3S_ENGINE_MEM_BASE) / P3S_ENGINE_MEM_PLAIN_CONN);
    /* so little that not one fits: still one connection, the scan runs */
    cfg.ports.v = &tls;
    c = 1000;
    assert_int_equal(p3s_memcap_apply_to(&cfg, 16 * MIB, &c), 1);
    assert_int_equal(c, 1);
    /* --max-memory wins over what is available */
    cfg.max_memory = 64 * MIB;
    cfg.max_memory_arg = "64M";
    c = 100000;
    assert_int_equal(p3s_memcap_apply_to(&cfg, 64 * GIB, &c), 1);
    assert_int_equal(c, (64 * MIB - P3S_ENGINE_MEM_BASE) / P3S_ENGINE_MEM_TLS_CONN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_cost_of_a_connection),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_memory_available),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_apply_default_budget),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
