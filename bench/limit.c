/*
 * bench/limit.c — the reference client: the least a scanner can do to get the answers pop3scan
 * gets by default from a POP3 server that offers no STLS. For every address of an IPv4 CIDR:
 * a non-blocking connect, read the greeting line, send "CAPA", read the multi-line answer up
 * to the "." line, send "USER <random name>", read one line, send "QUIT", read one line, close.
 * No DNS, no output per target: one summary at the end. One thread, epoll directly, CONCURRENCY
 * connections in flight, a per-connection timeout (whole dialogue) so that it always ends.
 *
 *   cc -O2 -Wall -Wextra -Werror bench/limit.c -o limit
 *   limit [-c CONCURRENCY] [-t TIMEOUT_S] [-U] -p PORT CIDR      (CIDR: 127.0.0.0/16, or an address)
 *
 *   -U  do not send USER (greeting, CAPA, QUIT only — like pop3scan --no-user-probe)
 *
 * Summary on standard output, one line, key=value:
 *   targets=N ok=N failed=N (refused=N timeout=N eof=N proto=N other=N) elapsed=S rate=R
 * Exit status: 0 when every target completed the dialogue, 1 when some failed, 2 on bad usage,
 * 3 on a fatal error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { S_FREE, S_CONNECTING, S_GREETING, S_CAPA_STATUS, S_CAPA_LIST, S_USER, S_QUIT };
enum fail { F_REFUSED, F_TIMEOUT, F_EOF, F_PROTO, F_OTHER, F_COUNT };

#define HEAD 8 /* bytes of each line kept: enough to tell "+OK", "-ERR" and "." apart */

struct conn {
	int fd;
	enum state st;
	uint64_t deadline_ns;
	struct conn *prev, *next; /* timeout list, in start order = deadline order */
	const char *out;          /* bytes still to send (partial writes) */
	size_t outlen;
	char outbuf[40];
	size_t linelen;           /* bytes of the current line seen so far (CR and LF excluded) */
	char head[HEAD];          /* its first bytes */
	int cr;                   /* the current line's last byte was CR */
};

static struct conn *pool;
static struct conn **freelist;
static size_t nfree;
static struct conn tl = { .prev = &tl, .next = &tl }; /* timeout list sentinel */
static int ep;
static uint64_t ok, failed, fails[F_COUNT];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int user_probe = 1;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void tl_unlink(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void finish(struct conn *c, int success, enum fail why)
{
	close(c->fd); /* also removes it from the epoll set */
	c->fd = -1;
	c->st = S_FREE;
	tl_unlink(c);
	freelist[nfree++] = c;
	if (success) {
		ok++;
	} else {
		failed++;
		fails[why]++;
	}
}

/* Send what is queued in c->out; 0 = all sent or waiting for EPOLLOUT, -1 = failed. */
static int flush(struct conn *c)
{
	while (c->outlen) {
		ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0; /* EPOLLOUT (edge-triggered) tells when there is room again */
			return -1;
		}
		c->out += n;
		c->outlen -= (size_t)n;
	}
	return 0;
}

static int queue(struct conn *c, const char *s, size_t len)
{
	memcpy(c->outbuf, s, len);
	c->out = c->outbuf;
	c->outlen = len;
	return flush(c);
}

static int send_user(struct conn *c)
{
	static const char hex[] = "0123456789abcdef";
	char buf[40] = "USER p3s";
	uint64_t r = xorshift();
	size_t n = 8;

	if (!user_probe) {
		c->st = S_QUIT;
		return queue(c, "QUIT\r\n", 6);
	}
	for (int i = 0; i < 16; i++, r >>= 4)
		buf[n++] = hex[r & 15];
	buf[n++] = '\r';
	buf[n++] = '\n';
	c->st = S_USER;
	return queue(c, buf, n);
}

static int starts(const struct conn *c, const char *p)
{
	size_t n = strlen(p);
	return c->linelen >= n && memcmp(c->head, p, n) == 0;
}

/* One complete line (its first bytes in c->head). 1 = go on, 0 = done (closed). */
static int line(struct conn *c)
{
	switch (c->st) {
	case S_GREETING:
		if (!starts(c, "+OK")) {
			finish(c, 0, F_PROTO);
			return 0;
		}
		c->st = S_CAPA_STATUS;
		if (queue(c, "CAPA\r\n", 6) < 0)
			goto bad;
		return 1;
	case S_CAPA_STATUS:
		if (starts(c, "+OK")) {
			c->st = S_CAPA_LIST;
			return 1;
		}
		if (send_user(c) < 0) /* -ERR: no CAPA; pop3scan carries on with USER */
			goto bad;
		return 1;
	case S_CAPA_LIST:
		if (c->linelen == 1 && c->head[0] == '.' && send_user(c) < 0)
			goto bad;
		return 1;
	case S_USER:
		c->st = S_QUIT;
		if (queue(c, "QUIT\r\n", 6) < 0)
			goto bad;
		return 1;
	case S_QUIT:
		finish(c, 1, 0);
		return 0;
	default:
		return 1;
	}
bad:
	finish(c, 0, F_OTHER);
	return 0;
}

/* Split received bytes into lines (a line may arrive in several pieces). 1 = go on, 0 = closed. */
static int feed(struct conn *c, const char *p, size_t n)
{
	while (n) {
		const char *lf = memchr(p, '\n', n);
		size_t seg = lf ? (size_t)(lf - p) : n;
		if (seg) {
			if (c->cr) { /* a CR that was not the end of the line after all */
				if (c->linelen < HEAD)
					c->head[c->linelen] = '\r';
				c->linelen++;
			}
			c->cr = p[seg - 1] == '\r';
			size_t body = seg - (size_t)c->cr;
			if (c->linelen < HEAD)
				memcpy(c->head + c->linelen, p,
				       body < HEAD - c->linelen ? body : HEAD - c->linelen);
			c->linelen += body;
		}
		if (!lf)
			return 1;
		p += seg + 1;
		n -= seg + 1;
		if (!line(c))
			return 0;
		c->linelen = 0;
		c->cr = 0;
	}
	return 1;
}

static void on_event(struct conn *c, uint32_t ev)
{
	static char buf[16384];

	if (c->st == S_CONNECTING) {
		if (ev & EPOLLERR) {
			int err = 0;
			socklen_t len = sizeof err;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			finish(c, 0, err == ECONNREFUSED ? F_REFUSED : F_OTHER);
			return;
		}
		c->st = S_GREETING;
	}
	if ((ev & EPOLLOUT) && c->outlen && flush(c) < 0) {
		finish(c, 0, F_OTHER);
		return;
	}
	if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
		return;
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				finish(c, 0, errno == ECONNREFUSED ? F_REFUSED : F_OTHER);
			return;
		}
		if (n == 0) {
			finish(c, 0, F_EOF);
			return;
		}
		if (!feed(c, buf, (size_t)n))
			return;
		/* A short read on a stream socket means its receive queue is empty now: with
		 * edge-triggered epoll that is as good as EAGAIN (epoll(7)), one syscall less —
		 * unless the peer's FIN is already queued behind the data (EPOLLRDHUP): no new
		 * edge would come for it, so read on until the end of stream. */
		if ((size_t)n < sizeof buf && !(ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			return;
	}
}

/* Start a connection to addr (host order). 0 = started (or finished at once), -1 = fatal. */
static int start(uint32_t addr, uint16_t port, uint64_t now, uint64_t timeout_ns)
{
	struct conn *c = freelist[--nfree];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		nfree++;
		if (errno == EMFILE || errno == ENFILE)
			return 1; /* try again when a connection has ended */
		perror("limit: socket");
		return -1;
	}
	c->fd = fd;
	c->st = S_CONNECTING;
	c->deadline_ns = now + timeout_ns;
	c->outlen = 0;
	c->linelen = 0;
	c->cr = 0;
	c->prev = tl.prev; /* append: deadlines grow with start time */
	c->next = &tl;
	tl.prev->next = c;
	tl.prev = c;

	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		finish(c, 0, errno == ECONNREFUSED ? F_REFUSED : F_OTHER);
		return 0;
	}
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		perror("limit: epoll_ctl");
		return -1;
	}
	return 0;
}

static int parse_cidr(const char *s, uint32_t *first, uint64_t *count)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a;
	long bits = 32;

	if (alen >= sizeof buf)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	if (slash) {
		char *end;
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || bits < 0 || bits > 32)
			return -1;
	}
	uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	*first = ntohl(a.s_addr) & mask;
	*count = 1ull << (32 - bits);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: limit [-c CONCURRENCY] [-t TIMEOUT_S] [-U] -p PORT CIDR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long conc = 1000, port = -1;
	double timeout_s = 5;
	int opt;

	while ((opt = getopt(argc, argv, "c:p:t:U")) != -1) {
		char *end;
		switch (opt) {
		case 'c':
			conc = strtol(optarg, &end, 10);
			if (*end || conc < 1 || conc > 1000000)
				usage();
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535)
				usage();
			break;
		case 't':
			timeout_s = strtod(optarg, &end);
			if (*end || !(timeout_s > 0))
				usage();
			break;
		case 'U':
			user_probe = 0;
			break;
		default:
			usage();
		}
	}
	uint32_t first;
	uint64_t total;
	if (port < 0 || optind != argc - 1 || parse_cidr(argv[optind], &first, &total) < 0)
		usage();

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)conc + 16 > rl.rlim_cur) {
		conc = (long)rl.rlim_cur - 16;
		fprintf(stderr, "limit: open-file limit %llu: concurrency lowered to %ld\n",
			(unsigned long long)rl.rlim_cur, conc);
	}
	if ((uint64_t)conc > total)
		conc = (long)total;

	pool = calloc((size_t)conc, sizeof *pool);
	freelist = calloc((size_t)conc, sizeof *freelist);
	struct epoll_event *evs = calloc((size_t)conc, sizeof *evs);
	if (!pool || !freelist || !evs) {
		fprintf(stderr, "limit: out of memory\n");
		return 3;
	}
	for (long i = conc - 1; i >= 0; i--) {
		pool[i].fd = -1;
		freelist[nfree++] = &pool[i];
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("limit: epoll_create1");
		return 3;
	}
	rng ^= (uint64_t)getpid() << 32 ^ now_ns();

	uint64_t timeout_ns = (uint64_t)(timeout_s * 1e9);
	uint64_t t0 = now_ns(), now = t0, next = 0;
	int emfile_wait = 0;

	while (next < total || nfree < (size_t)conc) {
		/* Fill every free slot. */
		while (next < total && nfree > 0 && !emfile_wait) {
			int r = start(first + (uint32_t)next, (uint16_t)port, now, timeout_ns);
			if (r < 0)
				return 3;
			if (r > 0)
				emfile_wait = 1;
			else
				next++;
		}
		/* Expire connections past their deadline (the list is in deadline order). */
		while (tl.next != &tl && tl.next->deadline_ns <= now)
			finish(tl.next, 0, F_TIMEOUT);
		if (nfree == (size_t)conc) {
			emfile_wait = 0;
			continue;
		}
		int wait_ms = -1;
		if (tl.next != &tl)
			wait_ms = (int)((tl.next->deadline_ns - now + 999999) / 1000000);
		int n = epoll_wait(ep, evs, conc, wait_ms);
		if (n < 0 && errno != EINTR) {
			perror("limit: epoll_wait");
			return 3;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->st != S_FREE) /* a conn finished earlier in this batch cannot be reused before */
				on_event(c, evs[i].events);
		}
		if (n > 0)
			emfile_wait = 0;
		now = now_ns();
	}

	double el = (double)(now_ns() - t0) / 1e9;
	printf("targets=%llu ok=%llu failed=%llu (refused=%llu timeout=%llu eof=%llu proto=%llu "
	       "other=%llu) elapsed=%.3f rate=%.1f\n",
	       (unsigned long long)total, (unsigned long long)ok, (unsigned long long)failed,
	       (unsigned long long)fails[F_REFUSED], (unsigned long long)fails[F_TIMEOUT],
	       (unsigned long long)fails[F_EOF], (unsigned long long)fails[F_PROTO],
	       (unsigned long long)fails[F_OTHER], el, (double)total / el);
	free(evs);
	free(freelist);
	free(pool);
	close(ep);
	return failed ? 1 : 0;
}
