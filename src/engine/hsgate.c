/* hsgate.c — handshake admission (see hsgate.h): a counter, a FIFO of waiting nodes, and the
 * adaptive cap's windows of handshake times. */
#include "hsgate.h"

#include <stdlib.h>
#include <string.h>

void p3s_hsgate_init(struct p3s_hsgate *g, size_t cap)
{
    *g = (struct p3s_hsgate){.cap = cap, .cap_min = cap, .cap_max = cap};
}

void p3s_hsgate_init_adaptive(struct p3s_hsgate *g, size_t min, size_t max)
{
    p3s_hsgate_init(g, min);
    if (max > min) {
        g->cap_max = max;
        g->window = 1;
    }
}

static void admit(struct p3s_hsgate *g, struct p3s_hsgate_node *n, double now_ms)
{
    n->state = P3S_HSGATE_IN;
    n->admitted_ms = now_ms;
    n->cohort = 0;
    if (g->skip)
        g->skip--;
    else if (g->window && g->cohort < P3S_HSGATE_WINDOW) {
        n->cohort = g->window;
        g->cohort++;
    }
    g->in++;
    if (g->in > g->peak)
        g->peak = g->in;
}

int p3s_hsgate_enter(struct p3s_hsgate *g, struct p3s_hsgate_node *n, double now_ms)
{
    if (n->state != P3S_HSGATE_OUT)
        return n->state == P3S_HSGATE_IN;
    if (!g->cap || (g->in < g->cap && !g->head)) {
        admit(g, n, now_ms);
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
    g->window_waited = 1;
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

static int by_value(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Opens the next window: its cohort starts after a grown cap's burst but for its last
 * WINDOW (a grown cap lets many in at once: the last of them meet the new load). */
static void next_window(struct p3s_hsgate *g)
{
    size_t room = g->cap > g->in ? g->cap - g->in : 0;
    g->skip = room > P3S_HSGATE_WINDOW ? room - P3S_HSGATE_WINDOW : 0;
    g->window++;
    if (!g->window) /* wrapped: 0 means no cohort */
        g->window = 1;
    g->cohort = 0;
    g->samples = 0;
    g->window_waited = g->waiting > 0;
}

/* The window's median handshake time against the lowest of the last windows' medians: the
 * cap shrinks in proportion when it is half again above (queueing downstream), grows when it
 * is not and connections waited, and otherwise stays. */
static void adapt(struct p3s_hsgate *g)
{
    if (g->window == 1) {
        /* The first handshakes ran while the scan opened all its connections at once (its
         * connects, the servers' accepts): their time says more about the scan's start than
         * about the servers, and as the lowest it would let the cap grow where it should not. */
        next_window(g);
        return;
    }
    float s[P3S_HSGATE_WINDOW];
    memcpy(s, g->sample_ms, g->samples * sizeof s[0]);
    qsort(s, g->samples, sizeof s[0], by_value);
    /* the ones still running took longer than all of these */
    float median = s[P3S_HSGATE_WINDOW / 2];
    g->median_ms[g->window % P3S_HSGATE_HISTORY] = median;
    float lowest = median;
    for (unsigned i = 0; i < P3S_HSGATE_HISTORY; i++)
        if (g->median_ms[i] > 0 && g->median_ms[i] < lowest)
            lowest = g->median_ms[i];
    if (median > 1.5f * lowest) {
        /* handshakes take `median / lowest` times as long: as many fewer at once would take
         * them back near the lowest, if the time is queueing (by at most half at a time) */
        float by = 1.25f * lowest / median;
        size_t smaller = (size_t)((float)g->cap * (by > 0.5f ? by : 0.5f));
        g->cap = smaller > g->cap_min ? smaller : g->cap_min;
        g->shrank++;
    } else if (g->window_waited && g->cap < g->cap_max) {
        /* Until the first sign of a bottleneck, fast (fourfold where the time did not move at
         * all): a real network's first round trips. After it, a quarter at a time: probing
         * past the bottleneck by leaps would hold several times the memory it needs at every
         * probe. */
        size_t larger = !g->shrank ? g->cap * (median <= 1.25f * lowest ? 4 : 2)
                                   : g->cap + (g->cap + 3) / 4;
        g->cap = larger < g->cap_max ? larger : g->cap_max;
        g->grew++;
    }
    next_window(g);
}

struct p3s_hsgate_node *p3s_hsgate_next(struct p3s_hsgate *g, double now_ms)
{
    struct p3s_hsgate_node *next = g->head;
    if (!next || (g->cap && g->in >= g->cap))
        return NULL;
    unlink_node(g, next);
    admit(g, next, now_ms);
    return next;
}

struct p3s_hsgate_node *p3s_hsgate_leave(struct p3s_hsgate *g, struct p3s_hsgate_node *n,
                                         double now_ms)
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
    if (n->cohort && n->cohort == g->window) {
        double ms = now_ms - n->admitted_ms;
        g->sample_ms[g->samples++] = (float)(ms > 0 ? ms : 0);
        if (g->samples >= P3S_HSGATE_WINDOW_DONE)
            adapt(g);
    }
    return p3s_hsgate_next(g, now_ms);
}

size_t p3s_hsgate_cap_for(size_t c, size_t *floor)
{
    *floor = 0;
    if (c <= P3S_HSGATE_FLOOR)
        return 0;
    *floor = P3S_HSGATE_FLOOR;
    size_t half = c / 2;
    return half < P3S_HSGATE_FLOOR ? P3S_HSGATE_FLOOR : half;
}
