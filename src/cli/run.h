/* run.h — the front end of a scan: what the command line decided (config.h) put to work. It
 * draws targets from the target stream as the engine asks for them (dropping what was asked for
 * twice), hands every finished record to the outputs and counts it in the summary, shows the
 * progress line, handles SIGINT and SIGTERM, and keeps the --resume state. The engine
 * (engine/engine.h) does the scanning; this file is the only place that knows both.
 */
#ifndef POP3SCAN_RUN_H
#define POP3SCAN_RUN_H

#include <stddef.h>

#include "config.h"
#include "output.h"

/* Runs the whole scan into the opened outputs. Returns 0 when it ran (the summary says how), 2
 * when the fingerprints could not be loaded, 3 on a fatal runtime error (said on stderr). */
int p3s_run(const struct p3s_config *cfg, struct p3s_output *outs, size_t nouts,
            struct p3s_summary *sum);

/* Reports a bad -iL line on standard error; past a limit only counts them. With NULL, prints
 * the count of those not shown. */
void p3s_report_bad_line(size_t *count, const char *msg);

#endif
