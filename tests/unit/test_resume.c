/* test_resume.c — the --resume state (src/cli/resume.c): marking out of order, the watermark, the
 * file written and read back, keys that tell scans apart, and files that are not ours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "resume.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/p3s-resume-test-%d", (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static struct p3s_resume *open_ok(uint64_t key, int want_existed)
{
    char err[256] = "";
    int existed = -1;
    struct p3s_resume *r = p3s_resume_open(path, key, &existed, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(existed, want_existed);
    return r;
}

static void test_out_of_order_marks(void **state)
{
    (void)state;
    struct p3s_resume *r = open_ok(7, 0);
    assert_false(p3s_resume_is_done(r, 0));
    p3s_resume_mark(r, 2);
    p3s_resume_mark(r, 1);
    assert_true(p3s_resume_is_done(r, 1));
    assert_false(p3s_resume_is_done(r, 0));
    assert_int_equal(p3s_resume_pending(r), 2);
    p3s_resume_mark(r, 0); /* the watermark moves past 0, 1, 2 */
    assert_int_equal(p3s_resume_pending(r), 0);
    assert_true(p3s_resume_is_done(r, 2));
    assert_false(p3s_resume_is_done(r, 3));
    p3s_resume_mark(r, 1); /* again: no change */
    assert_int_equal(p3s_resume_pending(r), 0);
    p3s_resume_free(r);
}

static void test_save_and_load(void **state)
{
    (void)state;
    char err[256];
    struct p3s_resume *r = open_ok(42, 0);
    /* Everything below 100000 done except 70000 and 99999; a few done far above. */
    for (uint64_t p = 0; p < 100000; p++)
        if (p != 70000 && p != 99999)
            p3s_resume_mark(r, p);
    p3s_resume_mark(r, 150000);
    p3s_resume_mark(r, 150001);
    p3s_resume_mark(r, 200003);
    p3s_resume_set_seed(r, 12345);
    assert_int_equal(p3s_resume_save(r, 0, err, sizeof err), 0);
    p3s_resume_free(r);

    r = open_ok(42, 1);
    uint64_t seed = 0;
    assert_true(p3s_resume_seed(r, &seed));
    assert_int_equal(seed, 12345);
    assert_false(p3s_resume_complete(r));
    assert_true(p3s_resume_is_done(r, 0));
    assert_true(p3s_resume_is_done(r, 69999));
    assert_false(p3s_resume_is_done(r, 70000));
    assert_true(p3s_resume_is_done(r, 70001));
    assert_true(p3s_resume_is_done(r, 99998));
    assert_false(p3s_resume_is_done(r, 99999));
    assert_false(p3s_resume_is_done(r, 100000));
    assert_true(p3s_resume_is_done(r, 150000));
    assert_true(p3s_resume_is_done(r, 150001));
    assert_false(p3s_resume_is_done(r, 150002));
    assert_true(p3s_resume_is_done(r, 200003));
    p3s_resume_mark(r, 70000);
    p3s_resume_mark(r, 99999);
    assert_true(p3s_resume_is_done(r, 100000 - 1));
    assert_int_equal(p3s_resume_save(r, 1, err, sizeof err), 0);
    p3s_resume_free(r);

    r = open_ok(42, 1);
    assert_true(p3s_resume_complete(r));
    assert_int_equal(p3s_resume_pending(r), 3);
    p3s_resume_free(r);
}

static void test_other_scan_refused(void **state)
{
    (void)state;
    char err[256];
    struct p3s_resume *r = open_ok(1, 0);
    assert_int_equal(p3s_resume_save(r, 0, err, sizeof err), 0);
    p3s_resume_free(r);
    int existed;
    err[0] = '\0';
    assert_null(p3s_resume_open(path, 2, &existed, err, sizeof err));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "other targets"));
}

static void test_not_a_state_file(void **state)
{
    (void)state;
    const char *bad[] = {"", "hello\n", "pop3scan-resume 2\nkey 1\n",
                         "pop3scan-resume 1\nkey 1\nlow x\n",
                         "pop3scan-resume 1\nkey 1\ndone 9-3\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(bad[i], f);
        fclose(f);
        char err[256] = "";
        int existed;
        assert_null(p3s_resume_open(path, 1, &existed, err, sizeof err));
        assert_non_null(strstr(err, "not a pop3scan resume file"));
    }
}

static void test_key_covers_target_options(void **state)
{
    (void)state;
    struct p3s_config a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    char *t1[] = {"127.0.0.0/24"}, *t2[] = {"127.0.1.0/24"};
    assert_int_equal(p3s_resume_key(&a, t1, 1), p3s_resume_key(&b, t1, 1));
    assert_int_not_equal(p3s_resume_key(&a, t1, 1), p3s_resume_key(&a, t2, 1));
    b.shard_index = 1;
    b.shard_count = 2;
    assert_int_not_equal(p3s_resume_key(&a, t1, 1), p3s_resume_key(&b, t1, 1));
    memset(&b, 0, sizeof b);
    b.randomize = 1;
    assert_int_not_equal(p3s_resume_key(&a, t1, 1), p3s_resume_key(&b, t1, 1));
    b.excludes[0] = "127.0.0.1";
    b.nexcludes = 1;
    b.randomize = 0;
    assert_int_not_equal(p3s_resume_key(&a, t1, 1), p3s_resume_key(&b, t1, 1));
    /* Options that do not change the targets (timeouts, outputs) do not change the key. */
    memset(&b, 0, sizeof b);
    b.read_timeout_ms = 1;
    b.concurrency = 9;
    assert_int_equal(p3s_resume_key(&a, t1, 1), p3s_resume_key(&b, t1, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_out_of_order_marks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_scan_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_state_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_covers_target_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
