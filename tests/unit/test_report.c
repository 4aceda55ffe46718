/* test_report.c — the report's pure parts (src/report/): the display form of server strings and
 * its escaping for HTML, JSON in a <script> block and Markdown; the interning pool; the model
 * built from records; and the documents written from it, checked for what must never be in
 * them whatever a server sent (an element, a script end, a raw control character) and for what
 * must (the exact figures, a CSP naming the page's own script and style). jansson is the
 * oracle for every JSON written; tests/integration/test_report.py opens the pages in Chromium.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "pool.h"
#include "report.h"
#include "report_internal.h"
#include "text.h"

static const char *display(const char *s, size_t n, size_t max)
{
    static struct p3s_rbuf b;
    b.n = 0;
    p3s_display(&b, s, n, max);
    return p3s_rbuf_str(&b);
}

static void test_display_makes_the_hidden_visible(void **state)
{
    (void)state;
    assert_string_equal(display("+OK ready", 9, 0), "+OK ready");
    assert_string_equal(display("a\0b\x1b[31m\r\x7f", 10, 0), "a\\x00b\\x1b[31m\\x0d\\x7f");
    assert_string_equal(display("one\ntwo", 7, 0), "one\ntwo"); /* evidence lines */
    assert_string_equal(display("\xff\xc0\xaf\xed\xa0\x80", 6, 0),
                        "\\xff\\xc0\\xaf\\xed\\xa0\\x80");
    /* bidirectional, invisible, separators and C1 controls */
    assert_string_equal(display("x\xe2\x80\xaey\xe2\x81\xa6z", 9, 0), "x\\u{202e}y\\u{2066}z");
    assert_string_equal(display("\xe2\x80\x8b\xef\xbb\xbf\xe2\x80\xa8\xc2\x85\xd8\x9c", 13, 0),
                        "\\u{200b}\\u{feff}\\u{2028}\\u{0085}\\u{061c}");
    /* kept: ordinary non-ASCII text */
    assert_string_equal(display("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xa7", 14, 0),
                        "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xa7");
}

static void test_display_cuts_between_characters(void **state)
{
    (void)state;
    assert_string_equal(display("abcdef", 6, 4), "abcd \xe2\x80\xa6 [2 more bytes]");
    /* the cut never splits a character: the one that starts before max is whole */
    assert_string_equal(display("ab\xc3\xa9xyz", 7, 3), "ab\xc3\xa9 \xe2\x80\xa6 [3 more bytes]");
    assert_string_equal(display("abc", 3, 3), "abc");
}

static const char *html(const char *s)
{
    static struct p3s_rbuf b;
    b.n = 0;
    p3s_esc_html(&b, s, strlen(s));
    return p3s_rbuf_str(&b);
}

static void test_html_escaping(void **state)
{
    (void)state;
    assert_string_equal(html("\"><img src=x onerror='a&b'>"),
                        "&quot;&gt;&lt;img src=x onerror=&#39;a&amp;b&#39;&gt;");
    assert_string_equal(html("plain text"), "plain text");
}

static void test_json_escaping_is_safe_in_a_script_block(void **state)
{
    (void)state;
    static const char *const CASES[] = {
        "</script><script>alert(1)</script>", "<!-- -->", "]]>", "a\"b\\c", "line\nfeed",
        "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x93\xa7", "'&<>", "\x01\x1f",
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        struct p3s_rbuf b = {0};
        p3s_esc_json(&b, CASES[i], strlen(CASES[i]));
        const char *out = p3s_rbuf_str(&b);
        for (size_t k = 0; k < b.n; k++) {
            unsigned char c = (unsigned char)out[k];
            assert_true(c >= 0x20 && c < 0x7f); /* ASCII only */
            assert_true(c != '<' && c != '>' && c != '&' && c != '\'');
        }
        json_error_t err;
        json_t *j = json_loadb(out, b.n, JSON_DECODE_ANY, &err);
        assert_non_null(j);
        assert_string_equal(json_string_value(j), CASES[i]);
        json_decref(j);
        p3s_rbuf_free(&b);
    }
}

static const char *md(const char *s)
{
    static struct p3s_rbuf b;
    b.n = 0;
    p3s_esc_md(&b, s, strlen(s));
    return p3s_rbuf_str(&b);
}

static void test_markdown_escaping(void **state)
{
    (void)state;
    assert_string_equal(md("a|b`c<d>*e_[f](g)"), "a\\|b\\`c\\<d\\>\\*e\\_\\[f\\]\\(g\\)");
    assert_string_equal(md("one\ntwo"), "one<br>two");
    assert_string_equal(md("\\x00"), "\\\\x00");
    assert_string_equal(md("www.example.test"), "www\\.example\\.test"); /* no autolink */
    assert_string_equal(md("word"), "word");
}

static void test_pool_interns(void **state)
{
    (void)state;
    struct p3s_pool p;
    p3s_pool_init(&p);
    uint32_t a = p3s_pool_add(&p, "alpha", 5), b = p3s_pool_add(&p, "beta", 4);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(p3s_pool_add(&p, "alpha", 5), a);
    assert_int_equal(p3s_pool_add(&p, "a\0b", 3), 2); /* bytes, not C strings */
    assert_int_equal(p3s_pool_add(&p, "a", 1), 3);
    assert_int_equal(p3s_pool_find(&p, "beta", 4), b);
    assert_int_equal(p3s_pool_find(&p, "gamma", 5), P3S_NONE);
    char buf[32];
    for (int i = 0; i < 100000; i++) { /* growth keeps every id */
        int n = snprintf(buf, sizeof buf, "s%d", i);
        assert_int_equal(p3s_pool_add(&p, buf, (size_t)n), 4 + (uint32_t)i);
    }
    size_t n;
    assert_string_equal(p3s_pool_get(&p, 4 + 77777, &n), "s77777");
    assert_int_equal(n, 6);
    assert_int_equal(p3s_pool_add(&p, "s99999", 6), 4 + 99999);
    p3s_pool_free(&p);

    struct p3s_idmap m = {0};
    for (uint32_t i = 0; i < 5000; i++)
        *p3s_idmap_slot(&m, i * 7) = i;
    for (uint32_t i = 0; i < 5000; i++)
        assert_int_equal(p3s_idmap_get(&m, i * 7, 99999), i);
    assert_int_equal(p3s_idmap_get(&m, 3, 99999), 99999);
    p3s_idmap_free(&m);
}

static void test_parse_time(void **state)
{
    (void)state;
    assert_int_equal(p3s_rp_parse_time("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(p3s_rp_parse_time("2024-02-29T12:34:56Z"), 1709210096);
    assert_int_equal(p3s_rp_parse_time("2038-01-19T03:14:08Z"), 2147483648LL);
    assert_int_equal(p3s_rp_parse_time("2026-13-01T00:00:00Z"), P3S_RP_NO_TIME);
    assert_int_equal(p3s_rp_parse_time("soon"), P3S_RP_NO_TIME);
}

/* ---- the model and the documents ---------------------------------------------------------- */

#define PWN "<img src=x onerror=alert(1)>"

static const char RECORDS[] =
    "{\"schema\":\"pop3scan/record/1\",\"target\":\"mail.test\",\"ip\":\"127.0.0.2\",\"port\":110,"
    "\"transport\":\"plain\",\"state\":\"pop3\",\"confidence\":\"confirmed\",\"greeting\":"
    "\"+OK </script><script>x()</script> \\u202e \\u0000 \\\\xff" PWN "\","
    "\"capabilities\":[\"USER\",\"X-</style>\"],\"tls\":{\"version\":\"TLSv1.3\",\"versions\":"
    "{\"SSLv3\":\"unsupported\",\"TLSv1.0\":\"accepted\",\"TLSv1.1\":\"refused\",\"TLSv1.2\":"
    "\"accepted\",\"TLSv1.3\":\"accepted\"},\"certificate\":{\"subject\":\"CN=" PWN "\","
    "\"not_after\":\"2000-01-01T00:00:00Z\"}},"
    "\"product\":{\"vendor\":\"Dovecot\",\"name\":\"Dovecot\",\"version\":\"2.3\\\"><b>\","
    "\"confidence\":\"certain\",\"host\":\"" PWN "\"},"
    "\"plaintext_login\":{\"advertised\":true,\"accepted\":true,\"reply\":\"+OK\","
    "\"probe_user\":\"p3s0123456789ab\"},"
    "\"findings\":[{\"id\":\"pop3-detected\",\"severity\":\"info\",\"title\":\"POP3 service "
    "detected\",\"evidence\":\"" PWN "\",\"remediation\":\"r1\"},{\"id\":\"pop3-plaintext-login\","
    "\"severity\":\"high\",\"title\":\"t|`\",\"evidence\":\"+OK\",\"remediation\":\"r2\"}],"
    "\"timing_ms\":{\"connect\":1.5,\"total\":3.25},\"error\":null}\n"
    "{\"schema\":\"pop3scan/record/1\",\"target\":\"127.0.0.1\",\"ip\":\"127.0.0.1\",\"port\":995,"
    "\"transport\":\"tls\",\"state\":\"closed\",\"confidence\":null,\"greeting\":null,"
    "\"findings\":[],\"timing_ms\":{\"connect\":null,\"total\":0.5},\"error\":\"connection "
    "refused\"}\n"
    "{\"schema\":\"pop3scan/record/1\",\"target\":\"gone.test\",\"ip\":null,\"port\":null,"
    "\"transport\":\"plain\",\"state\":\"error\",\"findings\":[],\"error\":\"NXDOMAIN\"}\n";

static struct p3s_report *model(void)
{
    struct p3s_report *r = p3s_report_new();
    char err[256];
    const char *p = RECORDS;
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (p3s_report_add_text(r, P3S_REPORT_RECORD, p, (size_t)(nl - p), err, sizeof err))
            fail_msg("record refused: %s", err);
        p = nl + 1;
    }
    json_t *meta = json_pack("{s:[s,s,s],s:s,s:s}", "command", "pop3scan", "--report",
                             "<b>r.html</b>", "started", "2026-01-01T00:00:00Z", "ended",
                             "2026-01-01T00:00:05Z");
    assert_int_equal(p3s_report_set_meta(r, meta, err, sizeof err), 0);
    json_decref(meta);
    return r;
}

/* Through a temporary file, not open_memstream: GCC 12 at -O3 took the text for the local
 * pointer open_memstream fills and failed the build (-Wdangling-pointer). */
static char *write_doc(struct p3s_report *r, int markdown, size_t *len)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    struct p3s_report_opts o = {"T <i>", 200, 1767225600};
    assert_int_equal(markdown ? p3s_report_write_markdown(r, fp, &o)
                              : p3s_report_write_html(r, fp, &o),
                     0);
    long n = ftell(fp);
    assert_true(n >= 0);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    rewind(fp);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void test_model_counts(void **state)
{
    (void)state;
    struct p3s_report *r = model();
    assert_int_equal(p3s_report_records(r), 3);
    assert_int_equal(r->by_state[0], 1);
    assert_int_equal(r->by_state[2], 1);
    assert_int_equal(r->by_state[6], 1);
    assert_int_equal(r->confirmed, 1);
    assert_int_equal(r->findings_by_sev[0], 1);
    assert_int_equal(r->findings_by_sev[3], 1);
    assert_int_equal(r->services_by_sev[3], 1);
    assert_int_equal(r->tls_probed, 1);
    assert_int_equal(r->tls_accepted[1], 1);
    assert_int_equal(r->tls_accepted[2], 0);
    assert_int_equal(r->with_cert, 1);
    assert_int_equal(p3s_rp_count_distinct(r, 0), 3);
    assert_int_equal(p3s_rp_count_distinct(r, 1), 2);
    /* the order of the report: addresses numerically, names without one last */
    uint32_t *order = p3s_rp_sorted(r);
    assert_string_equal(p3s_rp_str(r, r->recs[order[0]].target, NULL), "127.0.0.1");
    assert_string_equal(p3s_rp_str(r, r->recs[order[1]].target, NULL), "mail.test");
    assert_string_equal(p3s_rp_str(r, r->recs[order[2]].target, NULL), "gone.test");
    free(order);
    p3s_report_free(r);
}

static void test_records_share_their_strings(void **state)
{
    (void)state;
    struct p3s_report *r = p3s_report_new();
    char line[1024], err[256];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(line, sizeof line,
                         "{\"schema\":\"pop3scan/record/1\",\"target\":\"127.0.%d.%d\",\"ip\":"
                         "\"127.0.%d.%d\",\"port\":110,\"transport\":\"plain\",\"state\":\"pop3\","
                         "\"greeting\":\"+OK ready\",\"capabilities\":[\"TOP\",\"USER\"],"
                         "\"plaintext_login\":{\"probe_user\":\"p3s%04d\"},\"findings\":[{\"id\":"
                         "\"pop3-detected\",\"severity\":\"info\",\"evidence\":\"+OK ready\"}],"
                         "\"timing_ms\":{\"connect\":%d.5,\"total\":%d.25}}",
                         i / 256, i % 256, i / 256, i % 256, i, i, i);
        assert_int_equal(p3s_report_add_text(r, P3S_REPORT_RECORD, line, (size_t)n, err,
                                             sizeof err),
                         0);
    }
    /* one set of details and of findings for all: the random USER name and the timing are not
     * part of them */
    assert_int_equal(r->detail.count, 1);
    assert_int_equal(r->fsets.count, 1);
    p3s_report_free(r);
}

static void test_bad_input_is_named(void **state)
{
    (void)state;
    static const struct {
        enum p3s_report_input kind;
        const char *text, *why;
    } CASES[] = {
        {P3S_REPORT_RECORD, "[1]", "not a pop3scan record"},
        {P3S_REPORT_RECORD, "{\"schema\":\"other\"}", "not a pop3scan record"},
        {P3S_REPORT_RECORD, "{\"schema\":\"pop3scan/record/1\",\"state\":\"pop3\"}", "target"},
        {P3S_REPORT_RECORD,
         "{\"schema\":\"pop3scan/record/1\",\"target\":\"a\",\"state\":\"odd\"}", "state"},
        {P3S_REPORT_RECORD,
         "{\"schema\":\"pop3scan/record/1\",\"target\":\"a\",\"state\":\"pop3\","
         "\"transport\":\"tls\",\"port\":70000}",
         "port"},
        {P3S_REPORT_RECORD,
         "{\"schema\":\"pop3scan/record/1\",\"target\":\"a\",\"state\":\"pop3\",\"transport\":"
         "\"tls\",\"port\":1,\"findings\":[{\"id\":\"x\",\"severity\":\"dire\"}]}",
         "severity"},
        {P3S_REPORT_RECORD, "{\"a\":1,\"a\":2}", "not JSON"},
        {P3S_REPORT_RECORD, "{", "not JSON"},
        {P3S_REPORT_HISTORY, "{\"started\":\"x\"}", "services"},
        {P3S_REPORT_CHANGE, "{\"target\":\"x\"}", "change"},
    };
    struct p3s_report *r = p3s_report_new();
    char err[256];
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        err[0] = '\0';
        assert_int_equal(p3s_report_add_text(r, CASES[i].kind, CASES[i].text,
                                             strlen(CASES[i].text), err, sizeof err),
                         -1);
        if (!strstr(err, CASES[i].why))
            fail_msg("case %zu: \"%s\" does not say %s", i, err, CASES[i].why);
    }
    assert_int_equal(p3s_report_records(r), 0);
    assert_int_equal(r->findings_by_sev[0] + r->findings_by_sev[3], 0);
    p3s_report_free(r);
}

static const char *between(const char *s, const char *open, const char *close, size_t *n)
{
    const char *a = strstr(s, open);
    assert_non_null(a);
    a += strlen(open);
    const char *z = strstr(a, close);
    assert_non_null(z);
    *n = (size_t)(z - a);
    return a;
}

static void csp_hash(const char *s, size_t n, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len;
    EVP_Digest(s, n, md, &len, EVP_sha256(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)len);
}

static void test_html_holds_no_server_markup(void **state)
{
    (void)state;
    struct p3s_report *r = model();
    size_t len;
    char *doc = write_doc(r, 0, &len);
    assert_int_equal(strlen(doc), len); /* no NUL */
    /* every < in the document is one of ours: no server text made an element */
    assert_null(strstr(doc, "<img"));
    assert_null(strstr(doc, "<b>"));
    assert_null(strstr(doc, "<i>"));
    assert_null(strstr(doc, "\xe2\x80\xae"));
    /* one script element to run, one data block, one style */
    size_t n = 0;
    for (const char *p = doc; (p = strstr(p, "<script")); p++)
        n++;
    assert_int_equal(n, 2);
    n = 0;
    for (const char *p = doc; (p = strstr(p, "</script")); p++)
        n++;
    assert_int_equal(n, 2);
    for (size_t i = 0; i < len; i++) /* no control character but line feeds */
        assert_true((unsigned char)doc[i] >= 0x20 || doc[i] == '\n');
    /* the data block is JSON, and the greeting comes back whole, in display form */
    size_t dn;
    const char *data = between(doc, "<script type=\"application/json\" id=\"p3s-data\">",
                               "</script>", &dn);
    json_error_t err;
    json_t *j = json_loadb(data, dn, 0, &err);
    if (!j)
        fail_msg("data block: %s", err.text);
    json_t *s = json_object_get(j, "s");
    int found = 0;
    for (size_t i = 0; i < json_array_size(s); i++)
        found |= strcmp(json_string_value(json_array_get(s, i)),
                        "+OK </script><script>x()</script> \\u{202e} \\x00 \\xff" PWN) == 0;
    assert_true(found);
    assert_int_equal(json_array_size(json_object_get(j, "r")), 3);
    /* no detail keeps the random USER name */
    assert_null(strstr(data, "p3s0123456789ab"));
    json_decref(j);
    /* the CSP names the hashes of the style and the script that are in the page */
    size_t cn, sn;
    const char *csp = between(doc, "http-equiv=\"Content-Security-Policy\" content=\"", "\"", &cn);
    const char *style = between(doc, "<style>", "</style>", &sn);
    char want[128], policy[1024];
    snprintf(policy, sizeof policy, "%.*s", (int)cn, csp);
    assert_non_null(strstr(policy, "default-src 'none'"));
    csp_hash(style, sn, want);
    assert_non_null(strstr(policy, want));
    const char *script = strstr(data + dn, "<script>");
    assert_non_null(script);
    script += 8;
    csp_hash(script, (size_t)(strstr(script, "</script>") - script), want);
    assert_non_null(strstr(policy, want));
    free(doc);
    p3s_report_free(r);
}

static void test_markdown_holds_no_server_markup(void **state)
{
    (void)state;
    struct p3s_report *r = model();
    size_t len;
    char *doc = write_doc(r, 1, &len);
    for (const char *p = doc; (p = strchr(p, '<')); p++) /* only our line breaks */
        if (p == doc || p[-1] != '\\')
            assert_memory_equal(p, "<br>", 4);
    for (const char *p = doc; (p = strchr(p, '`')); p++)
        assert_int_equal(p[-1], '\\');
    /* a table row is one line with as many unescaped | as its header */
    assert_non_null(strstr(doc, "| POP3 services | 1 |"));
    assert_non_null(strstr(doc, "| Findings: high | 1 |"));
    assert_non_null(strstr(doc, "pop3\\-plaintext\\-login: t\\|\\`"));
    assert_non_null(strstr(doc, "# T \\<i\\>"));
    free(doc);
    p3s_report_free(r);
}

static void test_history_and_changes(void **state)
{
    (void)state;
    struct p3s_report *r = model();
    char err[256];
    const char *hist[] = {"{\"started\":\"2025-12-01T00:00:00Z\",\"services\":4,\"high\":2}",
                          "{\"id\":7,\"pop3\":3}"};
    for (int i = 0; i < 2; i++)
        assert_int_equal(p3s_report_add_text(r, P3S_REPORT_HISTORY, hist[i], strlen(hist[i]),
                                             err, sizeof err),
                         0);
    const char *ch = "{\"change\":\"capabilities\",\"target\":\"a\",\"ip\":\"127.0.0.1\",\"port\":"
                     "110,\"transport\":\"plain\",\"old\":[\"TOP\"],\"new\":[\"TOP\",\"<X>\"],"
                     "\"added\":[\"<X>\"],\"removed\":[]}";
    assert_int_equal(p3s_report_add_text(r, P3S_REPORT_CHANGE, ch, strlen(ch), err, sizeof err), 0);
    assert_int_equal(r->nhist, 2);
    assert_int_equal(r->hist[1].services, 3);
    assert_int_equal(r->hist[1].high, -1);
    assert_string_equal(p3s_rp_str(r, r->hist[1].label, NULL), "scan 7");
    assert_string_equal(p3s_rp_str(r, r->changes[0].neu, NULL), "TOP, <X>");
    assert_string_equal(p3s_rp_str(r, r->changes[0].note, NULL), "added: <X>");
    size_t len;
    char *doc = write_doc(r, 0, &len);
    assert_non_null(strstr(doc, "id=\"chart-history\""));
    assert_non_null(strstr(doc, "data-value=\"4\""));
    assert_null(strstr(doc, "<X>"));
    free(doc);
    p3s_report_free(r);
}

static void test_the_budget_bounds_what_is_kept(void **state)
{
    (void)state;
    struct p3s_report *r = p3s_report_new();
    r->budget = 1 << 20; /* 1 MiB instead of 48 */
    char line[8192], err[256], pad[4001];
    memset(pad, 'x', 4000);
    pad[4000] = '\0';
    for (int i = 0; i < 400; i++) { /* 400 different greetings of 4 KiB: 1.6 MiB */
        int n = snprintf(line, sizeof line,
                         "{\"schema\":\"pop3scan/record/1\",\"target\":\"127.0.0.%d\","
                         "\"ip\":\"127.0.0.%d\",\"port\":110,\"transport\":\"plain\","
                         "\"state\":\"pop3\",\"greeting\":\"+OK %04d %s\",\"findings\":[]}",
                         i % 256, i % 256, i, pad);
        assert_int_equal(p3s_report_add_text(r, P3S_REPORT_RECORD, line, (size_t)n, err,
                                             sizeof err),
                         0);
    }
    assert_int_equal(p3s_report_records(r), 400);
    assert_true(r->left_out > 100);                     /* later greetings were left out */
    assert_true(r->str.len + r->detail.len < 2u << 20); /* and memory stayed near the budget */
    assert_int_equal(r->recs[399].greeting, r->left_out_id);
    assert_int_not_equal(r->recs[0].greeting, r->left_out_id);
    size_t len;
    char *doc = write_doc(r, 0, &len);
    assert_non_null(strstr(doc, "id=\"left-out\""));
    free(doc);
    p3s_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_makes_the_hidden_visible),
        cmocka_unit_test(test_display_cuts_between_characters),
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_json_escaping_is_safe_in_a_script_block),
        cmocka_unit_test(test_markdown_escaping),
        cmocka_unit_test(test_pool_interns),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_model_counts),
        cmocka_unit_test(test_records_share_their_strings),
        cmocka_unit_test(test_bad_input_is_named),
        cmocka_unit_test(test_html_holds_no_server_markup),
        cmocka_unit_test(test_markdown_holds_no_server_markup),
        cmocka_unit_test(test_history_and_changes),
        cmocka_unit_test(test_the_budget_bounds_what_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
