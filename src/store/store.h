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
#define P3S_STORE_SCHEMA 5

/* How a back end says, in err, that a database holds no history yet (exit status 2). */
#define P3S_STORE_EMPTY "no scan has been stored there yet"

/* begin_scan's answer when a campaign refuses the shard (store.h's rules below): exit status 2. */
#define P3S_STORE_REFUSED (-2)

/* How a scan ended (scan.status). A scan without an end is "running" in the file: still
 * running, or killed (history tells them apart by the process id when it can). */
#define P3S_SCAN_RUNNING "running"
#define P3S_SCAN_COMPLETE "complete"
#define P3S_SCAN_INTERRUPTED "interrupted" /* a signal, or the target list could not be read */
#define P3S_SCAN_INCOMPLETE "incomplete"   /* the store failed: records are missing */
#define P3S_SCAN_RESUMED "resumed"         /* --resume: only what the earlier run left */
#define P3S_SCAN_FAILED "failed"           /* the scan did not run (a fatal error) */

struct p3s_campaign_join;

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
    /* Campaigns (read back; begin_scan takes `join`). */
    const char *campaign; /* the campaign's name, or NULL */
    int64_t campaign_id;  /* 0: not a campaign's */
    int64_t shard_index;  /* the shard's I, when campaign_id */
    int64_t attempts;     /* runs of this shard (a shard run again takes its row over) */
    int alive;            /* 1 its process holds the scan (PostgreSQL's lock), 0 it does not,
                             -1 unknown (then host and pid tell, on the same host) */
    const struct p3s_campaign_join *join; /* begin_scan: the campaign to join, or NULL */
    void *mem;            /* the texts' own copy (p3s_scan_info_own), or NULL */
};

/* A scan that is a shard of a campaign (--campaign NAME --shard I/N). Campaigns have unique
 * names. The first shard to start makes the campaign; every other one joins it when it covers
 * the same targets (the scan's targets without the shard), with the same options and the same N
 * — else it is refused. A shard runs once: its scan row is made the first time, and a run of a
 * shard that did not complete (killed, interrupted, the store failed) takes that row over, its
 * records replacing those of the same key. A shard that completed is refused (a new run needs a
 * new campaign name), unless resuming (--resume found its state file): then it is taken over
 * and scans what the state file says is left. A shard being run now (PostgreSQL: its process
 * holds the scan's advisory lock; SQLite: its process is alive on this host, or on another
 * host, unknown) is refused. */
struct p3s_campaign_join {
    const char *name;
    uint32_t shard_index, shard_count;
    const char *targets; /* what the whole campaign covers (JSON, as scan.targets, no shard) */
    int resuming;
};

/* A campaign as stored. */
struct p3s_campaign {
    int64_t id;
    char created[32];
    int64_t shards;
    const char *name, *targets, *options;
    void *mem;
};

/* Copies the texts of info into memory of its own (get_scan does; list_scans' callbacks get
 * texts valid during the call only). Returns 0, -1 when out of memory. */
int p3s_scan_info_own(struct p3s_scan_info *info);
void p3s_scan_info_free(struct p3s_scan_info *info);
int p3s_campaign_own(struct p3s_campaign *c);
void p3s_campaign_free(struct p3s_campaign *c);

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
typedef int (*p3s_campaign_cb)(void *arg, const struct p3s_campaign *c);
typedef int (*p3s_row_cb)(void *arg, const struct p3s_scan_info *scan, const struct p3s_row *row);

struct p3s_store_ops {
    const char *name;
    /* Inserts a scan row (status running, no end); sets info->id. With info->join, the shard's
     * row of the campaign (see struct p3s_campaign_join), also setting campaign_id and attempts;
     * P3S_STORE_REFUSED when the campaign refuses it. */
    int (*begin_scan)(struct p3s_store *s, struct p3s_scan_info *info);
    /* Stores n records of scan_id in one transaction: all of them or none. Records of a scan
     * taken over replace the stored ones of the same key. */
    int (*add_rows)(struct p3s_store *s, int64_t scan_id, struct p3s_row *const *rows, size_t n);
    /* After add_rows failed: whether the database went away (the connection broke) rather than
     * refused the records, so that trying again once it is back may succeed; NULL: never. */
    int (*lost)(struct p3s_store *s);
    /* Connects again after lost(); 0 when connected (the scan's lock taken again), -1 not yet,
     * P3S_STORE_REFUSED when the scan was taken by another process meanwhile. */
    int (*reconnect)(struct p3s_store *s);
    /* Sets the end time, status and record count. */
    int (*end_scan)(struct p3s_store *s, int64_t scan_id, const char *status, int64_t records);
    /* Scans, newest first (at most limit; 0: all). */
    int (*list_scans)(struct p3s_store *s, int limit, p3s_scan_cb cb, void *arg);
    /* One scan by id: 1 found (out owns its texts: p3s_scan_info_free), 0 not, -1 error. */
    int (*get_scan)(struct p3s_store *s, int64_t id, struct p3s_scan_info *out);
    /* A campaign by name (out owns its texts: p3s_campaign_free), and its shards' scans in
     * shard order through cb (texts valid during the call): 1 found, 0 not, -1 error. */
    int (*get_campaign)(struct p3s_store *s, const char *name, struct p3s_campaign *out,
                        p3s_scan_cb cb, void *arg);
    /* Campaigns, newest first (texts valid during the call). */
    int (*list_campaigns)(struct p3s_store *s, p3s_campaign_cb cb, void *arg);
    /* The newest complete scan that has an older complete scan of the same targets, and that
     * one: 1 found, 0 none, -1 error. Scans of campaigns are not among them. */
    int (*latest_pair)(struct p3s_store *s, int64_t *old_id, int64_t *new_id);
    /* The newest complete scan other than `not` (not of a campaign): 1 found, 0 none, -1. */
    int (*latest_complete)(struct p3s_store *s, int64_t not_id, int64_t *id);
    /* The records of n scans (a scan, or the shards of a campaign) in key order (target, ip,
     * port, transport: byte order of the column texts, port as a number). A row is valid until
     * the next call on its cursor. With with_json its JSONL record too (row.json); without,
     * only the columns (what diff compares), which reads far less. */
    struct p3s_store_cursor *(*open_rows)(struct p3s_store *s, const int64_t *ids, size_t n,
                                          int with_json);
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
    char path[4096]; /* as shown in messages (a URI's password redacted) */
    char err[512]; /* why the last call failed */
};

/* Opens the store at path: a PostgreSQL connection URI (postgresql:// or postgres://; the PG*
 * environment variables fill in what it leaves out) or a SQLite file. NULL with the reason in
 * err. Defined in store_open.c, the one place that knows the back ends. */
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

/* Whether path names a PostgreSQL database rather than a file. */
int p3s_store_is_pg(const char *path);
/* A PostgreSQL URI fit to show and to keep: its password (user:PASSWORD@, password=…) replaced
 * by "***". Anything else is copied as it is. */
void p3s_store_redact(const char *path, char *out, size_t outlen);

/* The campaign rules (struct p3s_campaign_join), for the back ends: whether a shard scan
 * (info, with join) may join campaign c, and whether it may take over the shard's stored scan
 * row. 0 yes, P3S_STORE_REFUSED with why in err. */
int p3s_campaign_check(const struct p3s_campaign *c, const struct p3s_scan_info *info,
                       char *err, size_t errlen);
int p3s_campaign_shard_check(const struct p3s_scan_info *shard, const struct p3s_scan_info *info,
                             char *err, size_t errlen);

#endif
