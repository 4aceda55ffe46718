/* fuzz_dnsmsg.c — libFuzzer target for the DNS answers --discover reads (src/engine/dnsmsg.c).
 *
 * A DNS answer comes from whatever the resolver was told by servers anyone may run, with
 * compression pointers, counts and lengths they choose. Beyond memory safety (ASan), every name
 * read must be printable ASCII (the presentation form escapes the rest), the chain must stay
 * within its cap, and sorting a set must not lose a record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmsg.h"

static void check_name(const char *s)
{
    size_t n = strnlen(s, P3S_DNSNAME_MAX);
    if (n == 0 || n == P3S_DNSNAME_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct p3s_dnsmsg m;
    char err[256];
    if (p3s_dnsmsg_parse(data, size, &m, err, sizeof err) < 0)
        return 0;
    if (m.n > P3S_DNSMSG_MAX_RR)
        abort();
    struct p3s_dnsrr **set = malloc((m.n ? m.n : 1) * sizeof *set);
    for (size_t i = 0; i < m.n; i++) {
        check_name(m.rr[i].owner);
        if (m.rr[i].type == P3S_DNS_T_CNAME || m.rr[i].type == P3S_DNS_T_MX ||
            m.rr[i].type == P3S_DNS_T_SRV)
            check_name(m.rr[i].target);
        set[i] = &m.rr[i];
    }
    p3s_dnsrr_sort(set, m.n);
    for (size_t i = 0; i < m.n; i++) /* a permutation: every record still there once */
        for (size_t k = i + 1; k < m.n; k++)
            if (set[i] == set[k])
                abort();
    free(set);
    if (m.n) {
        static struct p3s_chain chain;
        for (int type = 0; type < 2; type++) {
            memset(&chain, 0, sizeof chain);
            memcpy(chain.names[0], m.rr[0].owner, sizeof chain.names[0]);
            chain.n = 1;
            p3s_chain_follow(&m, type ? P3S_DNS_T_AAAA : P3S_DNS_T_A, &chain);
            if (chain.n < 1 || chain.n > P3S_DNS_CHAIN_MAX + 1)
                abort();
        }
    }
    p3s_dnsmsg_free(&m);
    return 0;
}
