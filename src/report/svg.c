/* svg.c — the report's charts, drawn by pop3scan as inline SVG (no script, no library): bars
 * for findings by severity, products and TLS versions, columns for the certificate expiry
 * timeline, lines for the exposure over time.
 *
 * Labels that come from servers (product names and versions) are display form, cut to a width
 * that fits the chart and escaped for HTML text (inline SVG is parsed by the HTML parser); the
 * full label is in a <title> the browser shows on hover. Colours are classes, so the stylesheet
 * switches them for dark mode and print. Every bar carries data-label and data-value: the tests
 * read the figures back from the page.
 */
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "util.h"

#define W 360          /* viewBox width: a phone shows it at about its size */
#define ROW 26         /* bar chart row height */
#define LABEL_X 136    /* labels end here */
#define BAR_X 142      /* bars start here */
#define BAR_MAX 170    /* longest bar */
#define LABEL_CHARS 20 /* longer labels are cut (the title has them whole) */

struct bar {
    const char *label; /* display form */
    size_t len;
    double value;
    const char *cls;
};

static void text(struct p3s_rbuf *b, const char *s, size_t n)
{
    p3s_esc_html(b, s, n);
}

static void figure_open(struct p3s_rbuf *b, const char *id, const char *caption)
{
    p3s_rbuf_printf(b, "<figure class=\"chart\" id=\"chart-%s\"><figcaption>%s</figcaption>\n", id,
                    caption);
}

static void note(struct p3s_rbuf *b, const char *s)
{
    p3s_rbuf_printf(b, "<p class=\"chart-note\">%s</p>", s);
}

static void hbars(struct p3s_rbuf *b, const char *id, const char *caption, const struct bar *bars,
                  size_t n)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (bars[i].value > max)
            max = bars[i].value;
    figure_open(b, id, caption);
    int h = (int)n * ROW + 8;
    p3s_rbuf_printf(b, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n", W, h,
                    caption);
    for (size_t i = 0; i < n; i++) {
        const struct bar *x = &bars[i];
        int y = 4 + (int)i * ROW;
        double len = max > 0 ? x->value / max * BAR_MAX : 0;
        if (x->value > 0 && len < 2)
            len = 2; /* a bar that is not zero shows */
        p3s_rbuf_printf(b, "<g class=\"bar %s\" data-label=\"", x->cls);
        text(b, x->label, x->len);
        p3s_rbuf_printf(b, "\" data-value=\"%.0f\"><title>", x->value);
        text(b, x->label, x->len);
        p3s_rbuf_printf(b, ": %.0f</title><text class=\"lbl\" x=\"%d\" y=\"%d\">", x->value,
                        LABEL_X, y + 17);
        int cut;
        size_t k = p3s_cut_chars(x->label, x->len, LABEL_CHARS, &cut);
        text(b, x->label, k);
        if (cut)
            p3s_rbuf_puts(b, "\xe2\x80\xa6");
        p3s_rbuf_printf(b,
                        "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" rx=\"2\"/>"
                        "<text class=\"val\" x=\"%.1f\" y=\"%d\">%.0f</text></g>\n",
                        BAR_X, y + 4, len, BAR_X + len + 5, y + 17, x->value);
    }
    p3s_rbuf_puts(b, "</svg>");
}

void p3s_svg_findings(struct p3s_rbuf *b, const struct p3s_report *r)
{
    struct bar bars[P3S_RP_NSEVS];
    static const char *const CLS[] = {"sev-info", "sev-low", "sev-medium", "sev-high"};
    for (int i = 0; i < P3S_RP_NSEVS; i++) {
        int sev = P3S_RP_NSEVS - 1 - i; /* high first */
        bars[i] = (struct bar){P3S_RP_SEVS[sev], strlen(P3S_RP_SEVS[sev]),
                               (double)r->findings_by_sev[sev], CLS[sev]};
    }
    hbars(b, "findings", "Findings by severity", bars, P3S_RP_NSEVS);
    p3s_rbuf_puts(b, "</figure>\n");
}

#define TOP_PRODUCTS 10

void p3s_svg_products(struct p3s_rbuf *b, const struct p3s_report *r)
{
    size_t n;
    struct p3s_rp_pair *pairs = p3s_rp_pairs(r, &r->products, 1, &n);
    struct bar bars[TOP_PRODUCTS + 2];
    size_t nb = 0, rest = 0, rest_kinds = 0;
    for (size_t i = 0; i < n; i++) {
        if (nb < TOP_PRODUCTS) {
            size_t len;
            const char *s = p3s_rp_str(r, pairs[i].key, &len);
            bars[nb++] = (struct bar){s, len, pairs[i].count, "prod"};
        } else {
            rest += pairs[i].count;
            rest_kinds++;
        }
    }
    char other[64];
    if (rest_kinds) {
        snprintf(other, sizeof other, "%zu other products", rest_kinds);
        bars[nb++] = (struct bar){other, strlen(other), (double)rest, "prod-other"};
    }
    if (r->unidentified)
        bars[nb++] = (struct bar){"not identified", 14, (double)r->unidentified, "prod-none"};
    if (nb == 0) {
        figure_open(b, "products", "POP3 services by product and version");
        note(b, "No POP3 service was found.");
    } else {
        hbars(b, "products", "POP3 services by product and version", bars, nb);
    }
    p3s_rbuf_puts(b, "</figure>\n");
    free(pairs);
}

void p3s_svg_tls(struct p3s_rbuf *b, const struct p3s_report *r)
{
    struct bar bars[P3S_RP_NPROTOS];
    for (int i = 0; i < P3S_RP_NPROTOS; i++) {
        int v = P3S_RP_NPROTOS - 1 - i; /* newest first */
        bars[i] = (struct bar){P3S_RP_PROTOS[v], strlen(P3S_RP_PROTOS[v]),
                               (double)r->tls_accepted[v], v < 3 ? "tls-weak" : "tls-ok"};
    }
    if (r->tls_probed == 0) {
        figure_open(b, "tls", "TLS versions accepted");
        note(b, "No POP3 service had its TLS versions probed (no TLS, or --no-tls-versions).");
    } else {
        hbars(b, "tls", "TLS versions accepted", bars, P3S_RP_NPROTOS);
        p3s_rbuf_printf(b,
                        "<p class=\"chart-note\">Services that accepted each version, of %zu "
                        "whose versions were probed; SSLv3, TLS 1.0 and 1.1 are weak.</p>",
                        r->tls_probed);
    }
    p3s_rbuf_puts(b, "</figure>\n");
}

/* ---- certificate expiry: a column per month, a year back to two years ahead --------------- */

#define MONTH_S 2629800 /* 30.4375 days */
#define BACK 12
#define AHEAD 24
#define COLS (BACK + AHEAD + 2) /* and one for earlier, one for later */

void p3s_svg_expiry(struct p3s_rbuf *b, const struct p3s_report *r, int64_t now)
{
    size_t cols[COLS] = {0}, expired = 0, soon = 0, later = 0, max = 0;
    for (size_t i = 0; i < r->nrecs; i++) {
        int64_t end = r->recs[i].cert_end;
        if (end == P3S_RP_NO_TIME)
            continue;
        int64_t d = end - now;
        int64_t m = d >= 0 ? d / MONTH_S : -((-d + MONTH_S - 1) / MONTH_S); /* floor */
        int c = m < -BACK ? 0 : m >= AHEAD ? COLS - 1 : (int)(m + BACK + 1);
        cols[c]++;
        expired += d < 0;
        soon += d >= 0 && d < 30 * 86400;
        later += d >= 30 * 86400;
    }
    for (int c = 0; c < COLS; c++)
        if (cols[c] > max)
            max = cols[c];
    figure_open(b, "expiry", "Certificate expiry timeline");
    if (r->with_cert == 0) {
        note(b, "No certificate was seen.");
        p3s_rbuf_puts(b, "</figure>\n");
        return;
    }
    const int left = 14, colw = 8, top = 8, hmax = 110, base = top + hmax;
    p3s_rbuf_printf(b,
                    "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Certificates by the "
                    "month they end\">\n",
                    W, base + 34);
    p3s_rbuf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left,
                    base, left + COLS * colw, base);
    for (int c = 0; c < COLS; c++) {
        const char *cls = c <= BACK ? "exp-past" : c == BACK + 1 ? "exp-soon" : "exp-ok";
        char from[32], to[32], range[96];
        int64_t m = c - BACK - 1;
        p3s_rp_fmt_time(now + m * MONTH_S, from, sizeof from);
        p3s_rp_fmt_time(now + (m + 1) * MONTH_S, to, sizeof to);
        if (c == 0)
            snprintf(range, sizeof range, "before %.10s", to);
        else if (c == COLS - 1)
            snprintf(range, sizeof range, "from %.10s on", from);
        else
            snprintf(range, sizeof range, "%.10s to %.10s", from, to);
        double h = max ? (double)cols[c] / (double)max * hmax : 0;
        if (cols[c] && h < 2)
            h = 2;
        p3s_rbuf_printf(b,
                        "<g class=\"bar %s\" data-label=\"%s\" data-value=\"%zu\"><title>%s: "
                        "%zu</title><rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/></g>\n",
                        cls, range, cols[c], range, cols[c], left + c * colw + 1, base - h,
                        colw - 2, h);
    }
    /* the axis: today, a year back, one and two years ahead; the end columns are open-ended */
    static const struct {
        int col;
        const char *label;
    } TICKS[] = {{1, "\xe2\x88\x92" "1 y"}, {BACK + 1, "today"}, {BACK + 13, "+1 y"},
                 {BACK + 25, "+2 y"}};
    for (size_t i = 0; i < sizeof TICKS / sizeof TICKS[0]; i++) {
        int x = left + TICKS[i].col * colw;
        p3s_rbuf_printf(b,
                        "<line class=\"tick%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                        "<text class=\"tick-lbl\" x=\"%d\" y=\"%d\">%s</text>\n",
                        TICKS[i].col == BACK + 1 ? " today" : "", x, top, x, base + 4, x,
                        base + 18, TICKS[i].label);
    }
    p3s_rbuf_printf(b, "<text class=\"tick-lbl\" x=\"%d\" y=\"%d\">earlier</text>", left + 6,
                    base + 32);
    p3s_rbuf_printf(b, "<text class=\"tick-lbl\" x=\"%d\" y=\"%d\">later</text>",
                    left + COLS * colw - 8, base + 32);
    p3s_rbuf_puts(b, "</svg>");
    char when[32];
    p3s_rp_fmt_time(now, when, sizeof when);
    p3s_rbuf_printf(b,
                    "<p class=\"chart-note\">Services by the month their certificate ends, as of "
                    "%s: <span class=\"exp-n\" id=\"exp-expired\">%zu</span> expired, "
                    "<span class=\"exp-n\" id=\"exp-soon\">%zu</span> within 30 days, "
                    "<span class=\"exp-n\" id=\"exp-later\">%zu</span> later.</p>",
                    when, expired, soon, later);
    p3s_rbuf_puts(b, "</figure>\n");
}

/* ---- exposure over time: POP3 services and high findings per scan ------------------------- */

void p3s_svg_history(struct p3s_rbuf *b, const struct p3s_report *r)
{
    figure_open(b, "history", "Exposure over time");
    if (r->nhist == 0) {
        note(b, "No earlier scan was given: the history of this scan's targets shows here "
                "(docs/report.md).");
        p3s_rbuf_puts(b, "</figure>\n");
        return;
    }
    size_t n = r->nhist + 1; /* the earlier scans, then this one */
    int64_t *svc = p3s_xmalloc(n * sizeof *svc), *high = p3s_xmalloc(n * sizeof *high);
    int64_t max = 1;
    for (size_t i = 0; i < n; i++) {
        svc[i] = i < r->nhist ? r->hist[i].services : (int64_t)r->by_state[0];
        high[i] = i < r->nhist ? r->hist[i].high : (int64_t)r->findings_by_sev[3];
        if (svc[i] > max)
            max = svc[i];
        if (high[i] > max)
            max = high[i];
    }
    const int left = 40, right = W - 12, top = 12, base = 140;
    double step = n > 1 ? (double)(right - left) / (double)(n - 1) : 0;
    p3s_rbuf_printf(b,
                    "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"POP3 services and high "
                    "findings per scan\">\n",
                    W, base + 40);
    p3s_rbuf_printf(b,
                    "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                    "<text class=\"tick-lbl\" x=\"%d\" y=\"%d\">%lld</text>"
                    "<text class=\"tick-lbl\" x=\"%d\" y=\"%d\">0</text>\n",
                    left, base, right, base, left - 22, top + 4, (long long)max, left - 22,
                    base + 4);
    static const char *const CLS[] = {"line-services", "line-high"};
    static const char *const NAME[] = {"POP3 services", "high findings"};
    for (int s = 0; s < 2; s++) {
        const int64_t *v = s ? high : svc;
        p3s_rbuf_printf(b, "<g class=\"%s\" data-label=\"%s\"><polyline points=\"", CLS[s],
                        NAME[s]);
        for (size_t i = 0; i < n; i++)
            if (v[i] >= 0)
                p3s_rbuf_printf(b, "%.1f,%.1f ", left + step * (double)i,
                                base - (double)v[i] / (double)max * (base - top));
        p3s_rbuf_puts(b, "\"/>");
        for (size_t i = 0; i < n; i++) {
            if (v[i] < 0)
                continue;
            size_t len = 0;
            const char *when = i < r->nhist && r->hist[i].label != P3S_NONE
                                   ? p3s_rp_str(r, r->hist[i].label, &len)
                                   : i < r->nhist ? "earlier scan" : "this scan";
            if (!len)
                len = strlen(when);
            p3s_rbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" data-value=\"%lld\"><title>",
                            left + step * (double)i,
                            base - (double)v[i] / (double)max * (base - top), (long long)v[i]);
            text(b, when, len);
            p3s_rbuf_printf(b, ": %lld %s</title></circle>", (long long)v[i], NAME[s]);
        }
        p3s_rbuf_puts(b, "</g>\n");
    }
    /* first and last scan under the axis */
    for (int end = 0; end < 2; end++) {
        size_t i = end ? n - 1 : 0, len = 0;
        const char *when = i < r->nhist && r->hist[i].label != P3S_NONE
                               ? p3s_rp_str(r, r->hist[i].label, &len)
                               : i < r->nhist ? "earlier scan" : "this scan";
        if (!len)
            len = strlen(when);
        int cut;
        size_t k = p3s_cut_chars(when, len, 20, &cut);
        p3s_rbuf_printf(b, "<text class=\"tick-lbl%s\" x=\"%.1f\" y=\"%d\">", end ? " end" : "",
                        left + step * (double)i, base + 16);
        text(b, when, k);
        p3s_rbuf_puts(b, "</text>");
    }
    p3s_rbuf_printf(b,
                    "<g class=\"legend\"><rect class=\"line-services\" x=\"%d\" y=\"%d\" "
                    "width=\"12\" height=\"4\"/><text x=\"%d\" y=\"%d\">POP3 services</text>"
                    "<rect class=\"line-high\" x=\"%d\" y=\"%d\" width=\"12\" height=\"4\"/>"
                    "<text x=\"%d\" y=\"%d\">high findings</text></g>",
                    left, base + 28, left + 16, base + 33, left + 130, base + 28, left + 146,
                    base + 33);
    p3s_rbuf_puts(b, "</svg></figure>\n");
    free(svc);
    free(high);
}
