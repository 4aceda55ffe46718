/* hsgate.h — handshake admission: at most `cap` TLS handshakes of the engine's connections run
 * at once; the others, connected, wait in FIFO order holding only their socket and structure.
 *
 * Why: OpenSSL gives a connection inside its handshake about 44 KiB (the handshake message
 * buffer, a write buffer, the SSL object), after it 20 or so. Where the server is slow to
 * answer its ClientHello (a loaded server, or a scan faster than the servers) nearly every open
 * connection sits in its handshake, and the memory of -c N is N such connections. A
 * handshake is a small part of a dialogue on a real network (one or two round trips of five or
 * more), so capping them at a share of -c costs no throughput (bench/RESULTS.md, issue 20).
 *
 * Pure bookkeeping, no I/O and no allocation: the nodes live in the connections.
 */
#ifndef POP3SCAN_HSGATE_H
#define POP3SCAN_HSGATE_H

#include <stddef.h>

enum p3s_hsgate_state { P3S_HSGATE_OUT, P3S_HSGATE_WAITING, P3S_HSGATE_IN };

struct p3s_hsgate_node {
    struct p3s_hsgate_node *next, *prev; /* in the queue, while waiting */
    enum p3s_hsgate_state state;
};

struct p3s_hsgate {
    size_t cap;      /* handshakes at once; 0: no limit */
    size_t in;       /* handshakes running */
    size_t waiting;  /* connections queued for one */
    size_t peak;     /* the most that ran at once */
    struct p3s_hsgate_node *head, *tail;
};

void p3s_hsgate_init(struct p3s_hsgate *g, size_t cap);
/* n wants to start a handshake: returns 1 when it may now (it is IN), 0 when it was queued
 * (WAITING) and will be handed back by p3s_hsgate_leave() when its turn comes. */
int p3s_hsgate_enter(struct p3s_hsgate *g, struct p3s_hsgate_node *n);
/* n is done with the gate: its handshake ended (whichever way), or it ended while waiting, or
 * it never entered (nothing happens). Returns the node admitted in its place (now IN, taken off
 * the queue; its owner starts its handshake), or NULL. */
struct p3s_hsgate_node *p3s_hsgate_leave(struct p3s_hsgate *g, struct p3s_hsgate_node *n);
/* The cap for a concurrency of c: half of it, and no cap up to 64 (where the memory is small
 * anyway and a cap would only serialise a short scan). */
size_t p3s_hsgate_cap_for(size_t c);

#define P3S_HSGATE_FLOOR 64

#endif
