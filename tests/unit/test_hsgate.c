/* test_hsgate.c — handshake admission (src/engine/hsgate.c): never more than the cap in at
 * once, the waiting admitted in the order they came, one admitted per one leaving, a node that
 * ends while waiting simply gone from the queue, and the cap derived from -c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hsgate.h"

static void test_admits_up_to_the_cap_then_queues(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[5] = {0};
    p3s_hsgate_init(&g, 2);
    assert_int_equal(p3s_hsgate_enter(&g, &n[0], 0), 1);
    assert_int_equal(p3s_hsgate_enter(&g, &n[1], 0), 1);
    assert_int_equal(p3s_hsgate_enter(&g, &n[2], 0), 0);
    assert_int_equal(p3s_hsgate_enter(&g, &n[3], 0), 0);
    assert_int_equal(g.in, 2);
    assert_int_equal(g.waiting, 2);
    assert_int_equal(n[2].state, P3S_HSGATE_WAITING);
    /* FIFO: the first to wait is the first admitted, one per one leaving */
    assert_ptr_equal(p3s_hsgate_leave(&g, &n[1], 0), &n[2]);
    assert_int_equal(n[2].state, P3S_HSGATE_IN);
    assert_int_equal(n[1].state, P3S_HSGATE_OUT);
    assert_int_equal(g.in, 2);
    assert_ptr_equal(p3s_hsgate_leave(&g, &n[0], 0), &n[3]);
    assert_int_equal(g.waiting, 0);
    assert_null(p3s_hsgate_leave(&g, &n[2], 0));
    assert_int_equal(g.in, 1);
    /* room again: a newcomer goes in at once */
    assert_int_equal(p3s_hsgate_enter(&g, &n[4], 0), 1);
    assert_int_equal(g.peak, 2);
}

static void test_leaving_while_waiting(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[5] = {0};
    p3s_hsgate_init(&g, 1);
    assert_int_equal(p3s_hsgate_enter(&g, &n[0], 0), 1);
    for (int i = 1; i < 5; i++)
        assert_int_equal(p3s_hsgate_enter(&g, &n[i], 0), 0);
    /* the middle, the head and the tail of the queue end while they wait */
    assert_null(p3s_hsgate_leave(&g, &n[2], 0));
    assert_null(p3s_hsgate_leave(&g, &n[1], 0));
    assert_null(p3s_hsgate_leave(&g, &n[4], 0));
    assert_int_equal(g.waiting, 1);
    assert_int_equal(g.in, 1);
    assert_ptr_equal(p3s_hsgate_leave(&g, &n[0], 0), &n[3]);
    assert_null(p3s_hsgate_leave(&g, &n[3], 0));
    assert_int_equal(g.in, 0);
    assert_null(g.head);
    assert_null(g.tail);
    /* a node that never entered, or left already, changes nothing */
    assert_null(p3s_hsgate_leave(&g, &n[3], 0));
    assert_int_equal(g.in, 0);
}

static void test_no_cap(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    struct p3s_hsgate_node n[100] = {{0}};
    p3s_hsgate_init(&g, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p3s_hsgate_enter(&g, &n[i], 0), 1);
    assert_int_equal(g.in, 100);
    assert_int_equal(g.waiting, 0);
    for (int i = 0; i < 100; i++)
        assert_null(p3s_hsgate_leave(&g, &n[i], 0));
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
        if (p3s_hsgate_enter(&g, &n[i], 0) == 0)
            order[admitted++] = i; /* the queue's order */
        assert_true(g.in <= CAP);
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 3 == 0) { /* one running handshake ends */
            for (int k = 0; k < N; k++) {
                if (n[k].state != P3S_HSGATE_IN)
                    continue;
                struct p3s_hsgate_node *a = p3s_hsgate_leave(&g, &n[k], 0);
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
    size_t lo;
    assert_int_equal(p3s_hsgate_cap_for(1, &lo), 0);
    assert_int_equal(lo, 0);
    assert_int_equal(p3s_hsgate_cap_for(64, &lo), 0);
    assert_int_equal(p3s_hsgate_cap_for(65, &lo), 64);
    assert_int_equal(lo, 64);
    assert_int_equal(p3s_hsgate_cap_for(127, &lo), 64);
    assert_int_equal(p3s_hsgate_cap_for(200, &lo), 100);
    assert_int_equal(lo, 64);
    assert_int_equal(p3s_hsgate_cap_for(3000, &lo), 1500);
    assert_int_equal(lo, 64);
}

/* An adaptive gate driven by a model of what lies behind it: a handshake admitted when `in` run
 * at once takes latency_ms(in, i, now) (i counts the handshakes), and every node wants another
 * handshake as soon as its last one ended, so the queue never empties. Runs to until_ms of
 * model time and returns the cap then; throughout, the cap stays in [min, max] and none is
 * admitted while the cap's number run. The running handshakes are a min-heap by their end. */
enum { MODEL_NODES = 2000 };
static struct p3s_hsgate_node node[MODEL_NODES];
static double end_ms[MODEL_NODES];
static size_t heap[MODEL_NODES], heap_n;
static double model_now;
static unsigned model_count;
typedef double latency_fn(size_t in, unsigned i);

static void heap_swap(size_t a, size_t b)
{
    size_t t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
}

static void heap_push(size_t i)
{
    size_t k = heap_n++;
    heap[k] = i;
    while (k && end_ms[heap[(k - 1) / 2]] > end_ms[heap[k]]) {
        heap_swap(k, (k - 1) / 2);
        k = (k - 1) / 2;
    }
}

static size_t heap_pop(void)
{
    size_t top = heap[0], k = 0;
    heap[0] = heap[--heap_n];
    for (;;) {
        size_t l = 2 * k + 1, r = l + 1, m = k;
        if (l < heap_n && end_ms[heap[l]] < end_ms[heap[m]])
            m = l;
        if (r < heap_n && end_ms[heap[r]] < end_ms[heap[m]])
            m = r;
        if (m == k)
            return top;
        heap_swap(k, m);
        k = m;
    }
}

static void started(struct p3s_hsgate *g, size_t i, latency_fn *latency)
{
    end_ms[i] = model_now + latency(g->in, model_count++);
    heap_push(i);
}

static void model_start(struct p3s_hsgate *g, latency_fn *latency)
{
    memset(node, 0, sizeof node);
    heap_n = 0;
    model_now = 0;
    model_count = 0;
    for (size_t i = 0; i < MODEL_NODES; i++)
        if (p3s_hsgate_enter(g, &node[i], model_now))
            started(g, i, latency);
}

static size_t model_run(struct p3s_hsgate *g, latency_fn *latency, double until_ms)
{
    while (model_now < until_ms) {
        assert_true(heap_n > 0);
        size_t in_before = g->in, k = heap_pop();
        model_now = end_ms[k];
        struct p3s_hsgate_node *a = p3s_hsgate_leave(g, &node[k], model_now);
        for (; a; a = p3s_hsgate_next(g, model_now))
            started(g, (size_t)(a - node), latency);
        if (p3s_hsgate_enter(g, &node[k], model_now))
            started(g, k, latency);
        /* a cap that shrank below the running handshakes admits none until they end */
        assert_true(g->in <= g->cap || g->in < in_before);
        assert_true(g->in == heap_n);
        assert_true(g->cap >= g->cap_min && g->cap <= g->cap_max);
    }
    return g->cap;
}

static size_t run_model(struct p3s_hsgate *g, latency_fn *latency, double until_ms)
{
    model_start(g, latency);
    return model_run(g, latency, until_ms);
}

/* A real network with room: 200 ms a handshake however many run. */
static double network(size_t in, unsigned i)
{
    (void)in;
    (void)i;
    return 200;
}

/* A server (or CPU) that does one handshake per ms: the time grows with the number at once. */
static double bottleneck(size_t in, unsigned i)
{
    (void)i;
    return 1.0 * (double)in + 1;
}

/* The network, with one handshake in ten held to a 5 s read timeout (servers that never answer
 * their ClientHello). */
static double with_silent_servers(size_t in, unsigned i)
{
    (void)in;
    return i % 10 == 3 ? 5000 : 200;
}

static void test_adaptive_grows_where_there_is_room(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    p3s_hsgate_init_adaptive(&g, 64, 1500);
    assert_int_equal(g.cap, 64);
    /* the first window not counted, then a window a round trip or two, fourfold each: 64 to
     * 1500 within 6 round trips */
    assert_int_equal(run_model(&g, network, 6 * 200), 1500);
    assert_int_equal(g.shrank, 0);
    assert_int_equal(g.peak, 1500);
}

static void test_adaptive_ignores_silent_servers(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    p3s_hsgate_init_adaptive(&g, 64, 1500);
    assert_int_equal(run_model(&g, with_silent_servers, 20000), 1500);
    assert_int_equal(g.shrank, 0);
}

static void test_adaptive_stays_low_at_a_bottleneck(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    p3s_hsgate_init_adaptive(&g, 64, 1500);
    /* a handshake takes 65 ms alone at the floor: more at once only queue at the server. The
     * cap tries more now and then and comes back; it stays far from the ceiling the network
     * reaches (a third of it) */
    size_t end = run_model(&g, bottleneck, 20000);
    assert_true(end <= 500);
    assert_true(g.peak <= 500);
    assert_true(g.shrank > 0);
}

/* Room at first, then a bottleneck (the scan reaches a slow part of the range), then room
 * again: the cap comes down, and goes back up. */
static double room_bottleneck_room(size_t in, unsigned i)
{
    return model_now < 3000 || model_now >= 30000 ? network(in, i) : 4 * bottleneck(in, i);
}

static void test_adaptive_follows_a_bottleneck_that_comes_and_goes(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    p3s_hsgate_init_adaptive(&g, 64, 1500);
    assert_int_equal(run_model(&g, room_bottleneck_room, 3000), 1500);
    assert_true(model_run(&g, room_bottleneck_room, 30000) < 750);
    /* a quarter a window (a round trip) from wherever it came down to: back within 10 s */
    assert_int_equal(model_run(&g, room_bottleneck_room, 40000), 1500);
}

static void test_fixed_cap_never_moves(void **state)
{
    (void)state;
    struct p3s_hsgate g;
    p3s_hsgate_init(&g, 100);
    assert_int_equal(run_model(&g, network, 3000), 100);
    p3s_hsgate_init(&g, 100);
    assert_int_equal(run_model(&g, bottleneck, 3000), 100);
    assert_int_equal(g.grew + g.shrank, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admits_up_to_the_cap_then_queues),
        cmocka_unit_test(test_leaving_while_waiting),
        cmocka_unit_test(test_no_cap),
        cmocka_unit_test(test_cap_holds_under_churn),
        cmocka_unit_test(test_cap_for_concurrency),
        cmocka_unit_test(test_adaptive_grows_where_there_is_room),
        cmocka_unit_test(test_adaptive_ignores_silent_servers),
        cmocka_unit_test(test_adaptive_stays_low_at_a_bottleneck),
        cmocka_unit_test(test_adaptive_follows_a_bottleneck_that_comes_and_goes),
        cmocka_unit_test(test_fixed_cap_never_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
