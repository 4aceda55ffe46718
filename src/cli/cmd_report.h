/* cmd_report.h — `pop3scan report`: the HTML or Markdown report of a scan, from JSONL files or the history (cmd_report.c); cmd.c dispatches to it. */
#ifndef POP3SCAN_CMD_REPORT_H
#define POP3SCAN_CMD_REPORT_H

/* argv[0] is "report". Returns the exit status: 0 written, 2 bad usage or input, 3 the report could not be written. */
int p3s_cmd_report(int argc, char **argv);

#endif
