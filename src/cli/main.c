/* main.c — pop3scan's entry point: parse the command line, make sure something is left to scan,
 * open the outputs, run the scan, say the summary and write --meta, and turn the outcome into
 * the exit status: 0 it ran, 1 --fail-on matched, 2 bad usage or input (or nothing to scan),
 * 3 an output could not be written or another fatal error, 130/143 interrupted by
 * SIGINT/SIGTERM. */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jsonw.h"
#include "outfile.h"
#include "output.h"
#include "cmd.h"
#include "report.h"
#include "run.h"
#include "scanstore.h"
#include "targetgen.h"
#include "util.h"

/* Whether the user's locale (LC_ALL, LC_CTYPE, LANG) is UTF-8. The program itself stays in the
 * C locale: ctype functions must not take a Latin-1 letter for part of a host name. */
static int locale_is_utf8(void)
{
    if (!setlocale(LC_CTYPE, ""))
        return 0;
    int utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    setlocale(LC_CTYPE, "C");
    return utf8;
}

/* Reads ahead to the first target, reporting bad lines on the way, and gives it back to the
 * stream. Returns 1 when there is one, 0 when the input leaves nothing to scan (said, with
 * why), -1 when a target file could not be read (said). */
static int first_target(struct p3s_config *cfg, struct p3s_summary *sum)
{
    struct p3s_target t;
    char err[512];
    int got;
    while ((got = p3s_tgen_next(cfg->gen, &t, err, sizeof err)) < 0) {
        if (got == -2) {
            fprintf(stderr, "pop3scan: %s\n", err);
            return -1;
        }
        p3s_report_bad_line(&sum->bad_lines, err);
    }
    if (got > 0) {
        p3s_tgen_unget(cfg->gen, &t);
        return 1;
    }
    p3s_report_bad_line(&sum->bad_lines, NULL);
    char why[256] = "";
    size_t n = 0;
    if (sum->bad_lines)
        n += (size_t)snprintf(why + n, sizeof why - n, "%s%zu bad target line%s", n ? "; " : "",
                              sum->bad_lines, sum->bad_lines == 1 ? "" : "s");
    if (cfg->nexcludes || cfg->nexclude_files)
        n += (size_t)snprintf(why + n, sizeof why - n, "%sthe exclusions remove the rest",
                              n ? "; " : "");
    if (cfg->shard_count > 1 && n < sizeof why)
        n += (size_t)snprintf(why + n, sizeof why - n, "%sshard %u/%u gets none", n ? "; " : "",
                              cfg->shard_index, cfg->shard_count);
    if (n == 0)
        snprintf(why, sizeof why, "the target files hold no target");
    fprintf(stderr, "pop3scan: nothing to scan: no target is left of those given (%s)\n", why);
    return 0;
}

/* --dry-run: the targets, one per line, as the scan would visit them; nothing is sent. */
static int dry_run(struct p3s_config *cfg, struct p3s_summary *sum)
{
    struct p3s_target t;
    char err[512];
    int got, failed = 0;
    while ((got = p3s_tgen_next(cfg->gen, &t, err, sizeof err)) != 0) {
        if (got == -2) {
            fprintf(stderr, "pop3scan: %s\n", err);
            failed = 1;
            continue;
        }
        if (got < 0) {
            p3s_report_bad_line(&sum->bad_lines, err);
            continue;
        }
        int v6 = t.kind == P3S_TARGET_IPV6;
        if (t.port)
            printf(v6 ? "[%s]:%u\n" : "%s:%u\n", t.host, t.port);
        else
            printf("%s\n", t.host);
    }
    p3s_report_bad_line(&sum->bad_lines, NULL);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("pop3scan: cannot write to standard output");
        return 3;
    }
    return failed ? 2 : 0;
}

static int exit_status(const struct p3s_config *cfg, const struct p3s_summary *sum, int rc)
{
    if (rc != 0)
        return rc;
    if (sum->output_failed)
        return 3;
    if (sum->input_failed)
        return 2; /* the targets scanned are not all those given */
    if (sum->interrupted)
        return 128 + sum->interrupted; /* 130 for SIGINT, 143 for SIGTERM, as shells report */
    for (int sev = cfg->fail_on >= 0 ? cfg->fail_on : 4; sev < 4; sev++)
        if (sum->findings_by_severity[sev])
            return 1;
    return 0;
}

/* The summary goes with the text report on standard output; when standard output holds
 * something else (JSONL, CSV, nothing), it goes to standard error, unless -q. Names that did
 * not resolve are a problem: said on standard error even with -q. */
static void summary_on_stderr(const struct p3s_config *cfg, const struct p3s_output *outs,
                              size_t n, const struct p3s_summary *sum)
{
    int open_only = 0;
    for (size_t i = 0; i < n; i++) {
        if (outs[i].module == &p3s_output_text && outs[i].on_stdout && !outs[i].failed)
            return;
        open_only |= outs[i].open_only;
    }
    if (!cfg->quiet) {
        p3s_text_summary(stderr, sum, open_only, "pop3scan: ");
        return;
    }
    if (sum->unresolved) {
        fprintf(stderr, "pop3scan: %zu name%s did not resolve: ", sum->unresolved,
                sum->unresolved == 1 ? "" : "s");
        size_t shown = sum->unresolved < P3S_UNRESOLVED_SHOWN ? sum->unresolved
                                                              : P3S_UNRESOLVED_SHOWN;
        for (size_t i = 0; i < shown; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", sum->unresolved_names[i]);
        fprintf(stderr, "%s\n", sum->unresolved > shown ? ", ..." : "");
    }
}

static void meta_time(struct p3s_jw *w, double epoch_s)
{
    char buf[P3S_RFC3339_LEN];
    p3s_rfc3339((int64_t)(epoch_s * 1000), buf);
    p3s_jw_str(w, buf);
}

/* --meta FILE: what the records of one run do not say, as one JSON object (docs/output.md). */
static void write_meta(const struct p3s_config *cfg, struct p3s_output *meta,
                       const struct p3s_summary *sum, int status)
{
    static const char *const STATES[] = {"pop3",    "other-service", "closed", "filtered",
                                         "timeout", "tls-error",     "error"};
    struct p3s_jw w;
    memset(&w, 0, sizeof w);
    p3s_jw_object(&w);
    P3S_JW_KEY(&w, "schema");
    p3s_jw_str(&w, "pop3scan/meta/1");
    P3S_JW_KEY(&w, "version");
    p3s_jw_str(&w, P3S_VERSION);
    P3S_JW_KEY(&w, "command");
    p3s_jw_array(&w);
    for (int i = 0; i < cfg->argc; i++)
        p3s_jw_bytes(&w, cfg->argv[i], strlen(cfg->argv[i]));
    p3s_jw_end(&w);
    P3S_JW_KEY(&w, "start");
    meta_time(&w, sum->start_wall);
    P3S_JW_KEY(&w, "end");
    meta_time(&w, sum->end_wall);
    P3S_JW_KEY(&w, "elapsed_ms");
    p3s_jw_milli(&w, sum->elapsed_ms);
    P3S_JW_KEY(&w, "targets");
    p3s_jw_int(&w, (long long)sum->targets);
    P3S_JW_KEY(&w, "records");
    p3s_jw_int(&w, (long long)sum->records);
    P3S_JW_KEY(&w, "states");
    p3s_jw_object(&w);
    for (int i = 0; i < 7; i++) {
        p3s_jw_key(&w, STATES[i]);
        p3s_jw_int(&w, (long long)sum->by_state[i]);
    }
    p3s_jw_end(&w);
    P3S_JW_KEY(&w, "cut_short");
    p3s_jw_int(&w, (long long)sum->interrupted_records);
    P3S_JW_KEY(&w, "duplicates");
    p3s_jw_int(&w, (long long)sum->duplicates);
    P3S_JW_KEY(&w, "unresolved");
    p3s_jw_int(&w, (long long)sum->unresolved);
    P3S_JW_KEY(&w, "bad_target_lines");
    p3s_jw_int(&w, (long long)sum->bad_lines);
    P3S_JW_KEY(&w, "interrupted");
    p3s_jw_bool(&w, sum->interrupted != 0);
    P3S_JW_KEY(&w, "signal");
    p3s_jw_str(&w, sum->interrupted == SIGINT    ? "SIGINT"
                   : sum->interrupted == SIGTERM ? "SIGTERM"
                                                 : NULL);
    P3S_JW_KEY(&w, "exit_status");
    p3s_jw_int(&w, status);
    P3S_JW_KEY(&w, "outputs");
    p3s_jw_array(&w);
    for (size_t i = 0; i < cfg->noutputs; i++) {
        p3s_jw_object(&w);
        P3S_JW_KEY(&w, "format");
        p3s_jw_str(&w, cfg->outputs[i].format);
        P3S_JW_KEY(&w, "path");
        p3s_jw_bytes(&w, cfg->outputs[i].path, strlen(cfg->outputs[i].path));
        p3s_jw_end(&w);
    }
    p3s_jw_end(&w);
    p3s_jw_end(&w);
    p3s_jw_raw(&w, "\n", 1);
    errno = 0;
    size_t len = p3s_jw_ok(&w) ? w.len : 0;
    int rc = len && fwrite(w.buf, 1, len, meta->fp) == len ? 0 : -1, err = errno;
    p3s_output_check(meta, rc, err);
    p3s_jw_free(&w);
}

static void summary_free(struct p3s_summary *sum)
{
    for (size_t i = 0; i < P3S_UNRESOLVED_SHOWN; i++)
        free(sum->unresolved_names[i]);
}

int main(int argc, char **argv)
{
    p3s_report_register(argc, argv); /* the html and markdown outputs (src/report/) */
    int sub = p3s_subcommand(argc, argv); /* pop3scan diff|history|db|report ... */
    if (sub >= 0)
        return sub;
    p3s_scanstore_argv(argc, argv);
    struct p3s_config cfg;
    int rc = p3s_cli_parse(argc, argv, &cfg);
    if (rc != 0) {
        p3s_cli_free(&cfg);
        return rc < 0 ? 0 : rc;
    }
    signal(SIGPIPE, SIG_IGN);
    int utf8 = locale_is_utf8();
    struct p3s_summary sum;
    memset(&sum, 0, sizeof sum);
    if (cfg.dry_run) {
        rc = first_target(&cfg, &sum) > 0 ? dry_run(&cfg, &sum) : 2;
        p3s_cli_free(&cfg);
        return rc;
    }
    struct p3s_output outs[P3S_MAX_DESTS + 1], meta; /* + the history (scanstore.h) */
    size_t nouts = 0;
    int got = first_target(&cfg, &sum);
    struct p3s_output_request req = {cfg.outputs, cfg.noutputs, cfg.meta_path, cfg.resuming,
                                     cfg.quiet};
    rc = got > 0 ? p3s_outputs_open(&req, outs, &nouts, &meta) : 2;
    if (rc == 0 && (rc = p3s_cli_save_new_resume(&cfg)) != 0) {
        p3s_outputs_close(outs, nouts, P3S_KEEP_NONE);
        p3s_outputs_close(&meta, 1, P3S_KEEP_NONE);
    }
    if (rc != 0) {
        p3s_cli_free(&cfg);
        return rc;
    }
    const struct p3s_output_module *text = &p3s_output_text;
    for (size_t i = 0; i < nouts; i++) {
        struct p3s_output *o = &outs[i];
        const char *no_color = getenv("NO_COLOR");
        o->color = cfg.color == 1 || (cfg.color == -1 && o->is_tty && !(no_color && *no_color));
        o->ascii = o->module == text && !utf8;
        o->open_only = cfg.show == P3S_SHOW_OPEN ||
                       (cfg.show == P3S_SHOW_DEFAULT && o->module == text && cfg.range_scanned);
    }
    struct p3s_scanstore *history = p3s_scanstore_open(&cfg);
    int refused = p3s_scanstore_refused(history);
    if (refused) { /* a campaign's shard that cannot run: nothing scanned, nothing written */
        if (cfg.resume_path && !cfg.resuming) /* the state file this run made says nothing */
            unlink(cfg.resume_path);
        p3s_outputs_close(outs, nouts, P3S_KEEP_NONE);
        p3s_outputs_close(&meta, 1, P3S_KEEP_NONE);
        p3s_scanstore_close(history);
        p3s_cli_free(&cfg);
        return refused;
    }
    size_t nall = nouts + (size_t)p3s_scanstore_output(history, &outs[nouts]);
    rc = p3s_run(&cfg, outs, nall, &sum);
    int ran = rc == 0 && !sum.output_failed;
    int crc = p3s_outputs_close(outs, nouts, ran ? P3S_KEEP_ALL : rc ? P3S_KEEP_NONE : P3S_KEEP_NEW);
    if (crc)
        sum.output_failed = 1;
    if (rc == 0)
        summary_on_stderr(&cfg, outs, nouts, &sum);
    int status = exit_status(&cfg, &sum, rc);
    if (meta.fp && rc == 0)
        write_meta(&cfg, &meta, &sum, status);
    if (p3s_outputs_close(&meta, 1, rc == 0 ? P3S_KEEP_ALL : P3S_KEEP_NONE) && status != 3)
        status = 3;
    int hrc = p3s_scanstore_close(history);
    if (status <= 1 && hrc) /* the history named by --db failed: the outputs are complete */
        status = hrc;
    summary_free(&sum);
    p3s_cli_free(&cfg);
    return status;
}
