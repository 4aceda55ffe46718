/* output_text.c — the human format: a line per port, details indented under POP3 services, a
 * summary at the end. Colour is ours only (never the server's): every server byte goes through
 * p3s_fputs_term(), which escapes control bytes and ESC. Where the locale is not UTF-8 (o->ascii)
 * every byte written is ASCII: our own dash becomes "-", and a server's non-ASCII bytes "\xHH",
 * since a terminal in another charset would show UTF-8 as garbage, or take some of its bytes
 * for C1 controls.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "findings.h"
#include "output.h"

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define DIM "\033[2m"

static void paint(struct p3s_output *o, const char *colour, const char *text)
{
    if (o->color)
        fprintf(o->fp, "%s%s%s", colour, text, RESET);
    else
        fputs(text, o->fp);
}

static const char *state_colour(enum p3s_state st)
{
    switch (st) {
    case P3S_STATE_POP3:
        return GREEN BOLD;
    case P3S_STATE_OTHER:
        return YELLOW;
    case P3S_STATE_CLOSED:
    case P3S_STATE_FILTERED:
        return DIM;
    default:
        return RED;
    }
}

static const char *severity_colour(enum p3s_severity sev)
{
    static const char *const colours[] = {DIM, CYAN, YELLOW, RED BOLD};
    return colours[sev];
}

/* Server bytes, escaped for a terminal; in ASCII mode its non-ASCII bytes too. */
static void put_term(struct p3s_output *o, const char *p, size_t n)
{
    if (!o->ascii) {
        p3s_fputs_term(o->fp, p, n);
        return;
    }
    char buf[1024];
    for (size_t at = 0; at < n;) {
        size_t k = n - at < 200 ? n - at : 200; /* escaped, at most 5 bytes each */
        /* Whole UTF-8 sequences only, so none is cut in two between chunks. */
        while (k < n - at && k > 0 && ((unsigned char)p[at + k] & 0xc0) == 0x80)
            k--;
        if (k == 0)
            k = n - at < 200 ? n - at : 200;
        size_t len = p3s_escape_term(p + at, k, buf, sizeof buf);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)buf[i];
            if (c < 0x80)
                fputc(c, o->fp);
            else
                fprintf(o->fp, "\\x%02x", c);
        }
        at += k;
    }
}

static void put_server(struct p3s_output *o, const char *p, size_t n)
{
    fputc('"', o->fp);
    put_term(o, p, n);
    fputc('"', o->fp);
}

static void put_list(struct p3s_output *o, const char *label, const struct p3s_list *l)
{
    if (!l->present)
        return;
    fprintf(o->fp, "    %-18s", label);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            fputs(" | ", o->fp);
        put_term(o, l->v[i].p, l->v[i].n);
    }
    fputc('\n', o->fp);
}

static void put_address(struct p3s_output *o, const struct p3s_record *r)
{
    int v6 = strchr(r->target, ':') != NULL;
    fputs(v6 ? "[" : "", o->fp);
    put_term(o, r->target, strlen(r->target));
    fputs(v6 ? "]" : "", o->fp);
    if (r->ip[0] && strcmp(r->ip, r->target) != 0)
        fprintf(o->fp, " (%s)", r->ip);
    if (r->port)
        fprintf(o->fp, ":%u", r->port);
    fputs(r->implicit_tls ? " tls  " : "  ", o->fp);
}

/* A C string that came from the server (or was derived from its bytes), escaped. */
static void put_str(struct p3s_output *o, const char *s)
{
    put_term(o, s, strlen(s));
}

/* "label:  text\n" for a server-derived text; nothing when it is empty. */
static void put_line(struct p3s_output *o, const char *label, const char *s)
{
    if (!s || !*s)
        return;
    fprintf(o->fp, "    %-18s", label);
    put_str(o, s);
    fputc('\n', o->fp);
}

static const struct p3fp_match *product_of(const struct p3s_record *r)
{
    return r->product && r->product->rule_id ? r->product : NULL;
}

/* "Dovecot 2.3.19 (Debian) [cpe:2.3:a:dovecot:dovecot:2.3.19:*:*:*:*:*:*:*]": the vendor is left
 * out when the product name already starts with it. Only a server that names itself is shown
 * as a plain fact: anything less says so first ("likely", "guess"). */
static void put_product(struct p3s_output *o, const struct p3fp_match *m)
{
    if (m->confidence != P3FP_CONF_CERTAIN)
        fprintf(o->fp, "%s: ", p3fp_confidence_name(m->confidence));
    size_t vlen = strlen(m->vendor);
    if (vlen && strncmp(m->product, m->vendor, vlen) != 0) {
        put_str(o, m->vendor);
        fputc(' ', o->fp);
    }
    if (o->color)
        fputs(BOLD, o->fp);
    put_str(o, m->product);
    if (m->version[0]) {
        fputc(' ', o->fp);
        put_str(o, m->version);
    }
    if (o->color)
        fputs(RESET, o->fp);
    if (m->os[0]) {
        fputs(" (", o->fp);
        put_str(o, m->os);
        fputc(')', o->fp);
    }
    if (m->cpe[0]) {
        fputs(" [", o->fp);
        put_str(o, m->cpe);
        fputc(']', o->fp);
    }
}

/* The versions the probes found accepted, weak ones marked; then those refused and those whose
 * support stays unknown (not offered by this OpenSSL, timed out, failed). */
static void put_tls_versions(struct p3s_output *o, const struct p3s_record *r)
{
    int probed = 0;
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        probed |= r->tls_proto[i] >= 0;
    if (!probed)
        return;
    fprintf(o->fp, "    %-18s", "tls versions:");
    int n = 0;
    for (int i = 0; i < P3S_PROTO_COUNT; i++) {
        if (r->tls_proto[i] != P3S_TLSPROBE_ACCEPTED)
            continue;
        fputs(n++ ? ", " : "", o->fp);
        fputs(P3S_TLS_PROTOS[i].label, o->fp);
        if (P3S_TLS_PROTOS[i].weak) {
            fputc(' ', o->fp);
            paint(o, YELLOW, "(weak)");
        }
    }
    if (!n)
        fputs("none accepted", o->fp);
    static const struct {
        int result;
        const char *label;
    } others[] = {{P3S_TLSPROBE_REFUSED, "refused"},
                  {P3S_TLSPROBE_UNSUPPORTED, "not offered by this OpenSSL"},
                  {P3S_TLSPROBE_TIMEOUT, "timed out"},
                  {P3S_TLSPROBE_ERROR, "not tried"}};
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
        int m = 0;
        for (int i = 0; i < P3S_PROTO_COUNT; i++) {
            if (r->tls_proto[i] != others[k].result)
                continue;
            if (m++)
                fprintf(o->fp, ", %s", P3S_TLS_PROTOS[i].label);
            else
                fprintf(o->fp, "; %s: %s", others[k].label, P3S_TLS_PROTOS[i].label);
        }
    }
    fputc('\n', o->fp);
}

static void put_cert(struct p3s_output *o, const struct p3s_certinfo *ci)
{
    if (!ci->present) {
        fprintf(o->fp, "    %-18s", "certificate:");
        paint(o, YELLOW, "none sent");
        fputc('\n', o->fp);
        return;
    }
    put_line(o, "certificate:", ci->subject);
    put_line(o, "issuer:", ci->issuer);
    fprintf(o->fp, "    %-18s", "valid:");
    put_str(o, ci->not_before);
    fputs(" to ", o->fp);
    put_str(o, ci->not_after);
    if (ci->expired) {
        fputc(' ', o->fp);
        paint(o, RED, "(expired)");
    } else if (ci->not_yet_valid) {
        fputc(' ', o->fp);
        paint(o, RED, "(not yet valid)");
    }
    fputc('\n', o->fp);
    if (ci->nsans) {
        fprintf(o->fp, "    %-18s", "names:");
        size_t shown = ci->nsans < 8 ? ci->nsans : 8;
        for (size_t i = 0; i < shown; i++) {
            fputs(i ? ", " : "", o->fp);
            put_str(o, ci->sans[i]);
        }
        if (ci->nsans > shown || ci->sans_truncated)
            fprintf(o->fp, " (+%zu%s more)", ci->nsans - shown, ci->sans_truncated ? "+" : "");
        fputc('\n', o->fp);
    }
    if (ci->key_type[0]) {
        fprintf(o->fp, "    %-18s", "key:");
        put_str(o, ci->key_type);
        if (ci->key_bits > 0)
            fprintf(o->fp, " %d-bit", ci->key_bits);
        if (ci->sig_alg[0]) {
            fputs(", ", o->fp);
            put_str(o, ci->sig_alg);
        }
        fputc('\n', o->fp);
    }
    char problems[1024];
    if (p3s_tls_cert_problems(ci, problems, sizeof problems)) {
        fprintf(o->fp, "    %-18s", "cert problems:");
        if (o->color)
            fputs(YELLOW, o->fp);
        put_str(o, problems);
        if (o->color)
            fputs(RESET, o->fp);
        fputc('\n', o->fp);
    }
}

static void put_ntlm_name(struct p3s_output *o, int *n, const char *label, const char *name)
{
    if (!name[0])
        return;
    fprintf(o->fp, "%s%s ", (*n)++ ? ", " : "", label);
    put_str(o, name);
}

static void put_ntlm(struct p3s_output *o, const struct p3s_record *r)
{
    if (r->ntlm_state == P3S_NTLM_NOT_TRIED)
        return;
    if (r->ntlm_state == P3S_NTLM_REFUSED || !r->ntlm) {
        fprintf(o->fp, "    %-18s%s\n", "ntlm:", "AUTH NTLM refused");
        return;
    }
    const struct p3ntlm_info *ni = r->ntlm;
    fprintf(o->fp, "    %-18s", "ntlm:");
    int n = 0;
    put_ntlm_name(o, &n, "target", ni->target_name);
    put_ntlm_name(o, &n, "computer", ni->nb_computer);
    put_ntlm_name(o, &n, "domain", ni->nb_domain);
    put_ntlm_name(o, &n, "dns computer", ni->dns_computer);
    put_ntlm_name(o, &n, "dns domain", ni->dns_domain);
    put_ntlm_name(o, &n, "forest", ni->dns_tree);
    if (!n)
        fputs("no names disclosed", o->fp);
    if (r->ntlm_error) {
        fputs(n ? " (decoding stopped: " : " (", o->fp);
        put_str(o, r->ntlm_error);
        fputc(')', o->fp);
    }
    fputc('\n', o->fp);
    if (ni->has_version) {
        const char *os = p3ntlm_os_name(ni->os_major, ni->os_minor, ni->os_build);
        fprintf(o->fp, "    %-18s%s%s%u.%u.%u%s\n", "ntlm os:", os ? os : "", os ? " (" : "",
                ni->os_major, ni->os_minor, ni->os_build, os ? ")" : "");
    }
}

/* "identified by:  rule cyrus (greeting, capa), certain; conflicts with rule x (Vendor Name)" */
static void put_evidence(struct p3s_output *o, const struct p3fp_match *m)
{
    fprintf(o->fp, "    %-18srule %s (", "identified by:", m->rule_id);
    const char *sep = "";
    for (int i = 0; i < P3FP_SRC_COUNT; i++)
        if (m->sources & 1u << i) {
            fprintf(o->fp, "%s%s", sep, p3fp_source_name(i));
            sep = ", ";
        }
    fprintf(o->fp, "), %s", p3fp_confidence_name(m->confidence));
    if (m->conflict_rule) {
        fprintf(o->fp, "; rule %s says ", m->conflict_rule);
        put_str(o, m->conflict_vendor);
        fputc(' ', o->fp);
        put_str(o, m->conflict_product);
    }
    fputc('\n', o->fp);
}

/* The STLS injection check, the lines no command asked for, and the findings withheld for it. */
static void put_out_of_step(struct p3s_output *o, const struct p3s_record *r)
{
    if (r->inject_tested) {
        fprintf(o->fp, "    %-18s", "stls injection:");
        if (r->inject == P3_INJ_VULNERABLE)
            paint(o, RED, "vulnerable");
        else
            fputs(r->inject == P3_INJ_NOT_VULNERABLE ? "not vulnerable" : "inconclusive",
                  o->fp);
        if (r->inject_detail) {
            fputs(" (", o->fp);
            put_str(o, r->inject_detail);
            fputc(')', o->fp);
        }
        fputc('\n', o->fp);
    }
    for (size_t i = 0; i < r->nunsolicited; i++) {
        const struct p3s_unsolicited *u = &r->unsolicited[i];
        fprintf(o->fp, "    %-18safter %s%s ", i ? "" : "unsolicited:", p3s_cmd_name(u->after),
                u->tls ? " (TLS)" : "");
        put_server(o, u->line.p, u->line.n);
        fputc('\n', o->fp);
    }
    for (size_t i = 0; i < r->nwithheld; i++) {
        fprintf(o->fp, "    %-18s%s: %s\n", i ? "" : "withheld:", r->withheld[i].def->id,
                r->withheld[i].reason);
    }
}

/* The column of finding ids: as wide as the longest id of the catalog, so that none runs
 * into its title whatever ids are added. */
static int id_width(void)
{
    static int width;
    if (!width)
        for (size_t i = 0; P3S_FINDINGS[i]; i++)
            if ((int)strlen(P3S_FINDINGS[i]->id) > width)
                width = (int)strlen(P3S_FINDINGS[i]->id);
    return width;
}

static void put_details(struct p3s_output *o, const struct p3s_record *r)
{
    const struct p3fp_match *m = product_of(r);
    if (m) {
        put_evidence(o, m);
        put_line(o, "host name:", m->host);
    }
    put_list(o, "capabilities:", &r->capa);
    put_list(o, r->implicit_tls ? "capabilities:" : "after STLS:", &r->capa_tls);
    if (r->tls_version[0]) {
        fprintf(o->fp, "    %-18s", "tls:");
        put_str(o, r->tls_version);
        fputc(' ', o->fp);
        put_str(o, r->tls_cipher);
        if (r->tls_cipher_bits > 0)
            fprintf(o->fp, " %d-bit", r->tls_cipher_bits);
        fprintf(o->fp, " (%s)\n", r->implicit_tls ? "implicit" : "after STLS");
    }
    if (r->tls_error) {
        fprintf(o->fp, "    %-18s", "tls error:");
        put_str(o, r->tls_error);
        fputc('\n', o->fp);
    }
    if (r->cert)
        put_cert(o, r->cert);
    put_tls_versions(o, r);
    put_ntlm(o, r);
    if (!r->implicit_tls && r->login_accepted != P3S_UNKNOWN) {
        fprintf(o->fp, "    %-18s%s, %s ", "cleartext login:",
                r->login_advertised ? "advertised" : "not advertised",
                r->login_accepted == P3S_YES ? "accepted" : "refused");
        put_server(o, r->user_reply.p, r->user_reply.n);
        fputc('\n', o->fp);
    }
    put_out_of_step(o, r);
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct p3s_finding *f = &r->findings[i];
        char sev[16];
        snprintf(sev, sizeof sev, "%-6s", p3s_severity_name(f->def->severity));
        fputs("    ", o->fp);
        paint(o, severity_colour(f->def->severity), sev);
        fprintf(o->fp, " %-*s %s: ", id_width(), f->def->id, f->def->title);
        put_server(o, f->evidence, f->evidence_len);
        fputc('\n', o->fp);
    }
}

/* --discover: the domain and the host the last record was under, so that a domain's records
 * (handed over together, grouped by host) come under one heading each. */
struct text_state {
    char *domain, *host;
};

static int text_begin(struct p3s_output *o)
{
    o->state = calloc(1, sizeof(struct text_state));
    return o->state ? 0 : -1;
}

static int same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void remember(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? strdup(s) : NULL;
}

/* "srv _pop3s._tcp.example.org (priority 10, weight 5, port 995, CNAME a -> b)"; the host the
 * way named is added when it is not the record's. */
static void put_way(struct p3s_output *o, const struct p3s_way *w, const char *target)
{
    fprintf(o->fp, "%s ", p3s_via_name(w->via));
    int set = w->via == P3S_VIA_MX || w->via == P3S_VIA_SRV;
    put_str(o, set ? w->query : w->host);
    if (set && strcmp(w->host, target) != 0) { /* merged with a host of another name */
        fputs(" -> ", o->fp);
        put_str(o, w->host);
    }
    int open = 0;
    if (w->via == P3S_VIA_SRV)
        open = fprintf(o->fp, " (priority %d, weight %d, port %d", w->priority, w->weight,
                       w->port) > 0;
    else if (w->via == P3S_VIA_MX)
        open = fprintf(o->fp, " (preference %d", w->priority) > 0;
    if (w->nchain > 1) {
        fputs(open ? ", CNAME " : " (CNAME ", o->fp);
        for (size_t i = 0; i < w->nchain; i++) {
            if (i)
                fputs(" -> ", o->fp);
            put_str(o, w->chain[i]);
        }
        open = 1;
    }
    if (open)
        fputc(')', o->fp);
}

/* The headings of a discovered record: its domain (with the domain's notes) when it changes,
 * then its host. */
static void put_discovery(struct p3s_output *o, struct text_state *st, const struct p3s_record *r)
{
    const struct p3s_discovery *d = r->discovery;
    if (!d) {
        remember(&st->domain, NULL);
        return;
    }
    if (!same(st->domain, d->domain)) {
        fputs("domain ", o->fp);
        put_str(o, d->domain);
        fputc('\n', o->fp);
        for (size_t i = 0; i < d->nnotes; i++) {
            fputs("  note: ", o->fp);
            put_str(o, d->notes[i]);
            fputc('\n', o->fp);
        }
        remember(&st->domain, d->domain);
        remember(&st->host, NULL);
    }
    if (same(st->host, r->target))
        return;
    fputs("  host ", o->fp);
    put_str(o, r->target);
    fputc('\n', o->fp);
    remember(&st->host, r->target);
}

/* Under a discovered record's line: every way its address and port were found. */
static void put_found_by(struct p3s_output *o, const struct p3s_record *r)
{
    const struct p3s_discovery *d = r->discovery;
    if (!d || !d->nways)
        return;
    fprintf(o->fp, "    %-18s", "found by:");
    for (size_t i = 0; i < d->nways; i++) {
        if (i)
            fputs("; ", o->fp);
        put_way(o, &d->ways[i], r->target);
    }
    fputc('\n', o->fp);
}

static int text_record(struct p3s_output *o, const struct p3s_record *r)
{
    struct text_state *st = o->state;
    put_discovery(o, st, r);
    if (r->discovery)
        fputs("  ", o->fp);
    put_address(o, r);
    paint(o, state_colour(r->state), p3s_state_name(r->state));
    if (r->state == P3S_STATE_POP3)
        fprintf(o->fp, " (%s)", r->confirmed ? "confirmed" : "probable");
    else if (r->state == P3S_STATE_OTHER)
        fprintf(o->fp, " (looks like %s)", p3_service_name(r->service));
    if (product_of(r)) {
        fputs("  ", o->fp);
        put_product(o, product_of(r));
    }
    if (r->greeting.p) {
        fputc(' ', o->fp);
        put_server(o, r->greeting.p, r->greeting.n);
    }
    if (r->error) {
        fputs(o->ascii ? " - " : " \u2014 ", o->fp);
        put_str(o, r->error);
    }
    if (r->tls_detected)
        fputs(" (TLS found on a cleartext port)", o->fp);
    fprintf(o->fp, " [%.0f ms]\n", r->total_ms);
    put_found_by(o, r);
    if (r->state == P3S_STATE_POP3)
        put_details(o, r);
    if (o->is_tty)
        fflush(o->fp);
    return 0;
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

void p3s_text_summary(FILE *fp, const struct p3s_summary *s, int open_only, const char *prefix)
{
    fprintf(fp,
            "%s%zu target%s, %zu port%s scanned in %.2f s: %zu POP3 (%zu confirmed), %zu other "
            "service, %zu closed, %zu filtered, %zu timeout, %zu tls-error, %zu error",
            prefix, s->targets, s->targets == 1 ? "" : "s", s->records,
            s->records == 1 ? "" : "s", s->elapsed_ms / 1000.0, s->by_state[P3S_STATE_POP3],
            s->confirmed, s->by_state[P3S_STATE_OTHER], s->by_state[P3S_STATE_CLOSED],
            s->by_state[P3S_STATE_FILTERED], s->by_state[P3S_STATE_TIMEOUT],
            s->by_state[P3S_STATE_TLS_ERROR], s->by_state[P3S_STATE_ERROR]);
    if (s->interrupted_records)
        fprintf(fp, ", %zu cut short", s->interrupted_records);
    fprintf(fp, "\n%sfindings: %zu high, %zu medium, %zu low, %zu info\n", prefix,
            s->findings_by_severity[P3S_SEV_HIGH], s->findings_by_severity[P3S_SEV_MEDIUM],
            s->findings_by_severity[P3S_SEV_LOW], s->findings_by_severity[P3S_SEV_INFO]);
    if (open_only && s->not_answered)
        fprintf(fp, "%snot shown: %zu port%s where no service answered (--all shows them)\n",
                prefix, s->not_answered, s->not_answered == 1 ? "" : "s");
    if (s->duplicates)
        fprintf(fp, "%snot scanned twice: %zu duplicate%s (the same address, port and "
                    "transport)\n",
                prefix, s->duplicates, s->duplicates == 1 ? "" : "s");
    if (s->unresolved) {
        fprintf(fp, "%sdid not resolve: ", prefix);
        size_t shown = s->unresolved < P3S_UNRESOLVED_SHOWN ? s->unresolved
                                                            : P3S_UNRESOLVED_SHOWN;
        for (size_t i = 0; i < shown; i++)
            fprintf(fp, "%s%s", i ? ", " : "", s->unresolved_names[i]);
        if (s->unresolved > shown)
            fprintf(fp, " and %zu more", s->unresolved - shown);
        fputc('\n', fp);
    }
    if (s->interrupted)
        fprintf(fp, "%sinterrupted by %s: targets not reached are not in the results\n",
                prefix, signal_name(s->interrupted));
}

static int text_end(struct p3s_output *o, const struct p3s_summary *s)
{
    struct text_state *st = o->state;
    if (st) {
        free(st->domain);
        free(st->host);
        free(st);
        o->state = NULL;
    }
    fputc('\n', o->fp);
    p3s_text_summary(o->fp, s, o->open_only, "");
    return fflush(o->fp);
}

const struct p3s_output_module p3s_output_text = {"text", text_begin, text_record, text_end};
