/* output.h — output formats as modules behind one small interface (ZMap style).
 *
 * A module is a struct of function pointers found by name (p3s_output_find). The scan calls
 * begin once, record for every finished record as it completes (results stream out; nothing holds
 * them all), and end with the summary. Each module escapes server bytes for its own format.
 */
#ifndef POP3SCAN_OUTPUT_H
#define POP3SCAN_OUTPUT_H

#include <stdio.h>

#include "record.h"

struct p3s_summary {
    size_t targets;
    size_t records;
    size_t by_state[7];
    size_t confirmed;
    size_t findings_by_severity[4];
    double elapsed_ms;
    size_t concurrency_lowered; /* the concurrency the scan fell back to when out of fds */
    int interrupted;            /* the signal that stopped the scan, or 0 */
    int input_failed;           /* a target file could not be read to its end: exit 2 */
};

struct p3s_output;

struct p3s_output_module {
    const char *name;
    int (*begin)(struct p3s_output *o);
    int (*record)(struct p3s_output *o, const struct p3s_record *r);
    int (*end)(struct p3s_output *o, const struct p3s_summary *s);
};

struct p3s_output {
    const struct p3s_output_module *module;
    FILE *fp;
    int color;   /* write ANSI colour (our own, never the server's) */
    int is_tty;
    void *state; /* the module's own */
};

const struct p3s_output_module *p3s_output_find(const char *name);
/* For modules that write JSON lines with lib/util/jsonw.h: the writer lives in o->state;
 * p3s_output_jw_write() writes what it holds, p3s_output_jw_end() frees it and flushes. */
int p3s_output_jw_begin(struct p3s_output *o);
int p3s_output_jw_write(struct p3s_output *o);
int p3s_output_jw_end(struct p3s_output *o, const struct p3s_summary *s);
struct p3s_jw;
/* {"rule", "sources", "conflict"}: what an identification rests on (docs/output.md). */
void p3s_output_jw_evidence(struct p3s_jw *w, const struct p3fp_match *m);

/* One record as a JSONL object (no newline), appended to w: what the jsonl module writes, and
 * what the report modules read (src/report/output_report.c). */
void p3s_jsonl_record(struct p3s_jw *w, const struct p3s_record *r);

/* Names of every module, for --help and error messages. */
const char *p3s_output_names(void);

extern const struct p3s_output_module p3s_output_text;
extern const struct p3s_output_module p3s_output_jsonl;
extern const struct p3s_output_module p3s_output_csv;
extern const struct p3s_output_module p3s_output_nuclei;
extern const struct p3s_output_module p3s_output_html;     /* src/report/output_report.c */
extern const struct p3s_output_module p3s_output_markdown;

#endif
