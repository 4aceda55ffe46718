/* hsgate.h — handshake admission: at most `cap` TLS handshakes of the engine's connections run
 * at once; the others, connected, wait in FIFO order holding only their socket and structure.
 *
 * Why: OpenSSL gives a connection inside its handshake about 44 KiB (the handshake message
 * buffer, a write buffer, the SSL object), after it 20 or so. Where the server is slow to
 * answer its ClientHello (a loaded server, or a scan faster than the servers) nearly every open
 * connection sits in its handshake, and the memory of -c N is N such connections.
 *
 * The default cap adapts (p3s_hsgate_init_adaptive), from a floor up to half of -c. How long
 * a handshake takes from its admission says whether what lies behind the gate (the servers,
 * the network, our own CPU) has room for more. Each window of handshakes, their median time is
 * set against the lowest median of the last windows:
 *   - within half again of it, with connections waiting: the servers keep pace, the cap grows:
 *     fourfold (within a quarter) or twofold until it first had to shrink, as on a real
 *     network's first round trips; by a quarter after that, probing;
 *   - above that: handshakes queue downstream (a server or the CPU is the bottleneck), and
 *     more at once would only hold more memory; the cap shrinks in proportion, by at most half.
 * It starts at the floor: a first window measured already queueing would set the lowest too
 * high for the cap ever to come down. That first window is not counted (its handshakes ran
 * while the scan opened all its connections at once). A median, not a mean: a few servers
 * that never answer their ClientHello (held to the read timeout) do not read as congestion.
 * The lowest is over the last few windows, so that one fast window early in a scan cannot
 * hold the cap down for the rest of it.
 *
 * Pure bookkeeping, no I/O, no clock (the caller passes the time) and no allocation: the nodes
 * live in the connections.
 */
#ifndef POP3SCAN_HSGATE_H
#define POP3SCAN_HSGATE_H

#include <stddef.h>

enum p3s_hsgate_state { P3S_HSGATE_OUT, P3S_HSGATE_WAITING, P3S_HSGATE_IN };

struct p3s_hsgate_node {
    struct p3s_hsgate_node *next, *prev; /* in the queue, while waiting */
    double admitted_ms;                  /* when its handshake was let in */
    unsigned cohort;                     /* the window it is measured in, 0: none */
    enum p3s_hsgate_state state;
};

/* A window measures WINDOW handshakes admitted after it opened (its cohort: the first to end
 * would be the fastest, not a sample); when the cap grew, the last WINDOW of those it let in
 * at once (the first of them do not meet the new load yet). It closes once WINDOW_DONE of them
 * ended: the ones that take longest (a server that never answers holds its handshake to the
 * read timeout) cannot hold it open, and they are above the median anyway. The lowest median
 * is kept over the last HISTORY windows. */
#define P3S_HSGATE_WINDOW 64
#define P3S_HSGATE_WINDOW_DONE 48
#define P3S_HSGATE_HISTORY 32

struct p3s_hsgate {
    size_t cap;      /* handshakes at once now; 0: no limit */
    size_t cap_min;  /* the range an adaptive cap moves in; cap_min == cap_max: a fixed cap */
    size_t cap_max;
    size_t in;       /* handshakes running */
    size_t waiting;  /* connections queued for one */
    size_t peak;     /* the most that ran at once */
    struct p3s_hsgate_node *head, *tail;
    /* the window being measured (adaptive caps only) */
    unsigned window;    /* its number, from 1: the cohort of the nodes it measures */
    unsigned cohort;    /* nodes admitted into its cohort */
    size_t skip;        /* admissions before its cohort starts */
    int window_waited;  /* a connection waited for admission during the window */
    unsigned samples;
    float sample_ms[P3S_HSGATE_WINDOW];
    float median_ms[P3S_HSGATE_HISTORY]; /* the last windows' medians, 0: none yet */
    unsigned grew, shrank;               /* how often the cap changed (the first shrink ends
                                            the fast growth) */
};

/* A fixed cap (0: none). */
void p3s_hsgate_init(struct p3s_hsgate *g, size_t cap);
/* A cap that starts at min and adapts between min and max (see above); max <= min is fixed. */
void p3s_hsgate_init_adaptive(struct p3s_hsgate *g, size_t min, size_t max);
/* n wants to start a handshake at now_ms: returns 1 when it may now (it is IN), 0 when it was
 * queued (WAITING) and will be handed back by p3s_hsgate_leave() or p3s_hsgate_next() when its
 * turn comes. */
int p3s_hsgate_enter(struct p3s_hsgate *g, struct p3s_hsgate_node *n, double now_ms);
/* n is done with the gate at now_ms: its handshake ended (whichever way), or it ended while
 * waiting, or it never entered (nothing happens). Returns the node admitted in its place (now
 * IN, taken off the queue; its owner starts its handshake), or NULL. When the cap grew, more
 * may be admitted: call p3s_hsgate_next() until it returns NULL. */
struct p3s_hsgate_node *p3s_hsgate_leave(struct p3s_hsgate *g, struct p3s_hsgate_node *n,
                                         double now_ms);
/* The next waiting node if there is room for it now (admitted, as by leave), else NULL. */
struct p3s_hsgate_node *p3s_hsgate_next(struct p3s_hsgate *g, double now_ms);
/* The default cap's range for a concurrency of c: from the floor up to half of c, and no cap
 * up to 64 (where the memory is small anyway and a cap would only serialise a short scan).
 * Returns the ceiling (0: no cap); *floor gets the floor. */
size_t p3s_hsgate_cap_for(size_t c, size_t *floor);

#define P3S_HSGATE_FLOOR 64

#endif
