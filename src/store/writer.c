/* writer.c — the history's writer thread (see writer.h): rows queue up under a mutex, the
 * thread takes the whole queue at once and stores it in one transaction.
 *
 * Rows are copied into large blocks, one after the other, and the blocks go back to a small
 * pool once stored: a malloc and a free per record, across two threads, cost more than the
 * SQLite insert (glibc returned the freed memory to the kernel batch after batch, and every
 * batch faulted it in again). */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK_BYTES (256u << 10)
#define POOL_MAX 8 /* blocks kept for reuse: 2 MiB, what a batch and the next one take */

struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(16) char data[];
};

/* Rows and the blocks that hold them. */
struct queue {
    struct p3s_row **v;
    size_t n, cap;
    struct block *head, *tail;
    size_t bytes;
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
    struct queue queue;       /* handed over, not yet taken by the thread */
    struct block *pool;       /* stored blocks, for reuse */
    size_t npool;
    struct timespec first_at; /* when the oldest row of the queue arrived */
    int closing;
    int failed;
    int64_t handed, stored;
    int retry_ms;   /* how long a database that went away is waited for */
    void (*on_note)(void *arg, const char *what);
};

/* Gives the queue's blocks back to the pool (the rest are freed); the queue is then empty.
 * Called with the mutex held. */
static void recycle(struct p3s_store_writer *w, struct queue *q)
{
    struct block *b = q->head;
    while (b) {
        struct block *next = b->next;
        if (w->npool < POOL_MAX && b->cap == BLOCK_BYTES) {
            b->next = w->pool;
            w->pool = b;
            w->npool++;
        } else {
            free(b);
        }
        b = next;
    }
    q->head = q->tail = NULL;
    q->n = 0;
    q->bytes = 0;
}

static void fail(struct p3s_store_writer *w, const char *why)
{
    pthread_mutex_lock(&w->mu);
    int first = !w->failed;
    w->failed = 1;
    recycle(w, &w->queue);
    pthread_cond_broadcast(&w->space);
    pthread_mutex_unlock(&w->mu);
    if (first && w->on_fail)
        w->on_fail(w->arg, why);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static void note(struct p3s_store_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct p3s_store_writer *w, const char *fmt, ...)
{
    if (!w->on_note)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->on_note(w->arg, msg);
}

/* The database went away (add_rows said the connection broke): connect again, waiting longer
 * each time, until retry_ms have passed since it went. 0 back, -1 gone for good (err says). */
static int wait_for_store(struct p3s_store_writer *w, double since)
{
    struct p3s_store *st = w->st;
    char why[sizeof st->err];
    snprintf(why, sizeof why, "%s", st->err);
    note(w, "%s; trying again for up to %d s (the records wait in memory)", why,
         w->retry_ms / 1000);
    for (int delay_ms = 100;;) {
        double left = since + w->retry_ms - now_ms();
        if (left <= 0)
            break;
        double nap = delay_ms < left ? delay_ms : left;
        struct timespec ts = {(time_t)(nap / 1000), (long)((long long)nap % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        delay_ms = delay_ms * 2 > 2000 ? 2000 : delay_ms * 2;
        int rc = st->ops->reconnect(st);
        if (rc == 0) {
            note(w, "back after %.1f s; storing the records that waited", (now_ms() - since) / 1000);
            return 0;
        }
        if (rc == P3S_STORE_REFUSED)
            return -1;
    }
    char last[sizeof st->err];
    snprintf(last, sizeof last, "%s", st->err);
    snprintf(st->err, sizeof st->err, "gone for more than %d s (%.400s)", w->retry_ms / 1000,
             last);
    return -1;
}

/* Stores a batch in transactions of at most P3S_WRITER_BATCH * 4 rows (a thread that fell
 * behind catches up in large transactions, not in one unbounded one). A transaction that failed
 * because the database went away is sent again once it is back. */
static void store_batch(struct p3s_store_writer *w, struct queue *batch)
{
    double gone_since = 0;
    for (size_t at = 0; at < batch->n;) {
        size_t n = batch->n - at;
        if (n > P3S_WRITER_BATCH * 4)
            n = P3S_WRITER_BATCH * 4;
        if (w->st->ops->add_rows(w->st, w->scan_id, batch->v + at, n) != 0) {
            int lost = w->st->ops->lost && w->st->ops->lost(w->st) && w->retry_ms > 0;
            if (lost && !gone_since)
                gone_since = now_ms();
            if (!lost || wait_for_store(w, gone_since) != 0) {
                fail(w, w->st->err);
                return;
            }
            continue;
        }
        gone_since = 0;
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
    struct queue batch;
    memset(&batch, 0, sizeof batch);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        /* Wait for a full batch, the delay of the oldest row, or the end. */
        while (!w->closing && w->queue.n < P3S_WRITER_BATCH &&
               w->queue.bytes < P3S_WRITER_BATCH_BYTES) {
            struct timespec deadline;
            if (w->queue.n == 0)
                pthread_cond_wait(&w->work, &w->mu);
            else if (due(&w->first_at, &deadline) ||
                     pthread_cond_timedwait(&w->work, &w->mu, &deadline) == ETIMEDOUT)
                break;
        }
        if (w->queue.n == 0 && w->closing)
            break;
        /* Swap: the scan fills the other (empty) row vector meanwhile, with fresh blocks. */
        struct queue taken = w->queue;
        w->queue = batch;
        batch = taken;
        pthread_cond_broadcast(&w->space);
        int failed = w->failed;
        pthread_mutex_unlock(&w->mu);
        if (!failed)
            store_batch(w, &batch);
        pthread_mutex_lock(&w->mu);
        recycle(w, &batch);
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

/* Room for size bytes at the end of the queue's last block, or a new block (from the pool).
 * Called with the mutex held; NULL when out of memory. */
static void *room(struct p3s_store_writer *w, size_t size)
{
    struct queue *q = &w->queue;
    if (q->tail && q->tail->cap - q->tail->used >= size) {
        void *p = q->tail->data + q->tail->used;
        q->tail->used += size;
        return p;
    }
    struct block *b = NULL;
    if (size <= BLOCK_BYTES && w->pool) {
        b = w->pool;
        w->pool = b->next;
        w->npool--;
    } else {
        size_t cap = size > BLOCK_BYTES ? size : BLOCK_BYTES;
        if (!(b = malloc(sizeof *b + cap)))
            return NULL;
        b->cap = cap;
    }
    b->next = NULL;
    b->used = size;
    if (q->tail)
        q->tail->next = b;
    else
        q->head = b;
    q->tail = b;
    q->bytes += b->cap;
    return b->data;
}

int p3s_writer_add(struct p3s_store_writer *w, const struct p3s_rowbuf *b)
{
    size_t size = p3s_rowbuf_size(b);
    pthread_mutex_lock(&w->mu);
    while (!w->failed && w->queue.bytes > P3S_WRITER_QUEUE_BYTES)
        pthread_cond_wait(&w->space, &w->mu);
    if (w->failed) {
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    struct queue *q = &w->queue;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        struct p3s_row **v = realloc(q->v, cap * sizeof *v);
        if (!v)
            goto oom;
        q->v = v;
        q->cap = cap;
    }
    void *mem = room(w, size);
    if (!mem)
        goto oom;
    /* The copy is made under the mutex: a few hundred nanoseconds, and the thread only takes
     * the mutex between batches. */
    q->v[q->n++] = p3s_row_pack_into(b, mem);
    if (q->n == 1)
        clock_gettime(CLOCK_MONOTONIC, &w->first_at);
    w->handed++;
    /* Wake the thread to start the delay of a new queue, or for a full batch. */
    if (q->n == 1 || q->n == P3S_WRITER_BATCH || q->bytes >= P3S_WRITER_BATCH_BYTES)
        pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return 0;
oom:
    pthread_mutex_unlock(&w->mu);
    fail(w, "out of memory");
    return -1;
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

void p3s_writer_set_retry(struct p3s_store_writer *w, int retry_ms,
                          void (*on_note)(void *arg, const char *what))
{
    pthread_mutex_lock(&w->mu);
    w->retry_ms = retry_ms;
    w->on_note = on_note;
    pthread_mutex_unlock(&w->mu);
}

int p3s_writer_progress(struct p3s_store_writer *w, int64_t *handed, int64_t *stored)
{
    pthread_mutex_lock(&w->mu);
    *handed = w->handed;
    *stored = w->stored;
    int failed = w->failed;
    pthread_mutex_unlock(&w->mu);
    return failed ? -1 : 0;
}

void p3s_writer_free(struct p3s_store_writer *w)
{
    if (!w)
        return;
    if (w->started)
        p3s_writer_finish(w);
    recycle(w, &w->queue);
    free(w->queue.v);
    while (w->pool) {
        struct block *b = w->pool;
        w->pool = b->next;
        free(b);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->space);
    free(w);
}
