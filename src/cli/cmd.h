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

#include <stddef.h>

#include "store.h"

/* Runs the subcommand argv[1] names and returns its exit status; -1 when argv[1] names none
 * (then argv is a scan's command line). */
int p3s_subcommand(int argc, char **argv);

int p3s_cmd_diff(int argc, char **argv);
int p3s_cmd_history(int argc, char **argv);
int p3s_cmd_db(int argc, char **argv);
int p3s_cmd_discover(int argc, char **argv);

/* Opens the history: --db FILE when given, else the default file. Returns the store, or NULL
 * after a message on stderr with *status set: 2 when there is no history there yet, 3 when it
 * cannot be used. */
struct p3s_store *p3s_cmd_open_store(const char *cmd, const char *db, enum p3s_store_mode mode,
                                     int *status);
/* A message "pop3scan CMD: bad value 'VAL' for OPT: WHY" and the hint; returns 2. */
int p3s_cmd_bad(const char *cmd, const char *opt, const char *val, const char *why);
/* The unknown-option / missing-value message of getopt's ':' and '?' cases; returns 2. */
int p3s_cmd_usage_error(const char *cmd, int c, int optopt_, const char *arg);

#endif
