/* conn.h - the per-connection engine: runs a profile's action lists over a
 * plain or TLS bufferevent, driven entirely by libevent callbacks. */
#ifndef P3T_CONN_H
#define P3T_CONN_H

#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "script.h"

struct conn_server {
	struct event_base *base;
	const struct script *script;
	SSL_CTX *tls;		/* NULL when nothing needs TLS */
	int early_close;	/* backend can report peer close (EV_CLOSED) */
	unsigned long active;	/* connections open now */
	unsigned long total;	/* connections accepted so far */
	uint32_t delay_ms;	/* --delay: every greeting and answer waits this
				 * long first (a network's round trip) */
	uint32_t tls_delay_ms;	/* --tls-delay: an implicit-TLS handshake
				 * starts this long after the accept, so the
				 * ServerHello comes a round trip late */
	/* When set, sees every client line before its handler runs (CR LF
	 * removed; conn tells connections apart, tls says the line came
	 * over TLS). In-process users (the session fuzzer, the engine's unit
	 * test) check what the client sends with it. */
	void (*on_line)(void *ctx, const void *conn, const char *line,
			size_t len, int tls);
	void *line_ctx;
};

/* Remember the server context; must precede conn_accept. */
void conn_init(struct conn_server *srv);

/* Take over an accepted, non-blocking socket. TLS_LISTENER says whether it
 * came from an implicit-TLS listener. */
void conn_accept(evutil_socket_t fd, int tls_listener);

/* Close every open connection (used at shutdown). */
void conn_free_all(void);

#endif
