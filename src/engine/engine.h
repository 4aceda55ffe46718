/* scan.h — the I/O engine: one libevent loop that resolves targets (c-ares), opens connections,
 * drives TLS and STLS, enforces timeouts and deadlines, and hands each finished record to the
 * outputs. The protocol decisions are the core's (lib/pop3); this layer owns sockets and time.
 */
#ifndef POP3SCAN_SCAN_H
#define POP3SCAN_SCAN_H

#include "config.h"
#include "output.h"

/* Runs the whole scan. Returns 0 when it ran, 3 on a fatal runtime error (message on stderr). */
int p3s_scan_run(const struct p3s_config *cfg, struct p3s_output *outs, size_t nouts,
                 struct p3s_summary *sum);

#endif
