/* injprobe.h — the STLS command injection check (issue 19; CVE-2011-0411, CVE-2011-1926).
 *
 * One connection of its own, after the dialogue, to a cleartext port whose STLS upgrade worked:
 * greeting, then "STLS\r\nCAPA\r\n" in one write, the TLS handshake after +OK, then only QUIT
 * under TLS, and every line up to the close. lib/pop3 (p3_inject_*) turns those lines into the
 * verdict; pop3.h says why it needs no timing: a vulnerable server answers the injected CAPA,
 * with a multi-line list, before it answers QUIT, and a list is something we never asked for
 * under TLS. On its own connection because answering an injected command can break the server
 * (CPython's poplib test server dies of it), and the dialogue's STLS result must not depend on
 * that.
 *
 * Cleartext lines after +OK and before the ServerHello (a server that answers the pipelined CAPA
 * in cleartext, then does TLS) are set aside by the strip BIO (tlsstrip.h) and reported as
 * cleartext after STLS, never as the injection. Driven by the caller's libevent loop; the
 * callback runs exactly once per probe started, never from inside p3s_injprobe_start, after the
 * probe's socket and timer are released.
 */
#ifndef POP3SCAN_INJPROBE_H
#define POP3SCAN_INJPROBE_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <sys/socket.h>

#include "pop3.h"

struct event_base;

struct p3s_injprobe_result {
    enum p3_inject_verdict verdict; /* never P3_INJ_UNKNOWN */
    const char *detail;             /* what it rests on, in words */
    const char *evidence;           /* the lines received under TLS, joined by \n (may hold NUL) */
    size_t evidence_len;
    const char *cleartext;          /* cleartext lines after +OK to STLS, joined by \n */
    size_t cleartext_len;
};

/* Everything in result is only valid during the call. */
typedef void (*p3s_injprobe_cb)(void *arg, const struct p3s_injprobe_result *result);

/* Starts the check of the cleartext POP3 port at sa with the TLS context ctx (its settings as
 * the dialogue's; not verified here). sni: the server name, or NULL. settle_ms > 0: after the
 * greeting wait that long before sending (for a server already seen answering out of step: a
 * late extra line must not be taken as STLS's answer). step_ms bounds each wait for the server,
 * total_ms the whole check. Returns 0 when started (cb will be called once), -1 with errno when
 * no socket could be made or the arguments are bad. */
int p3s_injprobe_start(struct event_base *base, SSL_CTX *ctx, const struct sockaddr *sa,
                       socklen_t salen, const char *sni, int settle_ms, int step_ms,
                       int total_ms, p3s_injprobe_cb cb, void *arg);

/* Checks started and not yet reported. */
size_t p3s_injprobe_active(void);

/* Ends every check in flight now, each reporting inconclusive "aborted" (second SIGINT). */
void p3s_injprobe_abort_all(void);

#endif
