/* pace.c — the --rate clock (see pace.h). */
#include "pace.h"

void p3s_pace_init(struct p3s_pace *p, double rate)
{
    p->interval_ms = rate > 0 ? 1000.0 / rate : 0;
    p->next_ms = 0;
    p->started = 0;
    p->held = 0;
}

void p3s_pace_idle(struct p3s_pace *p)
{
    p->held = 0;
}

double p3s_pace_take(struct p3s_pace *p, double now_ms)
{
    if (p->interval_ms <= 0)
        return 0;
    if (!p->started) {
        p->started = 1;
        p->next_ms = now_ms;
    }
    /* Held back by the rate: a late wake-up keeps the turns it missed. Otherwise the scan was
     * idle for its own reasons, and that time is not owed. */
    double owed = p->held ? P3S_PACE_CATCHUP_MS : 0;
    if (p->next_ms < now_ms - owed)
        p->next_ms = now_ms - owed;
    if (p->next_ms <= now_ms) {
        p->next_ms += p->interval_ms;
        return 0;
    }
    p->held = 1;
    return p->next_ms - now_ms;
}
