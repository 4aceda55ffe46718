/* store_open.c — choosing the back end of the scan history (p3s_store_open, store.h): the one
 * place that knows them, so that they depend on what they share (store.c) and nothing there
 * depends on them. */
#include "store.h"
#include "store_pg.h"
#include "store_sqlite.h"

struct p3s_store *p3s_store_open(const char *path, enum p3s_store_mode mode, char *err,
                                 size_t errlen)
{
    /* diff's temporary database of JSONL files is always a private SQLite file. */
    if (mode != P3S_STORE_TEMP && p3s_store_is_pg(path))
        return p3s_store_pg_open(path, mode, err, errlen);
    return p3s_store_sqlite_open(path, mode, err, errlen);
}
