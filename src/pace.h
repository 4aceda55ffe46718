/* pace.h — --rate: when the next connection may start.
 *
 * A virtual clock: every start moves the time the next one is allowed on by 1/rate. A start
 * that comes late (the loop's timers fire a millisecond or so after they are asked, and a busy
 * loop pass later still) keeps its turn, so the rate delivered is the rate asked rather than
 * 1/(interval + lateness); but the clock never lags the real one by more than a window, so
 * time spent idle (every connection slot busy) is not saved up into a burst. At most
 * window/interval connections start at once. Pure: the caller gives the time, so the unit
 * tests drive it with a simulated clock.
 */
#ifndef POP3SCAN_PACE_H
#define POP3SCAN_PACE_H

#define P3S_PACE_WINDOW_MS 20.0 /* the lag caught up at most (or two intervals, if longer) */

struct p3s_pace {
    double interval_ms; /* 0: no limit */
    double window_ms;
    double next_ms;     /* when the next start is allowed */
    int started;
};

/* rate: starts per second; 0 or less for no limit. */
void p3s_pace_init(struct p3s_pace *p, double rate);
/* At now_ms: 0 when a start may happen now (it is counted), else how many ms to wait. */
double p3s_pace_take(struct p3s_pace *p, double now_ms);

#endif
