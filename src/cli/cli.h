/* cli.h — the command line, parsed into a struct p3s_config. A thin layer: it validates every
 * option and target up front so that bad input is exit status 2 with a message naming it. */
#ifndef POP3SCAN_CLI_H
#define POP3SCAN_CLI_H

#include "config.h"

/* Returns 0 to go on, 2 for bad usage (message printed), or -1 after --help/--version. */
int p3s_cli_parse(int argc, char **argv, struct p3s_config *cfg);
void p3s_cli_free(struct p3s_config *cfg);
/* --resume with a new state file: writes it now, seed included, so that a state that cannot be
 * saved stops the scan before it starts rather than at its end. Called once the outputs are
 * open. Returns 0, or 2 (said on stderr). */
int p3s_cli_save_new_resume(struct p3s_config *cfg);
/* Parses a duration: "5" and "5s" are seconds, "250ms" milliseconds, "1.5" seconds, "2m"
 * minutes, "1h" an hour; from 1 ms to 1 h. */
int p3s_parse_duration_ms(const char *s, int *out);
/* --discover-names FILE into cfg (discover_names). Returns 0, or 2 after a message naming the
 * file and line. */
int p3s_cli_load_names(const char *path, struct p3s_config *cfg);

#endif
