/* schema.h — the history's schema, written once for both back ends: the migrations in order,
 * each a SQL text in SQLite's words, and the rewriting that gives PostgreSQL's words for the
 * same tables (store_pg.c).
 *
 * A migration is never edited once released: a new database runs them all in order, an old one
 * the ones it lacks. What differs between the two databases is kept to the rewriting below and
 * to a few statements a migration names for one back end only (pg_extra, lite_extra: what
 * each database's own SQL says differently, like migration 5's view): a PostgreSQL history has
 * no rows older than version 3, so what a migration does to old rows (migration 2's re-derived
 * columns) is SQLite's alone. tests/integration/test_pg.py holds both back ends to
 * the same tables and columns.
 */
#ifndef POP3SCAN_SCHEMA_H
#define POP3SCAN_SCHEMA_H

#include <stddef.h>

struct p3s_migration {
    const char *sql;      /* both back ends (PostgreSQL's after p3s_schema_pg), or NULL */
    const char *sql_done; /* after the back end's own step for old rows (migration 2), or NULL */
    const char *pg_extra; /* PostgreSQL only, after sql_done, or NULL */
    const char *lite_extra; /* SQLite only, after sql_done, or NULL */
};

/* P3S_STORE_SCHEMA (store.h) of them; migration v is P3S_MIGRATIONS[v - 1]. */
extern const struct p3s_migration P3S_MIGRATIONS[];

/* PostgreSQL's words for a migration's SQL: INTEGER becomes BIGINT (ids, counts and ports, one
 * type), "INTEGER PRIMARY KEY" an identity column, every TEXT column compares bytes (COLLATE
 * "C": diff reads records in byte order, whatever the database's locale), WITHOUT ROWID goes,
 * and DROP TABLE takes the foreign keys that name the table along (SQLite's name a table by its
 * name and follow a rename; PostgreSQL's stay with the dropped table). Returns a malloc'd
 * text, or NULL when out of memory. */
char *p3s_schema_pg(const char *sql);

#endif
