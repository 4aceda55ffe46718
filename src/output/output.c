/* output.c — the registry of output modules (see output.h), and the JSON pieces the JSON-line
 * modules share. */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

static const struct p3s_output_module *const MODULES[] = {
    &p3s_output_text, &p3s_output_jsonl, &p3s_output_csv, &p3s_output_nuclei, NULL};

#define MAX_REGISTERED 8
static const struct p3s_output_module *registered[MAX_REGISTERED];
static size_t nregistered;
static char names[256];

void p3s_output_register(const struct p3s_output_module *m)
{
    for (size_t i = 0; i < nregistered; i++)
        if (registered[i] == m)
            return;
    if (nregistered < MAX_REGISTERED)
        registered[nregistered++] = m;
    names[0] = '\0'; /* p3s_output_names() makes the list again */
}

const struct p3s_output_module *p3s_output_find(const char *name)
{
    for (size_t i = 0; MODULES[i]; i++)
        if (strcmp(MODULES[i]->name, name) == 0)
            return MODULES[i];
    for (size_t i = 0; i < nregistered; i++)
        if (strcmp(registered[i]->name, name) == 0)
            return registered[i];
    return NULL;
}

int p3s_output_jw_begin(struct p3s_output *o)
{
    o->state = calloc(1, sizeof(struct p3s_jw));
    return o->state ? 0 : -1;
}

int p3s_output_jw_write(struct p3s_output *o)
{
    struct p3s_jw *w = o->state;
    if (!p3s_jw_ok(w))
        return -1;
    /* One write per record; the scan flushes at the end of each loop pass (results stream). */
    return fwrite(w->buf, 1, w->len, o->fp) == w->len ? 0 : -1;
}

int p3s_output_jw_end(struct p3s_output *o, const struct p3s_summary *s)
{
    (void)s;
    if (o->state)
        p3s_jw_free(o->state);
    free(o->state);
    o->state = NULL;
    return fflush(o->fp);
}

/* The identification's confidence and what it rests on: the same members in JSONL's product
 * object and nuclei's metadata. */
void p3s_output_jw_evidence(struct p3s_jw *w, const struct p3fp_match *m)
{
    p3s_jw_object(w);
    P3S_JW_KEY(w, "rule");
    p3s_jw_str(w, m->rule_id);
    P3S_JW_KEY(w, "sources");
    p3s_jw_array(w);
    for (int i = 0; i < P3FP_SRC_COUNT; i++)
        if (m->sources & 1u << i)
            p3s_jw_str(w, p3fp_source_name(i));
    p3s_jw_end(w);
    P3S_JW_KEY(w, "conflict");
    if (m->conflict_rule) {
        p3s_jw_object(w);
        P3S_JW_KEY(w, "rule");
        p3s_jw_str(w, m->conflict_rule);
        P3S_JW_KEY(w, "vendor");
        p3s_jw_str(w, m->conflict_vendor);
        P3S_JW_KEY(w, "name");
        p3s_jw_str(w, m->conflict_product);
        p3s_jw_end(w);
    } else {
        p3s_jw_null(w);
    }
    p3s_jw_end(w);
}

const char *p3s_output_names(void)
{
    if (!names[0]) {
        size_t n = 0;
        for (size_t i = 0; MODULES[i]; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
                                  MODULES[i]->name);
        for (size_t i = 0; i < nregistered && n < sizeof names; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, ", %s", registered[i]->name);
    }
    return names;
}

void p3s_output_via_text(const struct p3s_discovery *d, const char *sep, char *out, size_t cap)
{
    size_t at = 0;
    unsigned seen = 0;
    out[0] = '\0';
    for (size_t i = 0; d && i < d->nways && at < cap; i++) {
        unsigned bit = 1u << d->ways[i].via;
        if (seen & bit)
            continue;
        seen |= bit;
        at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? sep : "",
                               p3s_via_name(d->ways[i].via));
    }
}

void p3s_output_jw_via(struct p3s_jw *w, const struct p3s_discovery *d)
{
    if (!d) {
        p3s_jw_null(w);
        return;
    }
    unsigned seen = 0;
    p3s_jw_array(w);
    for (size_t i = 0; i < d->nways; i++) {
        unsigned bit = 1u << d->ways[i].via;
        if (!(seen & bit))
            p3s_jw_str(w, p3s_via_name(d->ways[i].via));
        seen |= bit;
    }
    p3s_jw_end(w);
}

/* Names from DNS are in presentation form (escaped by dnsmsg.c), and still go through the
 * writer's own escaping like any text. */
static void int_or_null(struct p3s_jw *w, int v)
{
    if (v < 0)
        p3s_jw_null(w);
    else
        p3s_jw_int(w, v);
}

void p3s_output_jw_discovery(struct p3s_jw *w, const struct p3s_discovery *d)
{
    if (!d) {
        p3s_jw_null(w);
        return;
    }
    p3s_jw_object(w);
    P3S_JW_KEY(w, "domain");
    p3s_jw_bytes(w, d->domain, strlen(d->domain));
    P3S_JW_KEY(w, "ways");
    p3s_jw_array(w);
    for (size_t i = 0; i < d->nways; i++) {
        const struct p3s_way *x = &d->ways[i];
        p3s_jw_object(w);
        P3S_JW_KEY(w, "via");
        p3s_jw_str(w, p3s_via_name(x->via));
        P3S_JW_KEY(w, "query");
        p3s_jw_bytes(w, x->query, strlen(x->query));
        P3S_JW_KEY(w, "host");
        p3s_jw_bytes(w, x->host, strlen(x->host));
        P3S_JW_KEY(w, "chain");
        p3s_jw_array(w);
        for (size_t k = 0; k < x->nchain; k++)
            p3s_jw_bytes(w, x->chain[k], strlen(x->chain[k]));
        p3s_jw_end(w);
        P3S_JW_KEY(w, "priority");
        int_or_null(w, x->priority);
        P3S_JW_KEY(w, "weight");
        int_or_null(w, x->weight);
        P3S_JW_KEY(w, "port");
        int_or_null(w, x->port);
        p3s_jw_end(w);
    }
    p3s_jw_end(w);
    P3S_JW_KEY(w, "notes");
    p3s_jw_array(w);
    for (size_t i = 0; i < d->nnotes; i++)
        p3s_jw_bytes(w, d->notes[i], strlen(d->notes[i]));
    p3s_jw_end(w);
    p3s_jw_end(w);
}
