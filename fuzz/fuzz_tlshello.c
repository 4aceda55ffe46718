/* fuzz_tlshello.c — libFuzzer target for the reader of a TLS server's first answer
 * (lib/tlshello). The bytes are whatever a server sends after our ClientHello. Beyond memory
 * safety: the verdict is one of the six, a verdict on a prefix is never contradicted by a longer
 * input (once decided, more bytes change nothing), and the fields are set only for the verdicts
 * that own them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tlshello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct p3th_answer a, b;
    enum p3th_verdict v = p3th_read_answer(data, size, &a);
    if ((unsigned)v > P3TH_MALFORMED)
        __builtin_trap();
    if (v != P3TH_SERVER_HELLO && (a.version || a.cipher || a.hello_retry))
        __builtin_trap();
    if (v != P3TH_ALERT && (a.alert_level || a.alert_desc))
        __builtin_trap();
    /* A decided prefix stays decided, with the same fields. */
    for (size_t cut = size / 2; cut < size; cut += (size - cut + 1) / 2) {
        enum p3th_verdict early = p3th_read_answer(data, cut, &b);
        if (early != P3TH_NEED_MORE && (early != v || memcmp(&a, &b, sizeof a) != 0))
            __builtin_trap();
        if (cut + 1 >= size)
            break;
    }
    return 0;
}
