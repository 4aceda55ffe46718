/* scanstore.h — a scan's own history: the scan row, and an output module (not one -f can
 * name) that hands every finished record to the store's writer thread.
 *
 * The history never costs the scan its output. When the store cannot be opened or fails midway
 * (a full disk, a read-only or corrupt file, a file of a newer pop3scan, a lock held past the
 * busy timeout), one warning goes to standard error, the scan goes on writing its outputs, and
 * the scan row is left incomplete. With --db the exit status is then 3; without it (the default
 * file) the exit status is not changed: a scan that did not ask for the history does not fail
 * because the home directory is read-only (README, "Scan history").
 *
 * A shard of a campaign (--campaign) is different: its records are the point of it. A store
 * that cannot be opened, or a campaign that refuses the shard, stops it before it scans (exit
 * status 3, or 2 for a refusal), and a store that fails midway stops the scan (exit status 3).
 */
#ifndef POP3SCAN_SCANSTORE_H
#define POP3SCAN_SCANSTORE_H

#include "config.h"
#include "output.h"

struct p3s_scanstore;

/* Keeps a copy of the command line as given (getopt reorders argv while parsing). */
void p3s_scanstore_argv(int argc, char **argv);
/* Opens the store for a scan and records the scan row; NULL with --no-db (or out of memory).
 * A store that cannot be used gives a handle all the same, after its warning. */
struct p3s_scanstore *p3s_scanstore_open(const struct p3s_config *cfg);
/* Nonzero when the scan must not run: the exit status (a campaign's shard refused, 2, or
 * without its store, 3); the reason was said. */
int p3s_scanstore_refused(const struct p3s_scanstore *ss);
/* Fills o with the history's output module when the store is in use; returns 1 then, else 0. */
int p3s_scanstore_output(struct p3s_scanstore *ss, struct p3s_output *o);
/* Ends the scan row (if the scan never reached its end, it failed) and closes the store.
 * Returns 3 when a store named by --db failed, else 0. */
int p3s_scanstore_close(struct p3s_scanstore *ss);

#endif
