/* findings.c — the findings catalog and its rules (see findings.h, docs/findings.md). */
#include "findings.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const struct p3s_finding_def P3S_FINDING_DETECTED = {
    "pop3-detected", P3S_SEV_INFO, "POP3 service detected",
    "Expose POP3 only where mail clients need it; prefer implicit TLS on port 995."};
const struct p3s_finding_def P3S_FINDING_CLEARTEXT = {
    "pop3-cleartext", P3S_SEV_MEDIUM, "POP3 on a cleartext port without STLS",
    "Offer STLS on port 110 or close it and serve POP3 over implicit TLS on 995 (RFC 8314)."};
const struct p3s_finding_def P3S_FINDING_PLAINTEXT_LOGIN = {
    "pop3-plaintext-login", P3S_SEV_HIGH, "Cleartext login accepted before TLS",
    "Refuse USER/PASS and SASL PLAIN/LOGIN before TLS (e.g. Dovecot disable_plaintext_auth = "
    "yes); RFC 2595 section 2.1."};
const struct p3s_finding_def P3S_FINDING_STLS_BROKEN = {
    "pop3-stls-broken", P3S_SEV_MEDIUM, "STLS advertised but the upgrade fails",
    "Fix the TLS configuration behind STLS (certificate, key, protocols) or stop advertising "
    "STLS."};
const struct p3s_finding_def P3S_FINDING_APOP = {
    "pop3-apop", P3S_SEV_LOW, "APOP (MD5 challenge-response) offered",
    "Disable APOP: it needs the password stored in the clear on the server and MD5 is broken "
    "(RFC 1939 section 7); use TLS with SASL instead."};

const struct p3s_finding_def *const P3S_FINDINGS[] = {
    &P3S_FINDING_DETECTED, &P3S_FINDING_CLEARTEXT, &P3S_FINDING_PLAINTEXT_LOGIN,
    &P3S_FINDING_STLS_BROKEN, &P3S_FINDING_APOP, NULL};

static void add(struct p3s_record *r, const struct p3s_finding_def *def, const char *ev,
                size_t n)
{
    if (r->nfindings >= P3S_MAX_FINDINGS)
        return;
    struct p3s_finding *f = &r->findings[r->nfindings++];
    f->def = def;
    f->evidence = p3s_xmalloc(n + 1);
    memcpy(f->evidence, ev, n);
    f->evidence[n] = '\0';
    f->evidence_len = n;
}

static void add_bytes(struct p3s_record *r, const struct p3s_finding_def *def,
                      const struct p3s_bytes *b)
{
    add(r, def, b->p ? b->p : "", b->p ? b->n : 0);
}

/* The capabilities listed before TLS, one per line, as the server sent them. */
static void add_capa_list(struct p3s_record *r, const struct p3s_finding_def *def)
{
    if (!r->capa.present) {
        if (r->capa_reply.n) /* raw server bytes: may hold NUL */
            add_bytes(r, def, &r->capa_reply);
        else
            add(r, def, "CAPA not answered", strlen("CAPA not answered"));
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->capa.n; i++)
        n += r->capa.v[i].n + 1;
    char *buf = p3s_xmalloc(n + 1), *p = buf;
    for (size_t i = 0; i < r->capa.n; i++) {
        memcpy(p, r->capa.v[i].p, r->capa.v[i].n);
        p += r->capa.v[i].n;
        *p++ = '\n';
    }
    add(r, def, buf, n ? n - 1 : 0);
    free(buf);
}

void p3s_findings_evaluate(struct p3s_record *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        free(r->findings[i].evidence);
    r->nfindings = 0;
    if (r->state != P3S_STATE_POP3)
        return;
    add_bytes(r, &P3S_FINDING_DETECTED, &r->greeting);
    if (!r->implicit_tls && !r->stls_advertised && r->service == P3_SVC_POP3)
        add_capa_list(r, &P3S_FINDING_CLEARTEXT);
    if (!r->implicit_tls && r->login_accepted == P3S_YES)
        add_bytes(r, &P3S_FINDING_PLAINTEXT_LOGIN, &r->user_reply);
    if (r->stls_advertised && r->stls_attempted && !r->stls_upgraded) {
        if (r->tls_error)
            add(r, &P3S_FINDING_STLS_BROKEN, r->tls_error, strlen(r->tls_error));
        else
            add_bytes(r, &P3S_FINDING_STLS_BROKEN, &r->stls_reply);
    }
    size_t start, len;
    if (r->greeting.p && p3_apop_timestamp(r->greeting.p, r->greeting.n, &start, &len))
        add(r, &P3S_FINDING_APOP, r->greeting.p + start, len);
}

const struct p3s_finding *p3s_record_finding(const struct p3s_record *r, const char *id)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].def->id, id) == 0)
            return &r->findings[i];
    return NULL;
}
