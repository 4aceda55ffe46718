/* writer.h — stores a scan's records from a thread of its own, in batched transactions.
 *
 * The scan hands each finished record over (a copy) and goes on at once: the event loop never
 * waits for the disk, nor for another scan holding the write lock of the same file. The thread
 * commits every P3S_WRITER_BATCH records, or P3S_WRITER_BATCH_BYTES of them (records of hostile
 * servers are large: the copies waiting must not grow with the number of connections), or
 * P3S_WRITER_DELAY_MS after the oldest waiting one arrived, whichever comes first, so a kill
 * loses at most that much. Should the thread fall P3S_WRITER_QUEUE_BYTES behind (a slow disk),
 * the scan waits for it: memory stays bounded.
 * When the store fails, the thread calls on_fail once and every record after that is dropped:
 * the scan's own output is never held up by the history. A database that went away (a server
 * restarted, a network gone: the back end's lost()) is not a failure yet: the thread connects
 * again and sends the batch again, for up to the retry time (p3s_writer_set_retry), while the
 * scan goes on queueing (and waits, past P3S_WRITER_QUEUE_BYTES).
 */
#ifndef POP3SCAN_WRITER_H
#define POP3SCAN_WRITER_H

#include <stdint.h>

#include "row.h"
#include "store.h"

#define P3S_WRITER_BATCH 1000
#define P3S_WRITER_DELAY_MS 200
#define P3S_WRITER_BATCH_BYTES (1u << 20)
#define P3S_WRITER_QUEUE_BYTES (16u << 20)

struct p3s_store_writer;

/* on_fail(arg, why) runs on the writer's thread, once, at the first failure. */
struct p3s_store_writer *p3s_writer_start(struct p3s_store *st, int64_t scan_id,
                                          void (*on_fail)(void *arg, const char *why),
                                          void *arg);
/* Queues a copy of the row. Returns 0, or -1 once the store has failed (or out of memory). */
int p3s_writer_add(struct p3s_store_writer *w, const struct p3s_rowbuf *row);
/* Stores what is queued and stops the thread. Returns 0 when every row handed over is stored. */
int p3s_writer_finish(struct p3s_store_writer *w);
int64_t p3s_writer_stored(const struct p3s_store_writer *w);
/* How long (ms) a database that went away is waited for (0, the default: not at all), and
 * on_note(arg, what) called from the thread when it goes and when it is back. */
void p3s_writer_set_retry(struct p3s_store_writer *w, int retry_ms,
                          void (*on_note)(void *arg, const char *what));
/* Rows handed over so far, and how many of them are stored; -1 once the store failed. */
int p3s_writer_progress(struct p3s_store_writer *w, int64_t *handed, int64_t *stored);
void p3s_writer_free(struct p3s_store_writer *w);

#endif
