/* output_jsonl.c — the machine format: one JSON object per line and per record.
 *
 * Every field is documented in docs/output.md and checked against schema/record.schema.json by
 * the tests. Server bytes go through p3s_escape_lossless() so the line is always valid JSON and
 * the exact bytes can be recovered.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "findings.h"
#include "output.h"

#define SCHEMA_ID "pop3scan/record/1"

static json_t *bytes_json(const char *p, size_t n)
{
    if (!p)
        return json_null();
    size_t len;
    char *esc = p3s_escape_lossless(p, n, &len);
    json_t *s = esc ? json_stringn(esc, len) : NULL;
    free(esc);
    return s ? s : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *list_json(const struct p3s_list *l)
{
    if (!l->present)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, bytes_json(l->v[i].p, l->v[i].n));
    return a;
}

/* The mechanisms of the list's SASL capability, or null when it has none. */
static json_t *sasl_json(const struct p3s_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *p = l->v[i].p;
        size_t n = l->v[i].n;
        if (!(p3_capa_bits(p, n) & P3_CAPA_SASL))
            continue;
        json_t *a = json_array();
        size_t at = p3_word_len(p, n);
        while (at < n) {
            while (at < n && (p[at] == ' ' || p[at] == '\t'))
                at++;
            size_t w = p3_word_len(p + at, n - at);
            if (w)
                json_array_append_new(a, bytes_json(p + at, w));
            at += w;
        }
        return a;
    }
    return json_null();
}

static json_t *tristate_json(enum p3s_tristate t)
{
    return t == P3S_UNKNOWN ? json_null() : json_boolean(t == P3S_YES);
}

static json_t *findings_json(const struct p3s_record *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct p3s_finding *f = &r->findings[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", f->def->id, "severity",
                         p3s_severity_name(f->def->severity), "title", f->def->title, "evidence",
                         bytes_json(f->evidence, f->evidence_len), "remediation",
                         f->def->remediation));
    }
    return a;
}

static json_t *confidence_json(const struct p3s_record *r)
{
    if (r->state != P3S_STATE_POP3)
        return json_null();
    return json_string(r->confirmed ? "confirmed" : "probable");
}

static json_t *tls_json(const struct p3s_record *r)
{
    if (!r->tls_version[0])
        return json_null();
    return json_pack("{s:s, s:s, s:s}", "version", r->tls_version, "cipher", r->tls_cipher,
                     "via", r->implicit_tls ? "implicit" : "stls");
}

static json_t *record_json(const struct p3s_record *r)
{
    int reached = r->state == P3S_STATE_POP3 || r->state == P3S_STATE_OTHER || r->greeting.p;
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string(SCHEMA_ID));
    json_object_set_new(o, "target", bytes_json(r->target, strlen(r->target)));
    json_object_set_new(o, "ip", str_or_null(r->ip));
    json_object_set_new(o, "port", r->port ? json_integer(r->port) : json_null());
    json_object_set_new(o, "transport", json_string(r->implicit_tls ? "tls" : "plain"));
    json_object_set_new(o, "state", json_string(p3s_state_name(r->state)));
    json_object_set_new(o, "confidence", confidence_json(r));
    json_object_set_new(o, "service",
                        reached ? json_string(p3_service_name(r->service)) : json_null());
    json_object_set_new(o, "greeting", bytes_json(r->greeting.p, r->greeting.n));
    json_object_set_new(o, "greeting_truncated", json_boolean(r->greeting_truncated));
    json_object_set_new(o, "capabilities", list_json(&r->capa));
    json_object_set_new(o, "capabilities_tls", list_json(&r->capa_tls));
    json_object_set_new(o, "sasl", sasl_json(&r->capa));
    json_object_set_new(o, "sasl_tls", sasl_json(&r->capa_tls));
    json_object_set_new(
        o, "stls",
        r->implicit_tls
            ? json_null()
            : json_pack("{s:b, s:b, s:o, s:b, s:b}", "advertised", r->stls_advertised,
                        "attempted", r->stls_attempted, "reply",
                        bytes_json(r->stls_reply.p, r->stls_reply.n), "upgraded",
                        r->stls_upgraded, "cleartext_after_ok", r->stls_extra_bytes));
    json_object_set_new(o, "tls", tls_json(r));
    json_object_set_new(o, "tls_error", str_or_null(r->tls_error));
    json_object_set_new(
        o, "plaintext_login",
        r->implicit_tls ? json_null()
                        : json_pack("{s:b, s:o, s:o, s:o}", "advertised", r->login_advertised,
                                    "accepted", tristate_json(r->login_accepted), "reply",
                                    bytes_json(r->user_reply.p, r->user_reply.n), "probe_user",
                                    r->user_reply.p ? json_string(r->probe_user) : json_null()));
    json_object_set_new(o, "findings", findings_json(r));
    json_object_set_new(o, "timing_ms",
                        json_pack("{s:o, s:f}", "connect",
                                  r->connect_ms > 0 ? json_real(r->connect_ms) : json_null(),
                                  "total", r->total_ms));
    json_object_set_new(o, "error", str_or_null(r->error));
    return o;
}

static int jsonl_begin(struct p3s_output *o)
{
    (void)o;
    return 0;
}

static int jsonl_record(struct p3s_output *o, const struct p3s_record *r)
{
    json_t *j = record_json(r);
    int rc = json_dumpf(j, o->fp, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
    json_decref(j);
    fputc('\n', o->fp); /* the scan flushes at the end of each loop pass (results stream) */
    return rc;
}

static int jsonl_end(struct p3s_output *o, const struct p3s_summary *s)
{
    (void)s;
    return fflush(o->fp);
}

const struct p3s_output_module p3s_output_jsonl = {"jsonl", jsonl_begin, jsonl_record,
                                                   jsonl_end};
