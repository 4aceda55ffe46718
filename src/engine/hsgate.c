/* hsgate.c — handshake admission (see hsgate.h): a counter and a FIFO of waiting nodes. */
#include "hsgate.h"

void p3s_hsgate_init(struct p3s_hsgate *g, size_t cap)
{
    *g = (struct p3s_hsgate){.cap = cap};
}

static void admit(struct p3s_hsgate *g, struct p3s_hsgate_node *n)
{
    n->state = P3S_HSGATE_IN;
    g->in++;
    if (g->in > g->peak)
        g->peak = g->in;
}

int p3s_hsgate_enter(struct p3s_hsgate *g, struct p3s_hsgate_node *n)
{
    if (n->state != P3S_HSGATE_OUT)
        return n->state == P3S_HSGATE_IN;
    if (!g->cap || (g->in < g->cap && !g->head)) {
        admit(g, n);
        return 1;
    }
    n->state = P3S_HSGATE_WAITING;
    n->next = NULL;
    n->prev = g->tail;
    if (g->tail)
        g->tail->next = n;
    else
        g->head = n;
    g->tail = n;
    g->waiting++;
    return 0;
}

static void unlink_node(struct p3s_hsgate *g, struct p3s_hsgate_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        g->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        g->tail = n->prev;
    n->next = n->prev = NULL;
    g->waiting--;
}

struct p3s_hsgate_node *p3s_hsgate_leave(struct p3s_hsgate *g, struct p3s_hsgate_node *n)
{
    if (n->state == P3S_HSGATE_WAITING) {
        unlink_node(g, n);
        n->state = P3S_HSGATE_OUT;
        return NULL;
    }
    if (n->state != P3S_HSGATE_IN)
        return NULL;
    n->state = P3S_HSGATE_OUT;
    g->in--;
    struct p3s_hsgate_node *next = g->head;
    if (!next || (g->cap && g->in >= g->cap))
        return NULL;
    unlink_node(g, next);
    admit(g, next);
    return next;
}

size_t p3s_hsgate_cap_for(size_t c)
{
    if (c <= P3S_HSGATE_FLOOR)
        return 0;
    size_t half = c / 2;
    return half < P3S_HSGATE_FLOOR ? P3S_HSGATE_FLOOR : half;
}
