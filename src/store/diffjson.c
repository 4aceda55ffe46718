/* diffjson.c — one change of `pop3scan diff` as a JSON object (diffjson.h): shared by diff's
 * JSONL output and the report's "changes since the last scan" (src/report/report_store.c). */
#include "diffjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "row.h"

static int grow(struct p3s_diffjson *o, char **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    char *p = realloc(*buf, n);
    if (!p) {
        o->failed = 1;
        return -1;
    }
    *buf = p;
    *cap = n;
    return 0;
}

/* The raw bytes of n characters of a column text (row.h), in o->raw. */
static size_t raw_of(struct p3s_diffjson *o, const char *s, size_t n)
{
    /* p3s_row_unescape reads a NUL-terminated text: the item is cut out first. */
    if (grow(o, &o->cut, &o->cutcap, n + 1) || grow(o, &o->raw, &o->rawcap, n + 1))
        return 0;
    memcpy(o->cut, s, n);
    o->cut[n] = '\0';
    return p3s_row_unescape(o->cut, o->raw);
}

static void jw_text(struct p3s_diffjson *o, const char *s)
{
    if (!s) {
        p3s_jw_null(o->jw);
        return;
    }
    size_t n = raw_of(o, s, strlen(s));
    p3s_jw_bytes(o->jw, o->raw, n);
}

/* A list column ('\n') or a word list (' ') as a JSON array. */
static void jw_list(struct p3s_diffjson *o, const char *s, char sep)
{
    if (!s) {
        p3s_jw_null(o->jw);
        return;
    }
    p3s_jw_array(o->jw);
    while (*s) {
        const char *e = strchr(s, sep);
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n) {
            size_t k = raw_of(o, s, n);
            p3s_jw_bytes(o->jw, o->raw, k);
        }
        s += n + (e != NULL);
    }
    p3s_jw_end(o->jw);
}

/* The lines of list a that are not in list b. */
static void jw_missing(struct p3s_diffjson *o, const char *a, const char *b)
{
    p3s_jw_array(o->jw);
    while (a && *a) {
        const char *e = strchr(a, '\n');
        size_t n = e ? (size_t)(e - a) : strlen(a);
        if (n && !p3s_list_has(b, a, n)) {
            size_t k = raw_of(o, a, n);
            p3s_jw_bytes(o->jw, o->raw, k);
        }
        a += n + (e != NULL);
    }
    p3s_jw_end(o->jw);
}

static void jw_finding(struct p3s_diffjson *o, const char *line)
{
    if (!line) {
        p3s_jw_null(o->jw);
        return;
    }
    const char *sp = strchr(line, ' ');
    p3s_jw_object(o->jw);
    P3S_JW_KEY(o->jw, "id");
    size_t n = raw_of(o, line, sp ? (size_t)(sp - line) : strlen(line));
    p3s_jw_bytes(o->jw, o->raw, n);
    P3S_JW_KEY(o->jw, "severity");
    p3s_jw_str(o->jw, sp ? sp + 1 : NULL);
    p3s_jw_end(o->jw);
}

static void jw_product(struct p3s_diffjson *o, const struct p3s_row *r)
{
    if (!r) {
        p3s_jw_null(o->jw);
        return;
    }
    p3s_jw_object(o->jw);
    P3S_JW_KEY(o->jw, "vendor");
    jw_text(o, r->col[P3S_COL_VENDOR]);
    P3S_JW_KEY(o->jw, "name");
    jw_text(o, r->col[P3S_COL_PRODUCT]);
    P3S_JW_KEY(o->jw, "version");
    jw_text(o, r->col[P3S_COL_VERSION]);
    p3s_jw_end(o->jw);
}

static void jw_cert(struct p3s_diffjson *o, const struct p3s_row *r)
{
    p3s_jw_object(o->jw);
    P3S_JW_KEY(o->jw, "sha256");
    jw_text(o, r->col[P3S_COL_CERT_SHA256]);
    P3S_JW_KEY(o->jw, "subject");
    jw_text(o, r->col[P3S_COL_CERT_SUBJECT]);
    P3S_JW_KEY(o->jw, "not_after");
    jw_text(o, r->col[P3S_COL_CERT_NOT_AFTER]);
    p3s_jw_end(o->jw);
}

static void jw_side(struct p3s_jw *w, const struct p3s_diffjson_side *sd)
{
    if (sd->text)
        p3s_jw_str(w, sd->text);
    else
        p3s_jw_int(w, sd->id);
}

void p3s_diffjson_change(struct p3s_diffjson *o, const struct p3s_change *c,
                         const struct p3s_diffjson_side *old_scan,
                         const struct p3s_diffjson_side *new_scan)
{
    const struct p3s_row *r = c->new ? c->new : c->old;
    struct p3s_jw *w = o->jw;
    p3s_jw_object(w);
    P3S_JW_KEY(w, "change");
    p3s_jw_str(w, P3S_CHANGE_NAMES[c->kind]);
    P3S_JW_KEY(w, "target");
    jw_text(o, r->col[P3S_COL_TARGET]);
    P3S_JW_KEY(w, "ip");
    jw_text(o, r->col[P3S_COL_IP][0] ? r->col[P3S_COL_IP] : NULL);
    P3S_JW_KEY(w, "port");
    if (r->port)
        p3s_jw_int(w, r->port);
    else
        p3s_jw_null(w);
    P3S_JW_KEY(w, "transport");
    p3s_jw_str(w, r->col[P3S_COL_TRANSPORT]);
    switch (c->kind) {
    case P3S_CH_PRODUCT:
        P3S_JW_KEY(w, "old");
        jw_product(o, c->old);
        P3S_JW_KEY(w, "new");
        jw_product(o, c->new);
        break;
    case P3S_CH_FINDING_OPENED:
    case P3S_CH_FINDING_CLOSED:
        P3S_JW_KEY(w, "old");
        jw_finding(o, c->old_val);
        P3S_JW_KEY(w, "new");
        jw_finding(o, c->new_val);
        break;
    case P3S_CH_TLS_VERSIONS:
    case P3S_CH_SASL:
    case P3S_CH_SASL_TLS:
        P3S_JW_KEY(w, "old");
        jw_list(o, c->old_val, ' ');
        P3S_JW_KEY(w, "new");
        jw_list(o, c->new_val, ' ');
        break;
    case P3S_CH_CAPABILITIES:
    case P3S_CH_CAPABILITIES_TLS:
        P3S_JW_KEY(w, "old");
        jw_list(o, c->old_val, '\n');
        P3S_JW_KEY(w, "new");
        jw_list(o, c->new_val, '\n');
        P3S_JW_KEY(w, "added");
        jw_missing(o, c->new_val, c->old_val);
        P3S_JW_KEY(w, "removed");
        jw_missing(o, c->old_val, c->new_val);
        break;
    case P3S_CH_CERTIFICATE:
        P3S_JW_KEY(w, "old");
        jw_cert(o, c->old);
        P3S_JW_KEY(w, "new");
        jw_cert(o, c->new);
        break;
    case P3S_CH_CERT_EXPIRING:
        P3S_JW_KEY(w, "old");
        jw_text(o, c->old_val);
        P3S_JW_KEY(w, "new");
        jw_text(o, c->new_val);
        P3S_JW_KEY(w, "days_left");
        p3s_jw_int(w, c->days_left);
        break;
    case P3S_CH_APPEARED:
        P3S_JW_KEY(w, "old");
        jw_text(o, c->old_val);
        P3S_JW_KEY(w, "new");
        jw_text(o, c->new_val);
        P3S_JW_KEY(w, "product");
        jw_product(o, c->new->col[P3S_COL_PRODUCT] || c->new->col[P3S_COL_VENDOR] ? c->new
                                                                                  : NULL);
        P3S_JW_KEY(w, "findings");
        p3s_jw_array(w);
        for (const char *s = c->new->col[P3S_COL_FINDINGS]; s && *s;) {
            const char *e = strchr(s, '\n');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            char line[256];
            snprintf(line, sizeof line, "%.*s", (int)(n < 255 ? n : 255), s);
            jw_finding(o, line);
            s += n + (e != NULL);
        }
        p3s_jw_end(w);
        break;
    default:
        P3S_JW_KEY(w, "old");
        jw_text(o, c->old_val);
        P3S_JW_KEY(w, "new");
        jw_text(o, c->new_val);
        break;
    }
    P3S_JW_KEY(w, "old_scan");
    jw_side(w, old_scan);
    P3S_JW_KEY(w, "new_scan");
    jw_side(w, new_scan);
    p3s_jw_end(w);
}


void p3s_diffjson_free(struct p3s_diffjson *o)
{
    free(o->raw);
    free(o->cut);
    o->raw = o->cut = NULL;
    o->rawcap = o->cutcap = 0;
}
