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
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "output.h"
#include "record.h"
#include "report.h"

#define CHECK(c)                                                                               \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);            \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

#define SECTIONS 8

/* Length of the valid UTF-8 sequence at s and its code point, 0 if none (RFC 3629). */
static size_t utf8(const unsigned char *s, size_t len, unsigned *cp)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        n = 2, min = 0x80, *cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, min = 0x800, *cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, *cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3fu);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return n;
}

/* Valid UTF-8 whose only control characters are those in allowed. */
static void check_text(const char *p, size_t n, const char *allowed)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = utf8(s + i, n - i, &cp);
        CHECK(k > 0);
        if (cp < 0x20 || cp == 0x7f)
            CHECK(cp != 0 && strchr(allowed, (int)cp) != NULL);
        CHECK(!(cp >= 0x80 && cp <= 0x9f));
        CHECK(cp != 0x200e && cp != 0x200f && !(cp >= 0x202a && cp <= 0x202e) &&
              !(cp >= 0x2066 && cp <= 0x2069));
        i += k;
    }
}

static void check_json_lines(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(p + i, '\n', n - i);
        CHECK(nl != NULL); /* every line ends */
        json_error_t err;
        json_t *v = json_loadb(p + i, (size_t)(nl - (p + i)), JSON_ALLOW_NUL, &err);
        if (!v)
            fprintf(stderr, "jansson: %s: %.*s\n", err.text, (int)(nl - (p + i)), p + i);
        CHECK(v != NULL && json_is_object(v));
        json_decref(v);
        i = (size_t)(nl - p) + 1;
    }
}

/* RFC 4180 with CRLF rows; returns the number of rows, checks every row is `width` wide. */
static size_t check_csv(const char *p, size_t n)
{
    check_text(p, n, "\r\n");
    size_t rows = 0, fields = 1, width = 0;
    size_t i = 0;
    int at_field_start = 1;
    while (i < n) {
        if (at_field_start) {
            at_field_start = 0;
            size_t j = i;
            if (p[j] == '"')
                j++;
            CHECK(j >= n || (p[j] != '=' && p[j] != '+' && p[j] != '-' && p[j] != '@'));
        }
        if (p[i] == '"') { /* a quoted field: "" is a quote, the closing quote ends it */
            CHECK(i == 0 || p[i - 1] == ',' || p[i - 1] == '\n');
            i++;
            for (;;) {
                CHECK(i < n);
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                i++;
            }
            CHECK(i >= n || p[i] == ',' || p[i] == '\r');
            continue;
        }
        if (p[i] == ',') {
            fields++;
            at_field_start = 1;
            i++;
        } else if (p[i] == '\r') {
            CHECK(i + 1 < n && p[i + 1] == '\n');
            if (rows == 0)
                width = fields;
            CHECK(fields == width);
            rows++;
            fields = 1;
            at_field_start = 1;
            i += 2;
        } else {
            CHECK(p[i] != '\n');
            i++;
        }
    }
    CHECK(n == 0 || (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n'));
    return rows;
}

/* The HTML report (src/report/): every '<' outside the page's own <style> and <script> starts
 * one of the tags pop3scan writes, so no server text became markup; the data block holds no
 * '<' at all and parses as JSON; the page is valid UTF-8 without a control byte but LF. */
static void check_html(const char *p, size_t n)
{
    static const char *const TAGS[] = {
        "!DOCTYPE html>", "html", "head>", "meta ", "title>", "link ", "body>", "header ", "h1>",
        "h2>", "p>", "p ", "nav ", "a ", "main>", "section ", "strong ", "div ", "span ", "ul ",
        "li>", "li ", "figure ", "figcaption>", "svg ", "g ", "text ", "rect ", "line ",
        "polyline ", "circle ", "input ", "select ", "table ", "thead>", "tbody>", "tr>", "th ",
        "td>", "td ", "caption>", "button ", "code>", "br>", "dl ", "dt>", "dd>", "dd ",
        "noscript>", "footer>", "title", NULL};
    check_text(p, n, "\n");
    const char *end = p + n, *data = NULL;
    for (const char *c = p; (c = memchr(c, '<', (size_t)(end - c))); c++) {
        if (strncmp(c, "<style>", 7) == 0 || strncmp(c, "<script>", 8) == 0) {
            const char *close = strstr(c, c[1] == 's' && c[2] == 't' ? "</style>" : "</script>");
            CHECK(close != NULL);
            c = close + 1;
            continue;
        }
        static const char DATA[] = "<script type=\"application/json\" id=\"p3s-data\">";
        if (strncmp(c, DATA, sizeof DATA - 1) == 0) {
            data = c + sizeof DATA - 1;
            c = strstr(data, "</script>");
            CHECK(c != NULL);
            CHECK(memchr(data, '<', (size_t)(c - data)) == NULL);
            json_error_t err;
            json_t *j = json_loadb(data, (size_t)(c - data), 0, &err);
            CHECK(j != NULL);
            json_decref(j);
            continue;
        }
        const char *t = c + 1 + (c[1] == '/');
        int known = 0;
        for (size_t k = 0; TAGS[k] && !known; k++)
            known = strncmp(t, TAGS[k], strlen(TAGS[k])) == 0 ||
                    (c[1] == '/' && strncmp(t, TAGS[k], strcspn(TAGS[k], " >")) == 0 &&
                     t[strcspn(TAGS[k], " >")] == '>');
        if (!known)
            fprintf(stderr, "unknown markup: %.40s\n", c);
        CHECK(known);
    }
    CHECK(data != NULL);
}

/* The Markdown report: every '<' not escaped is one of our line breaks, every backtick is. */
static void check_markdown(const char *p, size_t n)
{
    check_text(p, n, "\n");
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '<' && (i == 0 || p[i - 1] != '\\'))
            CHECK(n - i >= 4 && memcmp(p + i, "<br>", 4) == 0);
        if (p[i] == '`')
            CHECK(i > 0 && p[i - 1] == '\\');
    }
}

/* ascii: the text report where the locale is not UTF-8, which must write ASCII only. */
static void run_module(const struct p3s_output_module *m, const struct p3s_record *r, int ascii)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&mem, &len);
    CHECK(fp != NULL);
    struct p3s_output o = {0};
    o.module = m;
    o.fp = fp;
    o.ascii = ascii;
    struct p3s_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.targets = sum.records = 1;
    CHECK(m->begin(&o) == 0);
    CHECK(m->record(&o, r) == 0);
    CHECK(m->end(&o, &sum) == 0);
    CHECK(fclose(fp) == 0);
    if (strcmp(m->name, "jsonl") == 0 || strcmp(m->name, "nuclei") == 0) {
        check_json_lines(mem, len);
    } else if (strcmp(m->name, "csv") == 0) {
        CHECK(check_csv(mem, len) == 2); /* the header and the record */
    } else if (strcmp(m->name, "html") == 0) {
        check_html(mem, len);
    } else if (strcmp(m->name, "markdown") == 0) {
        check_markdown(mem, len);
    } else {
        check_text(mem, len, "\n");
        for (size_t i = 0; ascii && i < len; i++)
            CHECK((unsigned char)mem[i] < 0x80);
    }
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    p3s_report_register(0, NULL); /* the html and markdown modules (once) */
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

    run_module(&p3s_output_text, r, 0);
    run_module(&p3s_output_text, r, 1);
    run_module(&p3s_output_jsonl, r, 0);
    run_module(&p3s_output_csv, r, 0);
    run_module(&p3s_output_nuclei, r, 0);
    run_module(p3s_output_find("html"), r, 0);
    run_module(p3s_output_find("markdown"), r, 0);
    p3s_record_free(r);
    return 0;
}
