/* main.c — pop3scan's entry point: parse the command line, open the outputs, run the scan, and
 * turn its outcome into the exit status (0 ran, 1 --fail-on matched, 2 bad input, 3 fatal). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_report.h"
#include "output.h"
#include "report.h"
#include "scan.h"
#include "scan_internal.h"
#include "targetgen.h"

static int open_outputs(const struct p3s_config *cfg, struct p3s_output *outs)
{
    const char *no_color = getenv("NO_COLOR");
    memset(outs, 0, cfg->noutputs * sizeof *outs);
    for (size_t i = 0; i < cfg->noutputs; i++) {
        const struct p3s_output_spec *spec = &cfg->outputs[i];
        struct p3s_output *o = &outs[i];
        o->module = p3s_output_find(spec->format);
        /* --resume goes on with the files of the interrupted run: append to them. */
        if (strcmp(spec->path, "-") == 0) {
            o->fp = stdout;
        } else if (!(o->fp = fopen(spec->path, cfg->resuming ? "a" : "w"))) {
            fprintf(stderr, "pop3scan: cannot write '%s': ", spec->path);
            perror(NULL);
            return 2;
        }
        o->is_tty = isatty(fileno(o->fp));
        o->color = cfg->color == 1 || (cfg->color == -1 && o->is_tty && !(no_color && *no_color));
    }
    return 0;
}

static int close_outputs(struct p3s_output *outs, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!outs[i].fp)
            continue;
        if (fflush(outs[i].fp) != 0 || ferror(outs[i].fp))
            rc = 3;
        if (outs[i].fp != stdout)
            fclose(outs[i].fp);
    }
    return rc;
}

/* --dry-run: the targets, one per line, as the scan would visit them; nothing is sent. */
static int dry_run(struct p3s_config *cfg)
{
    struct p3s_target t;
    char err[512];
    size_t bad = 0;
    int got, failed = 0;
    while ((got = p3s_tgen_next(cfg->gen, &t, err, sizeof err)) != 0) {
        if (got == -2) {
            fprintf(stderr, "pop3scan: %s\n", err);
            failed = 1;
            continue;
        }
        if (got < 0) {
            p3s_report_bad_line(&bad, err);
            continue;
        }
        int v6 = t.kind == P3S_TARGET_IPV6;
        if (t.port)
            printf(v6 ? "[%s]:%u\n" : "%s:%u\n", t.host, t.port);
        else
            printf("%s\n", t.host);
    }
    p3s_report_bad_line(&bad, NULL);
    if (fflush(stdout) != 0)
        return 3;
    return failed ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0) /* pop3scan report: cmd_report.c */
        return p3s_cmd_report(argc - 1, argv + 1);
    p3s_report_argv(argc, argv); /* --report: how the scan ran */
    struct p3s_config cfg;
    int rc = p3s_cli_parse(argc, argv, &cfg);
    if (rc != 0) {
        p3s_cli_free(&cfg);
        return rc < 0 ? 0 : rc;
    }
    signal(SIGPIPE, SIG_IGN);
    if (cfg.dry_run) {
        rc = dry_run(&cfg);
        p3s_cli_free(&cfg);
        return rc;
    }
    struct p3s_output outs[P3S_MAX_OUTPUTS];
    struct p3s_summary sum;
    memset(&sum, 0, sizeof sum);
    rc = open_outputs(&cfg, outs);
    if (rc == 0)
        rc = p3s_scan_run(&cfg, outs, cfg.noutputs, &sum);
    int crc = close_outputs(outs, cfg.noutputs);
    if (rc == 0)
        rc = crc;
    if (rc == 0 && sum.input_failed)
        rc = 2; /* the targets scanned are not all those given */
    else if (rc == 0 && sum.interrupted)
        rc = 128 + sum.interrupted; /* 130 for SIGINT, 143 for SIGTERM, as shells report */
    else if (rc == 0 && cfg.fail_on >= 0)
        for (int sev = cfg.fail_on; sev < 4; sev++)
            if (sum.findings_by_severity[sev])
                rc = 1;
    p3s_cli_free(&cfg);
    return rc;
}
