/* writer.c — the history's writer thread (see writer.h): rows queue up under a mutex, the
 * thread takes the whole queue at once and stores it in one transaction. */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rowvec {
    struct p3s_row **v;
    size_t n, cap;
};

struct p3s_store_writer {
    struct p3s_store *st;
    int64_t scan_id;
    void (*on_fail)(void *arg, const char *why);
    void *arg;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t work, space;
    struct rowvec queue;     /* handed over, not yet taken by the thread */
    size_t queued_bytes;
    struct timespec first_at; /* when the oldest row of the queue arrived */
    int closing;
    int failed;
    int64_t handed, stored;
};

static void free_rows(struct rowvec *rv)
{
    for (size_t i = 0; i < rv->n; i++)
        free(rv->v[i]);
    rv->n = 0;
}

static void fail(struct p3s_store_writer *w, const char *why)
{
    pthread_mutex_lock(&w->mu);
    int first = !w->failed;
    w->failed = 1;
    free_rows(&w->queue);
    w->queued_bytes = 0;
    pthread_cond_broadcast(&w->space);
    pthread_mutex_unlock(&w->mu);
    if (first && w->on_fail)
        w->on_fail(w->arg, why);
}

/* Stores a batch in transactions of at most P3S_WRITER_BATCH * 4 rows (a thread that fell
 * behind catches up in large transactions, not in one unbounded one). */
static void store_batch(struct p3s_store_writer *w, struct rowvec *batch)
{
    for (size_t at = 0; at < batch->n;) {
        size_t n = batch->n - at;
        if (n > P3S_WRITER_BATCH * 4)
            n = P3S_WRITER_BATCH * 4;
        if (w->st->ops->add_rows(w->st, w->scan_id, batch->v + at, n) != 0) {
            fail(w, w->st->err);
            return;
        }
        at += n;
        pthread_mutex_lock(&w->mu);
        w->stored += (int64_t)n;
        pthread_mutex_unlock(&w->mu);
    }
}

static int due(const struct timespec *first_at, struct timespec *deadline)
{
    *deadline = *first_at;
    deadline->tv_nsec += P3S_WRITER_DELAY_MS * 1000000L;
    deadline->tv_sec += deadline->tv_nsec / 1000000000L;
    deadline->tv_nsec %= 1000000000L;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static void *run(void *arg)
{
    struct p3s_store_writer *w = arg;
    struct rowvec batch = {0};
    pthread_mutex_lock(&w->mu);
    for (;;) {
        /* Wait for a full batch, the delay of the oldest row, or the end. */
        while (!w->closing && w->queue.n < P3S_WRITER_BATCH) {
            struct timespec deadline;
            if (w->queue.n == 0)
                pthread_cond_wait(&w->work, &w->mu);
            else if (due(&w->first_at, &deadline) ||
                     pthread_cond_timedwait(&w->work, &w->mu, &deadline) == ETIMEDOUT)
                break;
        }
        if (w->queue.n == 0 && w->closing)
            break;
        struct rowvec taken = w->queue; /* swap: the scan fills the other vector meanwhile */
        w->queue = batch;
        batch = taken;
        w->queued_bytes = 0;
        pthread_cond_broadcast(&w->space);
        int failed = w->failed;
        pthread_mutex_unlock(&w->mu);
        if (!failed)
            store_batch(w, &batch);
        free_rows(&batch);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    free(batch.v);
    return NULL;
}

struct p3s_store_writer *p3s_writer_start(struct p3s_store *st, int64_t scan_id,
                                          void (*on_fail)(void *arg, const char *why),
                                          void *arg)
{
    struct p3s_store_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->st = st;
    w->scan_id = scan_id;
    w->on_fail = on_fail;
    w->arg = arg;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, &ca);
    pthread_cond_init(&w->space, NULL);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        p3s_writer_free(w);
        return NULL;
    }
    w->started = 1;
    return w;
}

int p3s_writer_add(struct p3s_store_writer *w, const struct p3s_rowbuf *b)
{
    struct p3s_row *row = p3s_row_pack(b);
    size_t size = p3s_rowbuf_size(b);
    pthread_mutex_lock(&w->mu);
    while (!w->failed && w->queued_bytes > P3S_WRITER_QUEUE_BYTES)
        pthread_cond_wait(&w->space, &w->mu);
    if (w->failed || !row) {
        pthread_mutex_unlock(&w->mu);
        free(row);
        if (!row)
            fail(w, "out of memory");
        return -1;
    }
    if (w->queue.n == w->queue.cap) {
        size_t cap = w->queue.cap ? w->queue.cap * 2 : 1024;
        struct p3s_row **v = realloc(w->queue.v, cap * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&w->mu);
            free(row);
            fail(w, "out of memory");
            return -1;
        }
        w->queue.v = v;
        w->queue.cap = cap;
    }
    if (w->queue.n == 0)
        clock_gettime(CLOCK_MONOTONIC, &w->first_at);
    w->queue.v[w->queue.n++] = row;
    w->queued_bytes += size;
    w->handed++;
    /* Wake the thread to start the delay of a new queue, or for a full batch. */
    if (w->queue.n == 1 || w->queue.n == P3S_WRITER_BATCH)
        pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int p3s_writer_finish(struct p3s_store_writer *w)
{
    if (!w->started)
        return -1;
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->started = 0;
    return !w->failed && w->stored == w->handed ? 0 : -1;
}

int64_t p3s_writer_stored(const struct p3s_store_writer *w)
{
    return w->stored;
}

void p3s_writer_free(struct p3s_store_writer *w)
{
    if (!w)
        return;
    if (w->started)
        p3s_writer_finish(w);
    free_rows(&w->queue);
    free(w->queue.v);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->space);
    free(w);
}
