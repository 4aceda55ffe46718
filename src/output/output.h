/* output.h — output formats as modules behind one small interface (ZMap style).
 *
 * A module is a struct of function pointers found by name (p3s_output_find). The scan calls
 * begin once, record for every finished record as it completes (results stream out; nothing holds
 * them all), and end with the summary. Each module escapes server bytes for its own format.
 */
#ifndef POP3SCAN_OUTPUT_H
#define POP3SCAN_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"

/* Names that did not resolve, shown in the summary: the first few by name, the rest counted. */
#define P3S_UNRESOLVED_SHOWN 10

struct p3s_summary {
    size_t targets;
    size_t records;
    size_t by_state[7];  /* records by state, those ended by a second signal left out */
    size_t interrupted_records; /* ended by a second signal (or an output failure): not errors */
    size_t not_answered; /* records of ports where no service answered (hidden by --open) */
    size_t duplicates;   /* jobs not scanned: the same address, port and transport again */
    size_t bad_lines;    /* bad target lines reported */
    size_t unresolved;   /* names that did not resolve */
    char *unresolved_names[P3S_UNRESOLVED_SHOWN]; /* "name (why)", the first ones */
    double start_wall;   /* the scan's start and end, seconds since the epoch */
    double end_wall;
    size_t confirmed;
    size_t findings_by_severity[4];
    double elapsed_ms;
    size_t concurrency_lowered; /* the concurrency the scan fell back to when out of fds */
    int interrupted;            /* the signal that stopped the scan, or 0 */
    int input_failed;           /* a target file could not be read to its end: exit 2 */
    int output_failed;          /* an output could not be written: exit 3 */
};

struct p3s_output;

/* An output as the command line names it (-o [FORMAT:]FILE). */
struct p3s_output_spec {
    const char *format; /* a module name: text, jsonl, csv, nuclei */
    const char *path;   /* "-" for standard output */
};
#define P3S_MAX_OUTPUTS 8

struct p3s_output_module {
    const char *name;
    int (*begin)(struct p3s_output *o);
    int (*record)(struct p3s_output *o, const struct p3s_record *r);
    int (*end)(struct p3s_output *o, const struct p3s_summary *s);
};

struct p3s_output {
    const struct p3s_output_module *module;
    FILE *fp;
    int color;     /* write ANSI colour (our own, never the server's) */
    int is_tty;
    int open_only; /* only records of services that answered (--open) */
    int ascii;     /* text: the locale is not UTF-8, write ASCII only */
    int terminal_report; /* the text report added on the terminal beside -o files */
    int on_stdout;       /* writes where standard output goes ("-", /dev/stdout, its file) */
    void *state;   /* the module's own */
    /* Set by an output that stores records on a thread of its own (the history): how many
     * records record() took and how many of them are stored for good. --resume marks a target
     * finished only once every record taken before it is stored. Returns 0; -1 once it failed
     * (no record taken from then on will be stored); -2 when it failed and the scan must stop
     * (it was the scan's main output). NULL: an output written when flushed. */
    int (*durable)(struct p3s_output *o, uint64_t *taken, uint64_t *stored);
    /* The destination (outfile.c). */
    const char *name; /* as given: a path, or "-" */
    char *final;      /* a new file: the name it gets at the end */
    char *tmp;        /* a new file: the temporary name it is written under until then */
    int existed;      /* final existed before the run */
    int failed;       /* a write failed (said once) */
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

/* --discover: how a record was found, as JSON: {"domain", "ways": [{"via", "query", "host",
 * "chain", "priority", "weight", "port"}], "notes"} (docs/output.md); null for NULL. */
void p3s_output_jw_discovery(struct p3s_jw *w, const struct p3s_discovery *d);
/* The distinct ways of d in order, as JSON ["srv", "mx"], or null for NULL. */
void p3s_output_jw_via(struct p3s_jw *w, const struct p3s_discovery *d);
/* The same as words joined by sep ("srv mx"), into out; "" for NULL. */
void p3s_output_via_text(const struct p3s_discovery *d, const char *sep, char *out, size_t cap);

/* One record as a JSONL object (no newline), appended to w: what the jsonl module writes, and
 * what the report modules read (src/report/output_report.c). */
void p3s_jsonl_record(struct p3s_jw *w, const struct p3s_record *r);

/* The summary the text report ends with, every line after prefix: counts by state, findings,
 * what --open hid, duplicates, names that did not resolve, an interruption. main.c prints it on
 * standard error (prefix "pop3scan: ") when no text report is on standard output. */
void p3s_text_summary(FILE *fp, const struct p3s_summary *s, int open_only, const char *prefix);

/* One record as a JSONL object (no newline), appended to w: what the jsonl module writes, and
 * what the scan history keeps (src/cli/scanstore.c). */
void p3s_jsonl_record(struct p3s_jw *w, const struct p3s_record *r);

/* Adds a module of a higher layer to the registry (the report's html and markdown,
 * src/report/output_report.c, registered by main.c before the command line is read), so that
 * --format, -o FORMAT:FILE and the names below know it. At most 8. */
void p3s_output_register(const struct p3s_output_module *m);

/* Names of every module, for --help and error messages. */
const char *p3s_output_names(void);

extern const struct p3s_output_module p3s_output_text;
extern const struct p3s_output_module p3s_output_jsonl;
extern const struct p3s_output_module p3s_output_csv;
extern const struct p3s_output_module p3s_output_nuclei;

#endif
