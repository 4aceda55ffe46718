/* report_store.h — the report of a scan of the history (src/store/): its metadata, its records,
 * the earlier scans of the same targets as the report's series and the changes since the last
 * of them, fed to the report's input streams (report.h). See report_store.c. */
#ifndef POP3SCAN_REPORT_STORE_H
#define POP3SCAN_REPORT_STORE_H

#include <stddef.h>

#include "report.h"
#include "store.h"

/* Earlier scans in the series at most (the newest ones). */
#define P3S_REPORT_HISTORY_MAX 30

/* Fills rep from the open history st with the scan `which` names: a scan id, campaign:NAME, or
 * NULL for the latest complete scan. A campaign that is not complete is refused unless
 * partial. Returns 0, or the exit status with why in err: 2 no such scan or campaign (or an
 * incomplete one), 3 the history cannot be read. */
int p3s_report_from_store(struct p3s_report *rep, struct p3s_store *st, const char *which,
                          int partial, char *err, size_t errlen);

#endif
