/* findings.c — the findings catalog and its rules (see findings.h, docs/findings.md). */
#include "findings.h"

#include <stdio.h>
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
const struct p3s_finding_def P3S_FINDING_STLS_INJECTION = {
    "pop3-stls-injection", P3S_SEV_HIGH,
    "STLS command injection: commands sent before TLS run inside it",
    "Update the server so that STLS discards every byte the client sent before the TLS "
    "handshake (Postfix fixed this as CVE-2011-0411, Cyrus as CVE-2011-1926); until then serve "
    "POP3 over implicit TLS on port 995."};
const struct p3s_finding_def P3S_FINDING_APOP = {
    "pop3-apop", P3S_SEV_LOW, "APOP (MD5 challenge-response) offered",
    "Disable APOP: it needs the password stored in the clear on the server and MD5 is broken "
    "(RFC 1939 section 7); use TLS with SASL instead."};

const struct p3s_finding_def P3S_FINDING_TLS_WEAK = {
    "pop3-tls-weak", P3S_SEV_MEDIUM, "Weak TLS: old protocol versions, cipher or key",
    "Accept TLS 1.2 and 1.3 only (e.g. Dovecot ssl_min_protocol = TLSv1.2), drop ciphers under "
    "128 bits, RC4, 3DES and export suites, and use RSA keys of 2048 bits or more (RFC 8996, "
    "RFC 8314 section 4.1)."};
const struct p3s_finding_def P3S_FINDING_TLS_CERT = {
    "pop3-tls-cert", P3S_SEV_LOW, "TLS certificate problem",
    "Serve a certificate from a trusted CA, currently valid, whose names include the host "
    "name mail clients use (RFC 7817 section 3)."};
const struct p3s_finding_def P3S_FINDING_VERSION_DISCLOSURE = {
    "pop3-version-disclosure", P3S_SEV_INFO, "Software version disclosed",
    "Set a greeting without product and version (e.g. Dovecot login_greeting, Cyrus "
    "popminpoll/serverinfo: off) so scanners cannot match the version to known flaws."};
const struct p3s_finding_def P3S_FINDING_NTLM_DISCLOSURE = {
    "pop3-ntlm-disclosure", P3S_SEV_LOW, "NTLM challenge discloses internal names",
    "Disable NTLM authentication on internet-facing POP3 (Exchange: remove it from the POP3 "
    "authentication methods) or put the service behind a proxy that does not pass it on."};

const struct p3s_finding_def *const P3S_FINDINGS[] = {
    &P3S_FINDING_DETECTED,    &P3S_FINDING_CLEARTEXT,
    &P3S_FINDING_PLAINTEXT_LOGIN, &P3S_FINDING_STLS_BROKEN,
    &P3S_FINDING_STLS_INJECTION, &P3S_FINDING_APOP,        &P3S_FINDING_TLS_WEAK,
    &P3S_FINDING_TLS_CERT,    &P3S_FINDING_VERSION_DISCLOSURE,
    &P3S_FINDING_NTLM_DISCLOSURE, NULL};

/* Adds a finding with n bytes of evidence (server bytes may hold NUL) in the record's memory,
 * a NUL after them; the evidence is the return value, for the caller to fill when ev is NULL. */
static char *add(struct p3s_record *r, const struct p3s_finding_def *def, const char *ev,
                 size_t n)
{
    if (r->nfindings >= P3S_MAX_FINDINGS)
        return NULL;
    if (!r->findings)
        r->findings = p3s_record_alloc(r, P3S_MAX_FINDINGS * sizeof *r->findings);
    struct p3s_finding *f = &r->findings[r->nfindings++];
    f->def = def;
    f->evidence = p3s_record_alloc(r, n + 1);
    if (ev)
        memcpy(f->evidence, ev, n);
    f->evidence[n] = '\0';
    f->evidence_len = n;
    return f->evidence;
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
    size_t n = 0; /* the lines with a newline between each two */
    for (size_t i = 0; i < r->capa.n; i++)
        n += r->capa.v[i].n + (i > 0);
    char *p = add(r, def, NULL, n);
    for (size_t i = 0; p && i < r->capa.n; i++) {
        if (i > 0)
            *p++ = '\n';
        memcpy(p, r->capa.v[i].p, r->capa.v[i].n);
        p += r->capa.v[i].n;
    }
}

static void add_text(struct p3s_record *r, const struct p3s_finding_def *def, const char *s)
{
    add(r, def, s, strlen(s));
}

static unsigned accepted_versions(const struct p3s_record *r)
{
    unsigned mask = 0;
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        if (r->tls_proto[i] == P3S_TLSPROBE_ACCEPTED)
            mask |= P3S_TLSV_BIT(i);
    return mask;
}

static void tls_findings(struct p3s_record *r)
{
    char buf[1024];
    if (!r->tls_version[0])
        return;
    if (p3s_tls_weaknesses(r->tls_version, r->tls_cipher, r->tls_cipher_bits, r->cert,
                           accepted_versions(r), buf, sizeof buf))
        add_text(r, &P3S_FINDING_TLS_WEAK, buf);
    if (r->cert && p3s_tls_cert_problems(r->cert, buf, sizeof buf))
        add_text(r, &P3S_FINDING_TLS_CERT, buf);
}

/* Whichever of the greeting and the IMPLEMENTATION line shows the version is the evidence. */
static void version_finding(struct p3s_record *r)
{
    const char *v = r->product ? r->product->version : "";
    size_t vn = strlen(v);
    if (!vn)
        return;
    if (r->greeting.p && memmem(r->greeting.p, r->greeting.n, v, vn)) {
        add_bytes(r, &P3S_FINDING_VERSION_DISCLOSURE, &r->greeting);
        return;
    }
    const struct p3s_list *lists[] = {&r->capa, &r->capa_tls};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++)
            if (memmem(lists[l]->v[i].p, lists[l]->v[i].n, v, vn)) {
                add_bytes(r, &P3S_FINDING_VERSION_DISCLOSURE, &lists[l]->v[i]);
                return;
            }
    char buf[3 * P3FP_FIELD_MAX];
    snprintf(buf, sizeof buf, "%s %s", r->product->product, v);
    add_text(r, &P3S_FINDING_VERSION_DISCLOSURE, buf);
}

static void append_name(char *buf, size_t cap, const char *label, const char *value)
{
    size_t n = strlen(buf);
    if (*value && n < cap)
        snprintf(buf + n, cap - n, "%s%s %s", n ? ", " : "", label, value);
}

static void ntlm_finding(struct p3s_record *r)
{
    const struct p3ntlm_info *t = r->ntlm;
    if (r->ntlm_state != P3S_NTLM_DECODED || !t)
        return;
    char buf[2048] = "";
    append_name(buf, sizeof buf, "NetBIOS computer", t->nb_computer);
    append_name(buf, sizeof buf, "NetBIOS domain", t->nb_domain);
    append_name(buf, sizeof buf, "DNS computer", t->dns_computer);
    append_name(buf, sizeof buf, "DNS domain", t->dns_domain);
    append_name(buf, sizeof buf, "DNS tree", t->dns_tree);
    if (t->has_version) {
        char os[160];
        const char *name = p3ntlm_os_name(t->os_major, t->os_minor, t->os_build);
        snprintf(os, sizeof os, "%u.%u.%u%s%s%s", t->os_major, t->os_minor, t->os_build,
                 name ? " (" : "", name ? name : "", name ? ")" : "");
        append_name(buf, sizeof buf, "OS", os);
    }
    if (buf[0])
        add_text(r, &P3S_FINDING_NTLM_DISCLOSURE, buf);
}

/* A finding the rules would give, not given: it rests on a reply of a session that was out of
 * step (lib/pop3/pop3.h), so the reply may belong to another command. */
static void withhold(struct p3s_record *r, const struct p3s_finding_def *def)
{
    if (r->nwithheld >= P3S_MAX_WITHHELD)
        return;
    if (!r->withheld)
        r->withheld = p3s_record_alloc(r, P3S_MAX_WITHHELD * sizeof *r->withheld);
    r->withheld[r->nwithheld].def = def;
    r->withheld[r->nwithheld].reason =
        "the server sent lines no command asked for, so the reply this rests on may answer "
        "another command";
    r->nwithheld++;
}

void p3s_findings_evaluate(struct p3s_record *r)
{
    r->nfindings = 0; /* evaluated again: the old evidence stays in the record's memory */
    r->nwithheld = 0;
    if (r->state != P3S_STATE_POP3)
        return;
    int out_of_step = r->nunsolicited > 0;
    add_bytes(r, &P3S_FINDING_DETECTED, &r->greeting);
    if (!r->implicit_tls && !r->stls_advertised && r->service == P3_SVC_POP3)
        add_capa_list(r, &P3S_FINDING_CLEARTEXT);
    if (!r->implicit_tls && r->login_accepted == P3S_YES) {
        if (out_of_step)
            withhold(r, &P3S_FINDING_PLAINTEXT_LOGIN);
        else
            add_bytes(r, &P3S_FINDING_PLAINTEXT_LOGIN, &r->user_reply);
    }
    if (r->stls_advertised && r->stls_attempted && !r->stls_upgraded) {
        if (out_of_step)
            withhold(r, &P3S_FINDING_STLS_BROKEN);
        else if (r->tls_error)
            add(r, &P3S_FINDING_STLS_BROKEN, r->tls_error, strlen(r->tls_error));
        else
            add_bytes(r, &P3S_FINDING_STLS_BROKEN, &r->stls_reply);
    }
    if (r->inject_tested && r->inject == P3_INJ_VULNERABLE)
        add_bytes(r, &P3S_FINDING_STLS_INJECTION, &r->inject_evidence);
    size_t start, len;
    if (r->greeting.p && p3_apop_timestamp(r->greeting.p, r->greeting.n, &start, &len))
        add(r, &P3S_FINDING_APOP, r->greeting.p + start, len);
    tls_findings(r);
    version_finding(r);
    ntlm_finding(r);
}

const struct p3s_finding *p3s_record_finding(const struct p3s_record *r, const char *id)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].def->id, id) == 0)
            return &r->findings[i];
    return NULL;
}

int p3s_record_max_severity(const struct p3s_record *r)
{
    int max = -1;
    for (size_t i = 0; i < r->nfindings; i++)
        if ((int)r->findings[i].def->severity > max)
            max = (int)r->findings[i].def->severity;
    return max;
}
