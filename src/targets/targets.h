/* targets.h — parsing what the user names: targets (names, IPv4, IPv6, with or without a port)
 * and port lists (`110,995,1000-1010,tls:8995`).
 *
 * Pure functions over strings, unit-tested in tests/unit/test_targets.c. Errors are written to
 * err as a message that names the bad input, for exit status 2.
 */
#ifndef POP3SCAN_TARGETS_H
#define POP3SCAN_TARGETS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct p3s_port {
    uint16_t port;
    uint8_t tls; /* implicit TLS */
};

/* The ways a port is scanned: cleartext, implicit TLS, or both. */
#define P3S_PORT_PLAIN 1u
#define P3S_PORT_TLS 2u

struct p3s_portlist {
    struct p3s_port *v; /* in the order given, each (port, tls) once */
    size_t n;
    uint8_t *kinds;     /* per port number: P3S_PORT_PLAIN | P3S_PORT_TLS as listed */
};

/* Parses a port list. 995 is implicit TLS; `tls:` marks any other port or range as such. A
 * port listed both ways (110,tls:110 or 100-200,tls:150) gets both entries: it is scanned in
 * cleartext and with implicit TLS, two records. */
int p3s_ports_parse(const char *spec, struct p3s_portlist *out, char *err, size_t errsz);
void p3s_ports_free(struct p3s_portlist *pl);
/* How a port named with a target (HOST:PORT) is scanned: as the list has it, else cleartext
 * (995: implicit TLS). P3S_PORT_PLAIN, P3S_PORT_TLS or both. */
unsigned p3s_ports_kinds(const struct p3s_portlist *pl, uint16_t port);
/* Whether port is scanned with implicit TLS (listed tls: or 995). */
int p3s_ports_is_tls(const struct p3s_portlist *pl, uint16_t port);

enum p3s_target_kind { P3S_TARGET_NAME, P3S_TARGET_IPV4, P3S_TARGET_IPV6 };

struct p3s_target {
    enum p3s_target_kind kind;
    char host[256];      /* the name or the address as text, without brackets or port */
    struct in_addr v4;   /* when kind is IPV4 */
    struct in6_addr v6;  /* when kind is IPV6 */
    uint16_t port;       /* 0: use the port list */
};

int p3s_target_parse(const char *spec, struct p3s_target *t, char *err, size_t errsz);
/* --discover-names FILE: the names put before a domain to guess its mail hosts ("pop",
 * "pop.mail"), one a line; blank lines and '#' comments (a whole line, or after whitespace) are
 * skipped, surrounding whitespace trimmed. buf (len bytes, NUL after them) is cut in place and
 * names[] points into it. Returns how many (0 is allowed: only SRV, MX and the domain are
 * asked), or -1 with err naming "PATH:LINE" and the problem: a name that is not a valid
 * relative host name, a NUL byte, or more than max names. */
int p3s_names_parse(char *buf, size_t len, const char *path, const char **names, size_t max,
                    char *err, size_t errsz);
/* Whether s is a syntactically valid DNS name (labels of letters, digits, '-' and '_'). */
int p3s_hostname_valid(const char *s);

#endif
