/* test_hsgate.c — handshake admission (src/engine/hsgate.c): never more than the cap in at
 * once, the waiting admitted in the order they came, one admitted per one leaving, a node that
 * ends while waiting simply gone from the queue, and the cap derived from -c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hsgate.h"

static void test_admits_up_to_the_cap_then_queues(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[5] = {0};
    p3s_hsgate_init(&g, 2);
    assert_int_equal(p3s_hsgate_enter(&g, &n[0]), 1);
    assert_int_equal(p3s_hsgate_enter(&g, &n[1]), 1);
    assert_int_equal(p3s_hsgate_enter(&g, &n[2]), 0);
    assert_int_equal(p3s_hsgate_enter(&g, &n[3]), 0);
    assert_int_equal(g.in, 2);
    assert_int_equal(g.waiting, 2);
    assert_int_equal(n[2].state, P3S_HSGATE_WAITING);
    /* FIFO: the first to wait is the first admitted, one per one leaving */
    assert_ptr_equal(p3s_hsgate_leave(&g, &n[1]), &n[2]);
    assert_int_equal(n[2].state, P3S_HSGATE_IN);
    assert_int_equal(n[1].state, P3S_HSGATE_OUT);
    assert_int_equal(g.in, 2);
    assert_ptr_equal(p3s_hsgate_leave(&g, &n[0]), &n[3]);
    assert_int_equal(g.waiting, 0);
    assert_null(p3s_hsgate_leave(&g, &n[2]));
    assert_int_equal(g.in, 1);
    /* room again: a newcomer goes in at once */
    assert_int_equal(p3s_hsgate_enter(&g, &n[4]), 1);
    assert_int_equal(g.peak, 2);
}

static void test_leaving_while_waiting(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[5] = {0};
    p3s_hsgate_init(&g, 1);
    assert_int_equal(p3s_hsgate_enter(&g, &n[0]), 1);
    for (int i = 1; i < 5; i++)
        assert_int_equal(p3s_hsgate_enter(&g, &n[i]), 0);
    /* the middle, the head and the tail of the queue end while they wait */
    assert_null(p3s_hsgate_leave(&g, &n[2]));
    assert_null(p3s_hsgate_leave(&g, &n[1]));
    assert_null(p3s_hsgate_leave(&g, &n[4]));
    assert_int_equal(g.waiting, 1);
    assert_int_equal(g.in, 1);
    assert_ptr_equal(p3s_hsgate_leave(&g, &n[0]), &n[3]);
    assert_null(p3s_hsgate_leave(&g, &n[3]));
    assert_int_equal(g.in, 0);
    assert_null(g.head);
    assert_null(g.tail);
    /* a node that never entered, or left already, changes nothing */
    assert_null(p3s_hsgate_leave(&g, &n[3]));
    assert_int_equal(g.in, 0);
}

static void test_no_cap(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[100] = {{0}};
    p3s_hsgate_init(&g, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p3s_hsgate_enter(&g, &n[i]), 1);
    assert_int_equal(g.in, 100);
    assert_int_equal(g.waiting, 0);
    for (int i = 0; i < 100; i++)
        assert_null(p3s_hsgate_leave(&g, &n[i]));
    assert_int_equal(g.in, 0);
}

/* Many rounds of random enters and leaves: the cap holds throughout, and every node that
 * waited is admitted in order. */
static void test_cap_holds_under_churn(void **state)
{
    (void)state;
    enum { N = 500, CAP = 7 };
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[N] = {{0}};
    int order[N], admitted = 0, next_in_line = 0;
    p3s_hsgate_init(&g, CAP);
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        if (p3s_hsgate_enter(&g, &n[i]) == 0)
            order[admitted++] = i; /* the queue's order */
        assert_true(g.in <= CAP);
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 3 == 0) { /* one running handshake ends */
            for (int k = 0; k < N; k++) {
                if (n[k].state != P3S_HSGATE_IN)
                    continue;
                struct p3s_hsgate_node *a = p3s_hsgate_leave(&g, &n[k]);
                if (a)
                    assert_ptr_equal(a, &n[order[next_in_line++]]);
                break;
            }
        }
        assert_true(g.in <= CAP);
    }
    assert_int_equal(g.peak, CAP);
}

static void test_cap_for_concurrency(void **state)
{
    (void)state;
    assert_int_equal(p3s_hsgate_cap_for(1), 0);
    assert_int_equal(p3s_hsgate_cap_for(64), 0);
    assert_int_equal(p3s_hsgate_cap_for(65), 64);
    assert_int_equal(p3s_hsgate_cap_for(127), 64);
    assert_int_equal(p3s_hsgate_cap_for(200), 100);
    assert_int_equal(p3s_hsgate_cap_for(3000), 1500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admits_up_to_the_cap_then_queues),
        cmocka_unit_test(test_leaving_while_waiting),
        cmocka_unit_test(test_no_cap),
        cmocka_unit_test(test_cap_holds_under_churn),
        cmocka_unit_test(test_cap_for_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
