/* store_sqlite.c — the SQLite back end of the scan history (store.h).
 *
 * One file, WAL mode (readers never wait for the writer, and two scans may write to it at once:
 * each transaction takes the write lock in turn, a busy timeout makes the other wait), the
 * schema version in PRAGMA user_version and the file's owner in PRAGMA application_id, so that a
 * file of another program is refused rather than written into. A file of an older schema is
 * upgraded in place by the migrations below, in one transaction; a newer one is refused.
 *
 * The migrations (schema.c) are the schema's history and are never edited once released: a
 * fresh file runs them all in order, an old one the ones it lacks. tests/unit/test_store.c keeps
 * its own copy of the version 1 schema to make an old file and upgrade it.
 *
 * A shard of a campaign run again takes its scan row over (store.h); its records then replace
 * the stored ones of the same key by deleting those first (the record key is not a unique index
 * here: a file of an older version may hold rows that would break one).
 */
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "store_sqlite.h"

#define APPLICATION_ID 0x50335348 /* "P3SH": a pop3scan history file */
#define BUSY_TIMEOUT_MS 10000

struct sqlite_store;
static int migrate_2(struct sqlite_store *s);

struct sqlite_store {
    struct p3s_store base;
    sqlite3 *db;
    sqlite3_stmt *ins_record, *upd_count, *del_key;
    int temp;
    int64_t replacing; /* a scan taken over: its records replace those of the same key */
};

/* The records of one scan through its index, or of several (a campaign's shards: disjoint
 * keys) merged in key order from one statement each. */
struct p3s_store_cursor {
    struct sqlite_store *s;
    size_t n;
    int started;
    int with_json; /* record.json is the statement's last column */
    struct sub {
        sqlite3_stmt *st;
        int live; /* row holds its current row */
        struct p3s_row row;
    } sub[];
};

/* ---- errors ------------------------------------------------------------------------------ */

static int fail_db(struct sqlite_store *s, const char *what)
{
    int code = sqlite3_errcode(s->db);
    int sys = sqlite3_system_errno(s->db);
    const char *msg = sqlite3_errmsg(s->db);
    if ((code == SQLITE_CANTOPEN || code == SQLITE_IOERR || code == SQLITE_FULL) && sys)
        snprintf(s->base.err, sizeof s->base.err, "%s: %s (%s)", what, msg, strerror(sys));
    else
        snprintf(s->base.err, sizeof s->base.err, "%s: %s", what, msg);
    return -1;
}

static int exec(struct sqlite_store *s, const char *sql, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail_db(s, what);
    return 0;
}

static int query_int(struct sqlite_store *s, const char *sql, long long *out, const char *what)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(s, what);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return fail_db(s, what);
    return 0;
}

/* ---- opening and upgrading --------------------------------------------------------------- */

/* Migration v (1-based): its SQL, the rebuild of old rows version 2 needs, what ends it. */
static int migrate_to(struct sqlite_store *s, long long v)
{
    const struct p3s_migration *m = &P3S_MIGRATIONS[v - 1];
    char what[64];
    snprintf(what, sizeof what, "upgrading the schema to version %lld", v);
    if ((m->sql && exec(s, m->sql, what)) || (v == 2 && migrate_2(s)) ||
        (m->sql_done && exec(s, m->sql_done, what)))
        return -1;
    return m->lite_extra ? exec(s, m->lite_extra, what) : 0;
}

/* Brings the schema to P3S_STORE_SCHEMA in one transaction. The version is read again under the
 * write lock: another scan may have upgraded (or created) the file meanwhile. */
static int migrate(struct sqlite_store *s)
{
    if (exec(s, "BEGIN IMMEDIATE", "locking the database to upgrade it"))
        return -1;
    long long version = 0;
    if (query_int(s, "PRAGMA user_version", &version, "reading the schema version"))
        goto fail;
    for (long long v = version + 1; v <= P3S_STORE_SCHEMA; v++)
        if (migrate_to(s, v))
            goto fail;
    if (version < P3S_STORE_SCHEMA) {
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 P3S_STORE_SCHEMA, APPLICATION_ID);
        if (exec(s, sql, "setting the schema version"))
            goto fail;
    }
    if (exec(s, "COMMIT", "upgrading the schema"))
        goto fail;
    return 0;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Is this a file we may use? Ours (any version up to ours), or an empty database. The three
 * reads are one snapshot: read one by one, a second scan creating the schema between them made
 * a new file look like another program's (tables, but application_id still 0). */
static int check_identity(struct sqlite_store *s, long long *version, long long *tables)
{
    long long app = 0;
    if (exec(s, "BEGIN", "reading the file"))
        return -1;
    /* The first statement reads the file's header: "file is not a database" shows here. */
    int bad = query_int(s, "PRAGMA application_id", &app, "reading the file") ||
              query_int(s, "PRAGMA user_version", version, "reading the schema version") ||
              query_int(s, "SELECT count(*) FROM sqlite_master", tables, "reading the schema");
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (bad)
        return -1;
    if (app == APPLICATION_ID && *version > P3S_STORE_SCHEMA) {
        snprintf(s->base.err, sizeof s->base.err,
                 "written by a newer pop3scan (schema version %lld; this one knows up to %d)",
                 *version, P3S_STORE_SCHEMA);
        return -1;
    }
    if (app != APPLICATION_ID && *tables > 0) {
        snprintf(s->base.err, sizeof s->base.err,
                 "not a pop3scan history file (a SQLite database of another program)");
        return -1;
    }
    return 0;
}

static int prepare(struct sqlite_store *s, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return fail_db(s, "preparing a statement");
    return 0;
}

/* INSERT INTO record (scan_id, port, <columns>, json) VALUES (?, …). */
static int prepare_inserts(struct sqlite_store *s, const char *table)
{
    char sql[2048];
    size_t n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (scan_id, port", table);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", %s", P3S_COL_NAMES[i]);
    n += (size_t)snprintf(sql + n, sizeof sql - n, ", json, id) VALUES (?, ?");
    for (int i = 0; i < P3S_COL_COUNT; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", ?");
    snprintf(sql + n, sizeof sql - n, ", ?, ?)");
    if (s->ins_record)
        sqlite3_finalize(s->ins_record);
    s->ins_record = NULL;
    return prepare(s, &s->ins_record, sql);
}

static const struct p3s_store_ops SQLITE_OPS;

static void lite_close_store(struct p3s_store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    if (!s)
        return;
    sqlite3_finalize(s->ins_record);
    sqlite3_finalize(s->upd_count);
    sqlite3_finalize(s->del_key);
    sqlite3_close(s->db);
    free(s);
}

/* Why a new file cannot be made in its directory, in the words of the system (SQLite's own
 * error names the errno of its last attempt, a read-only open: "No such file" for a
 * read-only directory). Returns 0 when the directory takes a new file. */
static int cannot_create(struct sqlite_store *s, const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (access(dir, W_OK | X_OK) == 0)
        return 0;
    snprintf(s->base.err, sizeof s->base.err, "cannot write in %.300s: %s", dir,
             strerror(errno));
    return -1;
}

/* The journal mode, "wal" or another; "" when it cannot be read or set (SQLite's error set). */
static void journal_mode(struct sqlite_store *s, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Switches the file to WAL mode, once for its life (the mode is kept in the file). Two scans
 * making a new file at once both get here: the switch needs the file to itself, and SQLite
 * answers "locked" at once rather than through the busy handler, so wait and retry here, up to
 * the busy timeout. */
static int set_wal(struct sqlite_store *s)
{
    char mode[16];
    for (int waited_ms = 0;; waited_ms += 20) {
        journal_mode(s, "PRAGMA journal_mode", mode, sizeof mode);
        if (strcmp(mode, "wal") == 0)
            return 0;
        journal_mode(s, "PRAGMA journal_mode = WAL", mode, sizeof mode);
        if (strcmp(mode, "wal") == 0)
            return 0;
        int code = sqlite3_errcode(s->db);
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || waited_ms >= BUSY_TIMEOUT_MS)
            return fail_db(s, "setting WAL mode");
        sqlite3_sleep(20);
    }
}

/* "file:PATH?immutable=1" with the characters a URI gives a meaning escaped. */
static void immutable_uri(const char *path, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "file:");
    for (const char *p = path; *p && n + 4 < cap; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", (unsigned char)*p);
        else
            out[n++] = *p;
    }
    snprintf(out + n, cap - n, "?immutable=1");
}

static int open_file(struct sqlite_store *s, const char *path, enum p3s_store_mode mode)
{
    int flags = SQLITE_OPEN_READWRITE;
    if (mode == P3S_STORE_WRITE || mode == P3S_STORE_TEMP)
        flags |= SQLITE_OPEN_CREATE;
    struct stat sb;
    if (mode != P3S_STORE_TEMP && mode != P3S_STORE_WRITE && stat(path, &sb) != 0) {
        snprintf(s->base.err, sizeof s->base.err, "%s%s", strerror(errno),
                 errno == ENOENT ? " (no scan has been stored there yet)" : "");
        return -1;
    }
    if (mode != P3S_STORE_TEMP && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(s->base.err, sizeof s->base.err, "is a directory");
        return -1;
    }
    /* Writing needs the file and its directory (SQLite keeps the -wal and -shm files beside
     * it): say which cannot be written before SQLite fails with a vaguer reason. */
    if (mode == P3S_STORE_WRITE || mode == P3S_STORE_MODIFY) {
        if (stat(path, &sb) == 0 && access(path, R_OK | W_OK) != 0) {
            snprintf(s->base.err, sizeof s->base.err, "cannot write the file: %s",
                     strerror(errno));
            return -1;
        }
        if (cannot_create(s, path))
            return -1;
    }
    /* A history on a read-only file system (an archive, a read-only mount) can still be read:
     * SQLite needs a writable directory for the -shm file of WAL mode, unless told the file
     * cannot change ("immutable"). A scan that ended checkpointed its WAL into the file. */
    char uri[4096 * 3 + 32];
    const char *name = mode == P3S_STORE_TEMP ? "" : path;
    if (mode == P3S_STORE_READ && access(path, W_OK) != 0 && errno == EROFS) {
        immutable_uri(path, uri, sizeof uri);
        name = uri;
        flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    }
    /* One thread at a time uses a connection (the writer thread, then the main thread after
     * joining it): no mutex per call. */
    if (sqlite3_open_v2(name, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return fail_db(s, "cannot open");
    sqlite3_extended_result_codes(s->db, 0);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    long long version = 0, tables = 0;
    if (check_identity(s, &version, &tables))
        return -1;
    /* A new file gets 16 KiB pages: a record is some 1.5 KiB, and SQLite writes the WAL a page
     * per system call — four times fewer calls than with the default 4 KiB pages. */
    if (tables == 0 && version == 0 && exec(s, "PRAGMA page_size = 16384", "setting up"))
        return -1;
    if (mode != P3S_STORE_READ && mode != P3S_STORE_TEMP && sqlite3_db_readonly(s->db, "main")) {
        snprintf(s->base.err, sizeof s->base.err, "cannot write: the file or its directory is "
                                                  "read-only");
        return -1;
    }
    if (mode == P3S_STORE_TEMP) {
        if (exec(s, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                    "PRAGMA cache_size = -1024", "setting up"))
            return -1;
    } else if (mode != P3S_STORE_READ || version < P3S_STORE_SCHEMA) {
        /* WAL: a reader (diff, history) never blocks a scan, nor a scan another; NORMAL
         * synchronisation keeps every committed transaction across a crash of the process. */
        if (set_wal(s))
            return -1;
        /* A scan appends: 1 MiB of page cache holds the pages it touches again (the ends of
         * the indexes), and the rest passes through (the system's cache is behind it). */
        if (exec(s, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -1024", "setting up"))
            return -1;
    }
    if (version < P3S_STORE_SCHEMA && migrate(s))
        return -1;
    return 0;
}

struct p3s_store *p3s_store_sqlite_open(const char *path, enum p3s_store_mode mode, char *err,
                                        size_t errlen)
{
    /* Before SQLite initialises (a no-op after): no global statistics of its allocations,
     * which take a global mutex on every malloc (locks and malloc were the largest items of
     * the writer's profile). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    struct sqlite_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.ops = &SQLITE_OPS;
    s->temp = mode == P3S_STORE_TEMP;
    snprintf(s->base.path, sizeof s->base.path, "%s", path ? path : "");
    if (open_file(s, path, mode) || prepare_inserts(s, "record") ||
        prepare(s, &s->upd_count,
                "UPDATE scan SET records = records + ?, pop3 = pop3 + ? WHERE id = ?") ||
        prepare(s, &s->del_key,
                "DELETE FROM record WHERE scan_id = ?1 AND target = ?2 AND ip = ?3 AND port = ?4 "
                "AND transport = ?5")) {
        snprintf(err, errlen, "%s", s->base.err);
        lite_close_store(&s->base);
        return NULL;
    }
    return &s->base;
}

/* ---- writing ----------------------------------------------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* One record; id 0 lets SQLite choose. */
static int insert_row(struct sqlite_store *s, int64_t scan_id, const struct p3s_row *r,
                      int64_t id)
{
    sqlite3_stmt *st = s->ins_record;
    sqlite3_bind_int64(st, 1, scan_id);
    sqlite3_bind_int(st, 2, r->port);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        bind_text(st, 3 + i, r->col[i]);
    if (r->json)
        sqlite3_bind_text(st, 3 + P3S_COL_COUNT, r->json, (int)r->json_len, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, 3 + P3S_COL_COUNT, "", 0, SQLITE_STATIC);
    if (id)
        sqlite3_bind_int64(st, 4 + P3S_COL_COUNT, id);
    else
        sqlite3_bind_null(st, 4 + P3S_COL_COUNT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail_db(s, "storing a record");
}

/* A scan taken over: the stored record of the row's key goes first (the finding view follows
 * the records). */
static int delete_key(struct sqlite_store *s, int64_t scan_id, const struct p3s_row *r)
{
    sqlite3_stmt *st = s->del_key;
    sqlite3_bind_int64(st, 1, scan_id);
    bind_text(st, 2, r->col[P3S_COL_TARGET]);
    bind_text(st, 3, r->col[P3S_COL_IP]);
    sqlite3_bind_int(st, 4, r->port);
    bind_text(st, 5, r->col[P3S_COL_TRANSPORT]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail_db(s, "replacing a record");
}

static int lite_add_rows(struct p3s_store *base, int64_t scan_id, struct p3s_row *const *rows,
                    size_t n)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    if (exec(s, "BEGIN IMMEDIATE", "starting a transaction"))
        return -1;
    int64_t pop3 = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->replacing == scan_id && delete_key(s, scan_id, rows[i]))
            goto fail;
        if (insert_row(s, scan_id, rows[i], 0))
            goto fail;
        pop3 += rows[i]->col[P3S_COL_STATE] && strcmp(rows[i]->col[P3S_COL_STATE], "pop3") == 0;
    }
    sqlite3_bind_int64(s->upd_count, 1, (int64_t)n);
    sqlite3_bind_int64(s->upd_count, 2, pop3);
    sqlite3_bind_int64(s->upd_count, 3, scan_id);
    int rc = sqlite3_step(s->upd_count);
    sqlite3_reset(s->upd_count);
    if (rc != SQLITE_DONE) {
        fail_db(s, "counting the records");
        goto fail;
    }
    if (exec(s, "COMMIT", "committing records"))
        goto fail;
    return 0;
fail:;
    char keep[sizeof s->base.err];
    memcpy(keep, s->base.err, sizeof keep);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    memcpy(s->base.err, keep, sizeof keep);
    return -1;
}

static int insert_scan(struct sqlite_store *s, struct p3s_scan_info *info, int64_t campaign_id)
{
    sqlite3_stmt *st;
    if (prepare(s, &st, "INSERT INTO scan (started_at, status, command_line, targets, options, "
                        "shard, host, pid, version, campaign_id, shard_index) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        return -1;
    bind_text(st, 1, info->started);
    bind_text(st, 2, P3S_SCAN_RUNNING);
    bind_text(st, 3, info->command ? info->command : "[]");
    bind_text(st, 4, info->targets ? info->targets : "{}");
    bind_text(st, 5, info->options ? info->options : "{}");
    bind_text(st, 6, info->shard);
    bind_text(st, 7, info->host ? info->host : "");
    sqlite3_bind_int64(st, 8, info->pid);
    bind_text(st, 9, info->version ? info->version : "");
    if (campaign_id) {
        sqlite3_bind_int64(st, 10, campaign_id);
        sqlite3_bind_int64(st, 11, info->join->shard_index);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail_db(s, "recording the scan");
    info->id = sqlite3_last_insert_rowid(s->db);
    info->attempts = 1;
    return 0;
}

static void read_scan(sqlite3_stmt *st, int at, struct p3s_scan_info *o);
static void read_campaign(sqlite3_stmt *st, struct p3s_campaign *c);

#define SCAN_COLUMNS                                                                         \
    "scan.id, scan.started_at, scan.ended_at, scan.status, scan.command_line, scan.targets, " \
    "scan.options, scan.shard, scan.host, scan.pid, scan.version, scan.records, scan.pop3, "   \
    "(SELECT name FROM campaign WHERE campaign.id = scan.campaign_id), scan.campaign_id, "     \
    "scan.shard_index, scan.attempts"
#define SCAN_NCOLS 17
#define CAMPAIGN_COLUMNS "id, created_at, shards, name, targets, options"

/* The campaign of info->join, made when missing; P3S_STORE_REFUSED when it is another's. */
static int campaign_of(struct sqlite_store *s, const struct p3s_scan_info *info, int64_t *id)
{
    const struct p3s_campaign_join *j = info->join;
    sqlite3_stmt *st;
    if (prepare(s, &st, "INSERT INTO campaign (name, created_at, shards, targets, options) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING"))
        return -1;
    bind_text(st, 1, j->name);
    bind_text(st, 2, info->started);
    sqlite3_bind_int64(st, 3, j->shard_count);
    bind_text(st, 4, j->targets);
    bind_text(st, 5, info->options ? info->options : "{}");
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail_db(s, "recording the campaign");
    if (prepare(s, &st, "SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE name = ?"))
        return -1;
    bind_text(st, 1, j->name);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return fail_db(s, "reading the campaign");
    }
    struct p3s_campaign c;
    read_campaign(st, &c);
    *id = c.id;
    rc = p3s_campaign_check(&c, info, s->base.err, sizeof s->base.err);
    sqlite3_finalize(st);
    return rc;
}

/* The shard's row of the campaign: made, or taken over (store.h's rules). */
static int join_campaign(struct sqlite_store *s, struct p3s_scan_info *info)
{
    int64_t cid = 0;
    int rc = campaign_of(s, info, &cid);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT " SCAN_COLUMNS " FROM scan WHERE campaign_id = ? AND "
                        "shard_index = ?"))
        return -1;
    sqlite3_bind_int64(st, 1, cid);
    sqlite3_bind_int64(st, 2, info->join->shard_index);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return fail_db(s, "reading the campaign's shard");
        if (insert_scan(s, info, cid))
            return -1;
        info->campaign_id = cid;
        return 0;
    }
    struct p3s_scan_info old;
    read_scan(st, 0, &old);
    rc = p3s_campaign_shard_check(&old, info, s->base.err, sizeof s->base.err);
    info->id = old.id;
    info->attempts = old.attempts + 1;
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (prepare(s, &st, "UPDATE scan SET status = ?, ended_at = NULL, command_line = ?, host = ?, "
                        "pid = ?, version = ?, attempts = attempts + 1 WHERE id = ?"))
        return -1;
    bind_text(st, 1, P3S_SCAN_RUNNING);
    bind_text(st, 2, info->command ? info->command : "[]");
    bind_text(st, 3, info->host ? info->host : "");
    sqlite3_bind_int64(st, 4, info->pid);
    bind_text(st, 5, info->version ? info->version : "");
    sqlite3_bind_int64(st, 6, info->id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail_db(s, "taking the shard over");
    info->campaign_id = cid;
    s->replacing = info->id;
    return 0;
}

static int lite_begin_scan(struct p3s_store *base, struct p3s_scan_info *info)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc;
    if (!info->join) {
        rc = insert_scan(s, info, 0);
    } else {
        if (exec(s, "BEGIN IMMEDIATE", "locking the database"))
            return -1;
        rc = join_campaign(s, info);
        if (rc == 0 && exec(s, "COMMIT", "recording the scan"))
            rc = -1;
        if (rc) {
            char keep[sizeof s->base.err];
            memcpy(keep, s->base.err, sizeof keep);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            memcpy(s->base.err, keep, sizeof keep);
        }
    }
    if (rc == 0)
        snprintf(info->status, sizeof info->status, "%s", P3S_SCAN_RUNNING);
    return rc;
}

/* The counts of a scan taken over, from its records (replaced ones were counted twice). */
static int recount(struct sqlite_store *s, int64_t id)
{
    sqlite3_stmt *st;
    if (prepare(s, &st,
                "UPDATE scan SET records = (SELECT count(*) FROM record WHERE scan_id = ?1), "
                "pop3 = (SELECT count(*) FROM record WHERE scan_id = ?1 AND state = 'pop3') "
                "WHERE id = ?1"))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail_db(s, "counting the records");
}

static int lite_end_scan(struct p3s_store *base, int64_t id, const char *status, int64_t records)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    (void)records; /* counted as the records were stored */
    if (s->replacing == id && recount(s, id))
        return -1;
    char now[32];
    p3s_store_iso_time(-1, now, sizeof now);
    sqlite3_stmt *st;
    if (prepare(s, &st, "UPDATE scan SET ended_at = ?, status = ? WHERE id = ?"))
        return -1;
    bind_text(st, 1, now);
    bind_text(st, 2, status);
    sqlite3_bind_int64(st, 3, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail_db(s, "recording the end of the scan");
    return 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* The scan's texts point into the statement's row: valid until it steps again. */
static void read_scan(sqlite3_stmt *st, int at, struct p3s_scan_info *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, at);
    const char *t = (const char *)sqlite3_column_text(st, at + 1);
    snprintf(o->started, sizeof o->started, "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(st, at + 2);
    snprintf(o->ended, sizeof o->ended, "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(st, at + 3);
    snprintf(o->status, sizeof o->status, "%s", t ? t : "");
    o->command = (const char *)sqlite3_column_text(st, at + 4);
    o->targets = (const char *)sqlite3_column_text(st, at + 5);
    o->options = (const char *)sqlite3_column_text(st, at + 6);
    o->shard = (const char *)sqlite3_column_text(st, at + 7);
    o->host = (const char *)sqlite3_column_text(st, at + 8);
    o->pid = sqlite3_column_int64(st, at + 9);
    o->version = (const char *)sqlite3_column_text(st, at + 10);
    o->records = sqlite3_column_int64(st, at + 11);
    o->pop3 = sqlite3_column_int64(st, at + 12);
    o->campaign = (const char *)sqlite3_column_text(st, at + 13);
    o->campaign_id = sqlite3_column_int64(st, at + 14);
    o->shard_index = sqlite3_column_int64(st, at + 15);
    o->attempts = sqlite3_column_int64(st, at + 16);
    o->alive = -1; /* SQLite cannot tell: the host and pid do */
}

static void read_campaign(sqlite3_stmt *st, struct p3s_campaign *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    const char *t = (const char *)sqlite3_column_text(st, 1);
    snprintf(c->created, sizeof c->created, "%s", t ? t : "");
    c->shards = sqlite3_column_int64(st, 2);
    c->name = (const char *)sqlite3_column_text(st, 3);
    c->targets = (const char *)sqlite3_column_text(st, 4);
    c->options = (const char *)sqlite3_column_text(st, 5);
}

static int lite_get_campaign(struct p3s_store *base, const char *name, struct p3s_campaign *out,
                        p3s_scan_cb cb, void *arg)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE name = ?"))
        return -1;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : fail_db(s, "reading the campaign");
    }
    read_campaign(st, out);
    int bad = p3s_campaign_own(out);
    sqlite3_finalize(st);
    if (bad) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    if (!cb)
        return 1;
    if (prepare(s, &st, "SELECT " SCAN_COLUMNS " FROM scan WHERE campaign_id = ? "
                        "ORDER BY shard_index"))
        goto fail;
    sqlite3_bind_int64(st, 1, out->id);
    int stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct p3s_scan_info info;
        read_scan(st, 0, &info);
        stop = cb(arg, &info);
    }
    sqlite3_finalize(st);
    if (stop || rc == SQLITE_DONE)
        return stop < 0 ? -1 : 1;
    fail_db(s, "reading the campaign's shards");
fail:
    p3s_campaign_free(out);
    return -1;
}

static int lite_list_campaigns(struct p3s_store *base, p3s_campaign_cb cb, void *arg)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT " CAMPAIGN_COLUMNS " FROM campaign ORDER BY id DESC"))
        return -1;
    int rc, out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct p3s_campaign c;
        read_campaign(st, &c);
        if ((out = cb(arg, &c)) != 0)
            break;
    }
    if (out == 0 && rc != SQLITE_DONE)
        out = fail_db(s, "listing campaigns");
    sqlite3_finalize(st);
    return out;
}

static int lite_list_scans(struct p3s_store *base, int limit, p3s_scan_cb cb, void *arg)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT " SCAN_COLUMNS " FROM scan ORDER BY id DESC LIMIT ?1"))
        return -1;
    sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
    int rc, out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct p3s_scan_info info;
        read_scan(st, 0, &info);
        if ((out = cb(arg, &info)) != 0)
            break;
    }
    if (out == 0 && rc != SQLITE_DONE)
        out = fail_db(s, "listing scans");
    sqlite3_finalize(st);
    return out;
}

static int lite_get_scan(struct p3s_store *base, int64_t id, struct p3s_scan_info *out)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT " SCAN_COLUMNS " FROM scan WHERE id = ?"))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_scan(st, 0, out);
        if (p3s_scan_info_own(out)) {
            sqlite3_finalize(st);
            snprintf(s->base.err, sizeof s->base.err, "out of memory");
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return fail_db(s, "reading a scan");
}

static int pick_ids(struct sqlite_store *s, const char *sql, int64_t bind, int64_t *a,
                    int64_t *b, const char *what)
{
    sqlite3_stmt *st;
    if (prepare(s, &st, sql))
        return -1;
    sqlite3_bind_int64(st, 1, bind);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *a = sqlite3_column_int64(st, 0);
        if (b)
            *b = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : fail_db(s, what);
}

static int lite_latest_pair(struct p3s_store *base, int64_t *old_id, int64_t *new_id)
{
    return pick_ids((struct sqlite_store *)base,
                    "SELECT (SELECT o.id FROM scan o WHERE o.status = 'complete' AND "
                    "o.campaign_id IS NULL AND o.targets = n.targets AND o.id < n.id ORDER BY "
                    "o.id DESC LIMIT 1) AS old, n.id FROM scan n WHERE n.status = 'complete' AND "
                    "n.campaign_id IS NULL AND old IS NOT NULL ORDER BY n.id DESC LIMIT 1",
                    0, old_id, new_id, "finding the last two scans");
}

static int lite_latest_complete(struct p3s_store *base, int64_t not_id, int64_t *id)
{
    return pick_ids((struct sqlite_store *)base,
                    "SELECT id FROM scan WHERE status = 'complete' AND campaign_id IS NULL AND "
                    "id != ?1 ORDER BY id DESC LIMIT 1",
                    not_id, id, NULL, "finding the last scan");
}

/* SELECT port, <columns> FROM record … */
static void row_select(char *sql, size_t cap, const char *prefix, const char *rest)
{
    size_t n = (size_t)snprintf(sql, cap, "SELECT %s%sport", prefix ? prefix : "",
                                prefix ? ", " : "");
    for (int i = 0; i < P3S_COL_COUNT; i++)
        n += (size_t)snprintf(sql + n, cap - n, ", record.%s", P3S_COL_NAMES[i]);
    snprintf(sql + n, cap - n, "%s%s", rest[0] == ',' ? "" : " ", rest);
}

static void read_row(sqlite3_stmt *st, int at, struct p3s_row *row)
{
    row->port = sqlite3_column_int(st, at);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        row->col[i] = (const char *)sqlite3_column_text(st, at + 1 + i);
    /* The key columns are NOT NULL in the schema; guard all the same. */
    for (int i = P3S_COL_TARGET; i <= P3S_COL_TRANSPORT; i++)
        if (!row->col[i])
            row->col[i] = "";
    row->json = NULL;
    row->json_len = 0;
}

static void lite_close_rows(struct p3s_store_cursor *c);

static struct p3s_store_cursor *lite_open_rows(struct p3s_store *base, const int64_t *ids, size_t n,
                                          int with_json)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct p3s_store_cursor *c = calloc(1, sizeof *c + n * sizeof c->sub[0]);
    if (!c) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return NULL;
    }
    c->s = s;
    c->n = n;
    c->with_json = with_json;
    char sql[2048];
    row_select(sql, sizeof sql, NULL,
               with_json ? ", record.json FROM record WHERE scan_id = ? ORDER BY target, ip, "
                           "port, transport"
                         : "FROM record WHERE scan_id = ? ORDER BY target, ip, port, transport");
    for (size_t i = 0; i < n; i++) {
        if (prepare(s, &c->sub[i].st, sql)) {
            lite_close_rows(c);
            return NULL;
        }
        sqlite3_bind_int64(c->sub[i].st, 1, ids[i]);
    }
    return c;
}

/* Steps one scan's statement: 1 a row, 0 its end, -1 error. */
static int step_sub(struct p3s_store_cursor *c, struct sub *u)
{
    int rc = sqlite3_step(u->st);
    u->live = rc == SQLITE_ROW;
    if (u->live) {
        read_row(u->st, 0, &u->row);
        if (c->with_json) {
            u->row.json = (const char *)sqlite3_column_text(u->st, 1 + P3S_COL_COUNT);
            u->row.json_len = (size_t)sqlite3_column_bytes(u->st, 1 + P3S_COL_COUNT);
        }
    }
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fail_db(c->s, "reading records");
}

static int lite_next_row(struct p3s_store_cursor *c, const struct p3s_row **row)
{
    /* The first call reads a row of each scan; later ones step the scan whose row went out. */
    for (size_t i = 0; i < c->n; i++) {
        struct sub *u = &c->sub[i];
        if ((!c->started || u->live == 2) && step_sub(c, u) < 0)
            return -1;
    }
    c->started = 1;
    struct sub *low = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (c->sub[i].live && (!low || p3s_row_key_cmp(&c->sub[i].row, &low->row) < 0))
            low = &c->sub[i];
    if (!low)
        return 0;
    low->live = 2; /* handed out: stepped at the next call */
    *row = &low->row;
    return 1;
}

static void lite_close_rows(struct p3s_store_cursor *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        sqlite3_finalize(c->sub[i].st);
    free(c);
}

static int lite_target_rows(struct p3s_store *base, const char *target, p3s_row_cb cb, void *arg)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    char sql[4096];
    /* scan by scan, each through record_key (scan_id, target, …): CROSS JOIN keeps that
     * order of the loops */
    row_select(sql, sizeof sql, SCAN_COLUMNS,
               ", record.json FROM scan CROSS JOIN record ON record.scan_id = scan.id WHERE "
               "record.target = ?1 UNION ALL SELECT " SCAN_COLUMNS ", port");
    /* The second half of the UNION: records of that address under another target name. */
    size_t n = strlen(sql);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", record.%s", P3S_COL_NAMES[i]);
    snprintf(sql + n, sizeof sql - n,
             ", record.json FROM scan CROSS JOIN record ON record.scan_id = scan.id WHERE "
             "record.ip = ?1 AND "
             "record.target != ?1 ORDER BY 1, %d, %d, %d, %d",
             SCAN_NCOLS + 1 + P3S_COL_TARGET + 1, SCAN_NCOLS + 1 + P3S_COL_IP + 1, SCAN_NCOLS + 1,
             SCAN_NCOLS + 1 + P3S_COL_TRANSPORT + 1);
    sqlite3_stmt *st;
    if (prepare(s, &st, sql))
        return -1;
    sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
    int rc, out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct p3s_scan_info info;
        struct p3s_row row;
        read_scan(st, 0, &info);
        read_row(st, SCAN_NCOLS, &row);
        row.json = (const char *)sqlite3_column_text(st, SCAN_NCOLS + 1 + P3S_COL_COUNT);
        row.json_len = (size_t)sqlite3_column_bytes(st, SCAN_NCOLS + 1 + P3S_COL_COUNT);
        if ((out = cb(arg, &info, &row)) != 0)
            break;
    }
    if (out == 0 && rc != SQLITE_DONE)
        out = fail_db(s, "reading the target's records");
    sqlite3_finalize(st);
    return out;
}

/* ---- maintenance ------------------------------------------------------------------------- */

static int delete_scan(struct sqlite_store *s, int64_t id, int64_t *records)
{
    static const char *const SQL[] = {"DELETE FROM record WHERE scan_id = ?",
                                      "DELETE FROM scan WHERE id = ?"};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        if (prepare(s, &st, SQL[i]))
            return -1;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return fail_db(s, "deleting a scan");
        if (i == 0)
            *records += sqlite3_changes(s->db);
    }
    return 0;
}

static int lite_prune(struct p3s_store *base, int keep, const char *before, int64_t *scans,
                 int64_t *records)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    *scans = *records = 0;
    if (exec(s, "BEGIN IMMEDIATE", "locking the database"))
        return -1;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT " SCAN_COLUMNS " FROM scan ORDER BY id DESC"))
        goto fail;
    /* Collect first, delete after: the ids are few (one per scan). */
    int64_t *doomed = NULL;
    size_t ndoomed = 0, cap = 0;
    int rc, index = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct p3s_scan_info info;
        read_scan(st, 0, &info);
        /* A scan still running is kept, and not counted among the newest N. */
        if (strcmp(info.status, P3S_SCAN_RUNNING) == 0 && !p3s_scan_is_dead(&info))
            continue;
        int newest = keep >= 0 && index++ < keep;
        int recent = before && strcmp(info.started, before) >= 0;
        if (newest || recent || (keep < 0 && !before))
            continue;
        if (ndoomed == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *p = realloc(doomed, cap * sizeof *p);
            if (!p)
                break;
            doomed = p;
        }
        doomed[ndoomed++] = info.id;
    }
    int bad = rc != SQLITE_DONE;
    if (bad)
        fail_db(s, "listing scans");
    sqlite3_finalize(st);
    for (size_t i = 0; !bad && i < ndoomed; i++) {
        if (delete_scan(s, doomed[i], records))
            bad = 1;
        else
            ++*scans;
    }
    free(doomed);
    /* A campaign goes with the last of its scans. */
    if (!bad && exec(s, "DELETE FROM campaign WHERE id NOT IN (SELECT campaign_id FROM scan "
                        "WHERE campaign_id IS NOT NULL)", "deleting campaigns"))
        bad = 1;
    if (bad || exec(s, "COMMIT", "committing the deletions"))
        goto fail;
    return 0;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    *scans = *records = 0;
    return -1;
}

static int lite_vacuum(struct p3s_store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    /* VACUUM goes through the WAL; the checkpoints move it into the file and empty the WAL. */
    if (exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing") ||
        exec(s, "VACUUM", "vacuuming") ||
        exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing"))
        return -1;
    return 0;
}

static int64_t lite_db_size(struct p3s_store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    long long pages = 0, size = 0; /* set by query_int; -O3 cannot tell */
    if (query_int(s, "PRAGMA page_count", &pages, "reading the size") ||
        query_int(s, "PRAGMA page_size", &size, "reading the size"))
        return -1;
    return pages * size;
}

/* ---- migration 2: rebuild the record table from the JSON of each row ------------------- */

/* Between migration 2's SQL (record_v2 made) and its end (record_v2 renamed). The finding
 * table it makes stays empty: migration 5, in the same transaction, makes it a view over the
 * rows written here. */
static int migrate_2(struct sqlite_store *s)
{
    if (prepare_inserts(s, "record_v2"))
        return -1;
    sqlite3_stmt *st;
    if (prepare(s, &st, "SELECT id, scan_id, json, target, ip, port, transport, state "
                        "FROM record ORDER BY id"))
        return -1;
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);
    int rc, bad = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0), scan_id = sqlite3_column_int64(st, 1);
        const char *json = (const char *)sqlite3_column_text(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        json_error_t jerr;
        json_t *j = json ? json_loadb(json, len, JSON_ALLOW_NUL, &jerr) : NULL;
        char why[128];
        struct p3s_row row;
        if (j && p3s_rowbuf_from_json(&b, j, json, len, why, sizeof why) == 0) {
            p3s_rowbuf_view(&b, &row);
        } else {
            /* A row whose JSON cannot be read keeps what version 1 had of the key and state. */
            memset(&row, 0, sizeof row);
            row.col[P3S_COL_TARGET] = (const char *)sqlite3_column_text(st, 3);
            row.col[P3S_COL_IP] = (const char *)sqlite3_column_text(st, 4);
            row.port = sqlite3_column_int(st, 5);
            row.col[P3S_COL_TRANSPORT] = (const char *)sqlite3_column_text(st, 6);
            row.col[P3S_COL_STATE] = (const char *)sqlite3_column_text(st, 7);
            row.json = json;
            row.json_len = len;
        }
        json_decref(j);
        if (insert_row(s, scan_id, &row, id))
            bad = 1;
    }
    p3s_rowbuf_free(&b);
    if (!bad && rc != SQLITE_DONE)
        bad = fail_db(s, "reading the records to upgrade");
    sqlite3_finalize(st);
    /* This names record_v2, renamed below: the caller prepares its own afterwards. */
    sqlite3_finalize(s->ins_record);
    s->ins_record = NULL;
    return bad ? -1 : 0;
}

static const struct p3s_store_ops SQLITE_OPS = {
    .name = "sqlite",
    .begin_scan = lite_begin_scan,
    .add_rows = lite_add_rows,
    .end_scan = lite_end_scan,
    .list_scans = lite_list_scans,
    .get_scan = lite_get_scan,
    .get_campaign = lite_get_campaign,
    .list_campaigns = lite_list_campaigns,
    .latest_pair = lite_latest_pair,
    .latest_complete = lite_latest_complete,
    .open_rows = lite_open_rows,
    .next_row = lite_next_row,
    .close_rows = lite_close_rows,
    .target_rows = lite_target_rows,
    .prune = lite_prune,
    .vacuum = lite_vacuum,
    .size = lite_db_size,
    .close = lite_close_store,
};
