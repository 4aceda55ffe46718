/* engine.h — the I/O engine as a library: jobs in, finished records out.
 *
 * The engine owns sockets, TLS, timers and DNS, and runs in the caller's libevent loop. Its
 * caller submits targets (an address, or a host name the engine resolves with c-ares), each with
 * the ports to scan; the engine opens at most `concurrency` connections at once, paced by `rate`,
 * runs the POP3 dialogue the protocol core decides (lib/pop3) on each, follows up on what it
 * found (a ClientHello per TLS version, the STLS command injection check, TLS on a cleartext port
 * that does not greet), names the software (lib/fp), judges the record (record/findings.h) and
 * hands every finished record to a callback. It prints nothing, reads no global, and knows
 * nothing of the command line, progress, signals, resume files or outputs: those belong to the
 * front end (src/cli/run.c), and so do tests and fuzzers that drive it directly.
 *
 * Pull, not push: the engine asks for work (hooks.feed) whenever it has room for more, so a
 * caller with a billion targets hands them over one at a time and nothing holds them all.
 *
 *   struct event_base *base = p3s_engine_base_new();
 *   struct p3s_engine *e = p3s_engine_new(base, &opts, &hooks, ctx, err, sizeof err);
 *   p3s_engine_start(e);            // feed() is called from here on
 *   event_base_dispatch(base);      // until hooks.idle() breaks the loop
 *   p3s_engine_free(e);
 *
 * Every callback runs inside the loop. A record is valid during hooks.record only. Each target
 * submitted gets hooks.target_done exactly once, after the last of its records.
 *
 * The engine writes to sockets whose peer may have closed them: the caller ignores SIGPIPE
 * (signal(SIGPIPE, SIG_IGN)), as a library must not change a process's signal handling.
 */
#ifndef POP3SCAN_ENGINE_H
#define POP3SCAN_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct p3fp_db;
struct p3s_engine;
struct p3s_record;

/* How the engine works: timeouts, concurrency, what the dialogue may send. */
struct p3s_engine_opts {
    int connect_timeout_ms;
    int read_timeout_ms;   /* per answer */
    int deadline_ms;       /* the whole dialogue with one port */
    int retries;           /* connects that timed out tried again */
    size_t concurrency;    /* connections open at once; lowered to what the descriptor limit
                              allows (p3s_engine_stats says to how much) */
    double rate;           /* new connections per second, 0: unlimited */
    long tls_handshakes;   /* TLS handshakes at once (hsgate.h): 0 derives it from
                              concurrency (p3s_hsgate_cap_for), -1 no cap */
    int family;            /* addresses of names: 0 both, 4 or 6 only */
    const char *resolver;  /* IP[:PORT] of the DNS server, NULL: the system's */
    int dns_concurrency;   /* names being resolved at once */
    int user_probe;        /* USER <random name> before TLS */
    int stls;              /* upgrade with STLS when offered */
    int ntlm;              /* AUTH NTLM with an anonymous NEGOTIATE */
    int tls_versions;      /* one ClientHello per TLS version after a dialogue that did TLS */
    int stls_injection;    /* the STLS command injection check after an STLS upgrade */
    int tls_detect;        /* TLS tried on a cleartext port that says nothing */
    const struct p3fp_db *fp; /* identification rules; NULL: no identification */
    const char *const *discover_names; /* conventional names for discovery (discover.h);
                                          NULL: the built-in list. Must outlive the engine. */
    size_t ndiscover_names;
};

/* A port of a job: its number, implicit TLS, and whether the same port is scanned with TLS as
 * well (then a silent cleartext port is left to that job, not tried with TLS). */
struct p3s_engine_port {
    uint16_t port;
    uint8_t tls;
    uint8_t tls_too;
};

/* One target to scan. The engine copies what it needs: nothing here must outlive the call. */
struct p3s_engine_job {
    const char *target;           /* as the user named it: every record's target */
    const char *resolve;          /* a host name to resolve (A and AAAA, per opts.family), or
                                     NULL to scan addr */
    struct sockaddr_storage addr; /* the address when resolve is NULL (its port is ignored) */
    const struct p3s_engine_port *ports; /* one connection per port */
    size_t nports;
    void *tag;                    /* handed back with each record and at target_done */
    int discover;                 /* resolve is a domain whose mail hosts are found in DNS
                                     (discover.h) and scanned: SRV hosts on their own port and
                                     transport, the others on ports. Every record carries how
                                     it was found (record.h, discovery), and the records of the
                                     domain are handed over together, grouped by host. */
};

struct p3s_engine_hooks {
    /* The engine has room: submit targets (p3s_engine_submit) and return 1, or return 0 when
     * none is left. Never called after p3s_engine_stop(). */
    int (*feed)(void *ctx);
    /* May one resolved address of a name be scanned on this port? 0: it is a duplicate, skip
     * it. NULL: every one is. */
    int (*admit)(void *ctx, void *tag, const char *name, const struct sockaddr *addr,
                 uint16_t port, int tls);
    /* A finished record (identified, its findings judged), valid during the call. */
    void (*record)(void *ctx, const struct p3s_record *rec, void *tag);
    /* Every record of the target was handed over. finished is 0 when an abort cut the target
     * short (a resume should scan it again). */
    void (*target_done)(void *ctx, void *tag, int finished);
    /* Nothing runs and nothing is left to feed, or the engine was aborted: end the loop. Called
     * once per batch, from the loop (never from inside an engine call). */
    void (*idle)(void *ctx);
    /* A line of per-connection detail (connecting, resolved, TLS found), or NULL. */
    void (*trace)(void *ctx, const char *line);
};

struct p3s_engine_stats {
    size_t active;          /* connections open (dialogues and follow-ups) */
    size_t queued;          /* jobs waiting for a slot */
    size_t resolving;       /* names being resolved, domains being discovered */
    size_t dns_peak;        /* the most DNS lookups that were in flight at once */
    unsigned long dns_queries; /* DNS lookups sent (names, and discovery's queries) */
    size_t concurrency;     /* the limit in force: opts.concurrency, or lower */
    size_t lowered;         /* the limit was lowered (descriptor limit, or out of descriptors):
                               to this; 0 when not */
    uint64_t connections;   /* dialogue connections started (what --rate paces) */
    uint64_t targets_done;  /* targets every record of which was handed over */
};

/* The memory the engine takes, for a front end that sizes its concurrency (src/cli/memcap.c),
 * with room for the allocator's fragmentation: what it holds whatever the concurrency
 * (fingerprints, OpenSSL, the CA store loaded for the first certificate, the allocator's arenas
 * once many connections have come and gone: 12 MiB for one connection, 15-16 MiB extrapolated
 * from scans at -c 200 and -c 3000), and per connection open at the peak of a scan. A TLS
 * connection inside its handshake: OpenSSL's handshake message buffer (21.8 KiB), the write
 * buffering it adds for the handshake (8 KiB), the SSL object (8 KiB), the connection and its
 * record (4 KiB), 44 KiB of RSS; after the handshake about 20; waiting for admission to its
 * handshake (hsgate.h) 4. With the default cap (adapting up to half of the connections in their
 * handshakes) at most 33 KiB a connection measured at the peak of a busy scan (bench/tls.sh,
 * with the cap at half), counted as 40; with no
 * cap, where a busy scan keeps nearly all of them in their handshakes, 44-47, counted as 56. A
 * cleartext connection, 4 KiB (bench/scale.sh). A server that sends the longest CAPA list the
 * caps allow takes its connection to 128 KiB in cleartext and 192 KiB under TLS
 * (docs/security.md). */
#define P3S_ENGINE_MEM_BASE (20u * 1024 * 1024)
#define P3S_ENGINE_MEM_TLS_CONN (40u * 1024)
#define P3S_ENGINE_MEM_TLS_CONN_UNCAPPED (56u * 1024)
#define P3S_ENGINE_MEM_PLAIN_CONN (8u * 1024)

/* An event base as the engine needs it: two priorities (timers before I/O), a bounded number of
 * callbacks between looks at the clock, and epoll's change list. NULL when out of memory. */
struct event_base *p3s_engine_base_new(void);

/* NULL with err filled when the engine cannot start (DNS resolver, TLS context). */
struct p3s_engine *p3s_engine_new(struct event_base *base, const struct p3s_engine_opts *opts,
                                  const struct p3s_engine_hooks *hooks, void *ctx, char *err,
                                  size_t errlen);
/* Starts the work: feed() is called as long as there is room. Called again after idle() (feed
 * said nothing was left, everything finished), it starts the next batch the same way: a worker
 * that gets its jobs in batches keeps one engine. Not after p3s_engine_stop() or an abort. */
void p3s_engine_start(struct p3s_engine *e);
/* Queues a target. Returns 0, or -1 when job is invalid (no port, no name or address). */
int p3s_engine_submit(struct p3s_engine *e, const struct p3s_engine_job *job);
/* No new work: feed() is not called again; what runs finishes (follow-ups included). Targets
 * submitted but not started yet (not resolved, no connection) get target_done unfinished, as a
 * resume scans them again. */
void p3s_engine_stop(struct p3s_engine *e);
/* Everything ends now: connections in flight end with their records (marked interrupted), names
 * being resolved end with theirs, queued jobs are dropped; every target gets target_done, and
 * idle() is called. */
void p3s_engine_abort(struct p3s_engine *e);
/* 1 after p3s_engine_abort(). */
int p3s_engine_aborted(const struct p3s_engine *e);
void p3s_engine_stats(const struct p3s_engine *e, struct p3s_engine_stats *st);
/* Frees the engine; first aborts whatever still runs (each target gets its target_done). */
void p3s_engine_free(struct p3s_engine *e);

#endif
