/* fuzz_row.c — the scan history's canonical texts (src/store/row.h) on hostile input: what
 * `pop3scan diff` reads from a JSONL file someone else wrote, and what the store writes into
 * its columns.
 *
 * Input, read three ways:
 *  - as raw server bytes: p3s_row_escape gives a text with no NUL, no C0 control, no DEL,
 *    no C1 control and no bidirectional control, and p3s_row_unescape gives the bytes back;
 *  - as a column text from anywhere: p3s_row_unescape never writes more bytes than the text
 *    has characters (the caller's buffer is that long);
 *  - as a JSONL record (jansson, JSON_ALLOW_NUL): p3s_rowbuf_from_json either refuses it with a
 *    reason or gives a row whose key columns are set and every column is a NUL-terminated text
 *    free of control bytes (what diff prints on a terminal).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "row.h"
#include "fuzz.h"


/* No C0, DEL, C1 or bidirectional control, and valid UTF-8. */
static void check_clean(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = p3s_utf8_len(u + i, n - i);
        CHECK(k > 0);
        CHECK(u[i] >= 0x20 && u[i] != 0x7f);
        if (k == 2)
            CHECK(!(u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)); /* C1 */
        if (k == 3 && u[i] == 0xe2 && u[i + 1] == 0x80)
            CHECK(!(u[i + 2] >= 0xaa && u[i + 2] <= 0xae) && u[i + 2] != 0x8e &&
                  u[i + 2] != 0x8f);
        if (k == 3 && u[i] == 0xe2 && u[i + 1] == 0x81)
            CHECK(!(u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9));
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);

    /* raw bytes: escape, check, unescape */
    p3s_row_escape(&b, (const char *)data, size);
    CHECK(!b.failed);
    char *text = malloc(b.len + 1);
    CHECK(text);
    if (b.len)
        memcpy(text, b.buf, b.len);
    text[b.len] = '\0';
    CHECK(strlen(text) == b.len);
    check_clean(text, b.len);
    char *back = malloc(b.len + 1);
    CHECK(back);
    size_t n = p3s_row_unescape(text, back);
    CHECK(n == size);
    CHECK(size == 0 || memcmp(back, data, size) == 0);
    free(text);
    free(back);

    /* any text: unescape stays within its length */
    char *any = malloc(size + 1);
    CHECK(any);
    if (size)
        memcpy(any, data, size);
    any[size] = '\0';
    size_t len = strlen(any);
    char *out = malloc(len + 1);
    CHECK(out);
    CHECK(p3s_row_unescape(any, out) <= len);
    free(any);
    free(out);

    /* a JSONL record */
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
    if (j) {
        char why[256] = "";
        if (p3s_rowbuf_from_json(&b, j, NULL, 0, why, sizeof why) == 0) {
            struct p3s_row row;
            p3s_rowbuf_view(&b, &row);
            CHECK(row.col[P3S_COL_TARGET] && row.col[P3S_COL_IP] && row.col[P3S_COL_TRANSPORT]);
            CHECK(row.col[P3S_COL_STATE]);
            for (int i = 0; i < P3S_COL_COUNT; i++) {
                if (!row.col[i])
                    continue;
                size_t k = strlen(row.col[i]);
                /* lists and findings separate their items with newlines; nothing else */
                for (size_t c = 0; c < k; c++)
                    if (row.col[i][c] == '\n')
                        CHECK(i == P3S_COL_CAPABILITIES || i == P3S_COL_CAPABILITIES_TLS ||
                              i == P3S_COL_FINDINGS);
                char *copy = strdup(row.col[i]);
                CHECK(copy);
                for (char *p = copy; *p; p++)
                    if (*p == '\n')
                        *p = ' ';
                check_clean(copy, k);
                free(copy);
            }
        } else {
            CHECK(why[0] != '\0');
        }
        json_decref(j);
    }
    p3s_rowbuf_free(&b);
    return 0;
}
