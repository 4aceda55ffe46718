/* output_jsonl.c — the machine format: one JSON object per line and per record.
 *
 * Every field is documented in docs/output.md and checked against schema/record.schema.json by
 * the tests. Lines are written by the streaming writer of lib/util/jsonw.c into one reused
 * buffer and handed to stdio in one call; server bytes are escaped losslessly on the way, so
 * the line is always valid JSON and the exact bytes can be recovered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "jsonw.h"
#include "output.h"
#include "util.h"

#define SCHEMA_ID "pop3scan/record/1"

static void bytes_or_null(struct p3s_jw *w, const struct p3s_bytes *b)
{
    if (b->p)
        p3s_jw_bytes(w, b->p, b->n);
    else
        p3s_jw_null(w);
}

static void str_or_null(struct p3s_jw *w, const char *s)
{
    p3s_jw_str(w, s && *s ? s : NULL);
}

static void list_json(struct p3s_jw *w, const struct p3s_list *l)
{
    if (!l->present) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_array(w);
    for (size_t i = 0; i < l->n; i++)
        p3s_jw_bytes(w, l->v[i].p, l->v[i].n);
    p3s_jw_end(w);
}

/* The mechanisms of the list's SASL capability, or null when it has none. */
static void sasl_json(struct p3s_jw *w, const struct p3s_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *p = l->v[i].p;
        size_t n = l->v[i].n;
        if (!(p3_capa_bits(p, n) & P3_CAPA_SASL))
            continue;
        p3s_jw_array(w);
        size_t at = p3_word_len(p, n);
        while (at < n) {
            while (at < n && (p[at] == ' ' || p[at] == '\t'))
                at++;
            size_t k = p3_word_len(p + at, n - at);
            if (k)
                p3s_jw_bytes(w, p + at, k);
            at += k;
        }
        p3s_jw_end(w);
        return;
    }
    p3s_jw_null(w);
}

static void tristate_json(struct p3s_jw *w, enum p3s_tristate t)
{
    if (t == P3S_UNKNOWN)
        p3s_jw_null(w);
    else
        p3s_jw_bool(w, t == P3S_YES);
}

static void findings_json(struct p3s_jw *w, const struct p3s_record *r)
{
    p3s_jw_array(w);
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct p3s_finding *f = &r->findings[i];
        p3s_jw_object(w);
        P3S_JW_KEY(w, "id");
        p3s_jw_str(w, f->def->id);
        P3S_JW_KEY(w, "severity");
        p3s_jw_str(w, p3s_severity_name(f->def->severity));
        P3S_JW_KEY(w, "title");
        p3s_jw_str(w, f->def->title);
        P3S_JW_KEY(w, "evidence");
        if (f->evidence)
            p3s_jw_bytes(w, f->evidence, f->evidence_len);
        else
            p3s_jw_null(w);
        P3S_JW_KEY(w, "remediation");
        p3s_jw_str(w, f->def->remediation);
        p3s_jw_end(w);
    }
    p3s_jw_end(w);
}

static void stls_json(struct p3s_jw *w, const struct p3s_record *r)
{
    if (r->implicit_tls) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    P3S_JW_KEY(w, "advertised");
    p3s_jw_bool(w, r->stls_advertised);
    P3S_JW_KEY(w, "attempted");
    p3s_jw_bool(w, r->stls_attempted);
    P3S_JW_KEY(w, "reply");
    bytes_or_null(w, &r->stls_reply);
    P3S_JW_KEY(w, "upgraded");
    p3s_jw_bool(w, r->stls_upgraded);
    P3S_JW_KEY(w, "cleartext_after_ok");
    p3s_jw_bool(w, r->stls_extra_bytes);
    P3S_JW_KEY(w, "injection");
    if (r->inject_tested) {
        p3s_jw_object(w);
        P3S_JW_KEY(w, "result");
        p3s_jw_str(w, p3_inject_verdict_name(r->inject));
        P3S_JW_KEY(w, "detail");
        str_or_null(w, r->inject_detail);
        P3S_JW_KEY(w, "evidence");
        bytes_or_null(w, &r->inject_evidence);
        P3S_JW_KEY(w, "cleartext_after_ok");
        bytes_or_null(w, &r->inject_cleartext);
        p3s_jw_end(w);
    } else {
        p3s_jw_null(w);
    }
    p3s_jw_end(w);
}

/* Lines no command asked for (lib/pop3/pop3.h), or null when there were none. */
static void unsolicited_json(struct p3s_jw *w, const struct p3s_record *r)
{
    if (!r->nunsolicited) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_array(w);
    for (size_t i = 0; i < r->nunsolicited; i++) {
        const struct p3s_unsolicited *u = &r->unsolicited[i];
        p3s_jw_object(w);
        P3S_JW_KEY(w, "after");
        p3s_jw_str(w, p3s_cmd_name(u->after));
        P3S_JW_KEY(w, "tls");
        p3s_jw_bool(w, u->tls);
        P3S_JW_KEY(w, "line");
        p3s_jw_bytes(w, u->line.p, u->line.n);
        p3s_jw_end(w);
    }
    p3s_jw_end(w);
}

static void withheld_json(struct p3s_jw *w, const struct p3s_record *r)
{
    p3s_jw_array(w);
    for (size_t i = 0; i < r->nwithheld; i++) {
        p3s_jw_object(w);
        P3S_JW_KEY(w, "id");
        p3s_jw_str(w, r->withheld[i].def->id);
        P3S_JW_KEY(w, "reason");
        p3s_jw_str(w, r->withheld[i].reason);
        p3s_jw_end(w);
    }
    p3s_jw_end(w);
}

static void cert_json(struct p3s_jw *w, const struct p3s_certinfo *c)
{
    if (!c || !c->present) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    P3S_JW_KEY(w, "subject");
    p3s_jw_str(w, c->subject);
    P3S_JW_KEY(w, "issuer");
    p3s_jw_str(w, c->issuer);
    P3S_JW_KEY(w, "sans");
    p3s_jw_array(w);
    for (size_t i = 0; i < c->nsans; i++)
        p3s_jw_str(w, c->sans[i]);
    p3s_jw_end(w);
    P3S_JW_KEY(w, "not_before");
    p3s_jw_str(w, c->not_before);
    P3S_JW_KEY(w, "not_after");
    p3s_jw_str(w, c->not_after);
    P3S_JW_KEY(w, "expired");
    p3s_jw_bool(w, c->expired);
    P3S_JW_KEY(w, "not_yet_valid");
    p3s_jw_bool(w, c->not_yet_valid);
    P3S_JW_KEY(w, "key_type");
    p3s_jw_str(w, c->key_type);
    P3S_JW_KEY(w, "key_bits");
    p3s_jw_int(w, c->key_bits);
    P3S_JW_KEY(w, "signature");
    p3s_jw_str(w, c->sig_alg);
    P3S_JW_KEY(w, "sha256");
    p3s_jw_str(w, c->sha256);
    P3S_JW_KEY(w, "self_signed");
    p3s_jw_bool(w, c->self_signed);
    P3S_JW_KEY(w, "trusted");
    p3s_jw_bool(w, c->chain_verified);
    P3S_JW_KEY(w, "verify_error");
    str_or_null(w, c->verify_error);
    P3S_JW_KEY(w, "name_matches");
    if (c->name_checked)
        p3s_jw_bool(w, c->name_matches);
    else
        p3s_jw_null(w);
    p3s_jw_end(w);
}

/* Which protocol versions the server accepted, one probe each (null: not probed). */
static void versions_json(struct p3s_jw *w, const struct p3s_record *r)
{
    int any = 0;
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        any |= r->tls_proto[i] >= 0;
    if (!any) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    for (int i = 0; i < P3S_PROTO_COUNT; i++) {
        p3s_jw_key(w, P3S_TLS_PROTOS[i].label);
        if (r->tls_proto[i] < 0)
            p3s_jw_null(w);
        else
            p3s_jw_str(w, p3s_tlsprobe_result_name((enum p3s_tlsprobe_result)r->tls_proto[i]));
    }
    p3s_jw_end(w);
}

static void tls_json(struct p3s_jw *w, const struct p3s_record *r)
{
    if (!r->tls_version[0]) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    P3S_JW_KEY(w, "version");
    p3s_jw_str(w, r->tls_version);
    P3S_JW_KEY(w, "cipher");
    p3s_jw_str(w, r->tls_cipher);
    P3S_JW_KEY(w, "cipher_bits");
    p3s_jw_int(w, r->tls_cipher_bits);
    P3S_JW_KEY(w, "via");
    p3s_jw_str(w, r->implicit_tls ? "implicit" : "stls");
    P3S_JW_KEY(w, "versions");
    versions_json(w, r);
    P3S_JW_KEY(w, "certificate");
    cert_json(w, r->cert);
    p3s_jw_end(w);
}

static void product_json(struct p3s_jw *w, const struct p3fp_match *m)
{
    if (!m) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    P3S_JW_KEY(w, "vendor");
    str_or_null(w, m->vendor);
    P3S_JW_KEY(w, "name");
    str_or_null(w, m->product);
    P3S_JW_KEY(w, "version");
    str_or_null(w, m->version);
    P3S_JW_KEY(w, "cpe");
    str_or_null(w, m->cpe);
    P3S_JW_KEY(w, "os");
    str_or_null(w, m->os);
    P3S_JW_KEY(w, "host");
    str_or_null(w, m->host);
    P3S_JW_KEY(w, "rule");
    str_or_null(w, m->rule_id);
    P3S_JW_KEY(w, "confidence");
    p3s_jw_str(w, p3fp_confidence_name(m->confidence));
    P3S_JW_KEY(w, "evidence");
    p3s_output_jw_evidence(w, m);
    p3s_jw_end(w);
}

static void ntlm_json(struct p3s_jw *w, const struct p3s_record *r)
{
    if (r->ntlm_state == P3S_NTLM_NOT_TRIED) {
        p3s_jw_null(w);
        return;
    }
    const struct p3ntlm_info *t = r->ntlm;
    p3s_jw_object(w);
    P3S_JW_KEY(w, "state");
    p3s_jw_str(w, r->ntlm_state == P3S_NTLM_REFUSED ? "refused" : "challenge");
    if (t) {
        static const char *const KEYS[] = {"target_name", "netbios_computer", "netbios_domain",
                                           "dns_computer", "dns_domain", "dns_tree"};
        const char *vals[] = {t->target_name, t->nb_computer, t->nb_domain, t->dns_computer,
                              t->dns_domain, t->dns_tree};
        for (size_t i = 0; i < 6; i++) {
            p3s_jw_key(w, KEYS[i]);
            str_or_null(w, vals[i]);
        }
        char ver[48];
        snprintf(ver, sizeof ver, "%u.%u.%u", t->os_major, t->os_minor, t->os_build);
        P3S_JW_KEY(w, "os_version");
        p3s_jw_str(w, t->has_version ? ver : NULL);
        P3S_JW_KEY(w, "os_name");
        p3s_jw_str(w, t->has_version ? p3ntlm_os_name(t->os_major, t->os_minor, t->os_build)
                                     : NULL);
    }
    P3S_JW_KEY(w, "error");
    str_or_null(w, r->ntlm_error);
    p3s_jw_end(w);
}

static void login_json(struct p3s_jw *w, const struct p3s_record *r)
{
    if (r->implicit_tls) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    P3S_JW_KEY(w, "advertised");
    p3s_jw_bool(w, r->login_advertised);
    P3S_JW_KEY(w, "accepted");
    tristate_json(w, r->login_accepted);
    P3S_JW_KEY(w, "reply");
    bytes_or_null(w, &r->user_reply);
    P3S_JW_KEY(w, "probe_user");
    p3s_jw_str(w, r->user_reply.p ? r->probe_user : NULL);
    p3s_jw_end(w);
}

static void record_json(struct p3s_jw *w, const struct p3s_record *r)
{
    int reached = r->state == P3S_STATE_POP3 || r->state == P3S_STATE_OTHER || r->greeting.p;
    p3s_jw_object(w);
    P3S_JW_KEY(w, "schema");
    p3s_jw_str(w, SCHEMA_ID);
    P3S_JW_KEY(w, "target");
    p3s_jw_str(w, r->target);
    P3S_JW_KEY(w, "ip");
    str_or_null(w, r->ip);
    P3S_JW_KEY(w, "port");
    if (r->port)
        p3s_jw_int(w, r->port);
    else
        p3s_jw_null(w);
    P3S_JW_KEY(w, "transport");
    p3s_jw_str(w, r->implicit_tls ? "tls" : "plain");
    P3S_JW_KEY(w, "tls_detected");
    p3s_jw_bool(w, r->tls_detected);
    P3S_JW_KEY(w, "state");
    p3s_jw_str(w, p3s_state_name(r->state));
    P3S_JW_KEY(w, "confidence");
    p3s_jw_str(w, r->state != P3S_STATE_POP3 ? NULL : r->confirmed ? "confirmed" : "probable");
    P3S_JW_KEY(w, "service");
    p3s_jw_str(w, reached ? p3_service_name(r->service) : NULL);
    P3S_JW_KEY(w, "greeting");
    bytes_or_null(w, &r->greeting);
    P3S_JW_KEY(w, "greeting_truncated");
    p3s_jw_bool(w, r->greeting_truncated);
    P3S_JW_KEY(w, "capabilities");
    list_json(w, &r->capa);
    P3S_JW_KEY(w, "capabilities_tls");
    list_json(w, &r->capa_tls);
    P3S_JW_KEY(w, "sasl");
    sasl_json(w, &r->capa);
    P3S_JW_KEY(w, "sasl_tls");
    sasl_json(w, &r->capa_tls);
    P3S_JW_KEY(w, "stls");
    stls_json(w, r);
    P3S_JW_KEY(w, "tls");
    tls_json(w, r);
    P3S_JW_KEY(w, "tls_error");
    str_or_null(w, r->tls_error);
    P3S_JW_KEY(w, "product");
    product_json(w, r->product);
    P3S_JW_KEY(w, "ntlm");
    ntlm_json(w, r);
    P3S_JW_KEY(w, "plaintext_login");
    login_json(w, r);
    P3S_JW_KEY(w, "unsolicited");
    unsolicited_json(w, r);
    P3S_JW_KEY(w, "findings");
    findings_json(w, r);
    P3S_JW_KEY(w, "findings_withheld");
    withheld_json(w, r);
    char when[P3S_RFC3339_LEN];
    p3s_rfc3339(r->started_ms, when);
    P3S_JW_KEY(w, "timestamp");
    p3s_jw_str(w, when);
    P3S_JW_KEY(w, "timing_ms");
    p3s_jw_object(w);
    P3S_JW_KEY(w, "connect");
    if (r->connect_ms > 0)
        p3s_jw_milli(w, r->connect_ms);
    else
        p3s_jw_null(w);
    P3S_JW_KEY(w, "total");
    p3s_jw_milli(w, r->total_ms);
    p3s_jw_end(w);
    P3S_JW_KEY(w, "error");
    str_or_null(w, r->error);
    P3S_JW_KEY(w, "discovered_via");
    p3s_output_jw_via(w, r->discovery);
    P3S_JW_KEY(w, "discovery");
    p3s_output_jw_discovery(w, r->discovery);
    p3s_jw_end(w);
}

static int jsonl_record(struct p3s_output *o, const struct p3s_record *r)
{
    struct p3s_jw *w = o->state;
    p3s_jw_reset(w);
    record_json(w, r);
    p3s_jw_raw(w, "\n", 1);
    return p3s_output_jw_write(o);
}

void p3s_jsonl_record(struct p3s_jw *w, const struct p3s_record *r)
{
    record_json(w, r);
}

const struct p3s_output_module p3s_output_jsonl = {"jsonl", p3s_output_jw_begin, jsonl_record,
                                                   p3s_output_jw_end};
