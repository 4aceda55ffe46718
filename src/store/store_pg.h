/* store_pg.h — the PostgreSQL back end (libpq): a history in a database (store_pg.c), opened
 * through p3s_store_open (store_open.c). */
#ifndef POP3SCAN_STORE_PG_H
#define POP3SCAN_STORE_PG_H

#include "store.h"

struct p3s_store *p3s_store_pg_open(const char *uri, enum p3s_store_mode mode, char *err,
                                    size_t errlen);

#endif
