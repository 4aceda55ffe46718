/* fuzz_ntlm.c — libFuzzer target for the NTLM CHALLENGE decoder (lib/ntlm/ntlm.c).
 *
 * The CHALLENGE is the one structured binary message pop3scan parses from a server, with
 * offsets and lengths the server chooses, so it gets its own fuzzer. The same bytes go to the raw
 * decoder and, as text, to the base64 front end (seeds in fuzz/corpus/ntlm/ hold both kinds).
 * Beyond memory safety (ASan), every decoded name must stay NUL-terminated inside its buffer and
 * be valid UTF-8, since the JSON output relies on it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntlm.h"

static int valid_utf8(const char *s, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = memchr(p, '\0', cap);
    if (end == NULL)
        return 0;
    while (p < end) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                 : (*p & 0xf8) == 0xf0                 ? 4
                                                       : 0;
        if (n == 0 || n > (size_t)(end - p))
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void check(const struct p3ntlm_info *info)
{
    const char *names[] = {info->target_name, info->nb_computer, info->nb_domain,
                           info->dns_computer, info->dns_domain, info->dns_tree};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!valid_utf8(names[i], P3NTLM_NAME_MAX))
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct p3ntlm_info info;
    p3ntlm_decode_challenge(data, size, &info);
    check(&info);
    p3ntlm_decode_challenge_b64((const char *)data, size, &info);
    check(&info);
    return 0;
}
