/* pace.c — the --rate clock (see pace.h). */
#include "pace.h"

void p3s_pace_init(struct p3s_pace *p, double rate)
{
    p->interval_ms = rate > 0 ? 1000.0 / rate : 0;
    p->window_ms = 2 * p->interval_ms > P3S_PACE_WINDOW_MS ? 2 * p->interval_ms
                                                           : P3S_PACE_WINDOW_MS;
    p->next_ms = 0;
    p->started = 0;
}

double p3s_pace_take(struct p3s_pace *p, double now_ms)
{
    if (p->interval_ms <= 0)
        return 0;
    if (!p->started) {
        p->started = 1;
        p->next_ms = now_ms;
    }
    if (p->next_ms < now_ms - p->window_ms)
        p->next_ms = now_ms - p->window_ms;
    if (p->next_ms <= now_ms) {
        p->next_ms += p->interval_ms;
        return 0;
    }
    return p->next_ms - now_ms;
}
