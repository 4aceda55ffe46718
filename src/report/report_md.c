/* report_md.c — the report as GitHub-flavoured Markdown, for a ticket or a pull request: the
 * summary, the findings (by kind, then one row each), the changes since the last scan, the
 * products and how the scan ran (docs/report.md).
 *
 * Every string that came from a server, a file or the command line is in display form and
 * goes through p3s_esc_md: no character of it can open a code span, a link, emphasis, HTML or
 * end a table cell. Long tables stop after opts->md_rows rows and say how many were left out.
 */
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "util.h"

#ifndef P3S_VERSION
#define P3S_VERSION "0.1.0"
#endif

static void md(struct p3s_rbuf *b, const struct p3s_report *r, uint32_t id)
{
    size_t n;
    const char *s = p3s_rp_str(r, id, &n);
    p3s_esc_md(b, s, n);
}

/* "127.0.0.1:110", "[::1]:995 tls", "mail.example.org (192.0.2.7:110)". */
static void service(struct p3s_rbuf *b, const struct p3s_report *r, const struct p3s_rp_rec *x)
{
    struct p3s_rbuf a = {0};
    const char *ip = x->ip == P3S_NONE ? NULL : p3s_rp_str(r, x->ip, NULL);
    const char *target = p3s_rp_str(r, x->target, NULL);
    if (ip && strcmp(ip, target) != 0)
        p3s_rbuf_printf(&a, "%s (", target);
    const char *host = ip ? ip : target;
    int v6 = strchr(host, ':') != NULL;
    p3s_rbuf_printf(&a, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
    if (x->port)
        p3s_rbuf_printf(&a, ":%u", x->port);
    if (x->tls)
        p3s_rbuf_puts(&a, " tls");
    if (ip && strcmp(ip, target) != 0)
        p3s_rbuf_putc(&a, ')');
    p3s_esc_md(b, a.p ? a.p : "", a.n);
    p3s_rbuf_free(&a);
}

static void summary(struct p3s_rbuf *b, const struct p3s_report *r)
{
    p3s_rbuf_puts(b, "## Summary\n\n");
    p3s_rbuf_printf(b, "**%zu POP3 service%s found", r->by_state[0],
                    r->by_state[0] == 1 ? "" : "s");
    if (r->by_state[0])
        p3s_rbuf_printf(b, "; %zu with a high finding", r->services_by_sev[3]);
    p3s_rbuf_puts(b, ".**\n\n| | |\n|---|---:|\n");
    p3s_rbuf_printf(b, "| Targets | %zu |\n", p3s_rp_count_distinct(r, 0));
    p3s_rbuf_printf(b, "| Addresses | %zu |\n", p3s_rp_count_distinct(r, 1));
    p3s_rbuf_printf(b, "| Ports probed | %zu |\n", r->nrecs);
    p3s_rbuf_printf(b, "| POP3 services | %zu |\n", r->by_state[0]);
    p3s_rbuf_printf(b, "| Confirmed by CAPA | %zu |\n", r->confirmed);
    for (int s = P3S_RP_NSEVS - 1; s >= 0; s--)
        p3s_rbuf_printf(b, "| Findings: %s | %zu |\n", P3S_RP_SEVS[s], r->findings_by_sev[s]);
    p3s_rbuf_puts(b, "\nRecords by state:");
    for (int s = 0; s < P3S_RP_NSTATES; s++)
        p3s_rbuf_printf(b, "%s %s %zu", s ? "," : "", P3S_RP_STATES[s], r->by_state[s]);
    p3s_rbuf_puts(b, ".\n\n");
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

static void kinds(struct p3s_rbuf *b, const struct p3s_report *r)
{
    p3s_rbuf_puts(b, "## Findings by kind\n\n");
    if (r->ndefs == 0) {
        p3s_rbuf_puts(b, "No finding.\n\n");
        return;
    }
    uint32_t *order = p3s_xmalloc(r->ndefs * sizeof *order);
    for (uint32_t i = 0; i < r->ndefs; i++)
        order[i] = i;
    qsort_r(order, r->ndefs, sizeof *order, cmp_def, (void *)r);
    p3s_rbuf_puts(b, "| Severity | Finding | Services | Remediation |\n|---|---|---:|---|\n");
    for (uint32_t i = 0; i < r->ndefs; i++) {
        const struct p3s_rp_def *d = &r->defs[order[i]];
        p3s_rbuf_printf(b, "| %s | ", P3S_RP_SEVS[d->sev]);
        md(b, r, d->id);
        if (d->title != P3S_NONE) {
            p3s_rbuf_puts(b, ": ");
            md(b, r, d->title);
        }
        p3s_rbuf_printf(b, " | %zu | ", d->services);
        if (d->remediation != P3S_NONE)
            md(b, r, d->remediation);
        p3s_rbuf_puts(b, " |\n");
    }
    p3s_rbuf_puts(b, "\n");
    free(order);
}

static void more(struct p3s_rbuf *b, size_t left, const char *what)
{
    if (left)
        p3s_rbuf_printf(b, "\n*%zu more %s are in the HTML report and the JSONL.*\n", left, what);
    p3s_rbuf_puts(b, "\n");
}

/* One row per finding, the most severe first, in the records' order within a severity. */
static void finding_rows(struct p3s_rbuf *b, const struct p3s_report *r, const uint32_t *order,
                         size_t limit)
{
    size_t total = 0, shown = 0;
    for (int s = 0; s < P3S_RP_NSEVS; s++)
        total += r->findings_by_sev[s];
    if (!total)
        return;
    p3s_rbuf_puts(b, "## Findings\n\n| Severity | Finding | Service | Evidence |\n"
                     "|---|---|---|---|\n");
    for (int sev = P3S_RP_NSEVS - 1; sev >= 0; sev--) {
        for (size_t k = 0; k < r->nrecs; k++) {
            const struct p3s_rp_rec *x = &r->recs[order[k]];
            if (x->fset == P3S_NONE || x->maxsev < sev + 1)
                continue;
            size_t n;
            const char *seq = p3s_pool_get(&r->fsets, x->fset, &n);
            for (size_t i = 0; i + 8 <= n; i += 8) {
                uint32_t def, ev;
                memcpy(&def, seq + i, 4);
                memcpy(&ev, seq + i + 4, 4);
                if (r->defs[def].sev != sev)
                    continue;
                if (limit && shown >= limit)
                    continue;
                shown++;
                p3s_rbuf_printf(b, "| %s | ", P3S_RP_SEVS[sev]);
                md(b, r, r->defs[def].id);
                p3s_rbuf_puts(b, " | ");
                service(b, r, x);
                p3s_rbuf_puts(b, " | ");
                if (ev != P3S_NONE)
                    md(b, r, ev);
                p3s_rbuf_puts(b, " |\n");
            }
        }
    }
    more(b, total - shown, "findings");
}

static void changes(struct p3s_rbuf *b, const struct p3s_report *r, size_t limit)
{
    if (!r->nchanges)
        return;
    p3s_rbuf_printf(b, "## Changes since the last scan\n\n%zu change%s:", r->nchanges,
                    r->nchanges == 1 ? "" : "s");
    size_t nk;
    struct p3s_rp_pair *kinds = p3s_rp_pairs(r, &r->change_kinds, 0, &nk);
    for (size_t i = 0; i < nk; i++) {
        p3s_rbuf_puts(b, i ? ", " : " ");
        md(b, r, kinds[i].key);
        p3s_rbuf_printf(b, " %u", kinds[i].count);
    }
    free(kinds);
    p3s_rbuf_puts(b, ".\n\n| Change | Service | Before | After |\n|---|---|---|---|\n");
    size_t shown = 0;
    for (size_t k = 0; k < r->nchanges && (!limit || shown < limit); k++, shown++) {
        const struct p3s_rp_change *c = &r->changes[k];
        struct p3s_rp_rec x;
        memset(&x, 0, sizeof x);
        x.target = c->target;
        x.ip = c->ip;
        x.port = c->port;
        x.tls = c->tls;
        p3s_rbuf_puts(b, "| ");
        md(b, r, c->kind);
        p3s_rbuf_puts(b, " | ");
        service(b, r, &x);
        p3s_rbuf_puts(b, " | ");
        if (c->old != P3S_NONE)
            md(b, r, c->old);
        p3s_rbuf_puts(b, " | ");
        if (c->neu != P3S_NONE)
            md(b, r, c->neu);
        if (c->note != P3S_NONE) {
            p3s_rbuf_puts(b, c->neu != P3S_NONE ? " (" : "(");
            md(b, r, c->note);
            p3s_rbuf_puts(b, ")");
        }
        p3s_rbuf_puts(b, " |\n");
    }
    more(b, r->nchanges - shown, "changes");
}

static void products(struct p3s_rbuf *b, const struct p3s_report *r, size_t limit)
{
    if (!r->by_state[0])
        return;
    size_t n;
    struct p3s_rp_pair *pairs = p3s_rp_pairs(r, &r->products, 1, &n);
    p3s_rbuf_puts(b, "## POP3 services by product\n\n| Product | Services |\n|---|---:|\n");
    size_t shown = 0;
    for (; shown < n && (!limit || shown < limit); shown++) {
        p3s_rbuf_puts(b, "| ");
        md(b, r, pairs[shown].key);
        p3s_rbuf_printf(b, " | %u |\n", pairs[shown].count);
    }
    if (r->unidentified)
        p3s_rbuf_printf(b, "| *not identified* | %zu |\n", r->unidentified);
    more(b, n - shown, "products");
    free(pairs);
}

static void meta_line(struct p3s_rbuf *b, const struct p3s_report *r, const char *key,
                      const char *label)
{
    struct p3s_rbuf v = {0};
    if (p3s_rp_meta(r, key, &v)) {
        p3s_rbuf_printf(b, "- %s: ", label);
        p3s_esc_md(b, v.p ? v.p : "", v.n);
        p3s_rbuf_puts(b, "\n");
    }
    p3s_rbuf_free(&v);
}

static void how(struct p3s_rbuf *b, const struct p3s_report *r, const struct p3s_report_opts *o)
{
    p3s_rbuf_puts(b, "## How the scan ran\n\n");
    meta_line(b, r, "command", "Command");
    meta_line(b, r, "started", "Started");
    meta_line(b, r, "ended", "Ended");
    double ms = p3s_rp_elapsed_ms(r);
    if (ms >= 0)
        p3s_rbuf_printf(b, "- Duration: %.2f s\n", ms / 1000);
    meta_line(b, r, "status", "Status");
    meta_line(b, r, "id", "Scan id");
    meta_line(b, r, "version", "pop3scan version");
    meta_line(b, r, "sources", "Read from");
    char when[40];
    p3s_rp_fmt_time((int64_t)o->now, when, sizeof when);
    p3s_rbuf_printf(b, "- Report written: %s by pop3scan %s\n", when, P3S_VERSION);
}

int p3s_report_write_markdown(struct p3s_report *r, FILE *fp, const struct p3s_report_opts *o)
{
    struct p3s_rbuf b = {0}, t = {0};
    const char *title = o->title && *o->title ? o->title : "POP3 exposure report";
    p3s_display(&t, title, strlen(title), 200);
    p3s_rbuf_puts(&b, "# ");
    p3s_esc_md(&b, t.p, t.n);
    p3s_rbuf_free(&t);
    char when[40];
    p3s_rp_fmt_time(p3s_rp_now(r, o), when, sizeof when);
    p3s_rbuf_printf(&b, "\n\n%zu record%s as of %s, by pop3scan.\n\n", r->nrecs,
                    r->nrecs == 1 ? "" : "s", when);
    summary(&b, r);
    kinds(&b, r);
    uint32_t *order = p3s_rp_sorted(r);
    finding_rows(&b, r, order, o->md_rows);
    free(order);
    changes(&b, r, o->md_rows);
    products(&b, r, o->md_rows);
    how(&b, r, o);
    int rc = p3s_rbuf_flush(&b, fp);
    p3s_rbuf_free(&b);
    return rc < 0 || fflush(fp) != 0 ? -1 : 0;
}
