/* config.h — everything the command line decides, handed from the CLI (cli.c) to the scan. */
#ifndef POP3SCAN_CONFIG_H
#define POP3SCAN_CONFIG_H

#include <stddef.h>

#include "targets.h"

struct p3s_output_spec {
    const char *format; /* a module name: text, jsonl */
    const char *path;   /* NULL or "-" for standard output */
};

#define P3S_MAX_OUTPUTS 8

struct p3s_config {
    struct p3s_portlist ports;
    int connect_timeout_ms;
    int read_timeout_ms;
    int deadline_ms;
    int concurrency;
    double rate;  /* new connections per second; 0: unlimited */
    int retries;  /* extra connect attempts after a connect timeout */
    int progress; /* --progress: report on standard error even when it is not a terminal */
    int family; /* 0, 4 or 6 */
    const char *resolver;
    int user_probe;
    int stls;
    int fail_on;  /* a severity, or -1 */
    int color;    /* -1 auto, 0 never, 1 always */
    struct p3s_output_spec outputs[P3S_MAX_OUTPUTS];
    size_t noutputs;
    char **targets;
    size_t ntargets;
};

#endif
