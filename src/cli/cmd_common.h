/* cmd_common.h — what the subcommands (cmd_*.c) share: opening the history, and the messages
 * for bad usage in the words every subcommand uses. */
#ifndef POP3SCAN_CMD_COMMON_H
#define POP3SCAN_CMD_COMMON_H

#include "store.h"

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
