/* dnsmsg.h — reading DNS answers for mail host discovery (discover.c): the records of an
 * answer, CNAME chains followed with a cap and loop detection, SRV and MX sets in the order they
 * are used.
 *
 * Pure: bytes in, records out, no sockets, no clock (tests/unit/test_dnsmsg.c). An answer is
 * hostile input like any server's bytes: every name and every count is bounded, compression
 * pointers must point backwards, and a message that does not parse is an error, never a crash.
 * Names are in presentation form: labels joined by '.', a '.' or '\' inside a label escaped
 * with '\', any byte outside '!'..'~' written "\DDD" (RFC 1035's master file form, which c-ares
 * reads back when the name is asked for), so a name is safe to put in a query, a log or an
 * output, whose own escaping comes on top.
 */
#ifndef POP3SCAN_DNSMSG_H
#define POP3SCAN_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define P3S_DNS_T_A 1
#define P3S_DNS_T_CNAME 5
#define P3S_DNS_T_MX 15
#define P3S_DNS_T_AAAA 28
#define P3S_DNS_T_SRV 33

/* A name: 255 bytes on the wire, each at most 4 characters escaped. */
#define P3S_DNSNAME_MAX 1024
/* Records kept of one answer; more are counted (rr_dropped). */
#define P3S_DNSMSG_MAX_RR 512
/* CNAME links followed from a host before giving up (RFC 1034 discourages chains at all). */
#define P3S_DNS_CHAIN_MAX 8

struct p3s_dnsrr {
    uint16_t type;
    char owner[P3S_DNSNAME_MAX];
    char target[P3S_DNSNAME_MAX]; /* CNAME, SRV target, MX exchange; "." for the root */
    unsigned char addr[16];       /* A: 4 bytes, AAAA: 16 */
    uint16_t priority;            /* SRV priority, MX preference */
    uint16_t weight, port;        /* SRV */
};

struct p3s_dnsmsg {
    int rcode;
    int truncated;     /* TC set (c-ares retries over TCP itself: seen only if that failed) */
    size_t n;          /* answer records kept, in message order */
    size_t rr_dropped; /* answer records past P3S_DNSMSG_MAX_RR, or of a class other than IN */
    struct p3s_dnsrr *rr; /* n records, allocated by p3s_dnsmsg_parse */
};

/* Parses msg's header and answer section. Returns 0, or -1 with err saying what is malformed
 * (then m holds nothing to free). Free with p3s_dnsmsg_free. */
int p3s_dnsmsg_parse(const unsigned char *msg, size_t len, struct p3s_dnsmsg *m, char *err,
                     size_t errsz);
void p3s_dnsmsg_free(struct p3s_dnsmsg *m);

/* Reads the possibly compressed name at off into out (presentation form, "." for the root).
 * *next is where the record goes on. Returns 0, or -1 on a malformed name. */
int p3s_dnsmsg_name(const unsigned char *msg, size_t len, size_t off, char *out, size_t cap,
                    size_t *next);
/* Names compare without regard to ASCII case, and with or without a trailing dot. */
int p3s_dnsname_eq(const char *a, const char *b);

/* A CNAME chain from a host to the name that holds its records. */
enum p3s_chain_end {
    P3S_CHAIN_RECORDS,  /* the last name has records of the type asked in this answer */
    P3S_CHAIN_NODATA,   /* the last name has neither records of the type nor a CNAME here */
    P3S_CHAIN_LOOP,     /* a name came back: the chain would go round for ever */
    P3S_CHAIN_TOO_LONG  /* more than P3S_DNS_CHAIN_MAX links */
};

struct p3s_chain {
    size_t n; /* names[0] is the host, names[n-1] where it ends (n is 1 without CNAME) */
    char names[P3S_DNS_CHAIN_MAX + 1][P3S_DNSNAME_MAX];
};

/* Follows the CNAMEs of answer m from the last name of chain (which holds at least the host),
 * appending every name reached. A chain carried over from an earlier answer (a resolver that
 * did not follow the CNAME itself, so the target was asked on its own) goes on where it ended:
 * loops across answers and the cap count all its links. P3S_CHAIN_NODATA after a CNAME means
 * the answer stopped at the target: ask the last name again. */
enum p3s_chain_end p3s_chain_follow(const struct p3s_dnsmsg *m, uint16_t type,
                                    struct p3s_chain *chain);

/* The order a set of SRV records is used in (RFC 2782): priority ascending, then weight
 * descending (the likeliest first), then target and port, so that the same set always lists
 * the same way. Also sorts MX records by preference, then exchange. */
void p3s_dnsrr_sort(struct p3s_dnsrr **v, size_t n);

#endif
