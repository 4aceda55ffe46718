/* script.c - parser for the p3testd script language, and the lookups the
 * connection engine needs: which profile serves a connection and which
 * handler answers a client line. */
#include "script.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Flood tiles are at least this big so streaming a 1-byte pattern does not
 * cost one evbuffer operation per byte. */
#define FLOOD_TILE_MIN 16384

struct parser {
	const char *file;	/* script path, for messages */
	char *dir;		/* script directory, for relative sendfile paths */
	unsigned line;
	const char *p;		/* cursor in the current line */
	struct script *s;
	int have_profile;	/* a profile (maybe the implicit default) exists */
};

static int perr(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", ps->file, ps->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Out of memory while loading a test script is not worth recovering from. */
static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		perror("p3testd");
		exit(1);
	}
	return q;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- lexer ---------------------------------------------------------- */

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' ||
	       *ps->p == '\n')
		ps->p++;
}

/* End of the useful part of a line: NUL, or a '#' comment at token start. */
static int at_end(struct parser *ps)
{
	skip_ws(ps);
	return *ps->p == '\0' || *ps->p == '#';
}

/* A bare word runs to whitespace, ';' or end of line. */
static int word(struct parser *ps, const char **start, size_t *len)
{
	if (at_end(ps))
		return 0;
	*start = ps->p;
	while (*ps->p && !isspace((unsigned char)*ps->p) && *ps->p != ';')
		ps->p++;
	*len = (size_t)(ps->p - *start);
	return *len > 0;
}

static int is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static int expect_end(struct parser *ps)
{
	if (!at_end(ps))
		return perr(ps, "unexpected text '%s'", ps->p);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode the escape after a backslash; the cursor is on the escape letter. */
static int unescape(struct parser *ps, unsigned char *out)
{
	int hi, lo;
	char c = *ps->p++;

	switch (c) {
	case 'r': *out = '\r'; return 0;
	case 'n': *out = '\n'; return 0;
	case 't': *out = '\t'; return 0;
	case 'e': *out = 0x1b; return 0;
	case '0': *out = 0; return 0;
	case '\\': *out = '\\'; return 0;
	case '"': *out = '"'; return 0;
	case 'x':
		hi = hexval((unsigned char)ps->p[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)ps->p[1]);
		if (lo < 0)
			return perr(ps, "bad \\x escape (need two hex digits)");
		ps->p += 2;
		*out = (unsigned char)(hi * 16 + lo);
		return 0;
	case '\0':
		ps->p--;
		return perr(ps, "unterminated string");
	default:
		return perr(ps, "bad escape '\\%c'", c);
	}
}

/* A "quoted string" with escapes, into a fresh buffer the caller owns. */
static int quoted(struct parser *ps, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	size_t n = 0;

	if (at_end(ps) || *ps->p != '"')
		return perr(ps, "expected a quoted string");
	ps->p++;
	buf = xrealloc(NULL, strlen(ps->p) + 1);
	for (;;) {
		char c = *ps->p++;

		if (c == '\0') {
			free(buf);
			return perr(ps, "unterminated string");
		}
		if (c == '"')
			break;
		if (c != '\\') {
			buf[n++] = (unsigned char)c;
		} else if (unescape(ps, &buf[n++]) < 0) {
			free(buf);
			return -1;
		}
	}
	*out = buf;
	*outlen = n;
	return 0;
}

/* A decimal number in [min, max]. */
static int number(struct parser *ps, uint64_t min, uint64_t max,
		  const char *what, uint64_t *out)
{
	const char *w;
	size_t n, i;
	uint64_t v = 0;

	if (!word(ps, &w, &n))
		return perr(ps, "missing %s", what);
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(w[i] - '0');

		if (d > 9)
			return perr(ps, "bad %s '%.*s'", what, (int)n, w);
		if (v > (max - d) / 10)
			return perr(ps, "%s too large (max %llu)", what,
				    (unsigned long long)max);
		v = v * 10 + d;
	}
	if (v < min)
		return perr(ps, "%s too small (min %llu)", what,
			    (unsigned long long)min);
	*out = v;
	return 0;
}

/* ---- actions -------------------------------------------------------- */

/* A path argument: bare word or quoted; relative to the script directory
 * so scripts can ship next to their data files. */
static int path_arg(struct parser *ps, char **out)
{
	unsigned char *q;
	size_t qlen;
	const char *w;
	size_t n;
	char *rel, *full;

	if (!at_end(ps) && *ps->p == '"') {
		if (quoted(ps, &q, &qlen) < 0)
			return -1;
		if (memchr(q, 0, qlen)) {
			free(q);
			return perr(ps, "NUL byte in path");
		}
		rel = xstrndup((char *)q, qlen);
		free(q);
	} else if (word(ps, &w, &n)) {
		rel = xstrndup(w, n);
	} else {
		return perr(ps, "missing path");
	}
	if (rel[0] == '/' || !ps->dir) {
		*out = rel;
		return 0;
	}
	full = xrealloc(NULL, strlen(ps->dir) + strlen(rel) + 2);
	sprintf(full, "%s/%s", ps->dir, rel);
	free(rel);
	*out = full;
	return 0;
}

static int read_file(struct parser *ps, const char *path,
		     unsigned char **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return perr(ps, "cannot open '%s': %s", path, strerror(errno));
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return perr(ps, "cannot read '%s'", path);
	}
	fclose(f);
	*out = buf;
	*outlen = len;
	return 0;
}

/* Turn the pattern into a tile of whole repetitions, so a flood can be
 * streamed as whole tiles plus one prefix of a tile. */
static void make_tile(struct action *a)
{
	size_t reps = a->len >= FLOOD_TILE_MIN ? 1 :
		(FLOOD_TILE_MIN + a->len - 1) / a->len;
	unsigned char *tile = xrealloc(NULL, reps * a->len);
	size_t i;

	for (i = 0; i < reps; i++)
		memcpy(tile + i * a->len, a->data, a->len);
	free(a->data);
	a->data = tile;
	a->len *= reps;
}

static int flood_args(struct parser *ps, struct action *a, int lines)
{
	uint64_t count;

	if (number(ps, 0, UINT64_MAX, "count", &count) < 0 ||
	    quoted(ps, &a->data, &a->len) < 0)
		return -1;
	if (a->len == 0)
		return perr(ps, "flood pattern must not be empty");
	if (lines && count > UINT64_MAX / a->len)
		return perr(ps, "floodlines total too large");
	a->type = ACT_FLOOD;
	a->total = lines ? count * a->len : count;
	make_tile(a);
	return 0;
}

static int parse_action(struct parser *ps, struct action *a)
{
	const char *w;
	size_t n;
	uint64_t v;
	char *path = NULL;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!word(ps, &w, &n))
		return perr(ps, "expected an action");
	if (is(w, n, "send")) {
		a->type = ACT_SEND;
		return quoted(ps, &a->data, &a->len);
	}
	if (is(w, n, "sendfile")) {
		a->type = ACT_SEND;
		if (path_arg(ps, &path) < 0)
			return -1;
		rc = read_file(ps, path, &a->data, &a->len);
		free(path);
		return rc;
	}
	if (is(w, n, "sleep") || is(w, n, "drip")) {
		int drip = is(w, n, "drip");

		a->type = drip ? ACT_DRIP : ACT_SLEEP;
		if (number(ps, 0, UINT32_MAX / 2, "milliseconds", &v) < 0)
			return -1;
		a->ms = (uint32_t)v;
		return drip ? quoted(ps, &a->data, &a->len) : 0;
	}
	if (is(w, n, "flood"))
		return flood_args(ps, a, 0);
	if (is(w, n, "floodlines"))
		return flood_args(ps, a, 1);
	if (is(w, n, "close"))
		a->type = ACT_CLOSE;
	else if (is(w, n, "reset"))
		a->type = ACT_RESET;
	else if (is(w, n, "starttls")) {
		const char *save = ps->p;

		a->type = ACT_STARTTLS;
		/* 'starttls keep': an injection-vulnerable server */
		if (word(ps, &w, &n) && is(w, n, "keep"))
			a->keep = 1;
		else
			ps->p = save;
	}
	else if (is(w, n, "stall"))
		a->type = ACT_STALL;
	else
		return perr(ps, "unknown action '%.*s'", (int)n, w);
	return 0;
}

/* "action ; action ; ..." up to the end of the line. */
static int parse_actions(struct parser *ps, struct action_list *l,
			 int allow_empty)
{
	struct action a;

	if (at_end(ps))
		return allow_empty ? 0 : perr(ps, "expected an action");
	for (;;) {
		if (parse_action(ps, &a) < 0)
			return -1;
		if (a.type == ACT_STARTTLS)
			ps->s->uses_starttls = 1;
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = a;
		if (at_end(ps))
			return 0;
		if (*ps->p != ';')
			return perr(ps, "expected ';' between actions, got '%s'",
				    ps->p);
		ps->p++;
	}
}

/* ---- directives ----------------------------------------------------- */

static struct profile *add_profile(struct parser *ps, const char *name,
				   size_t n)
{
	struct script *s = ps->s;
	struct profile *p;

	s->profiles = xrealloc(s->profiles, (s->n + 1) * sizeof(*p));
	p = &s->profiles[s->n++];
	memset(p, 0, sizeof(*p));
	p->name = xstrndup(name, n);
	ps->have_profile = 1;
	return p;
}

/* Lines before any 'profile' line belong to an implicit 'default'. */
static struct profile *current_profile(struct parser *ps)
{
	if (!ps->have_profile)
		return add_profile(ps, "default", 7);
	return &ps->s->profiles[ps->s->n - 1];
}

static int dir_profile(struct parser *ps)
{
	const char *w;
	size_t n, i;

	if (!word(ps, &w, &n))
		return perr(ps, "profile needs a name");
	for (i = 0; i < ps->s->n; i++)
		if (is(w, n, ps->s->profiles[i].name))
			return perr(ps, "duplicate profile '%.*s'", (int)n, w);
	add_profile(ps, w, n);
	return expect_end(ps);
}

static int parse_cidr(struct parser *ps, const char *w, size_t n,
		      struct match *m)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	unsigned maxbits;
	uint64_t bits;

	if (n >= sizeof(buf))
		return perr(ps, "bad cidr '%.*s'", (int)n, w);
	memcpy(buf, w, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, m->addr) == 1)
		m->family = AF_INET, maxbits = 32;
	else if (inet_pton(AF_INET6, buf, m->addr) == 1)
		m->family = AF_INET6, maxbits = 128;
	else
		return perr(ps, "bad cidr address '%s'", buf);
	bits = maxbits;
	if (slash) {
		char *end;

		errno = 0;
		bits = strtoull(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || bits > maxbits)
			return perr(ps, "bad cidr prefix '/%s'", slash + 1);
	}
	m->prefix = (unsigned)bits;
	return 0;
}

static int dir_match(struct parser *ps, struct profile *p)
{
	struct match m;
	const char *w;
	size_t n;
	uint64_t a, b;

	memset(&m, 0, sizeof(m));
	if (!word(ps, &w, &n))
		return perr(ps, "match needs a kind (mod, cidr, port)");
	if (is(w, n, "mod")) {
		m.type = MATCH_MOD;
		if (number(ps, 1, UINT32_MAX, "modulus", &a) < 0 ||
		    number(ps, 0, a - 1, "remainder", &b) < 0)
			return -1;
		m.mod = (uint32_t)a;
		m.rem = (uint32_t)b;
	} else if (is(w, n, "cidr")) {
		m.type = MATCH_CIDR;
		if (!word(ps, &w, &n))
			return perr(ps, "match cidr needs an address/prefix");
		if (parse_cidr(ps, w, n, &m) < 0)
			return -1;
	} else if (is(w, n, "port")) {
		m.type = MATCH_PORT;
		if (number(ps, 1, 65535, "port", &a) < 0)
			return -1;
		m.port = (uint16_t)a;
	} else {
		return perr(ps, "unknown match kind '%.*s'", (int)n, w);
	}
	p->matches = xrealloc(p->matches, (p->nmatches + 1) * sizeof(m));
	p->matches[p->nmatches++] = m;
	ps->s->needs_local_addr = 1;
	return expect_end(ps);
}

/* on PREFIX actions... ; PREFIX is a word, a "quoted string" or '*'. */
static int dir_on(struct parser *ps, struct profile *p)
{
	struct handler h;
	unsigned char *q;
	size_t qlen;
	const char *w;
	size_t n;

	memset(&h, 0, sizeof(h));
	if (!at_end(ps) && *ps->p == '"') {
		if (quoted(ps, &q, &qlen) < 0)
			return -1;
		if (memchr(q, 0, qlen)) {
			free(q);
			return perr(ps, "NUL byte in handler prefix");
		}
		h.prefix = xstrndup((char *)q, qlen);
		h.plen = qlen;
		free(q);
	} else if (word(ps, &w, &n)) {
		if (!(n == 1 && w[0] == '*')) {
			h.prefix = xstrndup(w, n);
			h.plen = n;
		}
	} else {
		return perr(ps, "on needs a prefix");
	}
	/* An empty list is allowed: it swallows the line silently. */
	if (parse_actions(ps, &h.acts, 1) < 0) {
		free(h.prefix);
		return -1;
	}
	p->handlers = xrealloc(p->handlers, (p->nhandlers + 1) * sizeof(h));
	p->handlers[p->nhandlers++] = h;
	return 0;
}

static int dir_tls(struct parser *ps, struct profile *p)
{
	const char *w;
	size_t n;

	if (!word(ps, &w, &n))
		return perr(ps, "tls needs 'stall', 'none' or 'normal'");
	if (is(w, n, "stall"))
		p->tls = TLSMODE_STALL;
	else if (is(w, n, "none"))
		p->tls = TLSMODE_NONE;
	else if (is(w, n, "normal"))
		p->tls = TLSMODE_NORMAL;
	else
		return perr(ps, "unknown tls mode '%.*s'", (int)n, w);
	return expect_end(ps);
}

/* extra [MS] "STR": after every answer of the profile (its start list and each handler's
 * list), STR is sent too, MS ms later: a server that answers twice or adds a line. */
static int dir_extra(struct parser *ps, struct profile *p)
{
	uint64_t ms = 0;

	if (!at_end(ps) && *ps->p != '"' &&
	    number(ps, 0, UINT32_MAX / 2, "milliseconds", &ms) < 0)
		return -1;
	if (p->has_extra)
		return perr(ps, "duplicate 'extra' in profile '%s'", p->name);
	if (quoted(ps, &p->extra, &p->extra_len) < 0)
		return -1;
	p->extra_ms = (uint32_t)ms;
	p->has_extra = 1;
	return expect_end(ps);
}

/* Puts [sleep MS;] send EXTRA into a list: before the action that ends the list's cleartext
 * answer (close, reset, stall, starttls), else at its end. Lists that are empty (a swallowed
 * line) stay empty: nothing answered them. */
static void add_extra(const struct profile *p, struct action_list *l)
{
	size_t at = l->n, i, k = p->extra_ms ? 2 : 1;

	if (l->n == 0)
		return;
	for (i = 0; i < l->n; i++)
		if (l->v[i].type == ACT_CLOSE || l->v[i].type == ACT_RESET ||
		    l->v[i].type == ACT_STALL || l->v[i].type == ACT_STARTTLS) {
			at = i;
			break;
		}
	l->v = xrealloc(l->v, (l->n + k) * sizeof(*l->v));
	memmove(&l->v[at + k], &l->v[at], (l->n - at) * sizeof(*l->v));
	memset(&l->v[at], 0, k * sizeof(*l->v));
	if (p->extra_ms) {
		l->v[at].type = ACT_SLEEP;
		l->v[at].ms = p->extra_ms;
	}
	l->v[at + k - 1].type = ACT_SEND;
	l->v[at + k - 1].data = xrealloc(NULL, p->extra_len);
	memcpy(l->v[at + k - 1].data, p->extra, p->extra_len);
	l->v[at + k - 1].len = p->extra_len;
	l->n += k;
}

static void apply_extra(struct script *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		struct profile *p = &s->profiles[i];

		if (!p->has_extra)
			continue;
		add_extra(p, &p->start);
		for (j = 0; j < p->nhandlers; j++)
			add_extra(p, &p->handlers[j].acts);
	}
}

static int parse_line(struct parser *ps)
{
	struct profile *p;
	const char *w;
	size_t n;

	if (!word(ps, &w, &n))
		return 0;	/* blank or comment */
	if (is(w, n, "profile"))
		return dir_profile(ps);
	p = current_profile(ps);
	if (is(w, n, "match"))
		return dir_match(ps, p);
	if (is(w, n, "start"))
		return parse_actions(ps, &p->start, 0);
	if (is(w, n, "on"))
		return dir_on(ps, p);
	if (is(w, n, "tls"))
		return dir_tls(ps, p);
	if (is(w, n, "extra"))
		return dir_extra(ps, p);
	return perr(ps, "unknown directive '%.*s'", (int)n, w);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;	/* relative to the current directory */
	return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int script_load(struct script *s, const char *path)
{
	struct parser ps;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	int rc = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	memset(&ps, 0, sizeof(ps));
	ps.file = path;
	ps.s = s;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	ps.dir = dir_of(path);
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';	/* keeps messages on one line */
		ps.line++;
		ps.p = line;
		rc = parse_line(&ps);
	}
	free(line);
	free(ps.dir);
	fclose(f);
	for (i = 0; i < s->n; i++)
		if (strcmp(s->profiles[i].name, "default") == 0)
			s->fallback = &s->profiles[i];
	if (rc == 0)
		apply_extra(s);
	return rc;
}

static void free_list(struct action_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].data);
	free(l->v);
}

void script_free(struct script *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		struct profile *p = &s->profiles[i];

		for (j = 0; j < p->nhandlers; j++) {
			free(p->handlers[j].prefix);
			free_list(&p->handlers[j].acts);
		}
		free(p->handlers);
		free_list(&p->start);
		free(p->extra);
		free(p->matches);
		free(p->name);
	}
	free(s->profiles);
	memset(s, 0, sizeof(*s));
}

/* ---- lookups -------------------------------------------------------- */

/* Normalise the local address: IPv4-mapped IPv6 (dual-stack listeners)
 * counts as IPv4 so 'mod' and IPv4 'cidr' rules still apply. */
static int local_addr(const struct sockaddr *sa, unsigned char out[16],
		      uint16_t *port)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0xff, 0xff };

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		memcpy(out, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		*port = ntohs(in6->sin6_port);
		if (memcmp(in6->sin6_addr.s6_addr, mapped, 12) == 0) {
			memcpy(out, in6->sin6_addr.s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(out, in6->sin6_addr.s6_addr, 16);
		return AF_INET6;
	}
	return -1;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b,
			unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (!rest)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

static int match_one(const struct match *m, int family,
		     const unsigned char *addr, uint16_t port)
{
	uint32_t v4;

	switch (m->type) {
	case MATCH_PORT:
		return port == m->port;
	case MATCH_MOD:
		if (family != AF_INET)
			return 0;
		memcpy(&v4, addr, 4);
		return ntohl(v4) % m->mod == m->rem;
	case MATCH_CIDR:
		return family == m->family &&
		       prefix_equal(addr, m->addr, m->prefix);
	}
	return 0;
}

const struct profile *script_pick(const struct script *s,
				  const struct sockaddr *local)
{
	unsigned char addr[16];
	uint16_t port = 0;
	int family;
	size_t i, j;

	if (!local)
		return s->fallback;
	family = local_addr(local, addr, &port);
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->profiles[i].nmatches; j++)
			if (match_one(&s->profiles[i].matches[j], family, addr,
				      port))
				return &s->profiles[i];
	return s->fallback;
}

static int prefix_matches(const char *line, size_t len, const char *prefix,
			  size_t plen)
{
	size_t i;

	if (len < plen)
		return 0;
	for (i = 0; i < plen; i++)
		if (tolower((unsigned char)line[i]) !=
		    tolower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

const struct handler *profile_handler(const struct profile *p,
				      const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < p->nhandlers; i++) {
		const struct handler *h = &p->handlers[i];

		if (!h->prefix || prefix_matches(line, len, h->prefix, h->plen))
			return h;
	}
	return NULL;
}
