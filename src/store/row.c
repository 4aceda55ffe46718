/* row.c — a record's stored row, from a struct p3s_record or from its JSONL form (see row.h for
 * the canonical texts both must give). Each column is filled by one function per source, side
 * by side, so that a change to one shows next to the other. */
#include "row.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "findings.h"
#include "record.h"
#include "tls.h"

#define P3S_ROW_NAME(e, name) name,
const char *const P3S_COL_NAMES[P3S_COL_COUNT] = {P3S_ROW_COLUMNS(P3S_ROW_NAME)};
#undef P3S_ROW_NAME

/* TLS versions in the order the JSONL `tls.versions` object has them. */
static const char *const TLS_NAMES[P3S_PROTO_COUNT] = {"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2",
                                                       "TLSv1.3"};

/* ---- the buffer ------------------------------------------------------------------------ */

void p3s_rowbuf_init(struct p3s_rowbuf *b)
{
    memset(b, 0, sizeof *b);
}

void p3s_rowbuf_free(struct p3s_rowbuf *b)
{
    free(b->buf);
    free(b->tmp);
    memset(b, 0, sizeof *b);
}

static void reset(struct p3s_rowbuf *b)
{
    b->len = 0;
    b->failed = 0;
    b->port = 0;
    b->json_off = -1;
    b->json_len = 0;
    for (int i = 0; i < P3S_COL_COUNT; i++)
        b->off[i] = -1;
}

static int reserve(struct p3s_rowbuf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->buf, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->buf = p;
    b->cap = cap;
    return 0;
}

static void append(struct p3s_rowbuf *b, const char *p, size_t n)
{
    if (n && reserve(b, n) == 0) {
        memcpy(b->buf + b->len, p, n);
        b->len += n;
    }
}

static void begin_col(struct p3s_rowbuf *b, enum p3s_col c)
{
    b->off[c] = (long)b->len;
}

static void end_col(struct p3s_rowbuf *b)
{
    append(b, "", 1);
}

/* A column of program text (state names, hex digests, ISO dates): no escaping needed. */
static void set_word(struct p3s_rowbuf *b, enum p3s_col c, const char *s)
{
    if (!s)
        return;
    begin_col(b, c);
    append(b, s, strlen(s));
    end_col(b);
}

/* A column of raw bytes (from a server, or text that carries some). */
static void set_bytes(struct p3s_rowbuf *b, enum p3s_col c, const char *p, size_t n)
{
    begin_col(b, c);
    p3s_row_escape(b, p, n);
    end_col(b);
}

/* ---- the canonical escaping --------------------------------------------------------------- */

static int escaped_code_point(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static unsigned decode_utf8(const unsigned char *s, size_t n)
{
    unsigned cp = n == 2 ? s[0] & 0x1fu : n == 3 ? s[0] & 0x0fu : s[0] & 0x07u;
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3fu);
    return cp;
}

static const char HEX[] = "0123456789abcdef";

void p3s_row_escape(struct p3s_rowbuf *b, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t plain = 0; /* the common case: printable ASCII without a backslash, copied at once */
    while (plain < n && s[plain] >= 0x20 && s[plain] < 0x7f && s[plain] != '\\')
        plain++;
    append(b, p, plain);
    for (size_t i = plain; i < n;) {
        size_t k = p3s_utf8_len(s + i, n - i);
        char esc[12];
        if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = HEX[s[i] >> 4];
            esc[3] = HEX[s[i] & 15];
            append(b, esc, 4);
            i++;
        } else if (k == 1 && s[i] == '\\') {
            append(b, "\\\\", 2);
            i++;
        } else if (k > 1 && escaped_code_point(decode_utf8(s + i, k))) {
            int len = snprintf(esc, sizeof esc, "\\u{%04x}", decode_utf8(s + i, k));
            append(b, esc, (size_t)len);
            i += k;
        } else {
            append(b, p + i, k);
            i += k;
        }
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                 : -1;
}

static size_t put_utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

size_t p3s_row_unescape(const char *s, char *out)
{
    size_t o = 0;
    while (*s) {
        if (s[0] == '\\' && s[1] == '\\') {
            out[o++] = '\\';
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
            out[o++] = (char)(hexval(s[2]) << 4 | hexval(s[3]));
            s += 4;
        } else if (s[0] == '\\' && s[1] == 'u' && s[2] == '{') {
            /* \u{HHHH} is 8 characters at least, its UTF-8 at most 3 bytes: out stays shorter */
            unsigned cp = 0;
            const char *p = s + 3;
            while (hexval(*p) >= 0 && p - s < 10)
                cp = cp << 4 | (unsigned)hexval(*p++);
            if (*p != '}' || p == s + 3 || cp > 0x10ffff) {
                out[o++] = *s++;
                continue;
            }
            o += put_utf8(cp, out + o);
            s = p + 1;
        } else {
            out[o++] = *s++;
        }
    }
    return o;
}

/* ---- from a record ------------------------------------------------------------------------ */

static void list_from_record(struct p3s_rowbuf *b, enum p3s_col c, const struct p3s_list *l)
{
    if (!l->present)
        return;
    begin_col(b, c);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            append(b, "\n", 1);
        p3s_row_escape(b, l->v[i].p, l->v[i].n);
    }
    end_col(b);
}

static void str_from_record(struct p3s_rowbuf *b, enum p3s_col c, const char *s)
{
    if (s && *s)
        set_bytes(b, c, s, strlen(s));
}

static void product_from_record(struct p3s_rowbuf *b, const struct p3fp_match *m)
{
    if (!m)
        return;
    str_from_record(b, P3S_COL_VENDOR, m->vendor);
    str_from_record(b, P3S_COL_PRODUCT, m->product);
    str_from_record(b, P3S_COL_VERSION, m->version);
    set_word(b, P3S_COL_PRODUCT_CONFIDENCE, p3fp_confidence_name(m->confidence));
}

static void tls_from_record(struct p3s_rowbuf *b, const struct p3s_record *r)
{
    if (!r->tls_version[0])
        return;
    str_from_record(b, P3S_COL_TLS_VERSION, r->tls_version);
    begin_col(b, P3S_COL_TLS_CIPHER);
    p3s_row_escape(b, r->tls_cipher, strlen(r->tls_cipher));
    end_col(b);
    int probed = 0;
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        probed |= r->tls_proto[i] >= 0;
    if (probed) {
        begin_col(b, P3S_COL_TLS_VERSIONS);
        int first = 1;
        for (int i = 0; i < P3S_PROTO_COUNT; i++) {
            if (r->tls_proto[i] != P3S_TLSPROBE_ACCEPTED)
                continue;
            if (!first)
                append(b, " ", 1);
            append(b, TLS_NAMES[i], strlen(TLS_NAMES[i]));
            first = 0;
        }
        end_col(b);
    }
    const struct p3s_certinfo *c = r->cert;
    if (c && c->present) {
        str_from_record(b, P3S_COL_CERT_SHA256, c->sha256);
        begin_col(b, P3S_COL_CERT_SUBJECT);
        p3s_row_escape(b, c->subject, strlen(c->subject));
        end_col(b);
        str_from_record(b, P3S_COL_CERT_NOT_AFTER, c->not_after);
    }
}

static void findings_from_record(struct p3s_rowbuf *b, const struct p3s_record *r)
{
    begin_col(b, P3S_COL_FINDINGS);
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct p3s_finding_def *d = r->findings[i].def;
        if (i)
            append(b, "\n", 1);
        p3s_row_escape(b, d->id, strlen(d->id));
        append(b, " ", 1);
        const char *sev = p3s_severity_name(d->severity);
        append(b, sev, strlen(sev));
    }
    end_col(b);
}

int p3s_rowbuf_from_record(struct p3s_rowbuf *b, const struct p3s_record *r, const char *json,
                           size_t json_len)
{
    reset(b);
    int reached = r->state == P3S_STATE_POP3 || r->state == P3S_STATE_OTHER || r->greeting.p;
    set_bytes(b, P3S_COL_TARGET, r->target, strlen(r->target));
    set_bytes(b, P3S_COL_IP, r->ip, strlen(r->ip));
    b->port = r->port;
    set_word(b, P3S_COL_TRANSPORT, r->implicit_tls ? "tls" : "plain");
    set_word(b, P3S_COL_STATE, p3s_state_name(r->state));
    if (r->state == P3S_STATE_POP3)
        set_word(b, P3S_COL_CONFIDENCE, r->confirmed ? "confirmed" : "probable");
    if (reached)
        set_word(b, P3S_COL_SERVICE, p3_service_name(r->service));
    if (r->greeting.p)
        set_bytes(b, P3S_COL_GREETING, r->greeting.p, r->greeting.n);
    product_from_record(b, r->product);
    list_from_record(b, P3S_COL_CAPABILITIES, &r->capa);
    list_from_record(b, P3S_COL_CAPABILITIES_TLS, &r->capa_tls);
    if (!r->implicit_tls) {
        set_word(b, P3S_COL_STLS, r->stls_upgraded     ? "upgraded"
                                  : r->stls_advertised ? "advertised"
                                                       : "none");
        set_word(b, P3S_COL_PLAINTEXT_LOGIN, r->login_accepted == P3S_YES ? "accepted"
                                             : r->login_accepted == P3S_NO ? "refused"
                                                                           : "unknown");
    }
    tls_from_record(b, r);
    findings_from_record(b, r);
    str_from_record(b, P3S_COL_ERROR, r->error);
    if (json) {
        b->json_off = (long)b->len;
        b->json_len = json_len;
        append(b, json, json_len);
        append(b, "", 1);
    }
    return b->failed ? -1 : 0;
}

/* ---- from a JSONL record -------------------------------------------------------------- */

/* The raw bytes of a JSON string of the record (undoing the lossless escaping), into b->tmp. */
static const char *json_raw(struct p3s_rowbuf *b, const json_t *v, size_t *n)
{
    size_t len = json_string_length(v);
    if (len + 1 > b->tmpcap) {
        char *p = realloc(b->tmp, len + 1);
        if (!p) {
            b->failed = 1;
            *n = 0;
            return "";
        }
        b->tmp = p;
        b->tmpcap = len + 1;
    }
    const char *s = json_string_value(v);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\\') {
            b->tmp[o++] = '\\';
            i += 2;
        } else if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
                   hexval(s[i + 3]) >= 0) {
            b->tmp[o++] = (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
            i += 4;
        } else {
            b->tmp[o++] = s[i++];
        }
    }
    *n = o;
    return b->tmp;
}

/* A string member as a column: NULL and "" are absent, as the JSONL writer writes them. */
static int str_from_json(struct p3s_rowbuf *b, enum p3s_col c, const json_t *obj,
                         const char *key, int keep_empty)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    size_t n;
    const char *p = json_raw(b, v, &n);
    if (n || keep_empty)
        set_bytes(b, c, p, n);
    return 0;
}

/* A member the program writes (no server bytes in it): copied as it is. */
static int word_from_json(struct p3s_rowbuf *b, enum p3s_col c, const json_t *obj,
                          const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    size_t n;
    const char *p = json_raw(b, v, &n);
    set_bytes(b, c, p, n);
    return 0;
}

static int list_from_json(struct p3s_rowbuf *b, enum p3s_col c, const json_t *obj,
                          const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return -1;
    begin_col(b, c);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *item = json_array_get(v, i);
        if (!json_is_string(item))
            return -1;
        if (i)
            append(b, "\n", 1);
        size_t n;
        const char *p = json_raw(b, item, &n);
        p3s_row_escape(b, p, n);
    }
    end_col(b);
    return 0;
}

static int product_from_json(struct p3s_rowbuf *b, const json_t *rec)
{
    const json_t *m = json_object_get(rec, "product");
    if (!m || json_is_null(m))
        return 0;
    if (!json_is_object(m))
        return -1;
    if (str_from_json(b, P3S_COL_VENDOR, m, "vendor", 0) ||
        str_from_json(b, P3S_COL_PRODUCT, m, "name", 0) ||
        str_from_json(b, P3S_COL_VERSION, m, "version", 0) ||
        word_from_json(b, P3S_COL_PRODUCT_CONFIDENCE, m, "confidence"))
        return -1;
    return 0;
}

static int tls_from_json(struct p3s_rowbuf *b, const json_t *rec)
{
    const json_t *t = json_object_get(rec, "tls");
    if (!t || json_is_null(t))
        return 0;
    if (!json_is_object(t))
        return -1;
    if (str_from_json(b, P3S_COL_TLS_VERSION, t, "version", 0) ||
        str_from_json(b, P3S_COL_TLS_CIPHER, t, "cipher", 1))
        return -1;
    const json_t *vs = json_object_get(t, "versions");
    if (vs && json_is_object(vs)) {
        begin_col(b, P3S_COL_TLS_VERSIONS);
        int first = 1;
        for (int i = 0; i < P3S_PROTO_COUNT; i++) {
            const json_t *res = json_object_get(vs, TLS_NAMES[i]);
            if (!json_is_string(res) || strcmp(json_string_value(res), "accepted") != 0)
                continue;
            if (!first)
                append(b, " ", 1);
            append(b, TLS_NAMES[i], strlen(TLS_NAMES[i]));
            first = 0;
        }
        end_col(b);
    } else if (vs && !json_is_null(vs)) {
        return -1;
    }
    const json_t *c = json_object_get(t, "certificate");
    if (c && json_is_object(c)) {
        if (str_from_json(b, P3S_COL_CERT_SHA256, c, "sha256", 0) ||
            str_from_json(b, P3S_COL_CERT_SUBJECT, c, "subject", 1) ||
            str_from_json(b, P3S_COL_CERT_NOT_AFTER, c, "not_after", 0))
            return -1;
    } else if (c && !json_is_null(c)) {
        return -1;
    }
    return 0;
}

static int findings_from_json(struct p3s_rowbuf *b, const json_t *rec)
{
    const json_t *fs = json_object_get(rec, "findings");
    if (fs && !json_is_array(fs))
        return -1;
    begin_col(b, P3S_COL_FINDINGS);
    for (size_t i = 0; i < json_array_size(fs); i++) {
        const json_t *f = json_array_get(fs, i);
        const json_t *id = json_object_get(f, "id"), *sev = json_object_get(f, "severity");
        if (!json_is_string(id) || !json_is_string(sev))
            return -1;
        if (i)
            append(b, "\n", 1);
        size_t n;
        const char *p = json_raw(b, id, &n);
        p3s_row_escape(b, p, n);
        append(b, " ", 1);
        p = json_raw(b, sev, &n);
        p3s_row_escape(b, p, n);
    }
    end_col(b);
    return 0;
}

/* stls {advertised, upgraded} and plaintext_login {accepted}: the words the record side uses. */
static int stls_login_from_json(struct p3s_rowbuf *b, const json_t *rec)
{
    const json_t *s = json_object_get(rec, "stls");
    if (s && json_is_object(s))
        set_word(b, P3S_COL_STLS, json_is_true(json_object_get(s, "upgraded"))     ? "upgraded"
                                  : json_is_true(json_object_get(s, "advertised")) ? "advertised"
                                                                                   : "none");
    else if (s && !json_is_null(s))
        return -1;
    const json_t *l = json_object_get(rec, "plaintext_login");
    if (l && json_is_object(l)) {
        const json_t *a = json_object_get(l, "accepted");
        set_word(b, P3S_COL_PLAINTEXT_LOGIN, json_is_true(a)    ? "accepted"
                                             : json_is_false(a) ? "refused"
                                                                : "unknown");
    } else if (l && !json_is_null(l)) {
        return -1;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

int p3s_rowbuf_from_json(struct p3s_rowbuf *b, const json_t *rec, const char *json,
                         size_t json_len, char *err, size_t errlen)
{
    reset(b);
    if (!json_is_object(rec))
        return fail(err, errlen, "not a JSON object");
    const json_t *schema = json_object_get(rec, "schema");
    if (!json_is_string(schema) || strncmp(json_string_value(schema), "pop3scan/record/", 16))
        return fail(err, errlen, "not a pop3scan record (no \"schema\": \"pop3scan/record/...\")");
    const json_t *target = json_object_get(rec, "target");
    const json_t *port = json_object_get(rec, "port");
    const json_t *transport = json_object_get(rec, "transport");
    if (!json_is_string(target) || !json_is_string(transport) ||
        !(json_is_null(port) || json_is_integer(port)))
        return fail(err, errlen, "a record without target, port or transport");
    str_from_json(b, P3S_COL_TARGET, rec, "target", 1);
    if (str_from_json(b, P3S_COL_IP, rec, "ip", 1))
        return fail(err, errlen, "\"ip\" is not a string");
    if (b->off[P3S_COL_IP] < 0) /* the record had no address: the key holds "" */
        set_word(b, P3S_COL_IP, "");
    b->port = json_is_integer(port) ? (int)json_integer_value(port) : 0;
    if (word_from_json(b, P3S_COL_TRANSPORT, rec, "transport") ||
        word_from_json(b, P3S_COL_STATE, rec, "state") ||
        word_from_json(b, P3S_COL_CONFIDENCE, rec, "confidence") ||
        word_from_json(b, P3S_COL_SERVICE, rec, "service") ||
        str_from_json(b, P3S_COL_GREETING, rec, "greeting", 1) || product_from_json(b, rec) ||
        list_from_json(b, P3S_COL_CAPABILITIES, rec, "capabilities") ||
        list_from_json(b, P3S_COL_CAPABILITIES_TLS, rec, "capabilities_tls") ||
        stls_login_from_json(b, rec) || tls_from_json(b, rec) || findings_from_json(b, rec) ||
        str_from_json(b, P3S_COL_ERROR, rec, "error", 0))
        return fail(err, errlen, "a member of the record has the wrong type");
    if (b->off[P3S_COL_STATE] < 0)
        return fail(err, errlen, "a record without a state");
    if (json) {
        b->json_off = (long)b->len;
        b->json_len = json_len;
        append(b, json, json_len);
        append(b, "", 1);
    }
    return b->failed ? fail(err, errlen, "out of memory") : 0;
}

/* ---- views and copies ------------------------------------------------------------------ */

void p3s_rowbuf_view(const struct p3s_rowbuf *b, struct p3s_row *out)
{
    for (int i = 0; i < P3S_COL_COUNT; i++)
        out->col[i] = b->off[i] < 0 ? NULL : b->buf + b->off[i];
    out->port = b->port;
    out->json = b->json_off < 0 ? NULL : b->buf + b->json_off;
    out->json_len = b->json_len;
}

size_t p3s_rowbuf_size(const struct p3s_rowbuf *b)
{
    return (sizeof(struct p3s_row) + b->len + 15) & ~(size_t)15;
}

struct p3s_row *p3s_row_pack_into(const struct p3s_rowbuf *b, void *mem)
{
    struct p3s_row *r = mem;
    char *data = (char *)(r + 1);
    if (b->len)
        memcpy(data, b->buf, b->len);
    for (int i = 0; i < P3S_COL_COUNT; i++)
        r->col[i] = b->off[i] < 0 ? NULL : data + b->off[i];
    r->port = b->port;
    r->json = b->json_off < 0 ? NULL : data + b->json_off;
    r->json_len = b->json_len;
    return r;
}

struct p3s_row *p3s_row_pack(const struct p3s_rowbuf *b)
{
    void *mem = malloc(p3s_rowbuf_size(b));
    return mem ? p3s_row_pack_into(b, mem) : NULL;
}

int p3s_row_key_cmp(const struct p3s_row *a, const struct p3s_row *b)
{
    int c = strcmp(a->col[P3S_COL_TARGET], b->col[P3S_COL_TARGET]);
    if (c)
        return c;
    if ((c = strcmp(a->col[P3S_COL_IP], b->col[P3S_COL_IP])))
        return c;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return strcmp(a->col[P3S_COL_TRANSPORT], b->col[P3S_COL_TRANSPORT]);
}
