/* ntlm.h — the pure NTLM piece of pop3scan's opt-in `--ntlm` probe.
 *
 * With --ntlm the engine sends `AUTH NTLM`, answers the server's `+ ` with the NEGOTIATE message
 * from p3ntlm_negotiate_b64(), reads the server's `+ <base64 CHALLENGE>`, decodes it with
 * p3ntlm_decode_challenge_b64() and cancels with `*`. No credential is ever sent: the CHALLENGE
 * alone discloses the internal NetBIOS and DNS names and the OS build (finding
 * pop3-ntlm-disclosure, PRODUCT.md "Findings").
 *
 * Bytes in, fields out, after picohttpparser: no sockets, no clock, no allocation, no global
 * state; every buffer belongs to the caller. The server's bytes are hostile: every offset and
 * length in the message is checked against the message length before it is read, so a decode
 * never reads outside [msg, msg + len) whatever the input.
 *
 * Layout and constants follow [MS-NLMP] 2.2.1.1 (NEGOTIATE_MESSAGE), 2.2.1.2 (CHALLENGE_MESSAGE),
 * 2.2.2.1 (AV_PAIR), 2.2.2.5 (NegotiateFlags) and 2.2.2.10 (VERSION).
 */
#ifndef POP3SCAN_NTLM_H
#define POP3SCAN_NTLM_H

#include <stddef.h>
#include <stdint.h>

#define P3NTLM_NAME_MAX 256 /* UTF-8 bytes per decoded name, NUL included */

/* NegotiateFlags bits the decoder and builder look at ([MS-NLMP] 2.2.2.5). */
#define P3NTLM_NEGOTIATE_UNICODE 0x00000001u
#define P3NTLM_NEGOTIATE_OEM 0x00000002u
#define P3NTLM_REQUEST_TARGET 0x00000004u
#define P3NTLM_NEGOTIATE_NTLM 0x00000200u
#define P3NTLM_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define P3NTLM_TARGET_TYPE_DOMAIN 0x00010000u
#define P3NTLM_TARGET_TYPE_SERVER 0x00020000u
#define P3NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define P3NTLM_NEGOTIATE_TARGET_INFO 0x00800000u
#define P3NTLM_NEGOTIATE_VERSION 0x02000000u
#define P3NTLM_NEGOTIATE_128 0x20000000u
#define P3NTLM_NEGOTIATE_56 0x80000000u

/* What a CHALLENGE discloses. Names are UTF-8, always NUL-terminated, empty when absent, cut at
 * a character boundary when longer than P3NTLM_NAME_MAX - 1 bytes. Control characters are kept
 * as the server sent them: escaping is the output modules' job. */
struct p3ntlm_info {
    uint32_t flags;                     /* NegotiateFlags from the CHALLENGE */
    char target_name[P3NTLM_NAME_MAX];
    char nb_computer[P3NTLM_NAME_MAX];  /* MsvAvNbComputerName */
    char nb_domain[P3NTLM_NAME_MAX];    /* MsvAvNbDomainName */
    char dns_computer[P3NTLM_NAME_MAX]; /* MsvAvDnsComputerName */
    char dns_domain[P3NTLM_NAME_MAX];   /* MsvAvDnsDomainName */
    char dns_tree[P3NTLM_NAME_MAX];     /* MsvAvDnsTreeName */
    int has_version;                    /* NTLMSSP_NEGOTIATE_VERSION set and 8 bytes present */
    unsigned os_major, os_minor, os_build;
    int has_timestamp;
    uint64_t timestamp; /* MsvAvTimestamp, FILETIME (100 ns units since 1601-01-01 UTC) */
};

enum p3ntlm_err {
    P3NTLM_OK = 0,
    P3NTLM_EBASE64, /* the text is not base64 */
    P3NTLM_ESHORT,  /* shorter than the fixed CHALLENGE header */
    P3NTLM_ESIG,    /* does not start with "NTLMSSP\0" */
    P3NTLM_ETYPE,   /* an NTLM message, but not a CHALLENGE (type 2) */
    P3NTLM_EBOUNDS, /* a field's offset/length points outside the message */
    P3NTLM_EAVPAIR  /* the AV_PAIR list is malformed (runs past its end, no MsvAvEOL, ...) */
};

/* A short English text for an enum p3ntlm_err value; never NULL. */
const char *p3ntlm_strerror(int err);

/* base64 NEGOTIATE message (NUL-terminated) into out; returns length or -1 if cap too small. */
int p3ntlm_negotiate_b64(char *out, size_t cap);

/* Decode a raw CHALLENGE (type 2) message. Returns P3NTLM_OK or an error; on error `out` holds
 * whatever was decoded safely (everything else zero / empty). When several things are wrong the
 * first one found is returned, but the decoder still reads every field it safely can. */
int p3ntlm_decode_challenge(const unsigned char *msg, size_t len, struct p3ntlm_info *out);

/* Same from the base64 text after "+ " (whitespace/CR trimmed; tolerant of missing padding).
 * b64 need not be NUL-terminated; exactly len bytes are read. Messages longer than 4096 bytes are
 * decoded from their first 4096 bytes only (a real CHALLENGE is a few hundred). */
int p3ntlm_decode_challenge_b64(const char *b64, size_t len, struct p3ntlm_info *out);

/* Build a CHALLENGE to the MS-NLMP layout (for tests and the test server): names given as UTF-8,
 * converted to UTF-16LE; returns bytes written or -1. NULL or empty names are left out (no
 * AV_PAIR); timestamp 0 leaves out MsvAvTimestamp. The flags are a typical Windows server's
 * (UNICODE, TARGET_INFO, VERSION, ...) ORed with extra_flags. Returns -1 when cap is too small or
 * a name is not valid UTF-8 or longer than an NTLM field can hold. */
struct p3ntlm_challenge_spec {
    const char *target_name, *nb_computer, *nb_domain, *dns_computer, *dns_domain, *dns_tree;
    unsigned os_major, os_minor, os_build;
    uint64_t timestamp;
    uint32_t extra_flags;
};
int p3ntlm_build_challenge(const struct p3ntlm_challenge_spec *spec, unsigned char *out,
                           size_t cap);

/* The Windows release a VERSION (major.minor.build) belongs to, e.g. 10.0.17763 ->
 * "Windows Server 2019 / Windows 10 1809"; NULL when the triple is not a known release. */
const char *p3ntlm_os_name(unsigned major, unsigned minor, unsigned build);

#endif
