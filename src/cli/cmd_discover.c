/* cmd_discover.c — `pop3scan discover DOMAIN...`: the mail hosts --discover would scan, listed
 * without connecting to any of them: DNS only (src/engine/discover.c), through the same resolver
 * settings and --dns-concurrency limit as a scan. Domains are taken in turn, at most
 * --dns-concurrency of them being discovered at once, so a list of millions streams. */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_common.h"
#include "cmd_discover.h"
#include "discover.h"
#include "dns.h"
#include "escape.h"
#include "jsonw.h"
#include "output.h"
#include "targetgen.h"
#include "util.h"

static const char USAGE[] =
    "Usage: pop3scan discover [OPTIONS] DOMAIN...\n"
    "List the mail hosts of each DOMAIN that pop3scan --discover would scan, and how each\n"
    "was found, without connecting to them: SRV _pop3._tcp and _pop3s._tcp (RFC 6186), MX,\n"
    "the conventional names (pop, pop3, mail, pop.mail, imap) and the domain itself, CNAME\n"
    "chains followed, A and AAAA of every host.\n"
    "\n"
    "  -p, --ports LIST          ports of the hosts not found by SRV (default 110,995)\n"
    "  -iL, --input-list FILE    read domains from FILE, one per line (- is stdin)\n"
    "  -4, -6                    only IPv4 or only IPv6 addresses\n"
    "      --resolver IP[:PORT]  DNS server to ask instead of the system's\n"
    "      --dns-concurrency N   DNS lookups at once (default 100)\n"
    "      --discover-names FILE the conventional names to try, one a line\n"
    "      --read-timeout T      how long a DNS server may take (default 5s)\n"
    "  -f, --format FORMAT       text (default) or jsonl (one line per address and port)\n"
    "  -q, --quiet               no counts on standard error at the end\n"
    "  -h, --help                this help\n"
    "\n"
    "Exit status: 0 done (whether or not hosts were found), 2 bad usage or input.\n";

enum { OPT_RESOLVER = 256, OPT_DNS_CONCURRENCY, OPT_DISCOVER_NAMES, OPT_READ_TIMEOUT,
       OPT_INPUT_LIST };

static const struct option OPTS[] = {
    {"ports", required_argument, NULL, 'p'},
    {"input-list", required_argument, NULL, OPT_INPUT_LIST},
    {"iL", required_argument, NULL, OPT_INPUT_LIST},
    {"resolver", required_argument, NULL, OPT_RESOLVER},
    {"dns-concurrency", required_argument, NULL, OPT_DNS_CONCURRENCY},
    {"discover-names", required_argument, NULL, OPT_DISCOVER_NAMES},
    {"read-timeout", required_argument, NULL, OPT_READ_TIMEOUT},
    {"format", required_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

struct listing {
    struct event_base *base;
    struct p3s_dns *dns;
    struct p3s_tgen *gen;
    struct p3s_discover_opts opts;
    int jsonl;
    size_t active, limit;
    int exhausted, bad_input;
    unsigned long domains, hosts, entries, reached;
    struct p3s_jw jw;
};

static void put(const char *s)
{
    p3s_fputs_term(stdout, s, strlen(s));
}

static void text_entry(const struct p3s_discovered *o, const char **last_host)
{
    if (!*last_host || strcmp(*last_host, o->host) != 0) {
        fputs("  host ", stdout);
        put(o->host);
        fputc('\n', stdout);
        *last_host = o->host;
    }
    fputs("    ", stdout);
    if (o->error) {
        if (o->port.port)
            printf("port %u%s: ", o->port.port, o->port.tls ? " tls" : "");
        put(o->error);
    } else {
        int v6 = strchr(o->ip, ':') != NULL;
        printf("%s%s%s:%u%s", v6 ? "[" : "", o->ip, v6 ? "]" : "", o->port.port,
               o->port.tls ? " tls" : "");
    }
    fputs("  found by: ", stdout);
    for (size_t i = 0; i < o->info.nways; i++) {
        const struct p3s_way *w = &o->info.ways[i];
        printf("%s%s ", i ? "; " : "", p3s_via_name(w->via));
        put(w->via == P3S_VIA_SRV || w->via == P3S_VIA_MX ? w->query : w->host);
        if (w->via == P3S_VIA_SRV)
            printf(" (priority %d, weight %d)", w->priority, w->weight);
        else if (w->via == P3S_VIA_MX)
            printf(" (preference %d)", w->priority);
        if ((w->via == P3S_VIA_SRV || w->via == P3S_VIA_MX) || w->nchain > 1) {
            for (size_t k = w->via == P3S_VIA_SRV || w->via == P3S_VIA_MX ? 0 : 1;
                 k < w->nchain; k++) {
                fputs(" -> ", stdout);
                put(w->chain[k]);
            }
        }
    }
    fputc('\n', stdout);
}

static void jsonl_entry(struct listing *l, const struct p3s_discovered *o)
{
    struct p3s_jw *w = &l->jw;
    p3s_jw_reset(w);
    p3s_jw_object(w);
    P3S_JW_KEY(w, "domain");
    p3s_jw_bytes(w, o->info.domain, strlen(o->info.domain));
    P3S_JW_KEY(w, "host");
    p3s_jw_bytes(w, o->host, strlen(o->host));
    P3S_JW_KEY(w, "ip");
    p3s_jw_str(w, o->error ? NULL : o->ip);
    P3S_JW_KEY(w, "port");
    if (o->port.port)
        p3s_jw_int(w, o->port.port);
    else
        p3s_jw_null(w);
    P3S_JW_KEY(w, "transport");
    p3s_jw_str(w, o->port.tls ? "tls" : "plain");
    P3S_JW_KEY(w, "error");
    if (o->error)
        p3s_jw_bytes(w, o->error, strlen(o->error));
    else
        p3s_jw_null(w);
    P3S_JW_KEY(w, "discovered_via");
    p3s_output_jw_via(w, &o->info);
    P3S_JW_KEY(w, "discovery");
    p3s_output_jw_discovery(w, &o->info);
    p3s_jw_end(w);
    p3s_jw_raw(w, "\n", 1);
    if (p3s_jw_ok(w))
        fwrite(w->buf, 1, w->len, stdout);
}

static void next_domains(struct listing *l);

static void on_found(void *arg, struct p3s_discover_result *res)
{
    struct listing *l = arg;
    l->active--;
    l->domains++;
    l->hosts += res->hosts;
    const char *last_host = NULL;
    if (!l->jsonl) {
        fputs("domain ", stdout);
        put(res->domain);
        fputc('\n', stdout);
        if (res->n && res->v[0].info.nnotes)
            for (size_t i = 0; i < res->v[0].info.nnotes; i++) {
                fputs("  note: ", stdout);
                put(res->v[0].info.notes[i]);
                fputc('\n', stdout);
            }
    }
    for (size_t i = 0; i < res->n; i++) {
        l->entries++;
        l->reached += !res->v[i].error;
        if (l->jsonl)
            jsonl_entry(l, &res->v[i]);
        else
            text_entry(&res->v[i], &last_host);
    }
    p3s_discover_result_free(res);
    next_domains(l);
}

/* Starts domains while fewer than the limit are being discovered. */
static void next_domains(struct listing *l)
{
    while (!l->exhausted && l->active < l->limit) {
        struct p3s_target t;
        char err[512];
        int got = p3s_tgen_next(l->gen, &t, err, sizeof err);
        if (got == 0) {
            l->exhausted = 1;
            break;
        }
        if (got < 0) {
            fprintf(stderr, "pop3scan discover: %s\n", err);
            l->bad_input = 1;
            if (got == -2)
                l->exhausted = 1;
            continue;
        }
        if (t.kind != P3S_TARGET_NAME || t.port) {
            fprintf(stderr, "pop3scan discover: '%s' is not a domain (an address or a port "
                            "has no mail hosts to discover)\n", t.host);
            l->bad_input = 1;
            continue;
        }
        l->active++;
        p3s_discover(l->dns, t.host, &l->opts, on_found, l);
    }
    if (l->exhausted && !l->active)
        event_base_loopbreak(l->base);
}

struct discover_args {
    const char *ports, *resolver, *names_file, *files[64];
    size_t nfiles;
    int family, dns_concurrency, timeout_ms, jsonl, quiet;
};

static int parse_args(int argc, char **argv, struct discover_args *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":p:i:f:46qh", OPTS, NULL)) != -1) {
        switch (c) {
        case 'p':
            a->ports = optarg;
            break;
        case 'i': /* -iL FILE, as for a scan */
            if (strcmp(optarg, "L") != 0 || optind >= argc)
                return p3s_cmd_usage_error("discover", '?', 'i', NULL);
            optarg = argv[optind++];
            /* fall through */
        case OPT_INPUT_LIST:
            if (a->nfiles == 64)
                return p3s_cmd_bad("discover", "-iL", optarg, "given too many times");
            a->files[a->nfiles++] = optarg;
            break;
        case '4':
        case '6':
            if (a->family && a->family != c - '0')
                return p3s_cmd_bad("discover", "-4/-6", c == '4' ? "-4" : "-6",
                                   "-4 and -6 exclude each other");
            a->family = c - '0';
            break;
        case OPT_RESOLVER: {
            struct p3s_target t;
            char err[256];
            static char buf[300];
            if (p3s_target_parse(optarg, &t, err, sizeof err) < 0 || t.kind == P3S_TARGET_NAME)
                return p3s_cmd_bad("discover", "--resolver", optarg,
                                   "expected IP[:PORT] or [IPv6]:PORT");
            int v6 = t.kind == P3S_TARGET_IPV6;
            snprintf(buf, sizeof buf, "%s%s%s:%u", v6 ? "[" : "", t.host, v6 ? "]" : "",
                     t.port ? t.port : 53);
            a->resolver = buf;
            break;
        }
        case OPT_DNS_CONCURRENCY: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 10000)
                return p3s_cmd_bad("discover", "--dns-concurrency", optarg,
                                   "expected 1 to 10000");
            a->dns_concurrency = (int)v;
            break;
        }
        case OPT_DISCOVER_NAMES:
            a->names_file = optarg;
            break;
        case OPT_READ_TIMEOUT:
            if (p3s_parse_duration_ms(optarg, &a->timeout_ms))
                return p3s_cmd_bad("discover", "--read-timeout", optarg,
                                   "expected a duration such as 5, 2.5s or 500ms");
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "jsonl") != 0)
                return p3s_cmd_bad("discover", "--format", optarg, "expected text or jsonl");
            a->jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return -1;
        default:
            return p3s_cmd_usage_error("discover", c, optopt, argv[optind - 1]);
        }
    }
    return 0;
}

/* The -p list as discovery takes it (run.c's make_ports, for a listing). */
static struct p3s_discover_port *engine_ports(const struct p3s_portlist *pl)
{
    struct p3s_discover_port *v = p3s_xcalloc(pl->n ? pl->n : 1, sizeof *v);
    for (size_t i = 0; i < pl->n; i++)
        v[i] = (struct p3s_discover_port){pl->v[i].port, pl->v[i].tls,
                                        (p3s_ports_kinds(pl, pl->v[i].port) & P3S_PORT_TLS) != 0};
    return v;
}

static int run_listing(struct discover_args *a, struct p3s_config *names, struct p3s_tgen *gen,
                       const struct p3s_portlist *pl)
{
    struct listing l;
    memset(&l, 0, sizeof l);
    char err[512];
    l.base = event_base_new();
    l.dns = l.base ? p3s_dns_new(l.base, a->resolver, a->timeout_ms, err, sizeof err) : NULL;
    if (!l.dns) {
        fprintf(stderr, "pop3scan discover: %s\n", l.base ? err : "cannot start the event loop");
        if (l.base)
            event_base_free(l.base);
        return 3;
    }
    l.limit = (size_t)a->dns_concurrency;
    p3s_dns_set_limit(l.dns, l.limit);
    l.gen = gen;
    l.jsonl = a->jsonl;
    struct p3s_discover_port *ports = engine_ports(pl);
    l.opts = (struct p3s_discover_opts){
        names->discover_names_given ? names->discover_names : P3S_DISCOVER_NAMES,
        names->discover_names_given ? names->ndiscover_names : 5, a->family, ports, pl->n};
    double start = p3s_now_ms();
    next_domains(&l);
    if (!l.exhausted || l.active)
        event_base_dispatch(l.base);
    double secs = (p3s_now_ms() - start) / 1000.0;
    fflush(stdout);
    if (!a->quiet) {
        unsigned long lookups, queries, raw;
        size_t peak;
        p3s_dns_stats(l.dns, &lookups, &queries);
        p3s_dns_stats_more(l.dns, &peak, &raw);
        fprintf(stderr,
                "pop3scan discover: %lu domains, %lu hosts asked, %lu addresses and ports "
                "(%lu without), %lu DNS queries, at most %zu in flight (limit %zu), %.2f s, "
                "%.0f domains/s, %.0f queries/s\n",
                l.domains, l.hosts, l.reached, l.entries - l.reached, raw + queries, peak,
                l.limit, secs, secs > 0 ? l.domains / secs : 0,
                secs > 0 ? (raw + queries) / secs : 0);
    }
    p3s_jw_free(&l.jw);
    p3s_dns_free(l.dns);
    event_base_free(l.base);
    free(ports);
    return l.bad_input ? 2 : 0;
}

int p3s_cmd_discover(int argc, char **argv)
{
    struct discover_args a = {.ports = "110,995", .dns_concurrency = 100, .timeout_ms = 5000};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct p3s_config names; /* only its --discover-names fields */
    memset(&names, 0, sizeof names);
    if (a.names_file && p3s_cli_load_names(a.names_file, &names))
        return 2;
    struct p3s_portlist pl;
    char err[512];
    if (p3s_ports_parse(a.ports, &pl, err, sizeof err) < 0) {
        free(names.discover_names_buf);
        return p3s_cmd_bad("discover", "--ports", a.ports, err);
    }
    if (optind >= argc && !a.nfiles) {
        fprintf(stderr, "pop3scan discover: no domain given\nTry 'pop3scan discover --help'.\n");
        p3s_ports_free(&pl);
        free(names.discover_names_buf);
        return 2;
    }
    struct p3s_tgen_opts to;
    memset(&to, 0, sizeof to);
    to.exprs = argv + optind;
    to.nexprs = (size_t)(argc - optind);
    to.files = a.files;
    to.nfiles = a.nfiles;
    struct p3s_tgen *gen;
    if (p3s_tgen_open(&gen, &to, err, sizeof err) < 0) {
        fprintf(stderr, "pop3scan discover: %s\n", err);
        p3s_ports_free(&pl);
        free(names.discover_names_buf);
        return 2;
    }
    rc = run_listing(&a, &names, gen, &pl);
    p3s_tgen_free(gen);
    p3s_ports_free(&pl);
    free(names.discover_names_buf);
    return rc;
}
