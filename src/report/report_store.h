/* report_store.h — the report's adapter to the scan history (issue 14, src/store/): a scan of
 * the history as the report's input streams (report.h). See report_store.c. */
#ifndef POP3SCAN_REPORT_STORE_H
#define POP3SCAN_REPORT_STORE_H

#include "report.h"

/* Fills rep from the history at db (NULL: the default file) with the scan named by scan (a
 * scan id; NULL: the latest complete scan): its metadata, its records, the earlier scans of the
 * same targets as the history series, and the changes since the last of them. Returns 0, or
 * the exit status after a message on stderr: 2 no such history or scan, 3 it cannot be read. */
int p3s_report_from_store(struct p3s_report *rep, const char *db, const char *scan);

#endif
