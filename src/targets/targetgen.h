/* targetgen.h — the stream of targets a scan visits: command-line expressions, then -iL files,
 * minus the exclusions, without duplicates, optionally permuted (--randomize) and split into
 * shards (--shard I/N). Memory does not grow with the number of targets: ranges are kept as
 * intervals and expanded one address at a time, files are read one line at a time.
 *
 * Syntax of an expression (a command-line argument or one line of a file):
 *   - everything p3s_target_parse() accepts: a name, an IPv4 address, an IPv6 address,
 *     HOST:PORT, [IPv6]:PORT;
 *   - an IPv4 CIDR of any size, /0 included (10.0.0.0/8; host bits set are cleared);
 *   - an IPv6 CIDR of at most v6_prefix_cap host bits (default 16: /112, 65,536 addresses);
 *   - a range: 192.0.2.1-40 (last octet), 192.0.2.1-192.0.3.9 (full), and for IPv6 the full
 *     form 2001:db8::1-2001:db8::ff (same cap as IPv6 CIDRs).
 *   CIDRs and ranges take no port.
 * Files: one expression per line; blank lines, `#` comment lines and trailing comments (a `#`
 * after whitespace) are ignored; surrounding whitespace and a CR before the LF are trimmed.
 * A bad line (unparsable, longer than 4096 bytes, or holding a NUL byte) is reported by
 * p3s_tgen_next() as "FILE:LINE: message" and the file goes on. "-" is standard input (which
 * may be named once). A missing, unreadable or directory path fails p3s_tgen_open().
 *
 * Exclusions (--exclude items, comma lists allowed; --exclude-file lines, same file syntax,
 * commas allowed too) are addresses, CIDRs and ranges of any size (the IPv6 cap does not
 * apply), and names. They are strict: any bad item or line fails p3s_tgen_open(). An address
 * exclusion removes the address whatever its port; a name exclusion removes only that name
 * (case-insensitive): a name is never excluded by the addresses it resolves to, since
 * resolution happens later.
 *
 * Duplicates: names compare case-insensitively without a trailing dot; an address with an
 * explicit port and the same address without one are different targets.
 *   - Among command-line expressions removal is exact (interval merge, a hash set for names
 *     and explicit ports); a target belongs to the first expression that names it.
 *   - A file line is dropped when the command line already gives it.
 *   - Within files: single targets (an address, a name, HOST:PORT) are remembered in an exact
 *     hash set of at most P3S_TGEN_SEEN_MAX entries; file ranges (CIDRs, ranges of more than
 *     one address) in a merged interval set of at most P3S_TGEN_FILE_RANGES_MAX intervals.
 *     Past either cap nothing more is remembered, so later duplicates of what was not
 *     remembered come out again (the earlier entries still remove theirs). At the caps the
 *     sets hold about 18 MB (addresses; long names take more) and 2 MB. Every shard reads
 *     every file line, so that all shards count positions alike.
 *
 * Order: command-line expressions in the order given, addresses ascending within each, then
 * the files in order, lines in order. With randomize, the whole command-line set (every
 * range and single target after exclusion and duplicate removal, as one index space) is
 * visited in a keyed pseudo-random permutation (a Feistel network with cycle walking: O(1)
 * memory, reproducible from the seed); files are still read in order, since they stream.
 *
 * Sharding: the k-th target of the final order (counting from 0 across all sources, after
 * exclusion and duplicate removal) belongs to shard k mod N. Every shard must be given the
 * same expressions, files, exclusions and seed; shards are then disjoint and cover the set.
 */
#ifndef POP3SCAN_TARGETGEN_H
#define POP3SCAN_TARGETGEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "targetfile.h"
#include "targets.h"

#define P3S_TGEN_SEEN_MAX 1000000u       /* single targets remembered from files */
#define P3S_TGEN_FILE_RANGES_MAX 65536u  /* merged intervals remembered from files */
#define P3S_TGEN_LINE_MAX P3S_TFILE_LINE_MAX /* longest file line, terminator excluded */
#define P3S_TGEN_V6_CAP_DEFAULT 16u
#define P3S_TGEN_V6_CAP_MAX 32u

struct p3s_tgen_opts {
    char **exprs;                  /* command-line target expressions */
    size_t nexprs;
    const char **files;            /* -iL files, "-" = standard input */
    size_t nfiles;
    const char **excludes;         /* --exclude items, each may be a comma list */
    size_t nexcludes;
    const char **exclude_files;    /* --exclude-file paths, read whole by p3s_tgen_open() */
    size_t nexclude_files;
    uint32_t shard_index;          /* 0-based, < shard_count */
    uint32_t shard_count;          /* 0 or 1: no sharding */
    int randomize;
    uint64_t seed;                 /* the caller draws one when --seed is absent */
    unsigned v6_prefix_cap;        /* IPv6 host bits allowed, 0 = the default; at most 32 */
};

struct p3s_tgen;

/* Validates every command-line expression and exclusion, reads the exclusion files and opens
 * the target files. Returns 0, or -1 with a message naming the bad input (exit status 2). */
int p3s_tgen_open(struct p3s_tgen **out, const struct p3s_tgen_opts *o, char *err,
                  size_t errsz);
/* 1: *t holds the next target (port 0 means: use the port list); 0: no more targets;
 * -1: a bad file line, err says "FILE:LINE: message" — call again to go on;
 * -2: a file could not be read to its end, err says why: the target set is not what the user
 * gave, which the caller treats as bad input (exit status 2). */
int p3s_tgen_next(struct p3s_tgen *g, struct p3s_target *t, char *err, size_t errsz);
/* Gives t back: the next p3s_tgen_next() returns it again (one target at most). The CLI looks
 * at the first target to tell an input that leaves nothing to scan before anything starts. */
void p3s_tgen_unget(struct p3s_tgen *g, const struct p3s_target *t);
/* Whether the targets may be many: a command-line CIDR or range of more than one address, or a
 * target file. The text report then shows only the services that answered (--open). */
int p3s_tgen_has_range(const struct p3s_tgen *g);
/* Whether the address ip (numeric) is, or will be, given by the stream without a port (so it is
 * scanned on every port of the list): on the command line, in a file range read so far or being
 * read, or as a single address of a file remembered so far; never when excluded. Any shard's:
 * the address is scanned once across the shards. The scan drops what a name or HOST:PORT would
 * scan again (dedupe.h). */
int p3s_tgen_covers(const struct p3s_tgen *g, const struct sockaddr *addr);
/* The number of targets this shard will get, exact when no file is given; else UINT64_MAX. */
uint64_t p3s_tgen_total(const struct p3s_tgen *g);
void p3s_tgen_free(struct p3s_tgen *g);

#endif
