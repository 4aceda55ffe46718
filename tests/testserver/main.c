/* main.c - p3testd, the scriptable POP3 test server: command line,
 * listeners, the ready file that tells test scripts the chosen ports, and
 * clean shutdown on SIGTERM/SIGINT. Connection handling is in conn.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "conn.h"
#include "script.h"
#include "tls.h"

#define BACKLOG 4096
#define ACCEPT_RETRY_MS 100	/* pause accepting this long when out of fds */

struct listener {
	const char *spec;		/* ADDR:PORT as given */
	int tls;			/* implicit TLS */
	struct sockaddr_storage addr;	/* bound address, real port */
	struct evconnlistener *lev;
	struct event *retry;		/* re-enables accepting after EMFILE */
};

struct options {
	struct listener *ls;
	size_t nls;
	const char *cert, *key, *ready, *script;
	int check;
	uint32_t delay_ms, tls_delay_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p3testd --listen ADDR:PORT [--listen ...] "
		"[--tls-listen ADDR:PORT ...]\n"
		"               [--cert FILE --key FILE] [--ready-file FILE] "
		"[--delay MS] [--tls-delay MS] SCRIPTFILE\n"
		"       p3testd --check SCRIPTFILE   (parse the script only)\n"
		"ADDR is 0.0.0.0, 127.0.0.1, [::1], ...; PORT 0 picks a free "
		"port.\n"
		"--delay MS: every greeting and answer waits MS first (a "
		"network round trip).\n"
		"--tls-delay MS: on an implicit-TLS listener the handshake "
		"starts MS after the ClientHello came.\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-listen", required_argument, NULL, 't' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "check", no_argument, NULL, 'C' },
		{ "delay", required_argument, NULL, 'd' },
		{ "tls-delay", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->ls = calloc((size_t)argc, sizeof(*o->ls));
	if (!o->ls)
		return -1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
		case 't':
			o->ls[o->nls].spec = optarg;
			o->ls[o->nls++].tls = ch == 't';
			break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'r': o->ready = optarg; break;
		case 'C': o->check = 1; break;
		case 'd':
		case 'D': {
			char *end;
			unsigned long ms = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || ms > 3600000)
				return -1;
			*(ch == 'd' ? &o->delay_ms : &o->tls_delay_ms) = (uint32_t)ms;
			break;
		}
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (optind != argc - 1 || (o->key && !o->cert))
		return -1;
	if (!o->check && o->nls == 0)
		return -1;
	o->script = argv[optind];
	if (o->cert && !o->key)	/* one PEM file holding both */
		o->key = o->cert;
	return 0;
}

/* Thousands of concurrent test connections need more than the usual 1024. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
		      struct sockaddr *peer, int peerlen, void *arg)
{
	struct listener *l = arg;

	(void)lev;
	(void)peer;
	(void)peerlen;
	conn_accept(fd, l->tls);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l->lev);
}

/* Out of descriptors: the listening socket stays readable, so without a
 * pause we would spin; stop accepting briefly until connections end. */
static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { 0, ACCEPT_RETRY_MS * 1000 };

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	evconnlistener_disable(lev);
	evtimer_add(l->retry, &tv);
}

/* ADDR:PORT with ADDR an IPv4 literal or a bracketed IPv6 literal.
 * (evutil_parse_sockaddr_port refuses port 0, which we need.) */
static int parse_listen(const char *spec, struct sockaddr_storage *ss,
			int *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon = strrchr(spec, ':');
	size_t hlen;
	long port;

	if (!colon || colon == spec)
		return -1;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[') {	/* [v6]:port */
		if (spec[hlen - 1] != ']' || hlen < 3)
			return -1;
		spec++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = (int)sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = (int)sizeof(*in6);
		return 0;
	}
	return -1;
}

static int bind_listener(struct event_base *base, struct listener *l)
{
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
			 LEV_OPT_CLOSE_ON_EXEC;
	int len, one = 1;
	socklen_t slen;

	if (parse_listen(l->spec, &l->addr, &len) < 0) {
		fprintf(stderr, "p3testd: bad listen address '%s'\n", l->spec);
		return -1;
	}
	/* v6-only keeps '[::]:P' and '0.0.0.0:P' independent of each other */
	if (l->addr.ss_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	l->lev = evconnlistener_new_bind(base, accept_cb, l, flags, BACKLOG,
					 (struct sockaddr *)&l->addr, len);
	if (!l->lev) {
		fprintf(stderr, "p3testd: cannot listen on %s: %s\n", l->spec,
			evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return -1;
	}
	l->retry = evtimer_new(base, retry_cb, l);
	if (!l->retry)
		return -1;
	evconnlistener_set_error_cb(l->lev, accept_error_cb);
	/* Accepted sockets inherit it (Linux): drip bytes leave one by one. */
	setsockopt(evconnlistener_get_fd(l->lev), IPPROTO_TCP, TCP_NODELAY,
		   &one, sizeof(one));
	slen = sizeof(l->addr);	/* learn the port the kernel picked */
	return getsockname(evconnlistener_get_fd(l->lev),
			   (struct sockaddr *)&l->addr, &slen);
}

static void format_addr(const struct sockaddr_storage *ss, char *host,
			size_t hostlen, unsigned *port)
{
	const void *a;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		a = &in6->sin6_addr;
		*port = ntohs(in6->sin6_port);
	} else {
		const struct sockaddr_in *in = (const void *)ss;

		a = &in->sin_addr;
		*port = ntohs(in->sin_port);
	}
	if (!evutil_inet_ntop(ss->ss_family, a, host, hostlen))
		snprintf(host, hostlen, "?");
}

/* Written to a temporary name and renamed, so a test polling for the file
 * never reads half of it. */
static int write_ready(const char *path, const struct options *o)
{
	char tmp[PATH_MAX], host[INET6_ADDRSTRLEN];
	unsigned port;
	size_t i;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "p3testd: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < o->nls; i++) {
		format_addr(&o->ls[i].addr, host, sizeof(host), &port);
		fprintf(f, "%s %s %u\n", o->ls[i].tls ? "tls" : "plain", host,
			port);
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "p3testd: cannot write %s: %s\n", path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct conn_server *srv = arg;

	(void)what;
	if (sig == SIGUSR1) {	/* lets leak and tarpit tests look inside */
		fprintf(stderr, "p3testd: active %lu total %lu\n", srv->active,
			srv->total);
		return;
	}
	event_base_loopbreak(srv->base);
}

static int add_signals(struct conn_server *srv, struct event **sigs)
{
	static const int which[3] = { SIGTERM, SIGINT, SIGUSR1 };
	int i;

	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(srv->base, which[i], signal_cb, srv);
		if (!sigs[i] || evsignal_add(sigs[i], NULL) < 0)
			return -1;
	}
	return 0;
}

/* Prefer a backend that reports a peer's close without reading (epoll
 * EPOLLRDHUP): the 'stall' tarpit needs it to stay silent yet not leak. */
static struct event_base *make_base(int *early_close)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg) {
		event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
		base = event_base_new_with_config(cfg);
		event_config_free(cfg);
	}
	if (!base)
		base = event_base_new();
	*early_close = base && (event_base_get_features(base) &
				EV_FEATURE_EARLY_CLOSE);
	return base;
}

static int need_tls(const struct options *o, const struct script *s)
{
	size_t i;

	if (s->uses_starttls)
		return 1;
	for (i = 0; i < o->nls; i++)
		if (o->ls[i].tls)
			return 1;
	return 0;
}

static int serve(struct options *o, struct script *s)
{
	struct conn_server srv;
	struct event *sigs[3] = { NULL, NULL, NULL };
	size_t i;
	int rc = 1;

	memset(&srv, 0, sizeof(srv));
	srv.script = s;
	srv.delay_ms = o->delay_ms;
	srv.tls_delay_ms = o->tls_delay_ms;
	srv.base = make_base(&srv.early_close);
	if (!srv.base) {
		fprintf(stderr, "p3testd: cannot create event base\n");
		return 1;
	}
	if (need_tls(o, s) && !(srv.tls = tls_server_ctx(o->cert, o->key)))
		goto out;
	conn_init(&srv);
	/* before the ready file: a test may signal us as soon as it sees it */
	if (add_signals(&srv, sigs) < 0)
		goto out;
	for (i = 0; i < o->nls; i++)
		if (bind_listener(srv.base, &o->ls[i]) < 0)
			goto out;
	if (o->ready && write_ready(o->ready, o) < 0)
		goto out;
	rc = event_base_dispatch(srv.base) < 0;
out:
	for (i = 0; i < 3; i++)
		if (sigs[i])
			event_free(sigs[i]);
	conn_free_all();
	for (i = 0; i < o->nls; i++) {
		if (o->ls[i].lev)
			evconnlistener_free(o->ls[i].lev);
		if (o->ls[i].retry)
			event_free(o->ls[i].retry);
	}
	if (srv.tls)
		SSL_CTX_free(srv.tls);
	event_base_free(srv.base);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	struct script s;
	int rc;

	if (parse_args(argc, argv, &o) < 0) {
		free(o.ls);	/* a leak report would turn exit 2 into 1 */
		usage(stderr);
		return 2;
	}
	if (script_load(&s, o.script) < 0) {
		script_free(&s);
		free(o.ls);
		return 2;
	}
	if (o.check) {
		script_free(&s);
		free(o.ls);
		return 0;
	}
	/* Writes to peers that already left must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	rc = serve(&o, &s);
	script_free(&s);
	free(o.ls);
	return rc;
}
