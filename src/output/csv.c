/* output_csv.c — `--format csv`: one row per record for spreadsheets (RFC 4180).
 *
 * A header row (unless appending to a non-empty file), then one row per record, CRLF line ends.
 * A field is quoted when it holds a comma, a double quote, CR or LF, with its quotes doubled.
 * Server bytes go through p3s_escape_term() first, so no control byte (C0, DEL, C1,
 * bidirectional override) and no invalid UTF-8 reaches the file; and a free-text field that
 * would start with '=', '+', '-' or '@' gets a leading "'" so a spreadsheet shows it as text
 * instead of evaluating it (CSV / formula injection). The columns and both rules are documented
 * in docs/output.md; JSONL stays the lossless format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "escape.h"
#include "grow.h"
#include "findings.h"
#include "output.h"
#include "util.h"

static const char HEADER[] = "target,ip,port,transport,state,confidence,service,vendor,product,"
                             "version,cpe,os,host,product_confidence,tls_version,tls_cipher,stls,"
                             "plaintext_login,findings,max_severity,greeting,error,timestamp,"
                             "discovered_via,discovery_domain,discovery_chain";

struct csv_state {
    char *buf; /* the row being built */
    size_t len, cap;
    char *esc; /* scratch for p3s_escape_term */
    size_t esc_cap;
    size_t fields; /* fields written in this row */
    int failed;
};

static int reserve(struct csv_state *s, size_t n)
{
    if (!s->failed && !p3s_grow(&s->buf, &s->cap, s->len, n))
        s->failed = 1;
    return !s->failed;
}

static void put(struct csv_state *s, const char *p, size_t n)
{
    if (reserve(s, n)) {
        memcpy(s->buf + s->len, p, n);
        s->len += n;
    }
}

/* Appends one field (the separator before it when it is not the first of the row). The text is
 * program text or already escaped: only the CSV quoting is applied here. formula_guard: prefix a
 * leading = + - @ with a quote. */
static void field_raw(struct csv_state *s, const char *p, size_t n, int formula_guard)
{
    if (s->fields++)
        put(s, ",", 1);
    int guard = formula_guard && n && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@');
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
    if (quote)
        put(s, "\"", 1);
    if (guard)
        put(s, "'", 1);
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && p[k] != '"')
            k++;
        put(s, p + i, k - i);
        if (k < n) {
            put(s, "\"\"", 2);
            k++;
        }
        i = k;
    }
    if (quote)
        put(s, "\"", 1);
}

/* A field of program text (fixed words, numbers). */
static void field(struct csv_state *s, const char *text)
{
    field_raw(s, text ? text : "", text ? strlen(text) : 0, 0);
}

/* A field of bytes that came from the server or from anything it influenced: escaped for a
 * terminal (no control byte, no invalid UTF-8), then guarded against formulas. */
static void field_server(struct csv_state *s, const char *p, size_t n)
{
    if (!p || !n) {
        field_raw(s, "", 0, 0);
        return;
    }
    /* p3s_escape_term writes at most 4 bytes per input byte ("\xHH"; a 2-byte C1 control
     * becomes the 8 bytes "\u{0080}"), plus the NUL. */
    size_t need = n * 4 + 1;
    if (need > s->esc_cap) {
        char *e = realloc(s->esc, need);
        if (!e) {
            s->failed = 1;
            return;
        }
        s->esc = e;
        s->esc_cap = need;
    }
    size_t len = p3s_escape_term(p, n, s->esc, s->esc_cap);
    field_raw(s, s->esc, len, 1);
}

static void field_server_str(struct csv_state *s, const char *str)
{
    field_server(s, str, str ? strlen(str) : 0);
}

static const char *stls_word(const struct p3s_record *r)
{
    if (r->implicit_tls || r->state != P3S_STATE_POP3)
        return "";
    if (r->stls_upgraded)
        return "upgraded";
    if (r->stls_attempted)
        return "failed";
    if (r->stls_advertised)
        return "advertised";
    return "none";
}

static const char *login_word(const struct p3s_record *r)
{
    if (r->implicit_tls || r->login_accepted == P3S_UNKNOWN)
        return "";
    return r->login_accepted == P3S_YES ? "true" : "false";
}

/* --discover: the ways ("srv mx"), the domain, and the CNAME chain of the first way ("a -> b");
 * names from DNS are escaped like server text (they are someone else's). */
static void discovery_fields(struct csv_state *s, const struct p3s_discovery *d)
{
    char via[64];
    p3s_output_via_text(d, " ", via, sizeof via);
    field(s, via);
    field_server_str(s, d ? d->domain : NULL);
    if (!d || !d->nways) {
        field(s, "");
        return;
    }
    size_t len = 1;
    for (size_t i = 0; i < d->ways[0].nchain; i++)
        len += strlen(d->ways[0].chain[i]) + 4;
    char *chain = malloc(len);
    if (!chain) {
        s->failed = 1;
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < d->ways[0].nchain; i++)
        at += (size_t)snprintf(chain + at, len - at, "%s%s", i ? " -> " : "", d->ways[0].chain[i]);
    chain[at] = '\0';
    field_server_str(s, chain);
    free(chain);
}

static void row(struct csv_state *s, const struct p3s_record *r)
{
    int reached = r->state == P3S_STATE_POP3 || r->state == P3S_STATE_OTHER || r->greeting.p;
    const struct p3fp_match *m = r->product && r->product->rule_id ? r->product : NULL;
    char port[8] = "";
    if (r->port)
        snprintf(port, sizeof port, "%u", r->port);

    /* The target is the user's, but may come from a list someone else wrote: treat it like
     * server text. The address is ours (inet_ntop). */
    s->fields = 0;
    field_server_str(s, r->target);
    field(s, r->ip);
    field(s, port);
    field(s, r->implicit_tls ? "tls" : "plain");
    field(s, p3s_state_name(r->state));
    field(s, r->state != P3S_STATE_POP3 ? "" : r->confirmed ? "confirmed" : "probable");
    field(s, reached ? p3_service_name(r->service) : "");
    field_server_str(s, m ? m->vendor : NULL);
    field_server_str(s, m ? m->product : NULL);
    field_server_str(s, m ? m->version : NULL);
    field_server_str(s, m ? m->cpe : NULL);
    field_server_str(s, m ? m->os : NULL);
    field_server_str(s, m ? m->host : NULL);
    field(s, m ? p3fp_confidence_name(m->confidence) : "");
    field_server_str(s, r->tls_version);
    field_server_str(s, r->tls_cipher);
    field(s, stls_word(r));
    field(s, login_word(r));

    /* Finding ids are the catalog's (program text): space-separated, quoted only if needed. */
    size_t ids = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        ids += strlen(r->findings[i].def->id) + 1;
    char *joined = malloc(ids + 1);
    if (!joined) {
        s->failed = 1;
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        size_t k = strlen(r->findings[i].def->id);
        if (at)
            joined[at++] = ' ';
        memcpy(joined + at, r->findings[i].def->id, k);
        at += k;
    }
    joined[at] = '\0';
    field(s, joined);
    free(joined);
    int max = p3s_record_max_severity(r);
    field(s, max < 0 ? "" : p3s_severity_name((enum p3s_severity)max));

    field_server(s, r->greeting.p, r->greeting.n);
    field_server_str(s, r->error);
    char when[P3S_RFC3339_LEN];
    p3s_rfc3339(r->started_ms, when);
    field(s, when);
    discovery_fields(s, r->discovery);
    put(s, "\r\n", 2);
}

/* Whether the output already holds something: --resume appends to the file of the interrupted
 * run, which has its header row already. */
static int appending(FILE *fp)
{
    struct stat st;
    return fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static int csv_begin(struct p3s_output *o)
{
    o->state = calloc(1, sizeof(struct csv_state));
    if (!o->state)
        return -1;
    if (appending(o->fp))
        return 0;
    if (fputs(HEADER, o->fp) == EOF || fputs("\r\n", o->fp) == EOF)
        return -1;
    return 0;
}

static int csv_record(struct p3s_output *o, const struct p3s_record *r)
{
    struct csv_state *s = o->state;
    s->len = 0;
    s->failed = 0;
    row(s, r);
    if (s->failed)
        return -1;
    return fwrite(s->buf, 1, s->len, o->fp) == s->len ? 0 : -1;
}

static int csv_end(struct p3s_output *o, const struct p3s_summary *sum)
{
    (void)sum;
    struct csv_state *s = o->state;
    if (s) {
        free(s->buf);
        free(s->esc);
        free(s);
    }
    o->state = NULL;
    return fflush(o->fp);
}

const struct p3s_output_module p3s_output_csv = {"csv", csv_begin, csv_record, csv_end};
