/* model.c — building the report's compact model from JSON (see report.h, report_internal.h):
 * records reduced to rows of interned ids, tallies for the summary and the charts, the history
 * and the changes; and the helpers the writers share.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "util.h"

const char *const P3S_RP_STATES[P3S_RP_NSTATES] = {
    "pop3", "other-service", "closed", "filtered", "timeout", "tls-error", "error"};
const char *const P3S_RP_PROTOS[P3S_RP_NPROTOS] = {"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2",
                                                   "TLSv1.3"};
const char *const P3S_RP_SEVS[P3S_RP_NSEVS] = {"info", "low", "medium", "high"};

#define RECORD_SCHEMA "pop3scan/record/1"
#define JSON_DEPTH_MAX 12 /* a record nests four deep; deeper input is shown as null */

struct p3s_report *p3s_report_new(void)
{
    struct p3s_report *r = p3s_xcalloc(1, sizeof *r);
    p3s_pool_init(&r->str);
    p3s_pool_init(&r->detail);
    p3s_pool_init(&r->fsets);
    static const char NOTE[] = "[left out: this report already holds all the distinct server "
                               "text it keeps; the JSONL record has it]";
    r->left_out_id = p3s_pool_add(&r->str, NOTE, sizeof NOTE - 1);
    r->budget = P3S_RP_BUDGET;
    return r;
}

void p3s_report_free(struct p3s_report *r)
{
    if (!r)
        return;
    p3s_pool_free(&r->str);
    p3s_pool_free(&r->detail);
    p3s_pool_free(&r->fsets);
    free(r->recs);
    free(r->defs);
    free(r->changes);
    free(r->hist);
    p3s_idmap_free(&r->def_of);
    p3s_idmap_free(&r->products);
    p3s_idmap_free(&r->tls_negotiated);
    p3s_idmap_free(&r->change_kinds);
    json_decref(r->meta);
    p3s_rbuf_free(&r->tmp);
    p3s_rbuf_free(&r->tmp2);
    free(r);
}

size_t p3s_report_records(const struct p3s_report *r)
{
    return r->nrecs;
}

const char *p3s_rp_str(const struct p3s_report *r, uint32_t id, size_t *n)
{
    return p3s_pool_get(&r->str, id, n);
}

static int over_budget(const struct p3s_report *r)
{
    return r->str.len + r->detail.len > r->budget;
}

/* Interns the display form of n bytes of server text. */
static uint32_t text_id(struct p3s_report *r, const char *s, size_t n)
{
    r->tmp.n = 0;
    p3s_display(&r->tmp, s, n, P3S_RP_STRING_MAX);
    if (over_budget(r)) {
        uint32_t id = p3s_pool_find(&r->str, r->tmp.p, r->tmp.n);
        if (id == P3S_NONE)
            r->left_out++;
        return id == P3S_NONE ? r->left_out_id : id;
    }
    return p3s_pool_add(&r->str, r->tmp.p, r->tmp.n);
}

static uint32_t word_id(struct p3s_report *r, const char *s)
{
    return text_id(r, s, strlen(s));
}

/* A string member's id, P3S_NONE when absent, null or not a string. */
static uint32_t member_text(struct p3s_report *r, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? text_id(r, json_string_value(v), json_string_length(v))
                             : P3S_NONE;
}

static const char *member_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)); /* NULL unless a string */
}

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* ---- a record's details: the JSON object its expanded view shows ------------------------- */

/* The members that have columns of their own (the timing and the timestamp among them: they
 * differ on every record), and the random USER name of the probe, which says nothing about the
 * server. */
static int detail_skips(const char *key, int depth, const char *parent)
{
    static const char *const TOP[] = {"schema",   "target",   "ip",        "port",
                                      "transport", "state",   "greeting",  "findings",
                                      "timing_ms", "timestamp", NULL};
    if (depth == 0) {
        for (size_t i = 0; TOP[i]; i++)
            if (strcmp(key, TOP[i]) == 0)
                return 1;
        return 0;
    }
    return depth == 1 && parent && strcmp(parent, "plaintext_login") == 0 &&
           strcmp(key, "probe_user") == 0;
}

static void detail_json(struct p3s_report *r, struct p3s_rbuf *b, const json_t *v, int depth,
                        const char *parent)
{
    if (depth > JSON_DEPTH_MAX) {
        p3s_rbuf_puts(b, "null");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *m;
        int first = 1;
        p3s_rbuf_putc(b, '{');
        json_object_foreach((json_t *)v, key, m)
        {
            if (detail_skips(key, depth, parent))
                continue;
            if (!first)
                p3s_rbuf_putc(b, ',');
            first = 0;
            r->tmp.n = 0;
            p3s_display(&r->tmp, key, strlen(key), 256);
            p3s_esc_json(b, r->tmp.p, r->tmp.n);
            p3s_rbuf_putc(b, ':');
            detail_json(r, b, m, depth + 1, key);
        }
        p3s_rbuf_putc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        p3s_rbuf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                p3s_rbuf_putc(b, ',');
            detail_json(r, b, json_array_get(v, i), depth + 1, NULL);
        }
        p3s_rbuf_putc(b, ']');
        break;
    }
    case JSON_STRING:
        r->tmp.n = 0;
        p3s_display(&r->tmp, json_string_value(v), json_string_length(v), P3S_RP_STRING_MAX);
        p3s_esc_json(b, r->tmp.p, r->tmp.n);
        break;
    case JSON_INTEGER:
        p3s_rbuf_printf(b, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL: {
        double d = json_real_value(v);
        if (isfinite(d))
            p3s_rbuf_printf(b, "%.15g", d);
        else
            p3s_rbuf_puts(b, "null");
        break;
    }
    case JSON_TRUE:
        p3s_rbuf_puts(b, "true");
        break;
    case JSON_FALSE:
        p3s_rbuf_puts(b, "false");
        break;
    default:
        p3s_rbuf_puts(b, "null");
    }
}

static uint32_t detail_id(struct p3s_report *r, const json_t *rec)
{
    r->tmp2.n = 0;
    detail_json(r, &r->tmp2, rec, 0, NULL);
    if (over_budget(r)) {
        uint32_t id = p3s_pool_find(&r->detail, r->tmp2.p, r->tmp2.n);
        if (id != P3S_NONE)
            return id;
        r->left_out++;
        r->tmp2.n = 0;
        p3s_rbuf_puts(&r->tmp2, "{\"note\":");
        size_t n;
        const char *note = p3s_rp_str(r, r->left_out_id, &n);
        p3s_esc_json(&r->tmp2, note, n);
        p3s_rbuf_putc(&r->tmp2, '}');
    }
    return p3s_pool_add(&r->detail, r->tmp2.p, r->tmp2.n);
}

/* ---- the pieces of a record -------------------------------------------------------------- */

static int index_of(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* "Dovecot 2.3.19": the vendor when the name does not already start with it, the name, the
 * version (the text format's rule, docs/output.md). */
static uint32_t product_label(struct p3s_report *r, const json_t *p, uint8_t *pconf)
{
    const char *vendor = member_str(p, "vendor"), *name = member_str(p, "name"),
               *version = member_str(p, "version");
    *pconf = 0;
    if (!vendor && !name)
        return P3S_NONE;
    struct p3s_rbuf raw = {0};
    if (vendor && (!name || strncmp(name, vendor, strlen(vendor)) != 0)) {
        p3s_rbuf_puts(&raw, vendor);
        if (name)
            p3s_rbuf_putc(&raw, ' ');
    }
    if (name)
        p3s_rbuf_puts(&raw, name);
    if (version) {
        p3s_rbuf_putc(&raw, ' ');
        p3s_rbuf_puts(&raw, version);
    }
    uint32_t id = text_id(r, raw.p, raw.n);
    p3s_rbuf_free(&raw);
    static const char *const CONF[] = {"guess", "likely", "certain"};
    *pconf = (uint8_t)(index_of(CONF, 3, member_str(p, "confidence")) + 1);
    return id;
}

static uint32_t def_index(struct p3s_report *r, const json_t *f, int sev)
{
    uint32_t id = member_text(r, f, "id");
    uint32_t *slot = p3s_idmap_slot(&r->def_of, id);
    if (*slot)
        return *slot - 1;
    if (r->ndefs == r->defs_cap) {
        r->defs_cap = r->defs_cap ? r->defs_cap * 2 : 16;
        r->defs = p3s_xrealloc(r->defs, r->defs_cap * sizeof *r->defs);
    }
    struct p3s_rp_def *d = &r->defs[r->ndefs];
    memset(d, 0, sizeof *d);
    d->id = id;
    d->sev = (uint8_t)sev;
    d->title = member_text(r, f, "title");
    d->remediation = member_text(r, f, "remediation");
    *slot = ++r->ndefs;
    return r->ndefs - 1;
}

static int add_findings(struct p3s_report *r, struct p3s_rp_rec *rec, const json_t *list,
                        char *err, size_t errlen)
{
    size_t n = json_array_size(list);
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) { /* all checked before any is counted */
        const json_t *f = json_array_get(list, i);
        if (!json_is_string(json_object_get(f, "id")) ||
            index_of(P3S_RP_SEVS, P3S_RP_NSEVS, member_str(f, "severity")) < 0)
            return fail(err, errlen, "a finding without an id or a known severity");
    }
    uint32_t *seq = p3s_xmalloc(2 * n * sizeof *seq);
    for (size_t i = 0; i < n; i++) {
        const json_t *f = json_array_get(list, i);
        int sev = index_of(P3S_RP_SEVS, P3S_RP_NSEVS, member_str(f, "severity"));
        uint32_t d = def_index(r, f, sev);
        seq[2 * i] = d;
        seq[2 * i + 1] = member_text(r, f, "evidence");
        r->defs[d].count++;
        r->findings_by_sev[sev]++;
        if (r->defs[d].last_rec != r->nrecs + 1) { /* its first in this record */
            r->defs[d].last_rec = r->nrecs + 1;
            r->defs[d].services++;
        }
        if (sev + 1 > rec->maxsev)
            rec->maxsev = (uint8_t)(sev + 1);
    }
    rec->nfindings = (uint8_t)(n > 255 ? 255 : n);
    rec->fset = p3s_pool_add(&r->fsets, seq, 2 * n * sizeof *seq);
    if (rec->maxsev)
        r->services_by_sev[rec->maxsev - 1]++;
    free(seq);
    return 0;
}

static void add_tls(struct p3s_report *r, struct p3s_rp_rec *rec, const json_t *tls)
{
    rec->tls_version = member_text(r, tls, "version");
    if (rec->tls_version != P3S_NONE && rec->state == 0)
        ++*p3s_idmap_slot(&r->tls_negotiated, rec->tls_version);
    const json_t *versions = json_object_get(tls, "versions");
    if (json_is_object(versions) && rec->state == 0) {
        r->tls_probed++;
        for (int i = 0; i < P3S_RP_NPROTOS; i++) {
            const char *v = member_str(versions, P3S_RP_PROTOS[i]);
            if (v && strcmp(v, "accepted") == 0)
                r->tls_accepted[i]++;
        }
    }
    const json_t *cert = json_object_get(tls, "certificate");
    if (json_is_object(cert)) {
        const char *end = member_str(cert, "not_after");
        rec->cert_end = end ? p3s_rp_parse_time(end) : P3S_RP_NO_TIME;
        if (rec->cert_end != P3S_RP_NO_TIME)
            r->with_cert++;
    }
}

static float ms_member(const json_t *timing, const char *key)
{
    const json_t *v = json_object_get(timing, key);
    return json_is_number(v) ? (float)json_number_value(v) : -1.0f;
}

static struct p3s_rp_rec *new_record(struct p3s_report *r)
{
    if (r->nrecs == r->recs_cap) {
        r->recs_cap = r->recs_cap ? r->recs_cap * 2 : 256;
        r->recs = p3s_xrealloc(r->recs, r->recs_cap * sizeof *r->recs);
    }
    struct p3s_rp_rec *rec = &r->recs[r->nrecs];
    memset(rec, 0, sizeof *rec);
    rec->ip = rec->greeting = rec->product = rec->tls_version = rec->fset = P3S_NONE;
    rec->cert_end = rec->started_ms = P3S_RP_NO_TIME;
    return rec;
}

static int add_record(struct p3s_report *r, const json_t *j, char *err, size_t errlen)
{
    if (!json_is_object(j) || !member_str(j, "schema") ||
        strcmp(member_str(j, "schema"), RECORD_SCHEMA) != 0)
        return fail(err, errlen, "not a pop3scan record (no \"schema\": \"" RECORD_SCHEMA "\")");
    const char *target = member_str(j, "target"), *transport = member_str(j, "transport");
    int state = index_of(P3S_RP_STATES, P3S_RP_NSTATES, member_str(j, "state"));
    const json_t *port = json_object_get(j, "port"), *ip = json_object_get(j, "ip");
    if (!target)
        return fail(err, errlen, "a record without a \"target\"");
    if (state < 0)
        return fail(err, errlen, "a record without a known \"state\"");
    if (!transport || (strcmp(transport, "plain") != 0 && strcmp(transport, "tls") != 0))
        return fail(err, errlen, "a record whose \"transport\" is not plain or tls");
    if (!(json_is_null(port) ||
          (json_is_integer(port) && json_integer_value(port) > 0 &&
           json_integer_value(port) < 65536)))
        return fail(err, errlen, "a record whose \"port\" is not a port number");
    if (ip && !json_is_null(ip) && !json_is_string(ip))
        return fail(err, errlen, "a record whose \"ip\" is not a string");

    struct p3s_rp_rec *rec = new_record(r);
    rec->target = word_id(r, target);
    rec->ip = member_text(r, j, "ip");
    rec->port = json_is_integer(port) ? (uint16_t)json_integer_value(port) : 0;
    rec->tls = strcmp(transport, "tls") == 0;
    rec->state = (uint8_t)state;
    static const char *const CONF[] = {"probable", "confirmed"};
    rec->confidence = (uint8_t)(index_of(CONF, 2, member_str(j, "confidence")) + 1);
    rec->greeting = member_text(r, j, "greeting");
    const json_t *product = json_object_get(j, "product");
    if (json_is_object(product))
        rec->product = product_label(r, product, &rec->pconf);
    const json_t *tls = json_object_get(j, "tls");
    if (json_is_object(tls))
        add_tls(r, rec, tls);
    const json_t *timing = json_object_get(j, "timing_ms");
    rec->connect_ms = ms_member(timing, "connect");
    rec->total_ms = ms_member(timing, "total");
    rec->started_ms = p3s_rp_parse_time_ms(member_str(j, "timestamp"));
    const json_t *findings = json_object_get(j, "findings");
    if (json_is_array(findings) && add_findings(r, rec, findings, err, errlen) < 0)
        return -1;
    rec->detail = detail_id(r, j);

    r->by_state[state]++;
    if (state == 0) {
        r->confirmed += rec->confidence == 2;
        if (rec->product == P3S_NONE)
            r->unidentified++;
        else
            ++*p3s_idmap_slot(&r->products, rec->product);
    }
    r->nrecs++;
    return 0;
}

/* ---- history and changes ----------------------------------------------------------------- */

static int64_t int_member(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

static int add_point(struct p3s_report *r, const json_t *j, char *err, size_t errlen)
{
    if (!json_is_object(j))
        return fail(err, errlen, "an earlier scan that is not a JSON object");
    int64_t services = int_member(j, json_object_get(j, "services") ? "services" : "pop3");
    int64_t high = int_member(j, "high");
    if (services < 0 && high < 0)
        return fail(err, errlen, "an earlier scan with neither \"services\" (or \"pop3\") nor \"high\"");
    if (r->nhist == r->hist_cap) {
        r->hist_cap = r->hist_cap ? r->hist_cap * 2 : 16;
        r->hist = p3s_xrealloc(r->hist, r->hist_cap * sizeof *r->hist);
    }
    struct p3s_rp_point *p = &r->hist[r->nhist++];
    p->services = services;
    p->high = high;
    p->label = member_text(r, j, "started");
    if (p->label == P3S_NONE && int_member(j, "id") >= 0) {
        char id[32];
        snprintf(id, sizeof id, "scan %lld", (long long)int_member(j, "id"));
        p->label = word_id(r, id);
    }
    return 0;
}

static void change_value(struct p3s_report *r, struct p3s_rbuf *b, const json_t *v, int depth);

/* The words of a value of a change, as `pop3scan diff` writes them (docs/history.md). */
static void change_object(struct p3s_report *r, struct p3s_rbuf *b, const json_t *v, int depth)
{
    const char *id = member_str(v, "id"), *sev = member_str(v, "severity");
    const json_t *name = json_object_get(v, "name"), *sha = json_object_get(v, "sha256");
    if (id && json_object_size(v) <= 2) { /* a finding */
        p3s_rbuf_puts(b, id);
        if (sev)
            p3s_rbuf_printf(b, " (%s)", sev);
        return;
    }
    if (name && json_object_get(v, "vendor")) { /* a product */
        const char *vendor = member_str(v, "vendor"), *n = json_string_value(name),
                   *version = member_str(v, "version");
        if (vendor && (!n || strncmp(n, vendor, strlen(vendor)) != 0))
            p3s_rbuf_printf(b, "%s%s", vendor, n ? " " : "");
        if (n)
            p3s_rbuf_puts(b, n);
        if (version)
            p3s_rbuf_printf(b, " %s", version);
        return;
    }
    if (sha) { /* a certificate */
        const char *subject = member_str(v, "subject"), *end = member_str(v, "not_after"),
                   *hex = json_string_value(sha);
        p3s_rbuf_puts(b, subject ? subject : "(no subject)");
        if (end)
            p3s_rbuf_printf(b, ", until %s", end);
        if (hex)
            p3s_rbuf_printf(b, ", sha256 %.16s\xe2\x80\xa6", hex);
        return;
    }
    const char *key;
    json_t *m;
    int first = 1;
    json_object_foreach((json_t *)v, key, m)
    {
        p3s_rbuf_printf(b, "%s%s: ", first ? "" : "; ", key);
        change_value(r, b, m, depth + 1);
        first = 0;
    }
}

static void change_value(struct p3s_report *r, struct p3s_rbuf *b, const json_t *v, int depth)
{
    if (depth > JSON_DEPTH_MAX)
        return;
    switch (json_typeof(v)) {
    case JSON_STRING:
        p3s_rbuf_put(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        p3s_rbuf_printf(b, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        p3s_rbuf_printf(b, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        p3s_rbuf_puts(b, json_is_true(v) ? "true" : "false");
        break;
    case JSON_ARRAY:
        if (json_array_size(v) == 0)
            p3s_rbuf_puts(b, "(none)");
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                p3s_rbuf_puts(b, ", ");
            change_value(r, b, json_array_get(v, i), depth + 1);
        }
        break;
    case JSON_OBJECT:
        change_object(r, b, v, depth);
        break;
    default:
        p3s_rbuf_puts(b, "(none)");
    }
}

static uint32_t change_text(struct p3s_report *r, const json_t *v)
{
    if (!v || json_is_null(v))
        return P3S_NONE;
    struct p3s_rbuf b = {0};
    change_value(r, &b, v, 0);
    uint32_t id = text_id(r, b.p ? b.p : "", b.n);
    p3s_rbuf_free(&b);
    return id;
}

/* What a change says beside old and new: the capabilities added and removed, the days a
 * certificate has left, what appeared. */
static uint32_t change_note(struct p3s_report *r, const json_t *j)
{
    struct p3s_rbuf b = {0};
    const json_t *added = json_object_get(j, "added"), *removed = json_object_get(j, "removed");
    if (json_array_size(added)) {
        p3s_rbuf_puts(&b, "added: ");
        change_value(r, &b, added, 0);
    }
    if (json_array_size(removed)) {
        p3s_rbuf_puts(&b, b.n ? "; removed: " : "removed: ");
        change_value(r, &b, removed, 0);
    }
    if (json_is_integer(json_object_get(j, "days_left")))
        p3s_rbuf_printf(&b, "%lld days left",
                        (long long)json_integer_value(json_object_get(j, "days_left")));
    const json_t *product = json_object_get(j, "product"), *findings = json_object_get(j, "findings");
    if (json_is_object(product)) {
        p3s_rbuf_puts(&b, b.n ? "; " : "");
        change_value(r, &b, product, 0);
    }
    if (json_array_size(findings)) {
        p3s_rbuf_puts(&b, b.n ? "; findings: " : "findings: ");
        change_value(r, &b, findings, 0);
    }
    uint32_t id = b.n ? text_id(r, b.p, b.n) : P3S_NONE;
    p3s_rbuf_free(&b);
    return id;
}

static int add_change(struct p3s_report *r, const json_t *j, char *err, size_t errlen)
{
    const char *kind = member_str(j, "change"), *target = member_str(j, "target");
    const json_t *port = json_object_get(j, "port");
    if (!json_is_object(j) || !kind || !target)
        return fail(err, errlen, "not a change of pop3scan diff -f jsonl (no \"change\" or \"target\")");
    if (r->nchanges == r->changes_cap) {
        r->changes_cap = r->changes_cap ? r->changes_cap * 2 : 64;
        r->changes = p3s_xrealloc(r->changes, r->changes_cap * sizeof *r->changes);
    }
    struct p3s_rp_change *c = &r->changes[r->nchanges];
    c->kind = word_id(r, kind);
    c->target = word_id(r, target);
    c->ip = member_text(r, j, "ip");
    c->port = json_is_integer(port) && json_integer_value(port) > 0 &&
                      json_integer_value(port) < 65536
                  ? (uint16_t)json_integer_value(port)
                  : 0;
    const char *transport = member_str(j, "transport");
    c->tls = transport && strcmp(transport, "tls") == 0;
    c->old = change_text(r, json_object_get(j, "old"));
    c->neu = change_text(r, json_object_get(j, "new"));
    c->note = change_note(r, j);
    ++*p3s_idmap_slot(&r->change_kinds, c->kind);
    r->nchanges++;
    return 0;
}

int p3s_report_add(struct p3s_report *r, enum p3s_report_input kind, const json_t *item,
                   char *err, size_t errlen)
{
    switch (kind) {
    case P3S_REPORT_RECORD:
        return add_record(r, item, err, errlen);
    case P3S_REPORT_HISTORY:
        return add_point(r, item, err, errlen);
    case P3S_REPORT_CHANGE:
        return add_change(r, item, err, errlen);
    }
    return fail(err, errlen, "unknown input");
}

int p3s_report_add_text(struct p3s_report *r, enum p3s_report_input kind, const char *text,
                        size_t n, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, n, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return -1;
    }
    int rc = p3s_report_add(r, kind, j, err, errlen);
    json_decref(j);
    return rc;
}

int p3s_report_set_meta(struct p3s_report *r, json_t *meta, char *err, size_t errlen)
{
    if (!json_is_object(meta))
        return fail(err, errlen, "the scan's description is not a JSON object");
    /* `pop3scan --meta` writes start and end; the history started and ended: one set of names */
    json_t *m = json_copy(meta);
    static const char *const SAME[][2] = {{"start", "started"}, {"end", "ended"}};
    for (size_t i = 0; i < 2; i++)
        if (!json_object_get(m, SAME[i][1]) && json_object_get(m, SAME[i][0]))
            json_object_set(m, SAME[i][1], json_object_get(m, SAME[i][0]));
    json_decref(r->meta);
    r->meta = m;
    return 0;
}

/* ---- what the writers share -------------------------------------------------------------- */

struct sort_key {
    unsigned char addr[17]; /* family byte, then the address; names without one sort last */
    uint32_t rec;
};

static const struct p3s_report *sort_report;

static int cmp_key(const void *pa, const void *pb)
{
    const struct sort_key *a = pa, *b = pb;
    int c = memcmp(a->addr, b->addr, sizeof a->addr);
    if (c)
        return c;
    const struct p3s_rp_rec *ra = &sort_report->recs[a->rec], *rb = &sort_report->recs[b->rec];
    if (ra->port != rb->port)
        return ra->port < rb->port ? -1 : 1;
    if (ra->tls != rb->tls)
        return ra->tls < rb->tls ? -1 : 1;
    c = strcmp(p3s_rp_str(sort_report, ra->target, NULL), p3s_rp_str(sort_report, rb->target, NULL));
    if (c)
        return c;
    return a->rec < b->rec ? -1 : a->rec > b->rec;
}

uint32_t *p3s_rp_sorted(const struct p3s_report *r)
{
    struct sort_key *keys = p3s_xcalloc(r->nrecs ? r->nrecs : 1, sizeof *keys);
    for (size_t i = 0; i < r->nrecs; i++) {
        keys[i].rec = (uint32_t)i;
        const char *ip = r->recs[i].ip == P3S_NONE ? NULL : p3s_rp_str(r, r->recs[i].ip, NULL);
        if (ip && inet_pton(AF_INET, ip, keys[i].addr + 1) == 1)
            keys[i].addr[0] = 4;
        else if (ip && inet_pton(AF_INET6, ip, keys[i].addr + 1) == 1)
            keys[i].addr[0] = 6;
        else
            keys[i].addr[0] = 0xff;
    }
    sort_report = r;
    qsort(keys, r->nrecs, sizeof *keys, cmp_key);
    uint32_t *order = p3s_xmalloc((r->nrecs ? r->nrecs : 1) * sizeof *order);
    for (size_t i = 0; i < r->nrecs; i++)
        order[i] = keys[i].rec;
    free(keys);
    return order;
}

size_t p3s_rp_count_distinct(const struct p3s_report *r, int of_ip)
{
    unsigned char *seen = p3s_xcalloc(r->str.count ? r->str.count : 1, 1);
    size_t n = 0;
    for (size_t i = 0; i < r->nrecs; i++) {
        uint32_t id = of_ip ? r->recs[i].ip : r->recs[i].target;
        if (id != P3S_NONE && !seen[id]) {
            seen[id] = 1;
            n++;
        }
    }
    free(seen);
    return n;
}

int64_t p3s_rp_parse_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    char tail[8] = "";
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &sec, tail) < 6)
        return P3S_RP_NO_TIME;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1)
        return P3S_RP_NO_TIME;
    /* Days from the civil date (Howard Hinnant's algorithm): no time zone, no timegm. */
    int64_t yy = y - (mo <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + mi * 60 + sec;
}

int64_t p3s_rp_parse_time_ms(const char *s)
{
    int64_t t = p3s_rp_parse_time(s);
    if (t == P3S_RP_NO_TIME)
        return t;
    const char *dot = strchr(s, '.');
    int ms = 0;
    if (dot && (size_t)(dot - s) == 19)
        for (int i = 1, scale = 100; i <= 3 && dot[i] >= '0' && dot[i] <= '9'; i++, scale /= 10)
            ms += (dot[i] - '0') * scale;
    return t * 1000 + ms;
}

void p3s_rp_fmt_time(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == P3S_RP_NO_TIME || !gmtime_r(&tt, &tm)) {
        snprintf(out, n, "unknown");
        return;
    }
    strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
}

int64_t p3s_rp_now(const struct p3s_report *r, const struct p3s_report_opts *o)
{
    const char *keys[] = {"ended", "started"};
    for (int i = 0; i < 2; i++) {
        int64_t t = p3s_rp_parse_time(member_str(r->meta, keys[i]));
        if (t != P3S_RP_NO_TIME)
            return t;
    }
    return (int64_t)o->now;
}

/* A shell word: bare when it holds only safe characters, else in single quotes. */
static void shell_word(struct p3s_rbuf *b, const char *s)
{
    int bare = *s != '\0';
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,=+@%",
                    *p))
            bare = 0;
    if (bare) {
        p3s_rbuf_puts(b, s);
        return;
    }
    p3s_rbuf_putc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            p3s_rbuf_puts(b, "'\\''");
        else
            p3s_rbuf_putc(b, *p);
    }
    p3s_rbuf_putc(b, '\'');
}

int p3s_rp_meta(const struct p3s_report *r, const char *key, struct p3s_rbuf *b)
{
    const json_t *v = json_object_get(r->meta, key);
    struct p3s_rbuf raw = {0};
    if (json_is_string(v)) {
        p3s_rbuf_put(&raw, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        p3s_rbuf_printf(&raw, "%lld", (long long)json_integer_value(v));
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *w = json_string_value(json_array_get(v, i));
            if (!w)
                continue;
            if (raw.n)
                p3s_rbuf_putc(&raw, ' ');
            shell_word(&raw, w);
        }
    } else {
        return 0;
    }
    p3s_display(b, raw.p ? raw.p : "", raw.n, P3S_RP_STRING_MAX);
    p3s_rbuf_free(&raw);
    return 1;
}

double p3s_rp_elapsed_ms(const struct p3s_report *r)
{
    const json_t *e = json_object_get(r->meta, "elapsed_ms");
    if (json_is_number(e) && json_number_value(e) >= 0)
        return json_number_value(e);
    int64_t a = p3s_rp_parse_time(member_str(r->meta, "started")),
            z = p3s_rp_parse_time(member_str(r->meta, "ended"));
    if (a != P3S_RP_NO_TIME && z != P3S_RP_NO_TIME && z >= a)
        return (double)(z - a) * 1000.0;
    return -1;
}

static const struct p3s_report *pairs_report;
static int pairs_by_count;

static int cmp_pair(const void *pa, const void *pb)
{
    const struct p3s_rp_pair *a = pa, *b = pb;
    if (pairs_by_count && a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(p3s_rp_str(pairs_report, a->key, NULL), p3s_rp_str(pairs_report, b->key, NULL));
}

struct p3s_rp_pair *p3s_rp_pairs(const struct p3s_report *r, const struct p3s_idmap *m,
                                 int by_count, size_t *n)
{
    struct p3s_rp_pair *pairs = p3s_xcalloc(m->n ? m->n : 1, sizeof *pairs);
    *n = 0;
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            pairs[(*n)++] = (struct p3s_rp_pair){m->keys[i] - 1, m->vals[i]};
    pairs_report = r;
    pairs_by_count = by_count;
    qsort(pairs, *n, sizeof *pairs, cmp_pair);
    return pairs;
}

const char *p3s_rp_pconf_name(int pconf)
{
    static const char *const NAMES[] = {"", "guess", "likely", "certain"};
    return pconf >= 0 && pconf <= 3 ? NAMES[pconf] : "";
}

const char *p3s_report_format_of(const char *path)
{
    size_t n = strlen(path);
    if ((n > 3 && strcmp(path + n - 3, ".md") == 0) ||
        (n > 9 && strcmp(path + n - 9, ".markdown") == 0))
        return "markdown";
    return "html";
}
