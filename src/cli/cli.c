/* cli.c — option parsing for pop3scan (see cli.h and man/pop3scan.1, which documents every
 * option listed here). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "memcap.h"
#include "output.h"
#include "report.h"
#include "targetgen.h"
#include "record.h"
#include "resume.h"
#include "util.h"
#include "version.h"

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
    OPT_PROGRESS,
    OPT_INPUT_LIST,
    OPT_EXCLUDE,
    OPT_EXCLUDE_FILE,
    OPT_SHARD,
    OPT_RANDOMIZE,
    OPT_SEED,
    OPT_DRY_RUN,
    OPT_RESUME,
    OPT_DNS_CONCURRENCY,
    OPT_NTLM,
    OPT_NO_TLS_VERSIONS,
    OPT_NO_STLS_INJECTION,
    OPT_FINGERPRINTS,
    OPT_OPEN,
    OPT_ALL,
    OPT_META,
    OPT_NO_TLS_DETECT,
    OPT_DB,
    OPT_NO_DB,
    OPT_REPORT,
    OPT_CAMPAIGN,
    OPT_DB_RETRY,
    OPT_DISCOVER,
    OPT_DISCOVER_NAMES,
    OPT_MAX_MEMORY,
    OPT_TLS_HANDSHAKES
};

static const struct option LONG_OPTS[] = {
    {"ports", required_argument, NULL, 'p'},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"concurrency", required_argument, NULL, 'c'},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"tls-handshakes", required_argument, NULL, OPT_TLS_HANDSHAKES},
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
    {"input-list", required_argument, NULL, OPT_INPUT_LIST},
    {"iL", required_argument, NULL, OPT_INPUT_LIST},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"randomize", no_argument, NULL, OPT_RANDOMIZE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"dns-concurrency", required_argument, NULL, OPT_DNS_CONCURRENCY},
    {"ntlm", no_argument, NULL, OPT_NTLM},
    {"no-tls-versions", no_argument, NULL, OPT_NO_TLS_VERSIONS},
    {"no-stls-injection", no_argument, NULL, OPT_NO_STLS_INJECTION},
    {"fingerprints", required_argument, NULL, OPT_FINGERPRINTS},
    {"open", no_argument, NULL, OPT_OPEN},
    {"all", no_argument, NULL, OPT_ALL},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"meta", required_argument, NULL, OPT_META},
    {"no-tls-detect", no_argument, NULL, OPT_NO_TLS_DETECT},
    {"db", required_argument, NULL, OPT_DB},
    {"no-db", no_argument, NULL, OPT_NO_DB},
    {"campaign", required_argument, NULL, OPT_CAMPAIGN},
    {"db-retry", required_argument, NULL, OPT_DB_RETRY},
    {"report", required_argument, NULL, OPT_REPORT},
    {"discover", no_argument, NULL, OPT_DISCOVER},
    {"discover-names", required_argument, NULL, OPT_DISCOVER_NAMES},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: pop3scan [OPTIONS] TARGET...\n"
            "       pop3scan diff|history|db ...   (see pop3scan diff -h and so on)\n"
            "       pop3scan report [OPTIONS] FILE...   (see pop3scan report --help)\n"
            "       pop3scan discover [OPTIONS] DOMAIN...   (see pop3scan discover --help)\n"
            "Find POP3 services, prove them, and report how exposed they are.\n"
            "\n"
            "TARGET is a host name, an IPv4 address or an IPv6 address, optionally with :PORT\n"
            "([2001:db8::1]:110 for IPv6 with a port), a CIDR (192.0.2.0/24, 2001:db8::/112)\n"
            "or a range (192.0.2.1-40, 192.0.2.1-192.0.3.9).\n"
            "\n"
            "Targets:\n"
            "  -p, --ports LIST          ports and ranges; tls:PORT marks implicit TLS\n"
            "                            (default 110,995; 995 is always implicit TLS; a port\n"
            "                            listed both plain and tls: is scanned both ways)\n"
            "  -iL, --input-list FILE    read targets from FILE, one per line (- is stdin)\n"
            "      --exclude LIST        skip these addresses, CIDRs, ranges or names\n"
            "      --exclude-file FILE   skip those listed in FILE\n"
            "      --shard I/N           scan only part I (0 to N-1) of N disjoint parts\n"
            "      --randomize           visit addresses in a pseudo-random order\n"
            "      --seed N              seed of --randomize (same seed, same order)\n"
            "      --dry-run             print the targets that would be scanned, scan nothing\n"
            "      --resume FILE         keep the scan's state in FILE; run the same command\n"
            "                            again to scan only what was not finished\n"
            "  -4, -6                    use only IPv4 or only IPv6 addresses of names\n"
            "      --resolver IP[:PORT]  DNS server to ask instead of the system's\n"
            "      --dns-concurrency N   DNS lookups at once (default 100)\n"
            "      --discover            a name is a domain: scan the mail hosts its SRV\n"
            "                            (_pop3/_pop3s), MX and conventional names (pop, pop3,\n"
            "                            mail, pop.mail, imap) point to, and the domain itself\n"
            "      --discover-names FILE the conventional names to try, one a line\n"
            "\n"
            "Output:\n"
            "  -f, --format FORMAT       %s\n"
            "                            (default text)\n"
            "  -o, --output [FORMAT:]FILE  write to FILE (repeatable; - is standard output);\n"
            "                            the text report stays on a terminal meanwhile\n"
            "      --report FILE         at the end, write a report of the scan to FILE: one\n"
            "                            HTML page, or Markdown when FILE ends in .md\n"
            "      --open                only services that answered (the default of the text\n"
            "                            report when a range or a file of targets is scanned)\n"
            "      --all                 every record, closed and filtered ports included\n"
            "  -q, --quiet               no text report on the terminal, no summary on stderr\n"
            "  -v, --verbose             a line per record on stderr; -vv: per connection too\n"
            "      --meta FILE           write the scan's metadata (command line, start, end,\n"
            "                            version, counts) to FILE as one JSON object\n"
            "      --progress            progress on standard error even when not a terminal\n"
            "      --color WHEN          auto, always or never (NO_COLOR is honoured)\n"
            "      --no-color            the same as --color never\n"
            "      --fail-on SEVERITY    exit 1 when a finding at or above it (info, low,\n"
            "                            medium, high, critical) is reported\n"
            "      --db FILE|URI         keep the scan history in FILE (default\n"
            "                            $XDG_STATE_HOME/pop3scan/history.sqlite3), or in\n"
            "                            PostgreSQL: postgresql://USER@HOST/DB (PG* variables\n"
            "                            fill in what the URI leaves out)\n"
            "      --no-db               keep no history of this scan\n"
            "      --campaign NAME       this scan is shard I/N (--shard) of the campaign NAME:\n"
            "                            its shards' scans make one result (pop3scan history\n"
            "                            --campaign NAME); a shard run again replaces its records\n"
            "      --db-retry SECONDS    wait up to SECONDS for a database that went away\n"
            "                            (default 60; 0: give up at once)\n"
            "\n"
            "Probing and timing:\n"
            "  -c, --concurrency N       connections open at once (default 1000)\n"
            "      --max-memory SIZE     lower -c to what SIZE (512M, 2G) allows, at 40 KiB\n"
            "                            a TLS connection (default: half the memory\n"
            "                            available)\n"
            "      --tls-handshakes N    TLS handshakes at once, the other connections wait\n"
            "                            for theirs (default: from 64, growing to half of\n"
            "                            -c while handshakes are no slower for it; no cap\n"
            "                            up to -c 64; 0: no cap)\n"
            "      --connect-timeout T   per connect (default 5s)\n"
            "      --read-timeout T      per answer (default 5s)\n"
            "      --deadline T          whole dialogue with one port (default 10s)\n"
            "      --rate N              start at most N connections per second (smoothly)\n"
            "      --retries N           try a connect that timed out N more times (default 0)\n"
            "      --no-user-probe       do not send USER to learn if cleartext login is allowed\n"
            "      --no-stls             do not upgrade with STLS\n"
            "      --no-tls-versions     do not probe which TLS versions a server accepts\n"
            "      --no-stls-injection   do not check STLS for command injection (one more\n"
            "                            connection sends STLS and CAPA in one write)\n"
            "      --no-tls-detect       no TLS try on a cleartext port that does not greet\n"
            "      --ntlm                ask AUTH NTLM for a CHALLENGE (host, domain, OS build)\n"
            "      --fingerprints FILE   add the fingerprint rules of FILE to the built-in ones\n"
            "  -h, --help                this help\n"
            "  -V, --version             the version\n"
            "\n"
            "A duration T is 500ms, 5 or 5s, 1.5m or 1h (at most 1h).\n"
            "\n"
            "Exit status: 0 the scan ran, POP3 found or not; 1 --fail-on matched;\n"
            "2 bad usage or input (the message names it), nothing left to scan, or a target\n"
            "file could not be read; 3 an output could not be written, the history named\n"
            "by --db failed, or another fatal error; 130 interrupted by SIGINT; 143\n"
            "interrupted by SIGTERM.\n"
            "\n"
            "The history: pop3scan diff|history|db ... (pop3scan diff -h, man pop3scan).\n",
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
    double v;
    const char *unit;
    if (p3s_parse_decimal(s, &v, &unit))
        return -1;
    static const struct {
        const char *name;
        double ms;
    } UNITS[] = {{"ms", 1}, {"", 1000}, {"s", 1000}, {"m", 60 * 1000.0}, {"h", 3600 * 1000.0}};
    size_t i = 0;
    while (i < sizeof UNITS / sizeof UNITS[0] && strcmp(unit, UNITS[i].name) != 0)
        i++;
    if (i == sizeof UNITS / sizeof UNITS[0])
        return -1;
    v *= UNITS[i].ms;
    if (!(v >= 1 && v <= 3600 * 1000.0))
        return -1;
    *out = (int)v;
    return 0;
}

/* A campaign name: printable ASCII without spaces, at most 128 characters (it is typed on
 * command lines, in job scripts and in diff's campaign:NAME). */
static int campaign_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return 0;
    return 1;
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

/* A short word of lower-case letters and digits before the first ':' names a format ("csv:x");
 * a file whose name starts like that is written "./csv:x". */
static size_t format_prefix(const char *arg)
{
    size_t n = 0;
    while ((arg[n] >= 'a' && arg[n] <= 'z') || (arg[n] >= '0' && arg[n] <= '9'))
        n++;
    return arg[n] == ':' && n > 0 && n < 16 ? n : 0;
}

static int unknown_format(const char *opt, const char *arg, const char *name)
{
    char why[128];
    snprintf(why, sizeof why, "unknown format '%s' (%s)", name, p3s_output_names());
    return bad(opt, arg, why);
}

static int add_output(struct p3s_config *cfg, const char *arg, const char *format)
{
    if (cfg->noutputs >= P3S_MAX_OUTPUTS)
        return bad("--output", arg, "too many outputs");
    static char fmtbuf[P3S_MAX_OUTPUTS][16];
    const char *path = arg;
    size_t n = format_prefix(arg);
    if (n) {
        char *f = fmtbuf[cfg->noutputs];
        memcpy(f, arg, n);
        f[n] = '\0';
        if (!p3s_output_find(f))
            return unknown_format("--output", arg, f);
        format = f;
        path = arg + n + 1;
    }
    if (!*path)
        return bad("--output", arg, "empty file name");
    cfg->outputs[cfg->noutputs].format = format;
    cfg->outputs[cfg->noutputs].path = path;
    cfg->noutputs++;
    return 0;
}

/* --shard I/N with 0 <= I < N. */
static int parse_shard(const char *s, struct p3s_config *cfg)
{
    char *end;
    unsigned long i = strtoul(s, &end, 10), n;
    if (end == s || *end != '/' || !(end[1] >= '0' && end[1] <= '9'))
        return -1;
    n = strtoul(end + 1, &end, 10);
    if (*end || n < 1 || n > 1000000 || i >= n)
        return -1;
    cfg->shard_index = (uint32_t)i;
    cfg->shard_count = (uint32_t)n;
    return 0;
}

/* Opens the target stream; every command-line target and exclusion is checked here. */
static int open_targets(struct p3s_config *cfg, char **exprs, size_t nexprs)
{
    struct p3s_tgen_opts o;
    char err[512];
    memset(&o, 0, sizeof o);
    o.exprs = exprs;
    o.nexprs = nexprs;
    o.files = cfg->input_files;
    o.nfiles = cfg->ninput_files;
    o.excludes = cfg->excludes;
    o.nexcludes = cfg->nexcludes;
    o.exclude_files = cfg->exclude_files;
    o.nexclude_files = cfg->nexclude_files;
    o.shard_index = cfg->shard_index;
    o.shard_count = cfg->shard_count;
    o.randomize = cfg->randomize;
    o.seed = cfg->seed;
    if (p3s_tgen_open(&cfg->gen, &o, err, sizeof err) < 0) {
        fprintf(stderr, "pop3scan: %s\n", err);
        return 2;
    }
    return 0;
}

/* --resume: a scan of the same targets saved its state there; --randomize without --seed
 * takes the seed it drew, so the order (and so the positions) are the same. */
static int open_resume(struct p3s_config *cfg, char **exprs, size_t nexprs)
{
    char err[512];
    int existed;
    cfg->resume = p3s_resume_open(cfg->resume_path, p3s_resume_key(cfg, exprs, nexprs),
                                  &existed, err, sizeof err);
    if (!cfg->resume) {
        fprintf(stderr, "pop3scan: --resume: %s\n", err);
        return 2;
    }
    cfg->resuming = existed;
    uint64_t seed;
    if (cfg->randomize && !cfg->seed_given && p3s_resume_seed(cfg->resume, &seed)) {
        cfg->seed = seed;
        cfg->seed_given = 1;
    }
    return 0;
}

static int add_item(const char **list, size_t *n, const char *item, const char *opt)
{
    if (*n >= P3S_MAX_LISTS)
        return bad(opt, item, "given too many times");
    list[(*n)++] = item;
    return 0;
}

static void defaults(struct p3s_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 5000;
    cfg->read_timeout_ms = 5000;
    cfg->deadline_ms = 10000;
    cfg->concurrency = 1000;
    cfg->dns_concurrency = 100;
    cfg->db_retry_s = 60;
    cfg->user_probe = 1;
    cfg->stls = 1;
    cfg->tls_versions = 1;
    cfg->stls_injection = 1;
    cfg->fail_on = -1;
    cfg->color = -1;
    cfg->show = P3S_SHOW_DEFAULT;
    cfg->tls_detect = 1;
}

int p3s_cli_load_names(const char *path, struct p3s_config *cfg)
{
    char err[512];
    size_t len;
    free(cfg->discover_names_buf);
    cfg->discover_names_buf = p3s_read_file(path, &len, err, sizeof err);
    int n = cfg->discover_names_buf
                ? p3s_names_parse(cfg->discover_names_buf, len, path, cfg->discover_names,
                                  sizeof cfg->discover_names / sizeof cfg->discover_names[0],
                                  err, sizeof err)
                : -1;
    if (n < 0) {
        fprintf(stderr, "pop3scan: --discover-names: %s\n", err);
        return 2;
    }
    cfg->ndiscover_names = (size_t)n;
    cfg->discover_names_given = 1;
    return 0;
}

int p3s_cli_parse(int argc, char **argv, struct p3s_config *cfg)
{
    defaults(cfg);
    const char *format = "text";
    const char *ports = "110,995";
    const char *outputs[P3S_MAX_OUTPUTS + 1];
    size_t nout = 0;
    const char *reports[P3S_MAX_OUTPUTS]; /* --report: html or markdown outputs */
    size_t nreports = 0;
    char err[256];
    int c;
    opterr = 0;
    optind = 1;
    cfg->argc = argc;
    cfg->argv = argv;
    while ((c = getopt_long(argc, argv, ":p:o:f:c:i:46hVqv", LONG_OPTS, NULL)) != -1) {
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
                return unknown_format("--format", optarg, optarg);
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
            const char *opt = c == OPT_CONNECT_TIMEOUT ? "--connect-timeout"
                              : c == OPT_READ_TIMEOUT  ? "--read-timeout"
                                                       : "--deadline";
            if (p3s_parse_duration_ms(optarg, dst))
                return bad(opt, optarg, "expected a duration such as 5, 2.5s or 500ms");
            break;
        }
        case '4':
        case '6':
            if (cfg->family && cfg->family != c - '0') {
                fprintf(stderr, "pop3scan: -4 and -6 exclude each other (give neither to "
                                "scan both families)\nTry 'pop3scan --help'.\n");
                return 2;
            }
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
            /* nuclei's scale ends with critical: accepted, though no finding is critical (yet),
             * so it never fires. */
            enum p3s_severity sev;
            if (strcmp(optarg, "critical") == 0)
                cfg->fail_on = P3S_FAIL_ON_CRITICAL;
            else if (p3s_severity_parse(optarg, &sev) == 0)
                cfg->fail_on = (int)sev;
            else
                return bad("--fail-on", optarg, "expected info, low, medium, high or critical");
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
        case 'i': /* nmap's -iL FILE (getopt sees -i with "L") */
            if (strcmp(optarg, "L") == 0) {
                if (optind >= argc) {
                    fprintf(stderr, "pop3scan: option '-iL' needs a file\n");
                    return 2;
                }
                optarg = argv[optind++];
            } else if (optarg[0] == 'L') {
                optarg++;
            } else {
                fprintf(stderr, "pop3scan: unknown option '-i%s'\nTry 'pop3scan --help'.\n",
                        optarg);
                return 2;
            }
            /* fall through */
        case OPT_INPUT_LIST:
            if (add_item(cfg->input_files, &cfg->ninput_files, optarg, "-iL"))
                return 2;
            break;
        case OPT_EXCLUDE:
            if (add_item(cfg->excludes, &cfg->nexcludes, optarg, "--exclude"))
                return 2;
            break;
        case OPT_EXCLUDE_FILE:
            if (add_item(cfg->exclude_files, &cfg->nexclude_files, optarg, "--exclude-file"))
                return 2;
            break;
        case OPT_SHARD:
            if (parse_shard(optarg, cfg))
                return bad("--shard", optarg, "expected I/N with 0 <= I < N");
            break;
        case OPT_RANDOMIZE:
            cfg->randomize = 1;
            break;
        case OPT_SEED: {
            char *end;
            if (!(optarg[0] >= '0' && optarg[0] <= '9'))
                return bad("--seed", optarg, "expected a non-negative integer");
            errno = 0;
            cfg->seed = strtoull(optarg, &end, 10);
            if (*end || errno == ERANGE)
                return bad("--seed", optarg, "expected a non-negative integer");
            cfg->seed_given = 1;
            break;
        }
        case OPT_DRY_RUN:
            cfg->dry_run = 1;
            break;
        case OPT_RESUME:
            if (!*optarg)
                return bad("--resume", optarg, "expected a file name");
            cfg->resume_path = optarg;
            break;
        case OPT_NTLM:
            cfg->ntlm = 1;
            break;
        case OPT_NO_TLS_VERSIONS:
            cfg->tls_versions = 0;
            break;
        case OPT_NO_STLS_INJECTION:
            cfg->stls_injection = 0;
            break;
        case OPT_FINGERPRINTS:
            if (add_item(cfg->fingerprint_files, &cfg->nfingerprint_files, optarg,
                         "--fingerprints"))
                return 2;
            break;
        case OPT_OPEN:
        case OPT_ALL: {
            enum p3s_show want = c == OPT_OPEN ? P3S_SHOW_OPEN : P3S_SHOW_ALL;
            if (cfg->show != P3S_SHOW_DEFAULT && cfg->show != want) {
                fprintf(stderr, "pop3scan: --open and --all exclude each other\n"
                                "Try 'pop3scan --help'.\n");
                return 2;
            }
            cfg->show = want;
            break;
        }
        case 'q':
            cfg->quiet = 1;
            break;
        case 'v':
            cfg->verbose++;
            break;
        case OPT_META:
            if (!*optarg)
                return bad("--meta", optarg, "expected a file name");
            cfg->meta_path = optarg;
            break;
        case OPT_REPORT:
            if (!*optarg)
                return bad("--report", optarg, "expected a file name");
            if (nreports == P3S_MAX_OUTPUTS)
                return bad("--report", optarg, "too many outputs");
            if (format_prefix(optarg) && strncmp(optarg, "html:", 5) != 0 &&
                strncmp(optarg, "markdown:", 9) != 0)
                return bad("--report", optarg, "a report is html or markdown");
            reports[nreports++] = optarg;
            break;
        case OPT_NO_TLS_DETECT:
            cfg->tls_detect = 0;
            break;
        case OPT_DB:
            if (!*optarg)
                return bad("--db", optarg, "expected a file name");
            cfg->db_path = optarg;
            break;
        case OPT_NO_DB:
            cfg->no_db = 1;
            break;
        case OPT_MAX_MEMORY:
            if (p3s_parse_size(optarg, &cfg->max_memory))
                return bad("--max-memory", optarg, "expected a size such as 512M or 2G");
            cfg->max_memory_arg = optarg;
            break;
        case OPT_TLS_HANDSHAKES:
            if (parse_int(optarg, 0, 100000, &cfg->tls_handshakes))
                return bad("--tls-handshakes", optarg, "expected 0 (no cap) to 100000");
            if (cfg->tls_handshakes == 0)
                cfg->tls_handshakes = -1; /* no cap, as the engine says it */
            break;
        case OPT_DISCOVER:
            cfg->discover = 1;
            break;
        case OPT_DISCOVER_NAMES:
            if (p3s_cli_load_names(optarg, cfg) != 0)
                return 2;
            break;
        case OPT_CAMPAIGN:
            if (!campaign_name_ok(optarg))
                return bad("--campaign", optarg,
                           "expected 1 to 128 printable ASCII characters, no spaces");
            cfg->campaign = optarg;
            break;
        case OPT_DB_RETRY:
            if (parse_int(optarg, 0, 86400, &cfg->db_retry_s))
                return bad("--db-retry", optarg, "expected 0 to 86400 seconds");
            break;
        case OPT_DNS_CONCURRENCY:
            if (parse_int(optarg, 1, 10000, &cfg->dns_concurrency))
                return bad("--dns-concurrency", optarg, "expected 1 to 10000");
            break;
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            p3s_version_print(stdout);
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
    if (cfg->db_path && cfg->no_db) {
        fprintf(stderr, "pop3scan: --db and --no-db contradict each other\n"
                        "Try 'pop3scan --help'.\n");
        return 2;
    }
    if (cfg->campaign && cfg->no_db) {
        fprintf(stderr, "pop3scan: --campaign keeps the scan in the history: not with --no-db\n"
                        "Try 'pop3scan --help'.\n");
        return 2;
    }
    if (cfg->campaign && cfg->randomize && !cfg->seed_given && cfg->shard_count > 1) {
        fprintf(stderr, "pop3scan: --campaign with --randomize: give every shard the same --seed "
                        "(the shards split one order of the targets)\n"
                        "Try 'pop3scan --help'.\n");
        return 2;
    }
    if (p3s_ports_parse(ports, &cfg->ports, err, sizeof err) < 0)
        return bad("--ports", ports, err);
    if (cfg->max_memory && !p3s_memcap_fit(cfg->max_memory, p3s_memcap_per_conn(cfg))) {
        snprintf(err, sizeof err, "a scan needs %u MiB and %zu KiB per connection",
                 P3S_ENGINE_MEM_BASE >> 20, p3s_memcap_per_conn(cfg) / 1024);
        return bad("--max-memory", cfg->max_memory_arg, err);
    }
    if (nout == 0)
        outputs[nout++] = "-";
    for (size_t i = 0; i < nout; i++)
        if (add_output(cfg, outputs[i], format))
            return 2;
    for (size_t i = 0; i < nreports; i++)
        if (add_output(cfg, reports[i], p3s_report_format_of(reports[i])))
            return 2;
    if (optind >= argc && cfg->ninput_files == 0) {
        fprintf(stderr, "pop3scan: no targets given\nTry 'pop3scan --help'.\n");
        return 2;
    }
    cfg->target_exprs = argv + optind;
    cfg->ntarget_exprs = (size_t)(argc - optind);
    if (cfg->resume_path && open_resume(cfg, argv + optind, (size_t)(argc - optind)))
        return 2;
    if (cfg->randomize && !cfg->seed_given) {
        if (getrandom(&cfg->seed, sizeof cfg->seed, 0) != sizeof cfg->seed)
            cfg->seed = (uint64_t)time(NULL);
        if (cfg->shard_count > 1)
            fprintf(stderr, "pop3scan: --randomize with --shard: give every shard the same "
                            "--seed (this one is %llu)\n",
                    (unsigned long long)cfg->seed);
    }
    if (cfg->resume && cfg->randomize)
        p3s_resume_set_seed(cfg->resume, cfg->seed);
    if (open_targets(cfg, argv + optind, (size_t)(argc - optind)))
        return 2;
    cfg->range_scanned = p3s_tgen_has_range(cfg->gen);
    return 0;
}

int p3s_cli_save_new_resume(struct p3s_config *cfg)
{
    char err[512];
    if (!cfg->resume || cfg->resuming || p3s_resume_save(cfg->resume, 0, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "pop3scan: --resume: %s\n", err);
    return 2;
}

void p3s_cli_free(struct p3s_config *cfg)
{
    p3s_tgen_free(cfg->gen);
    cfg->gen = NULL;
    p3s_resume_free(cfg->resume);
    cfg->resume = NULL;
    p3s_ports_free(&cfg->ports);
    free(cfg->discover_names_buf);
    cfg->discover_names_buf = NULL;
}
