/* followup.c — the checks that follow a dialogue (see followup.h): a ClientHello per TLS version
 * and the STLS command injection check, each on a connection of its own, the record completed
 * when the last one ends. */
#include "followup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "injprobe.h"
#include "conn.h"
#include "record.h"
#include "tlsprobe.h"
#include "util.h"

/* A record waiting for the checks that follow its dialogue. */
struct followup {
    const struct p3s_followup_host *host;
    struct p3s_record *rec;
    void *hold;
    int pending;
    unsigned open; /* bit i: the probe of version i holds a connection slot */
};

/* One check ended: the record goes out with the last. */
static void check_done(struct followup *f)
{
    if (--f->pending)
        return;
    const struct p3s_followup_host *host = f->host;
    struct p3s_record *rec = f->rec;
    void *hold = f->hold;
    free(f);
    host->finished(host->ctx, rec, hold);
}

static void on_tls_probe(void *arg, int version, enum p3s_tlsprobe_result result,
                         const char *detail)
{
    (void)detail; /* why, for a reader of tlsprobe; the record keeps the result */
    struct followup *f = arg;
    int i = p3s_tls_proto_of_code(version);
    if (i >= 0) {
        f->rec->tls_proto[i] = (signed char)result;
        if (f->open & 1u << i) { /* the slot is given back by whichever way it ended */
            f->open &= ~(1u << i);
            f->host->slot(f->host->ctx, -1);
        }
    }
    check_done(f);
}

/* A POP3 service that did TLS gets one ClientHello per protocol version, on new connections and
 * the same way in (STLS or implicit), to learn which versions it accepts; the version the
 * scanner's own connection negotiated is accepted already and not asked again. */
static void start_version_checks(const struct p3s_followup_env *env, struct followup *f,
                                 const struct sockaddr *addr, socklen_t addrlen, int sni)
{
    struct p3s_record *rec = f->rec;
    struct timeval tv = {env->read_timeout_ms / 1000, env->read_timeout_ms % 1000 * 1000};
    int negotiated = p3s_tls_proto_of_name(rec->tls_version);
    for (int i = 0; i < P3S_PROTO_COUNT; i++) {
        int version = P3S_TLS_PROTOS[i].code;
        char why[128];
        f->pending++;
        if (i == negotiated) {
            on_tls_probe(f, version, P3S_TLSPROBE_ACCEPTED, rec->tls_cipher);
            continue;
        }
        if (!p3s_tlsprobe_supported(version, why, sizeof why)) {
            on_tls_probe(f, version, P3S_TLSPROBE_UNSUPPORTED, why);
            continue;
        }
        f->host->slot(f->host->ctx, +1);
        f->open |= 1u << i;
        if (p3s_tlsprobe_start(env->base, addr, addrlen, !rec->implicit_tls, version,
                               sni ? rec->target : NULL, &tv, on_tls_probe, f) < 0) {
            snprintf(why, sizeof why, "not probed: %s", strerror(errno));
            on_tls_probe(f, version, P3S_TLSPROBE_ERROR, why);
        }
    }
}

static void on_inject_probe(void *arg, const struct p3s_injprobe_result *res)
{
    struct followup *f = arg;
    struct p3s_record *r = f->rec;
    r->inject_tested = 1;
    r->inject = res->verdict;
    free(r->inject_detail);
    r->inject_detail = p3s_xstrdup(res->detail);
    if (res->verdict == P3_INJ_VULNERABLE)
        p3s_bytes_set(r, &r->inject_evidence, res->evidence, res->evidence_len);
    if (res->cleartext_len)
        p3s_bytes_set(r, &r->inject_cleartext, res->cleartext, res->cleartext_len);
    f->host->slot(f->host->ctx, -1);
    check_done(f);
}

/* A cleartext port whose STLS upgrade worked gets the STLS command injection check (injprobe.h)
 * on a connection of its own. A server already seen answering out of step gets a settle wait
 * after its greeting there too. */
static void start_inject_check(const struct p3s_followup_env *env, struct followup *f,
                               const struct sockaddr *addr, socklen_t addrlen, int sni)
{
    int settle = f->rec->nunsolicited ? P3S_SETTLE_MIN_MS : 0;
    f->pending++;
    f->host->slot(f->host->ctx, +1);
    if (p3s_injprobe_start(env->base, env->ssl_ctx, addr, addrlen, sni ? f->rec->target : NULL,
                           settle, env->read_timeout_ms, env->deadline_ms, on_inject_probe,
                           f) < 0) {
        char why[128];
        snprintf(why, sizeof why, "not checked: %s", strerror(errno));
        struct p3s_injprobe_result res = {P3_INJ_INCONCLUSIVE, why, "", 0, "", 0};
        on_inject_probe(f, &res);
    }
}

int p3s_followup_start(const struct p3s_followup_env *env, const struct p3s_followup_host *host,
                       struct p3s_record *rec, const struct sockaddr *addr, socklen_t addrlen,
                       int sni, void *hold)
{
    int versions = env->tls_versions && rec->tls_version[0];
    int inject = env->stls_injection && !rec->implicit_tls && rec->stls_upgraded;
    if (rec->state != P3S_STATE_POP3 || !(versions || inject))
        return 0;
    struct followup *f = p3s_xcalloc(1, sizeof *f);
    *f = (struct followup){host, rec, hold, 1, 0}; /* one hold while starting them */
    if (versions)
        start_version_checks(env, f, addr, addrlen, sni);
    if (inject)
        start_inject_check(env, f, addr, addrlen, sni);
    check_done(f); /* the starting hold: the record goes out now if every check ended at once */
    return 1;
}
