/* ntlm.c — NTLM NEGOTIATE encoding and CHALLENGE decoding for pop3scan's --ntlm probe.
 *
 * See ntlm.h. The engine only moves lines; everything NTLM-specific (message layout, base64,
 * UTF-16LE names, the OS build table) is here as plain functions of their arguments, so every
 * malformed-message case is a unit test (tests/unit/test_ntlm.c) and a fuzz target
 * (fuzz/fuzz_ntlm.c). OpenSSL supplies only the base64 block codec.
 */
#include "ntlm.h"

#include <string.h>

#include <openssl/evp.h>

/* ---- message layout ([MS-NLMP] 2.2.1) ---------------------------------------------------- */

static const unsigned char SIGNATURE[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', '\0'};

enum {
    MSG_NEGOTIATE = 1,
    MSG_CHALLENGE = 2,

    /* CHALLENGE_MESSAGE */
    OFF_TYPE = 8,
    OFF_TARGET_NAME = 12,
    OFF_FLAGS = 20,
    OFF_SERVER_CHALLENGE = 24,
    OFF_TARGET_INFO = 40,
    OFF_VERSION = 48,
    CHALLENGE_FIXED = 48,        /* everything up to and including TargetInfoFields */
    CHALLENGE_WITH_VERSION = 56, /* ... plus the 8-byte VERSION */

    /* NEGOTIATE_MESSAGE */
    NEG_OFF_FLAGS = 12,
    NEG_OFF_DOMAIN = 16,
    NEG_OFF_WORKSTATION = 24,
    NEG_LEN = 40, /* header with a zero VERSION, empty payload */

    NTLM_REVISION_W2K3 = 0x0f
};

/* AvId values ([MS-NLMP] 2.2.2.1). */
enum {
    AV_EOL = 0,
    AV_NB_COMPUTER = 1,
    AV_NB_DOMAIN = 2,
    AV_DNS_COMPUTER = 3,
    AV_DNS_DOMAIN = 4,
    AV_DNS_TREE = 5,
    AV_TIMESTAMP = 7
};

/* What a Windows client asks for, minus domain and workstation: we have nothing to say about
 * ourselves, and a server answers a NEGOTIATE that looks ordinary. = 0xa2088207. */
#define NEGOTIATE_FLAGS                                                                          \
    (P3NTLM_NEGOTIATE_UNICODE | P3NTLM_NEGOTIATE_OEM | P3NTLM_REQUEST_TARGET |                   \
     P3NTLM_NEGOTIATE_NTLM | P3NTLM_NEGOTIATE_ALWAYS_SIGN |                                      \
     P3NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY | P3NTLM_NEGOTIATE_VERSION |                      \
     P3NTLM_NEGOTIATE_128 | P3NTLM_NEGOTIATE_56)

/* What a Windows domain member server answers with (0xa2898205), so built messages look real. */
#define CHALLENGE_FLAGS                                                                          \
    (P3NTLM_NEGOTIATE_UNICODE | P3NTLM_REQUEST_TARGET | P3NTLM_NEGOTIATE_NTLM |                  \
     P3NTLM_NEGOTIATE_ALWAYS_SIGN | P3NTLM_TARGET_TYPE_DOMAIN |                                  \
     P3NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY | P3NTLM_NEGOTIATE_TARGET_INFO |                  \
     P3NTLM_NEGOTIATE_VERSION | P3NTLM_NEGOTIATE_128 | P3NTLM_NEGOTIATE_56)

/* The base64 decoder works on the stack (no allocation); a real CHALLENGE is a few hundred
 * bytes, and a longer one is decoded from its prefix so a hostile server costs nothing. */
#define B64_MSG_MAX 4096
#define B64_QUADS_MAX ((B64_MSG_MAX + 2) / 3)

#define REPLACEMENT_CHAR 0xfffdu

/* ---- little-endian access ---------------------------------------------------------------- */

static unsigned rd16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8 & 0xff);
}

static void wr32(unsigned char *p, uint32_t v)
{
    wr16(p, v & 0xffff);
    wr16(p + 2, v >> 16);
}

static void wr64(unsigned char *p, uint64_t v)
{
    wr32(p, (uint32_t)(v & 0xffffffffu));
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* ---- errors ------------------------------------------------------------------------------ */

const char *p3ntlm_strerror(int err)
{
    switch (err) {
    case P3NTLM_OK: return "ok";
    case P3NTLM_EBASE64: return "invalid base64";
    case P3NTLM_ESHORT: return "message too short";
    case P3NTLM_ESIG: return "no NTLMSSP signature";
    case P3NTLM_ETYPE: return "not an NTLM CHALLENGE message";
    case P3NTLM_EBOUNDS: return "field outside the message";
    case P3NTLM_EAVPAIR: return "malformed target information";
    default: return "unknown NTLM error";
    }
}

/* ---- UTF-8 output into a fixed name buffer ----------------------------------------------- */

struct name_out {
    char *p;
    size_t cap; /* >= 1: room for the NUL */
    size_t n;
    int full; /* a character did not fit: nothing more is appended, so the cut is clean */
};

static size_t utf8_encode(uint32_t cp, unsigned char b[4])
{
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    b[0] = (unsigned char)(0xf0 | cp >> 18);
    b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    b[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

static void name_put(struct name_out *o, uint32_t cp)
{
    unsigned char b[4];
    size_t k = utf8_encode(cp, b);
    if (o->full || k > o->cap - 1 - o->n) {
        o->full = 1;
        return;
    }
    memcpy(o->p + o->n, b, k);
    o->n += k;
    o->p[o->n] = '\0';
}

static void name_init(struct name_out *o, char *dst, size_t cap)
{
    o->p = dst;
    o->cap = cap;
    o->n = 0;
    o->full = 0;
    dst[0] = '\0';
}

/* A NUL cannot live inside a C string; rather than cut the name there (hiding what follows),
 * it becomes U+FFFD. */
static uint32_t no_nul(uint32_t cp)
{
    return cp == 0 ? REPLACEMENT_CHAR : cp;
}

/* UTF-16LE -> UTF-8. Pairs of surrogates combine; a lone surrogate or a dangling odd byte becomes
 * U+FFFD, so a hostile name still yields valid UTF-8 for the JSON output. Trailing NUL units
 * (some servers count a terminator) are dropped. */
static void utf16le_to_name(const unsigned char *s, size_t len, char *dst, size_t cap)
{
    struct name_out o;
    size_t units = len / 2;
    int odd = (int)(len & 1);
    name_init(&o, dst, cap);
    while (!odd && units > 0 && rd16(s + 2 * (units - 1)) == 0)
        units--;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = rd16(s + 2 * i);
        if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
            uint32_t lo = rd16(s + 2 * (i + 1));
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                name_put(&o, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
                i++;
                continue;
            }
        }
        name_put(&o, (u >= 0xd800 && u <= 0xdfff) ? REPLACEMENT_CHAR : no_nul(u));
    }
    if (odd)
        name_put(&o, REPLACEMENT_CHAR);
}

/* OEM names are in the server's code page, which the message does not name. Each byte becomes
 * the code point of the same value (Latin-1): ASCII names come out unchanged, the result is
 * always valid UTF-8, and the original bytes are recoverable. */
static void oem_to_name(const unsigned char *s, size_t len, char *dst, size_t cap)
{
    struct name_out o;
    name_init(&o, dst, cap);
    while (len > 0 && s[len - 1] == 0)
        len--;
    for (size_t i = 0; i < len; i++)
        name_put(&o, no_nul(s[i]));
}

/* ---- CHALLENGE decoding ------------------------------------------------------------------ */

/* A (Len, MaxLen, BufferOffset) triple. MaxLen is ignored: receivers use Len. */
struct field {
    size_t len;
    size_t off;
};

static struct field rd_field(const unsigned char *p)
{
    struct field f = {rd16(p), rd32(p + 4)};
    return f;
}

/* Whether the field's bytes lie inside a message of msglen bytes. off + len is never formed, so
 * an offset of 0xffffffff cannot wrap around. An empty field's offset is never read. */
static int field_inside(struct field f, size_t msglen)
{
    return f.len == 0 || (f.off <= msglen && f.len <= msglen - f.off);
}

/* VERSION is there when the flag says so, the bytes exist, and no payload starts inside them: a
 * server that sets the flag but puts its payload at offset 48 would otherwise have its names
 * reported as a Windows build. */
static int version_present(uint32_t flags, size_t len, struct field name, struct field info)
{
    if (!(flags & P3NTLM_NEGOTIATE_VERSION) || len < CHALLENGE_WITH_VERSION)
        return 0;
    if (name.len > 0 && name.off < CHALLENGE_WITH_VERSION)
        return 0;
    if (info.len > 0 && info.off < CHALLENGE_WITH_VERSION)
        return 0;
    return 1;
}

static char *av_name_slot(struct p3ntlm_info *out, unsigned id)
{
    switch (id) {
    case AV_NB_COMPUTER: return out->nb_computer;
    case AV_NB_DOMAIN: return out->nb_domain;
    case AV_DNS_COMPUTER: return out->dns_computer;
    case AV_DNS_DOMAIN: return out->dns_domain;
    case AV_DNS_TREE: return out->dns_tree;
    default: return NULL;
    }
}

/* One AV_PAIR value, already known to lie inside the message. AV_PAIR names are UTF-16LE
 * whatever the UNICODE flag says ([MS-NLMP] 2.2.2.1). Unknown AvIds are skipped. */
static int decode_av_pair(unsigned id, const unsigned char *v, size_t len,
                          struct p3ntlm_info *out)
{
    char *slot = av_name_slot(out, id);
    if (slot) {
        utf16le_to_name(v, len, slot, P3NTLM_NAME_MAX);
        return P3NTLM_OK;
    }
    if (id == AV_TIMESTAMP) {
        if (len != 8)
            return P3NTLM_EAVPAIR;
        out->has_timestamp = 1;
        out->timestamp = rd64(v);
    }
    return P3NTLM_OK;
}

/* The AV_PAIR list: each pair's header and value must lie inside the TargetInfo field, and the
 * list must end with MsvAvEOL. Bytes after MsvAvEOL are ignored, as Windows does. */
static int decode_target_info(const unsigned char *p, size_t len, struct p3ntlm_info *out)
{
    size_t pos = 0;
    if (len == 0)
        return P3NTLM_OK;
    while (len - pos >= 4) {
        unsigned id = rd16(p + pos);
        size_t avlen = rd16(p + pos + 2);
        pos += 4;
        if (avlen > len - pos)
            return P3NTLM_EAVPAIR;
        if (id == AV_EOL)
            return P3NTLM_OK;
        int err = decode_av_pair(id, p + pos, avlen, out);
        if (err != P3NTLM_OK)
            return err;
        pos += avlen;
    }
    return P3NTLM_EAVPAIR; /* no MsvAvEOL */
}

/* Signature, type and the fixed header. Fills out->flags as soon as its bytes exist so a cut
 * message still says what it can. */
static int check_header(const unsigned char *msg, size_t len, struct p3ntlm_info *out)
{
    size_t sig = len < sizeof SIGNATURE ? len : sizeof SIGNATURE;
    if (sig > 0 && memcmp(msg, SIGNATURE, sig) != 0)
        return P3NTLM_ESIG;
    if (len < OFF_TARGET_NAME)
        return P3NTLM_ESHORT;
    if (rd32(msg + OFF_TYPE) != MSG_CHALLENGE)
        return P3NTLM_ETYPE;
    if (len >= OFF_SERVER_CHALLENGE)
        out->flags = rd32(msg + OFF_FLAGS);
    return len < CHALLENGE_FIXED ? P3NTLM_ESHORT : P3NTLM_OK;
}

int p3ntlm_decode_challenge(const unsigned char *msg, size_t len, struct p3ntlm_info *out)
{
    memset(out, 0, sizeof *out);
    int err = check_header(msg, len, out);
    if (err != P3NTLM_OK)
        return err;

    struct field name = rd_field(msg + OFF_TARGET_NAME);
    struct field info = rd_field(msg + OFF_TARGET_INFO);
    if (version_present(out->flags, len, name, info)) {
        out->has_version = 1;
        out->os_major = msg[OFF_VERSION];
        out->os_minor = msg[OFF_VERSION + 1];
        out->os_build = rd16(msg + OFF_VERSION + 2);
    }

    /* Keep going after the first bad field: the other may still disclose something. */
    if (!field_inside(name, len))
        err = P3NTLM_EBOUNDS;
    else if (out->flags & P3NTLM_NEGOTIATE_UNICODE)
        utf16le_to_name(msg + name.off, name.len, out->target_name, P3NTLM_NAME_MAX);
    else
        oem_to_name(msg + name.off, name.len, out->target_name, P3NTLM_NAME_MAX);

    int info_err = field_inside(info, len) ? decode_target_info(msg + info.off, info.len, out)
                                           : P3NTLM_EBOUNDS;
    return err != P3NTLM_OK ? err : info_err;
}

/* ---- base64 ------------------------------------------------------------------------------ */

/* Checked here, not left to EVP_DecodeBlock: it accepts '=' anywhere and decodes it as a zero
 * byte, and skips surrounding whitespace we have already trimmed. */
static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Decodes the unpadded base64 in s[0..n) (alphabet already checked, n % 4 != 1) into buf, at
 * most B64_QUADS_MAX quads plus a tail. Returns the byte count or -1. */
static int b64_decode(const unsigned char *s, size_t n, unsigned char *buf)
{
    size_t quads = n / 4, rem = n % 4;
    if (quads > B64_QUADS_MAX) {
        quads = B64_QUADS_MAX;
        rem = 0; /* the tail is beyond what we keep */
    }
    if (quads > 0 && EVP_DecodeBlock(buf, s, (int)(quads * 4)) != (int)(quads * 3))
        return -1;
    size_t got = quads * 3;
    if (rem > 0) {
        /* Pad the tail ourselves; EVP_DecodeBlock counts the padding as zero bytes, so only
         * rem - 1 of the 3 bytes it writes are data. */
        unsigned char tail[4] = {'=', '=', '=', '='};
        memcpy(tail, s + quads * 4, rem);
        if (EVP_DecodeBlock(buf + got, tail, 4) != 3)
            return -1;
        got += rem - 1;
    }
    return (int)got;
}

int p3ntlm_decode_challenge_b64(const char *b64, size_t len, struct p3ntlm_info *out)
{
    const unsigned char *s = (const unsigned char *)b64;
    unsigned char buf[B64_QUADS_MAX * 3 + 3];

    memset(out, 0, sizeof *out);
    while (len > 0 && is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;

    size_t pad = 0;
    while (pad < len && s[len - 1 - pad] == '=')
        pad++;
    size_t body = len - pad;
    if (pad > 2 || body % 4 == 1 || (pad > 0 && (body + pad) % 4 != 0))
        return P3NTLM_EBASE64;
    for (size_t i = 0; i < body; i++)
        if (!is_b64(s[i]))
            return P3NTLM_EBASE64;

    int n = b64_decode(s, body, buf);
    if (n < 0)
        return P3NTLM_EBASE64;
    return p3ntlm_decode_challenge(buf, (size_t)n < B64_MSG_MAX ? (size_t)n : B64_MSG_MAX, out);
}

/* ---- NEGOTIATE --------------------------------------------------------------------------- */

int p3ntlm_negotiate_b64(char *out, size_t cap)
{
    unsigned char msg[NEG_LEN] = {0};
    memcpy(msg, SIGNATURE, sizeof SIGNATURE);
    wr32(msg + OFF_TYPE, MSG_NEGOTIATE);
    wr32(msg + NEG_OFF_FLAGS, NEGOTIATE_FLAGS);
    /* Empty DomainName and Workstation: offsets point where the payload would start, as the
     * spec asks; VERSION stays zero (we have no Windows version to give). */
    wr32(msg + NEG_OFF_DOMAIN + 4, NEG_LEN);
    wr32(msg + NEG_OFF_WORKSTATION + 4, NEG_LEN);

    size_t need = 4 * ((sizeof msg + 2) / 3) + 1;
    if (out == NULL || cap < need)
        return -1;
    return EVP_EncodeBlock((unsigned char *)out, msg, (int)sizeof msg);
}

/* ---- CHALLENGE building (tests and the test server) -------------------------------------- */

/* One strictly valid UTF-8 sequence at s (NUL-terminated): its length, or 0 when invalid
 * (overlong, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        n = 2, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Appends s as UTF-16LE at out[*pos]; -1 when it does not fit or is not UTF-8. */
static int put_utf16(const char *s, unsigned char *out, size_t cap, size_t *pos)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t k = utf8_next(p, &cp);
        if (k == 0)
            return -1;
        p += k;
        size_t need = cp >= 0x10000 ? 4 : 2;
        if (need > cap - *pos)
            return -1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            wr16(out + *pos, 0xd800 | cp >> 10);
            wr16(out + *pos + 2, 0xdc00 | (cp & 0x3ff));
        } else {
            wr16(out + *pos, cp);
        }
        *pos += need;
    }
    return 0;
}

/* Writes a (Len, MaxLen, BufferOffset) triple for payload bytes [start, end). */
static int put_field(unsigned char *hdr, size_t start, size_t end)
{
    if (end - start > 0xffff || start > 0xffffffffu)
        return -1;
    wr16(hdr, (unsigned)(end - start));
    wr16(hdr + 2, (unsigned)(end - start));
    wr32(hdr + 4, (uint32_t)start);
    return 0;
}

static int put_av_name(unsigned id, const char *s, unsigned char *out, size_t cap, size_t *pos)
{
    if (s == NULL || *s == '\0')
        return 0;
    if (cap - *pos < 4)
        return -1;
    size_t hdr = *pos;
    *pos += 4;
    if (put_utf16(s, out, cap, pos) < 0 || *pos - hdr - 4 > 0xffff)
        return -1;
    wr16(out + hdr, id);
    wr16(out + hdr + 2, (unsigned)(*pos - hdr - 4));
    return 0;
}

static int put_av_raw(unsigned id, const unsigned char *v, size_t len, unsigned char *out,
                      size_t cap, size_t *pos)
{
    if (cap - *pos < 4 + len)
        return -1;
    wr16(out + *pos, id);
    wr16(out + *pos + 2, (unsigned)len);
    if (len > 0)
        memcpy(out + *pos + 4, v, len);
    *pos += 4 + len;
    return 0;
}

/* AV_PAIRs in the order Windows sends them, then MsvAvEOL. */
static int put_target_info(const struct p3ntlm_challenge_spec *spec, unsigned char *out,
                           size_t cap, size_t *pos)
{
    if (put_av_name(AV_NB_DOMAIN, spec->nb_domain, out, cap, pos) < 0 ||
        put_av_name(AV_NB_COMPUTER, spec->nb_computer, out, cap, pos) < 0 ||
        put_av_name(AV_DNS_DOMAIN, spec->dns_domain, out, cap, pos) < 0 ||
        put_av_name(AV_DNS_COMPUTER, spec->dns_computer, out, cap, pos) < 0 ||
        put_av_name(AV_DNS_TREE, spec->dns_tree, out, cap, pos) < 0)
        return -1;
    if (spec->timestamp != 0) {
        unsigned char ts[8];
        wr64(ts, spec->timestamp);
        if (put_av_raw(AV_TIMESTAMP, ts, sizeof ts, out, cap, pos) < 0)
            return -1;
    }
    return put_av_raw(AV_EOL, NULL, 0, out, cap, pos);
}

static void put_challenge_header(const struct p3ntlm_challenge_spec *spec, unsigned char *out)
{
    /* A fixed ServerChallenge: built messages are for tests, which want the same bytes. */
    static const unsigned char server_challenge[8] = {0x01, 0x23, 0x45, 0x67,
                                                      0x89, 0xab, 0xcd, 0xef};
    memset(out, 0, CHALLENGE_WITH_VERSION);
    memcpy(out, SIGNATURE, sizeof SIGNATURE);
    wr32(out + OFF_TYPE, MSG_CHALLENGE);
    wr32(out + OFF_FLAGS, CHALLENGE_FLAGS | spec->extra_flags);
    memcpy(out + OFF_SERVER_CHALLENGE, server_challenge, sizeof server_challenge);
    out[OFF_VERSION] = (unsigned char)(spec->os_major & 0xff);
    out[OFF_VERSION + 1] = (unsigned char)(spec->os_minor & 0xff);
    wr16(out + OFF_VERSION + 2, spec->os_build & 0xffff);
    out[OFF_VERSION + 7] = NTLM_REVISION_W2K3;
}

int p3ntlm_build_challenge(const struct p3ntlm_challenge_spec *spec, unsigned char *out,
                           size_t cap)
{
    if (spec == NULL || out == NULL || cap < CHALLENGE_WITH_VERSION)
        return -1;
    put_challenge_header(spec, out);

    size_t pos = CHALLENGE_WITH_VERSION, start = pos;
    if (spec->target_name && put_utf16(spec->target_name, out, cap, &pos) < 0)
        return -1;
    if (put_field(out + OFF_TARGET_NAME, start, pos) < 0)
        return -1;

    start = pos;
    if (put_target_info(spec, out, cap, &pos) < 0 ||
        put_field(out + OFF_TARGET_INFO, start, pos) < 0)
        return -1;
    return pos > (size_t)0x7fffffff ? -1 : (int)pos;
}

/* ---- OS names ---------------------------------------------------------------------------- */

/* Release builds as Windows reports them in VERSION. Client and server share a build number
 * from Vista on, so a server answering with one names both; the scanner cannot tell which. */
static const struct os_release {
    unsigned char major, minor;
    unsigned short build;
    const char *name;
} OS_RELEASES[] = {
    {5, 0, 2195, "Windows 2000"},
    {5, 1, 2600, "Windows XP"},
    {5, 2, 3790, "Windows Server 2003"},
    {6, 0, 6000, "Windows Vista"},
    {6, 0, 6001, "Windows Server 2008 / Vista SP1"},
    {6, 0, 6002, "Windows Server 2008 SP2 / Vista SP2"},
    {6, 0, 6003, "Windows Server 2008 SP2 / Vista SP2"},
    {6, 1, 7600, "Windows Server 2008 R2 / 7"},
    {6, 1, 7601, "Windows Server 2008 R2 SP1 / 7 SP1"},
    {6, 2, 9200, "Windows Server 2012 / 8"},
    {6, 3, 9600, "Windows Server 2012 R2 / 8.1"},
    {10, 0, 10240, "Windows 10 1507"},
    {10, 0, 10586, "Windows 10 1511"},
    {10, 0, 14393, "Windows Server 2016 / Windows 10 1607"},
    {10, 0, 15063, "Windows 10 1703"},
    {10, 0, 16299, "Windows Server 1709 / Windows 10 1709"},
    {10, 0, 17134, "Windows Server 1803 / Windows 10 1803"},
    {10, 0, 17763, "Windows Server 2019 / Windows 10 1809"},
    {10, 0, 18362, "Windows Server 1903 / Windows 10 1903"},
    {10, 0, 18363, "Windows Server 1909 / Windows 10 1909"},
    {10, 0, 19041, "Windows Server 2004 / Windows 10 2004"},
    {10, 0, 19042, "Windows Server 20H2 / Windows 10 20H2"},
    {10, 0, 19043, "Windows 10 21H1"},
    {10, 0, 19044, "Windows 10 21H2"},
    {10, 0, 19045, "Windows 10 22H2"},
    {10, 0, 20348, "Windows Server 2022"},
    {10, 0, 22000, "Windows 11 21H2"},
    {10, 0, 22621, "Windows 11 22H2"},
    {10, 0, 22631, "Windows 11 23H2"},
    {10, 0, 25398, "Windows Server 23H2"},
    {10, 0, 26100, "Windows Server 2025 / Windows 11 24H2"},
};

const char *p3ntlm_os_name(unsigned major, unsigned minor, unsigned build)
{
    for (size_t i = 0; i < sizeof OS_RELEASES / sizeof OS_RELEASES[0]; i++) {
        const struct os_release *r = &OS_RELEASES[i];
        if (r->major == major && r->minor == minor && r->build == build)
            return r->name;
    }
    return NULL;
}
