/* cmd_discover.h — `pop3scan discover DOMAIN...`: the mail hosts --discover would scan, from DNS
 * only (cmd_discover.c); cmd.c dispatches to it. */
#ifndef POP3SCAN_CMD_DISCOVER_H
#define POP3SCAN_CMD_DISCOVER_H

/* argv[0] is "discover". Returns the exit status: 0 done, 2 bad usage or input (a domain
 * that is not one), 3 DNS could not be set up. */
int p3s_cmd_discover(int argc, char **argv);

#endif
