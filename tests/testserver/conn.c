/* conn.c - per-connection engine of p3testd. Each connection runs at most
 * one action list at a time (the profile's start list, then one handler
 * list per client line); an action that has to wait (sleep, drip, a flood
 * waiting for the peer, a flush before close/reset/starttls, a TLS
 * handshake) parks the list and the matching callback resumes it. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#define LINE_CAP 4096		/* longest client line we look at */
#define INPUT_HWM 16384		/* stop reading while this much is unparsed */
#define FLOOD_HIGH 262144	/* refill a flood only below this much queued */
#define COPY_MAX 4096		/* longer strings are queued by reference */
#define LINGER_MS 3000		/* after our FIN, wait this long for the peer's */
#define RESET_POLL_MS 2		/* before an RST, poll until sent data is acked */
#define RESET_POLL_MAX 250

enum state {
	ST_TLS_WAIT,	/* --tls-delay: the handshake has not started yet */
	ST_HANDSHAKE,	/* TLS handshake running (implicit TLS or starttls) */
	ST_ACTIVE,	/* running a list, or waiting for a client line */
	ST_CLOSING,	/* flushing, then FIN, then waiting for the peer's FIN */
	ST_STALLED,	/* tarpit: nothing happens until the peer leaves */
	ST_RESETTING	/* waiting for sent bytes to be acked, then RST */
};

enum wait { W_NONE, W_TIMER, W_DRAIN };

/* Result of one action step. STOP: the list is over and the connection
 * may already be freed, so the caller must not touch it again. */
enum step { STEP_DONE, STEP_BLOCK, STEP_STOP };

struct conn {
	struct conn *prev, *next;	/* all connections, for shutdown */
	struct bufferevent *bev;
	const struct profile *prof;
	const struct action *acts;	/* running list; NULL: idle */
	uint32_t nacts, pc;
	uint64_t progress;		/* state of the current action */
	struct event *timer;		/* created on first use */
	struct event *watch;		/* stall: peer-close watcher */
	evutil_socket_t fd;
	uint8_t state, wait;
	uint8_t tls, peer_eof, fin_sent;
	uint8_t delayed;		/* the running list waited out --delay */
};

static struct conn_server *srv;
static struct conn *conns;

static void drive(struct conn *c);

void conn_init(struct conn_server *s)
{
	srv = s;
}

static void conn_free(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->timer)
		event_free(c->timer);
	if (c->watch)
		event_free(c->watch);
	/* Closes the socket (BEV_OPT_CLOSE_ON_FREE) after libevent has
	 * dropped its events, and frees the SSL object. */
	if (c->bev)
		bufferevent_free(c->bev);
	else
		evutil_closesocket(c->fd);
	free(c);
	srv->active--;
}

void conn_free_all(void)
{
	while (conns)
		conn_free(conns);
}

/* Plain sockets are written directly when output is queued, and EV_WRITE
 * is enabled only while the kernel will not take everything: waiting for
 * EPOLLOUT on every response would cost two epoll_ctl calls and a loop
 * round trip each, a large share of the work at 20k connections/s. TLS
 * bufferevents keep EV_WRITE enabled and write for themselves. */
static void send_now(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) == 0)
		return;
	if (!c->tls && !(bufferevent_get_enabled(c->bev) & EV_WRITE)) {
		/* bufferevents keep the output's start frozen between their
		 * own writes; thaw it as they do. Errors surface via the bev. */
		evbuffer_unfreeze(out, 1);
		evbuffer_write(out, c->fd);
		evbuffer_freeze(out, 1);
	}
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(c->bev, EV_WRITE);
}

/* Everything queued has reached the kernel (or TLS layer). */
static int flushed(struct conn *c)
{
	send_now(c);
	return evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg);

static int arm_timer(struct conn *c, uint32_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;

	if (!c->timer)
		c->timer = evtimer_new(srv->base, timer_cb, c);
	return c->timer ? evtimer_add(c->timer, &tv) : -1;
}

static void run_list(struct conn *c, const struct action_list *l)
{
	c->acts = l->v;
	c->nacts = (uint32_t)l->n;
	c->pc = 0;
	c->progress = 0;
	c->delayed = srv->delay_ms == 0;
}

/* ---- ending a connection -------------------------------------------- */

/* Our FIN, then keep reading until the peer's FIN: closing with unread
 * input would make the kernel send RST instead of FIN. */
static void half_close(struct conn *c)
{
	if (c->peer_eof) {
		conn_free(c);
		return;
	}
	if (c->tls)
		SSL_shutdown(bufferevent_openssl_get_ssl(c->bev));
	shutdown(c->fd, SHUT_WR);
	c->fin_sent = 1;
	if (arm_timer(c, LINGER_MS) < 0)
		conn_free(c);
}

static void begin_close(struct conn *c)
{
	c->state = ST_CLOSING;
	c->acts = NULL;
	c->wait = W_NONE;
	if (flushed(c))
		half_close(c);
	/* else write_cb calls half_close once the output is out */
}

/* RST via SO_LINGER {1,0}. Bytes handed to the kernel but not yet acked
 * would be thrown away by the RST, so first wait (briefly) until the send
 * queue is empty: 'send "+OK hel" ; reset' must deliver the partial line. */
static void try_reset(struct conn *c)
{
	struct linger lg = { 1, 0 };
	int unsent = 0;

#ifdef SIOCOUTQ
	if (ioctl(c->fd, SIOCOUTQ, &unsent) < 0)
		unsent = 0;
#endif
	if (unsent > 0 && c->progress++ < RESET_POLL_MAX &&
	    arm_timer(c, RESET_POLL_MS) == 0)
		return;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_free(c);
}

static void begin_reset(struct conn *c)
{
	c->state = ST_RESETTING;
	c->acts = NULL;
	c->wait = W_NONE;
	c->progress = 0;
	try_reset(c);
}

static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

/* Tarpit: stop reading, send nothing more (bytes already queued still go
 * out). EV_CLOSED tells us when the peer leaves without us reading; where
 * the backend lacks it we keep reading and discard, the only other way to
 * notice. */
static void stall(struct conn *c)
{
	c->state = ST_STALLED;
	c->acts = NULL;
	c->wait = W_NONE;
	send_now(c);
	if (!srv->early_close)
		return;
	bufferevent_disable(c->bev, EV_READ);
	c->watch = event_new(srv->base, c->fd, EV_CLOSED, watch_cb, c);
	if (!c->watch || event_add(c->watch, NULL) < 0)
		conn_free(c);
}

/* ---- TLS ------------------------------------------------------------ */

static void read_cb(struct bufferevent *bev, void *arg);
static void write_cb(struct bufferevent *bev, void *arg);
static void event_cb(struct bufferevent *bev, short what, void *arg);

static void bev_setup(struct conn *c)
{
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, INPUT_HWM);
	if (!c->tls)	/* new bufferevents start with EV_WRITE on */
		bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_enable(c->bev, c->tls ? EV_READ | EV_WRITE : EV_READ);
}

static struct bufferevent *tls_bev(evutil_socket_t fd)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(srv->tls);

	if (!ssl)
		return NULL;
	/* On failure libevent frees ssl (BEV_OPT_CLOSE_ON_FREE), not fd. */
	bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
					     BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev)	/* peers that just close are EOF, not an error */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Replace the plain bufferevent by a TLS one on a dup of the socket: the
 * old one may only really be released after the current callback returns
 * and then closes its own descriptor. Input the client sent after the
 * command that triggered starttls (before seeing our answer) is dropped. */
static enum step start_tls(struct conn *c, int keep)
{
	struct bufferevent *nb;
	evutil_socket_t nfd;

	if (c->tls || !srv->tls) {
		conn_free(c);
		return STEP_STOP;
	}
	nfd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
	nb = nfd < 0 ? NULL : tls_bev(nfd);
	if (!nb) {
		if (nfd >= 0)
			close(nfd);
		conn_free(c);
		return STEP_STOP;
	}
	/* 'starttls keep': the cleartext lines that followed the command are
	 * handled after the handshake as if they had come over TLS, the flaw
	 * of CVE-2011-0411 and CVE-2011-1926. */
	if (keep)
		evbuffer_add_buffer(bufferevent_get_input(nb),
				    bufferevent_get_input(c->bev));
	bufferevent_free(c->bev);
	c->bev = nb;
	c->fd = nfd;
	c->tls = 1;
	c->state = ST_HANDSHAKE;
	bev_setup(c);
	return STEP_BLOCK;
}

/* Handshake finished: implicit TLS starts the profile, starttls resumes. */
static void tls_ready(struct conn *c)
{
	c->state = ST_ACTIVE;
	if (c->acts) {
		c->progress = 1;	/* the starttls step is complete */
	} else {
		run_list(c, &c->prof->start);
	}
	drive(c);
}

/* ---- actions -------------------------------------------------------- */

static int queue(struct conn *c, const unsigned char *p, size_t n)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	/* Script bytes live as long as the process, so big ones can be
	 * referenced instead of copied into every connection's buffer. */
	if (n > COPY_MAX)
		return evbuffer_add_reference(out, p, n, NULL, NULL);
	return evbuffer_add(out, p, n);
}

static enum step wait_timer(struct conn *c, uint32_t ms)
{
	if (arm_timer(c, ms) < 0) {
		conn_free(c);
		return STEP_STOP;
	}
	c->wait = W_TIMER;
	return STEP_BLOCK;
}

static enum step wait_drain(struct conn *c)
{
	c->wait = W_DRAIN;
	return STEP_BLOCK;
}

static enum step step_drip(struct conn *c, const struct action *a)
{
	if (c->progress >= a->len)
		return STEP_DONE;
	if (queue(c, a->data + c->progress, 1) < 0) {
		conn_free(c);
		return STEP_STOP;
	}
	if (++c->progress >= a->len)
		return STEP_DONE;
	return wait_timer(c, a->ms);
}

/* Stream whole tiles (the tile is the pattern repeated), and a prefix of
 * one for the tail; only FLOOD_HIGH bytes are ever queued at once. */
static enum step step_flood(struct conn *c, const struct action *a)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (c->progress < a->total && evbuffer_get_length(out) < FLOOD_HIGH) {
		uint64_t left = a->total - c->progress;
		size_t n = left < a->len ? (size_t)left : a->len;

		if (evbuffer_add_reference(out, a->data, n, NULL, NULL) < 0) {
			conn_free(c);
			return STEP_STOP;
		}
		c->progress += n;
	}
	return c->progress < a->total ? wait_drain(c) : STEP_DONE;
}

static enum step step(struct conn *c, const struct action *a)
{
	switch (a->type) {
	case ACT_SEND:
		if (queue(c, a->data, a->len) < 0) {
			conn_free(c);
			return STEP_STOP;
		}
		return STEP_DONE;
	case ACT_SLEEP:
		if (c->progress)
			return STEP_DONE;
		c->progress = 1;
		return wait_timer(c, a->ms);
	case ACT_DRIP:
		return step_drip(c, a);
	case ACT_FLOOD:
		return step_flood(c, a);
	case ACT_CLOSE:
		if (!flushed(c))
			return wait_drain(c);
		begin_close(c);
		return STEP_STOP;
	case ACT_RESET:
		if (!flushed(c))
			return wait_drain(c);
		begin_reset(c);
		return STEP_STOP;
	case ACT_STARTTLS:
		if (c->progress)
			return STEP_DONE;
		if (!flushed(c))
			return wait_drain(c);
		return start_tls(c, a->keep);
	case ACT_STALL:
		stall(c);
		return STEP_STOP;
	}
	return STEP_DONE;
}

/* ---- input ---------------------------------------------------------- */

/* Take one line (CRLF or LF; a line longer than LINE_CAP is cut into
 * pieces) and start its handler. Returns 0 if no complete line is buffered. */
static int next_line(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr eol;
	const struct handler *h;
	char line[LINE_CAP];
	size_t eol_len = 0, len;

	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
	if (eol.pos < 0) {
		if (evbuffer_get_length(in) < LINE_CAP)
			return 0;
		len = LINE_CAP;
	} else {
		len = (size_t)eol.pos < LINE_CAP ? (size_t)eol.pos : LINE_CAP;
	}
	evbuffer_remove(in, line, len);
	if (eol.pos >= 0 && (size_t)eol.pos == len)
		evbuffer_drain(in, eol_len);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (srv->on_line)
		srv->on_line(srv->line_ctx, c, line, len, c->tls);
	h = profile_handler(c->prof, line, len);
	if (h)
		run_list(c, &h->acts);
	return 1;
}

/* Run actions until one blocks; when idle, take the next client line.
 * Returns 0 when the connection is gone or no longer runs scripts. */
static int run(struct conn *c)
{
	while (c->state == ST_ACTIVE && c->wait == W_NONE) {
		if (c->acts && c->pc < c->nacts) {
			enum step r;

			if (!c->delayed) {	/* the reply's round trip */
				c->delayed = 1;
				if (wait_timer(c, srv->delay_ms) == STEP_STOP)
					return 0;
				break;
			}
			r = step(c, &c->acts[c->pc]);

			if (r == STEP_STOP)
				return 0;
			if (r == STEP_BLOCK)
				break;
			c->pc++;
			c->progress = 0;
			continue;
		}
		c->acts = NULL;
		if (!next_line(c)) {
			/* Half-closed by the peer and nothing left to answer. */
			if (c->peer_eof) {
				begin_close(c);
				return 0;
			}
			break;
		}
	}
	return 1;
}

static void drive(struct conn *c)
{
	while (run(c)) {
		send_now(c);
		if (c->wait != W_DRAIN ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			return;
		c->wait = W_NONE;	/* the kernel took it all at once */
	}
}

/* ---- callbacks ------------------------------------------------------ */

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == ST_ACTIVE)
		drive(c);
	else	/* closing, resetting or stalled: input no longer matters */
		evbuffer_drain(bufferevent_get_input(bev),
			       evbuffer_get_length(bufferevent_get_input(bev)));
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	/* Called once the output is empty; see send_now. */
	if (!c->tls)
		bufferevent_disable(bev, EV_WRITE);
	if (c->state == ST_ACTIVE && c->wait == W_DRAIN) {
		c->wait = W_NONE;
		drive(c);
	} else if (c->state == ST_CLOSING && !c->fin_sent) {
		half_close(c);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		tls_ready(c);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/* Answer what the peer sent before its FIN, then close. */
		if (c->state == ST_ACTIVE) {
			c->peer_eof = 1;
			drive(c);
			return;
		}
		if (c->state == ST_CLOSING && !c->fin_sent) {
			c->peer_eof = 1;
			return;
		}
	}
	conn_free(c);
}

/* --tls-delay: the ClientHello came (or the peer left); the handshake
 * starts --tls-delay later, the ServerHello a round trip after the hello. */
static void hello_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	event_free(c->watch);
	c->watch = NULL;
	if (arm_timer(c, srv->tls_delay_ms) < 0)
		conn_free(c);
}

/* --tls-delay is over: the ClientHello, waiting in the socket, is read
 * now. */
static void start_delayed_tls(struct conn *c)
{
	c->bev = tls_bev(c->fd);
	if (!c->bev) {
		conn_free(c);
		return;
	}
	c->state = ST_HANDSHAKE;
	bev_setup(c);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	switch (c->state) {
	case ST_ACTIVE:
		if (c->wait == W_TIMER) {
			c->wait = W_NONE;
			drive(c);
		}
		break;
	case ST_CLOSING:	/* the peer never sent its FIN */
		conn_free(c);
		break;
	case ST_RESETTING:
		try_reset(c);
		break;
	case ST_TLS_WAIT:
		start_delayed_tls(c);
		break;
	default:
		break;
	}
}

/* ---- accept --------------------------------------------------------- */

static const struct profile *pick_profile(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	/* getsockname costs a syscall; only match rules need it. */
	if (!srv->script->needs_local_addr ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return script_pick(srv->script, NULL);
	return script_pick(srv->script, (struct sockaddr *)&ss);
}

void conn_accept(evutil_socket_t fd, int tls_listener)
{
	const struct profile *prof = pick_profile(fd);
	struct conn *c;
	int do_tls;
#ifndef __linux__
	int one = 1;
#endif

	if (!prof || !(c = calloc(1, sizeof(*c)))) {
		evutil_closesocket(fd);
		return;
	}
#ifndef __linux__
	/* drip and partial lines must leave at once, not wait for Nagle;
	 * Linux inherits TCP_NODELAY from the listener, saving a syscall. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#endif
	c->fd = fd;
	c->prof = prof;
	do_tls = tls_listener && prof->tls == TLSMODE_NORMAL && srv->tls;
	if (do_tls && srv->tls_delay_ms)	/* made when the delay is over */
		c->bev = NULL;
	else
		c->bev = do_tls ? tls_bev(fd) :
			bufferevent_socket_new(srv->base, fd,
					       BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev && !(do_tls && srv->tls_delay_ms)) {
		/* out of memory; libevent did not take fd */
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	srv->active++;
	srv->total++;
	c->tls = (uint8_t)do_tls;
	if (!c->bev) {	/* --tls-delay: wait for the ClientHello first */
		c->state = ST_TLS_WAIT;
		c->watch = event_new(srv->base, fd, EV_READ, hello_cb, c);
		if (!c->watch || event_add(c->watch, NULL) < 0)
			conn_free(c);
		return;
	}
	bev_setup(c);
	c->state = do_tls ? ST_HANDSHAKE : ST_ACTIVE;
	if (tls_listener && prof->tls == TLSMODE_STALL) {
		stall(c);
	} else if (!do_tls) {
		run_list(c, &prof->start);
		drive(c);
	}
}
