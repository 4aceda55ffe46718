/* cmd_report.h — the `pop3scan report` subcommand (cmd_report.c); main.c dispatches to it. */
#ifndef POP3SCAN_CMD_REPORT_H
#define POP3SCAN_CMD_REPORT_H

/* argv[0] is "report". Returns the exit status: 0 written, 2 bad usage or input, 3 the report
 * could not be written. */
int p3s_cmd_report(int argc, char **argv);

#endif
