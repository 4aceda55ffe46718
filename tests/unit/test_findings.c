/* test_findings.c — unit tests of the findings rules (src/record/findings.c): records are built by hand
 * with p3s_record_new, p3s_bytes_set and p3s_list_add, then p3s_findings_evaluate must raise
 * exactly the findings docs/findings.md describes, each with the server's own bytes as evidence,
 * and nothing at all for records that are not POP3. Also checks the catalog itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "findings.h"
#include "record.h"
#include "tlsprobe.h"

/* Both expect the record to be called r. */
#define SET(b, lit) p3s_bytes_set(r, (b), (lit), sizeof(lit) - 1)
#define ADD(l, lit) p3s_list_add(r, (l), (lit), sizeof(lit) - 1)

/* A POP3 record on a cleartext port with a plain greeting and nothing else. */
static struct p3s_record *pop3_record(uint16_t port, int implicit_tls, const char *greeting)
{
    struct p3s_record *r = p3s_record_new("mail.example.org", "192.0.2.7", port, implicit_tls);
    assert_non_null(r);
    r->state = P3S_STATE_POP3;
    r->service = P3_SVC_POP3;
    r->confirmed = 1;
    p3s_bytes_set(r, &r->greeting, greeting, strlen(greeting));
    return r;
}

static const struct p3s_finding *get(const struct p3s_record *r, const char *id)
{
    return p3s_record_finding(r, id);
}

static void assert_evidence(const struct p3s_record *r, const char *id, const char *ev, size_t n)
{
    const struct p3s_finding *f = get(r, id);
    if (!f)
        print_error("finding %s missing\n", id);
    assert_non_null(f);
    assert_string_equal(f->def->id, id);
    assert_int_equal(f->evidence_len, n);
    assert_memory_equal(f->evidence, ev, n);
    assert_int_equal(f->evidence[n], '\0');
}

#define EVIDENCE(r, id, lit) assert_evidence((r), (id), (lit), sizeof(lit) - 1)

static void assert_no(const struct p3s_record *r, const char *id)
{
    if (get(r, id))
        print_error("unexpected finding %s\n", id);
    assert_null(get(r, id));
}

/* ---- the catalog ------------------------------------------------------------------------ */

static void test_catalog(void **state)
{
    (void)state;
    size_t n = 0;
    for (const struct p3s_finding_def *const *d = P3S_FINDINGS; *d; d++, n++) {
        assert_non_null((*d)->id);
        assert_true(strlen((*d)->id) > 0);
        assert_int_equal(strncmp((*d)->id, "pop3-", 5), 0);
        assert_non_null((*d)->title);
        assert_true(strlen((*d)->title) > 0);
        assert_non_null((*d)->remediation);
        assert_true(strlen((*d)->remediation) > 10);
        assert_true((*d)->severity >= P3S_SEV_INFO && (*d)->severity <= P3S_SEV_HIGH);
        for (const struct p3s_finding_def *const *e = P3S_FINDINGS; e != d; e++)
            assert_string_not_equal((*e)->id, (*d)->id);
    }
    assert_int_equal(n, 10);
    const struct p3s_finding_def *exported[] = {
        &P3S_FINDING_DETECTED,     &P3S_FINDING_CLEARTEXT,         &P3S_FINDING_PLAINTEXT_LOGIN,
        &P3S_FINDING_STLS_BROKEN,  &P3S_FINDING_APOP,              &P3S_FINDING_TLS_WEAK,
        &P3S_FINDING_TLS_CERT,     &P3S_FINDING_VERSION_DISCLOSURE, &P3S_FINDING_NTLM_DISCLOSURE,
        &P3S_FINDING_STLS_INJECTION};
    for (size_t i = 0; i < 10; i++) {
        int found = 0;
        for (const struct p3s_finding_def *const *d = P3S_FINDINGS; *d; d++)
            found |= *d == exported[i];
        assert_true(found);
    }
    /* ids and severities as documented in docs/findings.md */
    assert_string_equal(P3S_FINDING_DETECTED.id, "pop3-detected");
    assert_int_equal(P3S_FINDING_DETECTED.severity, P3S_SEV_INFO);
    assert_string_equal(P3S_FINDING_CLEARTEXT.id, "pop3-cleartext");
    assert_int_equal(P3S_FINDING_CLEARTEXT.severity, P3S_SEV_MEDIUM);
    assert_string_equal(P3S_FINDING_PLAINTEXT_LOGIN.id, "pop3-plaintext-login");
    assert_int_equal(P3S_FINDING_PLAINTEXT_LOGIN.severity, P3S_SEV_HIGH);
    assert_string_equal(P3S_FINDING_STLS_BROKEN.id, "pop3-stls-broken");
    assert_int_equal(P3S_FINDING_STLS_BROKEN.severity, P3S_SEV_MEDIUM);
    assert_string_equal(P3S_FINDING_APOP.id, "pop3-apop");
    assert_int_equal(P3S_FINDING_APOP.severity, P3S_SEV_LOW);
    assert_string_equal(P3S_FINDING_STLS_INJECTION.id, "pop3-stls-injection");
    assert_int_equal(P3S_FINDING_STLS_INJECTION.severity, P3S_SEV_HIGH);
}

/* ---- out of step: findings resting on a reply are withheld ------------------------------ */

static void test_withheld_out_of_step(void **state)
{
    (void)state;
    /* USER accepted and STLS broken, in step: both findings */
    struct p3s_record *r = pop3_record(110, 0, "+OK ready");
    r->stls_advertised = 1;
    r->stls_attempted = 1;
    r->login_advertised = 1;
    r->login_accepted = P3S_YES;
    SET(&r->user_reply, "+OK");
    SET(&r->stls_reply, "-ERR no TLS");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-plaintext-login", "+OK");
    EVIDENCE(r, "pop3-stls-broken", "-ERR no TLS");
    assert_int_equal(r->nwithheld, 0);

    /* the same with one line no command asked for: both withheld, with the reason */
    p3s_record_add_unsolicited(r, P3_CMD_USER, 0, "-ERR no such user", 17);
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-plaintext-login");
    assert_no(r, "pop3-stls-broken");
    assert_non_null(get(r, "pop3-detected"));
    assert_int_equal(r->nwithheld, 2);
    assert_ptr_equal(r->withheld[0].def, &P3S_FINDING_PLAINTEXT_LOGIN);
    assert_ptr_equal(r->withheld[1].def, &P3S_FINDING_STLS_BROKEN);
    assert_non_null(strstr(r->withheld[0].reason, "no command asked for"));
    assert_int_equal(p3s_record_max_severity(r), P3S_SEV_INFO); /* withheld ones count for nothing */
    p3s_findings_evaluate(r); /* evaluated again: not doubled */
    assert_int_equal(r->nwithheld, 2);
    p3s_record_free(r);

    /* the unsolicited list keeps 16 lines and counts the rest */
    r = pop3_record(110, 0, "+OK ready");
    for (int i = 0; i < P3S_MAX_UNSOLICITED + 3; i++)
        p3s_record_add_unsolicited(r, P3_CMD_CAPA, i & 1, "+OK x", 5);
    assert_int_equal(r->nunsolicited, P3S_MAX_UNSOLICITED);
    assert_int_equal(r->unsolicited_dropped, 3);
    assert_int_equal(r->unsolicited[1].after, P3_CMD_CAPA);
    assert_true(r->unsolicited[1].tls);
    assert_memory_equal(r->unsolicited[1].line.p, "+OK x", 6);
    assert_string_equal(p3s_cmd_name(P3_CMD_NONE), "greeting");
    assert_string_equal(p3s_cmd_name(P3_CMD_STLS), "STLS");
    p3s_record_free(r);
}

static void test_stls_injection(void **state)
{
    (void)state;
    static const enum p3_inject_verdict verdicts[] = {P3_INJ_NOT_VULNERABLE,
                                                      P3_INJ_INCONCLUSIVE, P3_INJ_VULNERABLE};
    for (size_t i = 0; i < 3; i++) {
        struct p3s_record *r = pop3_record(110, 0, "+OK ready");
        r->stls_advertised = r->stls_attempted = r->stls_upgraded = 1;
        r->inject_tested = 1;
        r->inject = verdicts[i];
        if (verdicts[i] == P3_INJ_VULNERABLE)
            SET(&r->inject_evidence, "+OK caps\nTOP\n.\n+OK bye");
        /* a server out of step elsewhere keeps this finding: its verdict needs no reply order */
        p3s_record_add_unsolicited(r, P3_CMD_USER, 0, "+OK", 3);
        p3s_findings_evaluate(r);
        if (verdicts[i] == P3_INJ_VULNERABLE) {
            EVIDENCE(r, "pop3-stls-injection", "+OK caps\nTOP\n.\n+OK bye");
            assert_int_equal(p3s_record_max_severity(r), P3S_SEV_HIGH);
        } else {
            assert_no(r, "pop3-stls-injection");
        }
        p3s_record_free(r);
    }
    /* not tested: nothing, whatever the verdict field holds */
    struct p3s_record *r = pop3_record(110, 0, "+OK ready");
    r->inject = P3_INJ_VULNERABLE;
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-stls-injection");
    p3s_record_free(r);
}

/* ---- pop3-detected ---------------------------------------------------------------------- */

static void test_detected(void **state)
{
    (void)state;
    struct p3s_record *r = pop3_record(995, 1, "+OK Dovecot (Debian) ready.");
    p3s_findings_evaluate(r);
    assert_int_equal(r->nfindings, 1);
    EVIDENCE(r, "pop3-detected", "+OK Dovecot (Debian) ready.");
    assert_ptr_equal(get(r, "pop3-detected")->def, &P3S_FINDING_DETECTED);
    assert_int_equal(p3s_record_max_severity(r), P3S_SEV_INFO);
    assert_null(get(r, "no-such-finding"));
    p3s_record_free(r);

    /* the evidence is the exact bytes, NUL and escape sequences included */
    r = pop3_record(995, 1, "");
    SET(&r->greeting, "+OK \x1b[2J\0hidden\xff");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-detected", "+OK \x1b[2J\0hidden\xff");
    p3s_record_free(r);

    /* a refusing POP3 server (-ERR greeting) is still POP3 */
    r = pop3_record(995, 1, "-ERR [SYS/TEMP] too busy");
    r->service = P3_SVC_POP3_ERR;
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-detected", "-ERR [SYS/TEMP] too busy");
    p3s_record_free(r);

    /* evaluated twice: replaced, not doubled */
    r = pop3_record(110, 0, "+OK hi");
    p3s_findings_evaluate(r);
    size_t first = r->nfindings;
    p3s_findings_evaluate(r);
    assert_int_equal(r->nfindings, first);
    p3s_record_free(r);
}

/* ---- pop3-cleartext --------------------------------------------------------------------- */

static void test_cleartext(void **state)
{
    (void)state;
    struct p3s_record *r = pop3_record(110, 0, "+OK ready");
    r->capa.present = 1;
    ADD(&r->capa, "TOP");
    ADD(&r->capa, "USER");
    ADD(&r->capa, "SASL PLAIN");
    SET(&r->capa_reply, "+OK");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-cleartext", "TOP\nUSER\nSASL PLAIN");
    assert_ptr_equal(get(r, "pop3-cleartext")->def, &P3S_FINDING_CLEARTEXT);
    assert_non_null(get(r, "pop3-detected"));
    assert_int_equal(r->nfindings, 2);
    assert_int_equal(p3s_record_max_severity(r), P3S_SEV_MEDIUM);
    /* not when STLS is offered */
    r->stls_advertised = 1;
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-cleartext");
    assert_int_equal(r->nfindings, 1);
    p3s_record_free(r);

    /* an empty CAPA list */
    r = pop3_record(110, 0, "+OK ready");
    r->capa.present = 1;
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-cleartext", "");
    p3s_record_free(r);

    /* CAPA refused: the refusal is the evidence, bytes and all */
    r = pop3_record(110, 0, "+OK popa3d");
    SET(&r->capa_reply, "-ERR Unknown\0command");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-cleartext", "-ERR Unknown\0command");
    p3s_record_free(r);

    /* CAPA never answered */
    r = pop3_record(110, 0, "+OK");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-cleartext", "CAPA not answered");
    p3s_record_free(r);

    /* not on an implicit-TLS port, even without STLS */
    r = pop3_record(995, 1, "+OK ready");
    r->capa_tls.present = 1;
    ADD(&r->capa_tls, "USER");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-cleartext");
    assert_int_equal(r->nfindings, 1);
    p3s_record_free(r);

    /* nor for a server that refuses the session (-ERR greeting) */
    r = pop3_record(110, 0, "-ERR go away");
    r->service = P3_SVC_POP3_ERR;
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-cleartext");
    assert_non_null(get(r, "pop3-detected"));
    p3s_record_free(r);
}

/* ---- pop3-plaintext-login --------------------------------------------------------------- */

static void test_plaintext_login(void **state)
{
    (void)state;
    struct p3s_record *r = pop3_record(110, 0, "+OK ready");
    r->stls_advertised = 1;
    r->login_advertised = 1;
    r->login_accepted = P3S_YES;
    SET(&r->user_reply, "+OK send PASS");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-plaintext-login", "+OK send PASS");
    assert_ptr_equal(get(r, "pop3-plaintext-login")->def, &P3S_FINDING_PLAINTEXT_LOGIN);
    assert_int_equal(p3s_record_max_severity(r), P3S_SEV_HIGH);
    p3s_record_free(r);

    /* advertised but refused, or never probed: not enough */
    static const enum p3s_tristate not_accepted[] = {P3S_NO, P3S_UNKNOWN};
    for (size_t i = 0; i < 2; i++) {
        r = pop3_record(110, 0, "+OK ready");
        r->stls_advertised = 1;
        r->login_advertised = 1;
        r->capa.present = 1;
        ADD(&r->capa, "USER");
        ADD(&r->capa, "SASL PLAIN LOGIN");
        r->capa_bits = P3_CAPA_USER | P3_CAPA_SASL | P3_CAPA_SASL_PLAIN | P3_CAPA_SASL_LOGIN;
        r->login_accepted = not_accepted[i];
        if (not_accepted[i] == P3S_NO)
            SET(&r->user_reply, "-ERR [AUTH] Plaintext authentication disallowed");
        p3s_findings_evaluate(r);
        assert_no(r, "pop3-plaintext-login");
        assert_int_equal(r->nfindings, 1);
        p3s_record_free(r);
    }

    /* on implicit TLS there is no cleartext login to speak of */
    r = pop3_record(995, 1, "+OK ready");
    r->login_accepted = P3S_YES;
    SET(&r->user_reply, "+OK");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-plaintext-login");
    p3s_record_free(r);
}

/* ---- pop3-stls-broken ------------------------------------------------------------------- */

static void test_stls_broken(void **state)
{
    (void)state;
    /* refused */
    struct p3s_record *r = pop3_record(110, 0, "+OK ready");
    r->stls_advertised = 1;
    r->stls_attempted = 1;
    SET(&r->stls_reply, "-ERR TLS support not configured");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-stls-broken", "-ERR TLS support not configured");
    assert_ptr_equal(get(r, "pop3-stls-broken")->def, &P3S_FINDING_STLS_BROKEN);
    assert_no(r, "pop3-cleartext");
    p3s_record_free(r);

    /* accepted, then the handshake failed: the TLS error is the evidence */
    r = pop3_record(110, 0, "+OK ready");
    r->stls_advertised = 1;
    r->stls_attempted = 1;
    SET(&r->stls_reply, "+OK Begin TLS negotiation now.");
    r->tls_error = strdup("error:0A000410:SSL routines::sslv3 alert handshake failure");
    assert_non_null(r->tls_error);
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-stls-broken", "error:0A000410:SSL routines::sslv3 alert handshake failure");
    p3s_record_free(r);

    /* upgraded: fine */
    r = pop3_record(110, 0, "+OK ready");
    r->stls_advertised = 1;
    r->stls_attempted = 1;
    r->stls_upgraded = 1;
    SET(&r->stls_reply, "+OK Begin TLS negotiation now.");
    snprintf(r->tls_version, sizeof r->tls_version, "TLSv1.3");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-stls-broken");
    assert_int_equal(r->nfindings, 1);
    p3s_record_free(r);

    /* advertised but not tried (--no-stls): nothing known */
    r = pop3_record(110, 0, "+OK ready");
    r->stls_advertised = 1;
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-stls-broken");
    assert_int_equal(r->nfindings, 1);
    p3s_record_free(r);

    /* not advertised: not broken (but cleartext) */
    r = pop3_record(110, 0, "+OK ready");
    r->stls_attempted = 1;
    SET(&r->stls_reply, "-ERR");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-stls-broken");
    assert_non_null(get(r, "pop3-cleartext"));
    p3s_record_free(r);
}

/* ---- pop3-apop -------------------------------------------------------------------------- */

static void test_apop(void **state)
{
    (void)state;
    struct p3s_record *r = pop3_record(995, 1, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-apop", "<1896.697170952@dbc.mtview.ca.us>");
    assert_ptr_equal(get(r, "pop3-apop")->def, &P3S_FINDING_APOP);
    EVIDENCE(r, "pop3-detected", "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>");
    assert_int_equal(r->nfindings, 2);
    assert_int_equal(p3s_record_max_severity(r), P3S_SEV_LOW);
    p3s_record_free(r);

    static const char *const none[] = {"+OK ready", "+OK ready <>", "+OK ready <abc>",
                                       "+OK ready <a@b"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        r = pop3_record(995, 1, none[i]);
        p3s_findings_evaluate(r);
        assert_no(r, "pop3-apop");
        assert_int_equal(r->nfindings, 1);
        p3s_record_free(r);
    }
}

/* ---- combinations and other states ------------------------------------------------------ */

static void test_dovecot_like(void **state)
{
    (void)state;
    /* STLS offered and working, cleartext USER accepted: detected + plaintext-login only */
    struct p3s_record *r = pop3_record(110, 0, "+OK Dovecot (Debian) ready.");
    r->capa.present = 1;
    ADD(&r->capa, "CAPA");
    ADD(&r->capa, "STLS");
    ADD(&r->capa, "USER");
    ADD(&r->capa, "SASL PLAIN LOGIN");
    r->capa_bits = P3_CAPA_STLS | P3_CAPA_USER | P3_CAPA_SASL | P3_CAPA_SASL_PLAIN |
                   P3_CAPA_SASL_LOGIN;
    r->stls_advertised = 1;
    r->stls_attempted = 1;
    r->stls_upgraded = 1;
    SET(&r->stls_reply, "+OK Begin TLS negotiation now.");
    r->login_advertised = 1;
    r->login_accepted = P3S_YES;
    SET(&r->user_reply, "+OK");
    p3s_findings_evaluate(r);
    assert_int_equal(r->nfindings, 2);
    EVIDENCE(r, "pop3-detected", "+OK Dovecot (Debian) ready.");
    EVIDENCE(r, "pop3-plaintext-login", "+OK");
    assert_no(r, "pop3-cleartext");
    assert_no(r, "pop3-stls-broken");
    assert_no(r, "pop3-apop");
    assert_int_equal(p3s_record_max_severity(r), P3S_SEV_HIGH);
    p3s_record_free(r);

    /* everything wrong at once */
    r = pop3_record(110, 0, "+OK <1.2@host>");
    r->login_accepted = P3S_YES;
    SET(&r->user_reply, "+OK");
    SET(&r->capa_reply, "-ERR");
    p3s_findings_evaluate(r);
    assert_int_equal(r->nfindings, 4);
    EVIDENCE(r, "pop3-cleartext", "-ERR");
    EVIDENCE(r, "pop3-apop", "<1.2@host>");
    assert_non_null(get(r, "pop3-plaintext-login"));
    for (size_t i = 0; i < r->nfindings; i++) {
        assert_non_null(r->findings[i].def);
        assert_non_null(r->findings[i].evidence);
    }
    p3s_record_free(r);
}

static void test_non_pop3_states(void **state)
{
    (void)state;
    static const enum p3s_state states[] = {P3S_STATE_OTHER,   P3S_STATE_CLOSED,
                                            P3S_STATE_FILTERED, P3S_STATE_TIMEOUT,
                                            P3S_STATE_TLS_ERROR, P3S_STATE_ERROR};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        /* every trigger set, yet no finding */
        struct p3s_record *r = pop3_record(110, 0, "+OK <1.2@host>");
        r->capa.present = 1;
        ADD(&r->capa, "USER");
        r->login_accepted = P3S_YES;
        SET(&r->user_reply, "+OK");
        r->stls_advertised = 1;
        r->stls_attempted = 1;
        SET(&r->stls_reply, "-ERR");
        r->tls_error = strdup("handshake failed");
        p3s_findings_evaluate(r);
        assert_true(r->nfindings > 0);
        r->state = states[i];
        p3s_findings_evaluate(r); /* the findings of the earlier evaluation are dropped */
        assert_int_equal(r->nfindings, 0);
        assert_int_equal(p3s_record_max_severity(r), -1);
        assert_null(get(r, "pop3-detected"));
        p3s_record_free(r);
    }

    /* a fresh record (state error) and an SMTP server */
    struct p3s_record *r = p3s_record_new("x", NULL, 110, 0);
    p3s_findings_evaluate(r);
    assert_int_equal(r->nfindings, 0);
    p3s_record_free(r);
    r = p3s_record_new("x", "192.0.2.1", 25, 0);
    r->state = P3S_STATE_OTHER;
    r->service = P3_SVC_SMTP;
    SET(&r->greeting, "220 mx ESMTP <1.2@host>");
    p3s_findings_evaluate(r);
    assert_int_equal(r->nfindings, 0);
    p3s_record_free(r);
}

/* ---- TLS, version and NTLM findings ------------------------------------------------------- */

static struct p3s_record *tls_record(const char *version, const char *cipher, int bits)
{
    struct p3s_record *r = pop3_record(995, 1, "+OK ready");
    snprintf(r->tls_version, sizeof r->tls_version, "%s", version);
    snprintf(r->tls_cipher, sizeof r->tls_cipher, "%s", cipher);
    r->tls_cipher_bits = bits;
    return r;
}

static void test_tls_weak(void **state)
{
    (void)state;
    struct p3s_record *r = tls_record("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256);
    r->tls_proto[P3S_PROTO_SSL3] = P3S_TLSPROBE_UNSUPPORTED;
    r->tls_proto[P3S_PROTO_TLS10] = P3S_TLSPROBE_REFUSED;
    r->tls_proto[P3S_PROTO_TLS11] = P3S_TLSPROBE_TIMEOUT;
    r->tls_proto[P3S_PROTO_TLS12] = P3S_TLSPROBE_ACCEPTED;
    r->tls_proto[P3S_PROTO_TLS13] = P3S_TLSPROBE_ACCEPTED;
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-tls-weak");
    r->tls_proto[P3S_PROTO_TLS10] = P3S_TLSPROBE_ACCEPTED;
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-tls-weak", "TLSv1.0 accepted");
    assert_int_equal(get(r, "pop3-tls-weak")->def->severity, P3S_SEV_MEDIUM);
    p3s_record_free(r);

    /* A weak cipher negotiated on the scan's own connection counts without any probe. */
    r = tls_record("TLSv1.2", "DES-CBC3-SHA", 112);
    p3s_findings_evaluate(r);
    assert_non_null(get(r, "pop3-tls-weak"));
    assert_non_null(strstr(get(r, "pop3-tls-weak")->evidence, "DES-CBC3-SHA"));
    p3s_record_free(r);

    /* No TLS at all: no TLS finding. */
    r = pop3_record(110, 0, "+OK ready");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-tls-weak");
    assert_no(r, "pop3-tls-cert");
    p3s_record_free(r);
}

static void test_tls_cert(void **state)
{
    (void)state;
    struct p3s_record *r = tls_record("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256);
    r->cert = calloc(1, sizeof *r->cert);
    assert_non_null(r->cert);
    r->cert->present = 1;
    r->cert->chain_verified = 1;
    r->cert->name_checked = 1;
    r->cert->name_matches = 1;
    snprintf(r->cert->name, sizeof r->cert->name, "mail.example.org");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-tls-cert");
    r->cert->expired = 1;
    snprintf(r->cert->not_after, sizeof r->cert->not_after, "2020-01-01T00:00:00Z");
    p3s_findings_evaluate(r);
    const struct p3s_finding *f = get(r, "pop3-tls-cert");
    assert_non_null(f);
    assert_int_equal(f->def->severity, P3S_SEV_LOW);
    assert_non_null(strstr(f->evidence, "expired"));
    assert_non_null(strstr(f->evidence, "2020-01-01"));
    r->cert->expired = 0;
    r->cert->name_matches = 0;
    p3s_findings_evaluate(r);
    assert_non_null(strstr(get(r, "pop3-tls-cert")->evidence, "mail.example.org"));
    p3s_record_free(r);
}

static struct p3fp_match *product(const char *name, const char *version)
{
    struct p3fp_match *m = calloc(1, sizeof *m);
    assert_non_null(m);
    snprintf(m->product, sizeof m->product, "%s", name);
    snprintf(m->version, sizeof m->version, "%s", version);
    return m;
}

static void test_version_disclosure(void **state)
{
    (void)state;
    struct p3s_record *r = pop3_record(110, 0, "+OK Qpopper (version 4.1.0) at mail starting.");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-version-disclosure"); /* not identified: nothing to say */
    r->product = product("qpopper", "4.1.0");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-version-disclosure", "+OK Qpopper (version 4.1.0) at mail starting.");
    assert_int_equal(get(r, "pop3-version-disclosure")->def->severity, P3S_SEV_INFO);
    p3s_record_free(r);

    /* The version shown only by IMPLEMENTATION: that line is the evidence. */
    r = pop3_record(110, 0, "+OK ready");
    r->capa.present = 1;
    ADD(&r->capa, "TOP");
    ADD(&r->capa, "IMPLEMENTATION GNU Mailutils 3.15");
    r->product = product("GNU Mailutils", "3.15");
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-version-disclosure", "IMPLEMENTATION GNU Mailutils 3.15");
    p3s_record_free(r);

    /* Identified without a version: no disclosure. */
    r = pop3_record(110, 0, "+OK Dovecot ready.");
    r->product = product("Dovecot", "");
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-version-disclosure");
    p3s_record_free(r);
}

static void test_ntlm_disclosure(void **state)
{
    (void)state;
    struct p3s_record *r = pop3_record(110, 0, "+OK The Microsoft Exchange POP3 service is ready.");
    r->ntlm_state = P3S_NTLM_REFUSED;
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-ntlm-disclosure");
    r->ntlm_state = P3S_NTLM_DECODED;
    r->ntlm = calloc(1, sizeof *r->ntlm);
    assert_non_null(r->ntlm);
    p3s_findings_evaluate(r);
    assert_no(r, "pop3-ntlm-disclosure"); /* a challenge that names nothing */
    snprintf(r->ntlm->nb_computer, sizeof r->ntlm->nb_computer, "MAIL01");
    snprintf(r->ntlm->nb_domain, sizeof r->ntlm->nb_domain, "CONTOSO");
    snprintf(r->ntlm->dns_computer, sizeof r->ntlm->dns_computer, "mail01.contoso.local");
    r->ntlm->has_version = 1;
    r->ntlm->os_major = 10;
    r->ntlm->os_build = 17763;
    p3s_findings_evaluate(r);
    EVIDENCE(r, "pop3-ntlm-disclosure",
             "NetBIOS computer MAIL01, NetBIOS domain CONTOSO, DNS computer "
             "mail01.contoso.local, OS 10.0.17763 (Windows Server 2019 / Windows 10 1809)");
    assert_int_equal(get(r, "pop3-ntlm-disclosure")->def->severity, P3S_SEV_LOW);
    p3s_record_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_detected),
        cmocka_unit_test(test_withheld_out_of_step),
        cmocka_unit_test(test_stls_injection),
        cmocka_unit_test(test_cleartext),
        cmocka_unit_test(test_plaintext_login),
        cmocka_unit_test(test_stls_broken),
        cmocka_unit_test(test_apop),
        cmocka_unit_test(test_dovecot_like),
        cmocka_unit_test(test_non_pop3_states),
        cmocka_unit_test(test_tls_weak),
        cmocka_unit_test(test_tls_cert),
        cmocka_unit_test(test_version_disclosure),
        cmocka_unit_test(test_ntlm_disclosure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
