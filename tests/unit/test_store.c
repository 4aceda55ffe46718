/* test_store.c — unit tests of the scan history's store (src/store/): the row of a record and
 * the row of its JSONL form agree to the byte; the canonical escaping round-trips; the SQLite
 * schema is created, upgraded from version 1 (made here from this file's own copy of that
 * schema, as an older pop3scan wrote it), and refused when it is newer or not ours; records
 * come back in key order; prune, the scan pairing of diff and the writer thread do what
 * store.h says. Every database is a real file in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "findings.h"
#include "jsonw.h"
#include "output.h"
#include "record.h"
#include "row.h"
#include "store.h"
#include "tlsprobe.h"
#include "writer.h"

#define SET(b, lit) p3s_bytes_set(r, (b), (lit), sizeof(lit) - 1)
#define ADD(l, lit) p3s_list_add(r, (l), (lit), sizeof(lit) - 1)

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/p3s-test-store-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
    static char buf[4][512];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* ---- records ------------------------------------------------------------------------------ */

/* A cleartext POP3 record with everything a row takes from: hostile greeting bytes (controls,
 * invalid UTF-8, a backslash, a bidi override, NUL), CAPA before and after STLS with SASL, TLS
 * with a certificate, the version probes, a product and findings. */
static struct p3s_record *full_record(void)
{
    struct p3s_record *r = p3s_record_new("mail.example.test", "192.0.2.7", 110, 0);
    r->state = P3S_STATE_POP3;
    r->service = P3_SVC_POP3;
    r->confirmed = 1;
    SET(&r->greeting, "+OK \x1b[2J \\x41 \xff\xfe \xe2\x80\xae evil \x00nul caf\xc3\xa9 \xc2\x85");
    r->capa.present = 1;
    ADD(&r->capa, "TOP");
    ADD(&r->capa, "STLS");
    ADD(&r->capa, "SASL PLAIN LOGIN");
    ADD(&r->capa, "IMPLEMENTATION x\ty\\z");
    r->capa_tls.present = 1;
    ADD(&r->capa_tls, "TOP");
    ADD(&r->capa_tls, "SASL PLAIN");
    r->stls_advertised = r->stls_attempted = r->stls_upgraded = 1;
    SET(&r->stls_reply, "+OK go");
    snprintf(r->tls_version, sizeof r->tls_version, "TLSv1.3");
    snprintf(r->tls_cipher, sizeof r->tls_cipher, "TLS_AES_256_GCM_SHA384");
    r->tls_cipher_bits = 256;
    r->tls_proto[P3S_PROTO_SSL3] = P3S_TLSPROBE_UNSUPPORTED;
    r->tls_proto[P3S_PROTO_TLS10] = P3S_TLSPROBE_REFUSED;
    r->tls_proto[P3S_PROTO_TLS12] = P3S_TLSPROBE_ACCEPTED;
    r->tls_proto[P3S_PROTO_TLS13] = P3S_TLSPROBE_ACCEPTED;
    r->cert = calloc(1, sizeof *r->cert);
    r->cert->present = 1;
    snprintf(r->cert->subject, sizeof r->cert->subject, "CN=mail.example.test, O=\\xc3 \"q\"");
    snprintf(r->cert->issuer, sizeof r->cert->issuer, "CN=ca");
    snprintf(r->cert->not_after, sizeof r->cert->not_after, "2030-01-02T03:04:05Z");
    snprintf(r->cert->sha256, sizeof r->cert->sha256, "%064x", 7);
    r->product = calloc(1, sizeof *r->product);
    r->product->rule_id = "dovecot";
    snprintf(r->product->vendor, sizeof r->product->vendor, "Dovecot");
    snprintf(r->product->product, sizeof r->product->product, "Dovecot");
    snprintf(r->product->version, sizeof r->product->version, "2.3.19 ?beta");
    r->product->confidence = P3FP_CONF_LIKELY;
    r->login_advertised = 1;
    r->login_accepted = P3S_YES;
    SET(&r->user_reply, "+OK");
    r->error = strdup("odd \x01 error");
    p3s_findings_evaluate(r);
    return r;
}

static struct p3s_record *closed_record(void)
{
    struct p3s_record *r = p3s_record_new("192.0.2.9", "192.0.2.9", 995, 1);
    r->state = P3S_STATE_CLOSED;
    p3s_record_set_error(r, P3S_STATE_CLOSED, "connection refused");
    return r;
}

static struct p3s_record *unresolved_record(void)
{
    struct p3s_record *r = p3s_record_new("nosuch.example.test", "", 110, 0);
    p3s_record_set_error(r, P3S_STATE_ERROR, "DNS: NXDOMAIN");
    return r;
}

/* Implicit TLS, CAPA refused, no probes, no certificate, nothing identified. */
static struct p3s_record *tls_record(void)
{
    struct p3s_record *r = p3s_record_new("2001:db8::1", "2001:db8::1", 995, 1);
    r->state = P3S_STATE_POP3;
    r->service = P3_SVC_POP3;
    SET(&r->greeting, "+OK");
    SET(&r->capa_reply, "-ERR no");
    snprintf(r->tls_version, sizeof r->tls_version, "TLSv1.2");
    snprintf(r->tls_cipher, sizeof r->tls_cipher, "ECDHE-RSA-AES128-GCM-SHA256");
    p3s_findings_evaluate(r);
    return r;
}

/* Another service's greeting, an empty CAPA list. */
static struct p3s_record *other_record(void)
{
    struct p3s_record *r = p3s_record_new("192.0.2.10", "192.0.2.10", 25, 0);
    r->state = P3S_STATE_OTHER;
    r->service = P3_SVC_SMTP;
    SET(&r->greeting, "220 mx ESMTP");
    r->capa.present = 1;
    return r;
}

/* The JSONL line of r, as the jsonl output writes it. */
static char *jsonl_of(const struct p3s_record *r, size_t *len)
{
    struct p3s_jw w;
    memset(&w, 0, sizeof w);
    p3s_jsonl_record(&w, r);
    assert_true(p3s_jw_ok(&w));
    char *s = strndup(w.buf, w.len);
    *len = w.len;
    p3s_jw_free(&w);
    return s;
}

static void assert_same_rows(const struct p3s_row *a, const struct p3s_row *b)
{
    for (int i = 0; i < P3S_COL_COUNT; i++) {
        if ((a->col[i] == NULL) != (b->col[i] == NULL) ||
            (a->col[i] && strcmp(a->col[i], b->col[i]) != 0))
            print_error("column %s: record '%s', JSON '%s'\n", P3S_COL_NAMES[i],
                        a->col[i] ? a->col[i] : "(null)", b->col[i] ? b->col[i] : "(null)");
        if (a->col[i] && b->col[i])
            assert_string_equal(a->col[i], b->col[i]);
        else
            assert_ptr_equal(a->col[i], b->col[i]);
    }
    assert_int_equal(a->port, b->port);
}

static void check_both_ways(struct p3s_record *r)
{
    size_t len;
    char *json = jsonl_of(r, &len);
    struct p3s_rowbuf from_rec, from_json;
    p3s_rowbuf_init(&from_rec);
    p3s_rowbuf_init(&from_json);
    assert_int_equal(p3s_rowbuf_from_record(&from_rec, r, json, len), 0);
    json_error_t jerr;
    json_t *j = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
    assert_non_null(j);
    char err[128];
    assert_int_equal(p3s_rowbuf_from_json(&from_json, j, json, len, err, sizeof err), 0);
    struct p3s_row a, b;
    p3s_rowbuf_view(&from_rec, &a);
    p3s_rowbuf_view(&from_json, &b);
    assert_same_rows(&a, &b);
    assert_int_equal(a.json_len, len);
    assert_memory_equal(a.json, json, len);
    json_decref(j);
    free(json);
    p3s_rowbuf_free(&from_rec);
    p3s_rowbuf_free(&from_json);
    p3s_record_free(r);
}

static void test_row_record_and_json_agree(void **state)
{
    (void)state;
    check_both_ways(full_record());
    check_both_ways(closed_record());
    check_both_ways(unresolved_record());
    check_both_ways(tls_record());
    check_both_ways(other_record());
}

static const char *col_of(struct p3s_rowbuf *b, enum p3s_col c)
{
    struct p3s_row r;
    p3s_rowbuf_view(b, &r);
    return r.col[c];
}

static void test_row_columns(void **state)
{
    (void)state;
    struct p3s_record *r = full_record();
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);
    assert_int_equal(p3s_rowbuf_from_record(&b, r, NULL, 0), 0);
    /* Controls, invalid bytes, the bidi override, NUL and C1 escaped; the backslash doubled;
     * valid UTF-8 kept. */
    assert_string_equal(col_of(&b, P3S_COL_GREETING),
                        "+OK \\x1b[2J \\\\x41 \\xff\\xfe \\u{202e} evil \\x00nul caf\xc3\xa9 "
                        "\\u{0085}");
    assert_string_equal(col_of(&b, P3S_COL_CAPABILITIES),
                        "TOP\nSTLS\nSASL PLAIN LOGIN\nIMPLEMENTATION x\\x09y\\\\z");
    assert_string_equal(col_of(&b, P3S_COL_CAPABILITIES_TLS), "TOP\nSASL PLAIN");
    assert_string_equal(col_of(&b, P3S_COL_STLS), "upgraded");
    assert_string_equal(col_of(&b, P3S_COL_PLAINTEXT_LOGIN), "accepted");
    assert_string_equal(col_of(&b, P3S_COL_TLS_VERSIONS), "TLSv1.2 TLSv1.3");
    assert_string_equal(col_of(&b, P3S_COL_PRODUCT_CONFIDENCE), "likely");
    assert_string_equal(col_of(&b, P3S_COL_CERT_NOT_AFTER), "2030-01-02T03:04:05Z");
    assert_string_equal(col_of(&b, P3S_COL_ERROR), "odd \\x01 error");
    assert_non_null(strstr(col_of(&b, P3S_COL_FINDINGS), "pop3-plaintext-login high"));
    p3s_record_free(r);
    r = closed_record();
    assert_int_equal(p3s_rowbuf_from_record(&b, r, NULL, 0), 0);
    assert_string_equal(col_of(&b, P3S_COL_TRANSPORT), "tls");
    assert_null(col_of(&b, P3S_COL_STLS)); /* implicit TLS has no STLS */
    assert_null(col_of(&b, P3S_COL_GREETING));
    assert_string_equal(col_of(&b, P3S_COL_FINDINGS), "");
    p3s_record_free(r);
    r = unresolved_record();
    assert_int_equal(p3s_rowbuf_from_record(&b, r, NULL, 0), 0);
    assert_string_equal(col_of(&b, P3S_COL_IP), ""); /* keys are never NULL */
    p3s_record_free(r);
    p3s_rowbuf_free(&b);
}

static void test_row_from_json_rejects(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "[1]",
        "{\"target\":\"x\",\"port\":1,\"transport\":\"plain\",\"state\":\"pop3\"}",
        "{\"schema\":\"other/1\",\"target\":\"x\",\"port\":1,\"transport\":\"plain\"}",
        "{\"schema\":\"pop3scan/record/1\",\"port\":1,\"transport\":\"plain\",\"state\":\"x\"}",
        "{\"schema\":\"pop3scan/record/1\",\"target\":\"x\",\"port\":\"1\",\"transport\":\"p\","
        "\"state\":\"x\"}",
        "{\"schema\":\"pop3scan/record/1\",\"target\":\"x\",\"port\":1,\"transport\":\"plain\"}",
        "{\"schema\":\"pop3scan/record/1\",\"target\":\"x\",\"port\":1,\"transport\":\"plain\","
        "\"state\":\"pop3\",\"capabilities\":[1]}",
        "{\"schema\":\"pop3scan/record/1\",\"target\":\"x\",\"port\":1,\"transport\":\"plain\","
        "\"state\":\"pop3\",\"tls\":{\"version\":5}}",
    };
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        json_t *j = json_loads(BAD[i], 0, NULL);
        assert_non_null(j);
        char err[128] = "";
        assert_int_equal(p3s_rowbuf_from_json(&b, j, NULL, 0, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
        json_decref(j);
    }
    p3s_rowbuf_free(&b);
}

static void test_escape_round_trip(void **state)
{
    (void)state;
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);
    static const char TAIL[] = "\xe2\x80\xae\xc2\x85\\u{41}\\x4";
    unsigned char all[256 + sizeof TAIL - 1];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    memcpy(all + 256, TAIL, sizeof TAIL - 1);
    b.len = 0;
    p3s_row_escape(&b, (const char *)all, sizeof all);
    char *esc = strndup(b.buf, b.len);
    assert_int_equal(strlen(esc), b.len); /* no NUL inside */
    for (size_t i = 0; i < b.len; i++) { /* no control byte left */
        unsigned char c = (unsigned char)esc[i];
        assert_true(c >= 0x20 && c != 0x7f);
    }
    assert_null(strstr(esc, "\xe2\x80\xae")); /* the bidi override is one \u{202e} */
    assert_non_null(strstr(esc, "\\u{41}"));   /* a literal backslash-u stays literal */
    char *back = malloc(b.len + 1);
    size_t n = p3s_row_unescape(esc, back);
    free(esc);
    assert_int_equal(n, sizeof all);
    assert_memory_equal(back, all, sizeof all);
    free(back);
    p3s_rowbuf_free(&b);
}

/* ---- the SQLite file ---------------------------------------------------------------------- */

static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Does the query plan of sql name this step? */
static int plan_uses(const char *path, const char *sql, const char *step)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char eqp[512];
    snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &st, NULL), SQLITE_OK);
    int found = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        found |= strstr((const char *)sqlite3_column_text(st, 3), step) != NULL;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return found;
}

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        print_error("%s: %s\n", sql, err);
    assert_null(err);
    sqlite3_close(db);
}

static struct p3s_scan_info scan_info(const char *started, const char *targets)
{
    struct p3s_scan_info in;
    memset(&in, 0, sizeof in);
    snprintf(in.started, sizeof in.started, "%s", started);
    in.command = "[\"pop3scan\",\"192.0.2.0/24\"]";
    in.targets = targets;
    in.options = "{}";
    in.host = "test-host";
    in.pid = 1;
    in.version = "0.1.0";
    return in;
}

static void test_fresh_file(void **state)
{
    (void)state;
    const char *path = path_of("fresh.sqlite3");
    char err[512];
    struct p3s_store *st = p3s_store_open(path, P3S_STORE_WRITE, err, sizeof err);
    assert_non_null(st);
    p3s_store_close(st);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), P3S_STORE_SCHEMA);
    assert_int_equal(sql_int(path, "PRAGMA application_id"), 0x50335348);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                   "('scan','record','finding','record_key')"),
                     4);
    /* findings are a view over the records (version 5), and one scan's findings are read
     * through record_key, not by a pass over every record */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'finding' "
                                   "AND type = 'view'"),
                     1);
    assert_true(plan_uses(path, "SELECT * FROM finding WHERE scan_id = 12",
                          "record_key (scan_id=?)"));
    /* one target's history goes scan by scan through record_key, not through the table */
    assert_true(plan_uses(path, "SELECT 1 FROM scan CROSS JOIN record ON record.scan_id = "
                                "scan.id WHERE record.target = 'x'",
                          "record_key (scan_id=? AND target=?)"));
    /* Every column of struct p3s_row is a column of the record table, the JSON the last. */
    for (int i = 0; i < P3S_COL_COUNT; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pragma_table_info('record') WHERE name = '%s'",
                 P3S_COL_NAMES[i]);
        assert_int_equal(sql_int(path, sql), 1);
    }
    assert_int_equal(sql_int(path, "SELECT cid FROM pragma_table_info('record') WHERE name = "
                                   "'json'"),
                     sql_int(path, "SELECT max(cid) FROM pragma_table_info('record')"));
    /* Opening again (any mode) leaves it as it is. */
    st = p3s_store_open(path, P3S_STORE_READ, err, sizeof err);
    assert_non_null(st);
    p3s_store_close(st);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), P3S_STORE_SCHEMA);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM pragma_journal_mode() WHERE "
                                   "journal_mode = 'wal'"),
                     1);
}

/* Version 1 of the schema, as pop3scan wrote it before version 2: kept here, never edited, to
 * make old files for the upgrade test. */
static const char SCHEMA_V1[] =
    "CREATE TABLE scan (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, "
    "status TEXT NOT NULL, command_line TEXT NOT NULL, targets TEXT NOT NULL, options TEXT NOT "
    "NULL, shard TEXT, host TEXT NOT NULL, pid INTEGER, version TEXT NOT NULL, records INTEGER "
    "NOT NULL DEFAULT 0);"
    "CREATE TABLE record (id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL REFERENCES scan(id), "
    "target TEXT NOT NULL, ip TEXT NOT NULL, port INTEGER NOT NULL, transport TEXT NOT NULL, "
    "state TEXT NOT NULL, confidence TEXT, product TEXT, version TEXT, tls_version TEXT, "
    "cert_sha256 TEXT, cert_not_after TEXT, stls INTEGER, plaintext_login INTEGER, json TEXT "
    "NOT NULL);"
    "CREATE INDEX record_key ON record(scan_id, target, ip, port, transport);"
    "PRAGMA user_version = 1; PRAGMA application_id = 1345540936;";

/* A version 1 row: what that version stored of the record (stls and plaintext_login as 0/1). */
static void insert_v1(sqlite3 *db, int64_t scan, const struct p3s_record *r, const char *json)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO record (scan_id, target, ip, port, "
                                        "transport, state, stls, plaintext_login, json) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, scan);
    sqlite3_bind_text(st, 2, r->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->ip, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, r->port);
    sqlite3_bind_text(st, 5, r->implicit_tls ? "tls" : "plain", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, p3s_state_name(r->state), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, r->stls_advertised);
    sqlite3_bind_int(st, 8, r->login_accepted == P3S_YES);
    sqlite3_bind_text(st, 9, json, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void test_upgrade_from_version_1(void **state)
{
    (void)state;
    const char *path = path_of("v1.sqlite3");
    sql_exec(path, SCHEMA_V1);
    sql_exec(path, "INSERT INTO scan (started_at, ended_at, status, command_line, targets, "
                   "options, host, pid, version, records) VALUES ('2026-01-01T00:00:00Z', "
                   "'2026-01-01T00:01:00Z', 'complete', '[]', '{}', '{}', 'h', 1, '0.0.9', 3)");
    struct p3s_record *full = full_record(), *closed = closed_record();
    size_t len;
    char *j1 = jsonl_of(full, &len), *j2 = jsonl_of(closed, &len);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    insert_v1(db, 1, full, j1);
    insert_v1(db, 1, closed, j2);
    insert_v1(db, 1, closed, "{not json"); /* a row version 2 cannot re-derive */
    sqlite3_close(db);

    char err[512];
    struct p3s_store *st = p3s_store_open(path, P3S_STORE_READ, err, sizeof err);
    if (!st)
        print_error("%s\n", err);
    assert_non_null(st);
    p3s_store_close(st);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), P3S_STORE_SCHEMA);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM record"), 3);
    assert_int_equal(sql_int(path, "SELECT pop3 FROM scan WHERE id = 1"), 1);
    /* stls became a word; the columns version 1 lacked were filled from the JSON */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM record WHERE id = 1 AND stls = "
                                   "'upgraded' AND plaintext_login = 'accepted' AND "
                                   "tls_versions = 'TLSv1.2 TLSv1.3' AND greeting LIKE "
                                   "'+OK \\x1b%' AND capabilities_tls = 'TOP' || char(10) || "
                                   "'SASL PLAIN'"),
                     1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM finding WHERE record_id = 1 AND "
                                   "finding = 'pop3-plaintext-login' AND severity = 'high'"),
                     1);
    /* the finding view reads over every row, the one without readable JSON too (none) */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM finding"),
                     (long long)(full->nfindings + closed->nfindings));
    assert_int_equal(sql_int(path, "SELECT count(*) FROM finding WHERE record_id = 3"), 0);
    /* the row without readable JSON kept its key and state */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM record WHERE id = 3 AND state = "
                                   "'closed' AND port = 995 AND transport = 'tls'"),
                     1);
    /* and the upgraded row is the row a version 2 scan writes */
    struct p3s_rowbuf want;
    p3s_rowbuf_init(&want);
    assert_int_equal(p3s_rowbuf_from_record(&want, full, NULL, 0), 0);
    st = p3s_store_open(path, P3S_STORE_READ, err, sizeof err);
    int64_t one = 1;
    struct p3s_store_cursor *c = st->ops->open_rows(st, &one, 1, 1);
    const struct p3s_row *row;
    int found = 0;
    while (st->ops->next_row(c, &row) == 1)
        if (strcmp(row->col[P3S_COL_TARGET], "mail.example.test") == 0) {
            struct p3s_row w;
            p3s_rowbuf_view(&want, &w);
            assert_same_rows(&w, row);
            /* asked for, the stored JSONL record comes with the row (the report reads it) */
            assert_non_null(row->json);
            assert_true(row->json_len > 2 && row->json[0] == '{');
            assert_non_null(strstr(row->json, "mail.example.test"));
            found++;
        }
    assert_int_equal(found, 1);
    st->ops->close_rows(c);
    p3s_store_close(st);
    p3s_rowbuf_free(&want);
    free(j1);
    free(j2);
    p3s_record_free(full);
    p3s_record_free(closed);
}

static void test_refuses_newer_and_foreign_files(void **state)
{
    (void)state;
    char err[512];
    const char *newer = path_of("newer.sqlite3");
    struct p3s_store *st = p3s_store_open(newer, P3S_STORE_WRITE, err, sizeof err);
    assert_non_null(st);
    p3s_store_close(st);
    sql_exec(newer, "PRAGMA user_version = 99");
    for (int mode = P3S_STORE_READ; mode <= P3S_STORE_MODIFY; mode++) {
        err[0] = '\0';
        assert_null(p3s_store_open(newer, (enum p3s_store_mode)mode, err, sizeof err));
        assert_non_null(strstr(err, "newer pop3scan (schema version 99"));
    }
    assert_int_equal(sql_int(newer, "PRAGMA user_version"), 99);
    assert_int_equal(sql_int(newer, "SELECT count(*) FROM scan"), 0);

    const char *foreign = path_of("foreign.sqlite3");
    sql_exec(foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    assert_null(p3s_store_open(foreign, P3S_STORE_WRITE, err, sizeof err));
    assert_non_null(strstr(err, "not a pop3scan history file"));
    assert_int_equal(sql_int(foreign, "SELECT count(*) FROM sqlite_master"), 1);

    const char *text = path_of("text.txt");
    static const char NOTES[] = "not a database at all, but somebody's notes\n";
    FILE *f = fopen(text, "w");
    fputs(NOTES, f);
    fclose(f);
    assert_null(p3s_store_open(text, P3S_STORE_WRITE, err, sizeof err));
    assert_non_null(strstr(err, "not a database"));
    struct stat sb;
    assert_int_equal(stat(text, &sb), 0);
    assert_int_equal(sb.st_size, sizeof NOTES - 1); /* untouched */

    assert_null(p3s_store_open(path_of("missing/dir/h.sqlite3"), P3S_STORE_WRITE, err,
                               sizeof err));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_null(p3s_store_open(path_of("absent.sqlite3"), P3S_STORE_READ, err, sizeof err));
    assert_non_null(strstr(err, "no scan has been stored there yet"));
    assert_int_equal(access(path_of("absent.sqlite3"), F_OK), -1); /* reading creates nothing */
}

/* A row with just a key and a state, packed. */
static struct p3s_row *key_row(const char *target, const char *ip, int port, const char *state)
{
    struct p3s_record *r = p3s_record_new(target, ip, (uint16_t)port, 0);
    r->state = strcmp(state, "pop3") == 0 ? P3S_STATE_POP3 : P3S_STATE_CLOSED;
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);
    assert_int_equal(p3s_rowbuf_from_record(&b, r, "{}", 2), 0);
    struct p3s_row *row = p3s_row_pack(&b);
    p3s_rowbuf_free(&b);
    p3s_record_free(r);
    return row;
}

static void test_rows_in_key_order(void **state)
{
    (void)state;
    char err[512];
    struct p3s_store *st = p3s_store_open(path_of("order.sqlite3"), P3S_STORE_WRITE, err,
                                          sizeof err);
    assert_non_null(st);
    struct p3s_scan_info in = scan_info("2026-01-01T00:00:00Z", "{}");
    assert_int_equal(st->ops->begin_scan(st, &in), 0);
    struct p3s_row *rows[] = {key_row("b", "192.0.2.2", 995, "pop3"),
                              key_row("a", "192.0.2.9", 110, "closed"),
                              key_row("b", "192.0.2.10", 110, "pop3"),
                              key_row("a", "192.0.2.9", 25, "closed"),
                              key_row("a", "", 110, "closed")};
    size_t n = sizeof rows / sizeof rows[0];
    assert_int_equal(st->ops->add_rows(st, in.id, rows, n), 0);
    struct p3s_store_cursor *c = st->ops->open_rows(st, &in.id, 1, 0);
    const struct p3s_row *r;
    struct p3s_row prev;
    char prev_text[3][64];
    size_t got = 0;
    while (st->ops->next_row(c, &r) == 1) {
        if (got)
            assert_true(p3s_row_key_cmp(&prev, r) < 0);
        for (int i = 0; i < 3; i++) {
            snprintf(prev_text[i], sizeof prev_text[i], "%s", r->col[i]);
            prev.col[i] = prev_text[i];
        }
        prev.port = r->port;
        assert_null(r->json); /* not asked for */
        got++;
    }
    assert_int_equal(got, n);
    st->ops->close_rows(c);
    /* the scan counts its records and its pop3 ones */
    struct p3s_scan_info out;
    assert_int_equal(st->ops->get_scan(st, in.id, &out), 1);
    assert_int_equal(out.records, 5);
    assert_int_equal(out.pop3, 2);
    assert_string_equal(out.status, "running");
    p3s_scan_info_free(&out);
    assert_int_equal(st->ops->get_scan(st, 999, &out), 0);
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
    p3s_store_close(st);
}

static int count_scans(void *arg, const struct p3s_scan_info *s)
{
    (void)s;
    ++*(int *)arg;
    return 0;
}

static void test_pairing_and_prune(void **state)
{
    (void)state;
    char err[512];
    const char *path = path_of("prune.sqlite3");
    struct p3s_store *st = p3s_store_open(path, P3S_STORE_WRITE, err, sizeof err);
    assert_non_null(st);
    /* 1 A complete, 2 B complete, 3 A interrupted, 4 A complete, 5 B complete, 6 C running */
    static const char *const TARGETS[] = {"A", "B", "A", "A", "B", "C"};
    static const char *const STATUS[] = {"complete", "complete", "interrupted",
                                         "complete", "complete", NULL};
    for (int i = 0; i < 6; i++) {
        char when[32];
        snprintf(when, sizeof when, "2026-0%d-01T00:00:00Z", i + 1);
        struct p3s_scan_info in = scan_info(when, TARGETS[i]);
        in.pid = getpid(); /* alive: a running scan must survive prune */
        char host[256];
        gethostname(host, sizeof host);
        in.host = host;
        assert_int_equal(st->ops->begin_scan(st, &in), 0);
        assert_int_equal(in.id, i + 1);
        if (STATUS[i])
            assert_int_equal(st->ops->end_scan(st, in.id, STATUS[i], 0), 0);
    }
    int64_t o, n;
    /* newest complete scan with an older complete one of the same targets: 5 (B) and 2 */
    assert_int_equal(st->ops->latest_pair(st, &o, &n), 1);
    assert_int_equal(o, 2);
    assert_int_equal(n, 5);
    assert_int_equal(st->ops->latest_complete(st, 5, &n), 1);
    assert_int_equal(n, 4);
    /* --older-than with --keep: only what both say */
    int64_t scans, records;
    assert_int_equal(st->ops->prune(st, 3, "2026-01-15T00:00:00Z", &scans, &records), 0);
    assert_int_equal(scans, 1); /* 1 and 2 are beyond the newest 3 (6 runs: not counted), only
                                   1 is also older */
    assert_int_equal(st->ops->prune(st, 1, NULL, &scans, &records), 0);
    assert_int_equal(scans, 3); /* 2, 3, 4 go; 5 is the newest, 6 is still running */
    int left = 0;
    assert_int_equal(st->ops->list_scans(st, 0, count_scans, &left), 0);
    assert_int_equal(left, 2);
    assert_int_equal(st->ops->latest_pair(st, &o, &n), 0);
    assert_int_equal(st->ops->vacuum(st), 0);
    p3s_store_close(st);
}

static void test_writer_batches(void **state)
{
    (void)state;
    char err[512];
    const char *path = path_of("writer.sqlite3");
    struct p3s_store *st = p3s_store_open(path, P3S_STORE_WRITE, err, sizeof err);
    assert_non_null(st);
    struct p3s_scan_info in = scan_info("2026-01-01T00:00:00Z", "{}");
    assert_int_equal(st->ops->begin_scan(st, &in), 0);
    struct p3s_store_writer *w = p3s_writer_start(st, in.id, NULL, NULL);
    assert_non_null(w);
    struct p3s_rowbuf b;
    p3s_rowbuf_init(&b);
    for (int i = 0; i < 2500; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.0.%d.%d", i / 256, i % 256);
        struct p3s_record *r = p3s_record_new(ip, ip, 110, 0);
        r->state = P3S_STATE_CLOSED;
        assert_int_equal(p3s_rowbuf_from_record(&b, r, "{}", 2), 0);
        assert_int_equal(p3s_writer_add(w, &b), 0);
        p3s_record_free(r);
    }
    assert_int_equal(p3s_writer_finish(w), 0);
    assert_int_equal(p3s_writer_stored(w), 2500);
    p3s_writer_free(w);
    p3s_rowbuf_free(&b);
    p3s_store_close(st);
    assert_int_equal(sql_int(path, "SELECT records FROM scan"), 2500);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM record"), 2500);
}

static void test_ages_and_times(void **state)
{
    (void)state;
    assert_int_equal(p3s_store_parse_age("180d"), 180 * 86400);
    assert_int_equal(p3s_store_parse_age("30"), 30 * 86400);
    assert_int_equal(p3s_store_parse_age("2w"), 14 * 86400);
    assert_int_equal(p3s_store_parse_age("12h"), 12 * 3600);
    assert_int_equal(p3s_store_parse_age("90m"), 90 * 60);
    assert_int_equal(p3s_store_parse_age("45s"), 45);
    assert_int_equal(p3s_store_parse_age("0d"), 0);
    static const char *const BAD[] = {"", "d", "-1d", "1.5d", "3y", "1d2", "99999999999d",
                                      " 3d"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_int_equal(p3s_store_parse_age(BAD[i]), -1);
    char buf[32];
    p3s_store_iso_time(1893456000, buf, sizeof buf);
    assert_string_equal(buf, "2030-01-01T00:00:00Z");
    assert_int_equal(p3s_store_parse_iso(buf), 1893456000);
    assert_int_equal(p3s_store_parse_iso("2030-01-01T00:00:00"), -1);
    assert_int_equal(p3s_store_parse_iso("2030-01-01T00:00:00Zx"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_record_and_json_agree),
        cmocka_unit_test(test_row_columns),
        cmocka_unit_test(test_row_from_json_rejects),
        cmocka_unit_test(test_escape_round_trip),
        cmocka_unit_test(test_fresh_file),
        cmocka_unit_test(test_upgrade_from_version_1),
        cmocka_unit_test(test_refuses_newer_and_foreign_files),
        cmocka_unit_test(test_rows_in_key_order),
        cmocka_unit_test(test_pairing_and_prune),
        cmocka_unit_test(test_writer_batches),
        cmocka_unit_test(test_ages_and_times),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
