/* script.h - in-memory form of a p3testd script: profiles, their match
 * rules, and the action lists run at connect time and per client line. */
#ifndef P3T_SCRIPT_H
#define P3T_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum act_type {
	ACT_SEND,	/* queue bytes (send, sendfile) */
	ACT_SLEEP,	/* pause the list for ms */
	ACT_DRIP,	/* one byte every ms */
	ACT_FLOOD,	/* stream total bytes of a repeated tile (flood, floodlines) */
	ACT_CLOSE,	/* flush, then FIN */
	ACT_RESET,	/* flush, then RST */
	ACT_STARTTLS,	/* flush, then server TLS handshake */
	ACT_STALL	/* never read or send again */
};

struct action {
	enum act_type type;
	uint32_t ms;			/* sleep, drip */
	uint64_t total;			/* flood: bytes to stream */
	unsigned char *data;		/* send/drip: the bytes; flood: tile; owned */
	size_t len;			/* length of data */
	int keep;			/* starttls: keep the client's bytes */
};

struct action_list {
	struct action *v;
	size_t n;
};

enum match_type { MATCH_MOD, MATCH_CIDR, MATCH_PORT };

struct match {
	enum match_type type;
	uint32_t mod, rem;		/* MATCH_MOD */
	int family;			/* MATCH_CIDR: AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
	uint16_t port;			/* MATCH_PORT */
};

/* What a profile does on an implicit-TLS listener. */
enum tls_mode { TLSMODE_NORMAL, TLSMODE_NONE, TLSMODE_STALL };

struct handler {
	char *prefix;		/* NULL for 'on *' */
	size_t plen;
	struct action_list acts;
};

struct profile {
	char *name;
	struct match *matches;
	size_t nmatches;
	struct action_list start;
	struct handler *handlers;
	size_t nhandlers;
	enum tls_mode tls;
	unsigned char *extra;	/* 'extra': a line sent after every answer */
	size_t extra_len;
	uint32_t extra_ms;	/* ... this long after it */
	int has_extra;
};

struct script {
	struct profile *profiles;
	size_t n;
	const struct profile *fallback;	/* the 'default' profile or NULL */
	int uses_starttls;		/* some list needs a TLS context */
	int needs_local_addr;		/* some profile has a match rule */
};

/* Parse PATH; on error print "file:line: message" to stderr, return -1. */
int script_load(struct script *s, const char *path);
void script_free(struct script *s);

/* Profile for a connection whose local (destination) address is LOCAL,
 * which may be NULL when the script has no match rules. NULL: refuse. */
const struct profile *script_pick(const struct script *s,
				  const struct sockaddr *local);

/* First handler whose prefix matches LINE (case-insensitive), or NULL. */
const struct handler *profile_handler(const struct profile *p,
				      const char *line, size_t len);

#endif
