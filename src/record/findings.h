/* findings.h — the findings catalog and the rules that raise findings from a record.
 *
 * One catalog (findings.c) holds every finding's stable id, severity, title and remediation;
 * docs/findings.md documents the same ids. p3s_findings_evaluate() is a pure function of a
 * finished record, so each rule is a unit test.
 */
#ifndef POP3SCAN_FINDINGS_H
#define POP3SCAN_FINDINGS_H

#include "record.h"

struct p3s_finding_def {
    const char *id;
    enum p3s_severity severity;
    const char *title;
    const char *remediation;
};

extern const struct p3s_finding_def P3S_FINDING_DETECTED;
extern const struct p3s_finding_def P3S_FINDING_CLEARTEXT;
extern const struct p3s_finding_def P3S_FINDING_PLAINTEXT_LOGIN;
extern const struct p3s_finding_def P3S_FINDING_STLS_BROKEN;
extern const struct p3s_finding_def P3S_FINDING_STLS_INJECTION;
extern const struct p3s_finding_def P3S_FINDING_APOP;
extern const struct p3s_finding_def P3S_FINDING_TLS_WEAK;
extern const struct p3s_finding_def P3S_FINDING_TLS_CERT;
extern const struct p3s_finding_def P3S_FINDING_VERSION_DISCLOSURE;
extern const struct p3s_finding_def P3S_FINDING_NTLM_DISCLOSURE;

/* Every finding of the catalog, NULL-terminated. */
extern const struct p3s_finding_def *const P3S_FINDINGS[];

/* Derives the findings of a finished record (replacing any it had). */
void p3s_findings_evaluate(struct p3s_record *r);
const struct p3s_finding *p3s_record_finding(const struct p3s_record *r, const char *id);

/* Highest severity among the record's findings, or -1 when it has none. */
int p3s_record_max_severity(const struct p3s_record *r);

#endif
