/* cmd_db.h — `pop3scan db prune|vacuum|path`: upkeep of the history (cmd_db.c); cmd.c dispatches to it. */
#ifndef POP3SCAN_CMD_DB_H
#define POP3SCAN_CMD_DB_H

/* argv[0] is "db". Returns the exit status: 0 done, 2 bad usage or no history, 3 the history cannot be read or written. */
int p3s_cmd_db(int argc, char **argv);

#endif
