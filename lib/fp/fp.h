/* fp.h — the fingerprint matcher of pop3scan: which product, version, OS and host a POP3
 * service's replies show.
 *
 * Pure: no sockets, no files, no clock, no global state. A database is parsed from fingerprint
 * files held in memory (format: fingerprints/README.md); the built-in files are compiled into the
 * program by the p3fpdata library (p3fp_builtin.h). p3fp_identify() takes what a dialogue saw and
 * returns the best rule: the one with the highest priority (ties: the one loaded first) all of
 * whose conditions hold.
 *
 * Server bytes are untrusted: patterns are compiled without UTF (bytes are bytes), each subject is
 * cut at P3FP_SUBJECT_MAX bytes, and every match runs under a match, depth and heap limit, so no
 * input can make a match run long; a match that hits a limit counts as "no match". Values copied
 * into struct p3fp_match are NUL-terminated, cut to fit, and have control bytes replaced by '?';
 * the CPE name is escaped per the CPE 2.3 formatted-string rules whatever the captured bytes were.
 * A loaded database is read-only: p3fp_identify() may run in several threads at once.
 */
#ifndef POP3SCAN_FP_H
#define POP3SCAN_FP_H

#include <stddef.h>

struct p3fp_db;

/* What a dialogue saw. A field is present when its pointer is not NULL; an empty text that was
 * seen (a bare "+OK" greeting, a bare "-ERR") is a non-NULL pointer with length 0 — rules can
 * tell "seen and empty" from "not seen" (popa3d answers everything with a bare "-ERR"). */
struct p3fp_input {            /* any field may be NULL/0 when not seen */
    const char *greeting; size_t greeting_len;   /* after "+OK " or "-ERR " (status word and one space removed) */
    const char *implementation; size_t implementation_len; /* the CAPA IMPLEMENTATION argument */
    const char *capa; size_t capa_len;           /* names '\n'-joined; NULL when CAPA failed */
    const char *error; size_t error_len;         /* text of an -ERR reply (USER <random>, else
                                                    another command), status word removed */
    const char *cert; size_t cert_len;           /* certificate subject + issuer, "CN=…" */
    const char *user; size_t user_len;           /* the whole reply to USER <random>, status
                                                    word included ("+OK Password required.") */
    const char *stls; size_t stls_len;           /* the whole reply to STLS */
    const char *quit; size_t quit_len;           /* the whole reply to QUIT */
};

/* The sources, as bits of struct p3fp_match.sources; p3fp_source_name() gives the word the file
 * format uses for each. */
enum p3fp_source {
    P3FP_SRC_GREETING,
    P3FP_SRC_IMPLEMENTATION,
    P3FP_SRC_CAPA,
    P3FP_SRC_ERROR,
    P3FP_SRC_CERT,
    P3FP_SRC_USER,
    P3FP_SRC_STLS,
    P3FP_SRC_QUIT,
    P3FP_SRC_COUNT
};
const char *p3fp_source_name(int src);

/* How sure an identification is (fingerprints/README.md): the server names itself; strong
 * indirect evidence (a distinctive error text, a reply only this product gives); a heuristic
 * (a capability list, an order). Lowered one step when another source points at another
 * product with at least as much weight; below guess there is no identification. */
enum p3fp_confidence { P3FP_CONF_NONE = 0, P3FP_CONF_GUESS, P3FP_CONF_LIKELY, P3FP_CONF_CERTAIN };
const char *p3fp_confidence_name(enum p3fp_confidence c);

#define P3FP_FIELD_MAX 256
/* Longest part of a field a pattern looks at; the rest is ignored. */
#define P3FP_SUBJECT_MAX 4096

struct p3fp_match {
    const char *rule_id;        /* points into the db; NULL when nothing matched */
    char vendor[P3FP_FIELD_MAX], product[P3FP_FIELD_MAX], version[P3FP_FIELD_MAX];
    char cpe[P3FP_FIELD_MAX], os[P3FP_FIELD_MAX], host[P3FP_FIELD_MAX];
    enum p3fp_confidence confidence;
    unsigned sources;           /* bit (1u << P3FP_SRC_x): sources the rule's patterns matched */
    /* The strongest rule that points at another product from other sources (the reason the
     * confidence was lowered), or NULL. */
    const char *conflict_rule;
    char conflict_vendor[P3FP_FIELD_MAX], conflict_product[P3FP_FIELD_MAX];
};

/* Parse a fingerprint file held in memory. name is used in error messages ("name:line: …").
 * Returns 0, or -1 with err filled (the database is then as it was before the call). May be called
 * several times on one db to add files. Every example of every rule is checked while loading: an
 * example its rule does not match, a counterexample it does, or an "expect" it does not give is a
 * load error. */
struct p3fp_db *p3fp_db_new(void);
int p3fp_db_load(struct p3fp_db *db, const char *buf, size_t len, const char *name, char *err,
                 size_t errlen);
void p3fp_db_free(struct p3fp_db *db);
size_t p3fp_db_rules(const struct p3fp_db *db);
size_t p3fp_db_products(const struct p3fp_db *db); /* distinct vendor+product */

/* Best match (highest priority rule all of whose conditions match), its confidence lowered by
 * a conflicting rule (see enum p3fp_confidence). Returns 1 on match, 0 none (also when a
 * conflict took a guess below guess). out is always filled (all empty, rule_id NULL and
 * confidence P3FP_CONF_NONE when nothing matched). */
int p3fp_identify(const struct p3fp_db *db, const struct p3fp_input *in, struct p3fp_match *out);

/* ---- iteration, for the example test and tooling ---------------------------------------- */

/* Rules are numbered 0 … p3fp_db_rules()-1 in load order (files in the order loaded, rules in
 * file order). Pointers stay valid until p3fp_db_free(). */
struct p3fp_rule_info {
    const char *id;
    const char *vendor, *product; /* as written: may hold {capture} placeholders */
    const char *file;             /* the name given to p3fp_db_load() */
    unsigned line;                /* line of the "rule" keyword */
    int priority;
    enum p3fp_confidence confidence; /* as written, or from the priority */
    size_t examples;              /* examples and counterexamples together */
};
/* Returns 0, or -1 when index is out of range. */
int p3fp_db_rule(const struct p3fp_db *db, size_t index, struct p3fp_rule_info *out);

struct p3fp_example {
    int counter;        /* 1: a counterexample (the rule must not match it) */
    const char *file;
    unsigned line;      /* line of the "example"/"counterexample" keyword */
    struct p3fp_input in;
    /* Values the example asserts ("expect"), NULL where it asserts nothing. */
    const char *expect_vendor, *expect_product, *expect_version, *expect_cpe, *expect_os,
        *expect_host;
};
/* Example i of rule index. Returns 0, or -1 when out of range. */
int p3fp_db_example(const struct p3fp_db *db, size_t rule, size_t i, struct p3fp_example *out);

/* Evaluate one rule alone, whatever the others say (so with the rule's own confidence). Returns 1
 * and fills out when all its conditions hold, else 0 (out then empty). */
int p3fp_rule_match(const struct p3fp_db *db, size_t rule, const struct p3fp_input *in,
                    struct p3fp_match *out);

#endif
