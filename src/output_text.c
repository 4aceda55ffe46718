/* output_text.c — the human format: a line per port, details indented under POP3 services, a
 * summary at the end. Colour is ours only (never the server's): every server byte goes through
 * p3s_fputs_term(), which escapes control bytes and ESC.
 */
#include <stdio.h>
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

static void put_server(struct p3s_output *o, const char *p, size_t n)
{
    fputc('"', o->fp);
    p3s_fputs_term(o->fp, p, n);
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
        p3s_fputs_term(o->fp, l->v[i].p, l->v[i].n);
    }
    fputc('\n', o->fp);
}

static void put_address(struct p3s_output *o, const struct p3s_record *r)
{
    int v6 = strchr(r->target, ':') != NULL;
    fputs(v6 ? "[" : "", o->fp);
    p3s_fputs_term(o->fp, r->target, strlen(r->target));
    fputs(v6 ? "]" : "", o->fp);
    if (r->ip[0] && strcmp(r->ip, r->target) != 0)
        fprintf(o->fp, " (%s)", r->ip);
    if (r->port)
        fprintf(o->fp, ":%u", r->port);
    fputs(r->implicit_tls ? " tls  " : "  ", o->fp);
}

static void put_details(struct p3s_output *o, const struct p3s_record *r)
{
    put_list(o, "capabilities:", &r->capa);
    put_list(o, r->implicit_tls ? "capabilities:" : "after STLS:", &r->capa_tls);
    if (r->tls_version[0])
        fprintf(o->fp, "    %-18s%s %s (%s)\n", "tls:", r->tls_version, r->tls_cipher,
                r->implicit_tls ? "implicit" : "after STLS");
    if (r->tls_error) {
        fprintf(o->fp, "    %-18s", "tls error:");
        p3s_fputs_term(o->fp, r->tls_error, strlen(r->tls_error));
        fputc('\n', o->fp);
    }
    if (!r->implicit_tls && r->login_accepted != P3S_UNKNOWN) {
        fprintf(o->fp, "    %-18s%s, %s ", "cleartext login:",
                r->login_advertised ? "advertised" : "not advertised",
                r->login_accepted == P3S_YES ? "accepted" : "refused");
        put_server(o, r->user_reply.p, r->user_reply.n);
        fputc('\n', o->fp);
    }
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct p3s_finding *f = &r->findings[i];
        char sev[16];
        snprintf(sev, sizeof sev, "%-6s", p3s_severity_name(f->def->severity));
        fputs("    ", o->fp);
        paint(o, severity_colour(f->def->severity), sev);
        fprintf(o->fp, " %-22s %s: ", f->def->id, f->def->title);
        put_server(o, f->evidence, f->evidence_len);
        fputc('\n', o->fp);
    }
}

static int text_begin(struct p3s_output *o)
{
    (void)o;
    return 0;
}

static int text_record(struct p3s_output *o, const struct p3s_record *r)
{
    put_address(o, r);
    paint(o, state_colour(r->state), p3s_state_name(r->state));
    if (r->state == P3S_STATE_POP3)
        fprintf(o->fp, " (%s)", r->confirmed ? "confirmed" : "probable");
    else if (r->state == P3S_STATE_OTHER)
        fprintf(o->fp, " (looks like %s)", p3_service_name(r->service));
    if (r->greeting.p) {
        fputc(' ', o->fp);
        put_server(o, r->greeting.p, r->greeting.n);
    }
    if (r->error) {
        fputs(" — ", o->fp);
        p3s_fputs_term(o->fp, r->error, strlen(r->error));
    }
    fprintf(o->fp, " [%.0f ms]\n", r->total_ms);
    if (r->state == P3S_STATE_POP3)
        put_details(o, r);
    if (o->is_tty)
        fflush(o->fp);
    return 0;
}

static int text_end(struct p3s_output *o, const struct p3s_summary *s)
{
    fprintf(o->fp,
            "\n%zu target%s, %zu port%s scanned in %.2f s: %zu POP3 (%zu confirmed), %zu other "
            "service, %zu closed, %zu filtered, %zu timeout, %zu tls-error, %zu error\n",
            s->targets, s->targets == 1 ? "" : "s", s->records, s->records == 1 ? "" : "s",
            s->elapsed_ms / 1000.0, s->by_state[P3S_STATE_POP3], s->confirmed,
            s->by_state[P3S_STATE_OTHER], s->by_state[P3S_STATE_CLOSED],
            s->by_state[P3S_STATE_FILTERED], s->by_state[P3S_STATE_TIMEOUT],
            s->by_state[P3S_STATE_TLS_ERROR], s->by_state[P3S_STATE_ERROR]);
    fprintf(o->fp, "findings: %zu high, %zu medium, %zu low, %zu info\n",
            s->findings_by_severity[P3S_SEV_HIGH], s->findings_by_severity[P3S_SEV_MEDIUM],
            s->findings_by_severity[P3S_SEV_LOW], s->findings_by_severity[P3S_SEV_INFO]);
    return fflush(o->fp);
}

const struct p3s_output_module p3s_output_text = {"text", text_begin, text_record, text_end};
