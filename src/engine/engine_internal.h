/* engine_internal.h — what scan.c (the scheduler) and conn.c (one connection) share. */
#ifndef POP3SCAN_SCAN_INTERNAL_H
#define POP3SCAN_SCAN_INTERNAL_H

#include <event2/event_struct.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "dns.h"
#include "keyset.h"
#include "output.h"
#include "pace.h"
#include "record.h"

struct event_base;
struct event;
struct conn;
struct p3fp_db;
struct p3s_fpcache;

/* A target of the stream, alive until each of its jobs (and its DNS lookup) is done; then it
 * counts as finished for the progress line and --resume. */
struct p3s_tstate {
    uint64_t pos;     /* position in the target stream */
    unsigned pending; /* jobs not yet done, plus one while the name resolves */
};

/* One (target, address, port) waiting to be scanned. */
struct p3s_job {
    struct p3s_job *next;
    struct p3s_scan *scan;
    struct p3s_tstate *ts;
    char *target;
    char ip[64];
    uint16_t port;
    int tls;
    int sni; /* the target is a name: send it as TLS SNI */
    int tls_retry;          /* the implicit-TLS retry of a cleartext port that spoke TLS */
    struct p3s_record *held; /* the retry's cleartext record, reported if the retry fails */
    /* TLS detection (scan.c): a timer while the cleartext connection waits for a greeting,
     * then the ClientHello probe of the port (tlssniff.c), if one was started. */
    struct event detect_timer;
    int detect_armed;
    struct tls_detect *detect;
    /* Set by conn.c while the connection runs, read by the TLS detection of scan.c. */
    double connected_ms;    /* when the TCP connect completed (monotonic), 0 before */
    int heard;              /* a byte of cleartext came from the server */
};

struct p3s_scan {
    const struct p3s_config *cfg;
    struct event_base *base;
    SSL_CTX *ssl_ctx;
    struct p3s_dns *dns;
    struct p3s_output *outs;
    size_t nouts;
    struct p3s_summary *sum;
    struct p3s_job *head, *tail;
    size_t active;       /* connections open */
    size_t dns_pending;  /* names being resolved */
    int targets_done;    /* the target stream is exhausted */
    int pumping, repump; /* pump() is running / was asked to run again */
    size_t limit;        /* connections allowed now: --concurrency, lowered when out of fds */
    struct p3s_pace pace; /* --rate */
    struct event *rate_timer;
    uint64_t conns_started; /* connections of jobs started (what --rate paces) */
    struct p3s_keyset seen_jobs; /* duplicates: (address, port, transport) of names and
                                    HOST:PORT targets already scanned (scan.c) */
    struct event *stop_ev;  /* an output failed: stop the scan from the loop */
    const struct timeval *detect_tv; /* the wait before trying TLS on a silent cleartext port */
    int stopping, aborting; /* first and second SIGINT/SIGTERM */
    int progress_tty;
    uint64_t expected_targets; /* 0 when unknown (-iL files) */
    uint64_t next_pos;          /* position of the next target drawn from the stream */
    uint64_t targets_finished;
    uint64_t targets_skipped;   /* finished by an earlier run (--resume) */
    struct event *flush_ev;     /* flushes outputs once per loop pass, not once per record */
    int flush_pending;
    struct event *save_timer;   /* --resume: state saved every second */
    struct p3fp_db *fp;         /* fingerprints: built-in, then --fingerprints files */
    struct p3s_fpcache *fpcache; /* identification answers for recent inputs (scan.c) */
    /* libevent common timeouts for the step timeouts: thousands of timers of one duration are
     * kept in a queue, O(1) to re-arm, rather than in the heap (conn.c arm()). */
    const struct timeval *read_tv, *connect_tv;
    struct conn *conns; /* every open connection, for an abort */
    double start_ms;
    uint64_t rng;
};

/* The shortest settle wait (lib/pop3/pop3.h rule 2; conn.c says how long it is). */
#define P3S_SETTLE_MIN_MS 100

/* Opens the connection for job and runs its dialogue; the job comes back with the record through
 * p3s_scan_conn_done(). Returns -1 (errno set, job untouched) when no socket could be made. */
int p3s_conn_start(struct p3s_scan *scan, struct p3s_job *job);
/* Reports a bad -iL line on standard error; past a limit only counts them. With NULL, prints
 * the count of those not shown. */
void p3s_report_bad_line(size_t *count, const char *msg);
/* Ends every open connection now, each with its record (second SIGINT). */
void p3s_conn_abort_all(struct p3s_scan *scan);
/* Ends the cleartext connection of job now: TLS detection found TLS on its port and retries it
 * with TLS; its record is replaced. Does nothing when the connection is gone already. */
void p3s_conn_end_for_tls(struct p3s_scan *scan, struct p3s_job *job);
/* Called by conn.c when a connection ends: reports the record and starts more work. */
void p3s_scan_conn_done(struct p3s_scan *scan, struct p3s_job *job, struct p3s_record *rec);
/* Writes a finished record to every output and counts it in the summary; frees it. */
void p3s_scan_emit(struct p3s_scan *scan, struct p3s_record *rec);
uint64_t p3s_scan_random(struct p3s_scan *scan);
/* Names the product of a finished POP3 record from the fingerprints (rec->product). */
void p3s_identify(struct p3s_scan *scan, struct p3s_record *rec);
/* The socket address of a numeric IPv4 or IPv6 address and a port; -1 when ip is neither. */
int p3s_sockaddr_fill(const char *ip, uint16_t port, struct sockaddr_storage *ss,
                      socklen_t *len);

#endif
