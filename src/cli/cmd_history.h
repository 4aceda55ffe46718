/* cmd_history.h — `pop3scan history [TARGET]`: the scans, or one target's states over time (cmd_history.c); cmd.c dispatches to it. */
#ifndef POP3SCAN_CMD_HISTORY_H
#define POP3SCAN_CMD_HISTORY_H

/* argv[0] is "history". Returns the exit status: 0 shown, 2 bad usage or no history, 3 the history cannot be read. */
int p3s_cmd_history(int argc, char **argv);

#endif
