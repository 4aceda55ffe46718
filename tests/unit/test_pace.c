/* test_pace.c — the --rate clock (src/engine/pace.c) on a simulated clock: the rate delivered is the
 * rate asked even when every timer fires late or the process stalls (issue 18: the old token
 * bucket delivered 83/s for 100/s, losing what late timers owed), time the scan was idle for
 * other reasons is not saved up into a burst, and no limit means no wait. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pace.h"

/* Drives the clock as scan.c does: take until told to wait, then wake after the wait plus a
 * lateness, and every stall_every wake-ups after stall_ms more (a descheduled process); returns
 * the starts per second over `seconds`. */
static double simulate(double rate, double late_ms, int stall_every, double stall_ms,
                       double seconds, int *max_burst)
{
    struct p3s_pace p;
    p3s_pace_init(&p, rate);
    double now = 1000.0, end = now + seconds * 1000.0;
    long starts = 0, wakes = 0;
    *max_burst = 0;
    while (now < end) {
        int burst = 0;
        double wait;
        while ((wait = p3s_pace_take(&p, now)) <= 0) {
            starts++;
            burst++;
        }
        if (burst > *max_burst)
            *max_burst = burst;
        now += wait + late_ms;
        if (stall_every && ++wakes % stall_every == 0)
            now += stall_ms;
    }
    return starts / seconds;
}

static void test_rate_delivered_with_late_timers(void **state)
{
    (void)state;
    static const double rates[] = {10, 100, 300, 400, 700, 1000, 5000, 10000};
    static const double lateness[] = {0, 0.1, 1, 2, 5};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        for (size_t k = 0; k < sizeof lateness / sizeof lateness[0]; k++) {
            int burst;
            double got = simulate(rates[i], lateness[k], 0, 0, 20, &burst);
            if (fabs(got - rates[i]) > rates[i] * 0.005 + 0.1)
                print_error("rate %g, timers %g ms late: %g/s\n", rates[i], lateness[k], got);
            assert_true(fabs(got - rates[i]) <= rates[i] * 0.005 + 0.1);
            /* A late wake catches up what it owes and no more. */
            assert_true(burst <= (int)((lateness[k] + 1000.0 / rates[i]) * rates[i] / 1000.0) + 1);
            /* A 40 ms stall every 50 wake-ups is made up too. */
            got = simulate(rates[i], lateness[k], 50, 40, 20, &burst);
            if (fabs(got - rates[i]) > rates[i] * 0.005 + 0.1)
                print_error("rate %g, stalls: %g/s\n", rates[i], got);
            assert_true(fabs(got - rates[i]) <= rates[i] * 0.005 + 0.1);
        }
}

static void test_even_spacing_on_time(void **state)
{
    (void)state;
    struct p3s_pace p;
    p3s_pace_init(&p, 100);
    assert_true(p3s_pace_take(&p, 0) <= 0);
    double wait = p3s_pace_take(&p, 0);
    assert_true(fabs(wait - 10.0) < 1e-9);
    assert_true(p3s_pace_take(&p, 10.0) <= 0);
    assert_true(fabs(p3s_pace_take(&p, 10.0) - 10.0) < 1e-9);
}

static void test_idle_time_is_not_saved_up(void **state)
{
    (void)state;
    /* Every slot busy for 5 s (the scan says so): then one start, not 5,000. */
    struct p3s_pace p;
    p3s_pace_init(&p, 1000);
    assert_true(p3s_pace_take(&p, 0) <= 0);
    assert_true(p3s_pace_take(&p, 0) > 0); /* held back by the rate */
    p3s_pace_idle(&p);
    int burst = 0;
    while (p3s_pace_take(&p, 5000.0) <= 0)
        burst++;
    assert_int_equal(burst, 1);
    /* Held back by the rate and woken 5 s late: at most a second is made up. */
    p3s_pace_init(&p, 1000);
    assert_true(p3s_pace_take(&p, 0) <= 0);
    assert_true(p3s_pace_take(&p, 0) > 0);
    burst = 0;
    while (p3s_pace_take(&p, 5000.0) <= 0)
        burst++;
    assert_int_equal(burst, (int)P3S_PACE_CATCHUP_MS + 1);
}

static void test_no_limit(void **state)
{
    (void)state;
    struct p3s_pace p;
    p3s_pace_init(&p, 0);
    for (int i = 0; i < 1000; i++)
        assert_true(p3s_pace_take(&p, 0) <= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_delivered_with_late_timers),
        cmocka_unit_test(test_even_spacing_on_time),
        cmocka_unit_test(test_idle_time_is_not_saved_up),
        cmocka_unit_test(test_no_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
