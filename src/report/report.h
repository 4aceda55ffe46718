/* report.h — the scan report: a self-contained HTML page or a Markdown summary of a scan.
 *
 * A report is built from streams of JSON, whatever they come from (JSONL files given to
 * `pop3scan report`, the records of the scan running now with --report, or the scan history):
 *  - the scan's metadata: one object (p3s_report_set_meta), see docs/report.md;
 *  - the records: pop3scan JSONL record objects (schema/record.schema.json), one at a time;
 *  - optionally the history: one object per earlier scan, {started, services, high};
 *  - optionally the changes since the last scan: the objects of `pop3scan diff -f jsonl`.
 * Each record is reduced on arrival to a compact row whose strings are interned (pool.h), so
 * 65,536 records of similar servers take a few MiB, and the writers (report_html.c,
 * report_md.c) work from that.
 */
#ifndef POP3SCAN_REPORT_H
#define POP3SCAN_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct json_t;
struct p3s_report;

enum p3s_report_input {
    P3S_REPORT_RECORD,  /* a JSONL record */
    P3S_REPORT_HISTORY, /* an earlier scan: {"started", "services" (or "pop3"), "high"} */
    P3S_REPORT_CHANGE,  /* a change of `pop3scan diff -f jsonl` */
};

struct p3s_report *p3s_report_new(void);
void p3s_report_free(struct p3s_report *r);

/* The scan's metadata: an object whose members are all optional — id, started, ended (ISO 8601
 * UTC), status, command (an array of strings or one string), elapsed_ms, interrupted, version,
 * host, targets, options, sources (the files read). A later call replaces it; r keeps its own
 * reference. Returns 0, -1 when meta is not an object. */
int p3s_report_set_meta(struct p3s_report *r, struct json_t *meta, char *err, size_t errlen);
/* Strings that need not be UTF-8 (arguments, file names) as a JSON array for the metadata, each
 * escaped losslessly. */
struct json_t *p3s_report_texts_json(char *const *v, int n);
/* Adds one item of the kind given. Returns 0, or -1 with why in err (not such an item: a
 * member missing or of the wrong type). */
int p3s_report_add(struct p3s_report *r, enum p3s_report_input kind, const struct json_t *item,
                   char *err, size_t errlen);
/* The same from the JSON text of one line (n bytes). */
int p3s_report_add_text(struct p3s_report *r, enum p3s_report_input kind, const char *text,
                        size_t n, char *err, size_t errlen);
size_t p3s_report_records(const struct p3s_report *r);

struct p3s_report_opts {
    const char *title; /* NULL: "POP3 exposure report" */
    size_t md_rows;    /* Markdown: rows of the findings and changes tables (0: all) */
    time_t now;        /* when the report is written; certificate ages count from the scan's
                          end when the metadata has one, else from this */
};

/* Write the whole document; 0, or -1 when writing failed (errno). */
int p3s_report_write_html(struct p3s_report *r, FILE *fp, const struct p3s_report_opts *o);
int p3s_report_write_markdown(struct p3s_report *r, FILE *fp, const struct p3s_report_opts *o);

/* The format a file name asks for: "markdown" for .md and .markdown, else "html". */
const char *p3s_report_format_of(const char *path);

/* Registers the html and markdown output modules (output.h) and keeps the scan's command line
 * for the report's "how the scan ran". main.c calls it first. */
void p3s_report_register(int argc, char **argv);

#endif
