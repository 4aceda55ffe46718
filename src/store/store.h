/* store.h — scan history: where scans and their records are kept between runs, and what
 * `pop3scan diff` and `pop3scan history` read back.
 *
 * A back end is a struct of function pointers (struct p3s_store_ops) behind one handle, so that
 * another database (PostgreSQL, issue 17) can sit beside the SQLite one (store_sqlite.c). What
 * the back ends share is defined here: the scan row (struct p3s_scan_info) and the record row
 * (struct p3s_row, row.h), whose columns are the fields users query plus the full JSONL record.
 * Batching, the writer thread and the scan's glue are the back end's callers' business
 * (writer.c, scanstore.c); a back end only runs what it is asked, and says why when it fails.
 */
#ifndef POP3SCAN_STORE_H
#define POP3SCAN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "row.h"

/* Schema version this build writes; a file of a newer one is refused, an older one upgraded. */
#define P3S_STORE_SCHEMA 2

/* How a scan ended (scan.status). A scan without an end is "running" in the file: still
 * running, or killed (history tells them apart by the process id when it can). */
#define P3S_SCAN_RUNNING "running"
#define P3S_SCAN_COMPLETE "complete"
#define P3S_SCAN_INTERRUPTED "interrupted" /* a signal, or the target list could not be read */
#define P3S_SCAN_INCOMPLETE "incomplete"   /* the store failed: records are missing */
#define P3S_SCAN_RESUMED "resumed"         /* --resume: only what the earlier run left */
#define P3S_SCAN_FAILED "failed"           /* the scan did not run (a fatal error) */

struct p3s_scan_info {
    int64_t id;
    char started[32], ended[32]; /* ISO 8601 UTC, "" when unknown */
    char status[16];
    const char *command;  /* JSON array of the arguments */
    const char *targets;  /* JSON: what the scan covers (targets, lists, exclusions, ports,
                             shard, family) — two scans cover the same when these are equal */
    const char *options;  /* JSON: the options that change what is seen */
    const char *shard;    /* "I/N" or NULL */
    const char *host;     /* where it ran */
    int64_t pid;
    const char *version;  /* pop3scan's */
    int64_t records;      /* stored so far (the count at the end, or a live count) */
    int64_t pop3;         /* records in state pop3 (read back only) */
    void *mem;            /* the texts' own copy (p3s_scan_info_own), or NULL */
};

/* Copies the texts of info into memory of its own (get_scan does; list_scans' callbacks get
 * texts valid during the call only). Returns 0, -1 when out of memory. */
int p3s_scan_info_own(struct p3s_scan_info *info);
void p3s_scan_info_free(struct p3s_scan_info *info);

/* Opening modes. */
enum p3s_store_mode {
    P3S_STORE_READ,   /* an existing file (upgraded when older): diff, history */
    P3S_STORE_WRITE,  /* created when missing: a scan */
    P3S_STORE_MODIFY, /* an existing file, written: db prune, db vacuum */
    P3S_STORE_TEMP,   /* a private temporary database on disk (diff of JSONL files) */
};

struct p3s_store;
struct p3s_store_cursor;

typedef int (*p3s_scan_cb)(void *arg, const struct p3s_scan_info *scan);
typedef int (*p3s_row_cb)(void *arg, const struct p3s_scan_info *scan, const struct p3s_row *row);

struct p3s_store_ops {
    const char *name;
    /* Inserts a scan row (status running, no end); sets info->id. */
    int (*begin_scan)(struct p3s_store *s, struct p3s_scan_info *info);
    /* Stores n records of scan_id in one transaction: all of them or none. */
    int (*add_rows)(struct p3s_store *s, int64_t scan_id, struct p3s_row *const *rows, size_t n);
    /* Sets the end time, status and record count. */
    int (*end_scan)(struct p3s_store *s, int64_t scan_id, const char *status, int64_t records);
    /* Scans, newest first (at most limit; 0: all). */
    int (*list_scans)(struct p3s_store *s, int limit, p3s_scan_cb cb, void *arg);
    /* One scan by id: 1 found (out owns its texts: p3s_scan_info_free), 0 not, -1 error. */
    int (*get_scan)(struct p3s_store *s, int64_t id, struct p3s_scan_info *out);
    /* The newest complete scan that has an older complete scan of the same targets, and that
     * one: 1 found, 0 none, -1 error. */
    int (*latest_pair)(struct p3s_store *s, int64_t *old_id, int64_t *new_id);
    /* The newest complete scan other than `not`: 1 found, 0 none, -1 error. */
    int (*latest_complete)(struct p3s_store *s, int64_t not_id, int64_t *id);
    /* A scan's records in key order (target, ip, port, transport: byte order of the column
     * texts, port as a number). A row is valid until the next call on its cursor. */
    struct p3s_store_cursor *(*open_rows)(struct p3s_store *s, int64_t scan_id);
    int (*next_row)(struct p3s_store_cursor *c, const struct p3s_row **row); /* 1, 0 end, -1 */
    void (*close_rows)(struct p3s_store_cursor *c);
    /* Every record whose target or address is `target`, oldest scan first. */
    int (*target_rows)(struct p3s_store *s, const char *target, p3s_row_cb cb, void *arg);
    /* Deletes scans beyond the newest `keep` (keep < 0: no such limit) that started before
     * `before` (ISO 8601; NULL: no such limit); scans still running are kept and not
     * counted. */
    int (*prune)(struct p3s_store *s, int keep, const char *before, int64_t *scans,
                 int64_t *records);
    int (*vacuum)(struct p3s_store *s);
    /* Size of the database in bytes (pages in use times page size), -1 when unknown. */
    int64_t (*size)(struct p3s_store *s);
    void (*close)(struct p3s_store *s);
};

/* Every back end's handle starts with this. */
struct p3s_store {
    const struct p3s_store_ops *ops;
    char path[4096];
    char err[512]; /* why the last call failed */
};

/* Opens the store at path (SQLite; a URL scheme will pick another back end). NULL with the
 * reason in err. */
struct p3s_store *p3s_store_open(const char *path, enum p3s_store_mode mode, char *err,
                                 size_t errlen);
void p3s_store_close(struct p3s_store *s);

/* The default file: $XDG_STATE_HOME/pop3scan/history.sqlite3, else
 * ~/.local/state/pop3scan/history.sqlite3 (HOME, else the password database). With create,
 * missing directories are made (mode 0700). Returns 0, or -1 with the reason in err. */
int p3s_store_default_path(char *out, size_t outlen, int create, char *err, size_t errlen);

/* "now" as ISO 8601 UTC (seconds), and back; -1 when s is not of that form. */
void p3s_store_iso_time(long long t, char *out, size_t outlen);
long long p3s_store_parse_iso(const char *s);
/* An age: "180d", "12h", "30m", "45s", "2w"; a bare number is days. -1 when malformed. */
long long p3s_store_parse_age(const char *s);
/* A scan without an end whose process is gone (same host, pid not alive): it was killed. */
int p3s_scan_is_dead(const struct p3s_scan_info *scan);
/* The status to show: "killed" for a dead running scan, else the stored status. */
const char *p3s_scan_status_shown(const struct p3s_scan_info *scan);

/* The SQLite back end (store_sqlite.c). */
struct p3s_store *p3s_store_sqlite_open(const char *path, enum p3s_store_mode mode, char *err,
                                        size_t errlen);

#endif
