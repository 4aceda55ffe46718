/* scanjson.h — a scan row of the history (store.h) as the JSON object `pop3scan history -f jsonl`
 * writes a line of, and the report takes as its scan's metadata (docs/history.md): id, started,
 * ended, status, records, pop3, command, targets and options (the stored JSON texts as values),
 * shard, host, pid, version, campaign (and runs). */
#ifndef POP3SCAN_SCANJSON_H
#define POP3SCAN_SCANJSON_H

#include <jansson.h>

#include "store.h"

/* A JSON text the store kept (n bytes), as a value; JSON null when it is NULL or does not
 * parse. */
json_t *p3s_stored_json(const char *s, size_t n);
/* A new object; NULL when out of memory. */
json_t *p3s_scan_info_json(const struct p3s_scan_info *s);

#endif
