/* report_store.c — STUB until the scan history (issue 14, branch `store`) is merged: the report
 * reads JSONL files only, and `pop3scan report` without a file says so (exit status 2).
 *
 * What the adapter does once src/store/ is in the tree (store.h, row.h, diff.h), each step
 * feeding the report's input streams (report.h) — nothing else in src/report/ changes:
 *  1. open the history: p3s_cmd_open_store("report", db, P3S_STORE_READ, &status);
 *  2. the scan: the id given, else ops->latest_complete(st, -1, &id); ops->get_scan(st, id,
 *     &info) -> p3s_report_set_meta() with an object of info's members as `pop3scan history
 *     -f jsonl` writes them (id, started, ended, status, command as the stored JSON array,
 *     targets, options, host, version);
 *  3. the records: ops->open_rows(st, id) / next_row -> p3s_report_add_text(rep,
 *     P3S_REPORT_RECORD, row->json, row->json_len) (the stored JSONL line, unchanged);
 *  4. the history: ops->list_scans(st, NULL, 0, cb) keeps the complete scans older than this
 *     one whose `targets` text equals its own (the same targets, as diff pairs them), oldest
 *     first; per scan one P3S_REPORT_HISTORY item {"id", "started", "services": info.pop3,
 *     "high": the number of its records' findings of severity high} (count the "id high" lines
 *     of row->col[P3S_COL_FINDINGS] while walking its rows, or one query of the `finding`
 *     table: SELECT count(*) FROM finding WHERE scan_id = ? AND severity = 'high');
 *  5. the changes: the newest of those earlier scans against this one through
 *     p3s_diff_merge(), each struct p3s_change turned into the JSON object `pop3scan diff -f
 *     jsonl` writes (cmd_diff.c's jsonl_change: make it shared rather than copied) and given
 *     as P3S_REPORT_CHANGE.
 * Then `pop3scan report [--db FILE] [SCAN-ID]` (cmd_report.c: a lone all-digit argument that is
 * not a file is a scan id, as in diff) and docs/report.md's "From the history" section.
 */
#include <stdio.h>

#include "report_store.h"

int p3s_report_from_store(struct p3s_report *rep, const char *db, const char *scan)
{
    (void)rep;
    (void)db;
    (void)scan;
    fprintf(stderr, "pop3scan report: no JSONL file given (reading the scan history needs the "
                    "history store, which this build does not have)\n"
                    "Try 'pop3scan report --help'.\n");
    return 2;
}
