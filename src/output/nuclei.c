/* output_nuclei.c — `--format nuclei`: findings in the shape of nuclei's JSONL results
 * (`nuclei -jsonl`), so tools that already read nuclei output read pop3scan's.
 *
 * One line per FINDING, not per record: a record without findings writes nothing. The finding
 * plays the part of a nuclei template (template-id = the finding id, info = its title, severity
 * and remediation); the record gives host, port, ip and matched-at; the evidence goes into
 * extracted-results. The mapping is documented in docs/output.md. Lines are written with the
 * streaming JSON writer (lib/util/jsonw.c), so server bytes are escaped losslessly there as in
 * the JSONL output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "findings.h"
#include "jsonw.h"
#include "output.h"

/* Tags beyond "pop3" and "network", by finding id prefix. */
static const struct {
    const char *prefix;
    const char *tags[2];
} TAGS[] = {
    {"pop3-detected", {"detect", NULL}},
    {"pop3-tls-", {"tls", NULL}},
    {"pop3-stls-", {"tls", "stls"}},
    {"pop3-ntlm-", {"ntlm", "disclosure"}},
    {"pop3-cleartext", {"cleartext", NULL}},
    {"pop3-plaintext-login", {"cleartext", "auth"}},
    {"pop3-apop", {"auth", NULL}},
    {"pop3-version-", {"disclosure", NULL}},
};

static void tags_json(struct p3s_jw *w, const char *id)
{
    p3s_jw_array(w);
    p3s_jw_str(w, "pop3");
    p3s_jw_str(w, "network");
    for (size_t i = 0; i < sizeof TAGS / sizeof TAGS[0]; i++) {
        if (strncmp(id, TAGS[i].prefix, strlen(TAGS[i].prefix)) != 0)
            continue;
        for (size_t k = 0; k < 2 && TAGS[i].tags[k]; k++)
            p3s_jw_str(w, TAGS[i].tags[k]);
        break;
    }
    p3s_jw_end(w);
}

/* RFC 3339 UTC with nanoseconds, as nuclei writes its timestamps: 2026-11-26T10:00:00.000000000Z */
static void timestamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm)) {
        snprintf(buf, cap, "1970-01-01T00:00:00.000000000Z");
        return;
    }
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%09ldZ", (long)ts.tv_nsec);
}

/* The software behind the finding, as nuclei templates describe theirs: the CPE under
 * classification, the rest (with how sure the identification is) under metadata. */
static void product_json(struct p3s_jw *w, const struct p3fp_match *m)
{
    if (!m)
        return;
    if (m->cpe[0]) {
        P3S_JW_KEY(w, "classification");
        p3s_jw_object(w);
        P3S_JW_KEY(w, "cpe");
        p3s_jw_str(w, m->cpe);
        p3s_jw_end(w);
    }
    P3S_JW_KEY(w, "metadata");
    p3s_jw_object(w);
    P3S_JW_KEY(w, "vendor");
    p3s_jw_str(w, m->vendor);
    P3S_JW_KEY(w, "product");
    p3s_jw_str(w, m->product);
    P3S_JW_KEY(w, "version");
    p3s_jw_str(w, m->version[0] ? m->version : NULL);
    P3S_JW_KEY(w, "confidence");
    p3s_jw_str(w, p3fp_confidence_name(m->confidence));
    P3S_JW_KEY(w, "evidence");
    p3s_output_jw_evidence(w, m);
    p3s_jw_end(w);
}

static void finding_json(struct p3s_jw *w, const struct p3s_record *r, const struct p3s_finding *f,
                         const char *port, const char *matched_at, const char *when)
{
    const struct p3s_finding_def *d = f->def;
    p3s_jw_object(w);
    P3S_JW_KEY(w, "template-id");
    p3s_jw_str(w, d->id);
    P3S_JW_KEY(w, "info");
    p3s_jw_object(w);
    P3S_JW_KEY(w, "name");
    p3s_jw_str(w, d->title);
    P3S_JW_KEY(w, "author");
    p3s_jw_array(w);
    p3s_jw_str(w, "pop3scan");
    p3s_jw_end(w);
    P3S_JW_KEY(w, "tags");
    tags_json(w, d->id);
    P3S_JW_KEY(w, "description");
    p3s_jw_str(w, d->title);
    P3S_JW_KEY(w, "severity");
    p3s_jw_str(w, p3s_severity_name(d->severity));
    P3S_JW_KEY(w, "remediation");
    p3s_jw_str(w, d->remediation ? d->remediation : "");
    product_json(w, r->product && r->product->rule_id ? r->product : NULL);
    p3s_jw_end(w);
    P3S_JW_KEY(w, "type");
    p3s_jw_str(w, "tcp");
    P3S_JW_KEY(w, "host");
    p3s_jw_str(w, r->target);
    P3S_JW_KEY(w, "port");
    p3s_jw_str(w, port);
    P3S_JW_KEY(w, "matched-at");
    p3s_jw_str(w, matched_at);
    P3S_JW_KEY(w, "extracted-results");
    p3s_jw_array(w);
    if (f->evidence)
        p3s_jw_bytes(w, f->evidence, f->evidence_len);
    p3s_jw_end(w);
    P3S_JW_KEY(w, "ip");
    p3s_jw_str(w, r->ip);
    P3S_JW_KEY(w, "timestamp");
    p3s_jw_str(w, when);
    P3S_JW_KEY(w, "matcher-status");
    p3s_jw_bool(w, 1);
    if (r->discovery) { /* --discover: how the host was found, as in the jsonl format */
        P3S_JW_KEY(w, "discovered_via");
        p3s_output_jw_via(w, r->discovery);
        P3S_JW_KEY(w, "discovery");
        p3s_output_jw_discovery(w, r->discovery);
    }
    p3s_jw_end(w);
    p3s_jw_raw(w, "\n", 1);
}

static int nuclei_record(struct p3s_output *o, const struct p3s_record *r)
{
    if (r->nfindings == 0)
        return 0;
    struct p3s_jw *w = o->state;
    char port[8] = "", when[48];
    if (r->port)
        snprintf(port, sizeof port, "%u", r->port);
    /* host:port, an IPv6 literal in brackets (as nuclei and URLs write it). */
    size_t tlen = strlen(r->target);
    char *matched_at = malloc(tlen + sizeof port + 4);
    if (!matched_at)
        return -1;
    int v6 = memchr(r->target, ':', tlen) != NULL;
    snprintf(matched_at, tlen + sizeof port + 4, "%s%s%s%s%s", v6 ? "[" : "", r->target,
             v6 ? "]" : "", port[0] ? ":" : "", port);
    timestamp(when, sizeof when);

    p3s_jw_reset(w);
    for (size_t i = 0; i < r->nfindings; i++)
        finding_json(w, r, &r->findings[i], port, matched_at, when);
    free(matched_at);
    return p3s_output_jw_write(o);
}

const struct p3s_output_module p3s_output_nuclei = {"nuclei", p3s_output_jw_begin,
                                                    nuclei_record, p3s_output_jw_end};
