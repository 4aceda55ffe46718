/* cmd.h — pop3scan's subcommands, which read and keep the scan history (src/store/):
 *   pop3scan diff [OLD [NEW]]       what changed between two scans (cmd_diff.c)
 *   pop3scan history [TARGET]       the scans, or one target's states over time (cmd_history.c)
 *   pop3scan db prune|vacuum|path   upkeep of the history file (cmd_db.c)
 *   pop3scan report FILE...         the HTML or Markdown report (cmd_report.c)
 *   pop3scan discover DOMAIN...     the mail hosts --discover would scan, from DNS only
 *                                   (cmd_discover.c)
 * Exit status as for a scan: 0 done, 1 diff --fail-on-change found changes, 2 bad usage or
 * input, 3 a runtime error (the history file cannot be read or written).
 */
#ifndef POP3SCAN_CMD_H
#define POP3SCAN_CMD_H

/* Runs the subcommand argv[1] names and returns its exit status; -1 when argv[1] names none
 * (then argv is a scan's command line). */
int p3s_subcommand(int argc, char **argv);

#endif
