/* store_sqlite.h — the SQLite back end: a history file (store_sqlite.c), opened through
 * p3s_store_open (store_open.c). */
#ifndef POP3SCAN_STORE_SQLITE_H
#define POP3SCAN_STORE_SQLITE_H

#include "store.h"

struct p3s_store *p3s_store_sqlite_open(const char *path, enum p3s_store_mode mode, char *err,
                                         size_t errlen);

#endif
