/* cli.c — option parsing for pop3scan (see cli.h and man/pop3scan.1, which documents every
 * option listed here). */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "record.h"
#include "util.h"

#ifndef P3S_VERSION
#define P3S_VERSION "0.1.0"
#endif

enum {
    OPT_CONNECT_TIMEOUT = 256,
    OPT_READ_TIMEOUT,
    OPT_DEADLINE,
    OPT_RESOLVER,
    OPT_NO_USER_PROBE,
    OPT_NO_STLS,
    OPT_FAIL_ON,
    OPT_COLOR,
    OPT_NO_COLOR,
    OPT_RATE,
    OPT_RETRIES,
    OPT_PROGRESS
};

static const struct option LONG_OPTS[] = {
    {"ports", required_argument, NULL, 'p'},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"concurrency", required_argument, NULL, 'c'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"read-timeout", required_argument, NULL, OPT_READ_TIMEOUT},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {"resolver", required_argument, NULL, OPT_RESOLVER},
    {"no-user-probe", no_argument, NULL, OPT_NO_USER_PROBE},
    {"no-stls", no_argument, NULL, OPT_NO_STLS},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"color", required_argument, NULL, OPT_COLOR},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"rate", required_argument, NULL, OPT_RATE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: pop3scan [OPTIONS] TARGET...\n"
            "Find POP3 services, prove them, and report how exposed they are.\n"
            "\n"
            "TARGET is a host name, an IPv4 address or an IPv6 address, optionally with :PORT\n"
            "([2001:db8::1]:110 for IPv6 with a port).\n"
            "\n"
            "  -p, --ports LIST          ports and ranges; tls:PORT marks implicit TLS\n"
            "                            (default 110,995; 995 is always implicit TLS)\n"
            "  -f, --format FORMAT       output format: %s (default text)\n"
            "  -o, --output [FORMAT:]FILE  write to FILE (repeatable; - is standard output)\n"
            "  -c, --concurrency N       connections open at once (default 1000)\n"
            "      --connect-timeout T   per connect (default 5s; 500ms, 2.5 and 3s work)\n"
            "      --read-timeout T      per answer (default 5s)\n"
            "      --deadline T          whole dialogue with one port (default 10s)\n"
            "      --rate N              start at most N connections per second (smoothly)\n"
            "      --retries N           try a connect that timed out N more times (default 0)\n"
            "      --progress            progress on standard error even when not a terminal\n"
            "  -4, -6                    use only IPv4 or only IPv6 addresses of names\n"
            "      --resolver IP[:PORT]  DNS server to ask instead of the system's\n"
            "      --no-user-probe       do not send USER to learn if cleartext login is allowed\n"
            "      --no-stls             do not upgrade with STLS\n"
            "      --fail-on SEVERITY    exit 1 when a finding at or above it (info, low,\n"
            "                            medium, high) is reported\n"
            "      --color WHEN          auto, always or never (NO_COLOR is honoured)\n"
            "  -h, --help                this help\n"
            "  -V, --version             the version\n"
            "\n"
            "Exit status: 0 the scan ran; 1 --fail-on matched; 2 bad usage or input;\n"
            "3 fatal runtime error.\n",
            p3s_output_names());
}

static int bad(const char *opt, const char *val, const char *why)
{
    fprintf(stderr, "pop3scan: bad value '%s' for %s: %s\n", val, opt, why);
    fprintf(stderr, "Try 'pop3scan --help'.\n");
    return 2;
}

int p3s_parse_duration_ms(const char *s, int *out)
{
    /* Digits and one optional fraction only: strtod alone would take "nan", hex and exponents. */
    if (!(*s >= '0' && *s <= '9'))
        return -1;
    for (const char *p = s; *p && *p != 'm' && *p != 's'; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0))
        return -1;
    if (strcmp(end, "ms") == 0)
        ;
    else if (*end == '\0' || strcmp(end, "s") == 0)
        v *= 1000.0;
    else
        return -1;
    if (!(v >= 1 && v <= 3600 * 1000.0))
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* --resolver: an address with an optional port, in the form c-ares takes. */
static int parse_resolver(const char *s, struct p3s_config *cfg)
{
    struct p3s_target t;
    char err[256];
    if (p3s_target_parse(s, &t, err, sizeof err) < 0 || t.kind == P3S_TARGET_NAME)
        return -1;
    static char buf[300];
    int v6 = t.kind == P3S_TARGET_IPV6;
    snprintf(buf, sizeof buf, "%s%s%s:%u", v6 ? "[" : "", t.host, v6 ? "]" : "",
             t.port ? t.port : 53);
    cfg->resolver = buf;
    return 0;
}

static int add_output(struct p3s_config *cfg, const char *arg, const char *format)
{
    if (cfg->noutputs >= P3S_MAX_OUTPUTS)
        return bad("--output", arg, "too many outputs");
    const char *colon = strchr(arg, ':');
    static char fmtbuf[P3S_MAX_OUTPUTS][16];
    if (colon && (size_t)(colon - arg) < sizeof fmtbuf[0]) {
        char *f = fmtbuf[cfg->noutputs];
        memcpy(f, arg, (size_t)(colon - arg));
        f[colon - arg] = '\0';
        if (p3s_output_find(f)) {
            format = f;
            arg = colon + 1;
        }
    }
    if (!*arg)
        return bad("--output", arg, "empty file name");
    cfg->outputs[cfg->noutputs].format = format;
    cfg->outputs[cfg->noutputs].path = arg;
    cfg->noutputs++;
    return 0;
}

static void defaults(struct p3s_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 5000;
    cfg->read_timeout_ms = 5000;
    cfg->deadline_ms = 10000;
    cfg->concurrency = 1000;
    cfg->user_probe = 1;
    cfg->stls = 1;
    cfg->fail_on = -1;
    cfg->color = -1;
}

int p3s_cli_parse(int argc, char **argv, struct p3s_config *cfg)
{
    defaults(cfg);
    const char *format = "text";
    const char *ports = "110,995";
    const char *outputs[P3S_MAX_OUTPUTS + 1];
    size_t nout = 0;
    char err[256];
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":p:o:f:c:46hV", LONG_OPTS, NULL)) != -1) {
        const char *name = optind > 1 ? argv[optind - 1] : "?";
        switch (c) {
        case 'p':
            ports = optarg;
            break;
        case 'o':
            if (nout > P3S_MAX_OUTPUTS)
                return bad("--output", optarg, "too many outputs");
            outputs[nout++] = optarg;
            break;
        case 'f':
            if (!p3s_output_find(optarg))
                return bad("--format", optarg, "unknown format");
            format = optarg;
            break;
        case 'c':
            if (parse_int(optarg, 1, 100000, &cfg->concurrency))
                return bad("--concurrency", optarg, "expected 1 to 100000");
            break;
        case OPT_CONNECT_TIMEOUT:
        case OPT_READ_TIMEOUT:
        case OPT_DEADLINE: {
            int *dst = c == OPT_CONNECT_TIMEOUT ? &cfg->connect_timeout_ms
                       : c == OPT_READ_TIMEOUT  ? &cfg->read_timeout_ms
                                                : &cfg->deadline_ms;
            if (p3s_parse_duration_ms(optarg, dst))
                return bad(name, optarg, "expected a duration such as 5, 2.5s or 500ms");
            break;
        }
        case '4':
        case '6':
            cfg->family = c - '0';
            break;
        case OPT_RESOLVER:
            if (parse_resolver(optarg, cfg))
                return bad("--resolver", optarg, "expected IP[:PORT] or [IPv6]:PORT");
            break;
        case OPT_NO_USER_PROBE:
            cfg->user_probe = 0;
            break;
        case OPT_NO_STLS:
            cfg->stls = 0;
            break;
        case OPT_FAIL_ON: {
            enum p3s_severity sev;
            if (p3s_severity_parse(optarg, &sev))
                return bad("--fail-on", optarg, "expected info, low, medium or high");
            cfg->fail_on = (int)sev;
            break;
        }
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                cfg->color = -1;
            else if (strcmp(optarg, "always") == 0)
                cfg->color = 1;
            else if (strcmp(optarg, "never") == 0)
                cfg->color = 0;
            else
                return bad("--color", optarg, "expected auto, always or never");
            break;
        case OPT_NO_COLOR:
            cfg->color = 0;
            break;
        case OPT_RATE: {
            int rate;
            if (parse_int(optarg, 1, 10000000, &rate))
                return bad("--rate", optarg, "expected connections per second, 1 to 10000000");
            cfg->rate = rate;
            break;
        }
        case OPT_RETRIES:
            if (parse_int(optarg, 0, 10, &cfg->retries))
                return bad("--retries", optarg, "expected 0 to 10");
            break;
        case OPT_PROGRESS:
            cfg->progress = 1;
            break;
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            printf("pop3scan %s\n", P3S_VERSION);
            return -1;
        case ':':
            fprintf(stderr, "pop3scan: option '%s' needs a value\nTry 'pop3scan --help'.\n",
                    argv[optind - 1]);
            return 2;
        default:
            /* A short option is named by optopt; a long one only by its argument. */
            if (optopt)
                fprintf(stderr, "pop3scan: unknown option '-%c'\n", optopt);
            else
                fprintf(stderr, "pop3scan: unknown option '%s'\n", argv[optind - 1]);
            fputs("Try 'pop3scan --help'.\n", stderr);
            return 2;
        }
    }
    if (p3s_ports_parse(ports, &cfg->ports, err, sizeof err) < 0)
        return bad("--ports", ports, err);
    if (nout == 0)
        outputs[nout++] = "-";
    for (size_t i = 0; i < nout; i++)
        if (add_output(cfg, outputs[i], format))
            return 2;
    if (optind >= argc) {
        fprintf(stderr, "pop3scan: no targets given\nTry 'pop3scan --help'.\n");
        return 2;
    }
    for (int i = optind; i < argc; i++) {
        struct p3s_target t;
        if (p3s_target_parse(argv[i], &t, err, sizeof err) < 0) {
            fprintf(stderr, "pop3scan: %s\n", err);
            return 2;
        }
    }
    cfg->targets = argv + optind;
    cfg->ntargets = (size_t)(argc - optind);
    return 0;
}

void p3s_cli_free(struct p3s_config *cfg)
{
    p3s_ports_free(&cfg->ports);
}
