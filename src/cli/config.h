/* config.h — everything the command line decides, handed from the CLI (cli.c) to the scan. */
#ifndef POP3SCAN_CONFIG_H
#define POP3SCAN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "targets.h"


/* Which records an output shows. */
enum p3s_show { P3S_SHOW_DEFAULT = -1, P3S_SHOW_ALL = 0, P3S_SHOW_OPEN = 1 };

#define P3S_FAIL_ON_CRITICAL 4 /* --fail-on critical: above every severity a finding has */
#define P3S_MAX_LISTS 64 /* -iL, --exclude, --exclude-file given at most this often each */

struct p3s_tgen;
struct p3s_resume;

struct p3s_config {
    struct p3s_portlist ports;
    int connect_timeout_ms;
    int read_timeout_ms;
    int deadline_ms;
    int concurrency;
    int tls_handshakes;   /* --tls-handshakes: 0 derived from -c, -1 no cap (engine.h) */
    uint64_t max_memory;  /* --max-memory in bytes; 0: half of the memory available */
    const char *max_memory_arg; /* as given, for the message that lowers -c */
    double rate;  /* new connections per second; 0: unlimited */
    int retries;  /* extra connect attempts after a connect timeout */
    int progress; /* --progress: report on standard error even when it is not a terminal */
    int family; /* 0, 4 or 6 */
    const char *resolver;
    int user_probe;
    int stls;
    int stls_injection; /* the STLS command injection check (injprobe.c) */
    int ntlm;         /* --ntlm: AUTH NTLM negotiation to read what the CHALLENGE discloses */
    int tls_versions; /* probe which TLS versions a TLS-capable server accepts */
    const char *fingerprint_files[P3S_MAX_LISTS]; /* --fingerprints FILE, after the built-in */
    size_t nfingerprint_files;
    int fail_on;  /* a severity, or -1; 4 is "critical", which no finding has */
    int color;    /* -1 auto, 0 never, 1 always */
    struct p3s_output_spec outputs[P3S_MAX_OUTPUTS];
    size_t noutputs;
    const char *input_files[P3S_MAX_LISTS];
    size_t ninput_files;
    const char *excludes[P3S_MAX_LISTS];
    size_t nexcludes;
    const char *exclude_files[P3S_MAX_LISTS];
    size_t nexclude_files;
    uint32_t shard_index, shard_count;
    int randomize, seed_given;
    uint64_t seed;
    int dry_run;
    enum p3s_show show;   /* --open / --all; default: --open for text when a range is scanned */
    int range_scanned;    /* a CIDR or range of more than one address, or a target file */
    int quiet;            /* -q: no text report on the terminal, no summary on stderr */
    int verbose;          /* -v: a line per record on stderr; -vv: per connection too */
    int tls_detect;       /* report TLS on cleartext ports that do not greet (--no-tls-detect) */
    const char *meta_path; /* --meta FILE: the scan's metadata as one JSON object */
    int argc;             /* the command line, for --meta */
    char **argv;
    int dns_concurrency;          /* names being resolved at once */
    const char *resume_path;      /* --resume FILE */
    struct p3s_resume *resume;    /* its state, opened by the CLI */
    int resuming;                 /* FILE existed: skip what it says is finished */
    struct p3s_tgen *gen; /* the target stream, opened by the CLI */
    char **target_exprs;  /* the targets named on the command line */
    size_t ntarget_exprs;
    int discover;         /* --discover: names are domains whose mail hosts are found in DNS */
    const char *discover_names[32]; /* --discover-names FILE (P3S_DISCOVER_MAX_NAMES) */
    size_t ndiscover_names;
    int discover_names_given;
    char *discover_names_buf;       /* the file, which discover_names point into */
    const char *db_path;  /* --db FILE|URI: the scan history (NULL: the default file) */
    int no_db;            /* --no-db: keep no history */
    const char *campaign; /* --campaign NAME: this scan is a shard of that campaign */
    int db_retry_s;       /* --db-retry SECONDS: how long a database that went away is awaited */
};

#endif
