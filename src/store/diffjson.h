/* diffjson.h — one change found by diff (diff.h) as the JSON object `pop3scan diff -f jsonl`
 * writes a line of (docs/history.md): its kind, key, old and new values (lists as arrays, with
 * what was added and removed), and the two scans compared. The report's changes since the last
 * scan are the same objects (src/report/report_store.c). */
#ifndef POP3SCAN_DIFFJSON_H
#define POP3SCAN_DIFFJSON_H

#include <stddef.h>
#include <stdint.h>

#include "diff.h"

struct p3s_jw;

/* The writer and its scratch buffers (a column text's raw bytes); zero it before use. */
struct p3s_diffjson {
    struct p3s_jw *jw;
    char *raw, *cut;
    size_t rawcap, cutcap;
    int failed; /* out of memory */
};

/* A compared scan as old_scan/new_scan say it: text (a file, campaign:NAME) or an id. */
struct p3s_diffjson_side {
    const char *text; /* NULL: the id */
    int64_t id;
};

/* Appends the change's object (no newline) to o->jw. */
void p3s_diffjson_change(struct p3s_diffjson *o, const struct p3s_change *c,
                         const struct p3s_diffjson_side *old_scan,
                         const struct p3s_diffjson_side *new_scan);
void p3s_diffjson_free(struct p3s_diffjson *o);

#endif
