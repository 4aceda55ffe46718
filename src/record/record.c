/* record.c — allocation and small helpers for scan records (see record.h). */
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct p3s_record_block {
    struct p3s_record_block *next;
    size_t used, cap;
    _Alignas(16) char data[];
};

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

void *p3s_record_alloc(struct p3s_record *r, size_t n)
{
    n = ALIGN16(n ? n : 1);
    if (P3S_RECORD_MEM - r->mem_used >= n) {
        void *p = r->mem + r->mem_used;
        r->mem_used += n;
        return p;
    }
    struct p3s_record_block *b = r->more;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 2048 ? n : 2048;
        b = p3s_xmalloc(sizeof *b + cap);
        b->next = r->more;
        b->used = 0;
        b->cap = cap;
        r->more = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *record_strdup(struct p3s_record *r, const char *s)
{
    size_t n = strlen(s);
    char *p = p3s_record_alloc(r, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

struct p3s_record *p3s_record_new(const char *target, const char *ip, uint16_t port,
                                  int implicit_tls)
{
    struct p3s_record *r = p3s_xcalloc(1, sizeof *r);
    r->target = record_strdup(r, target);
    if (ip)
        p3s_strlcpy(r->ip, ip, sizeof r->ip);
    r->port = port;
    r->implicit_tls = implicit_tls;
    r->started_ms = p3s_wall_ms();
    r->state = P3S_STATE_ERROR;
    r->login_accepted = P3S_UNKNOWN;
    for (int i = 0; i < P3S_PROTO_COUNT; i++)
        r->tls_proto[i] = -1;
    return r;
}

void p3s_record_free(struct p3s_record *r)
{
    if (!r)
        return;
    free(r->tls_error);
    free(r->inject_detail);
    if (r->cert)
        p3s_certinfo_free(r->cert);
    free(r->cert);
    free(r->product);
    free(r->ntlm);
    free(r->error);
    while (r->more) {
        struct p3s_record_block *b = r->more;
        r->more = b->next;
        free(b);
    }
    free(r);
}

void p3s_bytes_set(struct p3s_record *r, struct p3s_bytes *b, const char *p, size_t n)
{
    b->p = p3s_record_alloc(r, n + 1);
    memcpy(b->p, p, n);
    b->p[n] = '\0';
    b->n = n;
}

void p3s_list_add(struct p3s_record *r, struct p3s_list *l, const char *p, size_t n)
{
    if (l->n == l->cap) { /* the old array stays in the record's memory: at most as big again */
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct p3s_bytes *v = p3s_record_alloc(r, cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].p = NULL;
    p3s_bytes_set(r, &l->v[l->n], p, n);
    l->n++;
}

void p3s_record_add_unsolicited(struct p3s_record *r, enum p3_cmd after, int tls, const char *p,
                                size_t n)
{
    if (r->nunsolicited >= P3S_MAX_UNSOLICITED) {
        r->unsolicited_dropped++;
        return;
    }
    if (!r->unsolicited)
        r->unsolicited =
            p3s_record_alloc(r, P3S_MAX_UNSOLICITED * sizeof *r->unsolicited);
    struct p3s_unsolicited *u = &r->unsolicited[r->nunsolicited++];
    u->after = after;
    u->tls = tls;
    p3s_bytes_set(r, &u->line, p, n);
}

const char *p3s_cmd_name(enum p3_cmd cmd)
{
    switch (cmd) {
    case P3_CMD_CAPA:
        return "CAPA";
    case P3_CMD_USER:
        return "USER";
    case P3_CMD_STLS:
        return "STLS";
    case P3_CMD_QUIT:
        return "QUIT";
    case P3_CMD_AUTH_NTLM:
        return "AUTH NTLM";
    case P3_CMD_NTLM_NEGOTIATE:
        return "NTLM NEGOTIATE";
    case P3_CMD_NTLM_CANCEL:
        return "NTLM cancel";
    default:
        return "greeting";
    }
}

void p3s_record_set_error(struct p3s_record *r, enum p3s_state st, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    r->state = st;
    free(r->error);
    r->error = p3s_xstrdup(buf);
}

const char *p3s_state_name(enum p3s_state st)
{
    static const char *const names[] = {"pop3",    "other-service", "closed", "filtered",
                                        "timeout", "tls-error",     "error"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "error";
}

static const char *const SEVERITIES[] = {"info", "low", "medium", "high"};

const char *p3s_severity_name(enum p3s_severity sev)
{
    return (unsigned)sev < 4 ? SEVERITIES[sev] : "info";
}

int p3s_severity_parse(const char *s, enum p3s_severity *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, SEVERITIES[i]) == 0) {
            *out = (enum p3s_severity)i;
            return 0;
        }
    return -1;
}


int p3s_record_answered(const struct p3s_record *r)
{
    if (r->state == P3S_STATE_POP3 || r->state == P3S_STATE_OTHER || r->greeting.p)
        return 1;
    /* conn.c words a handshake that saw nothing "... timed out". */
    return r->state == P3S_STATE_TLS_ERROR && r->tls_error && !strstr(r->tls_error, "timed out");
}

const char *p3s_via_name(enum p3s_via v)
{
    static const char *const NAMES[P3S_VIA_COUNT] = {"srv", "mx", "name", "input"};
    return (unsigned)v < P3S_VIA_COUNT ? NAMES[v] : "?";
}
