/* fuzz_output.c — hostile server bytes through every output format (text, jsonl, csv, nuclei,
 * and the html and markdown reports).
 *
 * Input: a flags byte, then sections separated by the byte 0xff: the target name, the greeting,
 * CAPA items (separated by 0xfe), the USER reply, the STLS reply, the error text, the TLS error,
 * CAPA items under TLS. Flags: bits 0-2 the state, bit 3 implicit TLS, bit 4 confirmed, bit 5
 * STLS advertised and upgraded, bit 6 cleartext login accepted, bit 7 CAPA answered.
 * The record gets its findings (p3s_findings_evaluate) and goes through each module into memory.
 * Checks: jsonl and nuclei lines are JSON objects (jansson); csv is valid UTF-8 with only CRLF
 * as control bytes, parses as RFC 4180 into rows as wide as the header, and no field starts with
 * = + - @ (formula injection); text is valid UTF-8 with no control byte but LF, no DEL, no C1
 * control and no bidirectional override; the html and markdown reports hold no markup a server
 * made (check_html, check_markdown).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "output.h"
#include "record.h"
#include "fuzz.h"


#define SECTIONS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    unsigned flags = data[0];
    const char *sec[SECTIONS] = {0};
    size_t slen[SECTIONS] = {0};
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    for (size_t k = 0; k < SECTIONS; k++) {
        const char *sep = memchr(p, 0xff, (size_t)(end - p));
        sec[k] = p;
        slen[k] = (size_t)((sep ? sep : end) - p);
        if (!sep)
            break;
        p = sep + 1;
    }

    char *target = strndup(sec[0], slen[0]);
    CHECK(target != NULL);
    struct p3s_record *r = p3s_record_new(target, "192.0.2.7", 110, (flags & 8) != 0);
    CHECK(r != NULL);
    free(target);
    r->state = (enum p3s_state)((flags & 7) % 7);
    r->confirmed = (flags & 16) != 0;
    r->service = r->state == P3S_STATE_POP3 ? P3_SVC_POP3 : P3_SVC_UNKNOWN;
    if (sec[1] && (slen[1] || r->state <= P3S_STATE_OTHER)) {
        p3s_bytes_set(r, &r->greeting, sec[1], slen[1]);
        r->service = p3_classify_greeting(sec[1], slen[1]);
    }
    for (int t = 0; t < 2; t++) {
        int k = t ? 7 : 2;
        struct p3s_list *l = t ? &r->capa_tls : &r->capa;
        if (!sec[k])
            continue;
        l->present = (flags & 128) != 0;
        for (const char *q = sec[k], *e = sec[k] + slen[k]; q < e;) {
            const char *sep = memchr(q, 0xfe, (size_t)(e - q));
            size_t n = (size_t)((sep ? sep : e) - q);
            p3s_list_add(r, l, q, n);
            unsigned bits = p3_capa_bits(q, n);
            *(t ? &r->capa_tls_bits : &r->capa_bits) |= bits;
            q += n + (sep ? 1 : 0);
            if (!sep)
                break;
        }
    }
    if (sec[3]) {
        p3s_bytes_set(r, &r->user_reply, sec[3], slen[3]);
        r->login_accepted = (flags & 64) ? P3S_YES : P3S_NO;
    }
    r->login_advertised = (r->capa_bits & (P3_CAPA_USER | P3_CAPA_SASL_PLAIN)) != 0;
    r->stls_advertised = (flags & 32) != 0;
    if (sec[4]) {
        r->stls_attempted = 1;
        p3s_bytes_set(r, &r->stls_reply, sec[4], slen[4]);
        r->stls_upgraded = (flags & 32) != 0;
    }
    if (sec[5])
        p3s_record_set_error(r, r->state, "%.*s", (int)slen[5], sec[5]);
    if (sec[6]) {
        r->tls_error = strndup(sec[6], slen[6]);
        CHECK(r->tls_error != NULL);
    }
    p3s_findings_evaluate(r);

    fuzz_check_outputs(r);
    p3s_record_free(r);
    return 0;
}
