/* output_report.c — the report as output modules (output.h): `--report FILE`, `-o html:FILE`,
 * `-f markdown`. The scan hands each finished record over as it hands it to the other outputs;
 * the module turns it into its JSONL form — the very text the jsonl module writes — and adds
 * it to the report's compact model, so a report written at the end of a scan is the one
 * `pop3scan report` makes from that scan's JSONL. Only the model is kept (report.h): a /16 of
 * records takes a few MiB. The document is written at the end, with how the scan ran.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "jsonw.h"
#include "output.h"
#include "report.h"
#include "util.h"

#ifndef P3S_VERSION
#define P3S_VERSION "0.1.0"
#endif

static int g_argc;
static char **g_argv;

extern const struct p3s_output_module p3s_output_html, p3s_output_markdown;

void p3s_report_register(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    p3s_output_register(&p3s_output_html);
    p3s_output_register(&p3s_output_markdown);
}

struct report_out {
    struct p3s_report *rep;
    struct p3s_jw jw;
    time_t started;
    int markdown;
};

static void iso(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int report_begin(struct p3s_output *o, int markdown)
{
    struct report_out *s = p3s_xcalloc(1, sizeof *s);
    s->rep = p3s_report_new();
    s->started = time(NULL);
    s->markdown = markdown;
    o->state = s;
    /* --resume opens the outputs for appending; a second document after the first would leave
     * a browser showing the first. A file pop3scan opened is started again (standard output,
     * which the shell may have opened with >>, is left alone). */
    struct stat st;
    if (!o->on_stdout && fstat(fileno(o->fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size) {
        if (ftruncate(fileno(o->fp), 0) == 0)
            rewind(o->fp);
    }
    return 0;
}

static int html_begin(struct p3s_output *o)
{
    return report_begin(o, 0);
}

static int markdown_begin(struct p3s_output *o)
{
    return report_begin(o, 1);
}

static int report_record(struct p3s_output *o, const struct p3s_record *r)
{
    struct report_out *s = o->state;
    char err[256];
    p3s_jw_reset(&s->jw);
    p3s_jsonl_record(&s->jw, r);
    if (!p3s_jw_ok(&s->jw) ||
        p3s_report_add_text(s->rep, P3S_REPORT_RECORD, s->jw.buf, s->jw.len, err, sizeof err)) {
        /* Never: the record is ours. Said, not hidden, should it ever happen. */
        fprintf(stderr, "pop3scan: report: a record was left out: %s\n",
                p3s_jw_ok(&s->jw) ? err : "out of memory");
        return -1;
    }
    return 0;
}

json_t *p3s_report_texts_json(char *const *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char *e = p3s_escape_lossless(v[i], strlen(v[i]), NULL);
        json_array_append_new(a, json_string(e ? e : ""));
        free(e);
    }
    return a;
}

static json_t *meta_json(const struct report_out *s, const struct p3s_summary *sum)
{
    char started[32], ended[32], host[256];
    iso(sum->start_wall > 0 ? (time_t)sum->start_wall : s->started, started, sizeof started);
    iso(sum->end_wall > 0 ? (time_t)sum->end_wall : time(NULL), ended, sizeof ended);
    json_t *m = json_object();
    json_object_set_new(m, "command", p3s_report_texts_json(g_argv, g_argc));
    json_object_set_new(m, "started", json_string(started));
    json_object_set_new(m, "ended", json_string(ended));
    json_object_set_new(m, "elapsed_ms", json_real(sum->elapsed_ms));
    json_object_set_new(m, "status", json_string(sum->interrupted   ? "interrupted"
                                                 : sum->input_failed ? "incomplete"
                                                                     : "complete"));
    if (sum->interrupted)
        json_object_set_new(m, "interrupted", json_integer(sum->interrupted));
    json_object_set_new(m, "version", json_string(P3S_VERSION));
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        char *e = p3s_escape_lossless(host, strlen(host), NULL);
        json_object_set_new(m, "host", json_string(e ? e : ""));
        free(e);
    }
    return m;
}

static int report_end(struct p3s_output *o, const struct p3s_summary *sum)
{
    struct report_out *s = o->state;
    if (!s)
        return 0;
    char err[256];
    json_t *meta = meta_json(s, sum);
    p3s_report_set_meta(s->rep, meta, err, sizeof err);
    json_decref(meta);
    struct p3s_report_opts opts = {NULL, 200, time(NULL)};
    int rc = s->markdown ? p3s_report_write_markdown(s->rep, o->fp, &opts)
                         : p3s_report_write_html(s->rep, o->fp, &opts);
    p3s_report_free(s->rep);
    p3s_jw_free(&s->jw);
    free(s);
    o->state = NULL;
    return rc; /* a write error also stays on the stream: main.c exits 3 */
}

const struct p3s_output_module p3s_output_html = {"html", html_begin, report_record, report_end};
const struct p3s_output_module p3s_output_markdown = {"markdown", markdown_begin, report_record,
                                                      report_end};
