/* store_pg.c — the PostgreSQL back end of the scan history (store.h), through libpq: one
 * database many scans share, the shards of a campaign on many machines among them.
 *
 * The schema is the SQLite one (schema.c, rewritten in PostgreSQL's words), its version in the
 * one-row table pop3scan_schema; a database whose schema (the first of the search path) holds
 * other tables and not that one is refused rather than written into. Records go in with COPY
 * (binary), a batch a transaction that first counts and locks its scan's row: the ids of the
 * batch are drawn from the record table's sequence first, in order, so that the last of a key
 * within a batch can be told. The finding table is a view over the records (schema version 5):
 * a record is one row and one index entry. A scan taken over (a shard run again)
 * copies into a temporary table and replaces the records of the same key; so does a batch whose
 * COPY broke the unique record key (a batch sent again after the connection broke during its
 * COMMIT, which had in fact committed).
 *
 * Each scan holds a session advisory lock on its id while it runs: another shard run of the
 * same campaign is refused while the lock is held, and `history` tells a running scan (lock
 * held) from a killed one (not held), from any machine. The lock goes with the connection, so a
 * killed scan leaves none behind.
 *
 * When the connection breaks (the server restarts, the network goes), add_rows says so (lost),
 * and the writer thread reconnects (reconnect) and sends the batch again; the scan's lock is
 * taken again then.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "store_pg.h"

#define LOCK_CLASS 1345540936 /* "P3SH": the advisory locks of pop3scan's scans (key 1) */
#define FETCH_ROWS 1000       /* rows per FETCH of a cursor */

struct pg_store {
    struct p3s_store base;
    PGconn *conn;
    char *uri;
    enum p3s_store_mode mode;
    int lost;             /* the last failure was the connection's */
    int64_t locked;       /* the scan whose lock this session holds */
    int64_t replacing;    /* a scan taken over: its records replace those of the same key */
    int recount;          /* counts to take from the records at the end (replaced ones) */
    char seq[256];        /* the record ids' sequence */
    int reading;          /* cursors open in the read transaction */
    int cursor_seq;
    char *copy;           /* a COPY's text */
    size_t copy_len, copy_cap;
    int oom;
};

struct p3s_store_cursor {
    struct pg_store *s;
    char name[32];
    PGresult *res;
    int at, n, done;
    int with_json; /* record.json is the last column */
    struct p3s_row row;
};

/* ---- errors and queries ------------------------------------------------------------------ */

/* PostgreSQL's message, on one line (libpq's end in a newline and may hold more lines). */
static void set_err(struct pg_store *s, const char *what, const char *msg)
{
    char line[400];
    snprintf(line, sizeof line, "%s", msg && *msg ? msg : "unknown error");
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ')
        line[--n] = '\0';
    snprintf(s->base.err, sizeof s->base.err, "%s: %s", what, line);
}

/* Whether a failure is the connection's: the server went away (a restart, a shutdown, a
 * network gone) rather than refusing what was sent. */
static int connection_lost(struct pg_store *s, const PGresult *r)
{
    if (PQstatus(s->conn) == CONNECTION_BAD)
        return 1;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0);
}

static int fail_res(struct pg_store *s, PGresult *r, const char *what)
{
    s->lost = connection_lost(s, r);
    const char *msg = r ? PQresultErrorMessage(r) : NULL;
    set_err(s, what, msg && *msg ? msg : PQerrorMessage(s->conn));
    PQclear(r);
    return -1;
}

/* A statement with text parameters; the result when it gave `want`, else NULL (err set). */
static PGresult *query(struct pg_store *s, const char *sql, int n, const char *const *params,
                       ExecStatusType want, const char *what)
{
    PGresult *r = n ? PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0)
                    : PQexec(s->conn, sql);
    /* A statement run for its effect may be a SELECT of a function (a lock). */
    if (r && (PQresultStatus(r) == want ||
              (want == PGRES_COMMAND_OK && PQresultStatus(r) == PGRES_TUPLES_OK)))
        return r;
    fail_res(s, r, what);
    return NULL;
}

static int run(struct pg_store *s, const char *sql, int n, const char *const *params,
               const char *what)
{
    PGresult *r = query(s, sql, n, params, PGRES_COMMAND_OK, what);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

/* Rolls back after a failure, keeping the failure's message. */
static void rollback(struct pg_store *s)
{
    char keep[sizeof s->base.err];
    int lost = s->lost;
    memcpy(keep, s->base.err, sizeof keep);
    if (PQstatus(s->conn) == CONNECTION_OK)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    memcpy(s->base.err, keep, sizeof keep);
    s->lost = lost;
}

static void i64(char *buf, size_t n, int64_t v)
{
    snprintf(buf, n, "%lld", (long long)v);
}

static int64_t get_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static const char *get_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* ---- connecting and the schema ----------------------------------------------------------- */

/* The session's settings: byte-exact texts (UTF-8 both ways), times in UTC. */
static int setup_session(struct pg_store *s)
{
    if (PQsetClientEncoding(s->conn, "UTF8") != 0) {
        set_err(s, "setting the client encoding", PQerrorMessage(s->conn));
        return -1;
    }
    return run(s, "SET TIME ZONE 'UTC'", 0, NULL, "setting up the session");
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int connect_db(struct pg_store *s)
{
    /* Defaults first, the URI after them (its own values win), libpq's environment variables
     * filling in what neither says. A server that does not answer is given up after 10 s, and
     * one that vanished without a word is noticed by keepalives within a minute. */
    const char *keys[8], *vals[8];
    int n = 0;
    if (!getenv("PGCONNECT_TIMEOUT")) {
        keys[n] = "connect_timeout";
        vals[n++] = "10";
    }
    if (!getenv("PGAPPNAME")) {
        keys[n] = "application_name";
        vals[n++] = "pop3scan";
    }
    keys[n] = "keepalives_idle";
    vals[n++] = "30";
    keys[n] = "keepalives_interval";
    vals[n++] = "10";
    keys[n] = "keepalives_count";
    vals[n++] = "3";
    keys[n] = "dbname";
    vals[n++] = s->uri;
    keys[n] = NULL;
    vals[n] = NULL;
    if (s->conn)
        PQfinish(s->conn);
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        set_err(s, "cannot connect", PQerrorMessage(s->conn));
        s->lost = 1;
        return -1;
    }
    /* The server's notices (a migration's "drop cascades to …") are not the user's business. */
    PQsetNoticeProcessor(s->conn, quiet, NULL);
    s->lost = 0;
    s->reading = 0;
    return setup_session(s);
}

/* Runs one migration's SQL in PostgreSQL's words. */
static int run_sql(struct pg_store *s, const char *sql, const char *what)
{
    char *pg = p3s_schema_pg(sql);
    if (!pg) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    int rc = run(s, pg, 0, NULL, what);
    free(pg);
    return rc;
}

static int migrate(struct pg_store *s, int64_t from)
{
    for (int64_t v = from + 1; v <= P3S_STORE_SCHEMA; v++) {
        const struct p3s_migration *m = &P3S_MIGRATIONS[v - 1];
        char what[64];
        snprintf(what, sizeof what, "upgrading the schema to version %lld", (long long)v);
        /* Migration 2's rebuild of old rows has nothing to do here: no PostgreSQL history
         * is older than version 3. */
        if ((m->sql && run_sql(s, m->sql, what)) ||
            (m->sql_done && run_sql(s, m->sql_done, what)) ||
            (m->pg_extra && run(s, m->pg_extra, 0, NULL, what)))
            return -1;
    }
    char v[32];
    i64(v, sizeof v, P3S_STORE_SCHEMA);
    const char *p[] = {v};
    return run(s, "UPDATE pop3scan_schema SET version = $1", 1, p, "setting the schema version");
}

/* The schema's version: -1 when the database has none of ours (*others: tables of another
 * program in the schema); the read happens under the schema lock when lock is set. */
static int read_version(struct pg_store *s, int64_t *version, int64_t *others)
{
    PGresult *r = query(s,
                        "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = "
                        "current_schema() AND tablename <> 'pop3scan_schema'), "
                        "to_regclass('pop3scan_schema') IS NOT NULL",
                        0, NULL, PGRES_TUPLES_OK, "reading the schema");
    if (!r)
        return -1;
    *others = get_i64(r, 0, 0);
    int ours = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    *version = -1;
    if (!ours)
        return 0;
    if (!(r = query(s, "SELECT max(version) FROM pop3scan_schema", 0, NULL, PGRES_TUPLES_OK,
                    "reading the schema version")))
        return -1;
    *version = get_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* Makes or upgrades the schema, in one transaction under an advisory lock (shards starting at
 * once on an empty database make it once). */
static int prepare_schema(struct pg_store *s)
{
    int64_t version, others;
    if (run(s, "BEGIN", 0, NULL, "starting a transaction") ||
        run(s, "SELECT pg_advisory_xact_lock(1345540936, 0)", 0, NULL, "locking the schema") ||
        read_version(s, &version, &others))
        goto fail;
    if (version > P3S_STORE_SCHEMA) {
        snprintf(s->base.err, sizeof s->base.err,
                 "written by a newer pop3scan (schema version %lld; this one knows up to %d)",
                 (long long)version, P3S_STORE_SCHEMA);
        goto fail;
    }
    if (version < 0 && others > 0) {
        snprintf(s->base.err, sizeof s->base.err,
                 "not a pop3scan history (its schema holds %lld tables of another program; "
                 "give pop3scan a database or schema of its own)",
                 (long long)others);
        goto fail;
    }
    if (version < 0 && (s->mode == P3S_STORE_READ || s->mode == P3S_STORE_MODIFY)) {
        snprintf(s->base.err, sizeof s->base.err, "%s", P3S_STORE_EMPTY);
        goto fail;
    }
    if (version < 0) {
        if (run(s, "CREATE TABLE pop3scan_schema (version BIGINT NOT NULL); "
                   "INSERT INTO pop3scan_schema VALUES (0)",
                0, NULL, "creating the schema"))
            goto fail;
        version = 0;
    }
    if (version < P3S_STORE_SCHEMA && migrate(s, version))
        goto fail;
    return run(s, "COMMIT", 0, NULL, "committing the schema");
fail:
    rollback(s);
    return -1;
}

static const struct p3s_store_ops PG_OPS;

static void pg_close_store(struct p3s_store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    if (!s)
        return;
    PQfinish(s->conn);
    free(s->uri);
    free(s->copy);
    free(s);
}

struct p3s_store *p3s_store_pg_open(const char *uri, enum p3s_store_mode mode, char *err,
                                    size_t errlen)
{
    struct pg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->uri = strdup(uri))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.ops = &PG_OPS;
    s->mode = mode;
    p3s_store_redact(uri, s->base.path, sizeof s->base.path);
    PGresult *r = NULL;
    if (connect_db(s) || prepare_schema(s) ||
        !(r = query(s, "SELECT pg_get_serial_sequence('record', 'id')", 0, NULL,
                    PGRES_TUPLES_OK, "reading the schema"))) {
        snprintf(err, errlen, "%s", s->base.err);
        pg_close_store(&s->base);
        return NULL;
    }
    snprintf(s->seq, sizeof s->seq, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return &s->base;
}

/* ---- scans and campaigns ----------------------------------------------------------------- */

#define SCAN_COLUMNS                                                                          \
    "scan.id, scan.started_at, scan.ended_at, scan.status, scan.command_line, scan.targets, "  \
    "scan.options, scan.shard, scan.host, scan.pid, scan.version, scan.records, scan.pop3, "    \
    "(SELECT name FROM campaign WHERE campaign.id = scan.campaign_id), scan.campaign_id, "      \
    "scan.shard_index, scan.attempts, "                                                         \
    "CASE WHEN scan.status = 'running' THEN EXISTS (SELECT 1 FROM pg_locks l WHERE "           \
    "l.locktype = 'advisory' AND l.classid = 1345540936 AND l.objid = scan.id::oid AND "        \
    "l.objsubid = 2 AND l.granted) END"
#define SCAN_NCOLS 18
#define CAMPAIGN_COLUMNS "id, created_at, shards, name, targets, options"

/* The scan's texts point into the result: valid until it is cleared. */
static void read_scan(const PGresult *r, int row, int at, struct p3s_scan_info *o)
{
    memset(o, 0, sizeof *o);
    o->id = get_i64(r, row, at);
    const char *t = get_text(r, row, at + 1);
    snprintf(o->started, sizeof o->started, "%s", t ? t : "");
    t = get_text(r, row, at + 2);
    snprintf(o->ended, sizeof o->ended, "%s", t ? t : "");
    t = get_text(r, row, at + 3);
    snprintf(o->status, sizeof o->status, "%s", t ? t : "");
    o->command = get_text(r, row, at + 4);
    o->targets = get_text(r, row, at + 5);
    o->options = get_text(r, row, at + 6);
    o->shard = get_text(r, row, at + 7);
    o->host = get_text(r, row, at + 8);
    o->pid = get_i64(r, row, at + 9);
    o->version = get_text(r, row, at + 10);
    o->records = get_i64(r, row, at + 11);
    o->pop3 = get_i64(r, row, at + 12);
    o->campaign = get_text(r, row, at + 13);
    o->campaign_id = get_i64(r, row, at + 14);
    o->shard_index = get_i64(r, row, at + 15);
    o->attempts = get_i64(r, row, at + 16);
    t = get_text(r, row, at + 17);
    o->alive = t ? strcmp(t, "t") == 0 : -1;
}

static void read_campaign(const PGresult *r, int row, struct p3s_campaign *c)
{
    memset(c, 0, sizeof *c);
    c->id = get_i64(r, row, 0);
    const char *t = get_text(r, row, 1);
    snprintf(c->created, sizeof c->created, "%s", t ? t : "");
    c->shards = get_i64(r, row, 2);
    c->name = get_text(r, row, 3);
    c->targets = get_text(r, row, 4);
    c->options = get_text(r, row, 5);
}

/* The session's lock on a scan: 1 taken, 0 another session holds it, -1 error. */
static int try_lock(struct pg_store *s, int64_t id)
{
    char v[32];
    i64(v, sizeof v, id);
    const char *p[] = {v};
    PGresult *r = query(s, "SELECT pg_try_advisory_lock(1345540936, $1::int)", 1, p,
                        PGRES_TUPLES_OK, "locking the scan");
    if (!r)
        return -1;
    int got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (got)
        s->locked = id;
    return got;
}

static void unlock(struct pg_store *s, int64_t id)
{
    char v[32];
    i64(v, sizeof v, id);
    const char *p[] = {v};
    PGresult *r = PQexecParams(s->conn, "SELECT pg_advisory_unlock(1345540936, $1::int)", 1,
                               NULL, p, NULL, NULL, 0);
    PQclear(r);
    if (s->locked == id)
        s->locked = 0;
}

static int insert_scan(struct pg_store *s, struct p3s_scan_info *info, int64_t campaign_id)
{
    char pid[32], cid[32], shard[32];
    i64(pid, sizeof pid, info->pid);
    i64(cid, sizeof cid, campaign_id);
    i64(shard, sizeof shard, info->join ? info->join->shard_index : 0);
    const char *p[] = {info->started,
                       P3S_SCAN_RUNNING,
                       info->command ? info->command : "[]",
                       info->targets ? info->targets : "{}",
                       info->options ? info->options : "{}",
                       info->shard,
                       info->host ? info->host : "",
                       pid,
                       info->version ? info->version : "",
                       campaign_id ? cid : NULL,
                       campaign_id ? shard : NULL};
    PGresult *r = query(s,
                        "INSERT INTO scan (started_at, status, command_line, targets, options, "
                        "shard, host, pid, version, campaign_id, shard_index) VALUES ($1, $2, "
                        "$3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (campaign_id, "
                        "shard_index) DO NOTHING RETURNING id",
                        11, p, PGRES_TUPLES_OK, "recording the scan");
    if (!r)
        return -1;
    int made = PQntuples(r) == 1;
    if (made)
        info->id = get_i64(r, 0, 0);
    PQclear(r);
    if (!made)
        return 1; /* the campaign's shard has its row already */
    info->attempts = 1;
    return try_lock(s, info->id) < 0 ? -1 : 0;
}

/* The campaign of info->join, made when missing; P3S_STORE_REFUSED when it is another's. */
static int campaign_of(struct pg_store *s, const struct p3s_scan_info *info, int64_t *id)
{
    const struct p3s_campaign_join *j = info->join;
    char shards[32];
    i64(shards, sizeof shards, j->shard_count);
    const char *p[] = {j->name, info->started, shards, j->targets,
                       info->options ? info->options : "{}"};
    if (run(s, "INSERT INTO campaign (name, created_at, shards, targets, options) VALUES ($1, "
               "$2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
            5, p, "recording the campaign"))
        return -1;
    PGresult *r = query(s, "SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE name = $1", 1, p,
                        PGRES_TUPLES_OK, "reading the campaign");
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(s->base.err, sizeof s->base.err, "the campaign vanished while joining it");
        return -1;
    }
    struct p3s_campaign c;
    read_campaign(r, 0, &c);
    *id = c.id;
    int rc = p3s_campaign_check(&c, info, s->base.err, sizeof s->base.err);
    PQclear(r);
    return rc;
}

/* The shard's row exists: take it over when the rules allow (store.h). */
static int take_over(struct pg_store *s, struct p3s_scan_info *info, int64_t cid)
{
    char c[32], shard[32];
    i64(c, sizeof c, cid);
    i64(shard, sizeof shard, info->join->shard_index);
    const char *p[] = {c, shard};
    PGresult *r = query(s, "SELECT " SCAN_COLUMNS " FROM scan WHERE campaign_id = $1 AND "
                           "shard_index = $2 FOR UPDATE",
                        2, p, PGRES_TUPLES_OK, "reading the campaign's shard");
    if (!r)
        return -1;
    struct p3s_scan_info old;
    read_scan(r, 0, 0, &old);
    int got = try_lock(s, old.id);
    if (got < 0) {
        PQclear(r);
        return -1;
    }
    old.alive = !got; /* held by another session: that shard runs now */
    int rc = p3s_campaign_shard_check(&old, info, s->base.err, sizeof s->base.err);
    info->id = old.id;
    info->attempts = old.attempts + 1;
    PQclear(r);
    if (rc) {
        if (got)
            unlock(s, old.id);
        return rc;
    }
    char id[32], pid[32];
    i64(id, sizeof id, info->id);
    i64(pid, sizeof pid, info->pid);
    const char *u[] = {P3S_SCAN_RUNNING, info->command ? info->command : "[]",
                       info->host ? info->host : "", pid, info->version ? info->version : "",
                       id};
    if (run(s, "UPDATE scan SET status = $1, ended_at = NULL, command_line = $2, host = $3, "
               "pid = $4, version = $5, attempts = attempts + 1 WHERE id = $6",
            6, u, "taking the shard over")) {
        unlock(s, info->id);
        return -1;
    }
    s->replacing = info->id;
    return 0;
}

static int pg_begin_scan(struct p3s_store *base, struct p3s_scan_info *info)
{
    struct pg_store *s = (struct pg_store *)base;
    int64_t cid = 0;
    if (run(s, "BEGIN", 0, NULL, "starting a transaction"))
        return -1;
    int rc = info->join ? campaign_of(s, info, &cid) : 0;
    if (rc == 0) {
        rc = insert_scan(s, info, cid);
        if (rc == 1)
            rc = take_over(s, info, cid);
    }
    if (rc == 0 && run(s, "COMMIT", 0, NULL, "recording the scan")) {
        if (s->locked)
            unlock(s, s->locked);
        rc = -1;
    }
    if (rc) {
        rollback(s);
        return rc;
    }
    info->campaign_id = cid;
    snprintf(info->status, sizeof info->status, "%s", P3S_SCAN_RUNNING);
    return 0;
}

static int pg_end_scan(struct p3s_store *base, int64_t id, const char *status, int64_t records)
{
    struct pg_store *s = (struct pg_store *)base;
    (void)records; /* counted as the records were stored */
    char now[32], sid[32];
    p3s_store_iso_time(-1, now, sizeof now);
    i64(sid, sizeof sid, id);
    const char *p[] = {now, status, sid};
    const char *sql =
        s->recount || s->replacing == id
            ? "UPDATE scan SET ended_at = $1, status = $2, "
              "records = (SELECT count(*) FROM record WHERE scan_id = $3), "
              "pop3 = (SELECT count(*) FROM record WHERE scan_id = $3 AND state = 'pop3') "
              "WHERE id = $3"
            : "UPDATE scan SET ended_at = $1, status = $2 WHERE id = $3";
    if (run(s, sql, 3, p, "recording the end of the scan"))
        return -1;
    unlock(s, id);
    return 0;
}

/* ---- writing: COPY ----------------------------------------------------------------------- */

static void copy_put(struct pg_store *s, const char *p, size_t n)
{
    if (s->oom)
        return;
    if (s->copy_len + n > s->copy_cap) {
        size_t cap = s->copy_cap ? s->copy_cap : 1 << 20;
        while (cap < s->copy_len + n)
            cap *= 2;
        char *b = realloc(s->copy, cap);
        if (!b) {
            s->oom = 1;
            return;
        }
        s->copy = b;
        s->copy_cap = cap;
    }
    memcpy(s->copy + s->copy_len, p, n);
    s->copy_len += n;
}

/* COPY's binary format: a big-endian integer of `bytes` bytes. Binary rather than text: the
 * fields go as they are, with their length, where the text format had every byte of every
 * field looked at twice (escaped here, unescaped by the server), and the integers are not
 * printed and parsed. The column types are fixed by the schema (BIGINT and TEXT), which the
 * server checks field by field: a mismatch fails the COPY, it never stores anything wrong. */
static void copy_be(struct pg_store *s, uint64_t v, int bytes)
{
    char b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (char)(v >> (8 * (bytes - 1 - i)));
    copy_put(s, b, (size_t)bytes);
}

/* The start of a COPY's data: the signature, no flags, no header extension. */
static void copy_header(struct pg_store *s)
{
    s->copy_len = 0;
    copy_put(s, "PGCOPY\n\377\r\n\0", 11);
    copy_be(s, 0, 4);
    copy_be(s, 0, 4);
}

static void copy_tuple(struct pg_store *s, int fields)
{
    copy_be(s, (uint64_t)fields, 2);
}

/* A TEXT field (NULL when v is). */
static void copy_text(struct pg_store *s, const char *v, size_t n)
{
    if (!v) {
        copy_be(s, 0xffffffffu, 4);
        return;
    }
    copy_be(s, n, 4); /* a field of 2 GiB or more makes the whole too long: copy_send */
    copy_put(s, v, n);
}

static void copy_bigint(struct pg_store *s, int64_t v)
{
    copy_be(s, 8, 4);
    copy_be(s, (uint64_t)v, 8);
}

/* Ends the COPY data gathered and sends it to `sql` (COPY … FROM STDIN (FORMAT binary)). */
static int copy_send(struct pg_store *s, const char *sql, const char *what)
{
    copy_be(s, 0xffff, 2); /* the trailer */
    if (s->oom || s->copy_len > INT32_MAX) {
        s->oom = 0;
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    PGresult *r = PQexec(s->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN)
        return fail_res(s, r, what);
    PQclear(r);
    if (PQputCopyData(s->conn, s->copy, (int)s->copy_len) != 1 ||
        PQputCopyEnd(s->conn, NULL) != 1)
        return fail_res(s, PQgetResult(s->conn), what);
    int rc = 0;
    while ((r = PQgetResult(s->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = fail_res(s, r, what);
            continue;
        }
        PQclear(r);
    }
    return rc;
}

/* The records (id, scan_id, port, columns, json), in COPY's binary format into the table
 * named. */
static int copy_rows(struct pg_store *s, int64_t scan_id, struct p3s_row *const *rows, size_t n,
                     const int64_t *ids, const char *records)
{
    char sql[2048];
    size_t k = (size_t)snprintf(sql, sizeof sql, "COPY %s (id, scan_id, port", records);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        k += (size_t)snprintf(sql + k, sizeof sql - k, ", %s", P3S_COL_NAMES[i]);
    snprintf(sql + k, sizeof sql - k, ", json) FROM STDIN (FORMAT binary)");
    copy_header(s);
    for (size_t i = 0; i < n; i++) {
        const struct p3s_row *r = rows[i];
        copy_tuple(s, 3 + P3S_COL_COUNT + 1);
        copy_bigint(s, ids[i]);
        copy_bigint(s, scan_id);
        copy_bigint(s, r->port);
        for (int c = 0; c < P3S_COL_COUNT; c++)
            copy_text(s, r->col[c], r->col[c] ? strlen(r->col[c]) : 0);
        copy_text(s, r->json ? r->json : "", r->json ? r->json_len : 0);
    }
    return copy_send(s, sql, "storing records");
}

/* n ids from the record table's sequence. */
static int draw_ids(struct pg_store *s, size_t n, int64_t *ids)
{
    char count[32];
    i64(count, sizeof count, (int64_t)n);
    const char *p[] = {s->seq, count};
    PGresult *r = query(s, "SELECT nextval($1::regclass) FROM generate_series(1, $2::int)", 2, p,
                        PGRES_TUPLES_OK, "drawing record ids");
    if (!r)
        return -1;
    if ((size_t)PQntuples(r) != n) {
        PQclear(r);
        snprintf(s->base.err, sizeof s->base.err, "drawing record ids: short answer");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = get_i64(r, (int)i, 0);
    PQclear(r);
    return 0;
}

/* The replacing way: into a temporary table, then the stored records of the same keys deleted
 * and the new ones moved in (within the batch, the last of a key). */
static int replace_rows(struct pg_store *s, int64_t scan_id, struct p3s_row *const *rows,
                        size_t n, const int64_t *ids)
{
    static const char STAGE[] =
        "CREATE TEMP TABLE IF NOT EXISTS p3s_stage (LIKE record) ON COMMIT DELETE ROWS; "
        /* each key looked up in record_key, never a pass over the scan's records */
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";
    static const char DROP_OLD[] =
        "DELETE FROM record r USING p3s_stage g WHERE r.scan_id = $1 AND r.target = g.target "
        "AND r.ip = g.ip AND r.port = g.port AND r.transport = g.transport";
    static const char MOVE[] =
        "INSERT INTO record SELECT DISTINCT ON (target, ip, port, transport) * FROM p3s_stage "
        "ORDER BY target, ip, port, transport, id DESC";
    char sid[32];
    i64(sid, sizeof sid, scan_id);
    const char *p[] = {sid};
    if (run(s, STAGE, 0, NULL, "preparing to replace records") ||
        copy_rows(s, scan_id, rows, n, ids, "p3s_stage") ||
        run(s, DROP_OLD, 1, p, "replacing records") || run(s, MOVE, 0, NULL, "replacing records"))
        return -1;
    return 0;
}

static int add_batch(struct pg_store *s, int64_t scan_id, struct p3s_row *const *rows, size_t n,
                     const int64_t *ids, int replace)
{
    int64_t pop3 = 0;
    for (size_t i = 0; i < n; i++)
        pop3 += rows[i]->col[P3S_COL_STATE] && strcmp(rows[i]->col[P3S_COL_STATE], "pop3") == 0;
    char cnt[32], p3[32], sid[32];
    i64(cnt, sizeof cnt, (int64_t)n);
    i64(p3, sizeof p3, pop3);
    i64(sid, sizeof sid, scan_id);
    const char *p[] = {cnt, p3, sid};
    if (run(s, "BEGIN", 0, NULL, "starting a transaction"))
        return -1;
    /* The scan's row is counted (and so locked) first: a batch whose scan was deleted (pruned
     * under a scan that looked dead) is refused instead of leaving records that name no scan,
     * and a prune waits for the batch's commit, then deletes its records too. The tables have
     * no foreign keys to do it row by row (schema.c, migration 4). */
    PGresult *r = query(s, "UPDATE scan SET records = records + $1, pop3 = pop3 + $2 WHERE id = $3",
                        3, p, PGRES_COMMAND_OK, "counting the records");
    int rc = r ? 0 : -1;
    if (r && strcmp(PQcmdTuples(r), "1") != 0) {
        snprintf(s->base.err, sizeof s->base.err, "storing records: scan %lld is not in the "
                 "database any more (deleted while it ran)", (long long)scan_id);
        rc = -1;
    }
    PQclear(r);
    if (rc == 0)
        rc = replace ? replace_rows(s, scan_id, rows, n, ids)
                     : copy_rows(s, scan_id, rows, n, ids, "record");
    if (rc == 0)
        rc = run(s, "COMMIT", 0, NULL, "committing records");
    if (rc)
        rollback(s);
    return rc;
}

static int pg_add_rows(struct p3s_store *base, int64_t scan_id, struct p3s_row *const *rows,
                    size_t n)
{
    struct pg_store *s = (struct pg_store *)base;
    if (!n)
        return 0;
    int64_t *ids = malloc(n * sizeof *ids);
    if (!ids) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    s->lost = 0;
    int rc = draw_ids(s, n, ids);
    int replace = s->replacing == scan_id;
    if (rc == 0)
        rc = add_batch(s, scan_id, rows, n, ids, replace);
    /* A key stored already (a batch sent again after a COMMIT whose answer was lost, or a key
     * twice in one scan): the batch goes the replacing way, and the counts are taken from the
     * records at the end. */
    if (rc && !replace && !s->lost && strstr(s->base.err, "record_key")) {
        s->recount = 1;
        rc = add_batch(s, scan_id, rows, n, ids, 1);
    }
    free(ids);
    return rc;
}

static int pg_lost(struct p3s_store *base)
{
    return ((struct pg_store *)base)->lost;
}

static int pg_reconnect(struct p3s_store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    int64_t scan = s->locked;
    if (connect_db(s))
        return -1;
    if (!scan)
        return 0;
    int got = try_lock(s, scan);
    if (got < 0)
        return -1;
    if (!got) {
        snprintf(s->base.err, sizeof s->base.err,
                 "scan %lld was taken over by another process while the database was away",
                 (long long)scan);
        return P3S_STORE_REFUSED;
    }
    return 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int pg_list_scans(struct p3s_store *base, int limit, p3s_scan_cb cb, void *arg)
{
    struct pg_store *s = (struct pg_store *)base;
    char lim[32];
    i64(lim, sizeof lim, limit > 0 ? limit : INT32_MAX);
    const char *p[] = {lim};
    PGresult *r = query(s, "SELECT " SCAN_COLUMNS " FROM scan ORDER BY id DESC LIMIT $1", 1, p,
                        PGRES_TUPLES_OK, "listing scans");
    if (!r)
        return -1;
    int out = 0;
    for (int i = 0; i < PQntuples(r) && out == 0; i++) {
        struct p3s_scan_info info;
        read_scan(r, i, 0, &info);
        out = cb(arg, &info);
    }
    PQclear(r);
    return out;
}

static int pg_get_scan(struct p3s_store *base, int64_t id, struct p3s_scan_info *out)
{
    struct pg_store *s = (struct pg_store *)base;
    char sid[32];
    i64(sid, sizeof sid, id);
    const char *p[] = {sid};
    PGresult *r = query(s, "SELECT " SCAN_COLUMNS " FROM scan WHERE id = $1", 1, p,
                        PGRES_TUPLES_OK, "reading a scan");
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found) {
        read_scan(r, 0, 0, out);
        if (p3s_scan_info_own(out)) {
            PQclear(r);
            snprintf(s->base.err, sizeof s->base.err, "out of memory");
            return -1;
        }
    }
    PQclear(r);
    return found;
}

static int pg_get_campaign(struct p3s_store *base, const char *name, struct p3s_campaign *out,
                        p3s_scan_cb cb, void *arg)
{
    struct pg_store *s = (struct pg_store *)base;
    const char *p[] = {name};
    PGresult *r = query(s, "SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE name = $1", 1, p,
                        PGRES_TUPLES_OK, "reading the campaign");
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    read_campaign(r, 0, out);
    int bad = p3s_campaign_own(out);
    PQclear(r);
    if (bad) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    if (!cb)
        return 1;
    char cid[32];
    i64(cid, sizeof cid, out->id);
    const char *q[] = {cid};
    if (!(r = query(s, "SELECT " SCAN_COLUMNS " FROM scan WHERE campaign_id = $1 ORDER BY "
                       "shard_index",
                    1, q, PGRES_TUPLES_OK, "reading the campaign's shards"))) {
        p3s_campaign_free(out);
        return -1;
    }
    int stop = 0;
    for (int i = 0; i < PQntuples(r) && !stop; i++) {
        struct p3s_scan_info info;
        read_scan(r, i, 0, &info);
        stop = cb(arg, &info);
    }
    PQclear(r);
    return stop < 0 ? -1 : 1;
}

static int pg_list_campaigns(struct p3s_store *base, p3s_campaign_cb cb, void *arg)
{
    struct pg_store *s = (struct pg_store *)base;
    PGresult *r = query(s, "SELECT " CAMPAIGN_COLUMNS " FROM campaign ORDER BY id DESC", 0, NULL,
                        PGRES_TUPLES_OK, "listing campaigns");
    if (!r)
        return -1;
    int out = 0;
    for (int i = 0; i < PQntuples(r) && out == 0; i++) {
        struct p3s_campaign c;
        read_campaign(r, i, &c);
        out = cb(arg, &c);
    }
    PQclear(r);
    return out;
}

static int pick_ids(struct pg_store *s, const char *sql, int64_t bind, int64_t *a, int64_t *b,
                    const char *what)
{
    char v[32];
    i64(v, sizeof v, bind);
    const char *p[] = {v};
    PGresult *r = query(s, sql, 1, p, PGRES_TUPLES_OK, what);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    if (found) {
        *a = get_i64(r, 0, 0);
        if (b)
            *b = get_i64(r, 0, 1);
    }
    PQclear(r);
    return found;
}

static int pg_latest_pair(struct p3s_store *base, int64_t *old_id, int64_t *new_id)
{
    return pick_ids((struct pg_store *)base,
                    "SELECT old, id FROM (SELECT (SELECT o.id FROM scan o WHERE o.status = "
                    "'complete' AND o.campaign_id IS NULL AND o.targets = n.targets AND o.id < "
                    "n.id ORDER BY o.id DESC LIMIT 1) AS old, n.id FROM scan n WHERE n.status = "
                    "'complete' AND n.campaign_id IS NULL AND $1::bigint = $1) t WHERE old IS "
                    "NOT NULL ORDER BY id DESC LIMIT 1",
                    0, old_id, new_id, "finding the last two scans");
}

static int pg_latest_complete(struct p3s_store *base, int64_t not_id, int64_t *id)
{
    return pick_ids((struct pg_store *)base,
                    "SELECT id FROM scan WHERE status = 'complete' AND campaign_id IS NULL AND "
                    "id != $1 ORDER BY id DESC LIMIT 1",
                    not_id, id, NULL, "finding the last scan");
}

/* SELECT port, <columns>… */
static size_t row_columns(char *sql, size_t cap, const char *table)
{
    size_t n = (size_t)snprintf(sql, cap, "%s.port", table);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        n += (size_t)snprintf(sql + n, cap - n, ", %s.%s", table, P3S_COL_NAMES[i]);
    return n;
}

static void read_row(const PGresult *r, int row, int at, struct p3s_row *out)
{
    out->port = (int)get_i64(r, row, at);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        out->col[i] = get_text(r, row, at + 1 + i);
    for (int i = P3S_COL_TARGET; i <= P3S_COL_TRANSPORT; i++)
        if (!out->col[i])
            out->col[i] = "";
    out->json = NULL;
    out->json_len = 0;
}

/* Cursors live in one read-only transaction (a snapshot: what diff compares does not change
 * under it), opened with the first and ended with the last. */
static struct p3s_store_cursor *pg_open_rows(struct p3s_store *base, const int64_t *ids, size_t n,
                                          int with_json)
{
    struct pg_store *s = (struct pg_store *)base;
    struct p3s_store_cursor *c = calloc(1, sizeof *c);
    size_t cap = 64 + n * 21;
    char *list = malloc(cap), sql[4096];
    if (!c || !list) {
        free(c);
        free(list);
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return NULL;
    }
    size_t k = (size_t)snprintf(list, cap, "{");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(list + k, cap - k, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(list + k, cap - k, "}");
    c->s = s;
    snprintf(c->name, sizeof c->name, "p3s_rows_%d", ++s->cursor_seq);
    size_t m = (size_t)snprintf(sql, sizeof sql, "DECLARE %s NO SCROLL CURSOR FOR SELECT ",
                                c->name);
    m += row_columns(sql + m, sizeof sql - m, "record");
    c->with_json = with_json;
    snprintf(sql + m, sizeof sql - m,
             "%s FROM record WHERE scan_id = ANY($1::bigint[]) ORDER BY target, ip, port, "
             "transport", with_json ? ", record.json" : "");
    const char *p[] = {list};
    if ((s->reading == 0 &&
         run(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, "reading records")) ||
        run(s, sql, 1, p, "reading records")) {
        if (s->reading == 0)
            rollback(s);
        free(list);
        free(c);
        return NULL;
    }
    s->reading++;
    free(list);
    return c;
}

static int pg_next_row(struct p3s_store_cursor *c, const struct p3s_row **row)
{
    if (c->at >= c->n) {
        if (c->done)
            return 0;
        PQclear(c->res);
        char sql[64];
        snprintf(sql, sizeof sql, "FETCH %d FROM %s", FETCH_ROWS, c->name);
        if (!(c->res = query(c->s, sql, 0, NULL, PGRES_TUPLES_OK, "reading records")))
            return -1;
        c->n = PQntuples(c->res);
        c->at = 0;
        c->done = c->n < FETCH_ROWS;
        if (c->n == 0)
            return 0;
    }
    read_row(c->res, c->at, 0, &c->row);
    if (c->with_json) {
        c->row.json = get_text(c->res, c->at, 1 + P3S_COL_COUNT);
        c->row.json_len = c->row.json ? (size_t)PQgetlength(c->res, c->at, 1 + P3S_COL_COUNT) : 0;
    }
    c->at++;
    *row = &c->row;
    return 1;
}

static void pg_close_rows(struct p3s_store_cursor *c)
{
    if (!c)
        return;
    struct pg_store *s = c->s;
    PQclear(c->res);
    char sql[64];
    snprintf(sql, sizeof sql, "CLOSE %s", c->name);
    PQclear(PQexec(s->conn, sql));
    if (--s->reading == 0)
        PQclear(PQexec(s->conn, "COMMIT"));
    free(c);
}

static int pg_target_rows(struct p3s_store *base, const char *target, p3s_row_cb cb, void *arg)
{
    struct pg_store *s = (struct pg_store *)base;
    char sql[8192], cols[2048];
    row_columns(cols, sizeof cols, "record");
    snprintf(sql, sizeof sql,
             "SELECT " SCAN_COLUMNS ", %s, record.json FROM scan JOIN record ON "
             "record.scan_id = scan.id WHERE record.target = $1 UNION ALL SELECT " SCAN_COLUMNS
             ", %s, record.json FROM scan JOIN record ON record.scan_id = scan.id WHERE "
             "record.ip = $1 AND record.target <> $1 ORDER BY 1, %d, %d, %d, %d",
             cols, cols, SCAN_NCOLS + 1 + P3S_COL_TARGET + 1, SCAN_NCOLS + 1 + P3S_COL_IP + 1,
             SCAN_NCOLS + 1, SCAN_NCOLS + 1 + P3S_COL_TRANSPORT + 1);
    const char *p[] = {target};
    PGresult *r = query(s, sql, 1, p, PGRES_TUPLES_OK, "reading the target's records");
    if (!r)
        return -1;
    int out = 0;
    for (int i = 0; i < PQntuples(r) && out == 0; i++) {
        struct p3s_scan_info info;
        struct p3s_row row;
        read_scan(r, i, 0, &info);
        read_row(r, i, SCAN_NCOLS, &row);
        row.json = get_text(r, i, SCAN_NCOLS + 1 + P3S_COL_COUNT);
        row.json_len = row.json ? (size_t)PQgetlength(r, i, SCAN_NCOLS + 1 + P3S_COL_COUNT) : 0;
        out = cb(arg, &info, &row);
    }
    PQclear(r);
    return out;
}

/* ---- maintenance ------------------------------------------------------------------------- */

static int pg_prune(struct p3s_store *base, int keep, const char *before, int64_t *scans,
                 int64_t *records)
{
    struct pg_store *s = (struct pg_store *)base;
    *scans = *records = 0;
    if (run(s, "BEGIN", 0, NULL, "starting a transaction"))
        return -1;
    PGresult *r = query(s, "SELECT " SCAN_COLUMNS " FROM scan ORDER BY id DESC FOR UPDATE OF scan",
                        0, NULL, PGRES_TUPLES_OK, "listing scans");
    if (!r)
        goto fail;
    int index = 0, bad = 0;
    for (int i = 0; i < PQntuples(r) && !bad; i++) {
        struct p3s_scan_info info;
        read_scan(r, i, 0, &info);
        if (strcmp(info.status, P3S_SCAN_RUNNING) == 0 && !p3s_scan_is_dead(&info))
            continue;
        int newest = keep >= 0 && index++ < keep;
        int recent = before && strcmp(info.started, before) >= 0;
        if (newest || recent || (keep < 0 && !before))
            continue;
        char sid[32];
        i64(sid, sizeof sid, info.id);
        const char *p[] = {sid};
        PGresult *d;
        if (!(d = query(s, "DELETE FROM record WHERE scan_id = $1", 1, p, PGRES_COMMAND_OK,
                        "deleting a scan")) ||
            (*records += strtoll(PQcmdTuples(d), NULL, 10), PQclear(d),
             run(s, "DELETE FROM scan WHERE id = $1", 1, p, "deleting a scan")))
            bad = 1;
        else
            ++*scans;
    }
    PQclear(r);
    if (bad || run(s, "DELETE FROM campaign WHERE id NOT IN (SELECT campaign_id FROM scan WHERE "
                      "campaign_id IS NOT NULL)",
                   0, NULL, "deleting campaigns") ||
        run(s, "COMMIT", 0, NULL, "committing the deletions"))
        goto fail;
    return 0;
fail:
    rollback(s);
    *scans = *records = 0;
    return -1;
}

static int pg_vacuum(struct p3s_store *base)
{
    /* FULL: the tables are rewritten and the space given back (they are locked meanwhile). */
    return run((struct pg_store *)base,
               "VACUUM (FULL, ANALYZE) scan, record, campaign, pop3scan_schema", 0, NULL,
               "vacuuming");
}

static int64_t pg_db_size(struct p3s_store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    PGresult *r = query(s,
                        "SELECT pg_total_relation_size('scan') + pg_total_relation_size('record') "
                        "+ pg_total_relation_size('campaign') "
                        "+ pg_total_relation_size('pop3scan_schema')",
                        0, NULL, PGRES_TUPLES_OK, "reading the size");
    if (!r)
        return -1;
    int64_t n = get_i64(r, 0, 0);
    PQclear(r);
    return n;
}

static const struct p3s_store_ops PG_OPS = {
    .name = "postgresql",
    .begin_scan = pg_begin_scan,
    .add_rows = pg_add_rows,
    .lost = pg_lost,
    .reconnect = pg_reconnect,
    .end_scan = pg_end_scan,
    .list_scans = pg_list_scans,
    .get_scan = pg_get_scan,
    .get_campaign = pg_get_campaign,
    .list_campaigns = pg_list_campaigns,
    .latest_pair = pg_latest_pair,
    .latest_complete = pg_latest_complete,
    .open_rows = pg_open_rows,
    .next_row = pg_next_row,
    .close_rows = pg_close_rows,
    .target_rows = pg_target_rows,
    .prune = pg_prune,
    .vacuum = pg_vacuum,
    .size = pg_db_size,
    .close = pg_close_store,
};
