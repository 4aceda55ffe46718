/* cmd_diff.h — `pop3scan diff [OLD [NEW]]`: what changed between two scans (cmd_diff.c); cmd.c dispatches to it. */
#ifndef POP3SCAN_CMD_DIFF_H
#define POP3SCAN_CMD_DIFF_H

/* argv[0] is "diff". Returns the exit status: 0 no change (or no --fail-on-change), 1 --fail-on-change found changes, 2 bad usage or input, 3 the history cannot be read. */
int p3s_cmd_diff(int argc, char **argv);

#endif
