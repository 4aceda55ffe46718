/* pace.h — --rate: when the next connection may start.
 *
 * A virtual clock: every start moves the time the next one is allowed on by 1/rate. While the
 * scan is held back by the rate, a start that comes late (the loop's timers fire a millisecond
 * or so after they are asked; a loaded machine can stall the process for tens of milliseconds)
 * keeps its turn, so the rate delivered is the rate asked rather than 1/(interval + lateness) —
 * up to P3S_PACE_CATCHUP_MS of lag is made up. Time the scan spends held back by something
 * else (every connection slot busy, no target ready yet: p3s_pace_idle) is not saved up, so it
 * never turns into a burst. Pure: the caller gives the time, so the unit tests drive it with a
 * simulated clock.
 */
#ifndef POP3SCAN_PACE_H
#define POP3SCAN_PACE_H

#define P3S_PACE_CATCHUP_MS 1000.0 /* the most lag made up after a late wake-up */

struct p3s_pace {
    double interval_ms; /* 0: no limit */
    double next_ms;     /* when the next start is allowed */
    int started;
    int held;           /* the last call was told to wait: the rate holds the scan back */
};

/* rate: starts per second; 0 or less for no limit. */
void p3s_pace_init(struct p3s_pace *p, double rate);
/* At now_ms: 0 when a start may happen now (it is counted), else how many ms to wait (the
 * caller arms a timer and asks again when it fires). */
double p3s_pace_take(struct p3s_pace *p, double now_ms);
/* The scan cannot start anything for another reason than the rate (no free slot, no target
 * ready): the time until the next p3s_pace_take() is not owed. */
void p3s_pace_idle(struct p3s_pace *p);

#endif
