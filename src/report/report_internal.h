/* report_internal.h — the compact model of a report, shared by the model (model.c), the writers
 * (report_html.c, report_md.c) and the charts (svg.c). Not for use outside src/report/.
 *
 * Every string here is an id of r->str, in display form (text.h): the writers only escape it
 * for their context. A record's details (what its expanded view shows) are one JSON object
 * kept as text in r->detail, already escaped for a <script> block; its findings one sequence
 * of (kind, evidence) ids in r->fsets. Records that share them share the ids.
 */
#ifndef POP3SCAN_REPORT_INTERNAL_H
#define POP3SCAN_REPORT_INTERNAL_H

#include <stdint.h>

#include "pool.h"
#include "report.h"
#include "text.h"

#define P3S_RP_NSTATES 7
#define P3S_RP_NPROTOS 5
#define P3S_RP_NSEVS 4
extern const char *const P3S_RP_STATES[P3S_RP_NSTATES]; /* as JSONL "state", pop3 first */
extern const char *const P3S_RP_PROTOS[P3S_RP_NPROTOS]; /* SSLv3 … TLSv1.3, as tls.versions */
extern const char *const P3S_RP_SEVS[P3S_RP_NSEVS];     /* info, low, medium, high */

/* One server string shown in the report keeps at most this many bytes (a greeting is cut at
 * 1024 bytes by the scanner, so only hostile capability lists and certificates reach it). */
#define P3S_RP_STRING_MAX 8192
/* Distinct server text kept in all, beyond which new strings and details are left out with a
 * note: a /16 of servers that all send different megabyte-sized answers still gives a report
 * that opens. */
#define P3S_RP_BUDGET ((size_t)48 << 20)

#define P3S_RP_NO_TIME INT64_MIN

struct p3s_rp_rec {
    uint32_t target, ip;   /* ip P3S_NONE when the name did not resolve */
    uint32_t greeting;     /* P3S_NONE: none */
    uint32_t product;      /* "Dovecot 2.3.19" (vendor, name, version), P3S_NONE: none */
    uint32_t tls_version;  /* negotiated, P3S_NONE: no TLS */
    uint32_t detail;       /* id in r->detail */
    uint32_t fset;         /* id in r->fsets, P3S_NONE: no findings */
    int64_t cert_end;      /* the certificate's not_after (seconds), P3S_RP_NO_TIME */
    int64_t started_ms;    /* the record's timestamp (milliseconds), P3S_RP_NO_TIME */
    float connect_ms, total_ms; /* negative: not known */
    uint16_t port;         /* 0: none */
    uint8_t state;         /* index in P3S_RP_STATES */
    uint8_t tls;           /* implicit-TLS port */
    uint8_t confidence;    /* 0 none, 1 probable, 2 confirmed */
    uint8_t pconf;         /* product confidence: 0 none, 1 guess, 2 likely, 3 certain */
    uint8_t maxsev;        /* 0 no finding, else 1 + the highest severity */
    uint8_t nfindings;
};

struct p3s_rp_def { /* a kind of finding, as the records name it */
    uint32_t id, title, remediation;
    uint8_t sev;
    size_t count;    /* findings of this kind */
    size_t services; /* records with at least one */
    size_t last_rec; /* 1 + the last record counted in services */
};

struct p3s_rp_change {
    uint32_t kind, target, ip, old, neu, note; /* note: what else the change says */
    uint16_t port;
    uint8_t tls;
};

struct p3s_rp_point { /* one scan of the history */
    uint32_t label;   /* when it started, or its id */
    int64_t services; /* -1: not known */
    int64_t high;     /* high findings, -1: not known */
};

struct p3s_report {
    struct p3s_pool str, detail, fsets;
    struct p3s_rp_rec *recs;
    size_t nrecs, recs_cap;
    struct p3s_rp_def *defs;
    uint32_t ndefs, defs_cap;
    struct p3s_idmap def_of; /* finding id (str) -> index in defs */
    struct p3s_rp_change *changes;
    size_t nchanges, changes_cap;
    struct p3s_rp_point *hist;
    size_t nhist, hist_cap;
    struct json_t *meta;

    size_t by_state[P3S_RP_NSTATES];
    size_t confirmed;
    size_t findings_by_sev[P3S_RP_NSEVS];
    size_t services_by_sev[P3S_RP_NSEVS]; /* records by their highest severity */
    struct p3s_idmap products;            /* product label -> POP3 services */
    size_t unidentified;                  /* POP3 services without a product */
    size_t tls_accepted[P3S_RP_NPROTOS];  /* services that accepted each version */
    size_t tls_probed;                    /* services whose versions were probed */
    struct p3s_idmap tls_negotiated;      /* version -> services */
    size_t with_cert;
    struct p3s_idmap change_kinds; /* kind -> changes */
    size_t left_out;               /* strings or details replaced by the budget's note */
    size_t budget;                 /* P3S_RP_BUDGET; smaller in the unit tests */

    struct p3s_rbuf tmp, tmp2; /* scratch for the model */
    uint32_t left_out_id;      /* the note that replaces them */
};

/* Helpers shared by the writers (model.c). */
const char *p3s_rp_str(const struct p3s_report *r, uint32_t id, size_t *n);
/* The records' order in the report: by address (numerically), port, transport, target. The
 * caller frees the array. */
uint32_t *p3s_rp_sorted(const struct p3s_report *r);
/* The reference time for certificate ages (see p3s_report_opts.now). */
int64_t p3s_rp_now(const struct p3s_report *r, const struct p3s_report_opts *o);
/* A member of the metadata as a display string appended to b: strings as they are, a command
 * array joined by spaces (words quoted when needed), numbers in decimal; 0 when absent. */
int p3s_rp_meta(const struct p3s_report *r, const char *key, struct p3s_rbuf *b);
/* How long the scan took, in milliseconds (elapsed_ms, or ended - started), or -1. */
double p3s_rp_elapsed_ms(const struct p3s_report *r);
/* Distinct targets and distinct addresses among the records. */
size_t p3s_rp_count_distinct(const struct p3s_report *r, int of_ip);
/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ" (fractions and offsets allowed), or
 * P3S_RP_NO_TIME. */
int64_t p3s_rp_parse_time(const char *s);
/* The same with milliseconds ("…T10:00:00.123Z"), in milliseconds since the epoch. */
int64_t p3s_rp_parse_time_ms(const char *s);
/* "2026-11-26 10:00 UTC" for t. */
void p3s_rp_fmt_time(int64_t t, char *out, size_t n);
/* The entries of a tally (products, kinds of change) as {string, count}, sorted by count (most
 * first) then name, or by name only; the caller frees the array. */
struct p3s_rp_pair {
    uint32_t key, count;
};
struct p3s_rp_pair *p3s_rp_pairs(const struct p3s_report *r, const struct p3s_idmap *m,
                                 int by_count, size_t *n);
/* The label a findings severity or a product confidence goes by. */
const char *p3s_rp_pconf_name(int pconf);

/* Charts (svg.c): each writes one <figure> with an inline SVG into b. */
void p3s_svg_findings(struct p3s_rbuf *b, const struct p3s_report *r);
void p3s_svg_products(struct p3s_rbuf *b, const struct p3s_report *r);
void p3s_svg_tls(struct p3s_rbuf *b, const struct p3s_report *r);
void p3s_svg_expiry(struct p3s_rbuf *b, const struct p3s_report *r, int64_t now);
void p3s_svg_history(struct p3s_rbuf *b, const struct p3s_report *r);

#endif
