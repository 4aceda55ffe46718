/* check.c — the checks the fuzz targets share (see fuzz.h). */
#include "fuzz.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "output.h"
#include "record.h"
#include "report.h"

/* Length of the valid UTF-8 sequence at s and its code point, 0 if none (RFC 3629). */
size_t fuzz_utf8(const unsigned char *s, size_t len, unsigned *cp)
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

int fuzz_valid_utf8(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    unsigned cp;
    for (size_t i = 0; i < n;) {
        size_t k = fuzz_utf8(s + i, n - i, &cp);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Valid UTF-8 whose only control characters are those in allowed. */
void fuzz_check_text(const char *p, size_t n, const char *allowed)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = fuzz_utf8(s + i, n - i, &cp);
        CHECK(k > 0);
        if (cp < 0x20 || cp == 0x7f)
            CHECK(cp != 0 && strchr(allowed, (int)cp) != NULL);
        CHECK(!(cp >= 0x80 && cp <= 0x9f));
        CHECK(cp != 0x200e && cp != 0x200f && !(cp >= 0x202a && cp <= 0x202e) &&
              !(cp >= 0x2066 && cp <= 0x2069));
        i += k;
    }
}

void fuzz_check_json_lines(const char *p, size_t n)
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
    fuzz_check_text(p, n, "\r\n");
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
    fuzz_check_text(p, n, "\n");
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
    fuzz_check_text(p, n, "\n");
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
        fuzz_check_json_lines(mem, len);
    } else if (strcmp(m->name, "csv") == 0) {
        CHECK(check_csv(mem, len) == 2); /* the header and the record */
    } else if (strcmp(m->name, "html") == 0) {
        check_html(mem, len);
    } else if (strcmp(m->name, "markdown") == 0) {
        check_markdown(mem, len);
    } else {
        fuzz_check_text(mem, len, "\n");
        for (size_t i = 0; ascii && i < len; i++)
            CHECK((unsigned char)mem[i] < 0x80);
    }
    free(mem);
}

void fuzz_check_outputs(const struct p3s_record *r)
{
    p3s_report_register(0, NULL); /* the html and markdown modules (once) */
    run_module(&p3s_output_text, r, 0);
    run_module(&p3s_output_text, r, 1);
    run_module(&p3s_output_jsonl, r, 0);
    run_module(&p3s_output_csv, r, 0);
    run_module(&p3s_output_nuclei, r, 0);
    run_module(p3s_output_find("html"), r, 0);
    run_module(p3s_output_find("markdown"), r, 0);
}
