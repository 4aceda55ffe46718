/* report_html.c — the report as one self-contained HTML file (docs/report.md).
 *
 * Everything is inline: the stylesheet and the script (src/report/assets/, embedded at build
 * time), the charts (SVG drawn by svg.c) and the data (one JSON block). Nothing is fetched: a
 * Content-Security-Policy in a meta tag allows no source at all but the one script and the
 * one stylesheet, named by their SHA-256 hashes, and data: images. So even if some server text
 * escaped its escaping, the browser would run none of it.
 *
 * What the page shows without its script (summary, charts, findings by kind, how the scan ran)
 * is written here; the tables of findings, services and changes are drawn by the script from
 * the JSON block, a page at a time, so a /16 opens quickly and stays searchable whole.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "util.h"

#ifndef P3S_VERSION
#define P3S_VERSION "0.1.0"
#endif

/* src/report/assets, embedded by src/report/embed.cmake */
extern const char p3s_report_css[], p3s_report_js[];
extern const size_t p3s_report_css_len, p3s_report_js_len;

struct out {
    struct p3s_rbuf b;
    FILE *fp;
    int failed;
};

/* Hands what is buffered to stdio once it is large: memory stays small for big reports. */
static void spill(struct out *o)
{
    if (o->b.n >= (1u << 16) && p3s_rbuf_flush(&o->b, o->fp) < 0)
        o->failed = 1;
}

static void esc_str(struct out *o, const struct p3s_report *r, uint32_t id)
{
    size_t n;
    const char *s = p3s_rp_str(r, id, &n);
    p3s_esc_html(&o->b, s, n);
}

/* "sha256-…" of n bytes, for the Content-Security-Policy. */
static void csp_hash(const char *s, size_t n, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    memcpy(out, "sha256-", 7);
    if (!EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL))
        mdlen = 0; /* an empty hash matches nothing: the page then runs no script, safely */
    EVP_EncodeBlock((unsigned char *)out + 7, md, (int)mdlen);
}

static void head(struct out *o, const char *title)
{
    static char script[64 + 8], style[64 + 8]; /* the assets do not change: hashed once */
    if (!script[0]) {
        csp_hash(p3s_report_js, p3s_report_js_len, script);
        csp_hash(p3s_report_css, p3s_report_css_len, style);
    }
    p3s_rbuf_printf(&o->b,
                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "script-src '%s'; style-src '%s'; img-src data:; base-uri 'none'; "
                    "form-action 'none'\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"referrer\" content=\"no-referrer\">\n"
                    "<meta name=\"color-scheme\" content=\"light dark\">\n"
                    "<meta name=\"generator\" content=\"pop3scan %s\">\n<title>",
                    script, style, P3S_VERSION);
    p3s_esc_html(&o->b, title, strlen(title));
    p3s_rbuf_puts(&o->b, "</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>");
    p3s_rbuf_put(&o->b, p3s_report_css, p3s_report_css_len);
    p3s_rbuf_puts(&o->b, "</style>\n</head>\n");
}

static void tile(struct out *o, const char *id, size_t n, const char *what, const char *cls)
{
    p3s_rbuf_printf(&o->b,
                    "<div class=\"tile%s%s\"><span class=\"n\" id=\"%s\" data-count=\"%zu\">%zu"
                    "</span><span class=\"k\">%s</span></div>\n",
                    cls ? " " : "", cls ? cls : "", id, n, n, what);
}

static void summary(struct out *o, const struct p3s_report *r)
{
    size_t services = r->by_state[0];
    p3s_rbuf_puts(&o->b, "<section id=\"summary\">\n<h2>Summary</h2>\n");
    /* The sentence a reader forwards. */
    p3s_rbuf_printf(&o->b, "<p class=\"lead\">%zu POP3 service%s found", services,
                    services == 1 ? "" : "s");
    if (services)
        p3s_rbuf_printf(&o->b,
                        "; <strong class=\"sev-high-text\">%zu</strong> with a high finding, "
                        "%zu with a medium one at most",
                        r->services_by_sev[3], r->services_by_sev[2]);
    p3s_rbuf_puts(&o->b, ".</p>\n<div class=\"tiles\">\n");
    tile(o, "n-targets", p3s_rp_count_distinct(r, 0), "targets", NULL);
    tile(o, "n-addresses", p3s_rp_count_distinct(r, 1), "addresses", NULL);
    tile(o, "n-records", r->nrecs, "ports probed", NULL);
    tile(o, "n-services", services, "POP3 services", "accent");
    tile(o, "n-confirmed", r->confirmed, "confirmed by CAPA", NULL);
    static const char *const SEV_IDS[] = {"n-info", "n-low", "n-medium", "n-high"};
    static const char *const SEV_WHAT[] = {"info findings", "low findings", "medium findings",
                                           "high findings"};
    static const char *const SEV_CLS[] = {"sev-info", "sev-low", "sev-medium", "sev-high"};
    for (int s = P3S_RP_NSEVS - 1; s >= 0; s--)
        tile(o, SEV_IDS[s], r->findings_by_sev[s], SEV_WHAT[s], SEV_CLS[s]);
    p3s_rbuf_puts(&o->b, "</div>\n<ul class=\"states\" aria-label=\"Records by state\">"
                         "<li class=\"head\"><span class=\"k\">Records by state:</span></li>");
    for (int s = 0; s < P3S_RP_NSTATES; s++)
        p3s_rbuf_printf(&o->b,
                        "<li%s><span class=\"k\">%s</span><span id=\"state-%s\" "
                        "data-count=\"%zu\">%zu</span></li>",
                        r->by_state[s] ? "" : " class=\"zero\"", P3S_RP_STATES[s],
                        P3S_RP_STATES[s], r->by_state[s], r->by_state[s]);
    p3s_rbuf_puts(&o->b, "</ul>\n");
    if (r->left_out)
        p3s_rbuf_printf(&o->b,
                        "<p class=\"warn\" id=\"left-out\">%zu server strings or records were "
                        "left out of this page to keep it small: it holds at most %zu MiB of "
                        "distinct server text. The JSONL has everything.</p>\n",
                        r->left_out, r->budget >> 20);
    p3s_rbuf_puts(&o->b, "</section>\n");
}

static void charts(struct out *o, const struct p3s_report *r, int64_t now)
{
    p3s_rbuf_puts(&o->b, "<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    p3s_svg_findings(&o->b, r);
    p3s_svg_products(&o->b, r);
    p3s_svg_tls(&o->b, r);
    p3s_svg_expiry(&o->b, r, now);
    p3s_svg_history(&o->b, r);
    p3s_rbuf_puts(&o->b, "</div>\n</section>\n");
}

/* The controls and the empty table the script fills. */
static void table_shell(struct out *o, const char *id, const char *what,
                        const char *const *heads, const char *const *keys, size_t n)
{
    p3s_rbuf_printf(&o->b,
                    "<div class=\"controls\"><input type=\"search\" id=\"%s-search\" "
                    "placeholder=\"Search %s\" aria-label=\"Search %s\" autocomplete=\"off\">",
                    id, what, what);
    p3s_rbuf_printf(&o->b, "<select id=\"%s-select\" aria-label=\"Show\"></select>", id);
    p3s_rbuf_printf(&o->b, "<span class=\"count\" id=\"%s-count\" aria-live=\"polite\"></span>"
                           "</div>\n",
                    id);
    p3s_rbuf_printf(&o->b, "<div class=\"tablewrap\"><table class=\"data\" id=\"%s-table\">"
                           "<thead><tr>",
                    id);
    for (size_t i = 0; i < n; i++)
        p3s_rbuf_printf(&o->b,
                        "<th scope=\"col\" class=\"c-%s\" data-key=\"%s\" aria-sort=\"none\">"
                        "<button type=\"button\">%s</button></th>",
                        keys[i], keys[i], heads[i]);
    p3s_rbuf_printf(&o->b,
                    "</tr></thead><tbody></tbody></table></div>\n<div class=\"more\">"
                    "<button type=\"button\" id=\"%s-more\" hidden>Show more</button> "
                    "<button type=\"button\" id=\"%s-all\" hidden>Show all</button></div>\n",
                    id, id);
}

static void changes(struct out *o, const struct p3s_report *r)
{
    p3s_rbuf_puts(&o->b, "<section id=\"changes\">\n<h2>Changes since the last scan</h2>\n");
    if (r->nchanges == 0 && !r->change_kinds.n) {
        p3s_rbuf_puts(&o->b, "<p id=\"changes-none\">No comparison with an earlier scan was "
                             "given (<code>pop3scan report --changes</code> takes the output of "
                             "<code>pop3scan diff -f jsonl</code>).</p>\n</section>\n");
        return;
    }
    p3s_rbuf_printf(&o->b, "<p><span id=\"n-changes\" data-count=\"%zu\">%zu</span> change%s:",
                    r->nchanges, r->nchanges, r->nchanges == 1 ? "" : "s");
    size_t nk;
    struct p3s_rp_pair *kinds = p3s_rp_pairs(r, &r->change_kinds, 0, &nk);
    for (size_t i = 0; i < nk; i++) {
        p3s_rbuf_puts(&o->b, i ? ", " : " ");
        esc_str(o, r, kinds[i].key);
        p3s_rbuf_printf(&o->b, " %u", kinds[i].count);
    }
    free(kinds);
    p3s_rbuf_puts(&o->b, ".</p>\n");
    static const char *const HEADS[] = {"Change", "Service", "Before", "After", "Note"};
    static const char *const KEYS[] = {"kind", "addr", "old", "new", "note"};
    table_shell(o, "c", "changes", HEADS, KEYS, 5);
    p3s_rbuf_puts(&o->b, "</section>\n");
}

static int cmp_def(const void *pa, const void *pb, void *arg)
{
    const struct p3s_report *r = arg;
    const struct p3s_rp_def *a = &r->defs[*(const uint32_t *)pa],
                            *b = &r->defs[*(const uint32_t *)pb];
    if (a->sev != b->sev)
        return a->sev > b->sev ? -1 : 1;
    return strcmp(p3s_rp_str(r, a->id, NULL), p3s_rp_str(r, b->id, NULL));
}

static void findings(struct out *o, const struct p3s_report *r)
{
    p3s_rbuf_puts(&o->b, "<section id=\"findings\">\n<h2>Findings</h2>\n");
    if (r->ndefs == 0) {
        p3s_rbuf_puts(&o->b, "<p>No finding.</p>\n");
    } else {
        uint32_t *order = p3s_xmalloc(r->ndefs * sizeof *order);
        for (uint32_t i = 0; i < r->ndefs; i++)
            order[i] = i;
        qsort_r(order, r->ndefs, sizeof *order, cmp_def, (void *)r);
        p3s_rbuf_puts(&o->b,
                      "<div class=\"tablewrap\"><table class=\"kinds\" id=\"kinds\">"
                      "<caption>By kind (docs/findings.md)</caption><thead><tr><th "
                      "scope=\"col\">Severity</th><th scope=\"col\">Finding</th><th "
                      "scope=\"col\">Services</th><th scope=\"col\">Remediation</th></tr></thead>"
                      "<tbody>\n");
        for (uint32_t i = 0; i < r->ndefs; i++) {
            const struct p3s_rp_def *d = &r->defs[order[i]];
            p3s_rbuf_printf(&o->b, "<tr><td data-label=\"Severity\"><span class=\"sev sev-%s\">%s"
                                   "</span></td><td data-label=\"Finding\">",
                            P3S_RP_SEVS[d->sev], P3S_RP_SEVS[d->sev]);
            p3s_rbuf_puts(&o->b, "<button type=\"button\" class=\"kind\" data-fid=\"");
            esc_str(o, r, d->id);
            p3s_rbuf_puts(&o->b, "\"><code>");
            esc_str(o, r, d->id);
            p3s_rbuf_puts(&o->b, "</code></button><br><span class=\"title\">");
            if (d->title != P3S_NONE)
                esc_str(o, r, d->title);
            p3s_rbuf_printf(&o->b, "</span></td><td class=\"num\" data-label=\"Services\" "
                                   "data-count=\"%zu\">%zu</td><td data-label=\"Remediation\">",
                            d->services, d->services);
            if (d->remediation != P3S_NONE)
                esc_str(o, r, d->remediation);
            p3s_rbuf_puts(&o->b, "</td></tr>\n");
        }
        p3s_rbuf_puts(&o->b, "</tbody></table></div>\n");
        free(order);
    }
    static const char *const HEADS[] = {"Severity", "Finding", "Service", "Evidence",
                                        "Remediation"};
    static const char *const KEYS[] = {"sev", "id", "addr", "evidence", "remediation"};
    table_shell(o, "f", "findings", HEADS, KEYS, 5);
    p3s_rbuf_puts(&o->b, "</section>\n");
}

static void services(struct out *o)
{
    p3s_rbuf_puts(&o->b, "<section id=\"services\">\n<h2>Services</h2>\n<p class=\"hint\">Every "
                         "record of the scan; open a row for its full record. The search looks "
                         "at everything a record holds.</p>\n");
    static const char *const HEADS[] = {"Service", "State", "Product", "TLS", "Findings",
                                        "Greeting"};
    static const char *const KEYS[] = {"addr", "state", "product", "tls", "sev", "greeting"};
    table_shell(o, "s", "services", HEADS, KEYS, 6);
    p3s_rbuf_puts(&o->b, "</section>\n");
}

static void fact(struct out *o, const char *label, const char *value_html)
{
    p3s_rbuf_printf(&o->b, "<dt>%s</dt><dd>%s</dd>\n", label, value_html);
}

/* A member of the metadata, escaped, as a <dt>/<dd> pair; nothing when absent. */
static void meta_fact(struct out *o, const struct p3s_report *r, const char *key,
                      const char *label, int code)
{
    struct p3s_rbuf v = {0};
    if (p3s_rp_meta(r, key, &v)) {
        p3s_rbuf_printf(&o->b, "<dt>%s</dt><dd id=\"meta-%s\">%s", label, key,
                        code ? "<code>" : "");
        p3s_esc_html(&o->b, v.p ? v.p : "", v.n);
        p3s_rbuf_printf(&o->b, "%s</dd>\n", code ? "</code>" : "");
    }
    p3s_rbuf_free(&v);
}

static void how(struct out *o, const struct p3s_report *r, const struct p3s_report_opts *opts)
{
    p3s_rbuf_puts(&o->b, "<section id=\"scan\">\n<h2>How the scan ran</h2>\n<dl class=\"facts\">\n");
    meta_fact(o, r, "command", "Command", 1);
    meta_fact(o, r, "started", "Started", 0);
    meta_fact(o, r, "ended", "Ended", 0);
    double ms = p3s_rp_elapsed_ms(r);
    if (ms >= 0) {
        char d[64];
        long min = (long)(ms / 60000);
        if (min == 0)
            snprintf(d, sizeof d, "%.2f s", ms / 1000);
        else
            snprintf(d, sizeof d, "%ld min %.0f s", min, (ms - (double)min * 60000) / 1000);
        fact(o, "Duration", d);
    }
    meta_fact(o, r, "status", "Status", 0);
    meta_fact(o, r, "exit_status", "Exit status", 0);
    const json_t *intr = json_object_get(r->meta, "interrupted");
    if ((json_is_integer(intr) && json_integer_value(intr) > 0) || json_is_true(intr)) {
        struct p3s_rbuf sig = {0};
        if (!p3s_rp_meta(r, "signal", &sig) && json_is_integer(intr))
            p3s_rbuf_printf(&sig, "signal %lld", (long long)json_integer_value(intr));
        p3s_rbuf_puts(&o->b, "<dt>Interrupted</dt><dd>");
        if (sig.n) {
            p3s_rbuf_puts(&o->b, "by ");
            p3s_esc_html(&o->b, sig.p, sig.n);
            p3s_rbuf_puts(&o->b, ": ");
        }
        p3s_rbuf_puts(&o->b, "the records of the targets not finished are missing</dd>\n");
        p3s_rbuf_free(&sig);
    }
    meta_fact(o, r, "id", "Scan id", 0);
    meta_fact(o, r, "host", "Host", 0);
    meta_fact(o, r, "version", "pop3scan version", 0);
    meta_fact(o, r, "sources", "Read from", 1);
    char when[40];
    p3s_rp_fmt_time((int64_t)opts->now, when, sizeof when);
    p3s_rbuf_printf(&o->b, "<dt>Report written</dt><dd>%s by pop3scan %s</dd>\n", when,
                    P3S_VERSION);
    p3s_rbuf_puts(&o->b, "</dl>\n</section>\n");
}

/* ---- the JSON block the script reads ----------------------------------------------------- */

static void num_or_null(struct p3s_rbuf *b, float v)
{
    if (v < 0)
        p3s_rbuf_puts(b, "null");
    else
        p3s_rbuf_printf(b, "%.1f", (double)v);
}

static int64_t id_or(uint32_t id)
{
    return id == P3S_NONE ? -1 : (int64_t)id;
}

static void data_block(struct out *o, const struct p3s_report *r, const uint32_t *order)
{
    struct p3s_rbuf *b = &o->b;
    p3s_rbuf_puts(b, "<script type=\"application/json\" id=\"p3s-data\">{\"v\":1,\"states\":[");
    for (int i = 0; i < P3S_RP_NSTATES; i++)
        p3s_rbuf_printf(b, "%s\"%s\"", i ? "," : "", P3S_RP_STATES[i]);
    p3s_rbuf_puts(b, "],\"sevs\":[");
    for (int i = 0; i < P3S_RP_NSEVS; i++)
        p3s_rbuf_printf(b, "%s\"%s\"", i ? "," : "", P3S_RP_SEVS[i]);
    p3s_rbuf_puts(b, "],\n\"s\":[");
    for (uint32_t i = 0; i < r->str.count; i++) {
        size_t n;
        const char *s = p3s_rp_str(r, i, &n);
        if (i)
            p3s_rbuf_putc(b, ',');
        p3s_esc_json(b, s, n);
        spill(o);
    }
    p3s_rbuf_puts(b, "],\n\"fd\":[");
    for (uint32_t i = 0; i < r->ndefs; i++) {
        const struct p3s_rp_def *d = &r->defs[i];
        p3s_rbuf_printf(b, "%s[%lld,%d,%lld,%lld]", i ? "," : "", (long long)id_or(d->id),
                        d->sev, (long long)id_or(d->title), (long long)id_or(d->remediation));
    }
    p3s_rbuf_puts(b, "],\n\"fs\":[");
    for (uint32_t i = 0; i < r->fsets.count; i++) {
        size_t n;
        const uint32_t *seq = (const uint32_t *)(const void *)p3s_pool_get(&r->fsets, i, &n);
        p3s_rbuf_puts(b, i ? ",[" : "[");
        for (size_t k = 0; k < n / sizeof *seq; k++) {
            uint32_t v;
            memcpy(&v, (const char *)seq + k * sizeof v, sizeof v); /* the pool packs bytes */
            p3s_rbuf_printf(b, "%s%lld", k ? "," : "", (long long)id_or(v));
        }
        p3s_rbuf_putc(b, ']');
        spill(o);
    }
    p3s_rbuf_puts(b, "],\n\"d\":[");
    for (uint32_t i = 0; i < r->detail.count; i++) {
        size_t n;
        const char *s = p3s_pool_get(&r->detail, i, &n);
        if (i)
            p3s_rbuf_putc(b, ',');
        p3s_rbuf_put(b, s, n);
        spill(o);
    }
    int64_t t0 = INT64_MAX; /* timestamps are written as milliseconds after the first */
    for (size_t k = 0; k < r->nrecs; k++)
        if (r->recs[k].started_ms != P3S_RP_NO_TIME && r->recs[k].started_ms < t0)
            t0 = r->recs[k].started_ms;
    if (t0 != INT64_MAX)
        p3s_rbuf_printf(b, "],\n\"t0\":%lld", (long long)t0);
    else
        p3s_rbuf_puts(b, "]");
    p3s_rbuf_puts(b, ",\n\"r\":[");
    for (size_t k = 0; k < r->nrecs; k++) {
        const struct p3s_rp_rec *x = &r->recs[order[k]];
        p3s_rbuf_printf(b, "%s[%lld,%lld,%u,%u,%u,%u,%lld,%lld,%u,%lld,%u,%lld,%u,", k ? ",\n" : "",
                        (long long)id_or(x->target), (long long)id_or(x->ip), x->port, x->tls,
                        x->state, x->confidence, (long long)id_or(x->greeting),
                        (long long)id_or(x->product), x->pconf, (long long)id_or(x->tls_version),
                        x->detail, (long long)id_or(x->fset), x->maxsev);
        num_or_null(b, x->connect_ms);
        p3s_rbuf_putc(b, ',');
        num_or_null(b, x->total_ms);
        if (x->started_ms != P3S_RP_NO_TIME)
            p3s_rbuf_printf(b, ",%lld", (long long)(x->started_ms - t0));
        p3s_rbuf_putc(b, ']');
        spill(o);
    }
    p3s_rbuf_puts(b, "],\n\"c\":[");
    for (size_t k = 0; k < r->nchanges; k++) {
        const struct p3s_rp_change *c = &r->changes[k];
        p3s_rbuf_printf(b, "%s[%lld,%lld,%lld,%u,%u,%lld,%lld,%lld]", k ? ",\n" : "",
                        (long long)id_or(c->kind), (long long)id_or(c->target),
                        (long long)id_or(c->ip), c->port, c->tls, (long long)id_or(c->old),
                        (long long)id_or(c->neu), (long long)id_or(c->note));
        spill(o);
    }
    p3s_rbuf_puts(b, "]}</script>\n");
}

int p3s_report_write_html(struct p3s_report *r, FILE *fp, const struct p3s_report_opts *opts)
{
    struct out o = {{0}, fp, 0};
    const char *title = opts->title && *opts->title ? opts->title : "POP3 exposure report";
    struct p3s_rbuf t = {0};
    p3s_display(&t, title, strlen(title), 200);
    head(&o, p3s_rbuf_str(&t));
    int64_t now = p3s_rp_now(r, opts);
    char when[40];
    p3s_rp_fmt_time(now, when, sizeof when);
    p3s_rbuf_puts(&o.b, "<body>\n<header class=\"top\"><h1>");
    p3s_esc_html(&o.b, t.p, t.n);
    p3s_rbuf_printf(&o.b, "</h1><p class=\"sub\">%zu record%s as of %s, by pop3scan</p></header>\n",
                    r->nrecs, r->nrecs == 1 ? "" : "s", when);
    p3s_rbuf_free(&t);
    p3s_rbuf_puts(&o.b, "<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#summary\">Summary"
                        "</a><a href=\"#charts\">Charts</a><a href=\"#changes\">Changes</a>"
                        "<a href=\"#findings\">Findings</a><a href=\"#services\">Services</a>"
                        "<a href=\"#scan\">How the scan ran</a></nav>\n<main>\n");
    summary(&o, r);
    charts(&o, r, now);
    changes(&o, r);
    findings(&o, r);
    services(&o);
    how(&o, r, opts);
    p3s_rbuf_puts(&o.b, "</main>\n<noscript><p class=\"warn\">The tables of findings, services "
                        "and changes need JavaScript; the summary, the charts and the findings "
                        "by kind above do not.</p></noscript>\n");
    p3s_rbuf_puts(&o.b, "<footer>Written by pop3scan " P3S_VERSION ". Server text is shown "
                        "escaped: control characters, invalid UTF-8 and invisible or "
                        "direction-changing characters appear as \\xHH or \\u{HHHH}, as in the "
                        "text output (docs/output.md).</footer>\n");
    spill(&o);
    uint32_t *order = p3s_rp_sorted(r);
    data_block(&o, r, order);
    free(order);
    p3s_rbuf_puts(&o.b, "<script>");
    p3s_rbuf_put(&o.b, p3s_report_js, p3s_report_js_len);
    p3s_rbuf_puts(&o.b, "</script>\n</body>\n</html>\n");
    if (p3s_rbuf_flush(&o.b, fp) < 0)
        o.failed = 1;
    p3s_rbuf_free(&o.b);
    return o.failed || fflush(fp) != 0 ? -1 : 0;
}
